use std::cmp::Ordering;

use consentry_domain::{Currency, CurrencyError, Money, MoneyError};

use super::support::eur;

#[test]
fn currency_codes_are_validated_with_their_exponent() {
    assert_eq!(Currency::new("EUR").unwrap(), Currency::EUR);
    assert_eq!(Currency::new("JPY").unwrap().exponent(), 0);
    assert_eq!(Currency::new("CHF").unwrap().exponent(), 2);
    assert_eq!(Currency::new("KWD").unwrap().exponent(), 3);
    assert_eq!(Currency::new("CLF").unwrap().exponent(), 4);
    assert_eq!(
        Currency::new("eur").unwrap_err(),
        CurrencyError::Malformed("eur".into())
    );
    assert_eq!(
        Currency::new("EURO").unwrap_err(),
        CurrencyError::Malformed("EURO".into())
    );
    assert_eq!(
        Currency::new("ABC").unwrap_err(),
        CurrencyError::Unknown("ABC".into())
    );
}

#[test]
fn serde_form_is_minor_and_code() {
    let json = serde_json::to_value(eur(1234)).unwrap();
    assert_eq!(json, serde_json::json!({"minor": 1234, "currency": "EUR"}));
    let back: Money = serde_json::from_value(json).unwrap();
    assert_eq!(back, eur(1234));
    let err = serde_json::from_str::<Money>(r#"{"minor":1,"currency":"XYZ"}"#).unwrap_err();
    assert!(err.to_string().contains("XYZ"), "{err}");
    // Floats are refused rather than silently truncated.
    assert!(serde_json::from_str::<Money>(r#"{"minor":1.5,"currency":"EUR"}"#).is_err());
}

#[test]
fn arithmetic_refuses_mixed_currencies() {
    let usd = Money::new(100, Currency::USD);
    assert_eq!(
        eur(100).checked_add(&usd).unwrap_err(),
        MoneyError::CurrencyMismatch {
            left: Currency::EUR,
            right: Currency::USD
        }
    );
    assert!(matches!(
        eur(100).checked_sub(&usd),
        Err(MoneyError::CurrencyMismatch { .. })
    ));
    assert!(eur(1).compare(&usd).is_err());
    assert_eq!(eur(150).checked_add(&eur(-50)).unwrap(), eur(100));
    assert_eq!(eur(150).checked_sub(&eur(200)).unwrap(), eur(-50));
    assert_eq!(eur(1).compare(&eur(2)).unwrap(), Ordering::Less);
}

#[test]
fn arithmetic_reports_overflow() {
    assert_eq!(
        eur(i64::MAX).checked_add(&eur(1)).unwrap_err(),
        MoneyError::Overflow
    );
    assert_eq!(
        eur(i64::MIN).checked_sub(&eur(1)).unwrap_err(),
        MoneyError::Overflow
    );
    assert_eq!(
        eur(i64::MAX / 2 + 1).checked_mul(2).unwrap_err(),
        MoneyError::Overflow
    );
    assert_eq!(
        Money::sum(Currency::EUR, &[eur(i64::MAX), eur(1)]).unwrap_err(),
        MoneyError::Overflow
    );
    assert_eq!(Money::sum(Currency::EUR, &[]).unwrap(), eur(0));
}

#[test]
fn basis_points_round_half_up_on_minor_units() {
    // 1.5 % of €10.00 = 15 cents exactly.
    assert_eq!(eur(1000).apply_bps(150).unwrap(), eur(15));
    // 1.5 % of €0.33 = 0.495 cent → 0; of €0.34 = 0.51 → 1.
    assert_eq!(eur(33).apply_bps(150).unwrap(), eur(0));
    assert_eq!(eur(34).apply_bps(150).unwrap(), eur(1));
    // Exactly half a cent rounds up: 0.5 % of €1.00 = 0.5 cent → 1.
    assert_eq!(eur(100).apply_bps(50).unwrap(), eur(1));
    // 2.5 % of €0.99 = 2.475 cents → 2; of €1.00 = 2.5 → 3.
    assert_eq!(eur(99).apply_bps(250).unwrap(), eur(2));
    assert_eq!(eur(100).apply_bps(250).unwrap(), eur(3));
    // Refunds mirror charges (half away from zero).
    assert_eq!(eur(-100).apply_bps(250).unwrap(), eur(-3));
    assert_eq!(eur(1234).apply_bps(0).unwrap(), eur(0));
    assert_eq!(eur(1234).apply_bps(10_000).unwrap(), eur(1234));
    // No intermediate overflow: computed in 128 bits, only the result must fit.
    assert_eq!(
        eur(i64::MAX).apply_bps(5_000).unwrap(),
        eur(i64::MAX / 2 + 1)
    );
    assert_eq!(
        eur(i64::MAX).apply_bps(20_000).unwrap_err(),
        MoneyError::Overflow
    );
}

#[test]
fn display_uses_the_currency_exponent() {
    assert_eq!(eur(1234).to_string(), "€12.34");
    assert_eq!(eur(-5).to_string(), "-€0.05");
    assert_eq!(Money::new(1200, Currency::JPY).to_string(), "¥1200");
    assert_eq!(Money::new(1250, Currency::CHF).to_string(), "CHF 12.50");
    assert_eq!(Money::new(1234, Currency::KWD).to_string(), "KWD 1.234");
}

#[test]
fn parses_major_units_without_floats() {
    assert_eq!(
        Money::parse_major("12.34", Currency::EUR).unwrap(),
        eur(1234)
    );
    assert_eq!(Money::parse_major("0.1", Currency::EUR).unwrap(), eur(10));
    assert_eq!(Money::parse_major("-3", Currency::EUR).unwrap(), eur(-300));
    assert_eq!(
        Money::parse_major("1200", Currency::JPY).unwrap().minor,
        1200
    );
    assert!(matches!(
        Money::parse_major("0.001", Currency::EUR),
        Err(MoneyError::InvalidAmount { .. })
    ));
    assert!(Money::parse_major("99999999999999999999", Currency::EUR).is_err());
}
