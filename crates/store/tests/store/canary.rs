//! Card-number canary: Luhn-valid numbers pushed through every input path of the store never
//! appear in the database, its WAL and shared-memory files, the key file, a backup, the logs
//! or an error message, in any usual encoding. The encrypted files would hide them anyway, so
//! the scan also covers a decrypted export of the database: the real proof.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use chrono::Duration;
use consentry_domain::{
    ConsentAction, ConsentChange, EventPayload, FeeModel, Grant, RecommendationMade, Scope,
    Sha256Digest, SocialPosted,
};
use consentry_store::apps::{self, AppListing};
use consentry_store::ledger::{self, ChangeOrigin};
use consentry_store::{cards, events, outbox, quarantine, settings, StoreError};

use crate::cards::new_card;
use crate::consents::details;
use crate::support::{now, passphrase_wallet};
use consentry_testkit::events::{cashback, incoming, points, receipt, transaction};

/// Test numbers of five networks (all Luhn-valid).
const CANARIES: &[&str] = &[
    "4111111111111111",
    "5555555555554444",
    "378282246310005",
    "6011111111111117",
    "3530111333300000",
];

/// Every way a number could sit in bytes: plain, grouped by 4 with spaces or dashes, the
/// Amex 4-6-5 grouping, and UTF-16 (both byte orders) of the plain digits.
fn encodings(pan: &str) -> Vec<Vec<u8>> {
    let groups = |sep: &str| {
        pan.as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(sep)
    };
    let mut texts = vec![pan.to_owned(), groups(" "), groups("-")];
    if pan.len() == 15 {
        texts.push(format!("{} {} {}", &pan[..4], &pan[4..10], &pan[10..]));
    }
    let mut out: Vec<Vec<u8>> = texts.iter().map(|t| t.as_bytes().to_vec()).collect();
    out.push(pan.encode_utf16().flat_map(u16::to_le_bytes).collect());
    out.push(pan.encode_utf16().flat_map(u16::to_be_bytes).collect());
    out
}

fn assert_clean(what: &str, bytes: &[u8]) {
    for pan in CANARIES {
        for needle in encodings(pan) {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
                "{what} contains a canary card number ({})",
                String::from_utf8_lossy(&needle)
            );
        }
    }
}

fn scan_dir(dir: &Path) -> usize {
    let mut scanned = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scanned += scan_dir(&path);
        } else {
            assert_clean(&path.display().to_string(), &std::fs::read(&path).unwrap());
            scanned += 1;
        }
    }
    scanned
}

/// Collects every log event of the process (all levels, all fields) as text.
struct Capture(Mutex<String>);

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
}

impl tracing::Subscriber for &'static Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut log = self.0.lock().unwrap();
        span.record(&mut Fields(&mut log));
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        values.record(&mut Fields(&mut self.0.lock().unwrap()));
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        event.record(&mut Fields(&mut self.0.lock().unwrap()));
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(String::new()))));
        let _ = tracing::subscriber::set_global_default(capture);
        capture
    })
}

