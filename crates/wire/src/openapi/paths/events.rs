//! The signed event feed.

use serde_json::{json, Value};

use super::{e, ex, json_content, ok, path_param, schema_ref, with_errors, Op};

pub(super) fn add(put: &mut impl FnMut(&str, Value)) {
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
}
