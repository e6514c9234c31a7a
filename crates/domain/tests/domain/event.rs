use consentry_domain::{
    AppTermsChanged, Brand, CardChange, CardChanged, Cashback, Channel, ConsentAction,
    ConsentChanged, Currency, Discount, Event, EventDecodeError, EventError, EventPayload,
    EventType, Expiry, Grant, Money, OfferIssued, OfferRedeemed, PaymentRef, PointsAwarded,
    Receipt, ReceiptError, ReceiptIssued, ReceiptLine, RecommendationMade, Scope, Sha256Digest,
    SocialPosted, Transaction,
};

use super::support::{day, details, eur};

fn payment() -> PaymentRef {
    PaymentRef {
        transaction_id: "tx-1".into(),
        channel: Channel::Nfc,
        amount: eur(1_190),
    }
}

fn line(quantity: u32, unit: i64, tax: i64) -> ReceiptLine {
    ReceiptLine {
        quantity,
        description: "Flat white".into(),
        unit_price: eur(unit),
        tax: eur(tax),
        total: eur(unit * i64::from(quantity) + tax),
    }
}

fn receipt() -> Receipt {
    Receipt {
        transaction_id: "tx-1".into(),
        merchant: "Café Lumière".into(),
        lines: vec![line(2, 350, 70), line(1, 400, 20)],
        total: eur(1_190),
    }
}

fn event(payload: EventPayload) -> Event {
    Event {
        id: format!("evt-{}", payload.event_type()),
        occurred_at: day(1),
        card_token: "tok-1".into(),
        app_id: Some("app-a".into()),
        payload,
    }
}

fn one_of_each() -> Vec<Event> {
    let tx = Transaction {
        transaction_id: "tx-1".into(),
        amount: eur(1_190),
        merchant: "Café Lumière".into(),
        channel: Channel::Nfc,
        commission: eur(18),
    };
    let cashback = Cashback {
        amount: eur(60),
        destination: "FR76 •••• 1234".into(),
        payment: Some(payment()),
    };
    let grant = Grant::new("g-1", details("app-a", "tok-1", Scope::Offers), 1, day(0)).unwrap();
    vec![
        event(EventPayload::TransactionAuthorized(tx.clone())),
        event(EventPayload::TransactionSettled(tx.clone())),
        event(EventPayload::TransactionReversed(tx)),
        event(EventPayload::ReceiptIssued(ReceiptIssued {
            payment: payment(),
            receipt: receipt(),
        })),
        event(EventPayload::PointsAwarded(PointsAwarded {
            program: "Lumière Club".into(),
            delta: 12,
            balance: 340,
            payment: Some(payment()),
        })),
        event(EventPayload::CashbackPending(cashback.clone())),
        event(EventPayload::CashbackPaid(cashback)),
        event(EventPayload::OfferIssued(OfferIssued {
            offer_id: "of-1".into(),
            code: "SPRING10".into(),
            description: "10% off your next coffee".into(),
            discount: Discount::Percent { bps: 1_000 },
            expires_at: Some(day(10)),
            payment: None,
        })),
        event(EventPayload::OfferRedeemed(OfferRedeemed {
            offer_id: "of-1".into(),
            code: "SPRING10".into(),
            payment: Some(payment()),
        })),
        event(EventPayload::RecommendationMade(RecommendationMade {
            text: "Try the oat milk".into(),
            product: Some("Oat flat white".into()),
            payment: None,
        })),
        event(EventPayload::SocialPosted(SocialPosted {
            network: "mastodon".into(),
            text: "Coffee at Café Lumière".into(),
            payment: Some(payment()),
        })),
        event(EventPayload::ConsentChanged(ConsentChanged {
            action: ConsentAction::Grant,
            grant,
            signed: None,
        })),
        event(EventPayload::AppTermsChanged(AppTermsChanged {
            terms_version: 2,
            terms_hash: Sha256Digest::of_terms("v2"),
        })),
        Event {
            app_id: None,
            ..event(EventPayload::CardChanged(card_changed()))
        },
    ]
}

fn card_changed() -> CardChanged {
    CardChanged {
        change: CardChange::Renamed,
        brand: Brand::Visa,
        last4: "4242".into(),
        expiration: Expiry::new(12, 2031).unwrap(),
        nickname: Some("Groceries".into()),
        device_id: "dev_laptop".into(),
    }
}

