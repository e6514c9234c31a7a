//! `POST /v1/admin/apps/{app_id}/unrewarded-purchase`: a past purchase on which an app held a
//! cashback grant and did nothing, dated never before that grant.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::*;

const PATH: &str = "/v1/admin/apps/app_cashcove/unrewarded-purchase";

fn stamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn body(card: &str, at: DateTime<Utc>) -> Value {
    json!({"card_token": card, "amount": {"minor": 2490, "currency": "EUR"},
           "merchant": "Marché Frais", "channel": "card", "settled_at": stamp(at)})
}

#[tokio::test]
async fn an_operator_records_a_past_purchase_the_app_did_not_reward_never_before_its_grant() {
    let (p, w, card) = enrolled_with_card().await;

    // No cashback grant yet: nothing the app could owe.
    p.admin_refused(
        Method::POST,
        PATH,
        body(&card, Utc::now() - Duration::hours(1)),
        409,
        "no_cashback_grant",
    )
    .await;

    let grant = w
        .grant("grt_cb", "app_cashcove", &card, "cashback", json!({}))
        .await;
    w.grant_defaults("grt_rc", "app_quire", &card, "receipts")
        .await;
    let granted_at: DateTime<Utc> = grant["granted_at"].as_str().unwrap().parse().unwrap();

    // Dated before the grant: the app owed nothing then, whatever it holds now.
    p.admin_refused(
        Method::POST,
        PATH,
        body(&card, granted_at - Duration::seconds(1)),
        409,
        "no_cashback_grant",
    )
    .await;

    // Four days later (the platform clock), a purchase dated three days back, after the grant.
    p.advance_clock(4 * 24 * 3600).await;
    let at = granted_at + Duration::days(1);
    let cursor = w.cursor().await;
    let (status, step) = p.admin(Method::POST, PATH, body(&card, at)).await;
    assert_eq!(status, 201, "{step}");
    let tx = &step["transaction"];
    assert_eq!(tx["status"], "settled");
    assert_eq!(tx["merchant"], "Marché Frais");
    assert_eq!(tx["authorized_at"], stamp(at));
    assert_eq!(tx["finalized_at"], stamp(at));
    let cashcove: Vec<&Value> = step["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["app_id"] == "app_cashcove")
        .collect();
    assert_eq!(cashcove.len(), 2, "both steps: {step}");
    assert!(cashcove
        .iter()
        .all(|d| d["outcome"] == "skipped" && d["reason"] == "withheld"));

    // The feed: the payment and the receipts app's receipt, dated then; no cashback at all.
    let delivered = w.page(&format!("?after={cursor}&limit=500")).await.0;
    let kinds: Vec<(&str, &str)> = delivered
        .iter()
        .map(|e| {
            (
                e.kind.as_str(),
                e.body["app_id"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("transaction.authorized", ""),
            ("receipt.issued", "app_quire"),
            ("transaction.settled", ""),
        ]
    );
    for event in &delivered {
        let occurred: DateTime<Utc> = event.body["occurred_at"].as_str().unwrap().parse().unwrap();
        assert_eq!(stamp(occurred), stamp(at), "{}", event.body);
        assert_eq!(
            event.body["payment"]["transaction_id"]
                .as_str()
                .or(event.body["transaction_id"].as_str()),
            tx["id"].as_str()
        );
    }

    // Once: the next purchase earns its cashback as usual.
    let next = w.purchase(&card, 990, "EUR", "Café Lumen", "card").await;
    let reacted = next["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["app_id"] == "app_cashcove" && d["outcome"] == "reacted");
    assert!(reacted, "{next}");
}

#[tokio::test]
async fn an_unrewarded_purchase_is_the_operators_and_refuses_wrong_apps_cards_and_dates() {
    let (p, w, card) = enrolled_with_card().await;
    w.grant_defaults("grt_cb", "app_cashcove", &card, "cashback")
        .await;
    w.grant_defaults("grt_rc", "app_quire", &card, "receipts")
        .await;
    p.advance_clock(24 * 3600).await;
    let ok_at = Utc::now();
    let cursor = w.cursor().await;

    // A cardholder cannot ask for it.
    let denied = read(
        p.http
            .post(p.url(PATH))
            .bearer_auth(&w.token)
            .json(&body(&card, ok_at))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&denied, 403, "forbidden");
    let anonymous = read(
        p.http
            .post(p.url(PATH))
            .json(&body(&card, ok_at))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&anonymous, 401, "unauthorized");

    let refused = [
        // Unknown app; an app with no cashback grant (receipts only).
        (
            "/v1/admin/apps/app_nope/unrewarded-purchase",
            body(&card, ok_at),
            404,
            "app_not_found",
        ),
        (
            "/v1/admin/apps/app_quire/unrewarded-purchase",
            body(&card, ok_at),
            409,
            "no_cashback_grant",
        ),
        // Unknown or removed card, a card number for a token.
        (PATH, body("tok_nobody", ok_at), 422, "card_not_found"),
        (
            PATH,
            body("4242424242424242", ok_at),
            422,
            "card_number_in_text",
        ),
        // In the future (by the platform clock), or absurdly old.
        (
            PATH,
            body(&card, Utc::now() + Duration::days(2)),
            422,
            "invalid_settled_at",
        ),
        (
            PATH,
            body(&card, Utc::now() - Duration::days(120)),
            422,
            "invalid_settled_at",
        ),
    ];
    for (path, request, status, code) in refused {
        p.admin_refused(Method::POST, path, request, status, code)
            .await;
    }

    // Amount, merchant, unknown fields.
    let mut zero = body(&card, ok_at);
    zero["amount"]["minor"] = 0.into();
    assert_error(
        &p.admin(Method::POST, PATH, zero).await,
        422,
        "invalid_amount",
    );
    let mut blank = body(&card, ok_at);
    blank["merchant"] = "  ".into();
    assert_error(
        &p.admin(Method::POST, PATH, blank).await,
        422,
        "invalid_merchant",
    );
    let mut extra = body(&card, ok_at);
    extra["cashback"] = true.into();
    let extra = p.admin(Method::POST, PATH, extra).await;
    assert_eq!(extra.0, 422, "{}", extra.1);

    // A channel the grant does not cover owes nothing either.
    let other_card = w.link_card("5555 5555 5555 4444").await;
    w.grant(
        "grt_cb2",
        "app_cashcove",
        &other_card,
        "cashback",
        json!({"channels": ["nfc"]}),
    )
    .await;
    p.advance_clock(3600).await;
    // After that grant (made at the platform's now, a day ahead), before the platform's now.
    let covered_time = Utc::now() + Duration::days(1) + Duration::minutes(30);
    p.admin_refused(
        Method::POST,
        PATH,
        body(&other_card, covered_time),
        409,
        "no_cashback_grant",
    )
    .await;
    let mut nfc = body(&other_card, covered_time);
    nfc["channel"] = "nfc".into();
    let (status, step) = p.admin(Method::POST, PATH, nfc).await;
    assert_eq!(status, 201, "{step}");

    // Only the last one reached the feed.
    let settled = w
        .kinds_after(&cursor)
        .await
        .into_iter()
        .filter(|(kind, _)| kind == "transaction.settled")
        .count();
    assert_eq!(settled, 1);
}
