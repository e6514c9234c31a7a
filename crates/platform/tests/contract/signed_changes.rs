//! Every consent change is signed by the device that made it (`PUT /v1/grants/{grant_id}`
//! field `signed`); the platform keeps the signed change with the grant and relays it.

use consentry_domain::{
    Channel, ConsentAction, ConsentStatement, DeviceChain, DeviceKey, Event, EventPayload, Grant,
    Money, Scope, Sha256Digest, SignedConsent, Trigger,
};
use reqwest::Method;
use serde_json::{json, Value};

use crate::support::*;

fn grant_body(card: &str) -> Value {
    json!({"action": "grant", "base_version": 0, "app_id": "app_quire", "card_token": card,
           "scope": "receipts", "channels": ["nfc"], "trigger": "authorization", "terms_version": 3})
}

fn with_signed(body: &Value, signed: &SignedConsent) -> Value {
    let mut body = body.clone();
    body["signed"] = json!(signed);
    body
}

async fn consent_changes(w: &Wallet) -> usize {
    w.count_events("consent.changed").await
}

#[tokio::test]
async fn unsigned_changes_are_refused_and_change_nothing() {
    let (_p, w, card) = enrolled_with_card().await;
    let body = grant_body(&card);
    let refused = w.put_grant_as_is("g1", "k1", &body).await;
    assert_error(&(refused.0, refused.1), 422, "unsigned_change");
    let mut null = body.clone();
    null["signed"] = Value::Null;
    let refused = w.put_grant_as_is("g1", "k1", &null).await;
    assert_error(&(refused.0, refused.1), 422, "unsigned_change");
    // A `signed` that is no signed change.
    let statement = json!(w.sign_change("g1", &body).await["signed"]);
    let mut extra = statement.clone();
    extra["statement"]["trusted"] = json!(true);
    let mut missing = statement.clone();
    missing["statement"]
        .as_object_mut()
        .unwrap()
        .remove("terms_hash");
    for signed in [json!("yes"), json!({"signature": "v1a,x"}), extra, missing] {
        let mut bad = body.clone();
        bad["signed"] = signed;
        let refused = w.put_grant_as_is("g1", "k1", &bad).await;
        assert_error(&(refused.0, refused.1), 422, "invalid_body");
    }
    let (_, grants) = w.get("/v1/grants").await;
    assert_eq!(grants["grants"], json!([]));
    assert_eq!(consent_changes(&w).await, 0);

    // The key was not spent; signed, the same change goes through.
    let (status, grant, replayed) = w.put_grant("g1", "k1", &body).await;
    assert_eq!((status.as_u16(), replayed), (201, false), "{grant}");
    let revoke = json!({"action": "revoke", "base_version": 1});
    let refused = w.put_grant_as_is("g1", "k2", &revoke).await;
    assert_error(&(refused.0, refused.1), 422, "unsigned_change");
    let (_, grants) = w.get("/v1/grants").await;
    assert_eq!(grants["grants"][0]["status"], "active");
    assert_eq!(consent_changes(&w).await, 1);
}

#[tokio::test]
async fn a_change_signed_with_another_key_or_altered_is_refused() {
    let p = start().await;
    let laptop = p.enroll().await;
    let phone = laptop.join("phone").await;
    let card = laptop.link_card(VISA).await;
    let body = grant_body(&card);
    let statement = laptop.statement_for("g1", &body).await.unwrap();

    // The laptop's statement, signed with the phone's key (both in the chain).
    let by_phone = statement.clone().sign(&phone.device_key).unwrap();
    let refused = laptop
        .put_grant_as_is("g1", "k1", &with_signed(&body, &by_phone))
        .await;
    assert_error(&(refused.0, refused.1), 422, "bad_consent_signature");
    // Signed by the laptop, then widened (statement and request alike).
    let mut widened = statement.clone().sign(&laptop.device_key).unwrap();
    widened.statement.channels.insert(Channel::Voice);
    let mut wide_body = body.clone();
    wide_body["channels"] = json!(["nfc", "voice"]);
    let refused = laptop
        .put_grant_as_is("g1", "k1", &with_signed(&wide_body, &widened))
        .await;
    assert_error(&(refused.0, refused.1), 422, "bad_consent_signature");
    // A signature that is no signature, and one by a key that is no device's.
    let mut garbage = statement.clone().sign(&laptop.device_key).unwrap();
    garbage.signature = "v1a,AAAA".into();
    let stranger = statement
        .clone()
        .sign(&DeviceKey::from_seed(&[8; 32]))
        .unwrap();
    for signed in [garbage, stranger] {
        let refused = laptop
            .put_grant_as_is("g1", "k1", &with_signed(&body, &signed))
            .await;
        assert_error(&(refused.0, refused.1), 422, "bad_consent_signature");
    }
    let (_, grants) = laptop.get("/v1/grants").await;
    assert_eq!(grants["grants"], json!([]));
    assert_eq!(consent_changes(&laptop).await, 0);
}

