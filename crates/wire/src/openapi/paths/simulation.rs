//! Currencies and the simulated card payments (the test and demo entry points).

use serde_json::{json, Value};

use super::{e, ex, ok, pan_text, with_errors, Op};

pub(super) fn add(put: &mut impl FnMut(&str, Value)) {
    let currencies = crate::currencies::accepted();
    let listed: Vec<&crate::CurrencyInfo> = currencies
        .currencies
        .iter()
        .filter(|c| ["EUR", "JPY", "KWD"].contains(&c.code.as_str()))
        .collect();
    put(
        "/v1/currencies",
        json!({ "get": Op::new("listCurrencies", "The currencies amounts may be in", "simulation")
        .describe("Every ISO 4217 code the platform accepts in `Money.currency` (any other is refused: 422 `invalid_body`), with its exponent (`minor` = amount × 10^exponent) and the bounds of a simulated purchase in it (`POST /v1/simulate/purchase`: `min_purchase_minor` ≤ `minor` ≤ `max_purchase_minor`, else 422 `invalid_amount`). The document's `Money` and `PurchaseAmount` schemas state exactly these codes and bounds.")
        .public()
        .responses(with_errors(vec![ok(200, "Every accepted currency, by code.", "CurrencyList", &[
            ("three of them", json!({ "currencies": listed })),
        ])], &[])) }),
    );
    let authorized = json!({
        "transaction": ex::transaction(),
        "event_ids": [ex::event_1(), ex::event_2()],
        "decisions": [
            { "grant_id": ex::GRANT_ID, "app_id": "app_quire", "scope": "receipts", "outcome": "reacted", "event_ids": [ex::event_2()] },
            { "grant_id": "g-cashback", "app_id": "app_cashcove", "scope": "cashback", "outcome": "skipped", "reason": "below_minimum", "event_ids": [] },
        ],
    });
    put(
        "/v1/simulate/purchase",
        json!({ "post": Op::new("simulatePurchase", "Simulate a card payment (authorization now)", "simulation")
        .describe("The test and demo entry point. Emits `transaction.authorized` (with the platform's commission), then, for every grant on the card that matches — same card, granted scope, the payment's channel, trigger `authorization`, at or above the minimum purchase (same currency), not expired, not revoked, terms current — the app's event: `receipt.issued`, `points.awarded`, `cashback.pending`, `offer.issued` or `offer.redeemed`, `recommendation.made`, `social.posted`. Apps without such a grant get nothing. Settlement (or reversal) comes later: after `settle_after_ms`, or on `POST /v1/simulate/settle` / `reverse`.")
        .body("PurchaseRequest", &[
            ("coffee", json!({ "card_token": ex::CARD, "amount": ex::money(), "merchant": "Café Lumen", "channel": "nfc" })),
            ("settles in a minute", json!({ "card_token": ex::CARD, "amount": { "minor": 4599, "currency": "USD" }, "merchant": "Sunset Diner", "channel": "card", "settle_after_ms": 60000 })),
        ])
        .responses(with_errors(
            vec![ok(201, "Authorized. `decisions` tells, per grant on the card, whether its app reacted and why not.", "StepResult", &[("authorized", authorized)])],
            &[(422, "Invalid purchase; `card_number_in_text` when `merchant` holds a card number.", vec![e("card_not_found", "no linked card with this card_token"), pan_text("merchant")])],
        )) }),
    );
    for (name, verb, description) in [
        ("settle", "Settle", "Emits `transaction.settled` (final commission), the events of grants with trigger `settlement`, and `cashback.paid` for pending cashback whose grant is still active."),
        ("reverse", "Reverse", "Emits `transaction.reversed` (commission zero); pending cashback is cancelled and no app reacts."),
    ] {
        put(&format!("/v1/simulate/{name}"), json!({ "post": Op::new(&format!("simulate{verb}"), &format!("{verb} an authorized transaction now"), "simulation")
            .describe(description)
            .body("TransactionRef", &[("transaction", json!({ "transaction_id": ex::txn() }))])
            .responses(with_errors(
                vec![ok(200, &format!("{verb}d."), "StepResult", &[])],
                &[
                    (404, "No such transaction of this cardholder.", vec![e("transaction_not_found", "no transaction with this id")]),
                    (409, "Already settled or reversed; `transaction` is its state.", vec![e("transaction_not_pending", "the transaction is already settled")]),
                ],
            )) }));
    }
}
