use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn the_feed_is_ordered_and_resumable() {
    let (_p, w, card) = enrolled_with_card().await;
    for i in 0..7 {
        w.purchase(&card, 100 + i, "EUR", "Café Lumen", "nfc").await;
    }
    let mut seen = Vec::new();
    let mut cursor = String::new();
    let mut pages = 0;
    loop {
        let (events, page) = w.page(&format!("?after={cursor}&limit=3")).await;
        pages += 1;
        assert!(events.len() <= 3);
        seen.extend(events.iter().map(|e| e.cursor.parse::<u64>().unwrap()));
        cursor = page["next_cursor"].as_str().unwrap().to_owned();
        if page["has_more"] == false {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 7);
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    // Resuming from the last cursor yields nothing new, and keeps the cursor.
    let (events, page) = w.page(&format!("?after={cursor}")).await;
    assert!(events.is_empty());
    assert_eq!(page["next_cursor"], cursor.as_str());
    assert_eq!(page["has_more"], false);
}

#[tokio::test]
async fn long_poll_returns_as_soon_as_an_event_arrives() {
    let (_p, w, card) = enrolled_with_card().await;
    let token = w.token.clone();
    let url = w.url("/v1/simulate/purchase");
    let http = w.http.clone();
    let buyer = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        http.post(url)
            .bearer_auth(token)
            .json(&json!({"card_token": card, "amount": {"minor": 250, "currency": "EUR"}, "merchant": "Café Lumen", "channel": "nfc"}))
            .send()
            .await
            .unwrap();
    });
    let started = Instant::now();
    let (events, _) = w.page("?wait=20").await;
    let waited = started.elapsed();
    buyer.await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, "transaction.authorized");
    assert!(
        waited >= Duration::from_millis(250) && waited < Duration::from_secs(5),
        "{waited:?}"
    );

    // Nothing new: the poll ends empty after `wait` seconds.
    let started = Instant::now();
    let (events, page) = w.page(&format!("?after={}&wait=1", events[0].cursor)).await;
    assert!(events.is_empty());
    assert_eq!(page["next_cursor"], events_cursor(&w).await);
    assert!(started.elapsed() >= Duration::from_millis(900));
}

async fn events_cursor(w: &Wallet) -> String {
    w.cursor().await
}

#[tokio::test]
async fn feed_parameters_are_checked() {
    let p = start().await;
    let w = p.enroll().await;
    for query in ["?after=abc", "?after=-1"] {
        assert_error(
            &w.get(&format!("/v1/events{query}")).await,
            400,
            "invalid_cursor",
        );
    }
    for query in [
        "?limit=0",
        "?limit=501",
        "?limit=x",
        "?wait=31",
        "?wait=-1",
        "?since=1",
        "?limit=1.5",
        "?limit=1e30",
        "?wait=0.5",
        "?limit=inf",
        "?limit=NaN",
    ] {
        assert_error(
            &w.get(&format!("/v1/events{query}")).await,
            400,
            "invalid_query",
        );
    }
    assert_error(
        &w.get("/v1/events/evt_unknown").await,
        404,
        "event_not_found",
    );
}

/// `limit` and `wait` are integers as JSON Schema counts them: `2.0` and `2e0` are 2.
#[tokio::test]
async fn integer_query_parameters_may_be_written_with_a_zero_fraction() {
    let (_p, w, card) = enrolled_with_card().await;
    for minor in [100, 200, 300] {
        w.purchase(&card, minor, "EUR", "Café Lumen", "nfc").await;
    }
    for query in ["?limit=2", "?limit=2.0&wait=0.0", "?limit=2e0&wait=0e0"] {
        let (events, page) = w.page(query).await;
        assert_eq!(events.len(), 2, "{query}");
        assert_eq!(page["has_more"], true, "{query}");
    }
}