#[tokio::test]
async fn devices_outside_the_chain_cannot_change_consent() {
    let p = start().await;
    let laptop = p.enroll().await;
    let phone = laptop.join("phone").await;
    let tablet = laptop.enroll_device("tablet").await;
    let card = laptop.link_card(VISA).await;
    let body = grant_body(&card);

    // Enrolled with the cardholder secret, but no device in the chain vouched for it.
    let refused = tablet.put_grant("g1", "k1", &body).await;
    assert_error(&(refused.0, refused.1), 422, "device_not_in_chain");
    // A cardholder whose devices never posted a chain.
    let lone = p.enroll_unlinked().await;
    let lone_card = lone.link_card(MASTERCARD).await;
    let refused = lone.put_grant("g1", "k1", &grant_body(&lone_card)).await;
    assert_error(&(refused.0, refused.1), 422, "device_not_in_chain");
    // The laptop's signed change, sent by another device (in the chain or not).
    let laptops = laptop.sign_change("g1", &body).await;
    for sender in [&tablet, &phone] {
        let refused = sender.put_grant_as_is("g1", "k2", &laptops).await;
        assert_mismatch(&refused, "device_id");
    }
    let (_, grants) = laptop.get("/v1/grants").await;
    assert_eq!(grants["grants"], json!([]));

    // Vouched for, the tablet may.
    let (status, _) = laptop
        .post("/v1/devices/chain", json!(laptop.vouch(&tablet)))
        .await;
    assert_eq!(status, 201);
    let (status, grant, _) = tablet.put_grant("g1", "k1", &body).await;
    assert_eq!(status, 201, "{grant}");
}

type Edit<'a> = Box<dyn FnOnce(&mut ConsentStatement) + 'a>;

/// A 422 `statement_mismatch` naming `field`.
fn assert_mismatch(refused: &(reqwest::StatusCode, Value, bool), field: &str) {
    assert_error(&(refused.0, refused.1.clone()), 422, "statement_mismatch");
    let message = refused.1["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("statement's {field} ")),
        "{field}: {message}"
    );
}

/// A statement for `body`, changed by `edit`, signed by `w`.
async fn edited(
    w: &Wallet,
    grant_id: &str,
    body: &Value,
    edit: impl FnOnce(&mut ConsentStatement),
) -> Value {
    let mut statement = w.statement_for(grant_id, body).await.unwrap();
    edit(&mut statement);
    with_signed(body, &statement.sign(&w.device_key).unwrap())
}

