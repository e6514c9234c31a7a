//! The device chain (`/v1/devices/chain`) and pairing requests (`/v1/devices/pairings`).

use consentry_domain::{pairing_proof, proofs_match, DeviceChain, DeviceKey, DeviceLink};
use serde_json::{json, Value};

use crate::support::*;

#[tokio::test]
async fn the_first_device_roots_the_chain_and_vouches_for_the_next() {
    let p = start().await;
    let laptop = p.enroll_unlinked().await;
    let (status, empty) = laptop.get("/v1/devices/chain").await;
    assert_eq!((status.as_u16(), empty), (200, json!({"links": []})));

    let root = DeviceLink::root(
        &laptop.cardholder_id,
        &laptop.device_id,
        &laptop.device_key,
        now_ms(),
    )
    .unwrap();
    let (status, body) = laptop.post("/v1/devices/chain", json!(root)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body, json!({"links": [root]}));
    // The same link again (a retry) is answered with the chain, not added twice.
    let (status, again) = laptop.post("/v1/devices/chain", json!(root)).await;
    assert_eq!((status.as_u16(), &again), (200, &body));

    let phone = laptop.enroll_device("phone").await;
    let link = laptop.vouch(&phone);
    let (status, body) = phone.post("/v1/devices/chain", json!(link)).await;
    assert_eq!(status, 201, "{body}");
    let links = phone.chain().await;
    assert_eq!(links, [root.clone(), link]);
    let chain = DeviceChain::verify(&links, &laptop.cardholder_id).unwrap();
    assert_eq!(chain.root.as_deref(), Some(laptop.device_id.as_str()));
    assert_eq!(
        chain.keys.keys().collect::<Vec<_>>().len(),
        2,
        "both devices' keys"
    );

    // Another link for a device already in the chain (a new key for the phone, say).
    let rekeyed = DeviceLink::vouch(
        &laptop.cardholder_id,
        &phone.device_id,
        &DeviceKey::from_seed(&[9; 32]).public_key(),
        &laptop.device_id,
        &laptop.device_key,
        now_ms(),
    )
    .unwrap();
    let refused = laptop.post("/v1/devices/chain", json!(rekeyed)).await;
    assert_error(&refused, 409, "device_already_linked");
    assert_eq!(laptop.chain().await.len(), 2);
}

