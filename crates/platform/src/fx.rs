//! Fixed reference exchange rates, used only to express a per-event fee priced in one
//! currency ("$0.05 per offer") as commission on a purchase in another. A simulation, not
//! a market: the rates never move.

use consentry_domain::{Currency, Money};

/// Value of one major unit in millionths of a euro.
fn micro_eur(currency: Currency) -> Option<i128> {
    match currency.code() {
        "EUR" => Some(1_000_000),
        "USD" => Some(920_000),
        "GBP" => Some(1_170_000),
        "CHF" => Some(1_050_000),
        "JPY" => Some(6_100),
        _ => None,
    }
}

/// `amount` in `to`, rounded to the nearest minor unit (halves away from zero); `None`
/// when either currency has no reference rate.
pub fn convert(amount: Money, to: Currency) -> Option<Money> {
    if amount.currency == to {
        return Some(amount);
    }
    let numerator = i128::from(amount.minor)
        * micro_eur(amount.currency)?
        * 10i128.pow(u32::from(to.exponent()));
    let denominator = 10i128.pow(u32::from(amount.currency.exponent())) * micro_eur(to)?;
    let (quotient, remainder) = (numerator / denominator, numerator % denominator);
    let rounded = if remainder.abs() * 2 >= denominator {
        quotient + numerator.signum()
    } else {
        quotient
    };
    i64::try_from(rounded)
        .ok()
        .map(|minor| Money::new(minor, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_with_rounding() {
        let five_cents = Money::new(5, Currency::USD);
        // $0.05 × 0.92 = €0.046 → 5 cents
        assert_eq!(
            convert(five_cents, Currency::EUR),
            Some(Money::new(5, Currency::EUR))
        );
        let ten_euros = Money::new(1000, Currency::EUR);
        // €10 / 0.92 = $10.869… → 1087 cents
        assert_eq!(
            convert(ten_euros, Currency::USD),
            Some(Money::new(1087, Currency::USD))
        );
        assert_eq!(convert(ten_euros, Currency::EUR), Some(ten_euros));
        assert_eq!(convert(ten_euros, Currency::KWD), None);
    }
}
