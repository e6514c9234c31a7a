//! What to export and where: the format, the destination, the filter, and the archive's
//! password. Both the CLI and the api crate build an [`ExportRequest`] from their own input.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use consentry_domain::EventType;

use crate::error::ExportError;

/// The open formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    /// A folder with one RFC 4180 CSV file per event kind (and one for receipt lines).
    Csv,
    /// One versioned JSON document, described by `docs/export/export.schema.json`.
    Json,
    /// One OFX 2.2 file: settled card transactions and paid cashback, per card and currency.
    Ofx,
    /// All of the above plus the consent ledger, zipped and encrypted with a password (age).
    Archive,
}

impl ExportFormat {
    /// Every format, in the order the CLI lists them.
    pub const ALL: &'static [ExportFormat] = &[Self::Csv, Self::Json, Self::Ofx, Self::Archive];

    /// The name used by the CLI and the IPC request.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
            Self::Ofx => "ofx",
            Self::Archive => "archive",
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExportFormat {
    type Err = ExportError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                ExportError::invalid(
                    "format",
                    format!("{s:?} is not a format; expected one of: csv, json, ofx, archive"),
                )
            })
    }
}

/// Which events to export. Empty lists do not filter; both ends of the date range are
/// inclusive as written by the cardholder (see [`parse_from`] and [`parse_to`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportFilter {
    /// Occurred at or after.
    pub from: Option<DateTime<Utc>>,
    /// Occurred strictly before.
    pub until: Option<DateTime<Utc>>,
    /// Cards, each by its platform token or its last 4 digits.
    pub cards: Vec<String>,
    /// App ids.
    pub apps: Vec<String>,
    /// Event kinds.
    pub kinds: Vec<EventType>,
}

impl ExportFilter {
    /// Checks what can be checked without the wallet.
    pub fn validate(&self) -> Result<(), ExportError> {
        if let (Some(from), Some(until)) = (self.from, self.until) {
            if from >= until {
                return Err(ExportError::invalid(
                    "date range",
                    "the start is after the end",
                ));
            }
        }
        for card in &self.cards {
            if card.trim().is_empty() {
                return Err(ExportError::invalid("card", "empty card"));
            }
            if consentry_store::pan_guard::contains_card_number(card)
                || card.chars().filter(char::is_ascii_digit).count() > 4
            {
                // Never echo what may be a full card number.
                return Err(ExportError::invalid(
                    "card",
                    "never type a card number: use the card's token or its last 4 digits",
                ));
            }
        }
        if self.apps.iter().any(|a| a.trim().is_empty()) {
            return Err(ExportError::invalid("app", "empty app id"));
        }
        Ok(())
    }

    /// The kinds to export: the chosen ones, or all of them.
    pub fn kinds_or_all(&self) -> Vec<EventType> {
        if self.kinds.is_empty() {
            EventType::ALL.to_vec()
        } else {
            let mut kinds = self.kinds.clone();
            kinds.sort_unstable();
            kinds.dedup();
            kinds
        }
    }
}

/// The password of an encrypted archive. Its `Debug` is redacted; it is zeroized on drop and
/// cannot be serialized.
pub struct ArchivePassword(SecretString);

/// Shortest accepted archive password, in characters (the wallet passphrase's minimum).
pub const MIN_PASSWORD_CHARS: usize = consentry_store::MIN_PASSPHRASE_CHARS;

impl ArchivePassword {
    /// Wraps a password; see [`ArchivePassword::validate`].
    pub fn new(password: String) -> Self {
        Self(SecretString::from(password))
    }

    /// Refuses passwords shorter than [`MIN_PASSWORD_CHARS`].
    pub fn validate(&self) -> Result<(), ExportError> {
        if self.0.expose_secret().chars().count() < MIN_PASSWORD_CHARS {
            return Err(ExportError::invalid(
                "password",
                format!("the archive password needs at least {MIN_PASSWORD_CHARS} characters"),
            ));
        }
        Ok(())
    }

    pub(crate) fn secret(&self) -> SecretString {
        SecretString::from(self.0.expose_secret().to_owned())
    }
}

impl fmt::Debug for ArchivePassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ArchivePassword(<redacted>)")
    }
}

/// One export to run.
#[derive(Debug)]
pub struct ExportRequest {
    /// The format.
    pub format: ExportFormat,
    /// A file for JSON, OFX and the archive (replaced if it exists); a new or empty folder for
    /// CSV.
    pub destination: PathBuf,
    /// Which events.
    pub filter: ExportFilter,
    /// Required for [`ExportFormat::Archive`], refused for the others.
    pub password: Option<ArchivePassword>,
    /// When the export runs (written into the files).
    pub now: DateTime<Utc>,
}

impl ExportRequest {
    /// Checks what can be checked without the wallet or the file system.
    pub fn validate(&self) -> Result<(), ExportError> {
        self.filter.validate()?;
        if self.destination.as_os_str().is_empty() {
            return Err(ExportError::invalid("destination", "no destination given"));
        }
        match (&self.password, self.format) {
            (Some(password), ExportFormat::Archive) => password.validate(),
            (None, ExportFormat::Archive) => Err(ExportError::invalid(
                "password",
                "the encrypted archive needs a password",
            )),
            (Some(_), other) => Err(ExportError::invalid(
                "password",
                format!("a {other} export is not encrypted; only the archive takes a password"),
            )),
            (None, _) => Ok(()),
        }
    }
}

/// Reads the start of a date range: `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time.
pub fn parse_from(text: &str) -> Result<DateTime<Utc>, ExportError> {
    parse_bound("from", text, false)
}

/// Reads the end of a date range, inclusive: `YYYY-MM-DD` takes in that whole day (UTC); an
/// RFC 3339 time takes in that millisecond. Returns the exclusive bound.
pub fn parse_to(text: &str) -> Result<DateTime<Utc>, ExportError> {
    parse_bound("to", text, true)
}

fn parse_bound(option: &'static str, text: &str, end: bool) -> Result<DateTime<Utc>, ExportError> {
    let text = text.trim();
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let day = if end { day.succ_opt() } else { Some(day) };
        return day
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc())
            .ok_or_else(|| ExportError::invalid(option, format!("{text:?} is out of range")));
    }
    match DateTime::parse_from_rfc3339(text) {
        Ok(t) => {
            let t = t.with_timezone(&Utc);
            Ok(if end {
                t + Duration::milliseconds(1)
            } else {
                t
            })
        }
        Err(_) => Err(ExportError::invalid(
            option,
            format!("{text:?} is not a date (YYYY-MM-DD) or an RFC 3339 time"),
        )),
    }
}

/// Reads an event kind (`receipt.issued`…), listing the kinds when it is not one.
pub fn parse_kind(text: &str) -> Result<EventType, ExportError> {
    text.trim()
        .parse()
        .map_err(|e: consentry_domain::UnknownName| ExportError::invalid("kind", e.to_string()))
}
