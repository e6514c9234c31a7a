//! Key rotation and passphrase changes, each killed with SIGKILL at every step.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use consentry_store::{
    events, integrity, KdfParams, KeySource, Passphrase, RecoveryKey, RekeyStep, StoreError,
    Unlock, Wallet, WalletPaths,
};

use crate::fixtures::{incoming, mixed};
use crate::support::{now, passphrase, passphrase_wallet};

const CHILD_DIR: &str = "CONSENTRY_TEST_REKEY_CHILD_DIR";
const CHILD_PAUSE_AT: &str = "CONSENTRY_TEST_REKEY_PAUSE_AT";

async fn count(wallet: &Wallet) -> u64 {
    events::count(wallet.pool().unwrap()).await.unwrap()
}

#[tokio::test]
async fn rotation_keeps_every_unlock_path_and_the_data() {
    let (_dir, mut wallet, created) = passphrase_wallet().await;
    let batch: Vec<_> = (0..500)
        .map(|i| incoming(mixed(i, &["tok_a".into()], now())))
        .collect();
    events::ingest(wallet.pool().unwrap(), &batch, now())
        .await
        .unwrap();
    let mut steps = Vec::new();
    wallet
        .rotate_key(None, &mut |s| steps.push(s))
        .await
        .unwrap();
    assert_eq!(
        steps,
        [
            RekeyStep::NextKeySealed,
            RekeyStep::Rekeying,
            RekeyStep::Rekeyed,
            RekeyStep::KeyFileCommitted,
            RekeyStep::Reopened
        ]
    );
    assert_eq!(count(&wallet).await, 500, "still open after rotating");
    wallet.lock().await;
    wallet
        .unlock(Unlock::Passphrase(&passphrase()), now())
        .await
        .unwrap();
    assert_eq!(count(&wallet).await, 500);
    wallet.lock().await;
    let recovery = RecoveryKey::parse(&created.recovery_key.reveal()).unwrap();
    wallet
        .unlock(Unlock::RecoveryKey(&recovery), now())
        .await
        .unwrap();
    assert!(integrity::check(wallet.pool().unwrap())
        .await
        .unwrap()
        .is_intact());
}

#[tokio::test]
async fn changing_the_passphrase_retires_the_old_one() {
    let (_dir, mut wallet, created) = passphrase_wallet().await;
    let new = Passphrase::new("a much better passphrase".into());
    let short = Passphrase::new("short".into());
    assert!(matches!(
        wallet
            .change_passphrase(&short, KdfParams::INSECURE_FOR_TESTS)
            .await,
        Err(StoreError::PassphraseTooShort { .. })
    ));
    wallet
        .change_passphrase(&new, KdfParams::INSECURE_FOR_TESTS)
        .await
        .unwrap();
    wallet.lock().await;
    let err = wallet
        .unlock(Unlock::Passphrase(&passphrase()), now())
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::KeyMismatch(KeySource::Passphrase)),
        "{err}"
    );
    wallet
        .unlock(Unlock::Passphrase(&new), now())
        .await
        .unwrap();
    wallet.lock().await;
    let recovery = RecoveryKey::parse(&created.recovery_key.reveal()).unwrap();
    wallet
        .unlock(Unlock::RecoveryKey(&recovery), now())
        .await
        .unwrap();
}

/// The other half of the crash test: run in a child process by
/// `a_rotation_killed_at_any_point_leaves_a_wallet_that_opens`. Ignored on its own.
#[tokio::test]
#[ignore = "runs only as the crash test's child process"]
async fn child_rotates_the_key() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let pause_at = std::env::var(CHILD_PAUSE_AT).unwrap_or_default();
    let mut wallet = Wallet::new(WalletPaths::in_dir(dir), None, now());
    wallet
        .unlock(Unlock::Passphrase(&passphrase()), now())
        .await
        .unwrap();
    let mut observer = |step: RekeyStep| {
        let name = format!("{step:?}");
        let mut out = std::io::stdout().lock();
        writeln!(out, "STEP {name}").unwrap();
        out.flush().unwrap();
        if name == pause_at {
            // Hold still so the parent kills us exactly here.
            std::thread::sleep(Duration::from_secs(30));
        }
    };
    wallet.rotate_key(None, &mut observer).await.unwrap();
    writeln!(std::io::stdout(), "STEP Done").unwrap();
}

