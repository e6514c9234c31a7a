//! The error that crosses the IPC boundary: a small code the UI switches on and a message
//! a person can read. Database and platform internals stay on this side.

use consentry_store::StoreError;
use serde::Serialize;
use ts_rs::TS;

/// What went wrong, in terms the UI acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request was malformed or failed validation; the message says which field.
    InvalidInput,
    /// The thing asked for does not exist.
    NotFound,
    /// There is no wallet yet: create one.
    WalletNotFound,
    /// A wallet already exists here; it is never overwritten.
    WalletExists,
    /// The wallet is locked: unlock it first.
    WalletLocked,
    /// The keyring has no key for this wallet: unlock with the passphrase or recovery key.
    KeyMissing,
    /// The key, passphrase or recovery key does not open this wallet.
    KeyMismatch,
    /// The wallet file is damaged; nothing was read from it.
    Corrupted,
    /// The OS keyring failed or did not answer in time.
    KeyringUnavailable,
    /// The wallet is not connected to a platform yet.
    NotEnrolled,
    /// The platform could not be reached or is busy; the change waits and is retried.
    PlatformUnavailable,
    /// The platform no longer accepts this device, or the credentials are wrong.
    PlatformUnauthorized,
    /// The platform refused the request or answered outside its contract.
    PlatformRejected,
    /// The cardholder cancelled it (an export); nothing was left behind.
    Cancelled,
    /// A file could not be written or read: read-only folder, full disk, file-size limit,
    /// a file where a folder should be. The message names the file and the problem.
    Storage,
    /// The wallet's key file is missing or damaged (the message names it): restore it from a
    /// backup; no secret opens the wallet without it.
    KeyFile,
    /// No update could be offered: no update server, unreachable, no manifest for this
    /// system, or the version agreed to is no longer the one on offer.
    UpdateUnavailable,
    /// The update is not signed by Consentry's release key (or was signed for another
    /// version); nothing was installed.
    UpdateUnverified,
    /// The package manager did not install the update; the installed version is unchanged.
    UpdateFailed,
    /// Something on this machine failed (database, a bug); the message says what.
    Internal,
}

/// An error as the UI and the CLI see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message} ({code:?})")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Internal, message)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        let code = match &error {
            StoreError::WalletNotFound(_) => ErrorCode::WalletNotFound,
            StoreError::WalletExists(_) => ErrorCode::WalletExists,
            StoreError::Locked => ErrorCode::WalletLocked,
            StoreError::KeyMissing => ErrorCode::KeyMissing,
            StoreError::KeyMismatch(_) | StoreError::NoPassphrase => ErrorCode::KeyMismatch,
            StoreError::Corrupted(_) => ErrorCode::Corrupted,
            StoreError::KeyStore(_) => ErrorCode::KeyringUnavailable,
            StoreError::RecoveryKeyMalformed
            | StoreError::PassphraseTooShort { .. }
            | StoreError::CardNumberInText { .. }
            | StoreError::Invalid { .. } => ErrorCode::InvalidInput,
            StoreError::NotFound { .. } => ErrorCode::NotFound,
            StoreError::Io { .. } => ErrorCode::Storage,
            StoreError::KeyFile { .. } => ErrorCode::KeyFile,
            _ => ErrorCode::Internal,
        };
        if code == ErrorCode::Internal {
            // Details (SQL, paths) go to the log, not across IPC.
            tracing::error!(error = %error, "store error");
            return Self::new(
                code,
                "the wallet could not complete this; see the log for details",
            );
        }
        Self::new(code, error.to_string())
    }
}

impl From<consentry_sync::SyncError> for ApiError {
    fn from(error: consentry_sync::SyncError) -> Self {
        let code = match error.code() {
            consentry_sync::SyncErrorCode::NotEnrolled => ErrorCode::NotEnrolled,
            consentry_sync::SyncErrorCode::InvalidInput => ErrorCode::InvalidInput,
            consentry_sync::SyncErrorCode::Unreachable
            | consentry_sync::SyncErrorCode::Timeout
            | consentry_sync::SyncErrorCode::PlatformUnavailable
            | consentry_sync::SyncErrorCode::RateLimited => ErrorCode::PlatformUnavailable,
            consentry_sync::SyncErrorCode::Unauthorized
            | consentry_sync::SyncErrorCode::InvalidCredentials
            | consentry_sync::SyncErrorCode::NotPaired => ErrorCode::PlatformUnauthorized,
            consentry_sync::SyncErrorCode::Rejected
            | consentry_sync::SyncErrorCode::BadResponse
            | consentry_sync::SyncErrorCode::ClockSkew
            | consentry_sync::SyncErrorCode::Signing => ErrorCode::PlatformRejected,
            consentry_sync::SyncErrorCode::Wallet => {
                if let consentry_sync::SyncError::Store(store) = error {
                    return ApiError::from(store);
                }
                ErrorCode::Internal
            }
            consentry_sync::SyncErrorCode::Internal => ErrorCode::Internal,
        };
        if code == ErrorCode::Internal {
            tracing::error!(error = %error, "sync error");
        }
        ApiError::new(code, error.to_string())
    }
}
