//! `consentry-sync`: the wallet's side of the platform. Every consent change reaches the
//! platform exactly once in effect; every event arrives verified, once.
//!
//! # Using it (what the api crate wires)
//!
//! ```no_run
//! # async fn demo(pool: sqlx::SqlitePool) -> Result<(), consentry_sync::SyncError> {
//! use chrono::Utc;
//! use consentry_sync::{EnrollRequest, SyncConfig, Syncer};
//!
//! // One syncer per unlocked wallet (the pool of `Wallet::pool()`).
//! let syncer = Syncer::new(pool, SyncConfig::default()).await?;
//!
//! // `platform_enroll`: URL + optional credentials of an existing cardholder.
//! let enrollment = syncer
//!     .enroll(
//!         &EnrollRequest {
//!             platform_url: "https://platform.example".into(),
//!             device_name: "Ada's laptop".into(),
//!             existing: None,
//!         },
//!         Utc::now(),
//!     )
//!     .await?;
//! let _shown_once = enrollment.credentials(); // lets the cardholder add another device
//!
//! // Background: long-polls the feed, drains the outbox, reconciles; ends on shutdown or lock.
//! let background = syncer.clone();
//! tokio::spawn(async move { background.run(std::future::pending::<()>()).await });
//!
//! // After recording a consent change (`store::ledger::record`, origin Local):
//! syncer.wake();
//! // `sync_now` / `sync_status`:
//! let report = syncer.sync_once(Utc::now()).await?;
//! let status = syncer.status(); // also pushed on `syncer.subscribe()` (a watch channel)
//! # let _ = (report, status);
//! # Ok(()) }
//! ```
//!
//! ## The public API
//!
//! - [`Syncer`] (one per unlocked wallet; cheap to clone):
//!   `Syncer::new(pool, SyncConfig) -> Result<Syncer>`,
//!   `enroll(&EnrollRequest, now) -> Result<Enrollment>`, `enrollment() -> Option<Enrollment>`,
//!   `sync_once(now) -> Result<SyncReport>` (drain + feed + reconcile), and each step alone:
//!   `drain_outbox(now)`, `pull_events(now)`, `reconcile(now)`;
//!   `run(shutdown)` (the background loop; ends on shutdown or when the wallet locks),
//!   `wake()` (after recording a consent change), `status() -> SyncStatus`,
//!   `subscribe() -> watch::Receiver<SyncStatus>`, `counters() -> SyncCounters`,
//!   `client() -> Result<PlatformClient>`, `refresh_directory(now) -> Result<usize>`.
//! - [`PlatformClient`]: `enroll`, `signing_keys`, `link_card`, `cards`, `remove_card`, `apps`,
//!   `grants`, `put_grant`, `events` (long-poll), `event`; every failure a [`SyncError`] with
//!   `code()` ([`SyncErrorCode`]), `is_retryable()`, `retry_after()`, `info()` (`{code, message}`).
//! - [`grant_id_for`]: **create grants with this id** — the same on every device, so two
//!   devices granting the same app × card × scope change one platform grant.
//! - [`consent_evidence`]: the verdict on a stored event with the grant history proving it.
//! - [`load_enrollment`], [`Enrollment::summary`] (no secrets, for the UI),
//!   [`Enrollment::credentials`] (what adds another device), [`DeviceToken`] and
//!   [`CardholderSecret`] (redacted `Debug`, no `Serialize`, wiped on drop).
//!
//! # The rules it keeps
//!
//! - **Outbox** (`drain.rs`): per app × card × scope in ledger order; waves of different
//!   grants in parallel; the exact request (idempotency key + body) stored before its first
//!   send and repeated verbatim after any failure or crash; backoff with jitter, `Retry-After`.
//! - **Conflicts** (`resolve.rs`): the platform's version order decides, a revocation is
//!   never undone, every conflict is a ledger note plus an ordinary entry for the outcome.
//! - **Other devices** (`remote.rs`, `reconcile.rs`): remote states enter the ledger as
//!   remote entries (`ChangeOrigin::Remote`, device `platform`), never while a local change
//!   of that grant is pending.
//! - **Feed** (`feed.rs`, `webhook.rs`): Ed25519 Standard Webhooks signatures against the
//!   enrolled keys, a ±5 min delivery-timestamp window (the platform signs at delivery),
//!   dedupe by id, cursor and events in one transaction, quarantine for what fails.
//! - **Consent** (`consent.rs`): violations judged at the event's time against the ledger;
//!   `app.terms_changed` puts the app's grants on needs-re-consent.
//!
//! Logic takes `now` as a parameter; only [`Syncer::run`] reads the clock.

mod backoff;
mod cardholder_api;
mod cards;
mod change;
mod client;
mod config;
mod consent;
mod deliveries;
mod device;
mod device_api;
mod drain;
mod engine;
mod enrollment;
mod error;
mod feed;
/// Entry points for fuzz targets and their corpus regression test.
pub mod fuzzing;
mod platform_api;
mod reconcile;
mod remote;
mod resolve;
mod secret;
mod status;
mod sync_state;
mod syncer;
mod webhook;
mod wire;

pub use backoff::Backoff;
pub use cardholder_api::{DataRequestKind, PlatformDataRequest, SimulatedPurchase};
pub use cards::remember_devices;
pub use change::{grant_id_for, is_valid_grant_id, GrantChange};
pub use client::{parse_platform_url, ClientConfig, PlatformClient};
pub use config::SyncConfig;
pub use consent::consent_evidence;
pub use device::{consent_proof, PAIRING_CODE_LIFETIME};
pub use device_api::PlatformDevice;
pub use engine::PairingCode;
pub use engine::PLATFORM_DEVICE;
pub use enrollment::{load as load_enrollment, EnrollRequest, Enrollment, EnrollmentSummary};
pub use error::{RetryAfter, SyncError, SyncErrorCode, SyncErrorInfo};
pub use platform_api::{EnrolledDevice, PutOutcome, MAX_PAGE, MAX_WAIT};
pub use secret::{CardholderCredentials, CardholderSecret, DeviceToken};
pub use status::{SyncCounters, SyncReport, SyncStatus};
pub use sync_state::FEED;
pub use syncer::Syncer;
pub use webhook::{
    endorsement_content, extend_trust, verify_any, FeedVerifier, Verdict,
    DEFAULT_TIMESTAMP_TOLERANCE,
};
pub use wire::{
    decode_public_key, Endorsement, FeedItem, FeedPage, LinkedCard, PairingRequest, PlatformApp,
    PlatformCard, RemoteGrant, SigningKeyInfo, UnreadableDelivery,
};
