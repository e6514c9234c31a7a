//! Event ingest, keyset pagination with filters, reward totals, search.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use consentry_domain::{EventType, GrantRefusal, GrantStatus, Sha256Digest, ViolationReason};
use consentry_store::apps::{self, AppListing};
use consentry_store::events::{self, IncomingEvent};
use consentry_store::history::{self, HistoryCursor, HistoryFilter};
use consentry_store::reward_stats::{self, CashbackState};
use consentry_store::search::{self, SearchTarget};
use consentry_store::{quarantine, settings};

use crate::support::{mixed_events, now, passphrase_wallet};
use consentry_testkit::events::{
    cashback, incoming, mixed, points, receipts_app, transaction, RECEIPTS_APP_TERMS,
};

fn cards() -> Vec<String> {
    ["tok_a", "tok_b", "tok_c"].map(String::from).to_vec()
}

fn start() -> DateTime<Utc> {
    now() - Duration::days(30)
}

/// `n` mixed events, plus every tenth one duplicated at the same instant (ties on time).
fn corpus(n: u64) -> Vec<IncomingEvent> {
    let mut out = Vec::new();
    for i in 0..n {
        let event = mixed(i, &cards(), start());
        if i % 10 == 0 {
            let mut twin = mixed(i + 1_000_000, &cards(), start());
            twin.occurred_at = event.occurred_at;
            out.push(incoming(twin));
        }
        out.push(incoming(event));
    }
    out
}

#[tokio::test]
async fn ingest_dedupes_by_event_id_across_calls_and_within_one() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let first = mixed_events(0..300, &cards(), start());
    let report = events::ingest(pool, &first, now()).await.unwrap();
    assert_eq!((report.inserted, report.duplicates), (300, 0));
    let mut second = mixed_events(150..450, &cards(), start());
    second.push(second[0].clone());
    let report = events::ingest(pool, &second, now()).await.unwrap();
    assert_eq!((report.inserted, report.duplicates), (150, 151));
    assert_eq!(events::count(pool).await.unwrap(), 450);
    assert!(events::exists(pool, "evt_000000000449").await.unwrap());
    // Typed rows exist once per stored event, not per delivery.
    let points: i64 = sqlx::query_scalar("SELECT count(*) FROM points")
        .fetch_one(pool)
        .await
        .unwrap();
    let expected = (0..450).filter(|i| (13..=15).contains(&(i % 20))).count() as i64;
    assert_eq!(points, expected);
}

#[tokio::test]
async fn a_large_ingest_spans_transactions_and_moves_the_cursor_last() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let batch = mixed_events(
        0..(events::EVENTS_PER_TRANSACTION as u64 * 2 + 17),
        &cards(),
        start(),
    );
    let report = events::ingest_with_cursor(pool, &batch, "feed", "c-42", now())
        .await
        .unwrap();
    assert_eq!(report.inserted, batch.len() as u64);
    assert_eq!(
        settings::sync_cursor(pool, "feed")
            .await
            .unwrap()
            .as_deref(),
        Some("c-42")
    );
}

fn expected(all: &[IncomingEvent], filter: &HistoryFilter) -> Vec<String> {
    let mut matching: Vec<(i64, usize, &IncomingEvent)> = all
        .iter()
        .enumerate()
        .filter(|(_, e)| {
            let e = &e.event;
            filter
                .card_token
                .as_ref()
                .is_none_or(|c| &e.card_token == c)
                && filter
                    .app_id
                    .as_ref()
                    .is_none_or(|a| e.app_id.as_ref() == Some(a))
                && (filter.kinds.is_empty() || filter.kinds.contains(&e.event_type()))
                && filter.from.is_none_or(|f| e.occurred_at >= f)
                && filter.until.is_none_or(|u| e.occurred_at < u)
        })
        .map(|(index, e)| (e.event.occurred_at.timestamp_millis(), index, e))
        .collect();
    // Newest first; among equal times, the later arrival first (seq follows input order).
    matching.sort_by_key(|m| std::cmp::Reverse((m.0, m.1)));
    matching
        .into_iter()
        .map(|(_, _, e)| e.event.id.clone())
        .collect()
}

async fn walk(pool: &sqlx::SqlitePool, filter: &HistoryFilter, size: u32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<HistoryCursor> = None;
    loop {
        let page = history::page(pool, filter, cursor, size).await.unwrap();
        assert!(page.items.len() <= size as usize);
        ids.extend(page.items.iter().map(|i| i.event.id.clone()));
        match page.next {
            // Cursors survive a round trip through text (the UI holds them as strings).
            Some(next) => cursor = Some(next.to_string().parse().unwrap()),
            None => break,
        }
    }
    ids
}

