//! The cardholder's history in open formats, streamed from the wallet with constant memory.
//!
//! - **CSV** ([`ExportFormat::Csv`]): a folder with one RFC 4180 file per event kind and one
//!   for receipt lines; stable, documented columns (`docs/export/README.md`); money as a
//!   decimal string beside its currency code, never a float.
//! - **JSON** ([`ExportFormat::Json`]): one versioned document
//!   (`{"format":"consentry-export","version":1,…}`), described by the JSON Schema in
//!   `docs/export/export.schema.json`.
//! - **OFX 2.2** ([`ExportFormat::Ofx`]): settled card payments and paid cashback, one
//!   statement per card and currency, for accounting software.
//! - **Archive** ([`ExportFormat::Archive`]): all of these plus the consent ledger, zipped and
//!   encrypted with a password in the age format (`age --decrypt` opens it).
//!
//! Events are read in the store's keyset pages ([`consentry_store::history::page`]), never all
//! at once; CSV reads them in one streamed query on a connection of its own instead (`stream`),
//! which is what lets it keep up with the `sqlite3` tool. Progress is reported and cancellation checked between pages; output goes to a
//! temporary name beside the destination and is renamed into place at the end, so a cancelled
//! or failed export leaves nothing behind. No format ever contains a full card number: cards
//! appear as their platform token and last 4 digits, and text from apps is masked again on the
//! way out.

mod archive;
mod control;
mod csv_export;
mod csv_table;
mod error;
mod json_export;
mod ledger_export;
mod ofx;
mod options;
mod output;
mod run;
mod source;
mod summary;
mod text;

pub use archive::{ARCHIVE_FORMAT, ARCHIVE_VERSION};
pub use control::{CancelFlag, ExportControl, Progress, ProgressFn};
pub use error::ExportError;
pub use json_export::{JSON_FORMAT, JSON_VERSION};
pub use ledger_export::{LEDGER_FORMAT, LEDGER_VERSION};
pub use options::{
    parse_from, parse_kind, parse_to, ArchivePassword, ExportFilter, ExportFormat, ExportRequest,
    MIN_PASSWORD_CHARS,
};
pub use run::export;
pub use summary::{ExportSummary, ExportedFile};
