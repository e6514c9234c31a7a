//! Creating, locking and unlocking: every state, and the file untouched on every failure.

use std::io::{Read, Seek, SeekFrom, Write};

use consentry_store::{
    settings, CreateOptions, DbKey, KdfParams, KeyFileProblem, KeySource, Passphrase, RecoveryKey,
    StoreError, Unlock, Wallet, WalletPaths, WalletState,
};

use crate::support::{
    create_with_passphrase, file_digest, now, passphrase, passphrase_wallet, refused,
    unlock_with_passphrase,
};

#[tokio::test]
async fn a_new_wallet_is_encrypted_on_disk() {
    let (_dir, mut wallet, _created) = passphrase_wallet().await;
    assert_eq!(wallet.state(), WalletState::Unlocked);
    let pool = wallet.pool().unwrap().clone();
    let cipher: String = sqlx::query_scalar("PRAGMA cipher_version")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(!cipher.is_empty());
    settings::put(&pool, "marker", "written", now())
        .await
        .unwrap();
    #[cfg(unix)]
    for open_file in [wallet.paths().wal(), wallet.paths().shm()] {
        let mode = mode_of(&open_file);
        assert_eq!(mode, 0o600, "{} is {mode:o}", open_file.display());
    }
    wallet.lock().await;
    assert_eq!(wallet.state(), WalletState::Locked);
    let mut header = [0u8; 16];
    std::fs::File::open(wallet.paths().db())
        .unwrap()
        .read_exact(&mut header)
        .unwrap();
    assert_ne!(&header, b"SQLite format 3\0");
    assert!(
        !wallet.paths().wal().exists(),
        "lock folds the WAL into the file"
    );
    #[cfg(unix)]
    for private in [wallet.paths().db(), wallet.paths().keys()] {
        let mode = mode_of(&private);
        assert_eq!(mode, 0o600, "{} is {mode:o}", private.display());
    }
    #[cfg(unix)]
    {
        let mode = mode_of(wallet.paths().dir());
        assert_eq!(mode, 0o700, "the wallet folder is {mode:o}");
    }
    assert!(matches!(wallet.pool(), Err(StoreError::Locked)));
}

#[tokio::test]
async fn passphrase_and_recovery_key_unlock_the_same_wallet() {
    let (_dir, mut wallet, created) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap().clone();
    settings::put(&pool, "marker", "still here", now())
        .await
        .unwrap();
    wallet.lock().await;

    unlock_with_passphrase(&mut wallet).await;
    assert_eq!(wallet.wallet_id(), Some(created.wallet_id));
    let pool = wallet.pool().unwrap().clone();
    assert_eq!(
        settings::get(&pool, "marker").await.unwrap().as_deref(),
        Some("still here")
    );
    wallet.lock().await;

    // The cardholder types the recovery key sloppily: lower case, spaces.
    let typed = created
        .recovery_key
        .reveal()
        .to_lowercase()
        .replace('-', " ");
    let recovery = RecoveryKey::parse(&typed).unwrap();
    wallet
        .unlock(Unlock::RecoveryKey(&recovery), now())
        .await
        .unwrap();
    let pool = wallet.pool().unwrap().clone();
    assert_eq!(
        settings::get(&pool, "marker").await.unwrap().as_deref(),
        Some("still here")
    );
    assert_eq!(
        settings::get(&pool, settings::WALLET_ID).await.unwrap(),
        Some(created.wallet_id.to_string())
    );
}