#[test]
fn a_card_change_names_only_the_last_four_digits() {
    let base = serde_json::to_value(Event {
        app_id: None,
        ..event(EventPayload::CardChanged(card_changed()))
    })
    .unwrap();
    for (field, value) in [
        ("last4", serde_json::json!("42424242")),
        ("last4", serde_json::json!("42a2")),
        ("change", serde_json::json!("stolen")),
        ("expiration", serde_json::json!({"month": 13, "year": 2031})),
    ] {
        let mut hostile = base.clone();
        hostile[field] = value;
        let bytes = serde_json::to_vec(&hostile).unwrap();
        assert!(Event::from_json(&bytes).is_err(), "{field}: {hostile}");
    }
}

#[test]
fn every_type_roundtrips_through_the_flat_wire_form() {
    let events = one_of_each();
    assert_eq!(
        events.len(),
        EventType::ALL.len(),
        "one fixture per event type"
    );
    for event in events {
        let value = serde_json::to_value(&event).unwrap();
        assert_eq!(value["type"], event.event_type().as_str());
        assert_eq!(value["id"], event.id);
        assert_eq!(value["card_token"], "tok-1");
        let bytes = serde_json::to_vec(&event).unwrap();
        assert_eq!(
            Event::from_json(&bytes).unwrap(),
            event,
            "{}",
            event.event_type()
        );
    }
}

#[test]
fn wire_names_are_the_vocabulary() {
    let names: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(
        names,
        [
            "transaction.authorized",
            "transaction.settled",
            "transaction.reversed",
            "receipt.issued",
            "points.awarded",
            "cashback.pending",
            "cashback.paid",
            "offer.issued",
            "offer.redeemed",
            "recommendation.made",
            "social.posted",
            "consent.changed",
            "app.terms_changed",
            "card.changed",
        ]
    );
}

#[test]
fn decodes_a_hand_written_transaction() {
    let json = r#"{"id":"evt-9","type":"transaction.settled","occurred_at":"2025-01-02T10:00:00Z",
        "card_token":"tok-1","transaction_id":"tx-9","amount":{"minor":2000,"currency":"EUR"},
        "merchant":"Bakery","channel":"voice","commission":{"minor":30,"currency":"EUR"},
        "future_field":true}"#;
    let event = Event::from_json(json.as_bytes()).unwrap();
    assert_eq!(event.app_id, None);
    assert_eq!(event.scope(), None);
    let EventPayload::TransactionSettled(tx) = event.payload else {
        panic!("wrong payload")
    };
    assert_eq!(
        (tx.channel, tx.amount, tx.commission),
        (Channel::Voice, eur(2000), eur(30))
    );
}

#[test]
fn unknown_type_is_a_typed_error() {
    let json = r#"{"id":"evt-1","type":"loan.offered","occurred_at":"2025-01-02T10:00:00Z","card_token":"t"}"#;
    assert_eq!(
        Event::from_json(json.as_bytes()).unwrap_err(),
        EventDecodeError::UnknownType {
            type_name: "loan.offered".into()
        }
    );
    let untyped = r#"{"id":"evt-1","occurred_at":"2025-01-02T10:00:00Z","card_token":"t"}"#;
    assert_eq!(
        Event::from_json(untyped.as_bytes()).unwrap_err(),
        EventDecodeError::MissingType
    );
    // Plain serde also fails cleanly (no panic) on an unknown type.
    assert!(serde_json::from_str::<Event>(json).is_err());
}

