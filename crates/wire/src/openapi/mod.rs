//! The OpenAPI 3.1 document of the platform, built from the wire types: their schemas come
//! from `schemars`, the operations, parameters, responses and examples are described here.
//! `cargo run -p consentry-wire --bin gen-openapi > docs/platform/openapi.json` writes it.

mod examples;
mod idempotency;
mod paths;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::{json, Map, Value};

use crate::schema;

/// The command that regenerates the committed document.
pub const REGENERATE: &str =
    "cargo run -p consentry-wire --bin gen-openapi > docs/platform/openapi.json";

/// The committed document's path, from the repository root.
pub const PATH: &str = "docs/platform/openapi.json";

/// The document as JSON.
pub fn document() -> Value {
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Consentry platform API",
            "version": "1.0.0",
            "summary": "The card-linking platform the Consentry wallet syncs with: tokenization, app directory, consents, simulated purchases and a signed event feed.",
            "description": INFO_DESCRIPTION,
            "license": { "name": "MIT OR Apache-2.0", "identifier": "MIT" },
        },
        "servers": [{ "url": "http://127.0.0.1:8787", "description": "A local `consentry-platform` (the port is configurable; demo mode picks a free one)." }],
        "tags": [
            { "name": "devices", "description": "Enrollment, the platform's signing keys, the cardholder's device chain and pairing." },
            { "name": "cards", "description": "Card tokenization." },
            { "name": "apps", "description": "The app directory." },
            { "name": "grants", "description": "Consents." },
            { "name": "events", "description": "The signed event feed." },
            { "name": "simulation", "description": "Simulated payments, for tests and demos." },
            { "name": "privacy", "description": "Data-subject requests." },
            { "name": "operator", "description": "Admin token: terms, faults, clock, keys." },
            { "name": "meta", "description": "Health and this document." },
        ],
        "security": [{ "deviceToken": [] }],
        "paths": paths::paths(),
        "webhooks": { "event": { "post": {
            "operationId": "eventDelivery",
            "summary": "An event as a Standard Webhooks message",
            "description": "The feed's items are webhook messages delivered by polling: `webhook-id` = `id`, `webhook-timestamp` = `timestamp`, `webhook-signature` = `signature`, body = `body`. A push delivery would look exactly like this.",
            "parameters": [
                { "name": "webhook-id", "in": "header", "required": true, "schema": { "type": "string" } },
                { "name": "webhook-timestamp", "in": "header", "required": true, "schema": { "type": "string", "pattern": "^[0-9]+$" } },
                { "name": "webhook-signature", "in": "header", "required": true, "schema": { "type": "string", "pattern": "^v1a," }, "description": "One or more space-separated `v1a,<base64>` signatures (two during a rotation's overlap); one that verifies under a trusted key suffices." },
            ],
            "requestBody": { "required": true, "content": { "application/json": { "schema": schema_ref("Event") } } },
            "responses": { "2XX": { "description": "Accepted." } },
        } } },
        "components": {
            "securitySchemes": {
                "deviceToken": { "type": "http", "scheme": "bearer", "description": "The `token` returned by `POST /v1/enroll`." },
                "adminToken": { "type": "http", "scheme": "bearer", "description": "The operator token the platform was started with (`--admin-token`); without one, operator endpoints answer 403 `admin_disabled`." },
            },
            "parameters": {
                "IdempotencyKey": {
                    "name": "Idempotency-Key", "in": "header", "required": true,
                    "description": "Unique per consent change (e.g. a UUID); reuse it only to retry the very same request.",
                    "schema": { "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$" },
                },
                "AcceptLanguage": {
                    "name": "Accept-Language", "in": "header", "required": false,
                    "description": "The cardholder's languages in order of preference (RFC 9110), e.g. `fr, en;q=0.5`. The platform has texts in `en` (the default) and `fr`, and picks the one with the highest weight (`fr-CA` counts as `fr`). Absent, unreadable or longer than 512 bytes: ignored, never an error. A device's request also sets the language its cardholder's events are written in (offers, recommendations, points programmes): the latest request that says one wins.",
                    "schema": { "type": "string" },
                    "example": "fr, en;q=0.5",
                },
            },
            "headers": {
                "IdempotentReplayed": {
                    "description": "`true` when this is the stored response of an earlier request with the same key.",
                    "schema": { "type": "string", "const": "true" },
                },
                "RetryAfter": {
                    "description": "When to try again (RFC 9110): delay-seconds (`30`) or an HTTP date. A wallet waits at least this long, whatever its own backoff says, and at most a day whatever the header says.",
                    "required": true,
                    "schema": { "type": "string", "pattern": "^([0-9]+|[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT)$" },
                    "example": "30",
                },
                "ContentLanguage": {
                    "description": "The language negotiated from `Accept-Language` (`en` when it asks for no language the platform has).",
                    "schema": { "type": "string", "enum": ["en", "fr"] },
                },
                "VaryAcceptLanguage": {
                    "description": "The answer depends on `Accept-Language`.",
                    "schema": { "type": "string", "const": "Accept-Language" },
                },
            },
            "responses": {
                "Error": { "description": "Bad input or not allowed: `{code, message}`.", "content": json_content(schema_ref("Error"), &[
                    ("unauthorized", examples::error("unauthorized", "send `Authorization: Bearer <token>`")),
                    ("unknown field", examples::error("invalid_body", "unknown field `colour`, expected one of `number`, `expiration`, `nickname` at line 1 column 9")),
                ]) },
                "RateLimited": {
                    "description": "Too many requests: `rate_limited`. Any operation under `/v1/` may answer it. Send nothing more to this platform before `Retry-After` has passed (then back off as for any failure); a request answered 429 was not carried out, so send it again then — under the same `Idempotency-Key` where it has one. The reference platform sets no limit; a platform that does must send `Retry-After`.",
                    "headers": { "Retry-After": { "$ref": "#/components/headers/RetryAfter" } },
                    "content": json_content(schema_ref("Error"), &[
                        ("rate limited", examples::error("rate_limited", "too many requests from this device; retry after 30 seconds")),
                    ]),
                },
                "ServerError": { "description": "`internal` (a platform failure; safe to retry) or `injected_fault` (fault injection).", "content": json_content(schema_ref("Error"), &[
                    ("injected", examples::error("injected_fault", "fault injection: this request failed before it was handled")),
                ]) },
            },
            "schemas": schemas(),
        },
    });
    idempotency::declare(&mut document);
    document
}

