//! Migrations: released files never change, and an upgrade backs the wallet up first.

use consentry_store::apps;
use consentry_store::events;
use consentry_store::search::{self, SearchTarget};
use consentry_store::{DbKey, Unlock, Wallet, WalletPaths, MIGRATOR};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use sqlx::{ConnectOptions, Connection};

use crate::support::now;
use consentry_testkit::events::{receipt, receipts_app, transaction};

/// Every released migration and the SHA-384 checksum sqlx computed for it. A released file
/// must never be edited (every installed wallet would refuse to open): add a new one instead,
/// then add its line here when it ships.
const RELEASED: &[(i64, &str)] = &[
    (
        20261127120000,
        "fd751e96e537018dd6c15b18e6fe7bba27fcfcf111b03594529f6b8814ffcfe0f63c913e66274a503fdc93723cbb5ff5",
    ),
    (
        20261204120000,
        "cff033a863561dbe7242e5b4b95e03d2818a8d0bcd7c2a71e2ecb61272a3e95d21c6f46ae876795d5b4032072c17a070",
    ),    (
        20261211120000,
        "e4f7a13de481837b5971f80d1b7898ea909d0af2718d2bfc0180e64a0fda57bc58b6d3703a55cc31a540b2458260814e",
    ),
    (
        20261218120000,
        "835bf1efe1b7981ed6aed7fbf31324ac1b3b85d05365428ecd4cea7a6e38178d367aa33be7251572cf9e7ec884a9ac83",
    ),    (
        20261219120000,
        "6cf352bd368dc5a58bb03468c49f7f4e732d9a9eb891bfb81ade0e464a1c81d5166ec46d04371b4702f639afa9d5b522",
    ),
    (
        20261226120000,
        "d3a8c88bd2b40c05dd50c2ec7c36f2eefa1bfb76d879ae5957a495bb30bde2e98994869b92ddb6599757c3cfd38564bd",
    ),
];

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
    let options = raw_key_options(&paths, &key);
    let mut conn = options.connect().await.unwrap();
    sqlx::query("CREATE TABLE legacy (note TEXT); INSERT INTO legacy VALUES ('old data')")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let mut wallet = upgrade(&paths, &key).await;
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

/// A wallet as the release before `version` left it: every migration older than `version`,
/// applied from their files, in a temp dir (keep the dir alive while the wallet is used).
async fn wallet_before(version: i64) -> (tempfile::TempDir, WalletPaths, DbKey, SqlitePool) {
    let dir = tempfile::tempdir().unwrap();
    let paths = WalletPaths::in_dir(dir.path());
    let key = DbKey::generate();
    let older = dir.path().join("older-migrations");
    std::fs::create_dir(&older).unwrap();
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for migration in MIGRATOR.iter().filter(|m| m.version < version) {
        let name = format!(
            "{}_{}.sql",
            migration.version,
            migration.description.replace(' ', "_")
        );
        std::fs::copy(source.join(&name), older.join(&name)).unwrap();
    }
    let pool = SqlitePool::connect_with(raw_key_options(&paths, &key))
        .await
        .unwrap();
    Migrator::new(older.as_path())
        .await
        .unwrap()
        .run(&pool)
        .await
        .unwrap();
    (dir, paths, key, pool)
}

/// The file of `paths` opened with the raw key, as releases before the keyfile did.
fn raw_key_options(paths: &WalletPaths, key: &DbKey) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(paths.db())
        .create_if_missing(true)
        .pragma("key", format!("\"x'{}'\"", key.to_hex_upper().as_str()))
}

/// Opens the wallet of `paths` with the current release, which migrates it.
async fn upgrade(paths: &WalletPaths, key: &DbKey) -> Wallet {
    let mut wallet = Wallet::new(paths.clone(), None, now());
    wallet.unlock(Unlock::RawKey(key), now()).await.unwrap();
    wallet
}

