//! The real OS keyring (Secret Service via gnome-keyring). Run inside a session bus:
//!
//! ```sh
//! dbus-run-session -- sh -c 'export XDG_DATA_HOME=$(mktemp -d); \
//!   echo pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; \
//!   cargo test -p consentry-store'
//! ```
//!
//! Without a session bus these tests print a notice and pass, unless `CI_REQUIRE_KEYRING=1`.

use std::process::Command;
use std::time::Duration;

use consentry_store::{
    CreateOptions, KdfParams, KeyStore, KeyStoreError, KeyringStore, StoreError, Unlock, Wallet,
    WalletPaths, WalletState, KEYRING_SERVICE,
};

use crate::support::{file_digest, now, unlock_with_recovery};

fn keyring_available(test: &str) -> bool {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some() {
        return true;
    }
    if std::env::var("CI_REQUIRE_KEYRING").as_deref() == Ok("1") {
        panic!("{test}: CI_REQUIRE_KEYRING=1 but no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS unset); run the tests under dbus-run-session with gnome-keyring-daemon");
    }
    println!("SKIPPED {test}: no D-Bus session bus, so no Secret Service (set CI_REQUIRE_KEYRING=1 to fail instead)");
    false
}

async fn keyring_wallet() -> (
    tempfile::TempDir,
    Wallet,
    consentry_store::Created,
    KeyringStore,
) {
    let dir = tempfile::tempdir().unwrap();
    let store = KeyringStore::new();
    let mut wallet = Wallet::new(WalletPaths::in_dir(dir.path()), None, now());
    let created = wallet
        .create(
            CreateOptions {
                keyring: Some(&store),
                passphrase: None,
                kdf: KdfParams::INSECURE_FOR_TESTS,
            },
            now(),
        )
        .await
        .unwrap();
    (dir, wallet, created, store)
}

#[tokio::test]
async fn the_key_lives_in_the_secret_service_and_unlocks_the_wallet() {
    if !keyring_available("the_key_lives_in_the_secret_service_and_unlocks_the_wallet") {
        return;
    }
    let (_dir, mut wallet, created, store) = keyring_wallet().await;
    let id = created.wallet_id.to_string();
    // Proof that keyring did not fall back to its in-memory mock: another process sees it.
    let out = Command::new("secret-tool")
        .args([
            "search",
            "--all",
            "service",
            KEYRING_SERVICE,
            "username",
            &id,
        ])
        .output()
        .expect("secret-tool (libsecret-tools) is installed");
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        shown.contains(&id),
        "secret-tool does not see the entry:\n{shown}"
    );
    let loaded = store.load(&id).await.unwrap().expect("an entry");
    assert!(
        shown.contains(loaded.to_hex_upper().as_str()),
        "the entry holds the key"
    );

    wallet.lock().await;
    wallet.unlock(Unlock::Keyring(&store), now()).await.unwrap();
    assert_eq!(wallet.state(), WalletState::Unlocked);
    wallet.lock().await;
    store.delete(&id).await.unwrap();
}

#[tokio::test]
async fn a_missing_entry_is_key_missing_and_the_recovery_key_restores_it() {
    if !keyring_available("a_missing_entry_is_key_missing_and_the_recovery_key_restores_it") {
        return;
    }
    let (_dir, mut wallet, created, store) = keyring_wallet().await;
    let id = created.wallet_id.to_string();
    wallet.lock().await;
    store.delete(&id).await.unwrap();
    let before = file_digest(&wallet.paths().db());
    let err = wallet
        .unlock(Unlock::Keyring(&store), now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::KeyMissing), "{err}");
    assert_eq!(wallet.state(), WalletState::KeyMissing);
    assert_eq!(file_digest(&wallet.paths().db()), before);
    assert!(!wallet.paths().wal().exists());

    unlock_with_recovery(&mut wallet, &created).await;
    wallet.save_key_to(&store).await.unwrap();
    wallet.lock().await;
    wallet.unlock(Unlock::Keyring(&store), now()).await.unwrap();
    wallet.lock().await;
    store.delete(&id).await.unwrap();
}

#[tokio::test]
async fn rotation_in_keyring_mode_leaves_one_entry_with_the_new_key() {
    if !keyring_available("rotation_in_keyring_mode_leaves_one_entry_with_the_new_key") {
        return;
    }
    let (_dir, mut wallet, created, store) = keyring_wallet().await;
    let id = created.wallet_id.to_string();
    let old = store.load(&id).await.unwrap().unwrap();
    assert!(matches!(
        wallet.rotate_key(None, &mut |_| {}).await,
        Err(StoreError::Invalid {
            field: "keyring",
            ..
        })
    ));
    wallet.rotate_key(Some(&store), &mut |_| {}).await.unwrap();
    let new = store.load(&id).await.unwrap().unwrap();
    assert_ne!(old, new);
    assert_eq!(store.load(&format!("{id}.next")).await.unwrap(), None);
    wallet.lock().await;
    wallet.unlock(Unlock::Keyring(&store), now()).await.unwrap();
    wallet.lock().await;
    // The old key no longer opens it.
    let err = wallet
        .unlock(Unlock::RawKey(&old), now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::KeyMismatch(_)), "{err}");
    store.delete(&id).await.unwrap();
}

