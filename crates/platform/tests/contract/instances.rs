//! Two platform processes' worth of instances on one PostgreSQL database (skipped without a
//! test cluster, see `consentry_testkit::postgres`): what one instance commits, the other
//! serves and wakes for; read-modify-writes stay correct when both take requests at once;
//! the feed cursor never skips an event committed late; a key rotation on one is what the
//! other signs with.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use consentry_platform::{DataLocation, PlatformConfig};
use consentry_testkit::postgres;
use serde_json::{json, Value};

use crate::support::*;

/// Two instances serving one fresh database, or `None` without a cluster.
async fn two_instances(test: &str) -> Option<(Platform, Platform)> {
    let cluster = postgres::cluster(test)?;
    let url = postgres::fresh_database(&cluster).await;
    let on = || PlatformConfig {
        data: DataLocation::Postgres(url.clone()),
        ..config()
    };
    let a = start_with(on()).await;
    let b = start_with(on()).await;
    Some((a, b))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_poll_on_one_instance_wakes_for_an_event_committed_by_the_other() {
    let Some((a, b)) = two_instances("long_poll_across_instances").await else {
        return;
    };
    let on_a = a.enroll().await;
    let card = on_a.link_card(VISA).await;
    let cursor = on_a.cursor().await;
    let on_b = on_a.at(&b.base);

    let started = Instant::now();
    let poll = tokio::spawn(async move {
        let (events, _) = on_a.page(&format!("?after={cursor}&wait=20")).await;
        (events, started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    on_b.purchase(&card, 450, "EUR", "Café Lumière", "nfc")
        .await;
    let (events, waited) = poll.await.unwrap();
    assert!(
        events.iter().any(|e| e.kind == "transaction.authorized"),
        "the long-poll on A returned the purchase made through B: {:?}",
        events.iter().map(|e| &e.kind).collect::<Vec<_>>()
    );
    assert!(
        waited < Duration::from_secs(15),
        "woken by B's commit, not by the end of the wait ({waited:?})"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_idempotency_key_sent_to_both_instances_at_once_links_one_card() {
    let Some((a, b)) = two_instances("idempotency_across_instances").await else {
        return;
    };
    let w = a.enroll().await;
    let body = json!({"number": MASTERCARD, "expiration": {"month": 12, "year": 2031}});
    let mut tasks = Vec::new();
    for i in 0..20 {
        let w = w.at(&[&a, &b][i % 2].base);
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            post_keyed(&w, "/v1/cards", "one-card-two-instances", &body).await
        }));
    }
    let mut tokens = BTreeSet::new();
    for task in tasks {
        let (status, card, _) = task.await.unwrap();
        assert_eq!(status, 201, "every request gets the one answer: {card}");
        tokens.insert(card["token"].as_str().unwrap().to_owned());
    }
    assert_eq!(tokens.len(), 1, "one card: {tokens:?}");
    let (_, list) = w.get("/v1/cards").await;
    assert_eq!(list["cards"].as_array().unwrap().len(), 1, "{list}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_version_changed_through_both_instances_at_once_has_one_winner() {
    let Some((a, b)) = two_instances("grant_versions_across_instances").await else {
        return;
    };
    let w = a.enroll().await;
    let card = w.link_card(VISA).await;
    w.grant_defaults("g1", "app_quire", &card, "receipts").await;
    let revoke = json!({"action": "revoke", "base_version": 1});
    let renew = json!({"action": "renew", "base_version": 1, "expires_at": null});
    let (on_a, on_b) = (w.at(&a.base), w.at(&b.base));
    let (revoked, renewed) = tokio::join!(
        on_a.put_grant("g1", "k-revoke", &revoke),
        on_b.put_grant("g1", "k-renew", &renew),
    );
    let statuses = BTreeSet::from([revoked.0.as_u16(), renewed.0.as_u16()]);
    assert_eq!(
        statuses,
        BTreeSet::from([200, 409]),
        "one change wins, the other is stale: {} / {}",
        revoked.1,
        renewed.1
    );
    let (_, grant) = w.get("/v1/grants").await;
    let versions: Vec<i64> = grant["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [2], "the grant moved one version: {grant}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purchases_through_both_instances_reach_a_paging_wallet_each_exactly_once() {
    let Some((a, b)) = two_instances("feed_order_across_instances").await else {
        return;
    };
    let w = a.enroll().await;
    let card = w.link_card(VISA).await;
    let start = w.cursor().await;
    // Four buyers per instance, so that transactions overlap.
    const BUYERS: usize = 8;
    const EACH: usize = 10;
    let reader = w.at(&b.base);
    let writes: Vec<_> = (0..BUYERS)
        .map(|i| {
            let buyer = w.at(if i % 2 == 0 { &a.base } else { &b.base });
            let card = card.clone();
            tokio::spawn(async move {
                for n in 0..EACH {
                    let minor = 100 + i64::try_from(n).unwrap();
                    buyer.purchase(&card, minor, "EUR", "Kiosk", "card").await;
                }
            })
        })
        .collect();
    // Page with a cursor while both instances commit: an event whose seq was taken before
    // another's but committed after it would be stepped over for good.
    let mut seen: Vec<Value> = Vec::new();
    let mut cursor = start.clone();
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.len() < BUYERS * EACH && Instant::now() < deadline {
        let (events, page) = reader
            .page(&format!("?after={cursor}&limit=7&wait=2"))
            .await;
        seen.extend(events.into_iter().map(|e| e.body));
        cursor = page["next_cursor"].as_str().unwrap().to_owned();
    }
    for task in writes {
        task.await.unwrap();
    }
    let paged: Vec<&str> = seen.iter().map(|e| e["id"].as_str().unwrap()).collect();
    let (all, _) = w.page(&format!("?after={start}&limit=500")).await;
    let whole: Vec<&str> = all.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(whole.len(), BUYERS * EACH, "one authorization per purchase");
    assert_eq!(
        paged, whole,
        "paging while they were written saw every event once, in feed order"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_rotation_through_one_instance_is_what_the_other_publishes_and_signs_with() {
    let Some((a, b)) = two_instances("rotation_across_instances").await else {
        return;
    };
    let w = a.enroll().await;
    let card = w.link_card(VISA).await;
    w.purchase(&card, 450, "EUR", "Café Lumière", "nfc").await;
    let (_, rotated) = a
        .admin(reqwest::Method::POST, "/v1/admin/keys/rotate", json!({}))
        .await;
    let (_, published_by_b) = b.get_public("/v1/keys").await;
    assert_eq!(
        published_by_b, rotated,
        "B publishes the keys A's rotation made, at once"
    );
    let active = rotated["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["status"] == "active")
        .unwrap()["public_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let active = consentry_platform::signing::decode_public_key(&active).unwrap();
    let on_b = Wallet {
        keys: vec![active],
        ..w.at(&b.base)
    };
    let delivered = on_b.events().await;
    assert!(
        !delivered.is_empty(),
        "B's deliveries verify under the new active key alone"
    );
}