/// Caches `app` as releases before 20270110120000 did (no languages; one terms text per
/// version), with its search entry: the current `apps::upsert` needs the current schema.
async fn upsert_app_as_before(pool: &SqlitePool, app: &apps::AppListing) {
    let scopes = serde_json::to_string(&app.requested_scopes).unwrap();
    let fee = serde_json::to_string(&app.fee_model).unwrap();
    sqlx::query(
        "INSERT INTO apps (id, name, publisher, description, requested_scopes, terms_version, \
         terms_hash, fee_model, fetched_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)",
    )
    .bind(&app.id)
    .bind(&app.name)
    .bind(&app.publisher)
    .bind(&app.description)
    .bind(&scopes)
    .bind(app.terms_version)
    .bind(app.terms_hash.to_hex())
    .bind(&fee)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO app_terms (app_id, terms_version, terms_hash, terms_text, seen_at_ms, \
         requested_scopes) VALUES (?, ?, ?, ?, 0, ?)",
    )
    .bind(&app.id)
    .bind(app.terms_version)
    .bind(app.terms_hash.to_hex())
    .bind(&app.terms_text)
    .bind(&scopes)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO search_index (rowid, text) \
         SELECT -rowid, name || ' ' || publisher FROM apps WHERE id = ?",
    )
    .bind(&app.id)
    .execute(pool)
    .await
    .unwrap();
}

/// Writes `batch` into the `events` table as releases before 20270107120000 did (no
/// `purchase_id`), seq 1, 2, …: the current ingest needs the current schema.
async fn write_events_as_before(pool: &SqlitePool, batch: &[consentry_domain::Event]) {
    for (seq, event) in (1_i64..).zip(batch) {
        sqlx::query(
            "INSERT INTO events (seq, id, kind, occurred_at_ms, card_token, app_id, payload, \
             signature_verified, received_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 1, 0)",
        )
        .bind(seq)
        .bind(&event.id)
        .bind(event.event_type().as_str())
        .bind(event.occurred_at.timestamp_millis())
        .bind(&event.card_token)
        .bind(&event.app_id)
        .bind(events::stored_payload(event).unwrap())
        .execute(pool)
        .await
        .unwrap();
    }
}

/// The ids of the apps among the hits for `typed`, and the other hits.
async fn hits(pool: &SqlitePool, typed: &str) -> (Vec<String>, Vec<SearchTarget>) {
    let found = search::search(pool, typed, 20).await.unwrap();
    let apps = found
        .iter()
        .filter_map(|h| match &h.target {
            SearchTarget::App(id) => Some(id.clone()),
            _ => None,
        })
        .collect();
    let events = found
        .into_iter()
        .map(|h| h.target)
        .filter(|t| !matches!(t, SearchTarget::App(_)))
        .collect();
    (apps, events)
}

