//! The store's error type. Database internals stay inside: the api crate maps these variants to
//! `{code, message}` for the UI.

use std::path::{Path, PathBuf};

use crate::vault::keystore::KeyStoreError;
use crate::vault::state::WalletState;

/// Which secret was tried when a key did not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// The OS keyring entry.
    Keyring,
    /// The cardholder's passphrase.
    Passphrase,
    /// The recovery key shown at creation.
    RecoveryKey,
    /// A raw key handed in directly.
    RawKey,
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            KeySource::Keyring => "key in the keyring",
            KeySource::Passphrase => "passphrase",
            KeySource::RecoveryKey => "recovery key",
            KeySource::RawKey => "key",
        })
    }
}

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// There is no wallet at this place yet (state `new`).
    #[error("no wallet exists in {0}")]
    WalletNotFound(PathBuf),
    /// Creation refused: a wallet (or part of one) already exists; it is never overwritten.
    #[error(
        "{0} already exists: a new wallet never replaces a wallet's files (move them away first)"
    )]
    WalletExists(PathBuf),
    /// The wallet is locked: unlock it first.
    #[error("the wallet is locked")]
    Locked,
    /// The keyring holds no key for this wallet (state `key_missing`).
    #[error(
        "the wallet's key is not in the keyring: unlock with the passphrase or the recovery key"
    )]
    KeyMissing,
    /// The key, passphrase or recovery key does not open this wallet (state `key_mismatch`).
    #[error("the {0} does not open this wallet")]
    KeyMismatch(KeySource),
    /// The wallet has no passphrase slot.
    #[error("this wallet has no passphrase; unlock with the keyring or the recovery key")]
    NoPassphrase,
    /// The file fails its integrity checks (state `corrupted`). No partial data is returned.
    #[error("the wallet file is damaged: {0}")]
    Corrupted(String),
    /// The typed recovery key has the wrong length, a character outside the alphabet, or a
    /// wrong checksum (a typo, not a wrong key).
    #[error("the recovery key is mistyped: check each group of four characters")]
    RecoveryKeyMalformed,
    /// A new passphrase is too short.
    #[error("the passphrase needs at least {min_chars} characters")]
    PassphraseTooShort {
        /// The minimum length.
        min_chars: usize,
    },
    /// The OS keyring failed or did not answer in time.
    #[error(transparent)]
    KeyStore(#[from] KeyStoreError),
    /// `wallet.keys.json` is missing or not a key file this version can read. Nothing opens
    /// the wallet without it (it holds the key sealed to the passphrase and recovery key).
    #[error("the wallet's key file {} {problem}", path.display())]
    KeyFile {
        /// The key file.
        path: PathBuf,
        /// What is wrong with it.
        problem: KeyFileProblem,
    },
    /// The linked SQLite library is not SQLCipher: refusing to write an unencrypted wallet.
    #[error("SQLCipher is not linked: refusing to open an unencrypted wallet")]
    NotEncrypted,
    /// A migration failed or a released migration changed.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A text field holds what looks like a full card number; it is never stored.
    #[error("{field} looks like it contains a card number; card numbers are never stored")]
    CardNumberInText {
        /// The offending field.
        field: &'static str,
    },
    /// Input that breaks a rule (the message says which).
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A row that should exist does not.
    #[error("{what} {id} not found")]
    NotFound {
        /// Kind of row.
        what: &'static str,
        /// Its id.
        id: String,
    },
    /// Any other database error.
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// A file system error: what was being done, on which file, and what kind of problem.
    #[error("{context} {}: {} ({source})", path.display(), IoProblem::of(source).explain())]
    Io {
        /// What was being done.
        context: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A bug or an impossible state.
    #[error("internal error: {0}")]
    Internal(String),
}

/// What is wrong with a key file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyFileProblem {
    /// There is none beside the database.
    #[error("is missing: restore it from the backup it was copied with")]
    Missing,
    /// It is not JSON of the key file's shape, or a field is out of its range.
    #[error("is damaged: {0}")]
    Malformed(String),
    /// A newer (or unknown) format.
    #[error("has format {found}, which this version cannot read (it reads format {supported})")]
    UnsupportedFormat {
        /// The format the file names.
        found: u32,
        /// The format this build reads.
        supported: u32,
    },
}

/// SQLite's `SQLITE_CORRUPT`.
const SQLITE_CORRUPT: &str = "11";
/// SQLite's `SQLITE_NOTADB`: what SQLCipher reports when a page fails its HMAC.
const SQLITE_NOTADB: &str = "26";

