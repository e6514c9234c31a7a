//! The store's integration tests: real SQLCipher files in temp dirs, the real keyring daemon
//! (when a session bus exists), real child processes for crash tests.

// Helpers outside `#[test]` functions fail loudly too: this is test code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "store/support.rs"]
mod support;

#[path = "store/open_states.rs"]
mod open_states;

#[path = "store/cards.rs"]
mod cards;

#[path = "store/consents.rs"]
mod consents;

#[path = "store/history.rs"]
mod history;

#[path = "store/ingest.rs"]
mod ingest;

#[path = "store/purchases.rs"]
mod purchases;

#[path = "store/disk_full.rs"]
mod disk_full;

#[path = "store/migrations.rs"]
mod migrations;

#[path = "store/rekey.rs"]
mod rekey;

#[path = "store/keyring.rs"]
mod keyring;

#[path = "store/canary.rs"]
mod canary;

#[path = "store/outside_client.rs"]
mod outside_client;
