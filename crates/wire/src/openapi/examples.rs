//! The document's examples. The keys, endorsements, device links, signed changes and the
//! pairing proof are real (a platform started with `--signing-seed 2013`; device keys whose
//! Ed25519 seeds are the SHA-256 of "openapi example device A" and "... B"; pairing code
//! `K7P2-9XQ4`): the contract tests verify them.

use serde_json::{json, Value};

/// An id as the platform writes it: each hex digit of a UUID as a letter, 0 → a … f → p.
pub fn letters(hex: &str) -> String {
    hex.chars()
        .filter_map(|c| c.to_digit(16))
        .filter_map(|d| char::from_u32(u32::from(b'a') + d))
        .collect()
}

pub const CARD: &str = "card_qhzkwmrtbvjyeodnfxlacgpuis";
pub const GRANT_ID: &str = "grant_hkqbvxmeltcozdafr";
pub const QUIRE_TERMS_HASH: &str =
    "7d1320d01caf6d25f5b86b963d748b9d934caa304371e071ff9f3b9ce975779f";
pub const DPK_A: &str = "dpk_Q1jQ72WK7xoT+az6mEepGk1PQNJJcQV5XsIzd4O14O4=";
pub const DPK_B: &str = "dpk_T0ezsl3M4V/r2oBkJ86D25lbhRImmq6qpVY5H+MCf0w=";
pub const PROOF: &str = "f01937adc004787015804a23e67e569e961a6710003a29527c38ad28be1a5e50";

pub fn txn() -> String {
    format!("txn_{}", letters("0193b2d1c7e07a35b6f0d3a1e2c4f500"))
}
pub fn event_1() -> String {
    format!("evt_{}", letters("0193b2d1c7e07a35b6f0d3a1e2c4f501"))
}
pub fn event_2() -> String {
    format!("evt_{}", letters("0193b2d1c7e17b11a4c2e9f0d3b6a702"))
}
pub fn cardholder() -> String {
    format!("ch_{}", letters("0193b2d1b9f07c0e8d1a2b3c4d5e6f70"))
}
pub fn device_a() -> String {
    format!("dev_{}", letters("0193b2d1b9f17d2f9e0a1b2c3d4e5f60"))
}
pub fn device_b() -> String {
    format!("dev_{}", letters("0193b2d1c3a07e4f8b2c3d4e5f607182"))
}

pub fn money() -> Value {
    json!({ "minor": 1234, "currency": "EUR" })
}

pub fn grant() -> Value {
    json!({
        "id": GRANT_ID, "app_id": "app_quire", "card_token": CARD, "scope": "receipts",
        "channels": ["card", "nfc"], "trigger": "authorization", "min_purchase": null,
        "expires_at": null, "status": "active", "terms_version": 3, "pending_terms_version": null,
        "granted_at": "2026-01-05T10:00:00.123Z", "changed_at": "2026-01-05T10:00:00.123Z",
        "version": 1,
    })
}

/// Quire's terms (version 3) in French, as the reference platform serves them.
pub const QUIRE_TERMS_FR: &str = "Quire demande au système d’encaissement du commerçant le détail des paiements que vous autorisez et conserve vos reçus pendant 10 ans (la durée de conservation imposée par le droit fiscal allemand). Les reçus sont chiffrés sur nos serveurs et ne sont partagés avec personne, sauf si vous les transférez.";

/// The directory as a French reader gets it (one app of it), as the reference platform
/// serves it (the contract tests compare).
pub fn app_list_fr() -> Value {
    let hash = consentry_domain::Sha256Digest::of_terms(QUIRE_TERMS_FR).to_hex();
    json!({ "apps": [{
        "id": "app_quire", "name": "Quire Receipts", "publisher": "Quire Labs GmbH",
        "description": "Des reçus numériques détaillés pour chaque paiement par carte, dès que vous payez : prêts pour les retours, les garanties et les notes de frais, et fini le papier thermique.",
        "category": "Reçus", "requested_scopes": ["receipts"],
        "terms": { "version": 3, "text": QUIRE_TERMS_FR, "language": "fr", "published_at": "2026-01-05T09:00:00.000Z", "hash": hash },
        "fee_model": { "kind": "per_event", "amount": { "minor": 10, "currency": "EUR" }, "per": "receipts" },
        "fee_description": "0,10\u{202F}€ par reçu",
        "privacy_url": "https://quire.example/datenschutz", "website_url": "https://quire.example",
    }] })
}

pub fn card() -> Value {
    json!({
        "token": CARD, "brand": "visa", "last4": "4242", "expiration": { "month": 12, "year": 2030 },
        "nickname": "Everyday Visa", "status": "active", "created_at": "2026-01-05T09:58:12.004Z",
    })
}

