//! Migrations: released files never change, and an upgrade backs the wallet up first.

use consentry_store::{DbKey, Unlock, Wallet, WalletPaths, MIGRATOR};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};

use crate::support::now;

/// Every released migration and the SHA-384 checksum sqlx computed for it. A released file
/// must never be edited (every installed wallet would refuse to open): add a new one instead,
/// then add its line here when it ships.
const RELEASED: &[(i64, &str)] = &[(
    20261127120000,
    "fd751e96e537018dd6c15b18e6fe7bba27fcfcf111b03594529f6b8814ffcfe0f63c913e66274a503fdc93723cbb5ff5",
)];

#[test]
fn released_migrations_keep_their_checksums() {
    for (version, checksum) in RELEASED {
        let migration = MIGRATOR
            .iter()
            .find(|m| m.version == *version)
            .unwrap_or_else(|| panic!("released migration {version} was removed"));
        assert_eq!(
            hex::encode(&migration.checksum),
            *checksum,
            "released migration {version} ({}) was edited: revert it and add a new migration",
            migration.description
        );
    }
}

#[test]
fn migrations_are_timestamped_and_in_order() {
    let versions: Vec<i64> = MIGRATOR.iter().map(|m| m.version).collect();
    assert!(!versions.is_empty());
    for v in &versions {
        assert_eq!(
            v.to_string().len(),
            14,
            "{v} is not a YYYYMMDDHHMMSS timestamp"
        );
    }
    assert!(versions.windows(2).all(|w| w[0] < w[1]));
    assert!(
        MIGRATOR
            .iter()
            .all(|m| !m.migration_type.is_down_migration()),
        "additive only"
    );
}

#[tokio::test]
async fn an_upgrade_backs_up_the_file_before_migrating() {
    let dir = tempfile::tempdir().unwrap();
    let paths = WalletPaths::in_dir(dir.path());
    let key = DbKey::generate();
    // A wallet written by an "older release": encrypted with the raw key, a table of its own,
    // none of the current schema.
    let options = SqliteConnectOptions::new()
        .filename(paths.db())
        .create_if_missing(true)
        .pragma("key", format!("\"x'{}'\"", key.to_hex_upper().as_str()));
    let mut conn = options.connect().await.unwrap();
    sqlx::query("CREATE TABLE legacy (note TEXT); INSERT INTO legacy VALUES ('old data')")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let mut wallet = Wallet::new(paths.clone(), None, now());
    wallet.unlock(Unlock::RawKey(&key), now()).await.unwrap();
    let backup = wallet
        .last_backup()
        .expect("a backup before migrating")
        .to_path_buf();
    assert!(backup.starts_with(paths.backups()));
    let pool = wallet.pool().unwrap();
    let cards: i64 = sqlx::query_scalar("SELECT count(*) FROM cards")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(cards, 0, "migrated");
    wallet.lock().await;

    // The backup is the old file, still encrypted with the same key.
    let mut old = options
        .clone()
        .filename(&backup)
        .create_if_missing(false)
        .connect()
        .await
        .unwrap();
    let note: String = sqlx::query_scalar("SELECT note FROM legacy")
        .fetch_one(&mut old)
        .await
        .unwrap();
    assert_eq!(note, "old data");
    let has_cards: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_schema WHERE name = 'cards'")
            .fetch_one(&mut old)
            .await
            .unwrap();
    assert_eq!(has_cards, 0);
    old.close().await.unwrap();

    // Unlocking again migrates nothing and backs up nothing.
    wallet.unlock(Unlock::RawKey(&key), now()).await.unwrap();
    assert_eq!(wallet.last_backup(), None);
}
