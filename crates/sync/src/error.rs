//! What can go wrong while syncing, classified for the retry loop (retryable or not) and for
//! the UI (a small, stable [`SyncErrorCode`] plus a message written for a person).

use std::time::Duration;

use chrono::{DateTime, Utc};
use consentry_store::StoreError;
use serde::{Deserialize, Serialize};

/// When the platform asked us to come back (`Retry-After`: seconds or an HTTP date).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryAfter {
    Delay(Duration),
    At(DateTime<Utc>),
}

impl RetryAfter {
    /// The earliest time to try again, seen from `now`.
    pub fn not_before(self, now: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            RetryAfter::Delay(delay) => {
                now + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::zero())
            }
            RetryAfter::At(at) => at.max(now),
        }
    }
}

/// Everything that can go wrong while talking to the platform or syncing the wallet.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// This wallet has not been enrolled with a platform yet.
    #[error("this wallet is not connected to a platform yet")]
    NotEnrolled,
    /// The platform URL is not usable.
    #[error("invalid platform address: {0}")]
    InvalidUrl(String),
    /// Input that breaks a rule before anything was sent.
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: &'static str, reason: String },
    /// The platform could not be reached (DNS, refused, reset, dropped connection).
    #[error("the platform could not be reached: {0}")]
    Unreachable(String),
    /// The platform did not answer in time.
    #[error("the platform did not answer in time")]
    Timeout,
    /// The platform answered with an error (`{code, message}`).
    #[error("the platform answered {status} {code}: {message}")]
    Platform {
        status: u16,
        code: String,
        message: String,
        retry_after: Option<RetryAfter>,
    },
    /// The device token was refused: enroll this device again.
    #[error("the platform no longer accepts this device's token; connect the wallet again")]
    Unauthorized,
    /// The cardholder id or secret given to add a device is wrong.
    #[error("the cardholder id or secret is wrong")]
    InvalidCredentials,
    /// The platform's answer does not follow the contract.
    #[error("the platform sent an answer that does not follow the contract: {0}")]
    BadResponse(String),
    /// Feed deliveries carry timestamps too far from this computer's clock.
    #[error(
        "the platform's deliveries are {offset_seconds} s away from this computer's clock \
         (tolerance {tolerance_seconds} s): check the system clock"
    )]
    ClockSkew {
        offset_seconds: i64,
        tolerance_seconds: i64,
    },
    /// The cardholder's device chain exists and this device is not in it yet: it may read,
    /// but its consent changes wait until a device of the chain vouches for it (pairing).
    #[error("this device is not paired yet: enter a pairing code shown by one of your devices")]
    NotPaired,
    /// A device chain or a signed change that does not verify.
    #[error("device signatures do not verify: {0}")]
    Signing(#[from] consentry_domain::SigningError),
    /// The wallet could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bug or an impossible state.
    #[error("internal sync error: {0}")]
    Internal(String),
}

/// The stable codes the UI and CLI switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncErrorCode {
    NotEnrolled,
    InvalidInput,
    Unreachable,
    Timeout,
    PlatformUnavailable,
    RateLimited,
    Rejected,
    Unauthorized,
    InvalidCredentials,
    BadResponse,
    ClockSkew,
    NotPaired,
    Signing,
    Wallet,
    Internal,
}

impl SyncErrorCode {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SyncErrorCode::NotEnrolled => "not_enrolled",
            SyncErrorCode::InvalidInput => "invalid_input",
            SyncErrorCode::Unreachable => "unreachable",
            SyncErrorCode::Timeout => "timeout",
            SyncErrorCode::PlatformUnavailable => "platform_unavailable",
            SyncErrorCode::RateLimited => "rate_limited",
            SyncErrorCode::Rejected => "rejected",
            SyncErrorCode::Unauthorized => "unauthorized",
            SyncErrorCode::InvalidCredentials => "invalid_credentials",
            SyncErrorCode::BadResponse => "bad_response",
            SyncErrorCode::ClockSkew => "clock_skew",
            SyncErrorCode::NotPaired => "not_paired",
            SyncErrorCode::Signing => "signing",
            SyncErrorCode::Wallet => "wallet",
            SyncErrorCode::Internal => "internal",
        }
    }
}

/// An error as the status shows it: `{code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncErrorInfo {
    pub code: SyncErrorCode,
    pub message: String,
}

impl SyncError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        SyncError::InvalidInput {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn bad_response(what: impl std::fmt::Display) -> Self {
        SyncError::BadResponse(what.to_string())
    }

    /// Whether trying the same thing again later may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            SyncError::Unreachable(_) | SyncError::Timeout | SyncError::ClockSkew { .. } => true,
            // A platform that answers nonsense may be mid-deploy; try again later.
            SyncError::BadResponse(_) => true,
            SyncError::Platform { status, .. } => {
                *status >= 500 || *status == 429 || *status == 408
            }
            SyncError::Store(e) => matches!(e, StoreError::Database(_)),
            SyncError::NotEnrolled
            | SyncError::InvalidUrl(_)
            | SyncError::InvalidInput { .. }
            | SyncError::Unauthorized
            | SyncError::InvalidCredentials
            | SyncError::NotPaired
            | SyncError::Signing(_)
            | SyncError::Internal(_) => false,
        }
    }

    /// The `Retry-After` the platform sent with this error, if any.
    pub fn retry_after(&self) -> Option<RetryAfter> {
        match self {
            SyncError::Platform { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The platform's error code, for platform errors.
    pub fn platform_code(&self) -> Option<&str> {
        match self {
            SyncError::Platform { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The code the UI switches on.
    pub fn code(&self) -> SyncErrorCode {
        match self {
            SyncError::NotEnrolled => SyncErrorCode::NotEnrolled,
            SyncError::InvalidUrl(_) | SyncError::InvalidInput { .. } => {
                SyncErrorCode::InvalidInput
            }
            SyncError::Unreachable(_) => SyncErrorCode::Unreachable,
            SyncError::Timeout => SyncErrorCode::Timeout,
            SyncError::Platform { status: 429, .. } => SyncErrorCode::RateLimited,
            SyncError::Platform { status, .. } if *status >= 500 || *status == 408 => {
                SyncErrorCode::PlatformUnavailable
            }
            SyncError::Platform { .. } => SyncErrorCode::Rejected,
            SyncError::Unauthorized => SyncErrorCode::Unauthorized,
            SyncError::InvalidCredentials => SyncErrorCode::InvalidCredentials,
            SyncError::BadResponse(_) => SyncErrorCode::BadResponse,
            SyncError::ClockSkew { .. } => SyncErrorCode::ClockSkew,
            SyncError::NotPaired => SyncErrorCode::NotPaired,
            SyncError::Signing(_) => SyncErrorCode::Signing,
            SyncError::Store(_) => SyncErrorCode::Wallet,
            SyncError::Internal(_) => SyncErrorCode::Internal,
        }
    }

    /// `{code, message}` for the status.
    pub fn info(&self) -> SyncErrorInfo {
        SyncErrorInfo {
            code: self.code(),
            message: self.to_string(),
        }
    }
}
