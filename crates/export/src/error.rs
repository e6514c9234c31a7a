//! What can go wrong in an export. The CLI turns these into exit codes and the api crate into
//! `{code, message}`; a message never repeats a card number someone typed by mistake.

use std::path::PathBuf;

use consentry_store::StoreError;

/// Everything that can go wrong in an export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// An option is malformed or contradicts another; the message says which and why.
    #[error("invalid {option}: {reason}")]
    InvalidOption {
        /// The option, as the cardholder knows it (`from`, `card`, `password`…).
        option: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// `--card` names no card of this wallet.
    #[error("no card {0} in this wallet (use the card's token or its last 4 digits)")]
    UnknownCard(String),
    /// `--app` names an app this wallet has never heard of.
    #[error("no app {0:?} in this wallet")]
    UnknownApp(String),
    /// The folder the export goes into does not exist.
    #[error("the folder {0} does not exist")]
    FolderNotFound(PathBuf),
    /// A CSV export goes into a new folder; this one exists and holds files.
    #[error("{0} already exists and is not empty: choose a new folder for the CSV files")]
    DestinationNotEmpty(PathBuf),
    /// The cardholder (or the caller) cancelled; nothing was left behind.
    #[error("the export was cancelled; no file was written")]
    Cancelled,
    /// Reading the wallet failed (locked meanwhile, damaged…).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the export failed.
    #[error("{context} {}: {} ({source})", path.display(), consentry_store::IoProblem::of(source).explain())]
    Io {
        /// What was being done.
        context: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// Encrypting the archive failed.
    #[error("encrypting the archive: {0}")]
    Encryption(String),
    /// A bug or an impossible state.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ExportError {
    pub(crate) fn invalid(option: &'static str, reason: impl Into<String>) -> Self {
        Self::InvalidOption {
            option,
            reason: reason.into(),
        }
    }

    pub(crate) fn io(
        context: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            context,
            path: path.into(),
            source,
        }
    }
}

/// Writing into an in-progress output (a file, a zip entry): the path is the export's.
pub(crate) trait IoContext<T> {
    fn writing(self, path: &std::path::Path) -> Result<T, ExportError>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn writing(self, path: &std::path::Path) -> Result<T, ExportError> {
        self.map_err(|e| ExportError::io("writing", path, e))
    }
}

impl<T> IoContext<T> for Result<T, csv::Error> {
    fn writing(self, path: &std::path::Path) -> Result<T, ExportError> {
        self.map_err(|e| ExportError::io("writing", path, std::io::Error::other(e)))
    }
}

impl<T> IoContext<T> for Result<T, serde_json::Error> {
    fn writing(self, path: &std::path::Path) -> Result<T, ExportError> {
        self.map_err(|e| ExportError::io("writing", path, std::io::Error::other(e)))
    }
}

impl<T> IoContext<T> for Result<T, zip::result::ZipError> {
    fn writing(self, path: &std::path::Path) -> Result<T, ExportError> {
        self.map_err(|e| match e {
            zip::result::ZipError::Io(io) => ExportError::io("writing", path, io),
            other => ExportError::io("writing", path, std::io::Error::other(other)),
        })
    }
}
