//! JSON Schemas of the domain values that cross the wire as `consentry-domain` serializes
//! them (money, scopes, grants, device links, signed changes, events). The domain crate knows
//! nothing of schemas; wire types point at these with `#[schemars(with = "...")]`.

use std::borrow::Cow;

use consentry_domain::Currency;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

/// A schema by hand for a domain type, published under its name in `components/schemas`.
macro_rules! named_schema {
    ($(#[$doc:meta])* $name:ident, $schema:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl JsonSchema for $name {
            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                Schema::try_from($schema).unwrap_or_default()
            }
        }
    };
}

/// A schema by hand written where it is used (not published under a name).
macro_rules! inline_schema {
    ($(#[$doc:meta])* $name:ident, $schema:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }

            fn schema_name() -> Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                Schema::try_from($schema).unwrap_or_default()
            }
        }
    };
}

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn nullable_ref(name: &str) -> Value {
    json!({ "anyOf": [schema_ref(name), { "type": "null" }] })
}

fn date_time() -> Value {
    json!({ "type": "string", "format": "date-time" })
}

fn hex64(description: &str) -> Value {
    json!({ "type": "string", "description": description, "pattern": "^[0-9a-f]{64}$" })
}

const DEVICE_SIGNATURE: &str = "^v1a,[A-Za-z0-9+/]{86}==$";
const DEVICE_KEY: &str = "^dpk_[A-Za-z0-9+/]{43}=$";

named_schema!(
    /// `consentry_domain::Money`.
    Money,
    json!({
        "type": "object",
        "description": "An amount of money: integer minor units and a currency. `{\"minor\":1234,\"currency\":\"EUR\"}` is €12.34.",
        "properties": {
            "minor": { "type": "integer", "description": "Amount in minor units (cents for EUR).", "format": "int64", "minimum": i64::MIN, "maximum": i64::MAX },
            "currency": currency(&Currency::all(), "ISO 4217 code in circulation: exactly the codes `GET /v1/currencies` lists, with their exponents."),
        },
        "required": ["minor", "currency"],
        "additionalProperties": false,
    })
);

named_schema!(
    /// `consentry_domain::Scope`.
    Scope,
    json!({
        "type": "string",
        "description": "One thing an app may do on a card.",
        "enum": ["receipts", "points", "cashback", "offers", "recommendations", "social_posts"],
    })
);

named_schema!(
    /// `consentry_domain::Channel`.
    Channel,
    json!({
        "type": "string",
        "description": "How a payment was made: chip/swipe, contactless, voice assistant, card-not-present.",
        "enum": ["card", "nfc", "voice", "online"],
    })
);

named_schema!(
    /// `consentry_domain::Trigger`.
    Trigger,
    json!({
        "type": "string",
        "description": "When the app hears of a payment: at authorization (real time) or at settlement.",
        "enum": ["authorization", "settlement"],
    })
);

/// `consentry_domain::Brand`, as the platform links them; written inline wherever it is used.
fn card_brand() -> Value {
    json!({ "type": "string", "enum": ["visa", "mastercard", "amex", "discover"] })
}

inline_schema!(
    /// `consentry_domain::Brand`, as the platform links them.
    CardBrand,
    card_brand()
);

/// The `currency` of a `Money`: one of `currencies`.
fn currency(currencies: &[Currency], description: &str) -> Value {
    let codes: Vec<&str> = currencies.iter().map(|c| c.code()).collect();
    json!({ "type": "string", "description": description, "enum": codes })
}

/// A simulated purchase's amount: one branch per exponent, each with the bounds the server
/// enforces ([`crate::currencies::purchase_bounds`]).
fn purchase_amount() -> Value {
    let mut by_exponent: std::collections::BTreeMap<u8, Vec<Currency>> = Default::default();
    for currency in Currency::all() {
        by_exponent
            .entry(currency.exponent())
            .or_default()
            .push(currency);
    }
    let branches: Vec<Value> = by_exponent
        .values()
        .filter_map(|group| {
            let first = group.first()?;
            let (min, max) = crate::currencies::purchase_bounds(*first);
            let description = format!("Currencies with {} decimal places.", first.exponent());
            Some(json!({
                "type": "object",
                "properties": {
                    "minor": { "type": "integer", "format": "int64", "minimum": min, "maximum": max },
                    "currency": currency(group, &description),
                },
                "required": ["minor", "currency"],
                "additionalProperties": false,
            }))
        })
        .collect();
    json!({
        "description": format!("`Money`, positive and at most {} major units of its currency: `minor` from 1 to 10^(6 + exponent) (`max_purchase_minor` of `GET /v1/currencies`).", crate::currencies::MAX_PURCHASE_MAJOR),
        "oneOf": branches,
    })
}

