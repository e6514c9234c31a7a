//! The cardholder's devices (`GET /v1/devices`, `DELETE /v1/devices/{id}`) and the cards every
//! device hears of (`card.changed` on link, rename, unlink).

use serde_json::{json, Value};

use crate::support::*;

async fn rename(w: &Wallet, token: &str, nickname: Value) -> (reqwest::StatusCode, Value) {
    patch_card(w, token, json!({ "nickname": nickname })).await
}

async fn patch_card(w: &Wallet, token: &str, body: Value) -> (reqwest::StatusCode, Value) {
    read(
        w.http
            .patch(w.url(&format!("/v1/cards/{token}")))
            .bearer_auth(&w.token)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await
}

/// The `card.changed` events `w` can read, as (change, nickname, device_id).
async fn card_changes(w: &Wallet, token: &str) -> Vec<(String, Value, String)> {
    w.events()
        .await
        .into_iter()
        .filter(|e| e.kind == "card.changed" && e.body["card_token"] == token)
        .map(|e| {
            (
                e.body["change"].as_str().unwrap().to_owned(),
                e.body["nickname"].clone(),
                e.body["device_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn devices_are_listed_with_names_and_the_caller_marked() {
    let p = start().await;
    let laptop = p.enroll().await;
    let phone = laptop.enroll_device("phone").await;
    let (status, list) = phone.get("/v1/devices").await;
    assert_eq!(status, 200, "{list}");
    let devices = list["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 2);
    assert_eq!(devices[0]["name"], "test laptop");
    assert_eq!(devices[0]["device_id"], laptop.device_id.as_str());
    assert_eq!(devices[0]["this_device"], false);
    assert_eq!(devices[1]["name"], "phone");
    assert_eq!(devices[1]["this_device"], true);
    assert!(devices.iter().all(|d| d["removed_at"].is_null()));
    // Another cardholder sees only its own.
    let stranger = p.enroll().await;
    let (_, theirs) = stranger.get("/v1/devices").await;
    assert_eq!(theirs["devices"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_removed_device_is_shut_out_and_the_removal_is_idempotent() {
    let p = start().await;
    let laptop = p.enroll().await;
    let phone = laptop.enroll_device("phone").await;
    let stranger = p.enroll().await;

    assert_error(
        &laptop
            .delete(&format!("/v1/devices/{}", laptop.device_id))
            .await,
        409,
        "cannot_remove_self",
    );
    // Another cardholder's device, or none: not found (it is not told which).
    assert_error(
        &laptop
            .delete(&format!("/v1/devices/{}", stranger.device_id))
            .await,
        404,
        "device_not_found",
    );
    assert_error(
        &laptop.delete("/v1/devices/dev_nothing").await,
        404,
        "device_not_found",
    );
    let (status, list) = laptop
        .delete(&format!("/v1/devices/{}", phone.device_id))
        .await;
    assert_eq!(status, 200, "{list}");
    let removed = &list["devices"][1];
    assert_eq!(removed["device_id"], phone.device_id.as_str());
    assert!(removed["removed_at"].is_string());
    let (status, again) = laptop
        .delete(&format!("/v1/devices/{}", phone.device_id))
        .await;
    assert_eq!(
        (status.as_u16(), &again),
        (200, &list),
        "a retry changes nothing"
    );

    // The phone's token is refused everywhere, so it can change nothing.
    assert_error(&phone.get("/v1/cards").await, 401, "unauthorized");
    assert_error(&phone.get("/v1/events").await, 401, "unauthorized");
    let card = laptop.link_card("4242424242424242").await;
    let granted = laptop
        .grant(
            "grt_after_removal",
            "app_quire",
            &card,
            "receipts",
            json!({}),
        )
        .await;
    assert_eq!(granted["status"], "active", "the laptop goes on: {granted}");
    // The stranger's device is untouched.
    assert_eq!(stranger.get("/v1/cards").await.0, 200);
}

#[tokio::test]
async fn every_device_hears_of_a_card_linked_renamed_and_unlinked() {
    let p = start().await;
    let laptop = p.enroll().await;
    let phone = laptop.enroll_device("phone").await;
    let token = laptop.link_card("4242424242424242").await;
    // Linking it again from the phone is the same card, and no news.
    let (status, same) = phone
        .post(
            "/v1/cards",
            json!({"number": "4242424242424242", "expiration": {"month": 12, "year": 2031}}),
        )
        .await;
    assert_eq!(
        (status.as_u16(), same["token"].as_str()),
        (200, Some(token.as_str()))
    );

    let (status, renamed) = rename(&phone, &token, json!("  Groceries ")).await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["nickname"], "Groceries");
    // The same name again sends nothing.
    assert_eq!(rename(&phone, &token, json!("Groceries")).await.0, 200);
    assert_eq!(laptop.delete(&format!("/v1/cards/{token}")).await.0, 200);

    let changes = card_changes(&phone, &token).await;
    let expected = vec![
        ("linked".to_owned(), Value::Null, laptop.device_id.clone()),
        (
            "renamed".to_owned(),
            json!("Groceries"),
            phone.device_id.clone(),
        ),
        (
            "unlinked".to_owned(),
            json!("Groceries"),
            laptop.device_id.clone(),
        ),
    ];
    assert_eq!(changes, expected);
    assert_eq!(
        card_changes(&laptop, &token).await,
        expected,
        "the same for every device"
    );
}

#[tokio::test]
async fn a_rename_is_checked_like_a_link() {
    let p = start().await;
    let w = p.enroll().await;
    let token = w.link_card("4242424242424242").await;
    assert_error(
        &rename(&w, &token, json!("x".repeat(41))).await,
        422,
        "invalid_nickname",
    );
    assert_error(
        &rename(&w, &token, json!("my card 4242 4242 4242 4242")).await,
        422,
        "card_number_in_text",
    );
    assert_error(&rename(&w, &token, json!(42)).await, 422, "invalid_body");
    // An empty body is refused, not read as "clear the name" (the schema requires the field).
    assert_error(
        &patch_card(&w, &token, json!({})).await,
        422,
        "invalid_body",
    );
    assert_error(
        &rename(&w, "card_nothing", json!("Groceries")).await,
        404,
        "card_not_found",
    );
    // Another cardholder cannot rename it.
    let other = p.enroll().await;
    assert_error(
        &rename(&other, &token, json!("Mine")).await,
        404,
        "card_not_found",
    );
    // Clearing it; with one device, nobody else needs to hear of it.
    let (status, cleared) = rename(&w, &token, Value::Null).await;
    assert_eq!((status.as_u16(), &cleared["nickname"]), (200, &Value::Null));
    assert!(card_changes(&w, &token).await.is_empty());
}
