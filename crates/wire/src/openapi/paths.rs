//! Every operation of the platform: parameters, request bodies, responses and examples.

use serde_json::{json, Map, Value};

use super::examples::{self as ex, card_number_in as pan_text, error as e};
use super::{json_content, schema_ref};

/// One operation, built up field by field.
struct Op(Map<String, Value>);

impl Op {
    fn new(id: &str, summary: &str, tag: &str) -> Op {
        let mut map = Map::new();
        map.insert("operationId".into(), id.into());
        map.insert("summary".into(), summary.into());
        map.insert("tags".into(), json!([tag]));
        Op(map)
    }

    fn set(mut self, key: &str, value: Value) -> Op {
        self.0.insert(key.into(), value);
        self
    }

    fn describe(self, description: &str) -> Op {
        self.set("description", description.into())
    }

    fn body(self, schema: &str, examples: &[(&str, Value)]) -> Op {
        self.set(
            "requestBody",
            json!({ "required": true, "content": json_content(schema_ref(schema), examples) }),
        )
    }

    fn params(self, params: Value) -> Op {
        self.set("parameters", params)
    }

    fn public(self) -> Op {
        self.set("security", json!([]))
    }

    fn admin(self) -> Op {
        self.set("security", json!([{ "adminToken": [] }]))
    }

    fn responses(self, responses: Vec<(String, Value)>) -> Value {
        let responses: Map<String, Value> = responses.into_iter().collect();
        Value::Object(self.set("responses", Value::Object(responses)).0)
    }
}

fn ok(status: u16, description: &str, schema: &str, examples: &[(&str, Value)]) -> (String, Value) {
    (
        status.to_string(),
        json!({ "description": description, "content": json_content(schema_ref(schema), examples) }),
    )
}

/// The responses of an operation: its own (success and specific errors) plus `429`, `4XX`
/// and `500`.
fn with_errors(
    mut own: Vec<(String, Value)>,
    specific: &[(u16, &str, Vec<Value>)],
) -> Vec<(String, Value)> {
    for (status, description, errors) in specific {
        let examples: Vec<(&str, Value)> = errors
            .iter()
            .map(|error| (error["code"].as_str().unwrap_or_default(), error.clone()))
            .collect();
        own.push((status.to_string(), json!({ "description": description, "content": json_content(schema_ref("Error"), &examples) })));
    }
    own.push((
        "429".into(),
        json!({ "$ref": "#/components/responses/RateLimited" }),
    ));
    own.push((
        "4XX".into(),
        json!({ "$ref": "#/components/responses/Error" }),
    ));
    own.push((
        "500".into(),
        json!({ "$ref": "#/components/responses/ServerError" }),
    ));
    own
}

fn path_param(name: &str, description: &str, pattern: Option<&str>) -> Value {
    let mut schema = json!({ "type": "string" });
    if let Some(pattern) = pattern {
        schema["pattern"] = pattern.into();
    }
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": schema })
}

