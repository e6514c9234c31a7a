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

#[test]
fn the_currency_enum_is_what_the_server_accepts_with_its_bounds() {
    use consentry_domain::Currency;
    let document = openapi::document();
    let schemas = &document["components"]["schemas"];
    let codes: Vec<String> = Currency::all()
        .iter()
        .map(|c| c.code().to_owned())
        .collect();
    let listed = |schema: &serde_json::Value| -> Vec<String> {
        schema["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(listed(&schemas["Money"]["properties"]["currency"]), codes);
    let served: Vec<String> = consentry_wire::currencies::accepted()
        .currencies
        .into_iter()
        .map(|c| c.code)
        .collect();
    assert_eq!(served, codes);
    for request in ["PurchaseRequest", "UnrewardedPurchase"] {
        let branches = schemas[request]["properties"]["amount"]["oneOf"]
            .as_array()
            .unwrap();
        let mut seen = Vec::new();
        for branch in branches {
            let minor = &branch["properties"]["minor"];
            for code in listed(&branch["properties"]["currency"]) {
                let currency = Currency::new(&code).unwrap();
                let (min, max) = consentry_wire::currencies::purchase_bounds(currency);
                assert_eq!(minor["minimum"], min, "{request} {code}");
                assert_eq!(minor["maximum"], max, "{request} {code}");
                seen.push(code);
            }
        }
        seen.sort();
        assert_eq!(
            seen, codes,
            "{request}: each currency in exactly one branch"
        );
    }
    let jpy = consentry_wire::CurrencyInfo::of(Currency::JPY);
    assert_eq!((jpy.exponent, jpy.max_purchase_minor), (0, 1_000_000));
}

#[test]
fn every_integer_of_a_request_states_the_range_its_reader_accepts() {
    let document = openapi::document();
    let schemas = &document["components"]["schemas"];
    for (schema, at) in [
        ("GrantChange", "/oneOf/1/properties/base_version"),
        ("GrantChange", "/oneOf/0/properties/terms_version"),
        ("FaultConfig", "/properties/seed"),
        ("Money", "/properties/minor"),
    ] {
        let integer = schemas[schema].pointer(at).unwrap();
        assert!(
            integer["minimum"].is_number() && integer["maximum"].is_number(),
            "{schema}{at}: {integer}"
        );
    }
    let seed = &schemas["FaultConfig"]["properties"]["seed"];
    assert_eq!(seed["maximum"], u64::MAX);
}

#[test]
fn every_platform_operation_may_answer_429_with_retry_after() {
    let document = openapi::document();
    let mut count = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        if !path.starts_with("/v1/") {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            assert_eq!(
                op["responses"]["429"]["$ref"], "#/components/responses/RateLimited",
                "{method} {path}"
            );
            count += 1;
        }
    }
    assert!(count > 25, "{count}");
    let limited = &document["components"]["responses"]["RateLimited"];
    assert_eq!(
        limited["headers"]["Retry-After"]["$ref"],
        "#/components/headers/RetryAfter"
    );
    assert_eq!(
        document["components"]["headers"]["RetryAfter"]["required"],
        true
    );
}

/// Every link names an operation of the document, only parameters that operation takes and
/// only body fields its request schema has; the main flows are chained.
#[test]
fn links_chain_the_main_flows_onto_real_operations() {
    let document = openapi::document();
    let mut operations = std::collections::BTreeMap::new();
    for item in document["paths"].as_object().unwrap().values() {
        for op in item.as_object().unwrap().values() {
            operations.insert(op["operationId"].as_str().unwrap().to_owned(), op.clone());
        }
    }
    let mut chained = std::collections::BTreeSet::new();
    for (source, op) in &operations {
        for response in op["responses"].as_object().unwrap().values() {
            for link in response["links"]
                .as_object()
                .into_iter()
                .flat_map(|l| l.values())
            {
                let target_id = link["operationId"].as_str().unwrap();
                let target = &operations[target_id];
                for name in link["parameters"]
                    .as_object()
                    .into_iter()
                    .flat_map(|p| p.keys())
                {
                    let takes = target["parameters"]
                        .as_array()
                        .is_some_and(|params| params.iter().any(|p| p["name"] == name.as_str()));
                    assert!(takes, "{source} → {target_id}: no parameter {name}");
                }
                if let Some(body) = link["requestBody"].as_object() {
                    let schema = target["requestBody"]["content"]["application/json"]["schema"]
                        ["$ref"]
                        .as_str()
                        .unwrap()
                        .rsplit('/')
                        .next()
                        .unwrap();
                    let properties = &document["components"]["schemas"][schema]["properties"];
                    for field in body.keys() {
                        assert!(
                            properties.get(field).is_some(),
                            "{source} → {target_id}: {schema} has no {field}"
                        );
                    }
                }
                chained.insert((source.clone(), target_id.to_owned()));
            }
        }
    }
    for (from, to) in [
        ("enroll", "linkCard"),
        ("linkCard", "simulatePurchase"),
        ("simulatePurchase", "simulateSettle"),
        ("simulateSettle", "listEvents"),
        ("simulatePurchase", "getEvent"),
        ("applyConsentChange", "listGrants"),
    ] {
        assert!(
            chained.contains(&(from.to_owned(), to.to_owned())),
            "{from} → {to}"
        );
    }
}
