//! What an event must be for the wallet to keep it in its history: everything that reading,
//! rendering, summing and exporting it later will need, checked once, before it is stored.
//! An event that fails goes to quarantine with the [`Inadmissible`] reason (the sync layer
//! does that); the history only ever holds events every screen and export can read.
//!
//! The rules (decisions in `docs/decisions.md`, "Admission of platform events"):
//! - it survives a round trip: written as the store writes it and read back, it is the same
//!   event and still valid;
//! - no card number anywhere it could not be masked without changing the field's type or
//!   meaning: in a number, or in an identifier (ids, tokens, codes). Free text may hold one;
//!   the store masks it there, as before;
//! - identifiers are 1–[`MAX_ID_CHARS`] characters of `A–Z a–z 0–9 _ - . :`;
//! - text is at most [`MAX_TEXT_CHARS`] characters, holds no control character but line
//!   breaks and tabs, and no bidirectional embedding, override or isolate character (they
//!   can make a screen show another amount or merchant than the one stored);
//! - every number is an integer of at most [`MAX_MAGNITUDE`] in absolute value (a million
//!   such amounts still sum inside an `i64`), receipts have at most [`MAX_LINES`] lines;
//! - dates lie between [`EARLIEST_YEAR`] and [`LATEST_YEAR`], and an event did not happen
//!   more than [`FUTURE_TOLERANCE_HOURS`] after it arrived.

use chrono::{DateTime, Datelike as _, Duration, Utc};
use consentry_domain::{contains_card_number, is_bidi_control, is_hidden_control, Event};
use serde_json::Value;

/// Longest identifier, in characters.
pub const MAX_ID_CHARS: usize = 128;
/// Longest text field, in characters.
pub const MAX_TEXT_CHARS: usize = 4_096;
/// Largest absolute value of any number in an event (amounts in minor units, points).
pub const MAX_MAGNITUDE: u64 = 10_000_000_000_000;
/// Most lines on a receipt.
pub const MAX_LINES: usize = 500;
/// Earliest year of any date in an event.
pub const EARLIEST_YEAR: i32 = 2000;
/// Latest year of any date in an event (offer and grant expiries lie in the future).
pub const LATEST_YEAR: i32 = 2199;
/// How far an event's `occurred_at` may lie after its arrival (clocks differ a little).
pub const FUTURE_TOLERANCE_HOURS: i64 = 24;

/// Fields that identify something: no card number, a plain character set.
const IDENTIFIER_FIELDS: &[&str] = &[
    "id",
    "card_token",
    "app_id",
    "transaction_id",
    "offer_id",
    "grant_id",
    "device_id",
    "currency",
    "type",
    "action",
    "scope",
    "trigger",
    "status",
    "channel",
    "kind",
];
/// Fields that are not identifiers but must stay exactly as sent (masking a card number in
/// them would change what they mean): offer codes.
const TOKEN_FIELDS: &[&str] = &["code", "signature"];
/// SHA-256 digests: exactly 64 lowercase hex digits. Not text, and not searched for card
/// numbers: a digest is checked against the text it hashes, and one in a couple of hundred
/// holds a digit run the guard would take for a card number (`pan_guard` leaves them be).
const DIGEST_FIELDS: &[&str] = &[crate::tables::pan_guard::DIGEST_FIELD];
/// Fields holding a date (RFC 3339 text).
const DATE_FIELDS: &[&str] = &["occurred_at", "expires_at", "granted_at", "changed_at"];

/// Why an event will not be kept in the history.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Inadmissible {
    #[error("card_number_in_number: {field} holds a number that reads as a card number")]
    CardNumberInNumber { field: String },
    #[error("card_number_in_identifier: {field} holds a card number")]
    CardNumberInIdentifier { field: String },
    #[error("bad_identifier: {field} is empty, longer than {MAX_ID_CHARS} characters or has characters outside A-Z a-z 0-9 _ - . :")]
    BadIdentifier { field: String },
    #[error("text_too_long: {field} has {chars} characters (at most {MAX_TEXT_CHARS})")]
    TextTooLong { field: String, chars: usize },
    #[error("control_character: {field} holds control character U+{code:04X}")]
    ControlCharacter { field: String, code: u32 },
    #[error("bidi_control: {field} holds bidirectional control U+{code:04X}")]
    BidiControl { field: String, code: u32 },
    #[error("number_out_of_range: {field} is not an integer within ±{MAX_MAGNITUDE}")]
    NumberOutOfRange { field: String },
    #[error("too_many_lines: the receipt has {lines} lines (at most {MAX_LINES})")]
    TooManyLines { lines: usize },
    #[error("date_out_of_range: {field} is not a date between {EARLIEST_YEAR} and {LATEST_YEAR}")]
    DateOutOfRange { field: String },
    #[error("from_the_future: it happened {hours} h after it arrived")]
    FromTheFuture { hours: i64 },
    #[error("no_round_trip: written and read back it is not the same valid event ({detail})")]
    NoRoundTrip { detail: String },
}

impl Inadmissible {
    /// The stable code a quarantine reason starts with.
    pub fn code(&self) -> &'static str {
        match self {
            Inadmissible::CardNumberInNumber { .. } => "card_number_in_number",
            Inadmissible::CardNumberInIdentifier { .. } => "card_number_in_identifier",
            Inadmissible::BadIdentifier { .. } => "bad_identifier",
            Inadmissible::TextTooLong { .. } => "text_too_long",
            Inadmissible::ControlCharacter { .. } => "control_character",
            Inadmissible::BidiControl { .. } => "bidi_control",
            Inadmissible::NumberOutOfRange { .. } => "number_out_of_range",
            Inadmissible::TooManyLines { .. } => "too_many_lines",
            Inadmissible::DateOutOfRange { .. } => "date_out_of_range",
            Inadmissible::FromTheFuture { .. } => "from_the_future",
            Inadmissible::NoRoundTrip { .. } => "no_round_trip",
        }
    }
}