#[tokio::test]
async fn links_that_do_not_extend_a_valid_chain_are_refused() {
    let p = start().await;
    let laptop = p.enroll_unlinked().await;
    let phone = laptop.enroll_device("phone").await;
    let bob = p.enroll().await;
    let ch = laptop.cardholder_id.clone();

    // The first link: the caller's own, signed by itself — not another device's, not vouched.
    let phone_root = DeviceLink::root(&ch, &phone.device_id, &phone.device_key, now_ms()).unwrap();
    assert_error(
        &laptop.post("/v1/devices/chain", json!(phone_root)).await,
        422,
        "bad_root",
    );
    let vouched_first = phone.vouch(&laptop);
    assert_error(
        &laptop.post("/v1/devices/chain", json!(vouched_first)).await,
        422,
        "bad_root",
    );
    // Another cardholder's id, a device that is not this cardholder's, a device that does
    // not exist.
    let bobs = DeviceLink::root(
        &bob.cardholder_id,
        &laptop.device_id,
        &laptop.device_key,
        now_ms(),
    )
    .unwrap();
    assert_error(
        &laptop.post("/v1/devices/chain", json!(bobs)).await,
        422,
        "other_cardholder",
    );
    for device in [bob.device_id.as_str(), "dev_nope"] {
        let link = DeviceLink::root(&ch, device, &laptop.device_key, now_ms()).unwrap();
        assert_error(
            &laptop.post("/v1/devices/chain", json!(link)).await,
            422,
            "unknown_device",
        );
    }
    // A root whose signature does not verify.
    let mut forged_root =
        DeviceLink::root(&ch, &laptop.device_id, &laptop.device_key, now_ms()).unwrap();
    forged_root.public_key = DeviceKey::from_seed(&[3; 32]).public_key();
    assert_error(
        &laptop.post("/v1/devices/chain", json!(forged_root)).await,
        422,
        "bad_device_signature",
    );
    assert!(laptop.chain().await.is_empty(), "nothing was stored");
    laptop.post_root_link().await;

    // The platform (or anyone) planting a device: self-signed, or signed by a device that
    // is not in the chain.
    let planted = DeviceLink::root(&ch, &phone.device_id, &phone.device_key, now_ms()).unwrap();
    assert_error(
        &laptop.post("/v1/devices/chain", json!(planted)).await,
        422,
        "unknown_signer",
    );
    let ghost_signed = DeviceLink::vouch(
        &ch,
        &phone.device_id,
        &phone.device_key.public_key(),
        "dev_ghost",
        &DeviceKey::from_seed(&[4; 32]),
        now_ms(),
    )
    .unwrap();
    assert_error(
        &laptop.post("/v1/devices/chain", json!(ghost_signed)).await,
        422,
        "unknown_signer",
    );
    // Names the laptop as signer, but another key signed it; or altered after signing.
    let forged = DeviceLink::vouch(
        &ch,
        &phone.device_id,
        &phone.device_key.public_key(),
        &laptop.device_id,
        &phone.device_key,
        now_ms(),
    )
    .unwrap();
    assert_error(
        &laptop.post("/v1/devices/chain", json!(forged)).await,
        422,
        "bad_device_signature",
    );
    let mut altered = laptop.vouch(&phone);
    altered.public_key = DeviceKey::from_seed(&[5; 32]).public_key();
    assert_error(
        &laptop.post("/v1/devices/chain", json!(altered)).await,
        422,
        "bad_device_signature",
    );
    // A second root for the laptop.
    let later = now_ms() + chrono::TimeDelta::seconds(1);
    let again = DeviceLink::root(&ch, &laptop.device_id, &laptop.device_key, later).unwrap();
    assert_error(
        &laptop.post("/v1/devices/chain", json!(again)).await,
        409,
        "device_already_linked",
    );
    // Not a link: unknown fields, missing fields, a bad time.
    let mut extra = json!(laptop.vouch(&phone));
    extra["trusted"] = json!(true);
    for body in [
        extra,
        json!({"cardholder_id": ch}),
        json!([1, 2]),
        json!({"cardholder_id": ch, "device_id": phone.device_id, "public_key": "dpk_x",
               "added_by": laptop.device_id, "added_at": "yesterday", "signature": "v1a,x"}),
    ] {
        assert_error(
            &laptop.post("/v1/devices/chain", body).await,
            422,
            "invalid_body",
        );
    }
    assert_eq!(laptop.chain().await.len(), 1, "only the root");
    assert!(bob.chain().await.len() == 1, "bob's chain is his own");
}