inline_schema!(
    /// A simulated purchase's amount: `Money` with the bounds of its currency.
    PurchaseAmount,
    purchase_amount()
);

inline_schema!(
    /// A grant's minimum purchase: `Money`, not negative.
    MinPurchase,
    json!({
        "description": "Purchases below this amount (or in another currency) are not shared. Not negative (`negative_minimum`).",
        "allOf": [schema_ref("Money")],
        "properties": { "minor": { "type": "integer", "minimum": 0, "maximum": i64::MAX } },
    })
);

inline_schema!(
    /// [`crate::Outcome`] with its default.
    SettleOutcome,
    json!({ "type": "string", "enum": ["settle", "reverse"], "default": "settle" })
);

named_schema!(
    /// `consentry_domain::FeeModel`.
    FeeModel,
    json!({
        "description": "What the platform earns when the app acts on a purchase.",
        "oneOf": [
            { "type": "object", "properties": {
                "kind": { "type": "string", "const": "percent" },
                "bps": { "type": "integer", "description": "Basis points of the purchase (150 = 1.5 %).", "minimum": 0 },
            }, "required": ["kind", "bps"] },
            { "type": "object", "properties": {
                "kind": { "type": "string", "const": "per_event" },
                "amount": schema_ref("Money"),
                "per": schema_ref("Scope"),
            }, "required": ["kind", "amount", "per"] },
            { "type": "object", "properties": { "kind": { "type": "string", "const": "none" } }, "required": ["kind"] },
        ],
        "discriminator": { "propertyName": "kind" },
    })
);

named_schema!(
    /// `consentry_domain::Grant`.
    Grant,
    json!({
        "type": "object",
        "description": "The cardholder's permission: one app × one card × one scope, with channels, trigger, optional minimum and expiry.",
        "properties": {
            "id": { "type": "string", "description": "Chosen by the client." },
            "app_id": { "type": "string" },
            "card_token": { "type": "string" },
            "scope": schema_ref("Scope"),
            "channels": { "type": "array", "items": schema_ref("Channel"), "uniqueItems": true },
            "trigger": schema_ref("Trigger"),
            "min_purchase": { "description": "Purchases below this amount (or in another currency) are not shared.", "anyOf": [schema_ref("Money"), { "type": "null" }] },
            "expires_at": { "type": ["string", "null"], "format": "date-time" },
            "status": { "type": "string", "description": "`active`, `revoked`, `expired`, or `needs_reconsent` after the app published new terms.", "enum": ["active", "revoked", "expired", "needs_reconsent"] },
            "terms_version": { "type": "integer", "description": "The terms version the cardholder agreed to.", "minimum": 0 },
            "pending_terms_version": { "type": ["integer", "null"], "minimum": 0 },
            "granted_at": date_time(),
            "changed_at": date_time(),
            "version": { "type": "integer", "description": "1 on creation, +1 on every change. Send it back as `base_version`.", "minimum": 1 },
        },
        "required": ["id", "app_id", "card_token", "scope", "channels", "trigger", "min_purchase", "expires_at", "status", "terms_version", "pending_terms_version", "granted_at", "changed_at", "version"],
    })
);

named_schema!(
    /// A `Grant` object plus `signed`, as `GET /v1/grants` and a conflict's `current` carry it.
    GrantState,
    json!({
        "description": "A grant and `signed`, the device-signed change that produced exactly this state (`statement.produced(grant)`), or `null` when the platform made the last change itself (new terms, an unlinked card) or the grant predates signed changes.",
        "allOf": [
            schema_ref("Grant"),
            { "type": "object", "properties": { "signed": nullable_ref("SignedConsent") }, "required": ["signed"] },
        ],
    })
);

