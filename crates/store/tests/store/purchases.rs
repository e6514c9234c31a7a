//! Activity by purchase: one row per purchase (card × transaction id) with its events, found by
//! anything inside it, paged by keyset; events about no purchase stay rows of their own.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use consentry_domain::{
    Event, EventPayload, EventType, GrantRefusal, GrantStatus, ViolationReason,
};
use consentry_store::activity::{ActivityCursor, ActivityFilter, Direction};
use consentry_store::events::{self, IncomingEvent, MAX_PURCHASE_ID_BYTES};
use consentry_store::history::HistoryFilter;
use consentry_store::purchases::{self, Entry, PurchasePage, MAX_EVENTS};
use sqlx::SqlitePool;

use crate::support::{now, passphrase_wallet};
use consentry_testkit::events::{incoming, points, purchase, transaction};

fn start() -> DateTime<Utc> {
    now() - Duration::days(30)
}

async fn first_page(pool: &SqlitePool, filter: &ActivityFilter) -> PurchasePage {
    purchases::page(pool, filter, Direction::Older(None), 200)
        .await
        .unwrap()
}

/// The id of each row's event and the ids of its purchase's events.
fn shape(page: &PurchasePage) -> Vec<(String, Vec<String>)> {
    page.entries
        .iter()
        .map(|e| {
            let members = e
                .purchase
                .as_ref()
                .map(|p| p.events.iter().map(|r| r.event.id.clone()).collect())
                .unwrap_or_default();
            (e.row.event.id.clone(), members)
        })
        .collect()
}

fn search(text: &str) -> ActivityFilter {
    ActivityFilter {
        search: Some(text.to_owned()),
        ..ActivityFilter::default()
    }
}

fn flagged(event: Event) -> IncomingEvent {
    IncomingEvent {
        violation: Some(ViolationReason::Refused {
            refusal: GrantRefusal::NotActive {
                status: GrantStatus::Revoked,
            },
        }),
        ..incoming(event)
    }
}

#[tokio::test]
async fn a_purchase_is_one_row_with_its_events_and_the_rest_stay_rows() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let bought = purchase(1, "tok_a", 450, start());
    // Points about no purchase, between the purchase's events in time.
    let loose = points(
        900,
        "tok_a",
        "app_points",
        "Miles",
        5,
        5,
        start() + Duration::hours(2),
    );
    let mut batch: Vec<IncomingEvent> = bought.iter().cloned().map(incoming).collect();
    batch.push(incoming(loose));
    events::ingest(pool, &batch, now()).await.unwrap();

    let page = first_page(pool, &ActivityFilter::default()).await;
    assert_eq!(page.entries.len(), 2, "{:?}", shape(&page));
    // The purchase sits at its newest event (cashback paid, three days later), above the
    // loose points.
    let Entry { row, purchase: p } = &page.entries[0];
    assert_eq!(row.event.id, "evt_p1_8");
    let p = p.as_ref().expect("a purchase");
    assert_eq!(p.transaction_id, "tx_p1");
    assert_eq!(p.event_count, 9);
    assert_eq!(p.violation_count, 0);
    let ids: Vec<&str> = p.events.iter().map(|r| r.event.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "evt_p1_8", "evt_p1_7", "evt_p1_6", "evt_p1_5", "evt_p1_4", "evt_p1_3", "evt_p1_2",
            "evt_p1_1", "evt_p1_0"
        ],
        "newest first"
    );
    assert_eq!(page.entries[1].row.event.id, "evt_000000000900");
    assert!(page.entries[1].purchase.is_none());
    // The feed of events still lists all ten.
    let all = consentry_store::activity::page(
        pool,
        &ActivityFilter::default(),
        Direction::Older(None),
        200,
    )
    .await
    .unwrap();
    assert_eq!(all.rows.len(), 10);
}

