//! Exit codes that scripts can rely on, and how every error maps to one.

use std::process::ExitCode;

use consentry_api::ApiError;

/// The exit codes, as `--help` lists them.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  any other error (damaged wallet, encryption failure, cancelled, bug)
  2  usage: a bad flag or option value
  3  the wallet is locked or its key is missing or wrong (keyring, passphrase, key file)
  4  not found: no wallet in the data folder, an unknown card or app, a missing output folder
  5  input/output: a file could not be written or read
  6  platform: not connected, unreachable, or it refused the request (changes stay queued)
  7  verify-consent: the proof does not verify";

/// Why the CLI stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Other = 1,
    Usage = 2,
    Key = 3,
    NotFound = 4,
    Io = 5,
    Platform = 6,
    Unverified = 7,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> Self {
        ExitCode::from(status as u8)
    }
}

/// An error with its exit status and a message for people.
#[derive(Debug)]
pub struct CliError {
    pub status: Status,
    pub message: String,
}

impl CliError {
    pub fn new(status: Status, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Status::Usage, message)
    }

    pub fn other(message: impl Into<String>) -> Self {
        Self::new(Status::Other, message)
    }
}

impl From<ApiError> for CliError {
    fn from(error: ApiError) -> Self {
        let status = match error.code {
            consentry_api::ErrorCode::InvalidInput => Status::Usage,
            consentry_api::ErrorCode::NotFound | consentry_api::ErrorCode::WalletNotFound => {
                Status::NotFound
            }
            consentry_api::ErrorCode::WalletLocked
            | consentry_api::ErrorCode::KeyMissing
            | consentry_api::ErrorCode::KeyMismatch
            | consentry_api::ErrorCode::KeyringUnavailable
            | consentry_api::ErrorCode::KeyFile => Status::Key,
            consentry_api::ErrorCode::NotEnrolled
            | consentry_api::ErrorCode::PlatformUnavailable
            | consentry_api::ErrorCode::PlatformUnauthorized
            | consentry_api::ErrorCode::PlatformRejected => Status::Platform,
            consentry_api::ErrorCode::Storage => Status::Io,
            _ => Status::Other,
        };
        Self::new(status, error.message)
    }
}
