use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn enrollment_creates_a_cardholder_with_keys() {
    let p = start().await;
    let (status, body) = p.post_enroll(&json!({"device_name": "Ada's laptop"})).await;
    assert_eq!(status, 201);
    for field in ["cardholder_id", "cardholder_secret", "device_id", "token"] {
        assert!(
            body[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {body}"
        );
    }
    let keys = body["signing_keys"].as_array().unwrap();
    let statuses: Vec<&str> = keys.iter().map(|k| k["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["active", "next"]);
    for key in keys {
        assert_eq!(key["algorithm"], "ed25519");
        assert_eq!(key["scheme"], "v1a");
        assert!(key["public_key"].as_str().unwrap().starts_with("whpk_"));
    }
    let (status, listed) = p.get_public("/v1/keys").await;
    assert_eq!(status, 200);
    assert_eq!(listed["keys"], body["signing_keys"]);
}

#[tokio::test]
async fn a_second_device_joins_with_the_cardholder_secret() {
    let p = start().await;
    let first = p.enroll().await;
    let card = first.link_card(VISA).await;
    let (status, body) = p.post_enroll(&json!({"device_name": "phone", "cardholder_id": first.cardholder_id, "cardholder_secret": first.secret})).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["cardholder_id"], first.cardholder_id.as_str());
    assert!(
        body.get("cardholder_secret").is_none(),
        "the secret is only handed out once"
    );
    assert_ne!(body["token"], first.token.as_str());
    let second = Wallet::from_enrollment(&p, &body);
    let (_, cards) = second.get("/v1/cards").await;
    assert_eq!(cards["cards"][0]["token"], card.as_str());
}

#[tokio::test]
async fn wrong_or_partial_credentials_are_refused() {
    let p = start().await;
    let first = p.enroll().await;
    let wrong = p.post_enroll(&json!({"device_name": "x", "cardholder_id": first.cardholder_id, "cardholder_secret": "chs_nope"})).await;
    assert_error(&wrong, 401, "invalid_credentials");
    let partial = p
        .post_enroll(&json!({"device_name": "x", "cardholder_id": first.cardholder_id}))
        .await;
    assert_error(&partial, 422, "invalid_body");
    let unnamed = p.post_enroll(&json!({"device_name": "  "})).await;
    assert_error(&unnamed, 422, "invalid_device_name");
}

#[tokio::test]
async fn every_device_endpoint_needs_a_valid_bearer_token() {
    let p = start().await;
    for path in [
        "/v1/cards",
        "/v1/apps",
        "/v1/grants",
        "/v1/events",
        "/v1/data-requests",
        "/v1/devices/chain",
        "/v1/devices/pairings",
    ] {
        let response = p.http.get(p.url(path)).send().await.unwrap();
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        assert_error(&read(response).await, 401, "unauthorized");
        let bad = read(
            p.http
                .get(p.url(path))
                .bearer_auth("cst_forged")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(&bad, 401, "unauthorized");
        let basic = read(
            p.http
                .get(p.url(path))
                .header("authorization", "Basic abc")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_error(&basic, 401, "unauthorized");
    }
}

#[tokio::test]
async fn cardholders_are_isolated() {
    let p = start().await;
    let ada = p.enroll().await;
    let bob = p.enroll().await;
    let card = ada.link_card(VISA).await;
    ada.grant_defaults("g-ada", "app_quire", &card, "receipts")
        .await;
    let (_, cards) = bob.get("/v1/cards").await;
    assert_eq!(cards["cards"], json!([]));
    let (_, grants) = bob.get("/v1/grants").await;
    assert_eq!(grants["grants"], json!([]));
    assert!(bob.events().await.is_empty());
    assert_error(
        &bob.delete(&format!("/v1/cards/{card}")).await,
        404,
        "card_not_found",
    );
    let purchase = bob
        .post("/v1/simulate/purchase", json!({"card_token": card, "amount": {"minor": 100, "currency": "EUR"}, "merchant": "X", "channel": "nfc"}))
        .await;
    assert_error(&purchase, 422, "card_not_found");
}