fn copy_wallet(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// Starts the child on `dir`, waits for `STEP <wait_for>`, sleeps `delay`, SIGKILLs it
/// (`wait_for = "Done"`: lets it finish). Returns the steps it printed with their times.
fn run_child_and_kill(
    dir: &Path,
    wait_for: &str,
    pause_at: &str,
    delay: Duration,
) -> Vec<(String, Instant)> {
    run_child(
        "rekey::child_rotates_the_key",
        dir,
        wait_for,
        pause_at,
        delay,
    )
}

/// [`run_child_and_kill`] with the child test named `child`.
fn run_child(
    child: &str,
    dir: &Path,
    wait_for: &str,
    pause_at: &str,
    delay: Duration,
) -> Vec<(String, Instant)> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            child,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir)
        .env(CHILD_PAUSE_AT, pause_at)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let started = Instant::now();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        // libtest may print "test … ... " on the same line before our first step.
        if let Some((_, step)) = line.split_once("STEP ") {
            seen.push((step.to_owned(), Instant::now()));
            if step == wait_for && wait_for != "Done" {
                std::thread::sleep(delay);
                child.kill().unwrap(); // SIGKILL on Unix
                break;
            }
        }
        assert!(started.elapsed() < Duration::from_secs(60), "child hung");
    }
    child.wait().unwrap();
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_killed_at_any_point_leaves_a_wallet_that_opens() {
    let (dir, mut wallet, created) = passphrase_wallet().await;
    // Enough pages that `PRAGMA rekey` takes a while, so a kill can land inside it.
    let batch: Vec<_> = (0..20_000)
        .map(|i| incoming(mixed(i, &["tok_a".into()], now())))
        .collect();
    events::ingest(wallet.pool().unwrap(), &batch, now())
        .await
        .unwrap();
    wallet.lock().await;
    let pristine = wallet.paths().dir().to_path_buf();
    let recovery = RecoveryKey::parse(&created.recovery_key.reveal()).unwrap();

    // One undisturbed run measures how long `PRAGMA rekey` takes here, so the kills below
    // land at fractions of it whatever the machine's speed.
    let timing = dir.path().join("timing");
    copy_wallet(&pristine, &timing);
    let seen = run_child_and_kill(&timing, "Done", "", Duration::ZERO);
    let at = |name: &str| {
        seen.iter()
            .find(|(s, _)| s == name)
            .map(|(_, t)| *t)
            .unwrap()
    };
    let rekey_takes = at("Rekeyed") - at("Rekeying");

    let mut cases: Vec<(&str, &str, Duration)> = vec![
        ("NextKeySealed", "NextKeySealed", Duration::ZERO),
        ("Rekeyed", "Rekeyed", Duration::ZERO),
        ("KeyFileCommitted", "KeyFileCommitted", Duration::ZERO),
        ("Rekeying", "", Duration::ZERO),
    ];
    for tenths in [1, 3, 5, 7, 9] {
        cases.push(("Rekeying", "", rekey_takes * tenths / 10));
    }
    let mut outcomes = Vec::new();
    let mut killed_mid_rekey = 0;
    for (n, (wait_for, pause_at, delay)) in cases.into_iter().enumerate() {
        let run = dir.path().join(format!("run{n}"));
        copy_wallet(&pristine, &run);
        let seen = run_child_and_kill(&run, wait_for, pause_at, delay);
        assert!(
            seen.iter().any(|(s, _)| s == wait_for),
            "child never reached {wait_for}: {seen:?}"
        );
        if WalletPaths::in_dir(&run).journal().exists() {
            killed_mid_rekey += 1;
        }

        let mut reopened = Wallet::new(WalletPaths::in_dir(&run), None, now());
        reopened
            .unlock(Unlock::Passphrase(&passphrase()), now())
            .await
            .unwrap_or_else(|e| panic!("killed after {wait_for}+{delay:?}: {e}"));
        assert_eq!(
            count(&reopened).await,
            20_000,
            "data intact after {wait_for}+{delay:?}"
        );
        assert!(integrity::check(reopened.pool().unwrap())
            .await
            .unwrap()
            .is_intact());
        let keys: serde_json::Value =
            serde_json::from_slice(&std::fs::read(reopened.paths().keys()).unwrap()).unwrap();
        assert!(
            keys["next"].is_null(),
            "the interrupted rotation was settled"
        );
        outcomes.push((wait_for, delay, keys["current"]["number"].as_u64().unwrap()));
        reopened.lock().await;
        reopened
            .unlock(Unlock::RecoveryKey(&recovery), now())
            .await
            .unwrap();
        reopened.lock().await;
        assert!(!reopened.paths().journal().exists());
    }
    // Early kills keep the old key (generation 1), late ones the new key (generation 2).
    assert_eq!(outcomes[0].2, 1, "{outcomes:?}");
    assert_eq!(outcomes[1].2, 2, "{outcomes:?}");
    assert_eq!(outcomes[2].2, 2, "{outcomes:?}");
    println!(
        "rekey takes {rekey_takes:?}; {killed_mid_rekey} kill(s) left a hot journal; \
         (step, delay, generation that opened): {outcomes:?}"
    );
    assert!(
        killed_mid_rekey > 0,
        "no kill landed inside PRAGMA rekey: {outcomes:?}"
    );
}