#[tokio::test]
async fn a_keyring_call_that_does_not_answer_times_out_with_a_clear_error() {
    if !keyring_available("a_keyring_call_that_does_not_answer_times_out_with_a_clear_error") {
        return;
    }
    let store = KeyringStore::new().with_timeout(Duration::ZERO);
    let err = store.load("consentry-timeout-probe").await.unwrap_err();
    assert!(
        matches!(
            err,
            KeyStoreError::Timeout {
                operation: "load",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("did not answer"));
}

/// The other half of `a_keyring_change_killed_at_any_point_leaves_a_wallet_that_opens`:
/// `keep` or `remove` (passed as the pause point).
#[tokio::test]
#[ignore = "runs only as the crash test's child process"]
async fn child_changes_the_keyring() {
    use std::io::Write as _;
    let Ok(dir) = std::env::var(crate::rekey::CHILD_DIR) else {
        return;
    };
    let action = std::env::var(crate::rekey::CHILD_PAUSE_AT).unwrap();
    let store = KeyringStore::new();
    let mut wallet = Wallet::new(WalletPaths::in_dir(dir), None, now());
    wallet
        .unlock(Unlock::Passphrase(&crate::support::passphrase()), now())
        .await
        .unwrap();
    let mut out = std::io::stdout();
    writeln!(out, "STEP Changing").unwrap();
    out.flush().unwrap();
    match action.as_str() {
        "keep" => wallet.save_key_to(&store).await.unwrap(),
        _ => wallet.remove_key_from(&store).await.unwrap(),
    }
    writeln!(out, "STEP Done").unwrap();
    out.flush().unwrap();
}

/// SIGKILL anywhere while putting the key into the keyring or taking it out leaves a wallet
/// that opens with the passphrase, and whose key file never claims a keyring entry that
/// does not open it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyring_change_killed_at_any_point_leaves_a_wallet_that_opens() {
    if !keyring_available("a_keyring_change_killed_at_any_point_leaves_a_wallet_that_opens") {
        return;
    }
    use crate::rekey::{copy_wallet, run_child};
    let (dir, mut wallet, _created) = crate::support::passphrase_wallet().await;
    wallet.lock().await;
    let pristine = wallet.paths().dir().to_path_buf();
    let store = KeyringStore::new();
    let child = "keyring::child_changes_the_keyring";
    for action in ["keep", "remove"] {
        // Before each run: the keyring as the action expects to find it.
        let prepare = |run: &std::path::Path| {
            copy_wallet(&pristine, run);
            let run = run.to_path_buf();
            let store = &store;
            async move {
                let mut w = Wallet::new(WalletPaths::in_dir(run), None, now());
                w.unlock(Unlock::Passphrase(&crate::support::passphrase()), now())
                    .await
                    .unwrap();
                match action {
                    "keep" => w.remove_key_from(store).await.unwrap(),
                    _ => w.save_key_to(store).await.unwrap(),
                }
                w.lock().await;
            }
        };
        let timing = dir.path().join(format!("{action}-timing"));
        prepare(&timing).await;
        let seen = run_child(child, &timing, "Done", action, Duration::ZERO);
        let takes = seen[1].1 - seen[0].1;
        let (mut before, mut after) = (0, 0);
        // The last kill comes at four times the measured duration: on a loaded machine the
        // child can be slower than when it was measured, and one kill must land after.
        for tenths in (0..=12).chain([40]) {
            let run = dir.path().join(format!("{action}{tenths}"));
            prepare(&run).await;
            run_child(child, &run, "Changing", action, takes * tenths / 10);
            let mut reopened = Wallet::new(WalletPaths::in_dir(&run), None, now());
            let (in_keyring, _) = reopened.key_homes().unwrap();
            let by_keyring = reopened
                .unlock(Unlock::Keyring(&store), now())
                .await
                .is_ok();
            reopened.lock().await;
            if in_keyring {
                assert!(by_keyring, "{action} killed at {tenths}/10: the key file claims a keyring entry that does not open it");
            }
            reopened
                .unlock(Unlock::Passphrase(&crate::support::passphrase()), now())
                .await
                .unwrap_or_else(|e| panic!("{action} killed at {tenths}/10: {e}"));
            reopened.lock().await;
            let done = match action {
                "keep" => in_keyring,
                _ => !in_keyring,
            };
            before += usize::from(!done);
            after += usize::from(done);
        }
        assert!(
            after > 0,
            "{action}: every kill came too early ({before} before)"
        );
    }
    let mut last = Wallet::new(WalletPaths::in_dir(&pristine), None, now());
    last.unlock(Unlock::Passphrase(&crate::support::passphrase()), now())
        .await
        .unwrap();
    last.remove_key_from(&store).await.unwrap();
}
