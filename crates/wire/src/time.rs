//! Times on the wire: RFC 3339 in UTC with exactly three fraction digits and `Z`
//! (`2026-01-05T10:00:00.123Z`). Any RFC 3339 time is read.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

/// The one text form of a time on the wire.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `#[serde(serialize_with = "consentry_wire::time::millis")]` for a `DateTime<Utc>` (any RFC
/// 3339 time is read by the default deserializer).
pub fn millis<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&rfc3339(*t))
}

/// [`millis`] for an `Option<DateTime<Utc>>` (`null` for `None`).
pub fn millis_option<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&rfc3339(*t)),
        None => s.serialize_none(),
    }
}