named_schema!(
    /// `consentry_domain::ConsentStatement`.
    ConsentStatement,
    json!({
        "type": "object",
        "description": "One consent change as the device that made it saw it: for `grant` the request's details; for `revoke`, `renew` and `reconsent` the grant's app, card and scope, and its details after the change. Signed as its canonical text (see the README).",
        "properties": {
            "grant_id": { "type": "string", "description": "The grant the change is for (the path's `grant_id`)." },
            "action": { "type": "string", "description": "The request's `action`.", "enum": ["grant", "revoke", "renew", "reconsent"] },
            "app_id": { "type": "string" },
            "card_token": { "type": "string" },
            "scope": schema_ref("Scope"),
            "channels": { "type": "array", "items": schema_ref("Channel"), "uniqueItems": true },
            "trigger": schema_ref("Trigger"),
            "min_purchase": { "description": "Absent: `null`.", "anyOf": [schema_ref("Money"), { "type": "null" }] },
            "expires_at": { "type": ["string", "null"], "description": "Absent: `null`.", "format": "date-time" },
            "terms_version": { "type": "integer", "description": "The app terms version the grant stands on after the change.", "minimum": 0, "maximum": u32::MAX },
            "terms_hash": hex64("SHA-256 (hex) of the text of those terms, as the device showed them (`App.terms.hash`)."),
            "base_version": { "type": "integer", "description": "The request's `base_version`.", "minimum": 0, "maximum": u64::MAX },
            "at": { "type": "string", "description": "When the device made the change (its clock).", "format": "date-time" },
            "device_id": { "type": "string", "description": "The device that made and signed it: the caller." },
        },
        "required": ["grant_id", "action", "app_id", "card_token", "scope", "channels", "trigger", "terms_version", "terms_hash", "base_version", "at", "device_id"],
        "additionalProperties": false,
    })
);

named_schema!(
    /// `consentry_domain::SignedConsent`.
    SignedConsent,
    json!({
        "type": "object",
        "description": "A consent change signed by the device that made it. Verify it under the device chain, and check that it produced the grant it comes with.",
        "properties": {
            "statement": schema_ref("ConsentStatement"),
            "signature": { "type": "string", "description": "`v1a,` + base64 of the 64-byte Ed25519 signature, by the key of `statement.device_id` in the device chain, over the statement's canonical text.", "pattern": DEVICE_SIGNATURE },
        },
        "required": ["statement", "signature"],
        "additionalProperties": false,
    })
);

named_schema!(
    /// `consentry_domain::DeviceLink`.
    DeviceLink,
    json!({
        "type": "object",
        "description": "One device of the cardholder and its public key, vouched for by a device already in the chain.",
        "properties": {
            "cardholder_id": { "type": "string", "description": "The cardholder whose chain this is." },
            "device_id": { "type": "string", "description": "The device this link adds." },
            "public_key": { "type": "string", "description": "`dpk_` + base64 (standard, padded) of the device's 32-byte Ed25519 public key.", "pattern": DEVICE_KEY },
            "added_by": { "type": "string", "description": "The device whose key signed this link: the device itself for the first link (the root), a device earlier in the chain for every later one." },
            "added_at": date_time(),
            "signature": { "type": "string", "description": "`v1a,` + base64 of the Ed25519 signature by `added_by`'s key over the link's canonical text.", "pattern": DEVICE_SIGNATURE },
            "pairing_receipt": hex64("On the link of a device that joined with a pairing code: HMAC-SHA256 (hex) keyed with the code (uppercase letters and digits only) over `consentry.pairing-receipt.v1\\n{cardholder_id}\\n{root_device_id}\\n{root_public_key}\\n{device_id}\\n{public_key}\\n`, by the device that showed the code. Not signed; the joining device pins the chain's root only when it checks."),
        },
        "required": ["cardholder_id", "device_id", "public_key", "added_by", "added_at", "signature"],
        "additionalProperties": false,
    })
);

/// `T` or `null`, and required: a field the platform always writes, `null` when empty.
pub struct Nullable<T>(std::marker::PhantomData<T>);

impl<T: JsonSchema> JsonSchema for Nullable<T> {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        format!("Nullable_{}", T::schema_name()).into()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let inner = generator.subschema_for::<T>().to_value();
        let nullable = match inner {
            Value::Object(mut map) if map.get("type").is_some_and(Value::is_string) => {
                let single = map.remove("type").unwrap_or_default();
                map.insert("type".into(), json!([single, "null"]));
                Value::Object(map)
            }
            other => json!({ "anyOf": [other, { "type": "null" }] }),
        };
        Schema::try_from(nullable).unwrap_or_default()
    }
}