#[tokio::test]
async fn keyset_pages_cover_every_match_once_in_order_under_every_filter() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let all = corpus(1_200);
    events::ingest(pool, &all, now()).await.unwrap();
    let filters = [
        HistoryFilter::default(),
        HistoryFilter {
            card_token: Some("tok_b".into()),
            ..Default::default()
        },
        HistoryFilter {
            app_id: Some("app_points".into()),
            ..Default::default()
        },
        HistoryFilter {
            kinds: vec![EventType::ReceiptIssued],
            ..Default::default()
        },
        HistoryFilter {
            kinds: vec![EventType::PointsAwarded, EventType::CashbackPaid],
            ..Default::default()
        },
        HistoryFilter {
            from: Some(start() + Duration::minutes(100)),
            until: Some(start() + Duration::minutes(700)),
            ..Default::default()
        },
        HistoryFilter {
            card_token: Some("tok_a".into()),
            app_id: Some("app_receipts".into()),
            kinds: vec![EventType::ReceiptIssued, EventType::TransactionSettled],
            from: Some(start() + Duration::minutes(50)),
            until: Some(start() + Duration::minutes(1_100)),
        },
        HistoryFilter {
            card_token: Some("tok_none".into()),
            ..Default::default()
        },
    ];
    for filter in &filters {
        let want = expected(&all, filter);
        for size in [50, 7] {
            let got = walk(pool, filter, size).await;
            assert_eq!(got.len(), want.len(), "{filter:?} size {size}");
            assert_eq!(got, want, "{filter:?} size {size}");
            let unique: HashSet<&String> = got.iter().collect();
            assert_eq!(unique.len(), got.len());
        }
    }
}

#[tokio::test]
async fn new_events_arriving_between_pages_do_not_shift_later_pages() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let all = corpus(200);
    events::ingest(pool, &all, now()).await.unwrap();
    let filter = HistoryFilter::default();
    let first = history::page(pool, &filter, None, 50).await.unwrap();
    let newer = mixed_events(5_000..5_100, &cards(), start());
    events::ingest(pool, &newer, now()).await.unwrap();
    let second = history::page(pool, &filter, first.next, 50).await.unwrap();
    let want = expected(&all, &filter);
    let got: Vec<String> = first
        .items
        .iter()
        .chain(second.items.iter())
        .map(|i| i.event.id.clone())
        .collect();
    assert_eq!(got, want[..100].to_vec());
    assert!("junk".parse::<HistoryCursor>().is_err());
}

#[tokio::test]
async fn violations_travel_with_their_event() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let mut flagged = incoming(points(1, "tok_a", "app_points", "Miles", 5, 5, now()));
    flagged.violation = Some(ViolationReason::Refused {
        refusal: GrantRefusal::NotActive {
            status: GrantStatus::Revoked,
        },
    });
    let fine = incoming(points(2, "tok_a", "app_points", "Miles", 5, 10, now()));
    events::ingest(pool, &[flagged.clone(), fine], now())
        .await
        .unwrap();
    let page = history::page(pool, &HistoryFilter::default(), None, 10)
        .await
        .unwrap();
    let by_id = |id: &str| page.items.iter().find(|i| i.event.id == id).unwrap();
    assert_eq!(by_id("evt_000000000001").violation, flagged.violation);
    assert_eq!(by_id("evt_000000000002").violation, None);
    assert_eq!(by_id("evt_000000000001").event, flagged.event);
}