#[test]
fn malformed_known_types_and_garbage_are_typed_errors() {
    let missing_field = r#"{"id":"e","type":"points.awarded","occurred_at":"2025-01-02T10:00:00Z","card_token":"t","app_id":"a","program":"p","delta":1}"#;
    match Event::from_json(missing_field.as_bytes()).unwrap_err() {
        EventDecodeError::Malformed { type_name, message } => {
            assert_eq!(type_name, "points.awarded");
            assert!(message.contains("balance"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(
        Event::from_json(b"not json"),
        Err(EventDecodeError::Malformed { .. })
    ));
    assert!(matches!(
        Event::from_json(b"[1,2]"),
        Err(EventDecodeError::MissingType)
    ));
}

#[test]
fn scopes_of_app_events() {
    let expected = [
        (EventType::ReceiptIssued, Some(Scope::Receipts)),
        (EventType::PointsAwarded, Some(Scope::Points)),
        (EventType::CashbackPending, Some(Scope::Cashback)),
        (EventType::CashbackPaid, Some(Scope::Cashback)),
        (EventType::OfferIssued, Some(Scope::Offers)),
        (EventType::OfferRedeemed, Some(Scope::Offers)),
        (EventType::RecommendationMade, Some(Scope::Recommendations)),
        (EventType::SocialPosted, Some(Scope::SocialPosts)),
        (EventType::TransactionAuthorized, None),
        (EventType::TransactionSettled, None),
        (EventType::TransactionReversed, None),
        (EventType::ConsentChanged, None),
        (EventType::AppTermsChanged, None),
    ];
    for (event_type, scope) in expected {
        assert_eq!(event_type.scope(), scope, "{event_type}");
    }
    for event in one_of_each() {
        assert_eq!(event.scope(), event.event_type().scope());
    }
}

#[test]
fn app_events_must_name_their_app() {
    for mut event in one_of_each() {
        let needs_app = event.scope().is_some() || event.event_type() == EventType::AppTermsChanged;
        event.app_id = None;
        assert_eq!(
            event.validate().is_err(),
            needs_app,
            "{}",
            event.event_type()
        );
    }
}

#[test]
fn cashback_destination_must_be_masked_and_is_not_echoed() {
    let mut cashback = Cashback {
        amount: eur(60),
        destination: "FR7630006000011234567890189".into(),
        payment: None,
    };
    let err = event(EventPayload::CashbackPaid(cashback.clone()))
        .validate()
        .unwrap_err();
    assert!(matches!(err, EventError::UnmaskedDestination(_)));
    assert!(!err.to_string().contains("30006"), "{err}");
    cashback.destination = "FR76 •••• 0189".into();
    assert_eq!(
        event(EventPayload::CashbackPaid(cashback)).validate(),
        Ok(())
    );
}

#[test]
fn consent_changed_must_be_about_the_envelope_card() {
    let grant = Grant::new("g", details("app-a", "tok-2", Scope::Offers), 1, day(0)).unwrap();
    let e = event(EventPayload::ConsentChanged(ConsentChanged {
        action: ConsentAction::Grant,
        grant,
        signed: None,
    }));
    assert_eq!(e.validate(), Err(EventError::CardMismatch));
}

#[test]
fn commission_is_in_the_purchase_currency() {
    let tx = Transaction {
        transaction_id: "tx".into(),
        amount: eur(100),
        merchant: "m".into(),
        channel: Channel::Card,
        commission: Money::new(1, Currency::USD),
    };
    assert!(matches!(
        event(EventPayload::TransactionAuthorized(tx)).validate(),
        Err(EventError::CommissionCurrency { .. })
    ));
}

#[test]
fn receipts_must_add_up() {
    assert_eq!(receipt().validate(), Ok(()));
    assert_eq!(receipt().total_tax().unwrap(), eur(90));

    let mut wrong_total = receipt();
    wrong_total.total = eur(1_191);
    assert_eq!(
        wrong_total.validate(),
        Err(ReceiptError::Total {
            computed: eur(1_190),
            stated: eur(1_191)
        })
    );

    let mut wrong_line = receipt();
    wrong_line.lines[1].total = eur(419);
    assert_eq!(
        wrong_line.validate(),
        Err(ReceiptError::LineTotal {
            line: 2,
            computed: eur(420),
            stated: eur(419)
        })
    );

    let mut mixed = receipt();
    mixed.lines[0].tax = Money::new(70, Currency::GBP);
    assert!(matches!(
        mixed.validate(),
        Err(ReceiptError::Currency { line: 1, .. })
    ));

    let mut zero = receipt();
    zero.lines[0].quantity = 0;
    assert_eq!(zero.validate(), Err(ReceiptError::ZeroQuantity { line: 1 }));

    let mut empty = receipt();
    empty.lines.clear();
    assert_eq!(empty.validate(), Err(ReceiptError::NoLines));

    let bad = event(EventPayload::ReceiptIssued(ReceiptIssued {
        payment: payment(),
        receipt: wrong_total,
    }));
    let bytes = serde_json::to_vec(&bad).unwrap();
    assert!(matches!(
        Event::from_json(&bytes),
        Err(EventDecodeError::Invalid(EventError::Receipt(_)))
    ));
}