/// What kind of file system problem an I/O error is, in terms a person can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoProblem {
    /// The folder or file cannot be written (read-only file system, no permission).
    ReadOnly,
    /// No space left (or the quota is used up).
    DiskFull,
    /// The file would pass the size limit set for this program.
    FileTooLarge,
    /// Something in the path is not what it should be (a file where a folder is expected).
    BadPath,
    /// Anything else.
    Other,
}

impl IoProblem {
    /// Classifies `error` by its OS error number (Linux values).
    pub fn of(error: &std::io::Error) -> Self {
        match error.raw_os_error() {
            Some(1 | 13 | 30) => IoProblem::ReadOnly, // EPERM, EACCES, EROFS
            Some(28 | 122) => IoProblem::DiskFull,    // ENOSPC, EDQUOT
            Some(27) => IoProblem::FileTooLarge,      // EFBIG
            Some(20 | 21 | 2) => IoProblem::BadPath,  // ENOTDIR, EISDIR, ENOENT
            _ => IoProblem::Other,
        }
    }

    /// One sentence for the person.
    pub fn explain(self) -> &'static str {
        match self {
            IoProblem::ReadOnly => {
                "the folder or file cannot be written (read-only, or no permission)"
            }
            IoProblem::DiskFull => "the disk is full",
            IoProblem::FileTooLarge => "the file-size limit for this program was reached",
            IoProblem::BadPath => "the path does not lead to a usable folder",
            IoProblem::Other => "the file system refused",
        }
    }
}

impl StoreError {
    pub(crate) fn io(context: &'static str, path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            context,
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn key_file(path: &Path, problem: KeyFileProblem) -> Self {
        Self::KeyFile {
            path: path.to_path_buf(),
            problem,
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }

    /// The wallet state this error puts the wallet in, if it is about opening it.
    pub fn wallet_state(&self) -> Option<WalletState> {
        match self {
            StoreError::WalletNotFound(_) => Some(WalletState::New),
            StoreError::Locked => Some(WalletState::Locked),
            StoreError::KeyMissing => Some(WalletState::KeyMissing),
            StoreError::KeyMismatch(_) => Some(WalletState::KeyMismatch),
            StoreError::Corrupted(_) => Some(WalletState::Corrupted),
            _ => None,
        }
    }
}

/// Whether a database error means the file's bytes are not what SQLCipher wrote.
pub(crate) fn is_corruption(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => {
            matches!(db.code().as_deref(), Some(SQLITE_CORRUPT | SQLITE_NOTADB))
                || db.message().contains("not a database")
                || db.message().contains("malformed")
        }
        _ => false,
    }
}

impl From<sqlx::Error> for StoreError {
    /// Classifies on the way out: a failed page HMAC or a malformed page is corruption, a closed
    /// pool means the wallet was locked meanwhile.
    fn from(error: sqlx::Error) -> Self {
        if is_corruption(&error) {
            return StoreError::Corrupted(error.to_string());
        }
        if let Some(os_error) = disk_problem(&error) {
            return StoreError::Io {
                context: "writing the wallet database",
                path: PathBuf::from("wallet.db"),
                source: std::io::Error::from_raw_os_error(os_error),
            };
        }
        match error {
            sqlx::Error::PoolClosed => StoreError::Locked,
            sqlx::Error::Io(source) => StoreError::Io {
                context: "using the wallet database",
                path: PathBuf::from("wallet.db"),
                source,
            },
            other => StoreError::Database(other),
        }
    }
}

/// SQLite's own words for a full disk or a read-only file, as the OS error
/// that means the same (so they read, and map to exit codes, like any other I/O problem).
fn disk_problem(error: &sqlx::Error) -> Option<i32> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    // Primary result codes: SQLITE_READONLY 8, SQLITE_FULL 13.
    let primary = db.code()?.parse::<i32>().ok()? & 0xff;
    match primary {
        8 => Some(30),  // EROFS
        13 => Some(28), // ENOSPC
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_problems_are_told_apart_by_their_os_error() {
        let of = |n| IoProblem::of(&std::io::Error::from_raw_os_error(n));
        assert_eq!(of(30), IoProblem::ReadOnly);
        assert_eq!(of(13), IoProblem::ReadOnly);
        assert_eq!(of(28), IoProblem::DiskFull);
        assert_eq!(of(122), IoProblem::DiskFull);
        assert_eq!(of(27), IoProblem::FileTooLarge);
        assert_eq!(of(20), IoProblem::BadPath);
        assert_eq!(of(5), IoProblem::Other);
        let error = StoreError::io(
            "creating the wallet folder",
            Path::new("/media/usb/consentry"),
            std::io::Error::from_raw_os_error(28),
        );
        let text = error.to_string();
        assert!(text.contains("/media/usb/consentry"), "{text}");
        assert!(text.contains("the disk is full"), "{text}");
    }
}
