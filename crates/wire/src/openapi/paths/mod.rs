//! Every operation of the platform: parameters, request bodies, responses and examples, one
//! room per area of the API (the tags of the document), then the `links` between them and the
//! `Accept-Language` parameter.

use serde_json::{json, Map, Value};

use super::examples::{self as ex, card_number_in as pan_text, error as e};
use super::{json_content, schema_ref};

mod cards;
mod consent;
mod devices;
mod events;
mod language;
mod links;
mod operator;
mod privacy;
mod simulation;

use language::{accept_language, language_ok};

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
    devices::add(&mut put);
    cards::add(&mut put);
    consent::add(&mut put);
    events::add(&mut put);
    simulation::add(&mut put);
    privacy::add(&mut put);
    operator::add(&mut put);
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
    links::links(&mut paths);
    Value::Object(paths)
}
