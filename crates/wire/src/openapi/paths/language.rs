//! `Accept-Language` on the operations whose texts are in the cardholder's language.

use serde_json::{json, Map, Value};

use super::ok;

/// A success whose texts are in the negotiated language (`Content-Language`).
pub(super) fn language_ok(
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
pub(super) fn accept_language(paths: &mut Map<String, Value>) {
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
