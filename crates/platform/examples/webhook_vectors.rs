//! Prints the committed signature test vectors (`docs/platform/webhook-vectors.json`):
//! event signatures (`vectors`) and signing-key endorsements (`endorsements`).
//! Deterministic: regenerate with
//! `cargo run -p consentry-platform --example webhook_vectors > docs/platform/webhook-vectors.json`.

use consentry_platform::signing;
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

fn key(label: &str) -> SigningKey {
    SigningKey::from_bytes(&Sha256::digest(label.as_bytes()).into())
}

fn vector(name: &str, signer: &SigningKey, id: &str, timestamp: i64, body: &str) -> Value {
    json!({
        "name": name,
        "secret_key": signing::encode_secret_key(signer),
        "public_key": signing::encode_public_key(&signer.verifying_key()),
        "id": id,
        "timestamp": timestamp,
        "body": body,
        "signature": signing::sign(signer, id, timestamp, body),
        "valid": true,
    })
}

/// `signer` endorses `key`, published as `key_id`.
fn endorsement(
    name: &str,
    signer: &SigningKey,
    signer_id: &str,
    key: &SigningKey,
    key_id: &str,
) -> Value {
    let public_key = signing::encode_public_key(&key.verifying_key());
    json!({
        "name": name,
        "signer_key_id": signer_id,
        "signer_public_key": signing::encode_public_key(&signer.verifying_key()),
        "key_id": key_id,
        "public_key": public_key,
        "content": signing::endorsement_content(key_id, &public_key),
        "signature": signing::endorse(signer, key_id, &public_key),
        "valid": true,
    })
}

fn endorsements(a: &SigningKey, b: &SigningKey) -> Vec<Value> {
    let (a_id, b_id) = ("key_kaaaaaaaaaaaaaaa", "key_kbbbbbbbbbbbbbbb");
    let genuine = endorsement("key A endorses key B", a, a_id, b, b_id);
    let mut renamed = genuine.clone();
    renamed["name"] = json!("key id changed after endorsing: invalid");
    renamed["key_id"] = json!("key_kccccccccccccccc");
    renamed["content"] = json!(signing::endorsement_content(
        "key_kccccccccccccccc",
        genuine["public_key"].as_str().unwrap_or_default()
    ));
    renamed["valid"] = json!(false);
    let mut swapped = genuine.clone();
    swapped["name"] = json!("another public key under the same endorsement: invalid");
    let other = signing::encode_public_key(&a.verifying_key());
    swapped["content"] = json!(signing::endorsement_content(b_id, &other));
    swapped["public_key"] = json!(other);
    swapped["valid"] = json!(false);
    let mut self_signed = endorsement(
        "key B endorses itself, checked as A's: invalid",
        b,
        a_id,
        b,
        b_id,
    );
    self_signed["signer_public_key"] = json!(signing::encode_public_key(&a.verifying_key()));
    self_signed["valid"] = json!(false);
    vec![genuine, renamed, swapped, self_signed]
}

