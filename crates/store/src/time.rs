//! Times are stored as INTEGER Unix milliseconds (UTC): compact, indexable, sortable.

use chrono::{DateTime, Utc};

pub(crate) fn to_ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// Out-of-range values (impossible unless the file was edited) clamp to the epoch.
pub(crate) fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