/// 20261211120000 rebuilds the search index and narrows `events_by_app`: a wallet written
/// before it keeps finding its events and apps, and an app re-cached afterwards replaces its
/// entry.
#[tokio::test]
async fn a_wallet_from_before_the_lean_indexes_keeps_its_search() {
    const LEAN: i64 = 20261211120000;
    let (_dir, paths, key, pool) = wallet_before(LEAN).await;
    let batch = [
        transaction(1, "tok_a", "Blue Bottle Coffee", 450, now()),
        receipt(
            2,
            "tok_a",
            "app_receipts",
            "Corner Bakery",
            &["croissant"],
            now(),
        ),
    ];
    write_events_as_before(&pool, &batch).await;
    // That release's search rows: the text, and what it is about.
    sqlx::query(
        "INSERT INTO search_index (rowid, text, source) VALUES \
         (1, 'Blue Bottle Coffee', 'transaction'), (2, 'Corner Bakery croissant', 'receipt')",
    )
    .execute(&pool)
    .await
    .unwrap();
    upsert_app_as_before(&pool, &receipts_app("Paperless Receipts")).await;
    pool.close().await;

    let mut wallet = upgrade(&paths, &key).await;
    assert!(wallet.last_backup().is_some(), "backed up before migrating");
    let pool = wallet.pool().unwrap();

    let (_, coffee) = hits(pool, "coffee").await;
    assert!(matches!(coffee.as_slice(), [SearchTarget::Transaction(_)]));
    let (_, croissant) = hits(pool, "croiss").await;
    assert!(matches!(croissant.as_slice(), [SearchTarget::Receipt(_)]));
    assert_eq!(hits(pool, "paperless").await.0, ["app_receipts"]);

    apps::upsert(pool, &receipts_app("Inkless Receipts"), now())
        .await
        .unwrap();
    assert!(hits(pool, "paperless").await.0.is_empty(), "old name gone");
    assert_eq!(hits(pool, "inkless").await.0, ["app_receipts"]);

    let schema: Vec<String> = sqlx::query_scalar(
        "SELECT name || ': ' || coalesce(sql, '') FROM sqlite_schema \
         WHERE name IN ('events_by_app', 'search_index', 'search_index_docsize') ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(schema.len(), 2, "no per-row token counts: {schema:?}");
    assert!(
        schema[0].contains("WHERE app_id IS NOT NULL"),
        "{}",
        schema[0]
    );
    assert!(schema[1].contains("columnsize"), "{}", schema[1]);
    wallet.lock().await;
}

/// 20270107120000 adds `events.purchase_id`: a wallet written before it gets the transaction
/// id of every stored event that names one, so its purchases group like new ones.
#[tokio::test]
async fn a_wallet_from_before_purchase_groups_gets_its_purchases_backfilled() {
    const GROUPS: i64 = 20270107120000;
    let (_dir, paths, key, pool) = wallet_before(GROUPS).await;
    // The rows as the ingest of that release wrote them (no purchase_id column yet).
    let mut bought = consentry_testkit::events::purchase(1, "tok_a", 450, now());
    let mut forged = bought[6].clone();
    forged.id = "evt_forged".into();
    if let consentry_domain::EventPayload::SocialPosted(s) = &mut forged.payload {
        s.payment.as_mut().unwrap().transaction_id = "x".repeat(200);
    }
    bought.push(forged);
    bought.push(consentry_testkit::events::points(
        9,
        "tok_a",
        "app_points",
        "Miles",
        1,
        1,
        now(),
    ));
    write_events_as_before(&pool, &bought).await;
    pool.close().await;

    let mut wallet = upgrade(&paths, &key).await;
    let pool = wallet.pool().unwrap();
    let ids: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT id, purchase_id FROM events ORDER BY seq")
            .fetch_all(pool)
            .await
            .unwrap();
    let (grouped, alone): (Vec<_>, Vec<_>) = ids.into_iter().partition(|(_, p)| p.is_some());
    assert_eq!(grouped.len(), 9, "the purchase's nine events");
    assert!(grouped.iter().all(|(_, p)| p.as_deref() == Some("tx_p1")));
    assert_eq!(
        alone.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
        ["evt_forged", "evt_000000000009"],
        "an overlong id and no payment stay alone"
    );
    let page = consentry_store::purchases::page(
        pool,
        &consentry_store::activity::ActivityFilter::default(),
        consentry_store::activity::Direction::Older(None),
        50,
    )
    .await
    .unwrap();
    assert_eq!(page.entries.len(), 3);
    wallet.lock().await;
}

/// 20270110120000 keys the terms texts by hash (a version read in two languages is two texts)
/// and says the directory's language: a wallet from before keeps every text, unsaid languages,
/// and caches a text in another language of the same version beside the first.
#[tokio::test]
async fn a_wallet_from_before_directory_languages_keeps_its_terms_texts() {
    const LANGUAGES: i64 = 20270110120000;
    let (_dir, paths, key, pool) = wallet_before(LANGUAGES).await;
    let english = receipts_app("Paperless Receipts");
    upsert_app_as_before(&pool, &english).await;
    pool.close().await;

    let mut wallet = upgrade(&paths, &key).await;
    let pool = wallet.pool().unwrap();
    let cached = apps::get(pool, "app_receipts").await.unwrap().unwrap();
    assert_eq!(cached.listing, english);
    assert_eq!(cached.languages, apps::ListingLanguages::default());

    // The same version read in French: a second text, the listing joined to it.
    let text = "Nous conservons vos reçus.";
    let french = apps::AppListing {
        description: "Conserve vos reçus".into(),
        terms_text: text.into(),
        terms_hash: consentry_domain::Sha256Digest::of_terms(text),
        ..english.clone()
    };
    let languages = apps::ListingLanguages {
        listing: Some("fr".into()),
        terms: Some("fr".into()),
    };
    apps::upsert_all_in(pool, &[(french.clone(), languages.clone())], now())
        .await
        .unwrap();
    let cached = apps::get(pool, "app_receipts").await.unwrap().unwrap();
    assert_eq!((cached.listing, cached.languages), (french, languages));
    let kept = apps::terms_version(pool, "app_receipts", 1, Some("en"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (kept.text.as_str(), kept.language),
        (english.terms_text.as_str(), None)
    );
    assert_eq!(
        apps::terms_versions(pool, "app_receipts").await.unwrap(),
        [1]
    );
    // A language tag that is none is refused, nothing cached.
    let bad = apps::ListingLanguages {
        listing: Some("fr; DROP".into()),
        terms: None,
    };
    assert!(apps::upsert_all_in(pool, &[(english, bad)], now())
        .await
        .is_err());
    let cached = apps::get(pool, "app_receipts").await.unwrap().unwrap();
    assert_eq!(cached.languages.listing.as_deref(), Some("fr"));
    wallet.lock().await;
}