#[tokio::test]
async fn card_numbers_never_reach_the_disk_or_the_logs() {
    let logs = capture();
    let (dir, mut wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap().clone();
    let mut errors = String::new();

    for (n, pan) in CANARIES.iter().enumerate() {
        let spaced = pan
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c))
            .collect::<Vec<_>>()
            .join(" ");
        // Cardholder input: refused with a clear error.
        let mut card = new_card(&format!("tok_{n}"), "1111");
        card.nickname = Some(format!("card {spaced}"));
        errors += &cards::insert(&pool, &card, now())
            .await
            .unwrap_err()
            .to_string();
        errors += &cards::insert(&pool, &new_card(pan, "1111"), now())
            .await
            .unwrap_err()
            .to_string();
        cards::insert(&pool, &new_card(&format!("tok_{n}"), "1111"), now())
            .await
            .unwrap();
        errors += &cards::set_nickname(&pool, &format!("tok_{n}"), Some(pan), now())
            .await
            .unwrap_err()
            .to_string();
        errors += &settings::put(&pool, "note", &format!("pay with {pan}"), now())
            .await
            .unwrap_err()
            .to_string();
        let grant = Grant::new(
            "g1",
            details(&format!("tok_{n}"), Scope::Receipts),
            1,
            now(),
        )
        .unwrap();
        let change = ConsentChange::recording(
            ConsentAction::Grant,
            &grant,
            format!("dev {pan}"),
            Sha256Digest::of_terms("t"),
        );
        let err = ledger::record(&pool, change, Some(&grant), ChangeOrigin::Local, now())
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::CardNumberInText { .. }), "{err}");
        errors += &err.to_string();

        // Platform data: stored with the number masked.
        let at = now() + Duration::minutes(n as i64);
        let i = 100 * n as u64;
        let mut batch = vec![
            transaction(i, "tok_a", &format!("Shop {spaced}"), 100, at),
            receipt(
                i + 1,
                "tok_a",
                "app_r",
                "Bakery",
                &[&format!("gift card {pan}")],
                at,
            ),
            points(i + 2, "tok_a", "app_p", &format!("Program {pan}"), 1, 1, at),
            cashback(i + 3, "tok_a", "app_c", true, 5, at),
            transaction(i + 4, &format!("tok {pan}"), "Shop", 100, at),
        ];
        if let EventPayload::CashbackPaid(c) = &mut batch[3].payload {
            c.destination = format!("card {pan}");
        }
        let mut social = points(i + 5, "tok_a", "app_s", "x", 1, 1, at);
        social.payload = EventPayload::SocialPosted(SocialPosted {
            network: "mastodon".into(),
            text: format!("my card is {spaced}!"),
            payment: None,
        });
        let mut reco = points(i + 6, "tok_a", "app_s", "x", 1, 1, at);
        reco.payload = EventPayload::RecommendationMade(RecommendationMade {
            text: "buy".into(),
            product: Some(pan.to_string()),
            payment: None,
        });
        batch.push(social);
        batch.push(reco);
        let mut with_id = transaction(i + 7, "tok_a", "Shop", 100, at);
        with_id.id = format!("evt_{pan}");
        batch.push(with_id);
        events::ingest(
            &pool,
            &batch.into_iter().map(incoming).collect::<Vec<_>>(),
            at,
        )
        .await
        .unwrap();

        let terms = format!("Refunds go to card {pan}.");
        apps::upsert(
            &pool,
            &AppListing {
                id: format!("app_{n}"),
                name: format!("App {spaced}"),
                publisher: "Acme".into(),
                description: format!("Pays to {pan}"),
                requested_scopes: vec![Scope::Points],
                terms_version: 1,
                terms_hash: Sha256Digest::of_terms(&terms),
                terms_text: terms,
                fee_model: FeeModel::None,
            },
            now(),
        )
        .await
        .unwrap();
        let body = format!(r#"{{"id":"evt_q{n}","type":"nope","card":"{spaced}","n":{pan}}}"#);
        quarantine::put(
            &pool,
            Some(&format!("evt_{pan}")),
            &format!("bad {pan}"),
            body.as_bytes(),
            now(),
        )
        .await
        .unwrap();
    }
    let grant = Grant::new("g1", details("tok_0", Scope::Receipts), 1, now()).unwrap();
    let change = ConsentChange::recording(
        ConsentAction::Grant,
        &grant,
        "laptop",
        Sha256Digest::of_terms("t"),
    );
    let recorded = ledger::record(&pool, change, Some(&grant), ChangeOrigin::Local, now())
        .await
        .unwrap();
    outbox::mark_failed(
        &pool,
        recorded.outbox_key.unwrap(),
        &format!("platform said {}", CANARIES[0]),
        now(),
    )
    .await
    .unwrap();

    // A decrypted copy of everything the database holds.
    let plain = dir.path().join("plain.db");
    // The pool opens files without SQLITE_OPEN_CREATE (so does ATTACH): start from an empty file.
    std::fs::File::create(&plain).unwrap();
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query(&format!(
        "ATTACH DATABASE '{}' AS plain KEY ''",
        plain.display()
    ))
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query("SELECT sqlcipher_export('plain')")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("DETACH DATABASE plain")
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let exported = std::fs::read(&plain).unwrap();
    assert!(
        exported.starts_with(b"SQLite format 3\0"),
        "the export is plaintext"
    );
    // The scan sees real content: the masked forms are there in the clear.
    let masked = "•••• 1111".as_bytes();
    assert!(
        exported.windows(masked.len()).any(|w| w == masked),
        "masked numbers are stored"
    );
    assert_clean("decrypted export", &exported);
    std::fs::remove_file(&plain).unwrap();

    // The live files while open (WAL and shared memory included), then after locking.
    assert!(wallet.paths().wal().exists());
    let open_files = scan_dir(wallet.paths().dir());
    assert!(open_files >= 4, "db, -wal, -shm, key file: {open_files}");
    wallet.lock().await;
    scan_dir(dir.path());

    assert_clean("error messages", errors.as_bytes());
    assert!(errors.contains("card number"), "{errors}");
    let log = logs.0.lock().unwrap().clone();
    assert_clean("logs", log.as_bytes());
}
