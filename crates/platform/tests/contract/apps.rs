use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn the_directory_has_an_app_for_every_scope() {
    let p = start().await;
    let w = p.enroll().await;
    let (status, body) = w.get("/v1/apps").await;
    assert_eq!(status, 200);
    let apps = body["apps"].as_array().unwrap();
    assert!(apps.len() >= 6);
    let mut scopes = BTreeSet::new();
    let mut fee_currencies = BTreeSet::new();
    for app in apps {
        for field in [
            "id",
            "name",
            "publisher",
            "description",
            "category",
            "privacy_url",
            "fee_description",
        ] {
            assert!(
                app[field].as_str().is_some_and(|v| !v.is_empty()),
                "{field} of {app}"
            );
        }
        assert!(app["terms"]["version"].as_u64().unwrap() >= 1);
        assert!(app["terms"]["text"].as_str().unwrap().len() > 50);
        assert_eq!(app["terms"]["hash"].as_str().unwrap().len(), 64);
        assert!(app["privacy_url"].as_str().unwrap().starts_with("https://"));
        for scope in app["requested_scopes"].as_array().unwrap() {
            scopes.insert(scope.as_str().unwrap().to_owned());
        }
        if let Some(currency) = app["fee_model"]["amount"]["currency"].as_str() {
            fee_currencies.insert(currency.to_owned());
        }
    }
    let all: BTreeSet<String> = [
        "receipts",
        "points",
        "cashback",
        "offers",
        "recommendations",
        "social_posts",
    ]
    .map(String::from)
    .into();
    assert_eq!(scopes, all);
    assert_eq!(fee_currencies, ["EUR", "USD"].map(String::from).into());
    let quire = apps.iter().find(|a| a["id"] == "app_quire").unwrap();
    assert_eq!(quire["fee_description"], "€0.10 per receipt");
    assert_eq!(
        quire["fee_model"],
        json!({"kind": "per_event", "amount": {"minor": 10, "currency": "EUR"}, "per": "receipts"})
    );
}

#[tokio::test]
async fn publishing_terms_notifies_holders_and_pauses_their_grants() {
    let p = start().await;
    let w = p.enroll().await;
    let other = p.enroll().await;
    let card = w.link_card(VISA).await;
    w.grant_defaults("g-stamp", "app_beanstamp", &card, "points")
        .await;
    let cursor = w.cursor().await;

    let denied = read(
        p.http
            .post(p.url("/v1/apps/app_beanstamp/terms"))
            .bearer_auth(&w.token)
            .json(&json!({"version": 3, "text": "New terms"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&denied, 403, "forbidden");
    p.admin_refused(
        Method::POST,
        "/v1/apps/app_beanstamp/terms",
        json!({"version": 2, "text": "Same"}),
        422,
        "terms_not_newer",
    )
    .await;
    p.admin_refused(
        Method::POST,
        "/v1/apps/app_nope/terms",
        json!({"version": 9, "text": "x"}),
        404,
        "app_not_found",
    )
    .await;

    let (status, app) = p
        .admin(
            Method::POST,
            "/v1/apps/app_beanstamp/terms",
            json!({"version": 3, "text": "We now also read the time of day."}),
        )
        .await;
    assert_eq!(status, 200, "{app}");
    assert_eq!(app["terms"]["version"], 3);

    let events = w.events().await;
    let new: Vec<_> = events
        .iter()
        .filter(|e| e.cursor.parse::<i64>().unwrap() > cursor.parse::<i64>().unwrap())
        .collect();
    let kinds: Vec<&str> = new.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["app.terms_changed", "consent.changed"]);
    assert_eq!(new[0].body["terms_version"], 3);
    assert_eq!(new[0].body["card_token"], card.as_str());
    assert_eq!(new[1].body["action"], "needs_reconsent");
    assert_eq!(new[1].body["grant"]["status"], "needs_reconsent");
    assert_eq!(new[1].body["grant"]["pending_terms_version"], 3);
    assert!(other.events().await.is_empty(), "only holders hear of it");

    // Paused: no points until the cardholder reconsents.
    let purchase = w.purchase(&card, 500, "EUR", "Café Lumen", "nfc").await;
    assert_eq!(purchase["decisions"][0]["reason"], "not_active");
    let (status, grant, _) = w
        .put_grant(
            "g-stamp",
            "reconsent-1",
            &json!({"action": "reconsent", "base_version": 2, "terms_version": 3}),
        )
        .await;
    assert_eq!(status, 200, "{grant}");
    assert_eq!(grant["status"], "active");
    let purchase = w.purchase(&card, 500, "EUR", "Café Lumen", "nfc").await;
    assert_eq!(purchase["decisions"][0]["outcome"], "reacted");
}

#[tokio::test]
async fn an_operator_can_make_an_app_ignore_consent_once() {
    let (p, w, card) = enrolled_with_card().await;
    let path = "/v1/admin/apps/app_tastemaker/rogue-event";
    let body = json!({"card_token": card, "scope": "social_posts"});

    // Nothing to react to yet; and a cardholder cannot ask for it.
    assert_error(
        &p.admin(Method::POST, path, body.clone()).await,
        409,
        "no_purchase",
    );
    let denied = read(
        p.http
            .post(p.url(path))
            .bearer_auth(&w.token)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&denied, 403, "forbidden");

    // No grant at all: a purchase produces only the transaction ...
    let purchase = w.purchase(&card, 450, "EUR", "Café Lumen", "nfc").await;
    let cursor = w.cursor().await;
    // ... and the rogue app posts about it anyway, signed like any event.
    let (status, sent) = p.admin(Method::POST, path, body.clone()).await;
    assert_eq!(status, 201, "{sent}");
    assert_eq!(sent["transaction_id"], purchase["transaction"]["id"]);
    let new = w.kinds_after(&cursor).await;
    assert_eq!(
        new,
        [("social.posted".to_owned(), "app_tastemaker".to_owned())]
    );

    // Hostile and wrong input.
    p.admin_refused(
        Method::POST,
        "/v1/admin/apps/app_nope/rogue-event",
        body,
        404,
        "app_not_found",
    )
    .await;
    p.admin_refused(
        Method::POST,
        path,
        json!({"card_token": "4242424242424242", "scope": "receipts"}),
        422,
        "card_number_in_text",
    )
    .await;
    p.admin_refused(
        Method::POST,
        path,
        json!({"card_token": "tok_nobody", "scope": "receipts"}),
        409,
        "no_purchase",
    )
    .await;
}
