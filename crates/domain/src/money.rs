//! Amounts of money as integer minor units. No floats anywhere.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Currency;

/// An amount in minor units (cents for EUR) of one currency.
///
/// Serialized as `{"minor": 1234, "currency": "EUR"}`. There is no `PartialOrd`: amounts
/// in different currencies do not compare; use [`Money::compare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

/// Why an amount could not be computed or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("cannot combine {left} with {right}")]
    CurrencyMismatch { left: Currency, right: Currency },
    #[error("the amount is too large")]
    Overflow,
    #[error("{input:?} is not an amount in {currency}: {reason}")]
    InvalidAmount {
        input: String,
        currency: Currency,
        reason: &'static str,
    },
}

/// One basis point is 1/10 000; 150 bps = 1.5 %.
pub const BPS_PER_UNIT: u32 = 10_000;

impl Money {
    pub const fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    pub const fn zero(currency: Currency) -> Money {
        Money { minor: 0, currency }
    }

    pub const fn is_zero(&self) -> bool {
        self.minor == 0
    }

    pub const fn is_negative(&self) -> bool {
        self.minor < 0
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    pub fn checked_sub(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// `self × count`, e.g. a unit price times a quantity.
    pub fn checked_mul(&self, count: i64) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(count).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// Sums amounts that must all be in `currency` (an empty sum is zero).
    pub fn sum<'a>(
        currency: Currency,
        amounts: impl IntoIterator<Item = &'a Money>,
    ) -> Result<Money, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(m))
    }

    /// Orders two amounts of the same currency.
    pub fn compare(&self, other: &Money) -> Result<Ordering, MoneyError> {
        self.same_currency(other)?;
        Ok(self.minor.cmp(&other.minor))
    }

    /// `bps` basis points of this amount (150 bps = 1.5 %), in the same currency.
    ///
    /// Rounding: to the nearest minor unit, halves away from zero ("half-up" on the
    /// magnitude), so 1.5 % of €0.10 = 0.15 cent → 0 cents, 1.5 % of €0.34 = 0.51 → 1 cent,
    /// 50 bps of 1 cent = 0.5 → 1 cent, and a refund mirrors its charge exactly.
    pub fn apply_bps(&self, bps: u32) -> Result<Money, MoneyError> {
        let scaled = i128::from(self.minor) * i128::from(bps);
        let unit = i128::from(BPS_PER_UNIT);
        let (quotient, remainder) = (scaled / unit, scaled % unit);
        let rounded = if remainder.abs() * 2 >= unit {
            quotient + scaled.signum()
        } else {
            quotient
        };
        let minor = i64::try_from(rounded).map_err(|_| MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// Reads a major-unit decimal such as `"12.34"`, `"-0.5"` or `"1200"` (JPY).
    /// At most as many decimals as the currency has; no thousands separators.
    pub fn parse_major(input: &str, currency: Currency) -> Result<Money, MoneyError> {
        let invalid = |reason| MoneyError::InvalidAmount {
            input: input.to_owned(),
            currency,
            reason,
        };
        let trimmed = input.trim();
        let (negative, unsigned) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed),
        };
        let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || !digits_only(whole) || !digits_only(fraction) {
            return Err(invalid("expected digits with an optional decimal point"));
        }
        if unsigned.contains('.') && fraction.is_empty() {
            return Err(invalid("expected digits after the decimal point"));
        }
        let exponent = usize::from(currency.exponent());
        if fraction.len() > exponent {
            return Err(invalid("too many decimals for this currency"));
        }
        let padded = format!("{whole}{fraction:0<exponent$}");
        let magnitude: i64 = padded
            .parse()
            .map_err(|_| invalid("the amount is too large"))?;
        let minor = if negative { -magnitude } else { magnitude };
        Ok(Money::new(minor, currency))
    }

    /// The amount as a plain decimal in major units: `"12.34"`, `"-0.05"`, `"1200"`.
    pub fn major_string(&self) -> String {
        let exponent = usize::from(self.currency.exponent());
        let sign = if self.minor < 0 { "-" } else { "" };
        let digits = self.minor.unsigned_abs().to_string();
        if exponent == 0 {
            return format!("{sign}{digits}");
        }
        let padded = format!("{digits:0>width$}", width = exponent + 1);
        let (whole, fraction) = padded.split_at(padded.len() - exponent);
        format!("{sign}{whole}.{fraction}")
    }
}

/// `€12.34`, `-€0.05`, `¥1200`, `CHF 12.34`.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let major = self.major_string();
        let (sign, magnitude) = match major.strip_prefix('-') {
            Some(rest) => ("-", rest),
            None => ("", major.as_str()),
        };
        match self.currency.symbol() {
            Some(symbol) => write!(f, "{sign}{symbol}{magnitude}"),
            None => write!(f, "{sign}{} {magnitude}", self.currency),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn major_string_pads_small_amounts() {
        assert_eq!(Money::new(5, Currency::EUR).major_string(), "0.05");
        assert_eq!(Money::new(-5, Currency::EUR).major_string(), "-0.05");
        assert_eq!(Money::new(1234, Currency::KWD).major_string(), "1.234");
        assert_eq!(Money::new(1200, Currency::JPY).major_string(), "1200");
        assert_eq!(
            Money::new(i64::MIN, Currency::JPY).major_string(),
            i64::MIN.to_string()
        );
    }

    #[test]
    fn parse_major_roundtrips() {
        for minor in [0, 1, 10, 99, 100, 12345, -7, -100] {
            let m = Money::new(minor, Currency::EUR);
            assert_eq!(
                Money::parse_major(&m.major_string(), Currency::EUR).unwrap(),
                m
            );
        }
        assert!(Money::parse_major("1.234", Currency::EUR).is_err());
        assert!(Money::parse_major("1.", Currency::EUR).is_err());
        assert!(Money::parse_major("1.5", Currency::JPY).is_err());
        assert!(Money::parse_major("", Currency::EUR).is_err());
        assert!(Money::parse_major("1,00", Currency::EUR).is_err());
        assert_eq!(Money::parse_major("1.5", Currency::EUR).unwrap().minor, 150);
    }
}