#[tokio::test]
async fn reward_totals_per_program_currency_and_month() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let nov = now();
    let dec = now() + Duration::days(10);
    let batch = [
        points(1, "tok_a", "app_points", "Miles", 100, 100, nov),
        points(2, "tok_a", "app_points", "Miles", 50, 150, dec),
        points(3, "tok_b", "app_points", "Stars", 7, 7, nov),
        points(
            4,
            "tok_a",
            "app_points",
            "Miles",
            -20,
            130,
            dec + Duration::hours(1),
        ),
        cashback(5, "tok_a", "app_cashback", false, 250, nov),
        cashback(6, "tok_a", "app_cashback", true, 250, dec),
        cashback(7, "tok_b", "app_cashback", true, 99, dec),
    ]
    .map(incoming);
    events::ingest(pool, &batch, now()).await.unwrap();

    let programs = reward_stats::points_by_program(pool, None).await.unwrap();
    assert_eq!(programs.len(), 2);
    assert_eq!(
        (
            programs[0].program.as_str(),
            programs[0].app_id.as_deref(),
            programs[0].net,
            programs[0].latest_balance,
            programs[0].awards
        ),
        ("Miles", Some("app_points"), 130, 130, 3)
    );
    assert_eq!(
        (programs[1].program.as_str(), programs[1].net),
        ("Stars", 7)
    );
    let only_b = reward_stats::points_by_program(pool, Some("tok_b"))
        .await
        .unwrap();
    assert_eq!(only_b.len(), 1);

    let months = reward_stats::points_by_app_month(
        pool,
        None,
        nov - Duration::days(30),
        dec + Duration::days(1),
    )
    .await
    .unwrap();
    let flat: Vec<(&str, Option<&str>, i64)> = months
        .iter()
        .map(|m| (m.month.as_str(), m.app_id.as_deref(), m.net))
        .collect();
    assert_eq!(
        flat,
        [
            ("2026-11", Some("app_points"), 107),
            ("2026-12", Some("app_points"), 30)
        ]
    );

    // Cashback events without a purchase are one cashback each: 250 announced, 250 + 99 paid,
    // all in euros; by the month each was earned: 250 pending in November, 349 paid in December.
    let outcomes = reward_stats::cashback_outcomes(pool, None).await.unwrap();
    assert!(outcomes.iter().all(|o| o.currency == "EUR"));
    let sum = |state: CashbackState, month: Option<&str>| -> i64 {
        outcomes
            .iter()
            .filter(|o| o.state == state)
            .filter(|o| {
                month.is_none_or(|m| {
                    chrono::DateTime::from_timestamp_millis(o.earned_at_ms)
                        .unwrap()
                        .format("%Y-%m")
                        .to_string()
                        == m
                })
            })
            .map(|o| o.amount_minor)
            .sum()
    };
    assert_eq!(
        (
            sum(CashbackState::Pending, None),
            sum(CashbackState::Paid, None)
        ),
        (250, 349)
    );
    let flat: Vec<(&str, i64, i64)> = ["2026-11", "2026-12"]
        .into_iter()
        .map(|m| {
            (
                m,
                sum(CashbackState::Pending, Some(m)),
                sum(CashbackState::Paid, Some(m)),
            )
        })
        .collect();
    assert_eq!(flat, [("2026-11", 250, 0), ("2026-12", 0, 349)]);
}

#[tokio::test]
async fn search_finds_merchants_items_and_apps_newest_first() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let batch = [
        transaction(1, "tok_a", "Blue Bottle Coffee", 450, now()),
        transaction(2, "tok_a", "Petit Café", 300, now() + Duration::minutes(1)),
        consentry_testkit::events::receipt(
            3,
            "tok_a",
            "app_receipts",
            "Corner Bakery",
            &["croissant", "espresso"],
            now(),
        ),
    ]
    .map(incoming);
    events::ingest(pool, &batch, now()).await.unwrap();
    apps::upsert(pool, &receipts_app("Paperless Receipts"), now())
        .await
        .unwrap();

    let hits = search::search(pool, "coffee", 20).await.unwrap();
    assert_eq!(hits.len(), 1);
    assert!(matches!(hits[0].target, SearchTarget::Transaction(_)));
    assert_eq!(hits[0].text, "Blue Bottle Coffee");
    let hits = search::search(pool, "croiss", 20).await.unwrap();
    assert!(matches!(hits.as_slice(), [h] if matches!(h.target, SearchTarget::Receipt(_))));
    let hits = search::search(pool, "cafe", 20).await.unwrap();
    assert_eq!(hits.len(), 1, "diacritics fold");
    let hits = search::search(pool, "receipts", 20).await.unwrap();
    assert!(hits
        .iter()
        .any(|h| h.target == SearchTarget::App("app_receipts".into())));
    assert!(search::search(pool, "\"OR(", 20).await.unwrap().is_empty());
    // Re-caching an app replaces its search entry instead of adding one.
    let cached = apps::get(pool, "app_receipts").await.unwrap().unwrap();
    apps::upsert(pool, &cached.listing, now()).await.unwrap();
    let apps_hits = search::search(pool, "paperless", 20).await.unwrap();
    assert_eq!(apps_hits.len(), 1);
    assert_eq!(
        apps::terms(pool, "app_receipts", 1)
            .await
            .unwrap()
            .unwrap()
            .0,
        RECEIPTS_APP_TERMS
    );
}

#[tokio::test]
async fn refused_deliveries_are_quarantined_with_card_numbers_masked() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let body = br#"{"id":"evt_x","type":"bogus","note":"4111 1111 1111 1111"}"#;
    quarantine::put(pool, Some("evt_x"), "unknown event type", body, now())
        .await
        .unwrap();
    let kept = quarantine::recent(pool, 10).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert!(kept[0].body.contains("•••• 1111"));
    assert!(!kept[0].body.contains("4111 1111 1111 1111"));
}

#[tokio::test]
async fn unknown_app_terms_text_is_refused() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let err = apps::upsert(
        pool,
        &AppListing {
            terms_hash: Sha256Digest::of_terms("something else"),
            ..receipts_app("X")
        },
        now(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, consentry_store::StoreError::Invalid { .. }),
        "{err}"
    );
}