/// For a container transform: `names` are required in the document although the type reads
/// them with `#[serde(default)]` (a platform always sends them; a wallet tolerates their
/// absence). schemars would list them as optional, with a `default`.
pub fn always_sent(schema: &mut Schema, names: &[&str]) {
    for name in names {
        if let Some(property) = schema
            .get_mut("properties")
            .and_then(|properties| properties.get_mut(*name))
            .and_then(Value::as_object_mut)
        {
            property.remove("default");
        }
        let Some(object) = schema.as_object_mut() else {
            return;
        };
        let required = object
            .entry("required")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Some(required) = required.as_array_mut() {
            if !required.iter().any(|r| r == *name) {
                required.push(Value::from(*name));
            }
        }
    }
}

/// The event types and, for each, its description and the schema of its payload.
fn event_payloads() -> Vec<(&'static str, &'static str, Value)> {
    let payment = schema_ref("PaymentRef");
    let object = |properties: Value, required: &[&str]| json!({ "type": "object", "properties": properties, "required": required });
    let cashback = object(
        json!({ "amount": schema_ref("Money"), "destination": { "type": "string", "description": "Bank account, masked: `FR76 •••• 1234`." }, "payment": payment }),
        &["amount", "destination"],
    );
    vec![
        ("transaction.authorized", "A card payment was authorized.", schema_ref("TransactionEvent")),
        ("transaction.settled", "The payment settled.", schema_ref("TransactionEvent")),
        ("transaction.reversed", "The payment was reversed; no app hears of it.", schema_ref("TransactionEvent")),
        ("receipt.issued", "An itemised receipt.", object(json!({ "payment": payment, "receipt": schema_ref("Receipt") }), &["payment", "receipt"])),
        ("points.awarded", "Loyalty points.", object(json!({ "program": { "type": "string" }, "delta": { "type": "integer", "format": "int64" }, "balance": { "type": "integer", "format": "int64" }, "payment": payment }), &["program", "delta", "balance"])),
        ("cashback.pending", "Cashback on its way (paid at settlement).", cashback.clone()),
        ("cashback.paid", "Cashback paid.", cashback),
        ("offer.issued", "An offer for next time.", object(json!({
            "offer_id": { "type": "string" }, "code": { "type": "string" }, "description": { "type": "string" },
            "discount": { "oneOf": [
                object(json!({ "kind": { "type": "string", "const": "percent" }, "bps": { "type": "integer", "minimum": 0 } }), &["kind", "bps"]),
                object(json!({ "kind": { "type": "string", "const": "amount" }, "amount": schema_ref("Money") }), &["kind", "amount"]),
            ] },
            "expires_at": date_time(), "payment": payment,
        }), &["offer_id", "code", "description", "discount"])),
        ("offer.redeemed", "An offer was used.", object(json!({ "offer_id": { "type": "string" }, "code": { "type": "string" }, "payment": payment }), &["offer_id", "code"])),
        ("recommendation.made", "A suggestion.", object(json!({ "text": { "type": "string" }, "product": { "type": "string" }, "payment": payment }), &["text"])),
        ("social.posted", "A post on the cardholder's behalf (never with the amount).", object(json!({ "network": { "type": "string" }, "text": { "type": "string" }, "payment": payment }), &["network", "text"])),
        ("consent.changed", "A grant changed: on another device, or by the platform (`needs_reconsent` after new terms, `revoke` of an unlinked card's grants).", object(json!({
            "action": { "type": "string", "enum": ["grant", "revoke", "renew", "expire", "needs_reconsent", "reconsent", "conflict"] },
            "grant": schema_ref("Grant"),
            "signed": { "$ref": "#/components/schemas/SignedConsent", "description": "The device-signed change that produced `grant`; absent when the platform made the change. Count a change as the cardholder's only when this verifies under the device chain and `statement.produced(grant)`." },
        }), &["action", "grant"])),
        ("app.terms_changed", "The app (envelope `app_id`) published new terms; sent once per card holding a grant for it.", object(json!({
            "terms_version": { "type": "integer", "minimum": 1 },
            "terms_hash": { "type": "string", "pattern": "^[0-9a-f]{64}$" },
        }), &["terms_version", "terms_hash"])),
        ("card.changed", "A card (envelope `card_token`) was linked, renamed or unlinked on one of the cardholder's devices; every device applies it, so all hold the same cards under the same names. Sent only while the cardholder has another active device than the one that made the change (a device that joins later reads `GET /v1/cards`); linking a card the cardholder already has sends nothing.", object(json!({
            "change": { "type": "string", "enum": ["linked", "renamed", "unlinked"] },
            "brand": card_brand(),
            "last4": { "type": "string", "pattern": "^[0-9]{4}$" },
            "expiration": schema_ref("Expiration"),
            "nickname": { "type": "string", "description": "The card's name after the change; absent: none." },
            "device_id": { "type": "string", "description": "The device that made the change (`GET /v1/devices` names it)." },
        }), &["change", "brand", "last4", "expiration", "device_id"])),
    ]
}