pub fn devices() -> Value {
    json!({ "devices": [
        { "device_id": device_a(), "name": "Laptop", "enrolled_at": "2026-01-05T09:57:40.120Z", "removed_at": null, "this_device": true },
        { "device_id": device_b(), "name": "Desktop", "enrolled_at": "2026-01-06T18:02:11.530Z", "removed_at": null, "this_device": false },
    ] })
}

/// `signs_until`: set on a retired key still co-signing (the rotation's overlap).
fn key_0(status: &str, signs_until: Option<&str>) -> Value {
    json!({
        "key_id": "key_oppdnjnnfpoccnad", "algorithm": "ed25519", "scheme": "v1a",
        "public_key": "whpk_AgguGhvQtltq66SD47BINIJhV6ilbd0vgsBHoxz4C1Q=", "status": status,
        "created_at": "2026-01-01T00:00:00.000Z", "endorsement": null, "signs_until": signs_until,
    })
}

fn key_1(status: &str) -> Value {
    json!({
        "key_id": "key_hjlongbfcmcklkpa", "algorithm": "ed25519", "scheme": "v1a",
        "public_key": "whpk_WiPd9g4iEPpr6w/u0WUNnBuuU5ffxBAV16EnvHoN8Rs=", "status": status,
        "created_at": "2026-01-01T00:00:00.000Z",
        "endorsement": { "signed_by": "key_oppdnjnnfpoccnad", "signature": "v1a,qyQZAL9Hy8XhhM4vgs5vMOLJGfKzII8NvPCTTG2WPNTlAVVS3tWDlRuSvT8s6QbkF7Un5OUHtXzHuGMbR1IHCQ==" },
        "signs_until": null,
    })
}

pub fn keys() -> Value {
    json!([key_0("active", None), key_1("next")])
}

pub fn keys_rotated() -> Value {
    json!([
        // Rotated on 2026-02-01: the retired key co-signs for the overlap (7 days).
        key_0("retired", Some("2026-02-08T00:00:00.000Z")),
        key_1("active"),
        {
            "key_id": "key_lmkjclengocobfpe", "algorithm": "ed25519", "scheme": "v1a",
            "public_key": "whpk_TmeTWe/LRhpwSwW5mnHOLFPArEdNZv0io2JxAWVafzI=", "status": "next",
            "created_at": "2026-02-01T00:00:00.000Z",
            "endorsement": { "signed_by": "key_hjlongbfcmcklkpa", "signature": "v1a,4sa7x/2RcDZozEKPsf4rKO4PDWHLOlY1kVQ9WJfeev0SpElmsaSmRCC+jPJyPnAcl2dRwHFpQMFy0ffoNp/5Dw==" },
            "signs_until": null,
        },
    ])
}

/// The body of a `points.awarded` event, as signed (keys sorted, no spaces).
pub fn event_body() -> String {
    format!(
        r#"{{"app_id":"app_beanstamp","balance":40,"card_token":"{CARD}","cardholder_id":"{}","delta":12,"id":"{}","occurred_at":"2026-01-05T10:02:00Z","payment":{{"amount":{{"currency":"EUR","minor":1234}},"channel":"nfc","transaction_id":"{}"}},"program":"Bean & Stamp points","type":"points.awarded"}}"#,
        cardholder(),
        event_2(),
        txn(),
    )
}

/// When the feed example delivered [`event_body`] (Unix seconds).
pub const EVENT_2_TIMESTAMP: i64 = 1767607320;

/// The delivery's signature over `{event_2}.{EVENT_2_TIMESTAMP}.{event_body}` by the active
/// example key (`key_oppdnjnnfpoccnad`, the first key of a platform seeded 2013); the
/// contract tests verify it, and every other signature of the document.
pub const EVENT_2_SIGNATURE: &str =
    "v1a,3ZxCXI1fU9ZvzEKxgx2Uc+xHyOdWMRhLVmuy3vf8YiJGc9LYiXTxOSU89aoPSTyNlMaoGGDrmz98/1SPbEk0Dg==";

pub fn transaction() -> Value {
    json!({
        "id": txn(), "card_token": CARD, "amount": money(), "merchant": "Café Lumen", "channel": "nfc",
        "status": "authorized", "commission": { "minor": 29, "currency": "EUR" },
        "authorized_at": "2026-01-05T10:02:00.000Z", "settle_at": null, "finalized_at": null,
    })
}

