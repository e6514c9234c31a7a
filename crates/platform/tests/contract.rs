//! Contract tests: a real platform on loopback, spoken to over HTTP, one module per area.

// Test helpers live outside #[test] functions, where clippy's test allowances do not reach.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "contract/support.rs"]
mod support;

#[path = "contract/device_support.rs"]
mod device_support;

#[path = "contract/enroll.rs"]
mod enroll;

#[path = "contract/cards.rs"]
mod cards;

#[path = "contract/apps.rs"]
mod apps;

#[path = "contract/grants.rs"]
mod grants;

#[path = "contract/idempotency.rs"]
mod idempotency;

#[path = "contract/consent_rule.rs"]
mod consent_rule;

#[path = "contract/transactions.rs"]
mod transactions;

#[path = "contract/unrewarded.rs"]
mod unrewarded;

#[path = "contract/feed.rs"]
mod feed;

#[path = "contract/instances.rs"]
mod instances;

#[path = "contract/processes.rs"]
mod processes;

#[path = "contract/postgres_tls.rs"]
mod postgres_tls;

#[path = "contract/signatures.rs"]
mod signatures;

#[path = "contract/faults.rs"]
mod faults;

#[path = "contract/bad_input.rs"]
mod bad_input;

#[path = "contract/data_requests.rs"]
mod data_requests;

#[path = "contract/openapi.rs"]
mod openapi;

#[path = "contract/lifecycle.rs"]
mod lifecycle;

#[path = "contract/ids.rs"]
mod ids;

#[path = "contract/event_binding.rs"]
mod event_binding;

#[path = "contract/key_endorsements.rs"]
mod key_endorsements;

#[path = "contract/card_number_text.rs"]
mod card_number_text;

#[path = "contract/device_chain.rs"]
mod device_chain;

#[path = "contract/devices.rs"]
mod devices;

#[path = "contract/signed_changes.rs"]
mod signed_changes;

#[path = "contract/languages.rs"]
mod languages;

#[cfg(unix)]
#[path = "contract/data_dir.rs"]
mod data_dir;