pub fn paths() -> Value {
    let mut paths = Map::new();
    let mut put = |path: &str, item: Value| {
        paths.insert(path.into(), item);
    };
    put(
        "/v1/enroll",
        json!({ "post": Op::new("enroll", "Enroll a device (and create a cardholder)", "devices")
        .describe("Without credentials: creates a cardholder and its first device. With `cardholder_id` and `cardholder_secret`: adds a device to that cardholder. Returns the device's bearer token and the public keys that sign the event feed.")
        .body("EnrollRequest", &[
            ("new cardholder", json!({ "device_name": "Ada's laptop" })),
            ("second device", json!({ "device_name": "Ada's phone", "cardholder_id": ex::cardholder(), "cardholder_secret": "chs_elbo…" })),
        ])
        .public()
        .responses(with_errors(
            vec![ok(201, "Enrolled. Keep `token` (and, for a new cardholder, `cardholder_secret`).", "Enrollment", &[("new cardholder", json!({
                "cardholder_id": ex::cardholder(), "cardholder_secret": "chs_elbo…", "device_id": ex::device_a(), "token": "cst_jbceljfo…", "signing_keys": ex::keys(),
            }))])],
            &[
                (401, "Wrong cardholder id or secret.", vec![e("invalid_credentials", "the cardholder id or secret is wrong")]),
                (422, "Invalid request; `card_number_in_text` when `device_name` holds a card number.", vec![e("invalid_device_name", "device_name must be 1 to 80 characters"), pan_text("device_name")]),
            ],
        )) }),
    );
    put(
        "/v1/keys",
        json!({ "get": Op::new("listKeys", "The public keys that sign the event feed", "devices")
        .describe("A wallet pins the keys it received at enrollment and accepts a key listed here only when its `endorsement` verifies under a key it already trusts (see `KeyEndorsement`). Fetch this list again when a delivery does not verify under any trusted key (signatures name no key): once per sync pass, however many deliveries failed; then verify again and reject what still fails.")
        .public()
        .responses(with_errors(vec![ok(200, "Active, next and last retired key, each (but the platform's first key) with its endorsement.", "KeyList", &[
            ("keys", json!({ "keys": ex::keys() })),
            ("after one rotation", json!({ "keys": ex::keys_rotated() })),
        ])], &[])) }),
    );
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
    put(
        "/v1/devices/chain",
        json!({
            "get": Op::new("getDeviceChain", "The cardholder's device chain", "devices")
                .describe("The device keys the cardholder's consent changes may be signed with. Do not trust it because the platform serves it: verify it yourself (the root signed by its own key, each later link by a device earlier in the chain, one link per device, all for your cardholder), starting from the root device your wallet pinned when it joined.")
                .responses(with_errors(vec![ok(200, "Every link, root first; empty until the first device posts its root.", "DeviceChain", &[
                    ("two devices", json!({ "links": [ex::link_root(), ex::link_b()] })),
                    ("none yet", json!({ "links": [] })),
                ])], &[])),
            "post": Op::new("addDeviceLink", "Add a device to the device chain", "devices")
                .describe("The first device of a cardholder posts its own link (`added_by` = `device_id` = the caller) right after enrolling: the root. Every later device joins on a link signed by a device already in the chain, usually after pairing (`/v1/devices/pairings`); either device may post it. The platform refuses a link that does not extend the chain validly, but cannot make one: it holds no device key.")
                .body("DeviceLink", &[("root", ex::link_root()), ("second device", ex::link_b())])
                .responses(with_errors(
                    vec![
                        ok(200, "This exact link is in the chain already (a retry): the chain.", "DeviceChain", &[]),
                        ok(201, "Added; the device's pending pairing request is gone. The whole chain.", "DeviceChain", &[
                            ("root", json!({ "links": [ex::link_root()] })),
                            ("second device", json!({ "links": [ex::link_root(), ex::link_b()] })),
                        ]),
                    ],
                    &[
                        (409, "The device already has another link in the chain.", vec![e("device_already_linked", "this device already has a link in the chain")]),
                        (422, "Checked in this order: `other_cardholder` (the link names another cardholder than the caller's), `unknown_device` (`device_id` is no enrolled device of the cardholder), `bad_root` (the chain is empty and the link is not the caller's own, signed by itself), `unknown_signer` (`added_by` is not in the chain), `bad_device_signature` (the chain with this link does not verify); `invalid_body` for a body that is no link.", vec![
                            e("bad_root", "the chain is empty: its first link must be the calling device's own, signed by itself (added_by = device_id)"),
                            e("unknown_signer", "added_by is not a device in the chain; a device already in it must sign the new link"),
                            e("bad_device_signature", "the link does not verify: the signature does not verify"),
                        ]),
                    ],
                )),
        }),
    );
    put(
        "/v1/devices",
        json!({ "get": Op::new("listDevices", "The cardholder's devices", "devices")
            .describe("Names for the device ids that consent changes and `card.changed` events carry, and which devices were removed.")
            .responses(with_errors(vec![ok(200, "Every device, removed ones included, oldest first.", "DeviceList", &[("two devices", ex::devices())])], &[])) }),
    );
    put(
        "/v1/devices/{device_id}",
        json!({ "delete": Op::new("removeDevice", "Remove another device of the cardholder", "devices")
            .describe("For a lost or sold device: its token stops working at once (`401`), so the platform takes no change from it any more; wallets refuse a consent change it signed at or after `removed_at`. A device cannot remove itself (`cannot_remove_self`); removing a removed device changes nothing.")
            .params(json!([path_param("device_id", "The device to remove.", None)]))
            .responses(with_errors(
                vec![ok(200, "Removed: every device, as `GET /v1/devices` now lists them.", "DeviceList", &[])],
                &[
                    (404, "No device of the cardholder has this id.", vec![e("device_not_found", "the cardholder has no device with this id")]),
                    (409, "The caller named itself.", vec![e("cannot_remove_self", "a device cannot remove itself; remove it from another device")]),
                ],
            )) }),
    );
    put(
        "/v1/devices/pairings",
        json!({
            "post": Op::new("requestPairing", "Ask to join the device chain (from the new device)", "devices")
                .describe("A device in the chain shows a pairing code; the new device, enrolled with the cardholder secret, posts its public key and the proof it computes from that code. The platform never sees the code and never checks the proof.")
                .body("PairingRequest", &[("code K7P2-9XQ4", json!({ "public_key": ex::DPK_B, "proof": ex::PROOF }))])
                .responses(with_errors(
                    vec![ok(201, "Stored, replacing this device's earlier request.", "Pairing", &[("pending", ex::pairing())])],
                    &[
                        (409, "The caller is already in the chain.", vec![e("device_already_linked", "this device is already in the chain; it needs no pairing")]),
                        (422, "`public_key` is no `dpk_` Ed25519 key, or `proof` is not 64 lowercase hex characters.", vec![e("invalid_pairing", "proof must be 64 lowercase hex characters (HMAC-SHA256 of the pairing code)")]),
                    ],
                )),
            "get": Op::new("listPairings", "Pending requests to join the device chain", "devices")
                .describe("The device that showed the code recomputes the proof for each request (its code, the cardholder, the request's `device_id` and `public_key`), compares in constant time, and only on a match posts the link it signs for that key (`POST /v1/devices/chain`).")
                .responses(with_errors(vec![ok(200, "Requests of the cardholder's devices not in the chain, oldest first.", "PairingList", &[
                    ("one", json!({ "pairings": [ex::pairing()] })),
                    ("none", json!({ "pairings": [] })),
                ])], &[])),
        }),
    );
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
    put(
        "/v1/apps",
        json!({ "get": Op::new("listApps", "The app directory", "apps")
        .describe("Descriptions, categories, fees and terms in the language `Accept-Language` asks for among those the platform has (`en`, `fr`; English when it asks for none of them, or unreadably). A text the platform lacks in that language comes in English: `terms.language` says which language `terms.text` is in, and `terms.hash` is the hash of that text — the one a consent statement signs.")
        .responses(with_errors(vec![language_ok(200, "Every app, with its requested scopes, current terms and fee model.", "AppList", &[("in French", ex::app_list_fr())])], &[])) }),
    );
    put(
        "/v1/apps/{app_id}/terms",
        json!({ "post": Op::new("publishTerms", "Publish new terms for an app (operator)", "operator")
        .describe("`text` is the English text; `translations` (optional) gives the same terms in the platform's other languages. Each reader is served the text in their language (English where there is no translation), and a consent statement for this version may carry the hash of any of its texts.")
        .params(json!([path_param("app_id", "The app id, e.g. `app_beanstamp`.", None)]))
        .body("PublishTerms", &[
            ("new terms", json!({ "version": 4, "text": "We now also read the time of day of your purchases." })),
            ("with a translation", json!({ "version": 4, "text": "We now also read the time of day of your purchases.", "translations": { "fr": "Nous lisons désormais aussi l’heure de vos achats." } })),
        ])
        .admin()
        .responses(with_errors(
            vec![language_ok(200, "Published (the app as the operator's `Accept-Language` reads it). Every card holding a grant for the app gets `app.terms_changed` with the hash of the text in its cardholder's language; its active grants become `needs_reconsent` (`consent.changed`).", "App", &[])],
            &[
                (404, "Unknown app.", vec![e("app_not_found", "no app with this id")]),
                (422, "Not a newer version, an empty or too long text, a translation into a language the platform does not serve, or text holding a card number.", vec![
                    e("terms_not_newer", "the current terms are version 3; publish a higher version"),
                    e("invalid_terms", "translations.fr must be 1 to 20000 characters"),
                    e("unsupported_language", "translations may be in: fr (`text` is the English text)"),
                    pan_text("text"),
                ]),
            ],
        )) }),
    );
    let mut listed = ex::grant();
    listed["signed"] = ex::signed_grant();
    put(
        "/v1/grants",
        json!({ "get": Op::new("listGrants", "Every grant of the cardholder", "grants")
        .describe("Verify each `signed` under the device chain and check that it produced the grant beside it; a grant whose `signed` is `null` is in a state the platform set (new terms, an unlinked card), never one that grants more.")
        .responses(with_errors(vec![ok(200, "All grants in any status, each with the signed change that produced it, for reconciliation across devices.", "GrantList", &[("grants", json!({ "grants": [listed] }))])], &[])) }),
    );
    put("/v1/grants/{grant_id}", json!({ "put": put_grant() }));
    put(
        "/v1/events",
        json!({ "get": Op::new("listEvents", "The cardholder's signed event feed", "events")
        .describe("Ordered and resumable: pass the last `next_cursor` as `after`. With `wait`, an empty result is held open until an event arrives or `wait` seconds pass (long-poll). Every item is signed at delivery (Standard Webhooks, `v1a`): verify against the published keys, check the timestamp, deduplicate by id.")
        .params(json!([
            { "name": "after", "in": "query", "required": false, "description": "Cursor from a previous page; absent or empty: from the beginning.", "schema": { "type": "string", "pattern": "^[0-9]*$" } },
            { "name": "limit", "in": "query", "required": false, "description": "Page size.", "schema": { "type": "integer", "minimum": 1, "maximum": 500, "default": 100 } },
            { "name": "wait", "in": "query", "required": false, "description": "Long-poll up to this many seconds when there is nothing new.", "schema": { "type": "integer", "minimum": 0, "maximum": 30, "default": 0 } },
        ]))
        .responses(with_errors(
            vec![ok(200, "A page of deliveries, in feed order (unless a fault reorders them).", "FeedPage", &[("page", json!({
                "events": [{ "id": ex::event_2(), "cursor": "42", "timestamp": ex::EVENT_2_TIMESTAMP, "body": ex::event_body(), "signature": ex::EVENT_2_SIGNATURE }],
                "next_cursor": "42", "has_more": false,
            }))])],
            &[(400, "Bad cursor or parameter.", vec![e("invalid_cursor", "`after` must be a cursor from a previous page")])],
        )) }),
    );
    let body: Value = serde_json::from_str(&ex::event_body()).unwrap_or_default();
    put(
        "/v1/events/{event_id}",
        json!({ "get": Op::new("getEvent", "One event, as a Standard Webhooks message", "events")
        .params(json!([path_param("event_id", "The event id.", None)]))
        .responses(with_errors(
            vec![("200".into(), json!({
                "description": "The raw event body; the signature is in the headers.",
                "headers": {
                    "webhook-id": { "required": true, "schema": { "type": "string" }, "description": "The event id." },
                    "webhook-timestamp": { "required": true, "schema": { "type": "string", "pattern": "^[0-9]+$" }, "description": "Delivery time, Unix seconds." },
                    "webhook-signature": { "required": true, "schema": { "type": "string", "pattern": "^v1a," }, "description": "`v1a,<base64>` over `{id}.{timestamp}.{body}`; during a rotation's overlap two, space-separated (the active key's first)." },
                },
                "content": json_content(schema_ref("Event"), &[("points", body)]),
            }))],
            &[(404, "Not in this cardholder's feed.", vec![e("event_not_found", "no such event in your feed")])],
        )) }),
    );
    simulation(&mut put);
    let data_request = ex::data_request();
    put(
        "/v1/data-requests",
        json!({
            "post": Op::new("createDataRequest", "Ask an app for a copy of, or the deletion of, my data", "privacy")
                .body("NewDataRequest", &[("access", json!({ "app_id": "app_beanstamp", "kind": "access" })), ("deletion", json!({ "app_id": "app_tastemaker", "kind": "deletion" }))])
                .responses(with_errors(
                    vec![ok(201, "Received; due within a month.", "DataRequest", &[("access", data_request.clone())])],
                    &[(422, "Unknown app or kind.", vec![e("app_not_found", "no app with this app_id")])],
                )),
            "get": Op::new("listDataRequests", "My data requests and their status", "privacy")
                .responses(with_errors(vec![ok(200, "Oldest first.", "DataRequestList", &[("list", json!({ "data_requests": [data_request] }))])], &[])),
        }),
    );
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
    put(
        "/openapi.json",
        json!({ "get": Op::new("getOpenApi", "This document", "meta")
        .public()
        .responses(vec![("200".into(), json!({ "description": "The OpenAPI 3.1 document.", "content": { "application/json": { "schema": { "type": "object" } } } }))]) }),
    );
    put(
        "/healthz",
        json!({ "get": Op::new("health", "Liveness", "meta")
        .public()
        .responses(vec![ok(200, "Serving.", "Health", &[("ok", json!({ "status": "ok" }))])]) }),
    );
    accept_language(&mut paths);
    links(&mut paths);
    Value::Object(paths)
}

