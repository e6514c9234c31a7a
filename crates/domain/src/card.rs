//! Card numbers (PAN), brands and expiry dates.
//!
//! The full card number exists only in memory on its way to the platform's tokenization
//! endpoint (DESIGN.md, non-negotiables). `CardNumber` is therefore deliberately poor: it
//! cannot be serialized, cloned or printed in full, and it wipes its digits on drop.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

vocabulary! {
    /// A card network, recognised from the first digits (IIN) of the card number.
    Brand, "brand" {
        Visa => "visa",
        Mastercard => "mastercard",
        Amex => "amex",
        Discover => "discover",
        Jcb => "jcb",
        DinersClub => "diners_club",
        UnionPay => "union_pay",
        Maestro => "maestro",
        Mir => "mir",
        /// No known IIN range matched; any 12–19 digit Luhn-valid number.
        Unknown => "unknown",
    }
}

/// IIN ranges, first match wins: (first digits from, to, brand). More specific
/// prefixes come before the broader ones they overlap (e.g. 6011 before 62/6x).
const IIN_RANGES: &[(&str, &str, Brand)] = &[
    ("2200", "2204", Brand::Mir),
    ("2221", "2720", Brand::Mastercard),
    ("300", "305", Brand::DinersClub),
    ("3095", "3095", Brand::DinersClub),
    ("34", "34", Brand::Amex),
    ("37", "37", Brand::Amex),
    ("36", "36", Brand::DinersClub),
    ("38", "39", Brand::DinersClub),
    ("3528", "3589", Brand::Jcb),
    ("4", "4", Brand::Visa),
    ("51", "55", Brand::Mastercard),
    ("50", "50", Brand::Maestro),
    ("56", "58", Brand::Maestro),
    ("6011", "6011", Brand::Discover),
    ("644", "649", Brand::Discover),
    ("65", "65", Brand::Discover),
    ("62", "62", Brand::UnionPay),
    ("6304", "6304", Brand::Maestro),
    ("6759", "6759", Brand::Maestro),
    ("6761", "6763", Brand::Maestro),
];

impl Brand {
    /// Recognises the brand from the leading digits (ASCII digits expected).
    pub fn from_digits(digits: &str) -> Brand {
        IIN_RANGES
            .iter()
            .find(|(from, to, _)| {
                // Same-length ASCII digit strings compare like the numbers they spell.
                digits
                    .get(..from.len())
                    .is_some_and(|prefix| *from <= prefix && prefix <= *to)
            })
            .map_or(Brand::Unknown, |(_, _, brand)| *brand)
    }

    /// The card-number lengths this brand issues.
    pub const fn lengths(self) -> &'static [usize] {
        match self {
            Brand::Visa => &[13, 16, 19],
            Brand::Mastercard => &[16],
            Brand::Amex => &[15],
            Brand::DinersClub => &[14, 15, 16, 17, 18, 19],
            Brand::Maestro | Brand::Unknown => &[12, 13, 14, 15, 16, 17, 18, 19],
            Brand::Discover | Brand::Jcb | Brand::UnionPay | Brand::Mir => &[16, 17, 18, 19],
        }
    }

    /// Human name: "Visa", "American Express", ...
    pub const fn label(self) -> &'static str {
        match self {
            Brand::Visa => "Visa",
            Brand::Mastercard => "Mastercard",
            Brand::Amex => "American Express",
            Brand::Discover => "Discover",
            Brand::Jcb => "JCB",
            Brand::DinersClub => "Diners Club",
            Brand::UnionPay => "UnionPay",
            Brand::Maestro => "Maestro",
            Brand::Mir => "Mir",
            Brand::Unknown => "Card",
        }
    }

    /// "American Express card numbers", or plain "Card numbers" for an unknown brand.
    fn numbers_noun(self) -> String {
        match self {
            Brand::Unknown => "Card numbers".to_owned(),
            known => format!("{} card numbers", known.label()),
        }
    }

    fn lengths_text(self) -> String {
        let lengths = self.lengths();
        match lengths {
            [only] => only.to_string(),
            [first, .., last] if lengths.len() == last - first + 1 => format!("{first} to {last}"),
            _ => {
                let parts: Vec<String> = lengths.iter().map(ToString::to_string).collect();
                parts.join(", ")
            }
        }
    }
}

/// Why a typed card number was refused. Never contains the digits themselves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardNumberError {
    #[error("the card number is empty")]
    Empty,
    #[error("the card number may contain only digits, spaces and dashes; found {found:?} at position {position}")]
    NonDigit { position: usize, found: char },
    #[error("{} have {} digits; this one has {found}", brand.numbers_noun(), brand.lengths_text())]
    Length { brand: Brand, found: usize },
    #[error("the card number is mistyped (its check digit does not match)")]
    Luhn,
}

/// A full card number (PAN), validated, held only in memory and wiped on drop.
///
/// No `Clone`, `Serialize` or `Deserialize` on purpose: there is no way to store it.
/// `Debug` and `Display` both print the masked form `•••• 1234`.
///
/// The compiler holds that line (each check compiles for `Money`, and fails here):
///
/// ```compile_fail
/// fn storable<T: serde::Serialize>() {}
/// storable::<consentry_domain::CardNumber>();
/// ```
/// ```compile_fail
/// fn loadable<T: serde::de::DeserializeOwned>() {}
/// loadable::<consentry_domain::CardNumber>();
/// ```
/// ```compile_fail
/// fn copyable<T: Clone>() {}
/// copyable::<consentry_domain::CardNumber>();
/// ```
/// ```
/// fn storable<T: serde::Serialize>() {}
/// fn loadable<T: serde::de::DeserializeOwned>() {}
/// fn copyable<T: Clone>() {}
/// storable::<consentry_domain::Money>();
/// loadable::<consentry_domain::Money>();
/// copyable::<consentry_domain::Money>();
/// ```
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct CardNumber {
    digits: String,
}

