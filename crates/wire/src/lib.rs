//! `consentry-wire`: the platform's HTTP contract, written once. Every body that crosses the
//! platform API — requests, responses, the error body, feed pages, keys — is a type here,
//! used by the server (`consentry-platform`) and by the wallet's client (`consentry-sync`).
//!
//! `docs/platform/openapi.json` is generated from these types ([`openapi::document`]):
//!
//! ```text
//! cargo run -p consentry-wire --bin gen-openapi > docs/platform/openapi.json
//! ```
//!
//! Conventions: snake_case fields; times are RFC 3339 with milliseconds and `Z`
//! ([`time`]); request types refuse unknown fields, response types accept them (the
//! platform may grow). Domain values (`Money`, `Grant`, `DeviceLink`, …) cross the wire as
//! the domain serializes them; [`schema`] describes them for the document.

pub mod admin;
pub mod apps;
pub mod cards;
pub mod currencies;
pub mod devices;
pub mod error;
pub mod feed;
pub mod grants;
pub mod openapi;
pub mod privacy;
pub mod schema;
pub mod simulate;
pub mod time;

pub use admin::{
    AdvanceClock, ClockState, FaultConfig, Health, RogueEvent, RogueEventSent, UnrewardedPurchase,
};
pub use apps::{App, AppList, PublishTerms, Terms};
pub use cards::{Card, CardList, Expiration, LinkCardRequest, RenameCardRequest};
pub use currencies::{CurrencyInfo, CurrencyList};
pub use devices::{
    DeviceChain, DeviceInfo, DeviceList, Endorsement, EnrollRequest, Enrollment, KeyList, Pairing,
    PairingList, PairingRequest, PublicKey,
};
pub use error::ErrorBody;
pub use feed::{FeedItem, FeedPage, FeedQuery};
pub use grants::{GrantChange, GrantList};
pub use privacy::{DataRequest, DataRequestKind, DataRequestList, NewDataRequest};
pub use simulate::{Decision, Outcome, PurchaseRequest, StepResult, Transaction, TransactionRef};