/// The document as its committed text: pretty JSON and a final newline.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

const INFO_DESCRIPTION: &str = "The contract between the Consentry wallet and a card-linking platform (the role CardSpring played in 2011–2014), implemented by `crates/platform` (`consentry-platform`).\n\n\
* JSON everywhere, snake_case fields. Money is `{\"minor\": 1234, \"currency\": \"EUR\"}`.\n\
* Integers are read as JSON Schema reads them: `1.0` (or `1e0`) is the integer 1 wherever the schema says `integer` (bodies, and the feed's `limit` and `wait`), and the same request as `1` for idempotency; a fraction (`1.5`), a number written with a fraction beyond 2^53, or a value outside the field's `minimum`/`maximum` (each integer states the range of the type that reads it) is 422 `invalid_body`.\n\
* Currencies: `GET /v1/currencies` lists every accepted ISO 4217 code with its exponent and the bounds of a purchase in it; `Money.currency` is exactly that list.\n\
* Every device endpoint takes `Authorization: Bearer <token>` from `POST /v1/enroll`. Operator endpoints take the admin token.\n\
* Languages: `Accept-Language` picks English (the default) or French for the directory's texts (`Content-Language` says which); the latest device request that sends one sets the language of the texts the platform writes into that cardholder's events. Social posts stay as the app published them.\n\
* Every error is `{code, message}` with a 4xx status for bad input (never 5xx); request bodies are limited to 64 KiB and unknown fields are rejected.\n\
* Every request that creates something can be retried safely under an `Idempotency-Key` (Stripe's rules): enrollment, card links, simulated purchases, settlements and reversals, data requests, and consent changes (where it is required). Same key + same request → the stored answer with `Idempotent-Replayed: true`; same key + another request → 409 `idempotency_key_reused`. Keys are per cardholder and expire after 24 hours.\n\
* Consent changes are versioned and idempotent (`PUT /v1/grants/{grant_id}` with `Idempotency-Key`), and each is signed by the device that made it (`signed`) with a key of the cardholder's device chain (`/v1/devices/chain`). The platform relays the signed change in `consent.changed` and `GET /v1/grants`; wallets verify it, so the platform cannot author or alter consent.\n\
* Events are signed per Standard Webhooks, scheme `v1a` (Ed25519) over `{id}.{timestamp}.{body}`; keys as `whpk_…`. Test vectors: `docs/platform/webhook-vectors.json`. Every event body names its `cardholder_id`, inside the signed bytes: a delivery is valid for a wallet only when a signature verifies **and** that `cardholder_id` is the wallet's own (the signing keys are the platform's, shared by every cardholder).\n\
* Rotation (`POST /v1/admin/keys/rotate`): active → retired, next → active, a new next. For the overlap that follows (7 days on the reference platform; the retired key's `signs_until` says until when), every delivery carries two signatures, space-separated in `webhook-signature`: the new active key's first, then the retired key's (then any older key still in its overlap). A client trusting only the old key or only the new one verifies; after the overlap only the active key signs.\n\
* Each signing key after the first is endorsed by the key before it (`endorsement`): accept new keys only along that chain, from the keys pinned at enrollment.\n\
* Key refetch: a `v1a` signature names no key; try every trusted key. When a delivery verifies under none of them, read `GET /v1/keys` again — once per sync pass, however many deliveries failed — trust only newly listed keys endorsed by a trusted key, and verify again; a delivery that still fails is rejected (the reference wallet quarantines it and keeps the genuine deliveries beside it).\n\
* HTTPS: a wallet talks to a platform over `https://` only; plain `http://` is accepted only when the host is a loopback address (`localhost`, `127.0.0.0/8`, `::1`), as for the local reference platform in `servers`. It follows a redirect only to an address that passes the same rule, so a bearer token never crosses a network in clear text.\n\
* The full card number is accepted only by `POST /v1/cards` and is never stored, logged or returned. Any other text holding one (a nickname, a device name, a merchant, terms, a grant id) is refused with 422 `card_number_in_text`, before anything is stored.";

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// `{"application/json": {"schema": ..., "examples": {name: {"value": ...}}}}`.
fn json_content(schema: Value, examples: &[(&str, Value)]) -> Value {
    let mut content = Map::new();
    content.insert("schema".into(), schema);
    if !examples.is_empty() {
        let named: Map<String, Value> = examples
            .iter()
            .map(|(name, value)| ((*name).to_owned(), json!({ "value": value })))
            .collect();
        content.insert("examples".into(), Value::Object(named));
    }
    json!({ "application/json": content })
}