#[tokio::test]
async fn wrong_secrets_are_key_mismatch_and_leave_the_file_untouched() {
    let (_dir, mut wallet, _created) = passphrase_wallet().await;
    wallet.lock().await;
    let db = wallet.paths().db();
    let keys = wallet.paths().keys();
    let (before, keys_before) = (file_digest(&db), file_digest(&keys));

    let wrong = Passphrase::new("not the passphrase".into());
    let err = refused(&mut wallet, Unlock::Passphrase(&wrong)).await;
    assert!(
        matches!(err, StoreError::KeyMismatch(KeySource::Passphrase)),
        "{err}"
    );
    assert_eq!(wallet.state(), WalletState::KeyMismatch);

    let other = RecoveryKey::parse(&other_recovery_key()).unwrap();
    let err = refused(&mut wallet, Unlock::RecoveryKey(&other)).await;
    assert!(
        matches!(err, StoreError::KeyMismatch(KeySource::RecoveryKey)),
        "{err}"
    );

    let raw = DbKey::generate();
    let err = refused(&mut wallet, Unlock::RawKey(&raw)).await;
    assert!(
        matches!(err, StoreError::KeyMismatch(KeySource::RawKey)),
        "{err}"
    );
    assert_eq!(wallet.state(), WalletState::KeyMismatch);

    // Without the key file, a wrong raw key reaches SQLCipher, read-only: still no write.
    std::fs::rename(&keys, keys.with_extension("aside")).unwrap();
    let err = refused(&mut wallet, Unlock::RawKey(&raw)).await;
    assert!(
        matches!(err, StoreError::KeyMismatch(KeySource::RawKey)),
        "{err}"
    );
    std::fs::rename(keys.with_extension("aside"), &keys).unwrap();

    assert_eq!(file_digest(&db), before);
    assert_eq!(file_digest(&keys), keys_before);
    for sidecar in [
        wallet.paths().wal(),
        wallet.paths().shm(),
        wallet.paths().journal(),
    ] {
        assert!(!sidecar.exists(), "{} appeared", sidecar.display());
    }
    // The right secret still works afterwards.
    unlock_with_passphrase(&mut wallet).await;
}

/// A well-formed recovery key (all-zero secret, valid checksum) that belongs to no wallet.
fn other_recovery_key() -> String {
    use sha2::{Digest, Sha256};
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let digest = Sha256::digest([b"consentry.recovery-check.v1\0".as_slice(), &[0u8; 32]].concat());
    let word = u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]);
    let check: String = (0..4)
        .map(|i| char::from(ALPHABET[((word >> (27 - 5 * i)) & 31) as usize]))
        .collect();
    format!("{}{check}", "0".repeat(52))
}

#[tokio::test]
async fn a_flipped_byte_is_corrupted_and_the_file_is_left_as_found() {
    let (_dir, mut wallet, _created) = passphrase_wallet().await;
    let (db, pages) = fill_and_lock(&mut wallet, 200, &"x".repeat(500)).await;
    assert!(pages > 10, "want a multi-page file, got {pages}");

    // A byte in the middle of a late page: found by the full integrity check at unlock.
    flip_byte(&db, (pages - 2) * 4096 + 1000);
    let tampered = file_digest(&db);
    let mut verifying =
        Wallet::new(wallet.paths().clone(), None, now()).verify_integrity_on_unlock(true);
    let err = refused(&mut verifying, Unlock::Passphrase(&passphrase())).await;
    assert!(matches!(err, StoreError::Corrupted(_)), "{err}");
    assert_eq!(verifying.state(), WalletState::Corrupted);
    assert_eq!(file_digest(&db), tampered);

    // A byte in page 1: even the quick unlock sees it, and reports damage, not a wrong key.
    flip_byte(&db, 200);
    let tampered = file_digest(&db);
    let err = refused(&mut wallet, Unlock::Passphrase(&passphrase())).await;
    assert!(matches!(err, StoreError::Corrupted(_)), "{err}");
    assert_eq!(wallet.state(), WalletState::Corrupted);
    assert_eq!(file_digest(&db), tampered);
}

#[tokio::test]
async fn a_tampered_page_fails_queries_instead_of_returning_partial_data() {
    let (_dir, mut wallet, _created) = passphrase_wallet().await;
    let (db, pages) = fill_and_lock(&mut wallet, 400, &"y".repeat(400)).await;
    flip_byte(&db, (pages - 1) * 4096 + 2000);
    unlock_with_passphrase(&mut wallet).await;
    let pool = wallet.pool().unwrap().clone();
    let all: Result<Vec<String>, _> = sqlx::query_scalar("SELECT value FROM settings ORDER BY key")
        .fetch_all(&pool)
        .await;
    let err: StoreError = all.unwrap_err().into();
    assert!(matches!(err, StoreError::Corrupted(_)), "{err}");
    let report = consentry_store::integrity::check(&pool).await.unwrap();
    assert!(!report.is_intact());
    assert!(!report.hmac_failures.is_empty());
}

