//! Times are stored as INTEGER Unix milliseconds (UTC): compact, indexable, sortable.

use chrono::{DateTime, Utc};

pub(crate) fn to_ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// Out-of-range values (impossible unless the file was edited) clamp to the epoch.
pub(crate) fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// A UUIDv7 for `now` (time-ordered, so an outbox key sorts like the changes it carries).
pub(crate) fn uuid_v7(now: DateTime<Utc>) -> uuid::Uuid {
    let secs = u64::try_from(now.timestamp()).unwrap_or_default();
    let ts = uuid::Timestamp::from_unix(uuid::NoContext, secs, now.timestamp_subsec_nanos());
    uuid::Uuid::new_v7(ts)
}
