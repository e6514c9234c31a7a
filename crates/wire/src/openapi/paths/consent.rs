//! The app directory, its terms and the cardholder's grants.

use serde_json::{json, Value};

use super::{
    e, ex, json_content, language_ok, ok, pan_text, path_param, schema_ref, with_errors, Op,
};

pub(super) fn add(put: &mut impl FnMut(&str, Value)) {
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