fn main() -> Result<(), serde_json::Error> {
    let a = key("consentry webhook vector key A");
    let b = key("consentry webhook vector key B");
    let authorized = r#"{"id":"evt_0193b2d1c7e07a35b6f0d3a1e2c4f501","occurred_at":"2026-01-01T09:30:00Z","card_token":"card_0193b2d1c0aa7c1e9f3b5d7e8a2c4b60","type":"transaction.authorized","transaction_id":"txn_0193b2d1c7e07a35b6f0d3a1e2c4f500","amount":{"minor":1234,"currency":"EUR"},"merchant":"Cafe Lumen","channel":"nfc","commission":{"minor":19,"currency":"EUR"}}"#;
    let receipt = r#"{"id":"evt_0193b2d1c7e17b11a4c2e9f0d3b6a702","occurred_at":"2026-01-01T09:30:00Z","card_token":"card_0193b2d1c0aa7c1e9f3b5d7e8a2c4b60","app_id":"app_quire","type":"receipt.issued","payment":{"transaction_id":"txn_0193b2d1c7e07a35b6f0d3a1e2c4f500","channel":"nfc","amount":{"minor":380,"currency":"EUR"}},"receipt":{"transaction_id":"txn_0193b2d1c7e07a35b6f0d3a1e2c4f500","merchant":"Café Lumen — Croix-Rousse","lines":[{"quantity":1,"description":"Flat white ☕","unit_price":{"minor":317,"currency":"EUR"},"tax":{"minor":63,"currency":"EUR"},"total":{"minor":380,"currency":"EUR"}}],"total":{"minor":380,"currency":"EUR"}}}"#;
    let ts = 1_767_259_800;
    let first = vector(
        "transaction.authorized, key A",
        &a,
        "evt_0193b2d1c7e07a35b6f0d3a1e2c4f501",
        ts,
        authorized,
    );
    let unicode = vector(
        "non-ASCII body (UTF-8 bytes are signed), key A",
        &a,
        "evt_0193b2d1c7e17b11a4c2e9f0d3b6a702",
        ts,
        receipt,
    );
    let other_key = vector(
        "rotated key B",
        &b,
        "evt_0193b2d1c7e27c00b0c1d2e3f4a5b603",
        ts + 60,
        r#"{"k":"v"}"#,
    );
    let mut tampered = first.clone();
    tampered["name"] = json!("body changed after signing: invalid");
    tampered["body"] = json!(authorized.replace("1234", "1235"));
    tampered["valid"] = json!(false);
    let mut retimed = first.clone();
    retimed["name"] = json!("timestamp changed after signing: invalid");
    retimed["timestamp"] = json!(ts + 1);
    retimed["valid"] = json!(false);
    let mut wrong_key = first.clone();
    wrong_key["name"] = json!("verified with another key: invalid");
    wrong_key["public_key"] = json!(signing::encode_public_key(&b.verifying_key()));
    wrong_key["secret_key"] = json!(signing::encode_secret_key(&b));
    wrong_key["valid"] = json!(false);
    let mut several = first.clone();
    several["name"] = json!("several space-separated signatures, one valid v1a");
    several["signature"] = json!(format!(
        "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= {}",
        first["signature"].as_str().unwrap_or_default()
    ));
    // Bound to a cardholder: the body names cardholder A; a wallet of cardholder B refuses it
    // although its signature verifies.
    let bound_body = r#"{"cardholder_id":"ch_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","id":"evt_0193b2d1c7e37d00c0d1e2f3a4b5c604","occurred_at":"2026-01-01T09:31:00Z","type":"card.changed"}"#;
    let mut bound = vector(
        "bound to its cardholder: the body's cardholder_id is the wallet's",
        &a,
        "evt_0193b2d1c7e37d00c0d1e2f3a4b5c604",
        ts + 120,
        bound_body,
    );
    bound["cardholder_id"] = json!("ch_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    let mut foreign = bound.clone();
    foreign["name"] = json!(
        "another cardholder's delivery (signature valid, cardholder_id not the wallet's): invalid"
    );
    foreign["cardholder_id"] = json!("ch_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    foreign["valid"] = json!(false);
    // Dual signatures during a rotation's overlap: new key (B) first, then the old key (A).
    let (dual_id, dual_body) = ("evt_0193b2d1c7e47e00d0e1f2a3b4c5d605", r#"{"k":"dual"}"#);
    let dual_header = signing::sign_all(&[b.clone(), a.clone()], dual_id, ts + 180, dual_body);
    let mut dual_old = vector(
        "rotation overlap: new key's signature then old key's, verified with the old key only",
        &a,
        dual_id,
        ts + 180,
        dual_body,
    );
    dual_old["signature"] = json!(dual_header);
    let mut dual_new = vector(
        "rotation overlap: new key's signature then old key's, verified with the new key only",
        &b,
        dual_id,
        ts + 180,
        dual_body,
    );
    dual_new["signature"] = json!(dual_header);
    let c = key("consentry webhook vector key C");
    let mut dual_other = dual_old.clone();
    dual_other["name"] = json!("rotation overlap, verified with a third key: invalid");
    dual_other["public_key"] = json!(signing::encode_public_key(&c.verifying_key()));
    dual_other["secret_key"] = json!(signing::encode_secret_key(&c));
    dual_other["valid"] = json!(false);
    let doc = json!({
        "description": "Standard Webhooks asymmetric signatures (scheme v1a, Ed25519) as the Consentry platform makes them. The signed bytes are the UTF-8 encoding of `{id}.{timestamp}.{body}`; the signature header value is `v1a,` + base64 (standard alphabet, padded) of the 64-byte signature, possibly among other space-separated signatures. public_key is `whpk_` + base64 of the 32-byte Ed25519 public key; secret_key is `whsk_` + base64 of the 32-byte Ed25519 seed (PyNaCl: nacl.signing.SigningKey(seed)). A vector with `cardholder_id` is checked by that cardholder's wallet: besides the signature, the body's top-level `cardholder_id` must equal it. Vectors with valid=false must be rejected.",
        "scheme": "v1a",
        "signed_content": "{id}.{timestamp}.{body}",
        "vectors": [first, unicode, other_key, tampered, retimed, wrong_key, several, bound, foreign, dual_old, dual_new, dual_other],
        "endorsement_description": "Signing-key endorsements: the key `signer_key_id` vouches for the key `key_id`. The signed bytes are the UTF-8 encoding of `consentry.key-endorsement.v1.{key_id}.{public_key}` (`content`); `signature` is `v1a,` + base64 of the 64-byte Ed25519 signature, verified under `signer_public_key`. Vectors with valid=false must be rejected.",
        "endorsements": endorsements(&a, &b),
    });
    println!("{}", serde_json::to_string_pretty(&doc)?);
    Ok(())
}
