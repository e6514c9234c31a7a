//! The wallet's tables, one module per thing the queries touch. Each function takes a pool (or
//! a connection) and the time; none knows about keys.

pub mod access;
pub mod activity;
pub mod admission;
pub mod apps;
pub mod arrivals;
pub mod cards;
pub mod claims;
pub mod conflicts;
pub mod devices;
pub mod event_stream;
pub mod events;
pub mod feed_gaps;
pub mod grants;
pub mod history;
pub mod ledger;
pub mod outbox;
pub mod pan_guard;
pub mod platform_claims;
pub mod purchases;
pub mod quarantine;
pub mod reward_stats;
pub mod search;
pub mod selection;
pub mod settings;
pub mod signed_changes;
