//! Data requests to apps.

use serde_json::{json, Value};

use super::{e, ex, ok, with_errors, Op};

pub(super) fn add(put: &mut impl FnMut(&str, Value)) {
    let data_request = ex::data_request();
    put(
        "/v1/data-requests",
        json!({
            "post": Op::new("createDataRequest", "Ask an app for a copy of, or the deletion of, my data", "privacy")
                .body("NewDataRequest", &[("access", json!({ "app_id": "app_beanstamp", "kind": "access" })), ("deletion", json!({ "app_id": "app_tastemaker", "kind": "deletion" }))])
                .responses(with_errors(
                    vec![ok(201, "Received; due within a month.", "DataRequest", &[("access", data_request.clone())])],
                    &[(422, "Unknown app or kind.", vec![e("app_not_found", "no app with this app_id")])],
                )),
            "get": Op::new("listDataRequests", "My data requests and their status", "privacy")
                .responses(with_errors(vec![ok(200, "Oldest first.", "DataRequestList", &[("list", json!({ "data_requests": [data_request] }))])], &[])),
        }),
    );
}