const NEW_PASSPHRASE: &str = "a passphrase set while being killed";

/// The other half of `a_passphrase_change_killed_at_any_point_leaves_one_that_opens`.
#[tokio::test]
#[ignore = "runs only as the crash test's child process"]
async fn child_changes_the_passphrase() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let mut wallet = Wallet::new(WalletPaths::in_dir(dir), None, now());
    wallet
        .unlock(Unlock::Passphrase(&passphrase()), now())
        .await
        .unwrap();
    let mut out = std::io::stdout();
    writeln!(out, "STEP Changing").unwrap();
    out.flush().unwrap();
    let new = Passphrase::new(NEW_PASSPHRASE.into());
    wallet
        .change_passphrase(&new, KdfParams::INSECURE_FOR_TESTS)
        .await
        .unwrap();
    writeln!(out, "STEP Done").unwrap();
    out.flush().unwrap();
}

/// SIGKILL anywhere in a passphrase change leaves a wallet that opens with the old or the
/// new passphrase (never neither), and always with the recovery key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passphrase_change_killed_at_any_point_leaves_one_that_opens() {
    let (dir, mut wallet, created) = passphrase_wallet().await;
    wallet.lock().await;
    let pristine = wallet.paths().dir().to_path_buf();
    let recovery = RecoveryKey::parse(&created.recovery_key.reveal()).unwrap();
    let child = "rekey::child_changes_the_passphrase";
    let timing = dir.path().join("timing");
    copy_wallet(&pristine, &timing);
    let seen = run_child(child, &timing, "Done", "", Duration::ZERO);
    let takes = seen[1].1 - seen[0].1;
    let (mut old_opens, mut new_opens) = (0, 0);
    for tenths in 0..=12 {
        let run = dir.path().join(format!("run{tenths}"));
        copy_wallet(&pristine, &run);
        run_child(child, &run, "Changing", "", takes * tenths / 10);
        let mut reopened = Wallet::new(WalletPaths::in_dir(&run), None, now());
        let old = reopened
            .unlock(Unlock::Passphrase(&passphrase()), now())
            .await
            .is_ok();
        reopened.lock().await;
        let new = reopened
            .unlock(
                Unlock::Passphrase(&Passphrase::new(NEW_PASSPHRASE.into())),
                now(),
            )
            .await
            .is_ok();
        reopened.lock().await;
        assert!(
            old != new,
            "killed at {tenths}/10: old opens {old}, new opens {new}"
        );
        old_opens += usize::from(old);
        new_opens += usize::from(new);
        reopened
            .unlock(Unlock::RecoveryKey(&recovery), now())
            .await
            .unwrap();
        reopened.lock().await;
    }
    // The last kills come after the change completed (the first ones usually land before
    // it; how many depends on the machine's load, so only the late side is asserted).
    assert!(new_opens > 0, "every kill came too early ({old_opens} old)");
}
