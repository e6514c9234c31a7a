//! Every route of the platform, with the layers that make bad input a 4xx `{code,
//! message}`: body limit, JSON fallbacks for unknown paths and methods, panic catcher.

use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{delete, get, patch, post, put};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

use crate::state::AppState;
use crate::{
    admin, apps, cards, data_requests, device_chain, devices, enroll, error, faults, feed, grants,
    openapi, pairings, simulate,
};

/// Every operation, as `(method, path)` in OpenAPI path syntax; the contract tests check
/// that `docs/platform/openapi.json` documents exactly these.
pub const ROUTES: &[(&str, &str)] = &[
    ("post", "/v1/enroll"),
    ("get", "/v1/keys"),
    ("get", "/v1/currencies"),
    ("get", "/v1/devices"),
    ("delete", "/v1/devices/{device_id}"),
    ("get", "/v1/devices/chain"),
    ("post", "/v1/devices/chain"),
    ("get", "/v1/devices/pairings"),
    ("post", "/v1/devices/pairings"),
    ("post", "/v1/cards"),
    ("get", "/v1/cards"),
    ("patch", "/v1/cards/{token}"),
    ("delete", "/v1/cards/{token}"),
    ("get", "/v1/apps"),
    ("post", "/v1/apps/{app_id}/terms"),
    ("get", "/v1/grants"),
    ("put", "/v1/grants/{grant_id}"),
    ("get", "/v1/events"),
    ("get", "/v1/events/{event_id}"),
    ("post", "/v1/simulate/purchase"),
    ("post", "/v1/simulate/settle"),
    ("post", "/v1/simulate/reverse"),
    ("post", "/v1/data-requests"),
    ("get", "/v1/data-requests"),
    ("get", "/v1/admin/faults"),
    ("put", "/v1/admin/faults"),
    ("post", "/v1/admin/clock"),
    ("post", "/v1/admin/apps/{app_id}/rogue-event"),
    ("post", "/v1/admin/apps/{app_id}/unrewarded-purchase"),
    ("post", "/v1/admin/keys/rotate"),
    ("get", "/openapi.json"),
    ("get", "/healthz"),
];

pub fn router(state: AppState, max_body_bytes: usize) -> Router {
    // Faults apply to the cardholder API, never to the operator's controls.
    let cardholder_api = Router::new()
        .route("/v1/enroll", post(enroll::enroll))
        .route("/v1/keys", get(enroll::keys))
        .route("/v1/currencies", get(simulate::currencies))
        .route("/v1/devices", get(devices::list))
        .route("/v1/devices/{device_id}", delete(devices::remove))
        .route(
            "/v1/devices/chain",
            get(device_chain::get).post(device_chain::post),
        )
        .route(
            "/v1/devices/pairings",
            post(pairings::create).get(pairings::list),
        )
        .route("/v1/cards", post(cards::link).get(cards::list))
        .route(
            "/v1/cards/{token}",
            patch(cards::rename).delete(cards::remove),
        )
        .route("/v1/apps", get(apps::list))
        .route("/v1/grants", get(grants::list))
        .route("/v1/grants/{grant_id}", put(grants::put))
        .route("/v1/events", get(feed::list))
        .route("/v1/events/{event_id}", get(feed::get_one))
        .route("/v1/simulate/purchase", post(simulate::purchase))
        .route("/v1/simulate/settle", post(simulate::settle))
        .route("/v1/simulate/reverse", post(simulate::reverse))
        .route(
            "/v1/data-requests",
            post(data_requests::create).get(data_requests::list),
        )
        .route_layer(middleware::from_fn_with_state(
            state.faults.clone(),
            faults::inject,
        ));
    let operator_api = Router::new()
        .route("/v1/apps/{app_id}/terms", post(apps::publish_terms))
        .route(
            "/v1/admin/faults",
            get(admin::get_faults).put(admin::put_faults),
        )
        .route("/v1/admin/clock", post(admin::advance_clock))
        .route(
            "/v1/admin/apps/{app_id}/rogue-event",
            post(admin::rogue_event),
        )
        .route(
            "/v1/admin/apps/{app_id}/unrewarded-purchase",
            post(admin::unrewarded_purchase),
        )
        .route("/v1/admin/keys/rotate", post(admin::rotate_keys));
    Router::new()
        .merge(cardholder_api)
        .merge(operator_api)
        .route("/openapi.json", get(openapi::document))
        .route("/healthz", get(openapi::health))
        .fallback(error::route_not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(TraceLayer::new_for_http())
        .layer(CatchPanicLayer::custom(error::panic_response))
        .with_state(state)
}
