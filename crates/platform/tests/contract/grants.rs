use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn idempotency_follows_stripe_semantics() {
    let (_p, w, card) = enrolled_with_card().await;
    let body = json!({
        "action": "grant", "base_version": 0, "app_id": "app_quire", "card_token": card,
        "scope": "receipts", "channels": ["nfc"], "trigger": "authorization", "terms_version": 3,
    });
    let (status, first, replayed) = w.put_grant("g1", "key-1", &body).await;
    assert_eq!(status, 201, "{first}");
    assert!(!replayed);
    assert_eq!(first["version"], 1);
    assert_eq!(first["status"], "active");

    // Same key, same request (keys reordered): the stored response, marked as a replay.
    let reordered: serde_json::Value = serde_json::from_str(&format!(
        r#"{{"terms_version":3,"trigger":"authorization","channels":["nfc"],"scope":"receipts","card_token":"{card}","app_id":"app_quire","base_version":0,"action":"grant"}}"#
    ))
    .unwrap();
    let (status, again, replayed) = w.put_grant("g1", "key-1", &reordered).await;
    assert_eq!(status, 201);
    assert!(replayed);
    assert_eq!(again, first);

    // Same key, different request.
    let mut other = body.clone();
    other["channels"] = json!(["card"]);
    let (status, error, _) = w.put_grant("g1", "key-1", &other).await;
    assert_error(&(status, error), 409, "idempotency_key_reused");
    // Same key on another grant id is a different request too.
    let (status, error, _) = w.put_grant("g2", "key-1", &body).await;
    assert_error(&(status, error), 409, "idempotency_key_reused");

    // Exactly one consent.changed for the grant, however often it was retried.
    let changes = w.count_events("consent.changed").await;
    assert_eq!(changes, 1);
}

