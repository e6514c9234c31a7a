//! The single integration-test binary of consentry-domain.

// clippy.toml allows these inside `#[test]` functions only; fixtures and helpers here
// are test code too, and a failed unwrap is exactly how they should fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod domain {
    mod card;
    mod consent_check;
    mod event;
    mod fee;
    mod grant;
    mod ledger;
    mod money;
    mod pan_text;
    mod replay_property;
    mod support;
}