/// `(source operation, its statuses, link name, target operation, parameters, request body,
/// description)`.
type Link<'a> = (
    &'a str,
    &'a [&'a str],
    &'a str,
    &'a str,
    &'a Value,
    &'a Value,
    &'a str,
);

/// The main flows as OpenAPI `links`, so a stateful tester (or a reader) can chain them:
/// enroll → link a card (or list the cards) → simulate a purchase → settle or reverse it →
/// read its events; a consent change → the grants; a data request → the list. `(source operation, statuses,
/// link name, target operation, parameters, request body)`; a request body here is merged
/// into the rest of the target's body.
fn links(paths: &mut Map<String, Value>) {
    let none = Value::Null;
    let card = json!({ "token": "$response.body#/token" });
    let card_body = json!({ "card_token": "$response.body#/token" });
    let transaction = json!({ "transaction_id": "$response.body#/transaction/id" });
    let first_event = json!({ "event_id": "$response.body#/event_ids/0" });
    let listed_card = json!({ "token": "$response.body#/cards/0/token" });
    let listed_card_body = json!({ "card_token": "$response.body#/cards/0/token" });
    let listed_event = json!({ "event_id": "$response.body#/events/0/id" });
    #[rustfmt::skip]
    let table: Vec<Link<'_>> = vec![
        ("enroll", &["201"], "LinkCard", "linkCard", &none, &none, "Link a card as the new device (with the returned `token` as bearer)."),
        ("enroll", &["201"], "ListKeys", "listKeys", &none, &none, "The keys the feed is signed with, as `signing_keys` listed them."),
        ("linkCard", &["200", "201"], "SimulatePurchase", "simulatePurchase", &none, &card_body, "A purchase on the card just linked."),
        ("linkCard", &["200", "201"], "RenameCard", "renameCard", &card, &none, "Rename the card."),
        ("linkCard", &["200", "201"], "ListCards", "listCards", &none, &none, "The card is among the cardholder's."),
        ("listCards", &["200"], "SimulatePurchase", "simulatePurchase", &none, &listed_card_body, "A purchase on the first card listed."),
        ("listCards", &["200"], "RenameCard", "renameCard", &listed_card, &none, "Rename the first card listed."),
        ("simulatePurchase", &["201"], "SettleTransaction", "simulateSettle", &none, &transaction, "Settle the authorized purchase now."),
        ("simulatePurchase", &["201"], "ReverseTransaction", "simulateReverse", &none, &transaction, "Reverse the authorized purchase now."),
        ("simulatePurchase", &["201"], "GetFirstEvent", "getEvent", &first_event, &none, "The purchase's first event (`transaction.authorized`), signed."),
        ("simulatePurchase", &["201"], "ListEvents", "listEvents", &none, &none, "The feed, where the purchase's events are."),
        ("simulateSettle", &["200"], "GetFirstEvent", "getEvent", &first_event, &none, "The settlement's first event (`transaction.settled`)."),
        ("simulateSettle", &["200"], "ListEvents", "listEvents", &none, &none, "The feed, where the settlement's events are."),
        ("simulateReverse", &["200"], "GetFirstEvent", "getEvent", &first_event, &none, "The reversal's event (`transaction.reversed`)."),
        ("simulateReverse", &["200"], "ListEvents", "listEvents", &none, &none, "The feed, where the reversal's event is."),
        ("listEvents", &["200"], "GetFirstEvent", "getEvent", &listed_event, &none, "The first event of the page, as a Standard Webhooks message."),
        ("applyConsentChange", &["200", "201"], "ListGrants", "listGrants", &none, &none, "The grant as changed, with the signed change that produced it."),
        ("createDataRequest", &["201"], "ListDataRequests", "listDataRequests", &none, &none, "The request among the cardholder's."),
    ];
    let mut by_id = std::collections::BTreeMap::new();
    for (path, item) in paths.iter() {
        for (method, op) in item.as_object().into_iter().flatten() {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                by_id.insert(id.to_owned(), (path.clone(), method.clone()));
            }
        }
    }
    for (source, statuses, name, target, parameters, body, description) in table {
        let Some((path, method)) = by_id.get(source) else {
            continue;
        };
        let mut link = json!({ "operationId": target, "description": description });
        if !parameters.is_null() {
            link["parameters"] = parameters.clone();
        }
        if !body.is_null() {
            link["requestBody"] = body.clone();
        }
        for status in statuses {
            let response = paths
                .get_mut(path.as_str())
                .and_then(|item| item.get_mut(method.as_str()))
                .and_then(|op| op.get_mut("responses"))
                .and_then(|responses| responses.get_mut(*status))
                .and_then(Value::as_object_mut);
            if let Some(response) = response {
                let links = response.entry("links").or_insert_with(|| json!({}));
                links[name] = link.clone();
            }
        }
    }
}

