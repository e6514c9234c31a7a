use chrono::{TimeZone, Utc};
use consentry_domain::{Brand, CardNumber, CardNumberError, Expiry, ExpiryError};

#[test]
fn recognises_brands_of_published_test_numbers() {
    let cases = [
        ("4111111111111111", Brand::Visa),
        ("4222222222222", Brand::Visa),
        ("4000000000000000006", Brand::Visa),
        ("5555555555554444", Brand::Mastercard),
        ("2223003122003222", Brand::Mastercard),
        ("378282246310005", Brand::Amex),
        ("371449635398431", Brand::Amex),
        ("6011111111111117", Brand::Discover),
        ("6445644564456445", Brand::Discover),
        ("6500000000000002", Brand::Discover),
        ("3530111333300000", Brand::Jcb),
        ("3566002020360505", Brand::Jcb),
        ("36227206271667", Brand::DinersClub),
        ("30569309025904", Brand::DinersClub),
        ("3056930009020004", Brand::DinersClub),
        ("6200000000000005", Brand::UnionPay),
        ("6205500000000000004", Brand::UnionPay),
        ("6759649826438453", Brand::Maestro),
        ("5018000000000009", Brand::Maestro),
        ("2200000000000004", Brand::Mir),
    ];
    for (number, brand) in cases {
        let card = CardNumber::parse(number).unwrap_or_else(|e| panic!("{number}: {e}"));
        assert_eq!(card.brand(), brand, "{number}");
        assert_eq!(card.last4(), &number[number.len() - 4..]);
        assert_eq!(card.expose_digits(), number);
    }
}

#[test]
fn accepts_spaces_and_dashes() {
    let card = CardNumber::parse(" 4111 1111-1111 1111 ").unwrap();
    assert_eq!(card.expose_digits(), "4111111111111111");
    let card: CardNumber = "3782-822463-10005".parse().unwrap();
    assert_eq!(card.brand(), Brand::Amex);
}

#[test]
fn rejects_with_typed_errors() {
    assert_eq!(CardNumber::parse("").unwrap_err(), CardNumberError::Empty);
    assert_eq!(
        CardNumber::parse(" - ").unwrap_err(),
        CardNumberError::Empty
    );
    assert_eq!(
        CardNumber::parse("4111 1111 1111 111x").unwrap_err(),
        CardNumberError::NonDigit {
            position: 18,
            found: 'x'
        }
    );
    assert_eq!(
        CardNumber::parse("4111111111111112").unwrap_err(),
        CardNumberError::Luhn
    );
    // Amex is 15 digits; 16 is a length error before any Luhn check.
    assert_eq!(
        CardNumber::parse("3782822463100050").unwrap_err(),
        CardNumberError::Length {
            brand: Brand::Amex,
            found: 16
        }
    );
    assert_eq!(
        CardNumber::parse("41111111111111").unwrap_err(),
        CardNumberError::Length {
            brand: Brand::Visa,
            found: 14
        }
    );
    assert!(matches!(
        CardNumber::parse("12345678901").unwrap_err(),
        CardNumberError::Length {
            brand: Brand::Unknown,
            found: 11
        }
    ));
}

#[test]
fn error_messages_are_clear_and_never_echo_the_number() {
    let length = CardNumber::parse("3782822463100050")
        .unwrap_err()
        .to_string();
    assert_eq!(
        length,
        "American Express card numbers have 15 digits; this one has 16"
    );
    let visa = CardNumber::parse("41111111111111").unwrap_err().to_string();
    assert!(visa.contains("13, 16, 19"), "{visa}");
    let unknown = CardNumber::parse("12345678901").unwrap_err().to_string();
    assert_eq!(
        unknown,
        "Card numbers have 12 to 19 digits; this one has 11"
    );
    let luhn = CardNumber::parse("4111111111111112")
        .unwrap_err()
        .to_string();
    assert!(
        luhn.contains("mistyped") && !luhn.contains("4111"),
        "{luhn}"
    );
}

#[test]
fn debug_and_display_are_masked() {
    let card = CardNumber::parse("4111111111111111").unwrap();
    assert_eq!(format!("{card}"), "•••• 1111");
    assert_eq!(format!("{card:?}"), "•••• 1111");
    assert_eq!(card.masked(), "•••• 1111");
    // Nested in a struct's derived Debug, too.
    #[derive(Debug)]
    #[allow(dead_code)]
    struct LinkRequest {
        number: CardNumber,
    }
    let dbg = format!("{:?}", LinkRequest { number: card });
    assert!(!dbg.contains("4111111111111111"), "{dbg}");
    assert!(dbg.contains("•••• 1111"), "{dbg}");
}

#[test]
fn expiry_validation_and_parsing() {
    assert_eq!(Expiry::new(13, 2027).unwrap_err(), ExpiryError::Month(13));
    assert_eq!(Expiry::new(0, 2027).unwrap_err(), ExpiryError::Month(0));
    assert_eq!(Expiry::new(1, 1999).unwrap_err(), ExpiryError::Year(1999));
    assert_eq!(
        Expiry::parse("04/27").unwrap(),
        Expiry::new(4, 2027).unwrap()
    );
    assert_eq!(
        Expiry::parse("4/2027").unwrap(),
        Expiry::new(4, 2027).unwrap()
    );
    for bad in ["0427", "04/7", "aa/27", "04/027", "123/27", ""] {
        assert!(
            matches!(Expiry::parse(bad), Err(ExpiryError::Format(_))),
            "{bad}"
        );
    }
    assert_eq!(Expiry::new(4, 2027).unwrap().to_string(), "04/27");
}

#[test]
fn expiry_serde_validates() {
    let expiry: Expiry = serde_json::from_str(r#"{"month":4,"year":2027}"#).unwrap();
    assert_eq!((expiry.month(), expiry.year()), (4, 2027));
    assert!(serde_json::from_str::<Expiry>(r#"{"month":14,"year":2027}"#).is_err());
    let back: Expiry = serde_json::from_str(&serde_json::to_string(&expiry).unwrap()).unwrap();
    assert_eq!(back, expiry);
}

#[test]
fn a_card_is_valid_through_the_last_day_of_its_month() {
    let expiry = Expiry::new(4, 2027).unwrap();
    let last_moment = Utc.with_ymd_and_hms(2027, 4, 30, 23, 59, 59).unwrap();
    let next_month = Utc.with_ymd_and_hms(2027, 5, 1, 0, 0, 0).unwrap();
    assert!(!expiry.is_expired(last_moment));
    assert!(expiry.is_expired(next_month));
    // December rolls into the next year.
    let december = Expiry::new(12, 2026).unwrap();
    assert!(!december.is_expired(Utc.with_ymd_and_hms(2026, 12, 31, 12, 0, 0).unwrap()));
    assert!(december.is_expired(Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap()));
}

#[test]
fn expires_within_a_window() {
    let expiry = Expiry::new(4, 2027).unwrap();
    let now = Utc.with_ymd_and_hms(2027, 4, 10, 0, 0, 0).unwrap();
    assert!(!expiry.expires_within(now, 20), "still valid on 30 April");
    assert!(expiry.expires_within(now, 21), "gone on 1 May");
    assert!(!expiry.expires_within(Utc.with_ymd_and_hms(2027, 6, 1, 0, 0, 0).unwrap(), 30));
    assert!(expiry.expires_within(now, u32::MAX));
}