#[tokio::test]
async fn a_receipt_arriving_before_its_authorization_joins_the_same_purchase() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let bought = purchase(2, "tok_a", 1200, start());
    // The receipt alone first, in its own ingest call; the rest in another.
    events::ingest(pool, &[incoming(bought[1].clone())], now())
        .await
        .unwrap();
    let page = first_page(pool, &ActivityFilter::default()).await;
    assert_eq!(
        shape(&page),
        [("evt_p2_1".to_owned(), vec!["evt_p2_1".to_owned()])]
    );

    let rest: Vec<_> = bought.iter().cloned().map(incoming).collect();
    events::ingest(pool, &rest, now()).await.unwrap();
    let page = first_page(pool, &ActivityFilter::default()).await;
    assert_eq!(page.entries.len(), 1, "{:?}", shape(&page));
    let p = page.entries[0].purchase.as_ref().unwrap();
    assert_eq!(p.event_count, 9);
    assert_eq!(p.events.last().unwrap().event.id, "evt_p2_0", "oldest last");
}

#[tokio::test]
async fn search_and_filters_find_the_purchase_by_anything_inside_it() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    // Purchase 0: Blue Bottle Coffee, espresso + croissant. Purchase 3: City Books,
    // notebook + toothpaste, on another card.
    let mut batch: Vec<IncomingEvent> = purchase(0, "tok_a", 450, start())
        .into_iter()
        .chain(purchase(3, "tok_b", 2000, start() + Duration::hours(1)))
        .map(incoming)
        .collect();
    batch.push(incoming(transaction(
        50,
        "tok_a",
        "Blue Bottle Coffee",
        300,
        now(),
    )));
    events::ingest(pool, &batch, now()).await.unwrap();
    let purchase_of = |page: &PurchasePage| -> Vec<Option<String>> {
        page.entries
            .iter()
            .map(|e| e.purchase.as_ref().map(|p| p.transaction_id.clone()))
            .collect()
    };

    // The merchant: both Blue Bottle purchases (tx_50 is a purchase of one event), newest first.
    let coffee = first_page(pool, &search("blue bottle")).await;
    assert_eq!(
        purchase_of(&coffee),
        [Some("tx_50".to_owned()), Some("tx_p0".to_owned())]
    );
    // The purchase row carries every event, not only the ones that matched.
    assert_eq!(coffee.entries[1].purchase.as_ref().unwrap().events.len(), 9);
    // A receipt line: the purchase, listed at its receipt (the newest matching event).
    let book = first_page(pool, &search("noteb")).await;
    assert_eq!(purchase_of(&book), [Some("tx_p3".to_owned())]);
    assert_eq!(book.entries[0].row.event.id, "evt_p3_1");
    assert_eq!(first_page(pool, &search("zzz")).await.entries.len(), 0);

    // An app: the purchases it reacted to.
    let social = first_page(
        pool,
        &ActivityFilter {
            events: HistoryFilter {
                app_id: Some("app_social".into()),
                ..HistoryFilter::default()
            },
            ..ActivityFilter::default()
        },
    )
    .await;
    assert_eq!(
        purchase_of(&social),
        [Some("tx_p3".to_owned()), Some("tx_p0".to_owned())]
    );
    assert_eq!(social.entries[0].row.event.id, "evt_p3_6", "at its post");
    // A kind: purchases holding a receipt (tx_50 has none).
    let receipts = first_page(
        pool,
        &ActivityFilter {
            events: HistoryFilter {
                kinds: vec![EventType::ReceiptIssued],
                ..HistoryFilter::default()
            },
            ..ActivityFilter::default()
        },
    )
    .await;
    assert_eq!(
        purchase_of(&receipts),
        [Some("tx_p3".to_owned()), Some("tx_p0".to_owned())]
    );
    // A card: its purchases only.
    let card_b = first_page(
        pool,
        &ActivityFilter {
            events: HistoryFilter {
                card_token: Some("tok_b".into()),
                ..HistoryFilter::default()
            },
            ..ActivityFilter::default()
        },
    )
    .await;
    assert_eq!(purchase_of(&card_b), [Some("tx_p3".to_owned())]);
    assert_eq!(card_b.entries[0].purchase.as_ref().unwrap().event_count, 9);
}

