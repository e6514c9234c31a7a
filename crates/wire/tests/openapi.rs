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

#[test]
fn fields_a_wallet_defaults_stay_required_in_the_document() {
    let document = openapi::document();
    let schemas = &document["components"]["schemas"];
    for (schema, field) in [
        ("App", "category"),
        ("App", "fee_description"),
        ("App", "privacy_url"),
        ("App", "website_url"),
        ("Pairing", "device_name"),
    ] {
        let required = schemas[schema]["required"].as_array().cloned();
        assert!(
            required.is_some_and(|r| r.iter().any(|name| name == field)),
            "{schema}.{field} is not required"
        );
        assert!(
            schemas[schema]["properties"][field]
                .get("default")
                .is_none(),
            "{schema}.{field} has a default in the document"
        );
    }
}

#[test]
fn a_wallet_reads_an_app_and_a_pairing_without_their_defaulted_fields() {
    let app: consentry_wire::App = serde_json::from_value(serde_json::json!({
        "id": "app_quire", "name": "Quire", "publisher": "Quire Ltd", "description": "Receipts",
        "requested_scopes": ["receipts"],
        "terms": { "version": 1, "text": "t", "published_at": "2026-01-05T10:00:00Z", "hash": "00" },
        "fee_model": { "kind": "none" },
    }))
    .unwrap();
    assert_eq!(
        (
            app.category,
            app.fee_description,
            app.privacy_url,
            app.website_url
        ),
        Default::default()
    );
    let pairing: consentry_wire::Pairing = serde_json::from_value(serde_json::json!({
        "device_id": "dev_b", "public_key": "dpk_x", "proof": "00",
        "created_at": "2026-01-05T10:05:12.345Z",
    }))
    .unwrap();
    assert_eq!(pairing.device_name, "");
}

#[test]
fn an_expiration_with_another_field_is_refused_in_a_request_and_read_in_an_answer() {
    let expiration = serde_json::json!({ "month": 12, "year": 2030, "colour": "blue" });
    let request = serde_json::json!({ "number": "4242 4242 4242 4242", "expiration": expiration });
    let refused = serde_json::from_value::<consentry_wire::LinkCardRequest>(request)
        .err()
        .map(|e| e.to_string());
    assert!(
        refused
            .as_deref()
            .is_some_and(|e| e.contains("unknown field `colour`")),
        "{refused:?}"
    );
    let read: consentry_wire::Expiration = serde_json::from_value(expiration).unwrap();
    assert_eq!((read.month, read.year), (12, 2030));
}
