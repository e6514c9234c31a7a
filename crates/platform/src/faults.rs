//! Fault injection: the network and platform misbehaviour a client must survive, switched
//! on per test (in [`crate::PlatformConfig`] or with `PUT /v1/admin/faults`) and driven by a
//! seeded random generator so a failing run can be replayed.
//!
//! Request-level faults (error rate, latency, dropped connection after commit) apply to
//! every `/v1/` endpoint except the admin ones. Delivery faults (duplicates, reordering,
//! stale timestamps, bad signatures) apply to the event feed.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng as _};

pub use consentry_wire::FaultConfig;

use crate::error::ApiError;

/// How one feed item is to be delivered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryFaults {
    pub duplicate: bool,
    pub stale_by_seconds: Option<i64>,
    pub bad_signature: bool,
}

/// The live fault configuration and its random generator.
pub struct Faults {
    inner: Mutex<(FaultConfig, StdRng)>,
}

impl Faults {
    pub fn new(config: FaultConfig) -> Faults {
        let rng = StdRng::seed_from_u64(config.seed);
        Faults {
            inner: Mutex::new((config, rng)),
        }
    }

    pub fn get(&self) -> FaultConfig {
        self.with(|config, _| config.clone())
    }

    pub fn set(&self, config: FaultConfig) {
        self.with(|current, rng| {
            *rng = StdRng::seed_from_u64(config.seed);
            *current = config;
        });
    }

    fn with<T>(&self, f: impl FnOnce(&mut FaultConfig, &mut StdRng) -> T) -> T {
        let mut guard = match self.inner.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let (config, rng) = &mut *guard;
        f(config, rng)
    }

    fn roll(rng: &mut StdRng, rate: f64) -> bool {
        rate > 0.0 && rng.gen_bool(rate.min(1.0))
    }

    /// Decides the faults of one feed item.
    pub fn delivery(&self, event_id: &str, event_type: &str) -> DeliveryFaults {
        self.with(|config, rng| DeliveryFaults {
            duplicate: Self::roll(rng, config.duplicate_rate),
            stale_by_seconds: Self::roll(rng, config.stale_timestamp_rate)
                .then(|| i64::try_from(config.stale_by_seconds).unwrap_or(i64::MAX)),
            bad_signature: Self::roll(rng, config.bad_signature_rate)
                || config
                    .bad_signature_event_ids
                    .iter()
                    .any(|id| id == event_id)
                || config
                    .bad_signature_event_types
                    .iter()
                    .any(|t| t == event_type),
        })
    }

    /// Shuffles a feed page when the out-of-order fault fires; the result is never in
    /// `key` order (unless every key is equal).
    pub fn maybe_shuffle<T, K: Ord>(&self, items: &mut [T], key: impl Fn(&T) -> K) {
        self.with(|config, rng| {
            if Self::roll(rng, config.out_of_order_rate) && items.len() > 1 {
                for i in (1..items.len()).rev() {
                    items.swap(i, rng.gen_range(0..=i));
                }
                if items.is_sorted_by_key(&key) {
                    items.reverse();
                }
            }
        });
    }

    fn before_request(&self) -> (Duration, bool) {
        self.with(|config, rng| {
            (
                Duration::from_millis(config.latency_ms),
                Self::roll(rng, config.error_rate),
            )
        })
    }

    fn drop_after_commit(&self) -> bool {
        self.with(|config, rng| Self::roll(rng, config.drop_after_commit_rate))
    }
}

/// Middleware applying request-level faults to the `/v1/` routes it wraps.
pub async fn inject(State(faults): State<Arc<Faults>>, request: Request, next: Next) -> Response {
    let (latency, fail) = faults.before_request();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if fail {
        return ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "injected_fault",
            "fault injection: this request failed before it was handled",
        )
        .into_response();
    }
    let writes = [Method::POST, Method::PUT, Method::DELETE, Method::PATCH];
    let is_write = writes.contains(request.method());
    let response = next.run(request).await;
    if is_write && response.status().is_success() && faults.drop_after_commit() {
        // The body fails before its first byte: hyper closes the connection without
        // sending the status line, as if the network had dropped it.
        return Response::new(Body::new(FailingBody));
    }
    response
}

/// A response body that errors on first poll.
struct FailingBody;

impl http_body::Body for FailingBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fault injection: connection dropped after commit",
        ))))
    }
}
