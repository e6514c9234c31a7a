//! The bulk ingest path: several transactions with the next one prepared while SQLite writes,
//! duplicates across transaction boundaries, every typed row and search row still written, card
//! numbers masked, and the connection's settings put back afterwards.

use chrono::Duration;
use consentry_domain::{GrantRefusal, GrantStatus, ViolationReason};
use consentry_store::events::{self, EVENTS_PER_TRANSACTION};
use consentry_store::history::{self, HistoryFilter};
use consentry_store::{reward_stats, search, settings};

use crate::support::{mixed_events, now, passphrase_wallet};
use consentry_testkit::events::{incoming, points, transaction, MERCHANTS};

const CARD_NUMBER: &str = "4111 1111 1111 1111";

fn cards() -> Vec<String> {
    ["tok_a", "tok_b"].map(String::from).to_vec()
}

async fn feed_cursor(pool: &sqlx::SqlitePool) -> Option<String> {
    settings::sync_cursor(pool, "feed").await.unwrap()
}

async fn count(pool: &sqlx::SqlitePool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// Events in the search index. The index keeps no rows to count, only words: every indexed
/// event holds one of the fixtures' merchants, so the rows matching any merchant's first word.
async fn indexed_events(pool: &sqlx::SqlitePool) -> i64 {
    let any_merchant = MERCHANTS
        .iter()
        .map(|m| m.split(' ').next().unwrap_or(m))
        .collect::<Vec<_>>()
        .join(" OR ");
    sqlx::query_scalar("SELECT count(*) FROM search_index WHERE search_index MATCH ? AND rowid > 0")
        .bind(any_merchant)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_multi_transaction_ingest_keeps_every_row_and_the_arrival_order() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let start = now() - Duration::days(60);
    let n = EVENTS_PER_TRANSACTION as u64 * 2 + 250;
    // Stored already: a run that straddles the first transaction boundary of the next call.
    let boundary = EVENTS_PER_TRANSACTION as u64;
    let earlier = mixed_events(boundary - 100..boundary + 100, &cards(), start);
    events::ingest(pool, &earlier, now()).await.unwrap();

    let mut batch = mixed_events(0..n, &cards(), start);
    // Repeats inside the call, in a later transaction than their first delivery.
    batch.push(batch[3].clone());
    batch.push(batch[EVENTS_PER_TRANSACTION + 7].clone());
    // Flag every 1,000th event.
    for event in batch.iter_mut().step_by(1_000) {
        event.violation = Some(ViolationReason::Refused {
            refusal: GrantRefusal::NotActive {
                status: GrantStatus::Revoked,
            },
        });
    }
    let report = events::ingest_with_cursor(pool, &batch, "feed", "c-9", now())
        .await
        .unwrap();
    assert_eq!(report.inserted, n - 200);
    assert_eq!(report.duplicates, 200 + 2);
    assert_eq!(events::count(pool).await.unwrap(), n);
    assert_eq!(feed_cursor(pool).await.as_deref(), Some("c-9"));

    // Typed rows: exactly one per stored event of the kind.
    let per_kind = |range: std::ops::RangeInclusive<u64>| {
        (0..n).filter(|i| range.contains(&(i % 20))).count() as i64
    };
    assert_eq!(
        count(pool, "SELECT count(*) FROM points").await,
        per_kind(13..=15)
    );
    assert_eq!(
        count(pool, "SELECT count(*) FROM cashback").await,
        per_kind(16..=17)
    );
    assert_eq!(indexed_events(pool).await, per_kind(0..=12));
    // Every violation row points at the event it flags; the already-stored ones are not
    // flagged again.
    let flagged = (0..n)
        .step_by(1_000)
        .filter(|i| !(boundary - 100..boundary + 100).contains(i))
        .count() as u64;
    assert_eq!(events::violation_count(pool).await.unwrap(), flagged);
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM violations v JOIN events e ON e.seq = v.event_seq \
             WHERE CAST(substr(e.id, 5) AS INTEGER) % 1000 = 0"
        )
        .await,
        flagged as i64
    );
    // Typed rows agree with their event.
    assert_eq!(
        count(
            pool,
            "SELECT count(*) FROM points p JOIN events e ON e.seq = p.event_seq \
             WHERE e.kind <> 'points.awarded' OR p.balance <> e.payload ->> '$.balance' \
             OR p.card_token <> e.card_token OR p.occurred_at_ms <> e.occurred_at_ms"
        )
        .await,
        0
    );

    // `seq` follows the order of arrival, across transactions.
    let ordered: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events a JOIN events b ON b.seq = a.seq + 1 WHERE a.id > b.id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    // The only step back in id order is where the second call starts after the first.
    assert_eq!(ordered, 1);

    // History walks the whole set; search finds events from every transaction.
    let page = history::page(pool, &HistoryFilter::default(), None, 500)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 500);
    assert_eq!(page.items[0].event, batch[n as usize - 1].event);
    let hits = search::search(pool, "grocer", 200).await.unwrap();
    assert_eq!(hits.len(), 200);
    let programs = reward_stats::points_by_program(pool, None).await.unwrap();
    assert_eq!(
        programs.iter().map(|p| p.awards).sum::<u64>() as i64,
        per_kind(13..=15)
    );
}