/// Every schema of `components/schemas`: the wire types' (derived), the domain values' and
/// the events' (written in [`schema`]).
fn schemas() -> Value {
    let mut settings = SchemaSettings::draft2020_12();
    settings.definitions_path = "/components/schemas".into();
    let mut generator = settings.into_generator();
    add::<crate::ErrorBody>(&mut generator);
    add::<crate::EnrollRequest>(&mut generator);
    add::<crate::Enrollment>(&mut generator);
    add::<crate::KeyList>(&mut generator);
    add::<crate::CurrencyList>(&mut generator);
    add::<crate::DeviceChain>(&mut generator);
    add::<crate::PairingRequest>(&mut generator);
    add::<crate::PairingList>(&mut generator);
    add::<crate::LinkCardRequest>(&mut generator);
    add::<crate::CardList>(&mut generator);
    add::<crate::RenameCardRequest>(&mut generator);
    add::<crate::DeviceList>(&mut generator);
    add::<crate::AppList>(&mut generator);
    add::<crate::PublishTerms>(&mut generator);
    add::<crate::GrantChange>(&mut generator);
    add::<crate::GrantList>(&mut generator);
    add::<schema::GrantState>(&mut generator);
    add::<schema::Grant>(&mut generator);
    add::<schema::SignedConsent>(&mut generator);
    add::<schema::ConsentStatement>(&mut generator);
    add::<crate::Endorsement>(&mut generator);
    add::<crate::FeedPage>(&mut generator);
    add::<crate::PurchaseRequest>(&mut generator);
    add::<crate::TransactionRef>(&mut generator);
    add::<crate::StepResult>(&mut generator);
    add::<crate::NewDataRequest>(&mut generator);
    add::<crate::DataRequestList>(&mut generator);
    add::<crate::FaultConfig>(&mut generator);
    add::<crate::AdvanceClock>(&mut generator);
    add::<crate::ClockState>(&mut generator);
    add::<crate::RogueEvent>(&mut generator);
    add::<crate::RogueEventSent>(&mut generator);
    add::<crate::UnrewardedPurchase>(&mut generator);
    add::<crate::Health>(&mut generator);
    let mut schemas: Map<String, Value> = generator.take_definitions(true);
    schemas.extend(schema::event_schemas());
    for schema in schemas.values_mut() {
        tidy(schema);
    }
    if let Some(change) = schemas.get_mut("GrantChange") {
        add_signed(change);
    }
    Value::Object(schemas)
}

