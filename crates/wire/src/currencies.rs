//! The currencies the platform accepts and the bounds of amounts in each:
//! `GET /v1/currencies`. The server checks amounts with [`purchase_bounds`] and the document
//! states the same bounds ([`crate::schema`]), so the schema and the server cannot differ.

use consentry_domain::{Currency, Money};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The largest simulated purchase, in major units of any currency (a million euros, yen, …).
pub const MAX_PURCHASE_MAJOR: i64 = 1_000_000;

/// The smallest simulated purchase in minor units: one cent, one yen.
pub const MIN_PURCHASE_MINOR: i64 = 1;

/// The amounts (minor units) a simulated purchase in `currency` may have, inclusive.
pub fn purchase_bounds(currency: Currency) -> (i64, i64) {
    let scale = 10i64.pow(u32::from(currency.exponent()));
    (MIN_PURCHASE_MINOR, MAX_PURCHASE_MAJOR * scale)
}

/// True when `amount` is a purchase the platform takes.
pub fn is_purchase_amount(amount: &Money) -> bool {
    let (min, max) = purchase_bounds(amount.currency);
    (min..=max).contains(&amount.minor)
}

/// One accepted currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CurrencyInfo {
    /// ISO 4217 code.
    pub code: String,
    /// Decimal places of the minor unit: `minor` = amount × 10^exponent (2 for EUR: cents;
    /// 0 for JPY; 3 for KWD).
    #[schemars(range(max = 4))]
    pub exponent: u8,
    /// The smallest simulated purchase, in minor units.
    pub min_purchase_minor: i64,
    /// The largest simulated purchase, in minor units: one million major units.
    pub max_purchase_minor: i64,
}

/// `GET /v1/currencies`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CurrencyList {
    /// Every currency an amount may be in, by code. Any other code is refused (422).
    pub currencies: Vec<CurrencyInfo>,
}

impl CurrencyInfo {
    pub fn of(currency: Currency) -> CurrencyInfo {
        let (min, max) = purchase_bounds(currency);
        CurrencyInfo {
            code: currency.code().to_owned(),
            exponent: currency.exponent(),
            min_purchase_minor: min,
            max_purchase_minor: max,
        }
    }
}

/// Every currency the platform accepts, by code.
pub fn accepted() -> CurrencyList {
    CurrencyList {
        currencies: Currency::all().into_iter().map(CurrencyInfo::of).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_follow_the_exponent() {
        assert_eq!(purchase_bounds(Currency::EUR), (1, 100_000_000));
        assert_eq!(purchase_bounds(Currency::JPY), (1, 1_000_000));
        assert_eq!(purchase_bounds(Currency::KWD), (1, 1_000_000_000));
        assert!(is_purchase_amount(&Money::new(100_000_000, Currency::EUR)));
        assert!(!is_purchase_amount(&Money::new(100_000_001, Currency::EUR)));
        assert!(!is_purchase_amount(&Money::new(0, Currency::EUR)));
        assert!(!is_purchase_amount(&Money::new(-1, Currency::JPY)));
    }
}
