//! Shared helpers for Consentry's cross-crate and end-to-end tests.

pub mod app;
