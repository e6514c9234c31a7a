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
//! [`grant_id_for`] gives the id every device uses for an app × card × scope, so two devices
//! granting the same permission change one platform grant.
//!
//! # The rules it keeps
//!
//! - **Outbox** (`drain.rs`): per app × card × scope in ledger order; waves of different
//!   grants in parallel; the exact request (idempotency key + body) stored before its first
//!   send and repeated verbatim after any failure or crash; backoff with jitter, `Retry-After`.
//! - **Conflicts** (`resolve.rs`): the platform's version order decides, a revocation is
//!   never undone, every conflict is a ledger note plus an ordinary entry for the outcome,
//!   and each change set aside is kept for the cardholder with the device whose change won.
//! - **Other devices** (`remote.rs`, `reconcile.rs`, `device.rs`): a remote state enters the
//!   ledger as a remote entry (`ChangeOrigin::Remote`) under the device that signed it, when
//!   the cardholder's device chain vouches for that device; otherwise it is the platform's
//!   claim. Never while a local change of that grant is pending.
//! - **Cards** (`cards.rs`): cards linked, renamed or unlinked on another device follow here.
//! - **Feed** (`feed.rs`, `webhook.rs`): Ed25519 Standard Webhooks signatures against the
//!   enrolled keys, a ±5 min delivery-timestamp window (the platform signs at delivery),
//!   dedupe by id, cursor and events in one transaction, quarantine for what fails.
//! - **Consent** (`consent.rs`): violations judged at the event's time against the ledger;
//!   `app.terms_changed` puts the app's grants on needs-re-consent.
//!
//! The engine's state is grouped by the step that owns it (`state.rs`). Logic takes `now` as a
//! parameter; only [`Syncer::run`] reads the clock.

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
mod languages;
mod platform_api;
mod reconcile;
mod remote;
mod resolve;
mod secret;
mod state;
mod status;
mod sync_state;
mod syncer;
mod webhook;
mod wire;

pub use backoff::Backoff;
pub use cardholder_api::{
    DataRequestKind, PlatformDataRequest, SimulatedPurchase, UnrewardedPurchase,
};
pub use cards::remember_devices;
pub use change::{grant_id_for, is_valid_grant_id, GrantChange};
pub use client::{parse_platform_url, ClientConfig, PlatformClient};
pub use config::SyncConfig;
pub use consent::consent_evidence;
pub use device::{consent_proof, PAIRING_CODE_LIFETIME};
pub use device_api::PlatformDevice;
pub use engine::PLATFORM_DEVICE;
pub use enrollment::{load as load_enrollment, EnrollRequest, Enrollment, EnrollmentSummary};
pub use error::{RetryAfter, SyncError, SyncErrorCode, SyncErrorInfo};
pub use languages::Languages;
pub use platform_api::{EnrolledDevice, PutOutcome, MAX_PAGE, MAX_WAIT};
pub use secret::{CardholderCredentials, CardholderSecret, DeviceToken, OperatorToken};
pub use state::PairingCode;
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
