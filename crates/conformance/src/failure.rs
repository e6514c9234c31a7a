//! Why a check failed: one sentence for the table, saying what the contract expects and what
//! came back.

use std::fmt;

/// A failed expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure(String);

impl Failure {
    pub fn new(detail: impl Into<String>) -> Failure {
        Failure(detail.into())
    }

    /// This failure, said to have happened while doing `what`.
    #[must_use]
    pub fn context(self, what: &str) -> Failure {
        Failure(format!("{what}: {}", self.0))
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

/// What a check returns.
pub type Checked = Result<(), Failure>;

/// Fails the check with a formatted detail unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($detail:tt)+) => {
        if !$cond {
            return Err($crate::failure::Failure::new(format!($($detail)+)));
        }
    };
}

/// Fails the check with a formatted detail.
macro_rules! fail {
    ($($detail:tt)+) => {
        return Err($crate::failure::Failure::new(format!($($detail)+)))
    };
}

pub(crate) use ensure;
pub(crate) use fail;
