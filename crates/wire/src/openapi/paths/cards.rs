//! Linked cards.

use serde_json::{json, Value};

use super::{e, ex, ok, pan_text, path_param, with_errors, Op};

pub(super) fn add(put: &mut impl FnMut(&str, Value)) {
    put(
        "/v1/cards",
        json!({
            "post": Op::new("linkCard", "Link (tokenize) a card", "cards")
                .describe("Checks the number (digits, length for the brand, Luhn), the brand (Visa, Mastercard, American Express, Discover) and the expiry. The number is used only to tokenize and is never stored or logged. One token per card per cardholder: linking a number this cardholder already has linked (from any of its devices) changes nothing and answers 200 with that card, so every device names it the same; the platform recognises it by a keyed fingerprint (HMAC-SHA-256 under a key it keeps), never by the number. Codes: `card_number_invalid`, `card_number_length`, `card_number_luhn`, `card_brand_unsupported`, `expiration_invalid`, `card_expired`, `invalid_nickname`, `card_number_in_text` (a card number in `nickname`: only `number` may hold one).")
                .body("LinkCardRequest", &[("visa", json!({ "number": "4242 4242 4242 4242", "expiration": { "month": 12, "year": 2030 }, "nickname": "Everyday Visa" }))])
                .responses(with_errors(
                    vec![
                        ok(201, "Linked.", "Card", &[("linked", ex::card())]),
                        ok(200, "Already linked by this cardholder: the card it has (its nickname unchanged).", "Card", &[("existing", ex::card())]),
                    ],
                    &[(422, "The number or expiry is not acceptable, or the nickname holds a card number; `code` says precisely why.", vec![e("card_number_luhn", "the card number is mistyped (its check digit does not match)"), pan_text("nickname")])],
                )),
            "get": Op::new("listCards", "The cardholder's linked cards", "cards")
                .responses(with_errors(vec![ok(200, "Active cards, oldest first.", "CardList", &[("cards", json!({ "cards": [ex::card()] }))])], &[])),
        }),
    );
    put(
        "/v1/cards/{token}",
        json!({
            "patch": Op::new("renameCard", "Rename a card", "cards")
                .describe("Sets the nickname every device of the cardholder shows (each hears of it through `card.changed`). Renaming to the current name changes nothing and sends nothing. Codes: `invalid_nickname` (over 40 characters), `card_number_in_text`.")
                .params(json!([path_param("token", "The card token.", None)]))
                .body("RenameCardRequest", &[("rename", json!({ "nickname": "Groceries" })), ("clear", json!({ "nickname": null }))])
                .responses(with_errors(
                    vec![ok(200, "Renamed: the card as it now is.", "Card", &[("renamed", ex::card())])],
                    &[
                        (404, "No active card with this token.", vec![e("card_not_found", "no linked card with this token")]),
                        (422, "The nickname is too long or holds a card number.", vec![e("invalid_nickname", "nickname must be at most 40 characters"), pan_text("nickname")]),
                    ],
                )),
            "delete": Op::new("removeCard", "Unlink a card", "cards")
                .params(json!([path_param("token", "The card token.", None)]))
                .responses(with_errors(
                    vec![ok(200, "Removed. Its grants are revoked, each with a `consent.changed` event to every device, and every device hears `card.changed` (`unlinked`).", "Card", &[])],
                    &[(404, "No active card with this token.", vec![e("card_not_found", "no linked card with this token")])],
                )),
        }),
    );
}