fn flip_byte(path: &std::path::Path, offset: u64) {
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    file.seek(SeekFrom::Start(offset)).unwrap();
    let mut byte = [0u8; 1];
    file.read_exact(&mut byte).unwrap();
    file.seek(SeekFrom::Start(offset)).unwrap();
    file.write_all(&[byte[0] ^ 0x01]).unwrap();
    file.sync_all().unwrap();
}

#[tokio::test]
async fn no_file_is_new_and_unlocking_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let paths = WalletPaths::in_dir(dir.path().join("absent"));
    let mut wallet = Wallet::new(paths.clone(), None, now());
    assert_eq!(wallet.state(), WalletState::New);
    let err = refused(&mut wallet, Unlock::Passphrase(&passphrase())).await;
    assert!(matches!(err, StoreError::WalletNotFound(_)), "{err}");
    assert_eq!(wallet.state(), WalletState::New);
    assert!(!paths.db().exists());
}

#[tokio::test]
async fn creating_over_an_existing_wallet_is_refused() {
    let (_dir, mut wallet, _created) = passphrase_wallet().await;
    wallet.lock().await;
    let before = file_digest(&wallet.paths().db());
    let mut again = Wallet::new(wallet.paths().clone(), None, now());
    let err = create_with_passphrase(&mut again).await.unwrap_err();
    assert!(matches!(err, StoreError::WalletExists(_)), "{err}");
    assert_eq!(file_digest(&wallet.paths().db()), before);
}

/// Any one file of a wallet in the folder (the database moved away, a WAL or journal left,
/// the key file alone, backups) refuses a new wallet, names that file and changes nothing.
#[tokio::test]
async fn creating_next_to_any_wallet_file_is_refused_and_names_it() {
    let (dir, mut wallet, _created) = passphrase_wallet().await;
    wallet.lock().await;
    let paths = wallet.paths().clone();
    let keys_before = file_digest(&paths.keys());
    // The database moved away: the key file alone would be replaced before this work.
    std::fs::rename(paths.db(), dir.path().join("moved.db")).unwrap();
    let create =
        || async { create_with_passphrase(&mut Wallet::new(paths.clone(), None, now())).await };
    let err = create().await.unwrap_err();
    assert!(
        matches!(&err, StoreError::WalletExists(file) if *file == paths.keys()),
        "{err}"
    );
    assert!(err.to_string().contains("wallet.keys.json"), "{err}");
    assert_eq!(file_digest(&paths.keys()), keys_before);
    assert!(!paths.db().exists());

    std::fs::rename(paths.keys(), dir.path().join("moved.keys.json")).unwrap();
    for file in [paths.wal(), paths.shm(), paths.journal()] {
        std::fs::write(&file, b"left over").unwrap();
        let err = create().await.unwrap_err();
        assert!(
            matches!(&err, StoreError::WalletExists(named) if *named == file),
            "{err}"
        );
        assert_eq!(std::fs::read(&file).unwrap(), b"left over");
        std::fs::remove_file(&file).unwrap();
    }
    std::fs::create_dir_all(paths.backups()).unwrap();
    std::fs::write(paths.backups().join("wallet-old.db"), b"old").unwrap();
    let err = create().await.unwrap_err();
    assert!(
        matches!(&err, StoreError::WalletExists(named) if *named == paths.backups()),
        "{err}"
    );
    std::fs::remove_file(paths.backups().join("wallet-old.db")).unwrap();
    assert!(
        !paths.db().exists() && !paths.keys().exists(),
        "nothing was written"
    );

    // A creation that crashed after its key file (its marker beside it, no database) is
    // not a wallet: creating again replaces both.
    std::fs::write(paths.keys(), b"{}").unwrap();
    std::fs::write(paths.dir().join("wallet.db.creating"), b"").unwrap();
    create().await.unwrap();
    assert!(paths.db().exists());
    assert!(!paths.dir().join("wallet.db.creating").exists());
}

