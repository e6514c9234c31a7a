//! The `Idempotency-Key` of the operations that create something: declared on each (the
//! header, the `Idempotent-Replayed` header of its answers, 409 `idempotency_key_reused` and
//! 400 `idempotency_key_invalid`), on top of what `paths/` says about the operation itself.
//! `PUT /v1/grants/{grant_id}` requires its key and is described in full in `paths/consent.rs`.

use serde_json::{json, Map, Value};

use super::examples::error as e;

/// `(path, method, parameter)`: every operation that takes an optional key.
pub const KEYED: &[(&str, &str, &str)] = &[
    ("/v1/enroll", "post", "EnrollIdempotencyKey"),
    ("/v1/cards", "post", "OptionalIdempotencyKey"),
    ("/v1/simulate/purchase", "post", "OptionalIdempotencyKey"),
    ("/v1/simulate/settle", "post", "OptionalIdempotencyKey"),
    ("/v1/simulate/reverse", "post", "OptionalIdempotencyKey"),
    ("/v1/data-requests", "post", "OptionalIdempotencyKey"),
];

/// How long a key's answer is replayed, in hours.
pub const LIFETIME_HOURS: u32 = 24;

const KEY_SCHEMA: &str = "^[!-~]+$";

/// The rule, as every keyed operation states it.
fn rule() -> String {
    format!("Safe to retry: send an `Idempotency-Key` (e.g. a UUID per request). Same key + same request (method, path, JSON value) → the stored answer again, with `Idempotent-Replayed: true`, and nothing done twice; same key + a different request → 409 `idempotency_key_reused`; concurrent requests with one key → one does the work, the others get its answer. Successful answers are stored; errors are not (fix the request and retry with the same key). Keys are the cardholder's own and live {LIFETIME_HOURS} hours; after that the same key is a new request.")
}

/// The parameters added to `components/parameters`.
fn parameters() -> Vec<(&'static str, Value)> {
    vec![
        (
            "OptionalIdempotencyKey",
            json!({
                "name": "Idempotency-Key", "in": "header", "required": false,
                "description": format!("Makes a retry safe: unique per request (e.g. a UUID); reuse it only to retry the very same request. Replayed for {LIFETIME_HOURS} hours, per cardholder."),
                "schema": { "type": "string", "minLength": 1, "maxLength": 255, "pattern": KEY_SCHEMA },
            }),
        ),
        (
            "EnrollIdempotencyKey",
            json!({
                "name": "Idempotency-Key", "in": "header", "required": false,
                "description": format!("Makes a retried enrollment safe. At least 32 characters (e.g. a UUID): a new cardholder's retry is tied to its first request by the key alone, and the answer replayed holds the device token and cardholder secret. With credentials, the key is that cardholder's. Replayed for {LIFETIME_HOURS} hours."),
                "schema": { "type": "string", "minLength": 32, "maxLength": 255, "pattern": KEY_SCHEMA },
            }),
        ),
    ]
}

/// Adds the keys' parameters to `components` and declares them on every [`KEYED`] operation.
pub fn declare(document: &mut Value) {
    if let Some(params) = document
        .pointer_mut("/components/parameters")
        .and_then(Value::as_object_mut)
    {
        for (name, parameter) in parameters() {
            params.insert(name.into(), parameter);
        }
    }
    if let Some(Value::String(text)) =
        document.pointer_mut("/paths/~1v1~1grants~1{grant_id}/put/description")
    {
        text.push_str(&format!(" Keys are the cardholder's own and live {LIFETIME_HOURS} hours: after that the same key is a new request, which a consent change already applied meets as a 409 `version_conflict` (its `current` is that change)."));
    }
    for (path, method, parameter) in KEYED {
        let pointer = format!("/paths/{}/{method}", path.replace('/', "~1"));
        if let Some(operation) = document
            .pointer_mut(&pointer)
            .and_then(Value::as_object_mut)
        {
            keyed(operation, parameter);
        }
    }
}

fn keyed(operation: &mut Map<String, Value>, parameter: &str) {
    let description = match operation.get("description").and_then(Value::as_str) {
        Some(text) => format!("{text} {}", rule()),
        None => rule(),
    };
    operation.insert("description".into(), description.into());
    let reference = json!({ "$ref": format!("#/components/parameters/{parameter}") });
    match operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    {
        Some(list) => list.push(reference),
        None => {
            operation.insert("parameters".into(), json!([reference]));
        }
    }
    let Some(responses) = operation
        .get_mut("responses")
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    for (status, response) in responses.iter_mut() {
        if status.starts_with('2') {
            response["headers"] = json!({ "Idempotent-Replayed": { "$ref": "#/components/headers/IdempotentReplayed" } });
        }
    }
    let invalid = if parameter == "EnrollIdempotencyKey" {
        e("idempotency_key_invalid", "on POST /v1/enroll the Idempotency-Key must be at least 32 characters (e.g. a UUID): it alone ties a retry to its enrollment")
    } else {
        e(
            "idempotency_key_invalid",
            "the Idempotency-Key must be 1 to 255 visible ASCII characters",
        )
    };
    add_error(
        responses,
        "400",
        "`idempotency_key_invalid`: the `Idempotency-Key` is empty, too long or not visible ASCII.",
        "invalid key",
        invalid,
    );
    add_error(
        responses,
        "409",
        "`idempotency_key_reused`: the `Idempotency-Key` was used with a different request.",
        "key reused",
        e("idempotency_key_reused", "this Idempotency-Key was already used with a different request; use a new key for a new request"),
    );
}

/// Adds an error example to the operation's response `status`, made if it has none.
fn add_error(
    responses: &mut Map<String, Value>,
    status: &str,
    description: &str,
    name: &str,
    example: Value,
) {
    let response = responses.entry(status).or_insert_with(|| {
        json!({
            "description": "",
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } },
        })
    });
    let said = response["description"].as_str().unwrap_or_default();
    response["description"] = if said.is_empty() {
        description.into()
    } else {
        format!("{said} {description}").into()
    };
    let content = &mut response["content"]["application/json"];
    if !content["examples"].is_object() {
        content["examples"] = json!({});
    }
    content["examples"][name] = json!({ "value": example });
}