#[tokio::test]
async fn stale_versions_get_409_with_the_current_state() {
    let (_p, w, card) = enrolled_with_card().await;
    w.grant_defaults("g1", "app_quire", &card, "receipts").await;
    let (status, revoked, _) = w
        .put_grant("g1", "r1", &json!({"action": "revoke", "base_version": 1}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(revoked["version"], 2);

    let (status, conflict, _) = w
        .put_grant(
            "g1",
            "r2",
            &json!({"action": "renew", "base_version": 1, "expires_at": null}),
        )
        .await;
    assert_error(&(status, conflict.clone()), 409, "version_conflict");
    // `current` is the grant plus the signed change that produced it: the revoke.
    let (current, signed) = split_signed(&conflict["current"]);
    assert_eq!(current, revoked);
    assert_eq!(signed["statement"]["action"], "revoke");
    assert_eq!(signed["statement"]["base_version"], 1);
    // The conflict is stored under its key: a retry gets the very same answer.
    let (status, again, replayed) = w
        .put_grant(
            "g1",
            "r2",
            &json!({"action": "renew", "base_version": 1, "expires_at": null}),
        )
        .await;
    assert_eq!((status.as_u16(), replayed), (409, true));
    assert_eq!(again, conflict);

    // Creating over an existing id at base_version 0 is stale as well.
    let (status, conflict, _) = w
        .put_grant("g1", "r3", &json!({"action": "grant", "base_version": 0, "app_id": "app_quire", "card_token": card,
            "scope": "receipts", "channels": ["nfc"], "trigger": "authorization", "terms_version": 3}))
        .await;
    assert_error(&(status, conflict), 409, "version_conflict");
    // Revoking the unknown grant id at version 0: nothing to revoke.
    let (status, missing, _) = w
        .put_grant(
            "g-none",
            "r4",
            &json!({"action": "revoke", "base_version": 0}),
        )
        .await;
    assert_error(&(status, missing), 404, "grant_not_found");
}

#[tokio::test]
async fn grant_revoke_regrant_renew_and_reconcile_across_devices() {
    let (_p, w, card) = enrolled_with_card().await;
    w.grant(
        "g1",
        "app_cashcove",
        &card,
        "cashback",
        json!({"min_purchase": {"minor": 1000, "currency": "EUR"}}),
    )
    .await;
    let (_, revoked, _) = w
        .put_grant("g1", "k2", &json!({"action": "revoke", "base_version": 1}))
        .await;
    assert_eq!(revoked["version"], 2);
    // Revoking again at the current version changes nothing.
    let (status, same, _) = w
        .put_grant("g1", "k3", &json!({"action": "revoke", "base_version": 2}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(same["version"], 2);
    let (status, error, _) = w
        .put_grant(
            "g1",
            "k4",
            &json!({"action": "renew", "base_version": 2, "expires_at": "2099-01-01T00:00:00Z"}),
        )
        .await;
    assert_error(&(status, error), 409, "invalid_transition");
    let (status, regranted, _) = w
        .put_grant("g1", "k5", &json!({"action": "grant", "base_version": 2, "app_id": "app_cashcove", "card_token": card,
            "scope": "cashback", "channels": ["online"], "trigger": "settlement", "terms_version": 1}))
        .await;
    assert_eq!(status, 200, "{regranted}");
    assert_eq!(
        (regranted["version"].as_u64(), regranted["status"].as_str()),
        (Some(3), Some("active"))
    );
    assert_eq!(regranted["channels"], json!(["online"]));
    let (status, renewed, _) = w
        .put_grant(
            "g1",
            "k6",
            &json!({"action": "renew", "base_version": 3, "expires_at": "2099-01-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(status, 200, "{renewed}");
    assert_eq!(renewed["expires_at"], "2099-01-01T00:00:00Z");

    // A second device reconciles from GET /v1/grants and the consent.changed events.
    let phone = w.enroll_device("phone").await;
    let (_, grants) = phone.get("/v1/grants").await;
    let (grant, signed) = split_signed(&grants["grants"][0]);
    assert_eq!(grants["grants"].as_array().unwrap().len(), 1);
    assert_eq!(grant, renewed);
    assert_eq!(signed["statement"]["action"], "renew");
    assert_eq!(signed["statement"]["device_id"], w.device_id.as_str());
    let actions: Vec<String> = phone
        .events()
        .await
        .iter()
        .filter(|e| e.kind == "consent.changed")
        .map(|e| e.body["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(actions, ["grant", "revoke", "grant", "renew"]);
}

#[tokio::test]
async fn invalid_changes_get_precise_errors() {
    let (p, w, card) = enrolled_with_card().await;
    let base = json!({"action": "grant", "base_version": 0, "app_id": "app_quire", "card_token": card,
        "scope": "receipts", "channels": ["nfc"], "trigger": "authorization", "terms_version": 3});
    let cases = [
        (json!({"app_id": "app_nope"}), 422, "app_not_found"),
        (json!({"card_token": "card_nope"}), 422, "card_not_found"),
        (json!({"scope": "cashback"}), 422, "scope_not_requested"),
        (json!({"terms_version": 2}), 422, "terms_outdated"),
        (json!({"channels": []}), 422, "no_channels"),
        (
            json!({"expires_at": "2001-01-01T00:00:00Z"}),
            422,
            "expiry_not_in_future",
        ),
        (
            json!({"min_purchase": {"minor": -1, "currency": "EUR"}}),
            422,
            "negative_minimum",
        ),
        (json!({"scope": "tweets"}), 422, "invalid_body"),
        (json!({"channels": ["telepathy"]}), 422, "invalid_body"),
        (
            json!({"min_purchase": {"minor": 1, "currency": "XYZ"}}),
            422,
            "invalid_body",
        ),
        (json!({"action": "delete"}), 422, "invalid_body"),
        (json!({"surprise": true}), 422, "invalid_body"),
    ];
    for (i, (patch, status, code)) in cases.into_iter().enumerate() {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (got, error, _) = w.put_grant("g1", &format!("bad-{i}"), &body).await;
        assert_error(&(got, error), status, code);
    }
    // Validation failures are not stored: the key can be used for the corrected request.
    let (status, _, replayed) = w.put_grant("g1", "bad-0", &base).await;
    assert_eq!((status.as_u16(), replayed), (201, false));

    let no_key = read(
        p.http
            .put(p.url("/v1/grants/g2"))
            .bearer_auth(&w.token)
            .json(&base)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&no_key, 400, "idempotency_key_missing");
    let bad_id = w.put_grant("bad%20id", "k", &base).await;
    assert_error(&(bad_id.0, bad_id.1), 400, "invalid_identifier");
    let text = read(
        p.http
            .put(p.url("/v1/grants/g3"))
            .bearer_auth(&w.token)
            .header("idempotency-key", "k9")
            .body(base.to_string())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_error(&text, 415, "unsupported_media_type");
}
