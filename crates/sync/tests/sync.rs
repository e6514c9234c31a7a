//! The sync crate's integration tests: a real platform on loopback (with its fault injection,
//! and a hostile proxy for what it cannot fake), real SQLCipher wallets in temp dirs, real
//! child processes killed with SIGKILL.
//!
//! Run with `--nocapture` to see the figures (`figures …` lines) for the closing note.

// Test code fails loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

#[path = "sync/support.rs"]
mod support;

#[path = "sync/changes.rs"]
mod changes;

#[path = "sync/checks.rs"]
mod checks;

#[path = "sync/proxy.rs"]
mod proxy;

#[path = "sync/client.rs"]
mod client;

#[path = "sync/retries.rs"]
mod retries;

#[path = "sync/outbox.rs"]
mod outbox;

#[path = "sync/devices.rs"]
mod devices;

#[path = "sync/feed.rs"]
mod feed;

#[path = "sync/hostile.rs"]
mod hostile;

#[path = "sync/signed_consent.rs"]
mod signed_consent;

#[path = "sync/languages.rs"]
mod languages;

#[path = "sync/consent.rs"]
mod consent;

#[path = "sync/status.rs"]
mod status;

#[path = "sync/crash.rs"]
mod crash;

#[path = "sync/model.rs"]
mod model;
