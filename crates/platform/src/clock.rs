//! The platform's notion of "now": the system clock plus an offset that tests can move
//! forward through the admin API (to expire grants or reach a settlement date without
//! sleeping). Everything below the HTTP edge takes `now` as a parameter.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeDelta, Utc};

use crate::error::ApiError;

#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    pub fn now(&self) -> DateTime<Utc> {
        let offset = TimeDelta::milliseconds(self.offset_ms.load(Ordering::Relaxed));
        let system = Utc::now();
        system.checked_add_signed(offset).unwrap_or(system)
    }

    /// Moves the clock forward (never backward: timestamps and cursors stay monotonic).
    pub fn advance(&self, by_ms: i64) {
        self.offset_ms.fetch_add(by_ms.max(0), Ordering::Relaxed);
    }

    /// Moves the clock forward to `offset_ms` past the system clock, if it is behind that
    /// (another platform process on the database moved its clock).
    #[cfg(feature = "postgres")]
    pub fn advance_to(&self, offset_ms: i64) {
        self.offset_ms.fetch_max(offset_ms, Ordering::Relaxed);
    }

    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }
}

/// RFC 3339 with milliseconds and `Z`, the one text form of time in the database and on
/// the wire.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Reads a stored RFC 3339 time.
pub fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Reads a time from a row: an unreadable one fails the request (`internal`).
pub fn stored_time(text: &str, what: &str) -> Result<DateTime<Utc>, ApiError> {
    parse_rfc3339(text).ok_or_else(|| ApiError::internal(format!("unreadable stored {what}")))
}
