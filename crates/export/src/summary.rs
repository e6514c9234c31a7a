//! What a finished export reports.

use std::path::PathBuf;

use serde::Serialize;

use crate::options::ExportFormat;

/// One file of an export (a CSV table, the JSON document, an entry of the archive…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportedFile {
    /// Its name inside the destination folder or archive (the file name itself otherwise).
    pub name: String,
    /// Data rows (CSV rows without the header, JSON events, OFX transactions, ledger entries).
    pub rows: u64,
}

impl ExportedFile {
    pub(crate) fn new(name: String, rows: u64) -> Self {
        Self { name, rows }
    }
}

/// A finished export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    /// The format.
    pub format: ExportFormat,
    /// The file or folder written.
    pub destination: PathBuf,
    /// Events exported (for OFX: statement rows; receipt lines and ledger entries not counted).
    pub events: u64,
    /// The files written, with their rows.
    pub files: Vec<ExportedFile>,
    /// Bytes written (of the archive: its encrypted size).
    pub bytes: u64,
}