#[tokio::test]
async fn a_violation_inside_a_purchase_is_counted_on_its_row_and_found_by_the_violations_view() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let bought = purchase(4, "tok_a", 800, start());
    let batch: Vec<IncomingEvent> = bought
        .into_iter()
        .map(|e| {
            if e.id == "evt_p4_6" {
                flagged(e)
            } else {
                incoming(e)
            }
        })
        .chain(
            purchase(5, "tok_a", 900, start() + Duration::hours(1))
                .into_iter()
                .map(incoming),
        )
        .collect();
    events::ingest(pool, &batch, now()).await.unwrap();

    let all = first_page(pool, &ActivityFilter::default()).await;
    let counts: Vec<(String, u64)> = all
        .entries
        .iter()
        .map(|e| {
            let p = e.purchase.as_ref().unwrap();
            (p.transaction_id.clone(), p.violation_count)
        })
        .collect();
    assert_eq!(counts, [("tx_p5".into(), 0), ("tx_p4".into(), 1)]);

    let violations = first_page(
        pool,
        &ActivityFilter {
            violations_only: true,
            ..ActivityFilter::default()
        },
    )
    .await;
    assert_eq!(violations.entries.len(), 1);
    assert_eq!(violations.entries[0].row.event.id, "evt_p4_6");
    assert!(violations.entries[0].row.violation.is_some());
    assert_eq!(
        violations.entries[0].purchase.as_ref().unwrap().event_count,
        9
    );
}

/// Hostile: another card's transaction id, a forged overlong id, thousands of events naming one
/// purchase.
#[tokio::test]
async fn only_the_cards_own_events_join_a_purchase_and_forged_ids_stay_alone() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let bought = purchase(6, "tok_a", 450, start());
    // The same receipt and post, delivered on card B: they name tok_a's transaction.
    let mut other_card = vec![bought[1].clone(), bought[6].clone()];
    for (k, e) in other_card.iter_mut().enumerate() {
        e.card_token = "tok_b".into();
        e.id = format!("evt_b_{k}");
    }
    // A post naming a transaction id longer than any platform's.
    let mut forged = bought[6].clone();
    forged.id = "evt_forged".into();
    let huge = "tx_".to_owned() + &"9a".repeat(MAX_PURCHASE_ID_BYTES);
    if let EventPayload::SocialPosted(s) = &mut forged.payload {
        s.payment.as_mut().unwrap().transaction_id = huge.clone();
    }
    let mut twin = forged.clone();
    twin.id = "evt_forged_twin".into();
    let batch: Vec<IncomingEvent> = bought
        .into_iter()
        .chain(other_card)
        .chain([forged, twin])
        .map(incoming)
        .collect();
    events::ingest(pool, &batch, now()).await.unwrap();

    let page = first_page(pool, &ActivityFilter::default()).await;
    let mut rows: Vec<(String, Option<(String, u64)>)> = page
        .entries
        .iter()
        .map(|e| {
            (
                e.row.event.card_token.clone(),
                e.purchase
                    .as_ref()
                    .map(|p| (p.transaction_id.clone(), p.event_count)),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            ("tok_a".into(), None),
            ("tok_a".into(), None),
            ("tok_a".into(), Some(("tx_p6".into(), 9))),
            ("tok_b".into(), Some(("tx_p6".into(), 2))),
        ],
        "card A's purchase keeps its nine; card B's two events are card B's; each forged id \
         is a row of its own, even when two name the same one"
    );

    // Thousands of events naming one purchase: the row carries the newest MAX_EVENTS and the
    // true count.
    let flood: Vec<IncomingEvent> = (0..2_000)
        .map(|k| {
            let mut e = purchase(7, "tok_c", 100, start()).swap_remove(6);
            e.id = format!("evt_flood_{k}");
            e.occurred_at = start() + Duration::seconds(k);
            incoming(e)
        })
        .collect();
    events::ingest(pool, &flood, now()).await.unwrap();
    let card_c = first_page(
        pool,
        &ActivityFilter {
            events: HistoryFilter {
                card_token: Some("tok_c".into()),
                ..HistoryFilter::default()
            },
            ..ActivityFilter::default()
        },
    )
    .await;
    assert_eq!(card_c.entries.len(), 1);
    let p = card_c.entries[0].purchase.as_ref().unwrap();
    assert_eq!(p.event_count, 2_000);
    assert_eq!(p.events.len(), MAX_EVENTS as usize);
    assert_eq!(p.events[0].event.id, "evt_flood_1999");
}