/// A success whose texts are in the negotiated language (`Content-Language`).
fn language_ok(
    status: u16,
    description: &str,
    schema: &str,
    examples: &[(&str, Value)],
) -> (String, Value) {
    let (status, mut response) = ok(status, description, schema, examples);
    response["headers"] = json!({
        "Content-Language": { "$ref": "#/components/headers/ContentLanguage" },
        "Vary": { "$ref": "#/components/headers/VaryAcceptLanguage" },
    });
    (status, response)
}

/// Every operation of a device (the default security) and the operator's `publishTerms`
/// take `Accept-Language`: a device's request sets its cardholder's language.
fn accept_language(paths: &mut Map<String, Value>) {
    let parameter = json!({ "$ref": "#/components/parameters/AcceptLanguage" });
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in item.values_mut().filter_map(Value::as_object_mut) {
            let device = !op.contains_key("security");
            let terms = op.get("operationId").and_then(Value::as_str) == Some("publishTerms");
            if !(device || terms) {
                continue;
            }
            let parameters = op
                .entry("parameters")
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Some(list) = parameters.as_array_mut() {
                list.push(parameter.clone());
            }
        }
    }
}

fn put_grant() -> Value {
    let replayed =
        json!({ "Idempotent-Replayed": { "$ref": "#/components/headers/IdempotentReplayed" } });
    let mut current = ex::grant();
    current["status"] = "revoked".into();
    current["version"] = 2.into();
    current["signed"] = ex::signed_revoke();
    let mut conflict = e("version_conflict", "the grant is at version 2; fetch it, re-apply your change and send it with that base_version");
    conflict["current"] = current;
    let mut outdated = e(
        "terms_outdated",
        "the app's current terms are version 3; show them and send that version",
    );
    outdated["current_terms_version"] = 3.into();
    Op::new("applyConsentChange", "Apply one consent change", "grants")
        .describe("Grant, revoke, renew or reconsent, at the version the device last saw (`base_version`, 0 to create), signed by the device (`signed`). Exactly once in effect: send an `Idempotency-Key` (e.g. a UUID per consent change). Same key + same request (method, path, JSON value) → the stored response again, with `Idempotent-Replayed: true`; same key + a different request → 409 `idempotency_key_reused`. Then the signature: `signed.statement.device_id` must be the caller, the caller must be in the device chain, the signature must verify under its key, and the statement must agree with the request (grant id, action, base version; for `grant` every detail; `renew`'s `expires_at`, `reconsent`'s `terms_version`). A stale `base_version` → 409 `version_conflict` with `current`. The statement must name the grant's app, card and scope (revoke, renew, reconsent), carry the hash of the app's terms at its `terms_version`, and describe exactly the grant the change produces. Every applied change is stored with its signed change and emits `consent.changed`, carrying it, to all the cardholder's devices.")
        .params(json!([
            path_param("grant_id", "Chosen by the client (e.g. a UUID).", Some("^[A-Za-z0-9._:-]{1,64}$")),
            { "$ref": "#/components/parameters/IdempotencyKey" },
        ]))
        .body("GrantChange", &[
            ("grant", json!({ "action": "grant", "base_version": 0, "app_id": "app_quire", "card_token": ex::CARD, "scope": "receipts", "channels": ["card", "nfc"], "trigger": "authorization", "min_purchase": null, "expires_at": null, "terms_version": 3, "signed": ex::signed_grant() })),
            ("revoke (from the second device)", json!({ "action": "revoke", "base_version": 1, "signed": ex::signed_revoke() })),
            ("renew", json!({ "action": "renew", "base_version": 2, "expires_at": "2027-01-01T00:00:00Z", "signed": ex::signed_renew() })),
            ("reconsent", json!({ "action": "reconsent", "base_version": 3, "terms_version": 4, "signed": ex::signed_reconsent() })),
        ])
        .responses(vec![
            ("200".into(), json!({ "description": "Changed (or already in the requested state).", "content": json_content(schema_ref("Grant"), &[]), "headers": replayed })),
            ("201".into(), json!({ "description": "Created.", "content": json_content(schema_ref("Grant"), &[("created", ex::grant())]), "headers": replayed })),
            ("400".into(), json!({ "description": "Missing or malformed `Idempotency-Key`, bad grant id, or not JSON.", "content": json_content(schema_ref("Error"), &[
                ("missing key", e("idempotency_key_missing", "send an `Idempotency-Key` header (a UUID per consent change) so retries are safe")),
            ]) })),
            ("409".into(), json!({ "description": "`version_conflict`: `base_version` is stale; `current` is the grant now. `idempotency_key_reused`: the key was used with a different request. `invalid_transition`, `reconsent_required`: not possible from the current status. Conflicts are stored under the key like successes.", "content": json_content(schema_ref("Error"), &[
                ("stale version", conflict),
                ("key reused", e("idempotency_key_reused", "this Idempotency-Key was already used with a different request; use a new key for a new request")),
            ]) })),
            ("422".into(), json!({ "description": "The change is invalid: `app_not_found`, `card_not_found`, `scope_not_requested`, `terms_outdated`, `no_channels`, `expiry_not_in_future`, `negative_minimum`, `grant_key_mismatch`, `terms_not_newer`, `invalid_body`, `card_number_in_text` (the grant id holds a card number); or its signature is: `unsigned_change` (no `signed`), `device_not_in_chain` (the caller has no link in the device chain), `bad_consent_signature` (the signature does not verify under the caller's key), `statement_mismatch` (the statement names another device than the caller, or says something else than the request, the grant, the app's terms or the resulting state; the message names the field). Not stored: fix it and retry with the same key.", "content": json_content(schema_ref("Error"), &[
                ("terms outdated", outdated),
                ("card number in the id", pan_text("grant_id")),
                ("unsigned", e("unsigned_change", "every consent change must carry `signed`: its statement signed by this device's key")),
                ("statement mismatch", e("statement_mismatch", "the signed statement's channels is not the change's; sign the change you send")),
            ]) })),
            ("404".into(), json!({ "description": "Revoke, renew or reconsent of a grant that does not exist.", "content": json_content(schema_ref("Error"), &[]) })),
            ("429".into(), json!({ "$ref": "#/components/responses/RateLimited" })),
            ("4XX".into(), json!({ "$ref": "#/components/responses/Error" })),
            ("500".into(), json!({ "$ref": "#/components/responses/ServerError" })),
        ])
}

fn simulation(put: &mut impl FnMut(&str, Value)) {
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