/// The schemas of events (`consentry_domain::Event`: envelope and payload in one flat object,
/// tagged by `type`) and of their parts, by name.
pub fn event_schemas() -> Map<String, Value> {
    let mut schemas = Map::new();
    let payloads = event_payloads();
    schemas.insert("PaymentRef".into(), json!({
        "type": "object",
        "description": "The payment an app event stems from.",
        "properties": { "transaction_id": { "type": "string" }, "channel": schema_ref("Channel"), "amount": schema_ref("Money") },
        "required": ["transaction_id", "channel", "amount"],
    }));
    schemas.insert("TransactionEvent".into(), json!({
        "type": "object",
        "properties": {
            "transaction_id": { "type": "string" }, "amount": schema_ref("Money"), "merchant": { "type": "string" }, "channel": schema_ref("Channel"),
            "commission": { "allOf": [schema_ref("Money")], "description": "The platform's commission on the transaction so far, in the purchase currency (zero once reversed)." },
        },
        "required": ["transaction_id", "amount", "merchant", "channel", "commission"],
    }));
    let line = json!({
        "type": "object",
        "description": "`total = unit_price × quantity + tax`.",
        "properties": { "quantity": { "type": "integer", "minimum": 1 }, "description": { "type": "string" }, "unit_price": schema_ref("Money"), "tax": schema_ref("Money"), "total": schema_ref("Money") },
        "required": ["quantity", "description", "unit_price", "tax", "total"],
    });
    schemas.insert("Receipt".into(), json!({
        "type": "object",
        "description": "The lines add up to `total`, the purchase amount.",
        "properties": { "transaction_id": { "type": "string" }, "merchant": { "type": "string" }, "lines": { "type": "array", "items": line, "minItems": 1 }, "total": schema_ref("Money") },
        "required": ["transaction_id", "merchant", "lines", "total"],
    }));
    let types: Vec<&str> = payloads.iter().map(|(name, _, _)| *name).collect();
    schemas.insert("EventEnvelope".into(), json!({
        "type": "object",
        "description": "Fields of every event; the payload's fields sit beside them in the same object.",
        "properties": {
            "id": { "type": "string", "description": "Unique; deduplicate on it." },
            "occurred_at": date_time(),
            "card_token": { "type": "string", "description": "The card the event is about." },
            "cardholder_id": { "type": "string", "description": "The cardholder the event is for, inside the signed bytes. A wallet drops (and reports) a verified event naming another cardholder than its own enrollment's: a delivery cannot be replayed into another wallet." },
            "app_id": { "type": "string", "description": "The app that produced it (app events, `app.terms_changed`, `consent.changed`)." },
            "type": { "type": "string", "enum": types },
        },
        "required": ["id", "occurred_at", "card_token", "cardholder_id", "type"],
    }));
    let mut variants = Vec::new();
    let mut mapping = Map::new();
    for (name, description, payload) in payloads {
        let key = format!("Event_{}", name.replace('.', "_"));
        schemas.insert(key.clone(), json!({
            "description": description,
            "allOf": [schema_ref("EventEnvelope"), { "type": "object", "properties": { "type": { "type": "string", "const": name } } }, payload],
        }));
        variants.push(schema_ref(&key));
        mapping.insert(
            name.into(),
            Value::from(format!("#/components/schemas/{key}")),
        );
    }
    schemas.insert("Event".into(), json!({
        "description": "An event as delivered in `FeedItem.body` (and by `GET /v1/events/{event_id}`): one flat JSON object, envelope plus payload, tagged by `type`. Unknown types may appear in the future: keep them, do not fail.",
        "oneOf": variants,
        "discriminator": { "propertyName": "type", "mapping": mapping },
    }));
    schemas
}