#[tokio::test]
async fn a_new_device_pairs_with_the_code_an_existing_device_shows() {
    let p = start().await;
    let laptop = p.enroll().await;
    let bob = p.enroll().await;
    let code = "K7P2-9XQ4";
    let phone = laptop.enroll_device("Ada's phone").await;
    let proof = pairing_proof(
        "k7p2 9xq4",
        &phone.cardholder_id,
        &phone.device_id,
        &phone.device_key.public_key(),
    );

    // The new device asks to join: its key and the proof it made with the code.
    let (status, request) = phone
        .post(
            "/v1/devices/pairings",
            json!({"public_key": phone.device_key.public_key(), "proof": proof}),
        )
        .await;
    assert_eq!(status, 201, "{request}");
    assert_eq!(request["device_id"], phone.device_id.as_str());
    assert_eq!(request["device_name"], "Ada's phone");
    assert_eq!(request["public_key"], phone.device_key.public_key());
    assert_eq!(request["proof"], proof.as_str());
    assert!(request["created_at"].is_string());

    // The laptop lists it, and vouches only for a key whose proof matches its code.
    let (status, listed) = laptop.get("/v1/devices/pairings").await;
    assert_eq!(status, 200);
    assert_eq!(listed, json!({"pairings": [request]}));
    let (_, not_bobs) = bob.get("/v1/devices/pairings").await;
    assert_eq!(not_bobs, json!({"pairings": []}));
    let pending = &listed["pairings"][0];
    let device = pending["device_id"].as_str().unwrap();
    let key = pending["public_key"].as_str().unwrap();
    let claimed = pending["proof"].as_str().unwrap();
    assert!(proofs_match(
        claimed,
        &pairing_proof(code, &laptop.cardholder_id, device, key)
    ));
    assert!(!proofs_match(
        claimed,
        &pairing_proof("K7P2-9XQ5", &laptop.cardholder_id, device, key)
    ));
    let link = DeviceLink::vouch(
        &laptop.cardholder_id,
        device,
        key,
        &laptop.device_id,
        &laptop.device_key,
        now_ms(),
    )
    .unwrap();
    let (status, body) = laptop.post("/v1/devices/chain", json!(link)).await;
    assert_eq!(status, 201, "{body}");
    let (_, after) = laptop.get("/v1/devices/pairings").await;
    assert_eq!(after, json!({"pairings": []}), "answered requests are gone");
    assert_eq!(phone.chain().await.len(), 2);

    // In the chain: it needs no pairing, and its consent changes are accepted.
    let again = phone
        .post(
            "/v1/devices/pairings",
            json!({"public_key": phone.device_key.public_key(), "proof": proof}),
        )
        .await;
    assert_error(&again, 409, "device_already_linked");
    let card = phone.link_card(VISA).await;
    phone
        .grant("g-phone", "app_quire", &card, "receipts", json!({}))
        .await;
}

#[tokio::test]
async fn pairing_requests_must_hold_a_key_and_a_proof() {
    let p = start().await;
    let laptop = p.enroll().await;
    let phone = laptop.enroll_device("phone").await;
    let key = phone.device_key.public_key();
    let proof = "ab".repeat(32);
    let cases: [(Value, u16, &str); 7] = [
        (
            json!({"public_key": "dpk_AAAA", "proof": proof}),
            422,
            "invalid_pairing",
        ),
        (
            json!({"public_key": "whpk_x", "proof": proof}),
            422,
            "invalid_pairing",
        ),
        (
            json!({"public_key": key, "proof": "AB".repeat(32)}),
            422,
            "invalid_pairing",
        ),
        (
            json!({"public_key": key, "proof": "ab"}),
            422,
            "invalid_pairing",
        ),
        (
            json!({"public_key": key, "proof": "zz".repeat(32)}),
            422,
            "invalid_pairing",
        ),
        (json!({"public_key": key}), 422, "invalid_body"),
        (
            json!({"public_key": key, "proof": proof, "code": "K7P2"}),
            422,
            "invalid_body",
        ),
    ];
    for (body, status, code) in cases {
        assert_error(
            &phone.post("/v1/devices/pairings", body).await,
            status,
            code,
        );
    }
    let (_, none) = laptop.get("/v1/devices/pairings").await;
    assert_eq!(none, json!({"pairings": []}));
    // A later request replaces the earlier one.
    for proof in ["01".repeat(32), "02".repeat(32)] {
        let (status, _) = phone
            .post(
                "/v1/devices/pairings",
                json!({"public_key": key, "proof": proof}),
            )
            .await;
        assert_eq!(status, 201);
    }
    let (_, one) = laptop.get("/v1/devices/pairings").await;
    assert_eq!(one["pairings"].as_array().unwrap().len(), 1, "{one}");
    assert_eq!(one["pairings"][0]["proof"], "02".repeat(32));
    // A device already in the chain has nothing to ask.
    let refused = laptop
        .post(
            "/v1/devices/pairings",
            json!({"public_key": laptop.device_key.public_key(), "proof": proof}),
        )
        .await;
    assert_error(&refused, 409, "device_already_linked");
}
