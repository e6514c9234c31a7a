//! Key rotation and passphrase changes, each killed with SIGKILL at every step.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use consentry_store::{
    events, integrity, KdfParams, KeySource, Passphrase, RecoveryKey, RekeyStep, StoreError,
    Unlock, Wallet, WalletPaths,
};

use crate::support::{
    mixed_events, now, passphrase, passphrase_wallet, refused, unlock_with_passphrase,
    unlock_with_recovery,
};

pub(crate) const CHILD_DIR: &str = "CONSENTRY_TEST_REKEY_CHILD_DIR";
pub(crate) const CHILD_PAUSE_AT: &str = "CONSENTRY_TEST_REKEY_PAUSE_AT";
/// The recovery key a child sets (its text), for the recovery-key crash test.
const CHILD_NEW_RECOVERY: &str = "CONSENTRY_TEST_REKEY_NEW_RECOVERY";

async fn ingest_mixed(wallet: &Wallet, ids: std::ops::Range<u64>) {
    let batch = mixed_events(ids, &["tok_a".into()], now());
    events::ingest(wallet.pool().unwrap(), &batch, now())
        .await
        .unwrap();
}

async fn count(wallet: &Wallet) -> u64 {
    events::count(wallet.pool().unwrap()).await.unwrap()
}

#[tokio::test]
async fn rotation_keeps_every_unlock_path_and_the_data() {
    let (_dir, mut wallet, created) = passphrase_wallet().await;
    ingest_mixed(&wallet, 0..500).await;
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
    unlock_with_passphrase(&mut wallet).await;
    assert_eq!(count(&wallet).await, 500);
    wallet.lock().await;
    unlock_with_recovery(&mut wallet, &created).await;
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
    let err = refused(&mut wallet, Unlock::Passphrase(&passphrase())).await;
    assert!(
        matches!(err, StoreError::KeyMismatch(KeySource::Passphrase)),
        "{err}"
    );
    wallet
        .unlock(Unlock::Passphrase(&new), now())
        .await
        .unwrap();
    wallet.lock().await;
    unlock_with_recovery(&mut wallet, &created).await;
}

/// The other half of the crash test: run in a child process by
/// `a_rotation_killed_at_any_point_leaves_a_wallet_that_opens`. Ignored on its own.
#[tokio::test]
#[ignore = "runs only as the crash test's child process"]
async fn child_rotates_the_key() {
    let Some((mut wallet, mut observer)) = child_wallet().await else {
        return;
    };
    wallet.rotate_key(None, &mut observer).await.unwrap();
    writeln!(std::io::stdout(), "STEP Done").unwrap();
}

/// In a crash test's child: the wallet of `CHILD_DIR`, unlocked, and an observer that prints
/// each step and holds still at `CHILD_PAUSE_AT` so the parent kills it exactly there.
/// `None` when not run as a child.
async fn child_wallet() -> Option<(Wallet, impl FnMut(RekeyStep) + Send)> {
    let dir = std::env::var(CHILD_DIR).ok()?;
    let pause_at = std::env::var(CHILD_PAUSE_AT).unwrap_or_default();
    let mut wallet = Wallet::new(WalletPaths::in_dir(dir), None, now());
    unlock_with_passphrase(&mut wallet).await;
    let observer = move |step: RekeyStep| {
        let name = format!("{step:?}");
        let mut out = std::io::stdout().lock();
        writeln!(out, "STEP {name}").unwrap();
        out.flush().unwrap();
        if name == pause_at {
            std::thread::sleep(Duration::from_secs(30));
        }
    };
    Some((wallet, observer))
}

/// Copies the wallet `pristine` to `run` and runs the child test `child` on it, killed at
/// `(wait_for, pause_at, delay)`; the copy, once the child reached `wait_for`.
fn kill_a_copy(
    pristine: &Path,
    run: &Path,
    child: &str,
    (wait_for, pause_at, delay): (&str, &str, Duration),
) -> std::path::PathBuf {
    copy_wallet(pristine, run);
    let seen = run_child(child, run, wait_for, pause_at, delay);
    assert!(
        seen.iter().any(|(s, _)| s == wait_for),
        "child never reached {wait_for}: {seen:?}"
    );
    run.to_path_buf()
}