#[tokio::test]
async fn card_numbers_are_masked_in_every_stored_column() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let merchant = format!("Shop {CARD_NUMBER}");
    let mut sale = transaction(1, "tok_a", &merchant, 1_000, now());
    sale.id = format!("evt_{CARD_NUMBER}");
    let award = points(
        2,
        "tok_a",
        "app_points",
        &format!("Miles {CARD_NUMBER}"),
        5,
        5,
        now(),
    );
    events::ingest(pool, &[incoming(sale), incoming(award)], now())
        .await
        .unwrap();
    let mut dump: Vec<String> =
        sqlx::query_scalar("SELECT id || payload FROM events UNION ALL SELECT program FROM points")
            .fetch_all(pool)
            .await
            .unwrap();
    let found = search::search(pool, "shop", 10).await.unwrap();
    assert_eq!(found.len(), 1);
    dump.extend(found.into_iter().map(|hit| hit.text));
    assert_eq!(dump.len(), 4);
    for text in dump {
        assert!(!text.contains(CARD_NUMBER), "{text}");
        assert!(text.contains("•••• 1111"), "{text}");
    }
    // The index holds words, not text: the number's masked tail, never its other groups.
    assert_eq!(
        search::search(pool, "shop 1111", 10).await.unwrap().len(),
        1
    );
    assert!(search::search(pool, "4111", 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn the_connection_goes_back_to_the_pool_with_its_settings() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let batch = mixed_events(0..50, &cards(), now());
    events::ingest(pool, &batch, now()).await.unwrap();
    // Every connection the pool hands out, including the one the ingest used.
    let mut held = Vec::new();
    for _ in 0..pool.size().max(1) {
        let mut conn = pool.acquire().await.unwrap();
        let synchronous: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let cache: i64 = sqlx::query_scalar("PRAGMA cache_size")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert_eq!((synchronous, cache), (2, -32_768), "FULL and 32 MiB");
        held.push(conn);
    }
}

#[tokio::test]
async fn a_page_commits_its_events_refusals_and_cursor_together() {
    use consentry_store::quarantine::{self, Refusal};
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let refusal = |id: &str| Refusal {
        event_id: Some(id.into()),
        reason: format!("bad_signature: {CARD_NUMBER}"),
        body: format!("{{\"card\":\"{CARD_NUMBER}\"}}"),
    };
    let page = mixed_events(0..3, &cards(), now());
    let report = events::ingest_page(
        pool,
        &page,
        &[refusal("evt_forged")],
        Some(("feed", "42")),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(report.inserted, 3);
    assert_eq!(feed_cursor(pool).await.as_deref(), Some("42"));
    let kept = quarantine::recent(pool, 10).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].event_id.as_deref(), Some("evt_forged"));
    assert!(!kept[0].body.contains(CARD_NUMBER) && !kept[0].reason.contains(CARD_NUMBER));

    // A page of refusals only still moves the cursor with them; a gap (no cursor) leaves it.
    events::ingest_page(
        pool,
        &[],
        &[refusal("evt_other")],
        Some(("feed", "43")),
        now(),
    )
    .await
    .unwrap();
    events::ingest_page(pool, &page, &[refusal("evt_gap")], None, now())
        .await
        .unwrap();
    assert_eq!(feed_cursor(pool).await.as_deref(), Some("43"));
    assert_eq!(quarantine::count(pool).await.unwrap(), 3);
    assert_eq!(count(pool, "SELECT count(*) FROM events").await, 3);

    // A page whose refusal cannot be written leaves nothing of itself: no event, no cursor.
    sqlx::query(
        "CREATE TRIGGER refuse_quarantine BEFORE INSERT ON quarantine \
         BEGIN SELECT RAISE(ABORT, 'the disk says no'); END",
    )
    .execute(pool)
    .await
    .unwrap();
    let later = mixed_events(10..13, &cards(), now());
    let failed = events::ingest_page(
        pool,
        &later,
        &[refusal("evt_late")],
        Some(("feed", "99")),
        now(),
    )
    .await;
    assert!(failed.is_err());
    assert_eq!(count(pool, "SELECT count(*) FROM events").await, 3);
    assert_eq!(feed_cursor(pool).await.as_deref(), Some("43"));
    sqlx::query("DROP TRIGGER refuse_quarantine")
        .execute(pool)
        .await
        .unwrap();
}