pub fn link_root() -> Value {
    json!({
        "cardholder_id": cardholder(), "device_id": device_a(), "public_key": DPK_A,
        "added_by": device_a(), "added_at": "2026-01-05T09:58:00.000Z",
        "signature": "v1a,CYuezeVRLBI4StF17q6UY3HOfxiQiCPYfQ7zaGCe3Zn0VGRGfdgpdRn5ppm8MuZJ3yVuC1RF/qVW5OSostvhDQ==",
    })
}

pub fn link_b() -> Value {
    json!({
        "cardholder_id": cardholder(), "device_id": device_b(), "public_key": DPK_B,
        "added_by": device_a(), "added_at": "2026-01-05T10:06:00.000Z",
        "signature": "v1a,fB3h53OLT60W/2KNkKu7Jfp8LZw5wO11nc1QPsLT1C6aF9czWnOvgt6T3MmgDdWRuNcn/Q/nuJTYAD1VvtApDA==",
        "pairing_receipt": "544750bea35a2cf7dfabcd94476dd2d5d3aeda561f6702cdbc4c670937471a93",
    })
}

pub fn pairing() -> Value {
    json!({
        "device_id": device_b(), "device_name": "Ada's phone", "public_key": DPK_B, "proof": PROOF,
        "created_at": "2026-01-05T10:05:12.345Z",
    })
}

/// A signed change: the grant example's statement with `changes` applied.
fn signed(signature: &str, changes: Value) -> Value {
    let mut statement = json!({
        "grant_id": GRANT_ID, "action": "grant", "app_id": "app_quire", "card_token": CARD,
        "scope": "receipts", "channels": ["card", "nfc"], "trigger": "authorization",
        "min_purchase": null, "expires_at": null, "terms_version": 3,
        "terms_hash": QUIRE_TERMS_HASH, "base_version": 0, "at": "2026-01-05T10:00:00.123Z",
        "device_id": device_a(),
    });
    if let (Some(statement), Some(changes)) = (statement.as_object_mut(), changes.as_object()) {
        for (key, value) in changes {
            statement.insert(key.clone(), value.clone());
        }
    }
    json!({ "statement": statement, "signature": signature })
}

pub fn signed_grant() -> Value {
    signed("v1a,9q2Hrhb6o0ddvVNPdsDRGC/Rr418WoOlcc5jq4YZC6GL07m5gnqdt6CPUEg/tWYnV0bKfYg8pYl7iYkqhlQcCQ==", json!({}))
}

pub fn signed_revoke() -> Value {
    signed(
        "v1a,/5VqWfQduP6xNpiorpyGGaT8r2dCbSLvdtIdU9pfX8WysQA4fydwiM6McErO3S+Z0x1MQWBtY4rPKRriM0k+Bg==",
        json!({ "action": "revoke", "base_version": 1, "at": "2026-01-05T10:10:00.000Z", "device_id": device_b() }),
    )
}

pub fn signed_renew() -> Value {
    signed(
        "v1a,K05p9k+1Be+uHPU2+AN7E2CSOYAJ5h3K2Yungu8ZdtbPH98Zrx2XVY2vF04A8Lh98dO99U1kgrFy4QBGvwphDg==",
        json!({ "action": "renew", "base_version": 2, "expires_at": "2027-01-01T00:00:00.000Z", "at": "2026-01-06T08:00:00.000Z" }),
    )
}

pub fn signed_reconsent() -> Value {
    signed(
        "v1a,0JLR9zSCInumd1WpjdSVtCkEdyUGbCw2vrrRVtXXbgS+mC/ejxHNdKxQQSzRKrtpXX91aXvurXj+0Hi1hNgOAQ==",
        json!({ "action": "reconsent", "base_version": 3, "terms_version": 4, "terms_hash": "1c7de08df71039a876eec9b29768316ee1d229d87882157ef04baa4098cfe259", "at": "2026-02-01T12:00:00.000Z" }),
    )
}

pub fn data_request() -> Value {
    json!({
        "id": format!("dsr_{}", letters("0193b2d1d0007e1f8a9b0c1d2e3f4a50")), "app_id": "app_beanstamp",
        "kind": "access", "status": "received", "created_at": "2026-01-05T11:00:00.000Z",
        "due_at": "2026-02-04T11:00:00.000Z", "updated_at": "2026-01-05T11:00:00.000Z",
    })
}

/// An error body.
pub fn error(code: &str, message: &str) -> Value {
    json!({ "code": code, "message": message })
}

/// The error for a card number in a text field.
pub fn card_number_in(field: &str) -> Value {
    json!({
        "code": "card_number_in_text",
        "message": format!("{field} seems to contain a card number; the platform stores no card number outside tokenization: remove it"),
        "field": field,
    })
}