/// The killed wallet in `run`, opened with the passphrase: it must hold its `events`.
async fn reopen_intact(run: &Path, events: u64, killed_after: &str) -> Wallet {
    let mut reopened = Wallet::new(WalletPaths::in_dir(run), None, now());
    reopened
        .unlock(Unlock::Passphrase(&passphrase()), now())
        .await
        .unwrap_or_else(|e| panic!("killed after {killed_after}: {e}"));
    assert_eq!(
        count(&reopened).await,
        events,
        "data intact after {killed_after}"
    );
    reopened
}

/// The key file of `wallet`, as JSON.
fn key_file(wallet: &Wallet) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(wallet.paths().keys()).unwrap()).unwrap()
}

pub(crate) fn copy_wallet(from: &Path, to: &Path) {
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
pub(crate) fn run_child(
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
        .env(CHILD_NEW_RECOVERY, NEW_RECOVERY.reveal().as_str())
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

/// A passphrase wallet holding `n` events, locked: its temp dir, its folder (the copy every
/// crash run starts from) and its recovery key.
async fn locked_wallet_with_events(n: u64) -> (tempfile::TempDir, std::path::PathBuf, RecoveryKey) {
    let (dir, mut wallet, created) = passphrase_wallet().await;
    ingest_mixed(&wallet, 0..n).await;
    wallet.lock().await;
    let recovery = RecoveryKey::parse(&created.recovery_key.reveal()).unwrap();
    (dir, wallet.paths().dir().to_path_buf(), recovery)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rotation_killed_at_any_point_leaves_a_wallet_that_opens() {
    // Enough pages that `PRAGMA rekey` takes a while, so a kill can land inside it.
    let (dir, pristine, recovery) = locked_wallet_with_events(20_000).await;

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
    // Past ten tenths the kill lands after the rekey commits: closing, the key file's
    // promotion, the reopen that switches back to WAL (a window that once left a journal the
    // key file's current key could not roll back).
    for tenths in [1, 3, 5, 7, 9, 11, 13, 16] {
        cases.push(("Rekeying", "", rekey_takes * tenths / 10));
    }
    let mut outcomes = Vec::new();
    let mut killed_mid_rekey = 0;
    for (n, (wait_for, pause_at, delay)) in cases.into_iter().enumerate() {
        let run = kill_a_copy(
            &pristine,
            &dir.path().join(format!("run{n}")),
            "rekey::child_rotates_the_key",
            (wait_for, pause_at, delay),
        );
        if WalletPaths::in_dir(&run).journal().exists() {
            killed_mid_rekey += 1;
        }

        let mut reopened = reopen_intact(&run, 20_000, &format!("{wait_for}+{delay:?}")).await;
        assert!(integrity::check(reopened.pool().unwrap())
            .await
            .unwrap()
            .is_intact());
        let keys = key_file(&reopened);
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
    unlock_with_passphrase(&mut wallet).await;
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
    // Kill at every tenth of the measured time and a little past it; when the machine is
    // slower now than during the timing run, go on past it until one kill lands after the
    // change completed (up to four times the measured time).
    let mut tenths = 0;
    while tenths <= 12 || (new_opens == 0 && tenths <= 40) {
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
        tenths += 1;
    }
    // The last kills come after the change completed (the first ones usually land before
    // it; how many depends on the machine's load, so only the late side is asserted).
    assert!(new_opens > 0, "every kill came too early ({old_opens} old)");
}

/// The recovery key the crash test's children set (one per test process).
static NEW_RECOVERY: std::sync::LazyLock<RecoveryKey> =
    std::sync::LazyLock::new(|| match std::env::var(CHILD_NEW_RECOVERY) {
        Ok(text) => RecoveryKey::parse(&text).unwrap(),
        Err(_) => RecoveryKey::generate(),
    });

async fn opens(wallet: &mut Wallet, how: Unlock<'_>) -> bool {
    let opened = wallet.unlock(how, now()).await.is_ok();
    wallet.lock().await;
    opened
}

#[tokio::test]
async fn a_new_recovery_key_retires_the_old_one_even_with_the_old_key_file() {
    let (dir, mut wallet, created) = passphrase_wallet().await;
    ingest_mixed(&wallet, 0..50).await;
    let old = RecoveryKey::parse(&created.recovery_key.reveal()).unwrap();
    let old_key_file = std::fs::read(wallet.paths().keys()).unwrap();
    let new = RecoveryKey::generate();
    let mut steps = Vec::new();
    wallet
        .replace_recovery_key(&new, None, &mut |s| steps.push(s))
        .await
        .unwrap();
    assert_eq!(steps.last(), Some(&RekeyStep::Reopened));
    assert_eq!(count(&wallet).await, 50, "still open after the change");
    wallet.lock().await;

    assert!(opens(&mut wallet, Unlock::RecoveryKey(&new)).await);
    assert!(opens(&mut wallet, Unlock::Passphrase(&passphrase())).await);
    let err = refused(&mut wallet, Unlock::RecoveryKey(&old)).await;
    assert!(
        matches!(err, StoreError::KeyMismatch(KeySource::RecoveryKey)),
        "{err}"
    );

    // Someone who kept a copy of the old key file and the old recovery key gets the old
    // database key out of it, and it no longer opens the (re-encrypted) wallet.
    let copy = dir.path().join("copy");
    copy_wallet(wallet.paths().dir(), &copy);
    std::fs::write(WalletPaths::in_dir(&copy).keys(), &old_key_file).unwrap();
    let mut thief = Wallet::new(WalletPaths::in_dir(&copy), None, now());
    assert!(!opens(&mut thief, Unlock::RecoveryKey(&old)).await);
    assert!(!opens(&mut thief, Unlock::Passphrase(&passphrase())).await);

    // The new recipient stays after a later passphrase change re-seals the key.
    unlock_with_passphrase(&mut wallet).await;
    wallet
        .change_passphrase(
            &Passphrase::new("another passphrase entirely".into()),
            KdfParams::INSECURE_FOR_TESTS,
        )
        .await
        .unwrap();
    wallet.lock().await;
    assert!(opens(&mut wallet, Unlock::RecoveryKey(&new)).await);
    assert!(!opens(&mut wallet, Unlock::RecoveryKey(&old)).await);
}

/// The other half of `a_recovery_key_change_killed_at_any_point_leaves_one_that_opens`.
#[tokio::test]
#[ignore = "runs only as the crash test's child process"]
async fn child_replaces_the_recovery_key() {
    let Some((mut wallet, mut observer)) = child_wallet().await else {
        return;
    };
    wallet
        .replace_recovery_key(&NEW_RECOVERY, None, &mut observer)
        .await
        .unwrap();
    writeln!(std::io::stdout(), "STEP Done").unwrap();
}

/// SIGKILL at every step of a recovery-key change leaves a wallet that opens with the
/// passphrase and with exactly one of the two recovery keys: the old one until the
/// re-encryption commits, the new one after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recovery_key_change_killed_at_any_point_leaves_one_that_opens() {
    let (dir, pristine, old) = locked_wallet_with_events(5_000).await;
    let child = "rekey::child_replaces_the_recovery_key";
    let cases = [
        (
            "NextKeySealed",
            "NextKeySealed",
            Duration::ZERO,
            Some(false),
        ),
        // Inside `PRAGMA rekey`: either side, depending on how far it got.
        ("Rekeying", "", Duration::ZERO, None),
        ("Rekeyed", "Rekeyed", Duration::ZERO, Some(true)),
        (
            "KeyFileCommitted",
            "KeyFileCommitted",
            Duration::ZERO,
            Some(true),
        ),
        ("Done", "", Duration::ZERO, Some(true)),
    ];
    for (n, (wait_for, pause_at, delay, new_expected)) in cases.into_iter().enumerate() {
        let run = kill_a_copy(
            &pristine,
            &dir.path().join(format!("run{n}")),
            child,
            (wait_for, pause_at, delay),
        );
        let mut reopened = reopen_intact(&run, 5_000, wait_for).await;
        reopened.lock().await;
        let old_opens = opens(&mut reopened, Unlock::RecoveryKey(&old)).await;
        let new_opens = opens(&mut reopened, Unlock::RecoveryKey(&NEW_RECOVERY)).await;
        assert!(
            old_opens != new_opens && new_expected.is_none_or(|new| new == new_opens),
            "killed after {wait_for}: old opens {old_opens}, new opens {new_opens}"
        );
        let keys = key_file(&reopened);
        assert!(
            keys["next"].is_null() && keys["next_recovery"].is_null(),
            "{wait_for}: settled"
        );
    }
}
