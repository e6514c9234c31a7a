//! How the syncer behaves ([`SyncConfig`]); the app uses the defaults, tests shorten them.

use std::time::Duration;

use crate::backoff::Backoff;
use crate::client::ClientConfig;
use crate::webhook::DEFAULT_TIMESTAMP_TOLERANCE;

/// How the syncer behaves. `SyncConfig::default()` is what the app uses.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    pub client: ClientConfig,
    pub backoff: Backoff,
    /// How far a delivery's timestamp may be from the local clock (see `webhook.rs`).
    pub timestamp_tolerance: Duration,
    /// Feed page size (1–500).
    pub page_size: u32,
    /// How long one long-poll of the feed waits for new events (at most 30 s).
    pub long_poll: Duration,
    /// Consent changes of different grants sent concurrently.
    pub wave_size: usize,
    /// How often the background loop reconciles with `GET /v1/grants`.
    pub reconcile_every: Duration,
    /// The device id written in the `conflict` notes this device adds to the ledger (use the
    /// one the app writes in its own consent changes).
    pub local_device_id: String,
    /// Seed for the backoff jitter (tests); `None`: from the OS.
    pub rng_seed: Option<u64>,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            client: ClientConfig::default(),
            backoff: Backoff::default(),
            timestamp_tolerance: DEFAULT_TIMESTAMP_TOLERANCE,
            page_size: 500,
            long_poll: Duration::from_secs(25),
            wave_size: 32,
            reconcile_every: Duration::from_secs(5 * 60),
            local_device_id: "this-device".to_owned(),
            rng_seed: None,
        }
    }
}
