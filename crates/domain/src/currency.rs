//! ISO 4217 currencies with their minor-unit exponent.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An ISO 4217 currency in circulation, e.g. `EUR` (2 decimals) or `JPY` (none).
///
/// Only codes from the table below are accepted, so every `Currency` knows how many
/// minor units make one major unit. Serialized as its code, `"EUR"`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Currency {
    code: &'static str,
    exponent: u8,
}

/// Why a currency code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurrencyError {
    #[error("a currency code is three capital letters (like EUR), got {0:?}")]
    Malformed(String),
    #[error("{0:?} is not an ISO 4217 currency in circulation")]
    Unknown(String),
}

/// Codes with an exponent other than 2 (ISO 4217 list, funds and metals excluded).
const EXPONENT_0: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
    "VUV", "XAF", "XOF", "XPF",
];
const EXPONENT_3: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
const EXPONENT_4: &[&str] = &["CLF", "UYW"];
const EXPONENT_2: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
    "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CNY",
    "COP", "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD",
    "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR",
    "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP", "LKR",
    "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK",
    "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP",
    "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP",
    "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP", "TRY",
    "TTD", "TWD", "TZS", "UAH", "USD", "UYU", "UZS", "VES", "WST", "XCD", "XCG", "YER", "ZAR",
    "ZMW", "ZWG",
];

impl Currency {
    pub const EUR: Currency = Currency::known("EUR", 2);
    pub const USD: Currency = Currency::known("USD", 2);
    pub const GBP: Currency = Currency::known("GBP", 2);
    pub const CHF: Currency = Currency::known("CHF", 2);
    pub const JPY: Currency = Currency::known("JPY", 0);
    pub const KWD: Currency = Currency::known("KWD", 3);

    const fn known(code: &'static str, exponent: u8) -> Currency {
        Currency { code, exponent }
    }

    /// Looks up an ISO 4217 code; exactly three ASCII capitals.
    pub fn new(code: &str) -> Result<Currency, CurrencyError> {
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(CurrencyError::Malformed(code.to_owned()));
        }
        [
            (EXPONENT_2, 2),
            (EXPONENT_0, 0),
            (EXPONENT_3, 3),
            (EXPONENT_4, 4),
        ]
        .into_iter()
        .find_map(|(table, exponent)| {
            table
                .iter()
                .find(|known| **known == code)
                .map(|code| Currency::known(code, exponent))
        })
        .ok_or_else(|| CurrencyError::Unknown(code.to_owned()))
    }

    /// Every currency [`Currency::new`] accepts, by code.
    pub fn all() -> Vec<Currency> {
        let mut all: Vec<Currency> = [
            (EXPONENT_2, 2),
            (EXPONENT_0, 0),
            (EXPONENT_3, 3),
            (EXPONENT_4, 4),
        ]
        .into_iter()
        .flat_map(|(table, exponent)| {
            table
                .iter()
                .map(move |code| Currency::known(code, exponent))
        })
        .collect();
        all.sort();
        all
    }

    /// The three-letter code.
    pub const fn code(self) -> &'static str {
        self.code
    }

    /// Number of decimals of the minor unit: 2 for EUR (cents), 0 for JPY.
    pub const fn exponent(self) -> u8 {
        self.exponent
    }

    /// The usual sign, for the few currencies where it is unambiguous.
    pub const fn symbol(self) -> Option<&'static str> {
        match self.code.as_bytes() {
            b"EUR" => Some("€"),
            b"USD" => Some("$"),
            b"GBP" => Some("£"),
            b"JPY" => Some("¥"),
            _ => None,
        }
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl FromStr for Currency {
    type Err = CurrencyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::new(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Currency::new(&code).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::Currency;

    #[test]
    fn all_lists_each_accepted_code_once_in_order() {
        let all = Currency::all();
        let codes: Vec<&str> = all.iter().map(|c| c.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(codes, sorted);
        for currency in &all {
            assert_eq!(Currency::new(currency.code()), Ok(*currency));
        }
        assert!(all.contains(&Currency::JPY) && all.contains(&Currency::KWD));
        assert!(Currency::new("XAU").is_err() && !codes.contains(&"XAU"));
    }
}