impl CardNumber {
    /// Parses a typed number: digits with optional spaces and dashes as separators.
    pub fn parse(input: &str) -> Result<CardNumber, CardNumberError> {
        // Zeroizing: a rejected number is wiped as well. Sized up front so the buffer
        // never reallocates and leaves an unwiped copy behind.
        let mut digits = Zeroizing::new(String::with_capacity(input.len()));
        for (position, c) in input.chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' => {}
                found => return Err(CardNumberError::NonDigit { position, found }),
            }
        }
        if digits.is_empty() {
            return Err(CardNumberError::Empty);
        }
        let brand = Brand::from_digits(&digits);
        if !brand.lengths().contains(&digits.len()) {
            return Err(CardNumberError::Length {
                brand,
                found: digits.len(),
            });
        }
        if !luhn_valid(&digits) {
            return Err(CardNumberError::Luhn);
        }
        Ok(CardNumber {
            digits: std::mem::take(&mut *digits),
        })
    }

    pub fn brand(&self) -> Brand {
        Brand::from_digits(&self.digits)
    }

    /// The last four digits, the only part the wallet keeps.
    pub fn last4(&self) -> String {
        let start = self.digits.len().saturating_sub(4);
        self.digits.get(start..).unwrap_or_default().to_owned()
    }

    /// `•••• 1234`, the only way a card number is ever shown.
    pub fn masked(&self) -> String {
        mask_last4(&self.last4())
    }

    /// The bare digits, for the single legitimate use: the request body sent to the
    /// platform's tokenization endpoint. Do not log, store or return it anywhere else.
    pub fn expose_digits(&self) -> &str {
        &self.digits
    }
}

/// `•••• 1234` from a stored last-4.
pub fn mask_last4(last4: &str) -> String {
    format!("•••• {last4}")
}

impl FromStr for CardNumber {
    type Err = CardNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CardNumber::parse(s)
    }
}

impl fmt::Debug for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Display for CardNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Luhn mod-10 check over ASCII digits.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.bytes().rev().enumerate() {
        if !b.is_ascii_digit() {
            return false;
        }
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum.is_multiple_of(10)
}

/// Why an expiry date was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpiryError {
    #[error("the expiry month must be 1 to 12, got {0}")]
    Month(u8),
    #[error("the expiry year must be 2000 to 2099, got {0}")]
    Year(u16),
    #[error("the expiry date must look like MM/YY or MM/YYYY, got {0:?}")]
    Format(String),
}

/// A card's expiry: valid through the last day of `month`/`year` (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "ExpiryFields")]
pub struct Expiry {
    // Field order = (year, month) so the derived Ord is chronological.
    year: u16,
    month: u8,
}

#[derive(Deserialize)]
struct ExpiryFields {
    month: u8,
    year: u16,
}

impl TryFrom<ExpiryFields> for Expiry {
    type Error = ExpiryError;

    fn try_from(value: ExpiryFields) -> Result<Self, Self::Error> {
        Expiry::new(value.month, value.year)
    }
}

impl Expiry {
    pub fn new(month: u8, year: u16) -> Result<Expiry, ExpiryError> {
        if !(1..=12).contains(&month) {
            return Err(ExpiryError::Month(month));
        }
        if !(2000..=2099).contains(&year) {
            return Err(ExpiryError::Year(year));
        }
        Ok(Expiry { year, month })
    }

    /// Parses `MM/YY` or `MM/YYYY` as printed on the card.
    pub fn parse(input: &str) -> Result<Expiry, ExpiryError> {
        let format_error = || ExpiryError::Format(input.to_owned());
        let (month, year) = input.trim().split_once('/').ok_or_else(format_error)?;
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(month) || !all_digits(year) || month.len() > 2 {
            return Err(format_error());
        }
        let month: u8 = month.parse().map_err(|_| format_error())?;
        let year: u16 = match year.len() {
            2 => 2000 + year.parse::<u16>().map_err(|_| format_error())?,
            4 => year.parse().map_err(|_| format_error())?,
            _ => return Err(format_error()),
        };
        Expiry::new(month, year)
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn year(self) -> u16 {
        self.year
    }

    /// True from the first instant of the month after the expiry month.
    pub fn is_expired(self, now: DateTime<Utc>) -> bool {
        (now.year(), now.month()) > (i32::from(self.year), u32::from(self.month))
    }

    /// True when still valid at `now` but expired `days` days later (renewal reminders).
    pub fn expires_within(self, now: DateTime<Utc>, days: u32) -> bool {
        if self.is_expired(now) {
            return false;
        }
        // A horizon past chrono's range is certainly after this expiry.
        TimeDelta::try_days(i64::from(days))
            .and_then(|delta| now.checked_add_signed(delta))
            .is_none_or(|horizon| self.is_expired(horizon))
    }
}

impl fmt::Display for Expiry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}/{:02}", self.month, self.year % 100)
    }
}
