//! The committed `docs/platform/openapi.json` is what the wire types generate.

use consentry_wire::openapi;

#[test]
fn the_committed_document_is_generated_from_the_wire_types() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/platform/openapi.json"
    );
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == openapi::document_text(),
        "{} is stale: regenerate it with `{}`",
        openapi::PATH,
        openapi::REGENERATE
    );
}

#[test]
fn every_error_code_is_in_the_document() {
    let document = openapi::document();
    let codes = &document["components"]["schemas"]["Error"]["properties"]["code"]["enum"];
    assert_eq!(
        codes.as_array().map(Vec::len),
        Some(consentry_wire::error::ERROR_CODES.len())
    );
}
