//! `consentry-platform`: the reference implementation of the card-linking platform the
//! Consentry wallet talks to (CardSpring's role): card tokenization, the app directory,
//! consents with idempotent versioned changes, a purchase simulator whose apps react only
//! under a matching grant, a signed event feed (Standard Webhooks, Ed25519), and fault
//! injection for tests.
//!
//! The contract is `docs/platform/openapi.json` (served at `/openapi.json`). Run it as the
//! `consentry-platform` binary, or embed it:
//!
//! ```no_run
//! # async fn demo() -> Result<(), consentry_platform::PlatformError> {
//! let platform = consentry_platform::serve(consentry_platform::PlatformConfig::default()).await?;
//! println!("platform at {}", platform.base_url());
//! platform.shutdown().await
//! # }
//! ```

mod admin;
mod apps;
mod auth;
mod cards;
mod clock;
mod config;
mod consent_signatures;
mod data_requests;
mod db;
mod device_chain;
mod devices;
mod enroll;
mod error;
mod events;
mod extract;
mod faults;
mod feed;
mod fingerprints;
mod fx;
mod grant_changes;
mod grant_request;
mod grant_store;
mod grants;
mod idempotency;
pub mod ids;
mod keys;
mod language;
#[cfg(feature = "postgres")]
mod listener;
mod merchants;
mod openapi;
mod pairings;
mod purchases;
mod reactions;
mod receipts;
mod router;
mod seed;
mod server;
mod settler;
pub mod signing;
mod simulate;
mod simulator;
mod state;
mod transactions;
mod wording;

pub use config::{PlatformConfig, SimulatorConfig};
pub use db::{DataLocation, DatabaseUrl, DATABASE_FILE};
pub use error::PlatformError;
pub use faults::FaultConfig;
pub use openapi::DOCUMENT as OPENAPI_DOCUMENT;
pub use router::ROUTES;
pub use server::{serve, RunningPlatform};