#[tokio::test]
async fn a_statement_must_say_exactly_what_the_change_does() {
    let (_p, w, card) = enrolled_with_card().await;
    let other_card = w.link_card(MASTERCARD).await;
    let body = grant_body(&card);
    let soon = now_ms() + chrono::TimeDelta::days(30);
    // Each edit, and the field the refusal names.
    let edits: Vec<(&str, Edit<'_>)> = vec![
        ("grant_id", Box::new(|s| s.grant_id = "g2".into())),
        ("action", Box::new(|s| s.action = ConsentAction::Renew)),
        ("base_version", Box::new(|s| s.base_version = 1)),
        ("app_id", Box::new(|s| s.app_id = "app_beanstamp".into())),
        (
            "card_token",
            Box::new(|s| s.card_token.clone_from(&other_card)),
        ),
        ("scope", Box::new(|s| s.scope = Scope::Points)),
        (
            "channels",
            Box::new(|s| {
                s.channels.insert(Channel::Voice);
            }),
        ),
        ("trigger", Box::new(|s| s.trigger = Trigger::Settlement)),
        (
            "min_purchase",
            Box::new(|s| s.min_purchase = Some(Money::new(500, consentry_domain::Currency::EUR))),
        ),
        ("expires_at", Box::new(move |s| s.expires_at = Some(soon))),
        ("terms_version", Box::new(|s| s.terms_version = 2)),
        (
            "terms_hash",
            Box::new(|s| s.terms_hash = Sha256Digest::of_terms("terms nobody showed")),
        ),
    ];
    for (field, edit) in edits {
        let signed = edited(&w, "g1", &body, edit).await;
        let refused = w.put_grant_as_is("g1", "k1", &signed).await;
        assert_mismatch(&refused, field);
    }
    let (_, grants) = w.get("/v1/grants").await;
    assert_eq!(grants["grants"], json!([]));
    let (status, _, _) = w.put_grant("g1", "k1", &body).await;
    assert_eq!(status, 201);

    // Changes to the grant name its app, card and scope. (A revocation is never refused over
    // the terms it names: see the end of this test.)
    let revoke = json!({"action": "revoke", "base_version": 1});
    let edits: Vec<(&str, Edit<'_>)> = vec![
        ("app_id", Box::new(|s| s.app_id = "app_beanstamp".into())),
        (
            "card_token",
            Box::new(|s| s.card_token.clone_from(&other_card)),
        ),
        ("scope", Box::new(|s| s.scope = Scope::Points)),
    ];
    for (field, edit) in edits {
        let signed = edited(&w, "g1", &revoke, edit).await;
        let refused = w.put_grant_as_is("g1", "k2", &signed).await;
        assert_mismatch(&refused, field);
    }
    // A renew to another date than the one signed; and one whose statement describes
    // another grant than the renew produces (its channels).
    let renew = json!({"action": "renew", "base_version": 1, "expires_at": "2099-01-01T00:00:00Z"});
    let other_date = edited(&w, "g1", &renew, |s| s.expires_at = None).await;
    let refused = w.put_grant_as_is("g1", "k3", &other_date).await;
    assert_mismatch(&refused, "expires_at");
    let other_outcome = edited(&w, "g1", &renew, |s| {
        s.channels = [Channel::Voice].into_iter().collect();
    })
    .await;
    let refused = w.put_grant_as_is("g1", "k3", &other_outcome).await;
    assert_mismatch(&refused, "outcome");
    let (_, grants) = w.get("/v1/grants").await;
    assert_eq!(grants["grants"][0]["version"], 1, "nothing changed");
    assert_eq!(grants["grants"][0]["expires_at"], Value::Null);
    assert_eq!(consent_changes(&w).await, 1);

    // A signed change at a stale version is a version conflict like any other.
    let (status, _, _) = w.put_grant("g1", "k4", &renew).await;
    assert_eq!(status, 200);
    let stale = w.put_grant("g1", "k5", &revoke).await;
    assert_error(&(stale.0, stale.1.clone()), 409, "version_conflict");
    assert_eq!(stale.1["current"]["signed"]["statement"]["action"], "renew");

    // A revocation naming terms the platform does not know (a wallet that lost the text it
    // agreed to) still goes through: it produces no terms.
    let revoke_now = json!({"action": "revoke", "base_version": 2});
    let unknown_terms = edited(&w, "g1", &revoke_now, |s| s.terms_hash = Sha256Digest::ZERO).await;
    let (status, revoked, _) = w.put_grant_as_is("g1", "k6", &unknown_terms).await;
    assert_eq!(status, 200, "{revoked}");
    assert_eq!(revoked["status"], "revoked");
}

#[tokio::test]
async fn an_identical_signed_retry_replays_and_a_signed_change_applies_once() {
    let (_p, w, card) = enrolled_with_card().await;
    let signed = w.sign_change("g1", &grant_body(&card)).await;
    let (status, first, replayed) = w.put_grant_as_is("g1", "key-1", &signed).await;
    assert_eq!((status.as_u16(), replayed), (201, false), "{first}");
    let (status, again, replayed) = w.put_grant_as_is("g1", "key-1", &signed).await;
    assert_eq!((status.as_u16(), replayed), (201, true));
    assert_eq!(again, first);
    // The same signed change under a new key: it was made at version 0, which is gone.
    let replayed_elsewhere = w.put_grant_as_is("g1", "key-2", &signed).await;
    assert_error(
        &(replayed_elsewhere.0, replayed_elsewhere.1),
        409,
        "version_conflict",
    );
    assert_eq!(consent_changes(&w).await, 1);
}

/// Checks one relayed change: present and valid for a device's change, absent for the
/// platform's own.
fn check_relayed(
    action: ConsentAction,
    grant: &Grant,
    signed: Option<&SignedConsent>,
    chain: &DeviceChain,
) {
    match action {
        ConsentAction::NeedsReconsent => assert!(signed.is_none(), "{grant:?}"),
        _ => {
            let signed = signed.expect("a device's change is relayed signed");
            signed.verify(&chain.keys).unwrap();
            assert_eq!(signed.statement.action, action);
            assert!(signed.statement.produced(grant), "{signed:?} {grant:?}");
        }
    }
}