#[tokio::test]
async fn a_plain_sqlite_file_in_place_of_the_wallet_is_corrupted() {
    let dir = tempfile::tempdir().unwrap();
    let paths = WalletPaths::in_dir(dir.path());
    let plain = consentry_store::open_plain_pool_for_benchmarks(&paths.db())
        .await
        .unwrap();
    sqlx::query("CREATE TABLE t (x)")
        .execute(&plain)
        .await
        .unwrap();
    plain.close().await;
    let mut wallet = Wallet::new(paths, None, now());
    let err = refused(&mut wallet, Unlock::RawKey(&DbKey::generate())).await;
    assert!(matches!(err, StoreError::Corrupted(_)), "{err}");
}

#[tokio::test]
async fn idle_wallets_ask_to_be_locked() {
    let (_dir, wallet, _created) = passphrase_wallet().await;
    let mut wallet = wallet;
    wallet
        .autolock()
        .set_idle_limit(Some(chrono::Duration::minutes(5)));
    wallet.touch(now());
    assert!(!wallet.should_lock(now() + chrono::Duration::minutes(4)));
    assert!(wallet.should_lock(now() + chrono::Duration::minutes(5)));
    wallet.lock().await;
    assert!(
        !wallet.should_lock(now() + chrono::Duration::minutes(50)),
        "already locked"
    );
}

/// The app spawns these futures on a multi-threaded runtime: they must be `Send`.
#[tokio::test]
async fn wallet_and_query_futures_are_send() {
    fn assert_send<T: Send>(_: &T) {}
    let dir = tempfile::tempdir().unwrap();
    let mut wallet = Wallet::new(WalletPaths::in_dir(dir.path()), None, now());
    let phrase = passphrase();
    let keyring = consentry_store::KeyringStore::new();
    {
        let f = wallet.create(
            CreateOptions {
                keyring: Some(&keyring),
                passphrase: Some(&phrase),
                kdf: KdfParams::INSECURE_FOR_TESTS,
            },
            now(),
        );
        assert_send(&f);
    }
    {
        let f = wallet.unlock(Unlock::Keyring(&keyring), now());
        assert_send(&f);
    }
    {
        let mut observer = |_| {};
        let f = wallet.rotate_key(Some(&keyring), &mut observer);
        assert_send(&f);
    }
    {
        let f = wallet.change_passphrase(&phrase, KdfParams::INSECURE_FOR_TESTS);
        assert_send(&f);
    }
    {
        let f = wallet.save_key_to(&keyring);
        assert_send(&f);
    }
    {
        let f = wallet.lock();
        assert_send(&f);
    }
    let pool = sqlx::SqlitePool::connect_lazy("sqlite::memory:").unwrap();
    let f = consentry_store::events::ingest(&pool, &[], now());
    assert_send(&f);
    let filter = consentry_store::history::HistoryFilter::default();
    let f = consentry_store::history::page(&pool, &filter, None, 50);
    assert_send(&f);
}

/// A wallet folder that cannot be made (a file in the way) is an I/O error naming it.
#[tokio::test]
async fn a_folder_that_cannot_be_made_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("blocked"), b"a file").unwrap();
    let paths = WalletPaths::in_dir(dir.path().join("blocked").join("wallet"));
    let err = create_with_passphrase(&mut Wallet::new(paths, None, now()))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::Io { path, .. } if path.ends_with("blocked/wallet")),
        "{err}"
    );
    assert_eq!(
        consentry_store::IoProblem::of(match &err {
            StoreError::Io { source, .. } => source,
            _ => unreachable!(),
        }),
        consentry_store::IoProblem::BadPath
    );
}

