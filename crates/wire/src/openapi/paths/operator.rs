//! The operator's controls (admin token).

use serde_json::{json, Value};

use super::{e, ex, ok, pan_text, path_param, with_errors, Op};

pub(super) fn add(put: &mut impl FnMut(&str, Value)) {
    put(
        "/v1/admin/faults",
        json!({
            "get": Op::new("getFaults", "Current fault injection (operator)", "operator")
                .admin()
                .responses(with_errors(vec![ok(200, "The faults in force.", "FaultConfig", &[])], &[])),
            "put": Op::new("setFaults", "Set fault injection (operator)", "operator")
                .describe("Replaces the whole configuration (absent fields: no fault) and restarts the seeded generator. Applies to the cardholder API and feed, never to operator endpoints, `/healthz` or `/openapi.json`.")
                .body("FaultConfig", &[
                    ("flaky network", json!({ "seed": 42, "error_rate": 0.2, "latency_ms": 150, "drop_after_commit_rate": 0.1 })),
                    ("hostile feed", json!({ "duplicate_rate": 0.3, "out_of_order_rate": 1, "stale_timestamp_rate": 0.1, "bad_signature_event_types": ["social.posted"] })),
                    ("off", json!({})),
                ])
                .admin()
                .responses(with_errors(
                    vec![ok(200, "The faults now in force.", "FaultConfig", &[])],
                    &[(422, "A rate outside 0–1, a bound exceeded, or an event id or type holding a card number.", vec![e("invalid_faults", "error_rate must be between 0 and 1, got 2"), pan_text("bad_signature_event_ids")])],
                )),
        }),
    );
    put(
        "/v1/admin/clock",
        json!({ "post": Op::new("advanceClock", "Move the platform clock forward (operator)", "operator")
        .describe("For tests: expire grants or reach settlement dates without waiting.")
        .body("AdvanceClock", &[("an hour", json!({ "advance_seconds": 3600 }))])
        .admin()
        .responses(with_errors(
            vec![ok(200, "The new time; due settlements were run.", "ClockState", &[])],
            &[(422, "Negative or too far.", vec![e("invalid_clock", "advance_seconds must be 0 to 315360000; the clock never goes back")])],
        )) }),
    );
    put(
        "/v1/admin/apps/{app_id}/rogue-event",
        json!({ "post": Op::new("sendRogueEvent", "Make an app ignore consent once (operator)", "operator")
        .describe("For demos and tests of a wallet's judgement: the app reacts to the card's latest purchase in `scope`, granted or not. The event is signed like any other; a wallet flags it by checking it against its own ledger.")
        .params(json!([path_param("app_id", "The app that misbehaves, e.g. `app_tastemaker`.", None)]))
        .body("RogueEvent", &[("an unconsented post", json!({ "card_token": "tok_4242", "scope": "social_posts" }))])
        .admin()
        .responses(with_errors(
            vec![ok(201, "Sent: the events are in the cardholder's feed.", "RogueEventSent", &[])],
            &[
                (404, "No such app.", vec![e("app_not_found", "no app with this id")]),
                (409, "The card has no purchase yet.", vec![e("no_purchase", "no purchase on this card yet: the app needs one to react to")]),
                (422, "A card number where a token belongs.", vec![pan_text("card_token")]),
            ],
        )) }),
    );
    put(
        "/v1/admin/apps/{app_id}/unrewarded-purchase",
        json!({ "post": Op::new("recordUnrewardedPurchase", "Record a past purchase an app did not reward (operator)", "operator")
        .describe("For demos and tests of a wallet's missing-reward claims: a purchase on a linked card, authorized and settled at `settled_at` (its events carry that date; the feed delivers them now, so a wallet sees them arrive late). The other apps react as their grants allowed at that time; this app, which held an active cashback grant covering the purchase then, does nothing (its decisions say `withheld`). Refused when the app held no such grant at `settled_at`: the wallet judges the claim against its own ledger, and a purchase from before the grant owes nothing.")
        .params(json!([path_param("app_id", "The app that withholds its cashback, e.g. `app_cashcove`.", None)]))
        .body("UnrewardedPurchase", &[("three days ago", json!({ "card_token": "tok_4242", "amount": { "minor": 2490, "currency": "EUR" }, "merchant": "Marché Frais", "channel": "card", "settled_at": "2026-11-28T10:00:00.000Z" }))])
        .admin()
        .responses(with_errors(
            vec![ok(201, "Recorded and settled: the events are in the cardholder's feed. `decisions` covers both steps.", "StepResult", &[])],
            &[
                (404, "No such app.", vec![e("app_not_found", "no app with this id")]),
                (409, "The app held no active cashback grant covering this purchase at `settled_at`.", vec![e("no_cashback_grant", "the app held no active cashback grant covering this purchase on this card at settled_at")]),
                (422, "Not a linked card, a date in the future or more than 90 days back, an invalid amount or merchant, or a card number where a token belongs.", vec![
                    e("card_not_found", "no linked card with this card_token"),
                    e("invalid_settled_at", "settled_at must be in the past, at most 90 days back"),
                    pan_text("card_token"),
                ]),
            ],
        )) }),
    );
    put(
        "/v1/admin/keys/rotate",
        json!({ "post": Op::new("rotateKeys", "Rotate the signing keys (operator)", "operator")
        .describe("The new next key carries an `endorsement` by the key that just became active, so wallets that trust the active key accept it.")
        .admin()
        .responses(with_errors(vec![ok(200, "active → retired, next → active, a new next, endorsed by the new active key. The retired key co-signs every delivery until its `signs_until` (the overlap).", "KeyList", &[("after one rotation", json!({ "keys": ex::keys_rotated() }))])], &[])) }),
    );
}