#[tokio::test]
async fn every_device_receives_the_signed_changes_and_can_check_them() {
    let p = start().await;
    let laptop = p.enroll().await;
    let phone = laptop.join("phone").await;
    let card = laptop.link_card(VISA).await;
    for (grant, app, scope) in [
        ("g-quire", "app_quire", "receipts"),
        ("g-stamp", "app_beanstamp", "points"),
        ("g-cash", "app_cashcove", "cashback"),
        ("g-nudge", "app_nudge", "recommendations"),
    ] {
        laptop.grant_defaults(grant, app, &card, scope).await;
    }
    let revoke = json!({"action": "revoke", "base_version": 1});
    let (status, _, _) = phone.put_grant("g-quire", "phone-1", &revoke).await;
    assert_eq!(status, 200);
    // New terms pause three grants: the platform's own, unsigned change.
    for (app, version) in [("app_beanstamp", 3), ("app_cashcove", 2), ("app_nudge", 2)] {
        let (status, body) = p
            .admin(
                Method::POST,
                &format!("/v1/apps/{app}/terms"),
                json!({"version": version, "text": format!("{app} terms, version {version}")}),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }
    let reconsent = json!({"action": "reconsent", "base_version": 2, "terms_version": 3});
    let (status, _, _) = laptop.put_grant("g-stamp", "laptop-1", &reconsent).await;
    assert_eq!(status, 200);
    // Revoked under the terms it was granted with (since replaced).
    let revoke_paused = json!({"action": "revoke", "base_version": 2});
    let (status, revoked, _) = phone.put_grant("g-cash", "phone-2", &revoke_paused).await;
    assert_eq!(status, 200, "{revoked}");

    // Each device checks against the chain it can verify from the root it knows.
    for device in [&laptop, &phone] {
        let chain = DeviceChain::verify_pinned(
            &device.chain().await,
            &device.cardholder_id,
            &laptop.device_id,
        )
        .unwrap();
        let mut seen = Vec::new();
        for event in device
            .events()
            .await
            .iter()
            .filter(|e| e.kind == "consent.changed")
        {
            let raw = serde_json::to_vec(&event.body).unwrap();
            let EventPayload::ConsentChanged(change) = Event::from_json(&raw).unwrap().payload
            else {
                panic!("not a consent change");
            };
            check_relayed(
                change.action,
                &change.grant,
                change.signed.as_deref(),
                &chain,
            );
            seen.push((
                change.action.as_str().to_owned(),
                change.signed.map(|s| s.statement.device_id),
            ));
        }
        let by = |d: &Wallet| Some(d.device_id.clone());
        let expected = vec![
            ("grant".to_owned(), by(&laptop)),
            ("grant".to_owned(), by(&laptop)),
            ("grant".to_owned(), by(&laptop)),
            ("grant".to_owned(), by(&laptop)),
            ("revoke".to_owned(), by(&phone)),
            ("needs_reconsent".to_owned(), None),
            ("needs_reconsent".to_owned(), None),
            ("needs_reconsent".to_owned(), None),
            ("reconsent".to_owned(), by(&laptop)),
            ("revoke".to_owned(), by(&phone)),
        ];
        assert_eq!(seen, expected);

        let (_, grants) = device.get("/v1/grants").await;
        for item in grants["grants"].as_array().unwrap() {
            let (grant, signed) = split_signed(item);
            let grant: Grant = serde_json::from_value(grant).unwrap();
            let signed: Option<SignedConsent> = serde_json::from_value(signed).unwrap();
            let action = signed
                .as_ref()
                .map_or(ConsentAction::NeedsReconsent, |s| s.statement.action);
            check_relayed(action, &grant, signed.as_ref(), &chain);
            // Only the paused grant nobody acted on shows no signed change.
            assert_eq!(signed.is_none(), grant.id == "g-nudge", "{item}");
        }
    }
}

#[tokio::test]
async fn a_revoke_after_new_terms_goes_through_whatever_terms_it_names() {
    let (p, w, card) = enrolled_with_card().await;
    w.grant_defaults("g-a", "app_cashcove", &card, "cashback")
        .await;
    w.grant(
        "g-b",
        "app_cashcove",
        &w.link_card(MASTERCARD).await,
        "cashback",
        json!({}),
    )
    .await;
    let (status, _) = p
        .admin(
            Method::POST,
            "/v1/apps/app_cashcove/terms",
            json!({"version": 2, "text": "Cashcove terms, version 2"}),
        )
        .await;
    assert_eq!(status, 200);
    let revoke = json!({"action": "revoke", "base_version": 2});
    // The terms the grant was agreed under (version 1, since replaced) ...
    let agreed = w.statement_for("g-a", &revoke).await.unwrap();
    assert_eq!(agreed.terms_version, 1);
    let (status, body, _) = w.put_grant("g-a", "k-a", &revoke).await;
    assert_eq!(status, 200, "{body}");
    // ... or any other: a revocation is never refused over the terms it names (a wallet
    // that lost the text it agreed to must still be able to say no).
    let other = edited(&w, "g-b", &revoke, |s| {
        s.terms_version = 2;
        s.terms_hash = Sha256Digest::of_terms("Cashcove terms, version 1");
    })
    .await;
    let (status, body, _) = w.put_grant_as_is("g-b", "k-b", &other).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "revoked");
}