/// A missing, damaged or newer key file is reported as such, naming the file, and the
/// database is left as it was (nothing opens the wallet without the key file).
#[tokio::test]
async fn key_file_problems_are_typed_and_name_the_file() {
    let (_dir, mut wallet, _created) = passphrase_wallet().await;
    wallet.lock().await;
    let (db, keys) = (wallet.paths().db(), wallet.paths().keys());
    let db_before = file_digest(&db);
    let good = std::fs::read(&keys).unwrap();
    let mut json: serde_json::Value = serde_json::from_slice(&good).unwrap();

    let mut newer = json.clone();
    newer["format"] = 2.into();
    let mut bad_salt = json.clone();
    bad_salt["passphrase"]["salt"] = "not base64!".into();
    let mut bad_slot = json.clone();
    bad_slot["current"]["recovery"]["nonce"] = "AAAA".into();
    let mut absurd_kdf = json.clone();
    absurd_kdf["passphrase"]["params"]["m_cost_kib"] = u32::MAX.into();
    let mut bad_public = json.clone();
    bad_public["recovery"]["public_key"] = "short".into();
    json["format"] = "one".into();

    type Case = (&'static str, Option<Vec<u8>>, fn(&KeyFileProblem) -> bool);
    let cases: Vec<Case> = vec![
        ("missing", None, |p| *p == KeyFileProblem::Missing),
        ("not JSON", Some(b"\x00garbage".to_vec()), |p| {
            matches!(p, KeyFileProblem::Malformed(_))
        }),
        (
            "a newer format",
            Some(newer.to_string().into_bytes()),
            |p| {
                *p == KeyFileProblem::UnsupportedFormat {
                    found: 2,
                    supported: consentry_store::KEY_FILE_FORMAT,
                }
            },
        ),
        (
            "a format of the wrong type",
            Some(json.to_string().into_bytes()),
            |p| matches!(p, KeyFileProblem::Malformed(_)),
        ),
        (
            "a salt that is not base64",
            Some(bad_salt.to_string().into_bytes()),
            |p| matches!(p, KeyFileProblem::Malformed(r) if r.contains("salt")),
        ),
        (
            "a slot with a short nonce",
            Some(bad_slot.to_string().into_bytes()),
            |p| matches!(p, KeyFileProblem::Malformed(r) if r.contains("nonce")),
        ),
        (
            "absurd Argon2 parameters",
            Some(absurd_kdf.to_string().into_bytes()),
            |p| matches!(p, KeyFileProblem::Malformed(r) if r.contains("Argon2id")),
        ),
        (
            "a public key of the wrong size",
            Some(bad_public.to_string().into_bytes()),
            |p| matches!(p, KeyFileProblem::Malformed(r) if r.contains("public key")),
        ),
    ];
    let recovery_text = other_recovery_key();
    for (what, content, expected) in cases {
        match content {
            None => std::fs::remove_file(&keys).unwrap(),
            Some(bytes) => std::fs::write(&keys, bytes).unwrap(),
        }
        for how in ["passphrase", "recovery key"] {
            let recovery = RecoveryKey::parse(&recovery_text).unwrap();
            let phrase = passphrase();
            let unlock = match how {
                "passphrase" => Unlock::Passphrase(&phrase),
                _ => Unlock::RecoveryKey(&recovery),
            };
            let err = wallet.unlock(unlock, now()).await.unwrap_err();
            match &err {
                StoreError::KeyFile { path, problem } => {
                    assert_eq!(path, &keys, "{what}");
                    assert!(expected(problem), "{what}: {problem:?}");
                }
                other => panic!("{what} with the {how}: {other:?}"),
            }
            let shown = err.to_string();
            assert!(shown.contains("wallet.keys.json"), "{what}: {shown}");
        }
        assert_eq!(file_digest(&db), db_before, "{what}: the database changed");
    }
    std::fs::write(&keys, &good).unwrap();
    unlock_with_passphrase(&mut wallet).await;
}

/// Writes `count` settings of `value` (keys `k0000`…), locks: the file and its page count.
async fn fill_and_lock(
    wallet: &mut Wallet,
    count: usize,
    value: &str,
) -> (std::path::PathBuf, u64) {
    let pool = wallet.pool().unwrap().clone();
    for i in 0..count {
        settings::put(&pool, &format!("k{i:04}"), value, now())
            .await
            .unwrap();
    }
    wallet.lock().await;
    let db = wallet.paths().db();
    let pages = std::fs::metadata(&db).unwrap().len() / 4096;
    (db, pages)
}

#[cfg(unix)]
fn mode_of(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}