/// Whether an event matches a filter, said in Rust.
type Matches = Box<dyn Fn(&Event) -> bool>;

/// The rows the feed by purchase must list for `filter`, computed from the events: each event
/// of its own that matches, and each purchase once, at its newest matching event.
fn expected(all: &[Event], matches: impl Fn(&Event) -> bool) -> Vec<String> {
    let key = |e: &Event| (e.occurred_at, e.id.clone());
    let mut newest: HashMap<(String, String), &Event> = HashMap::new();
    let mut rows = Vec::new();
    for e in all.iter().filter(|e| matches(e)) {
        match e.payload.transaction_id() {
            Some(tx) => {
                let slot = newest
                    .entry((e.card_token.clone(), tx.to_owned()))
                    .or_insert(e);
                if key(e) > key(slot) {
                    *slot = e;
                }
            }
            None => rows.push(e),
        }
    }
    rows.extend(newest.into_values());
    // Ingest order is id order here, so seq follows id.
    rows.sort_by_key(|e| std::cmp::Reverse(key(e)));
    rows.into_iter().map(|e| e.id.clone()).collect()
}

async fn walk(pool: &SqlitePool, filter: &ActivityFilter, size: u32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<ActivityCursor> = None;
    loop {
        let page = purchases::page(pool, filter, Direction::Older(cursor), size)
            .await
            .unwrap();
        ids.extend(page.entries.iter().map(|e| e.row.event.id.clone()));
        match page.next {
            Some(next) => cursor = Some(next),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn keyset_pages_list_every_purchase_once_in_order_under_filters() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let cards = ["tok_a", "tok_b"];
    // Interleaved purchases (each spans three days) and loose points; ids sort in ingest order.
    let mut all: Vec<Event> = Vec::new();
    for n in 0..40u64 {
        let at = start() + Duration::hours(7 * n as i64);
        all.extend(purchase(n, cards[(n % 2) as usize], 100 + n as i64, at));
        all.push(points(
            n,
            cards[(n % 2) as usize],
            "app_points",
            "Miles",
            1,
            1,
            at,
        ));
    }
    all.sort_by(|a, b| a.id.cmp(&b.id));
    let batch: Vec<IncomingEvent> = all.iter().cloned().map(incoming).collect();
    events::ingest(pool, &batch, now()).await.unwrap();

    let app = |id: &str| ActivityFilter {
        events: HistoryFilter {
            app_id: Some(id.into()),
            ..HistoryFilter::default()
        },
        ..ActivityFilter::default()
    };
    let cases: Vec<(ActivityFilter, Matches)> = vec![
        (ActivityFilter::default(), Box::new(|_| true)),
        (
            app("app_points"),
            Box::new(|e| e.app_id.as_deref() == Some("app_points")),
        ),
        (
            ActivityFilter {
                events: HistoryFilter {
                    card_token: Some("tok_b".into()),
                    until: Some(start() + Duration::days(5)),
                    ..HistoryFilter::default()
                },
                ..ActivityFilter::default()
            },
            Box::new(|e| e.card_token == "tok_b" && e.occurred_at < start() + Duration::days(5)),
        ),
    ];
    for (filter, matches) in cases {
        let want = expected(&all, matches);
        assert!(want.len() > 10, "{filter:?}");
        for size in [1, 7, 200] {
            assert_eq!(
                walk(pool, &filter, size).await,
                want,
                "{filter:?}, pages of {size}"
            );
        }
    }
}

#[tokio::test]
async fn a_late_reaction_brings_its_purchase_back_as_a_newer_row() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let old = purchase(8, "tok_a", 450, start());
    let recent = purchase(9, "tok_a", 450, start() + Duration::days(10));
    let batch: Vec<IncomingEvent> = old[..8]
        .iter()
        .chain(&recent)
        .cloned()
        .map(incoming)
        .collect();
    events::ingest(pool, &batch, now()).await.unwrap();
    let shown = first_page(pool, &ActivityFilter::default()).await;
    let ids: Vec<&str> = shown
        .entries
        .iter()
        .map(|e| e.row.event.id.as_str())
        .collect();
    assert_eq!(ids, ["evt_p9_8", "evt_p8_7"]);

    // Purchase 8's cashback is paid much later: its purchase comes back at the top.
    let mut paid = old[8].clone();
    paid.occurred_at = start() + Duration::days(20);
    events::ingest(pool, &[incoming(paid)], now())
        .await
        .unwrap();
    let head = shown.entries[0].row.cursor();
    let newer = purchases::page(pool, &ActivityFilter::default(), Direction::Newer(head), 50)
        .await
        .unwrap();
    assert_eq!(newer.entries.len(), 1);
    assert_eq!(newer.entries[0].row.event.id, "evt_p8_8");
    assert_eq!(newer.entries[0].purchase.as_ref().unwrap().event_count, 9);
    let again = first_page(pool, &ActivityFilter::default()).await;
    let ids: Vec<&str> = again
        .entries
        .iter()
        .map(|e| e.row.event.id.as_str())
        .collect();
    assert_eq!(
        ids,
        ["evt_p8_8", "evt_p9_8"],
        "listed once, at its newest event"
    );
}

/// A search with thousands of hits walks the events in time order instead of sorting its hits:
/// the pages are the same as the model's, like a search with few hits.
#[tokio::test]
async fn a_search_with_many_hits_pages_like_one_with_few() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    // 700 purchases at Blue Bottle Coffee (n a multiple of ten; three events each name the
    // merchant: 2,100 hits), 20 at Corner Bakery, over two cards.
    let mut all: Vec<Event> = Vec::new();
    for k in 0..720u64 {
        let n = if k < 700 { k * 10 } else { (k - 700) * 10 + 1 };
        let card = ["tok_a", "tok_b"][(k % 2) as usize];
        all.extend(purchase(
            n,
            card,
            450,
            start() + Duration::minutes(k as i64 * 3),
        ));
    }
    all.sort_by(|a, b| a.id.cmp(&b.id));
    let batch: Vec<IncomingEvent> = all.iter().cloned().map(incoming).collect();
    events::ingest(pool, &batch, now()).await.unwrap();
    let names = |merchant: &'static str| {
        move |e: &Event| match &e.payload {
            EventPayload::TransactionAuthorized(t) | EventPayload::TransactionSettled(t) => {
                t.merchant == merchant
            }
            EventPayload::ReceiptIssued(r) => r.receipt.merchant == merchant,
            _ => false,
        }
    };
    for (typed, merchant, purchases) in [
        ("blue bottle", "Blue Bottle Coffee", 700),
        ("corner bakery", "Corner Bakery", 20),
    ] {
        let want = expected(&all, names(merchant));
        assert_eq!(want.len(), purchases);
        assert_eq!(walk(pool, &search(typed), 50).await, want, "{typed}");
    }
}