fn add<T: JsonSchema>(generator: &mut SchemaGenerator) {
    let _ = generator.subschema_for::<T>();
}

/// Descriptions read as written in the doc comments, lines joined (paragraphs kept); only
/// `int64` of schemars' integer formats is kept, and every integer states the range of the
/// Rust type that reads it as `minimum`/`maximum` (the server refuses what does not fit, so
/// the schema says so).
fn tidy(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(description)) = map.get_mut("description") {
                *description = join_lines(description);
            }
            let format = map.get("format").and_then(Value::as_str).map(str::to_owned);
            if let Some((min, max)) = format.as_deref().and_then(integer_range) {
                map.entry("minimum").or_insert(min);
                map.entry("maximum").or_insert(max);
            }
            let drop_format = matches!(
                format.as_deref(),
                Some(
                    "uint"
                        | "uint8"
                        | "uint16"
                        | "uint32"
                        | "uint64"
                        | "int"
                        | "int8"
                        | "int16"
                        | "int32"
                        | "double"
                        | "float"
                )
            );
            if drop_format {
                map.remove("format");
            }
            for child in map.values_mut() {
                tidy(child);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(tidy),
        _ => {}
    }
}

/// The range of the integer type schemars names by `format`.
fn integer_range(format: &str) -> Option<(Value, Value)> {
    Some(match format {
        "uint8" => (0.into(), u8::MAX.into()),
        "uint16" => (0.into(), u16::MAX.into()),
        "uint32" => (0.into(), u32::MAX.into()),
        "uint" | "uint64" => (0.into(), u64::MAX.into()),
        "int8" => (i8::MIN.into(), i8::MAX.into()),
        "int16" => (i16::MIN.into(), i16::MAX.into()),
        "int32" => (i32::MIN.into(), i32::MAX.into()),
        "int" | "int64" => (i64::MIN.into(), i64::MAX.into()),
        _ => return None,
    })
}

fn join_lines(text: &str) -> String {
    text.split("\n\n")
        .map(|paragraph| {
            paragraph
                .lines()
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// Adds `signed` to every variant of the consent change: one body on the wire, read in two
/// parts (see [`crate::GrantChange`]).
fn add_signed(change: &mut Value) {
    let signed = json!({
        "$ref": "#/components/schemas/SignedConsent",
        "description": "This change, signed by the calling device (required: without it, 422 `unsigned_change`).",
    });
    let variants = change.get_mut("oneOf").and_then(Value::as_array_mut);
    for variant in variants.into_iter().flatten() {
        if let Some(properties) = variant.get_mut("properties").and_then(Value::as_object_mut) {
            properties.insert("signed".into(), signed.clone());
        }
        if let Some(required) = variant.get_mut("required").and_then(Value::as_array_mut) {
            required.push(Value::from("signed"));
        }
    }
    if let Some(map) = change.as_object_mut() {
        map.insert("discriminator".into(), json!({ "propertyName": "action" }));
    }
}
