//! Shared helpers for Consentry's cross-crate and end-to-end tests.
// Test support: a failed expectation here is a failed test, so panicking is the point.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

pub mod app;
pub mod memscan;