/// Checks `event`, which arrived at `received_at`, against every rule above.
pub fn check(event: &Event, received_at: DateTime<Utc>) -> Result<(), Inadmissible> {
    let value = serde_json::to_value(event).map_err(|e| Inadmissible::NoRoundTrip {
        detail: e.to_string(),
    })?;
    walk(&value, "", &mut String::new())?;
    let ahead = event.occurred_at - received_at;
    if ahead > Duration::hours(FUTURE_TOLERANCE_HOURS) {
        return Err(Inadmissible::FromTheFuture {
            hours: ahead.num_hours(),
        });
    }
    let back: Event = serde_json::from_value(value).map_err(|e| Inadmissible::NoRoundTrip {
        detail: e.to_string(),
    })?;
    if back != *event {
        return Err(Inadmissible::NoRoundTrip {
            detail: "the event read back differs".to_owned(),
        });
    }
    back.validate().map_err(|e| Inadmissible::NoRoundTrip {
        detail: e.to_string(),
    })
}

fn identifier_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')
}

/// Walks `value` (found under `key`, at `path`), checking each leaf by the field it is in.
fn walk(value: &Value, key: &str, path: &mut String) -> Result<(), Inadmissible> {
    match value {
        Value::Object(map) => {
            for (name, child) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(name);
                walk(child, name, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Array(items) => {
            if key == "lines" && items.len() > MAX_LINES {
                return Err(Inadmissible::TooManyLines { lines: items.len() });
            }
            for (index, child) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{index}]"));
                walk(child, key, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Number(n) => {
            let field = || path.clone();
            let in_range = n
                .as_i64()
                .is_some_and(|v| v.unsigned_abs() <= MAX_MAGNITUDE);
            if contains_card_number(&n.to_string()) {
                return Err(Inadmissible::CardNumberInNumber { field: field() });
            }
            if !in_range {
                return Err(Inadmissible::NumberOutOfRange { field: field() });
            }
            Ok(())
        }
        Value::String(text) => check_text(text, key, path),
        Value::Bool(_) | Value::Null => Ok(()),
    }
}

fn check_text(text: &str, key: &str, path: &str) -> Result<(), Inadmissible> {
    let field = || path.to_owned();
    if DIGEST_FIELDS.contains(&key) {
        if !crate::tables::pan_guard::is_sha256_hex(text) {
            return Err(Inadmissible::BadIdentifier { field: field() });
        }
        return Ok(());
    }
    let identifier = IDENTIFIER_FIELDS.contains(&key);
    if identifier || TOKEN_FIELDS.contains(&key) {
        if contains_card_number(text) {
            return Err(Inadmissible::CardNumberInIdentifier { field: field() });
        }
        let chars = text.chars().count();
        let plain = !identifier || text.chars().all(identifier_char);
        if chars == 0 || chars > MAX_ID_CHARS || !plain {
            return Err(Inadmissible::BadIdentifier { field: field() });
        }
        if identifier {
            return Ok(());
        }
    }
    if DATE_FIELDS.contains(&key) {
        let year = DateTime::parse_from_rfc3339(text).map(|d| d.year());
        if !year.is_ok_and(|y| (EARLIEST_YEAR..=LATEST_YEAR).contains(&y)) {
            return Err(Inadmissible::DateOutOfRange { field: field() });
        }
        return Ok(());
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(Inadmissible::TextTooLong {
            field: field(),
            chars,
        });
    }
    if let Some(c) = text.chars().find(|&c| is_hidden_control(c)) {
        return Err(Inadmissible::ControlCharacter {
            field: field(),
            code: u32::from(c),
        });
    }
    if let Some(c) = text.chars().find(|&c| is_bidi_control(c)) {
        return Err(Inadmissible::BidiControl {
            field: field(),
            code: u32::from(c),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;
    use consentry_domain::{AppTermsChanged, EventPayload, Sha256Digest};

    fn terms_changed(hash: &str) -> Event {
        Event {
            id: "evt_terms".into(),
            occurred_at: Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(),
            card_token: "tok_card".into(),
            app_id: Some("app_quire".into()),
            payload: EventPayload::AppTermsChanged(AppTermsChanged {
                terms_version: 2,
                terms_hash: hash.parse::<Sha256Digest>().unwrap(),
            }),
        }
    }

    #[test]
    fn a_digest_that_reads_as_a_card_number_is_still_admitted_and_stored_whole() {
        let hash = format!("4111111111111111{}", "0".repeat(48));
        let event = terms_changed(&hash);
        let now = Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap();
        check(&event, now).unwrap();
        let stored = crate::tables::events::stored_payload(&event).unwrap();
        let back: Event = serde_json::from_str(&stored).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn from_the_future_and_card_numbers_in_ids_are_refused() {
        let mut event = terms_changed(&"ab".repeat(32));
        let now = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        assert_eq!(check(&event, now).unwrap_err().code(), "from_the_future");
        event.card_token = "tok_4111 1111 1111 1111".into();
        let later = Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap();
        assert_eq!(
            check(&event, later).unwrap_err().code(),
            "card_number_in_identifier"
        );
    }
}
