use consentry_domain::{Currency, FeeModel, Money, MoneyError, Scope};

use super::support::eur;

#[test]
fn percent_commission_rounds_like_apply_bps() {
    let fee = FeeModel::Percent { bps: 150 };
    assert_eq!(fee.commission(&eur(2_000), 0).unwrap(), eur(30));
    assert_eq!(
        fee.commission(&eur(34), 7).unwrap(),
        eur(1),
        "events do not matter"
    );
    let yen = Money::new(999, Currency::JPY);
    assert_eq!(
        fee.commission(&yen, 0).unwrap(),
        Money::new(15, Currency::JPY)
    );
}

#[test]
fn per_event_commission_is_in_the_fee_currency() {
    let fee = FeeModel::PerEvent {
        amount: eur(10),
        per: Scope::Receipts,
    };
    assert_eq!(fee.commission(&eur(12_345), 3).unwrap(), eur(30));
    assert_eq!(fee.commission(&eur(12_345), 0).unwrap(), eur(0));
    let usd_purchase = Money::new(500, Currency::USD);
    assert_eq!(fee.commission(&usd_purchase, 1).unwrap(), eur(10));
    let huge = FeeModel::PerEvent {
        amount: eur(i64::MAX),
        per: Scope::Offers,
    };
    assert_eq!(
        huge.commission(&eur(1), 2).unwrap_err(),
        MoneyError::Overflow
    );
}

#[test]
fn free_apps_cost_nothing() {
    let usd = Money::new(500, Currency::USD);
    assert_eq!(
        FeeModel::None.commission(&usd, 4).unwrap(),
        Money::zero(Currency::USD)
    );
}

#[test]
fn describes_in_plain_english() {
    assert_eq!(
        FeeModel::Percent { bps: 150 }.describe(),
        "1.5% of each purchase"
    );
    assert_eq!(
        FeeModel::Percent { bps: 200 }.describe(),
        "2% of each purchase"
    );
    assert_eq!(
        FeeModel::PerEvent {
            amount: eur(10),
            per: Scope::Receipts
        }
        .describe(),
        "€0.10 per receipt"
    );
    assert_eq!(
        FeeModel::PerEvent {
            amount: eur(5),
            per: Scope::SocialPosts
        }
        .describe(),
        "€0.05 per social post"
    );
    assert_eq!(FeeModel::None.describe(), "Free");
}

#[test]
fn serde_is_tagged_by_kind() {
    let fee = FeeModel::PerEvent {
        amount: eur(10),
        per: Scope::Receipts,
    };
    let json = serde_json::to_value(&fee).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"kind": "per_event", "amount": {"minor": 10, "currency": "EUR"}, "per": "receipts"})
    );
    assert_eq!(serde_json::from_value::<FeeModel>(json).unwrap(), fee);
    let percent: FeeModel = serde_json::from_str(r#"{"kind":"percent","bps":150}"#).unwrap();
    assert_eq!(percent, FeeModel::Percent { bps: 150 });
    assert!(serde_json::from_str::<FeeModel>(r#"{"kind":"per_minute"}"#).is_err());
}

mod attribution {
    use std::collections::HashMap;

    use consentry_domain::{attribute_commission, AppAction, EventType, FeeModel, Money, Scope};

    fn acted(app: &str, kind: EventType, count: u32) -> AppAction {
        AppAction {
            app_id: app.into(),
            kind,
            count,
        }
    }

    fn fees() -> HashMap<String, FeeModel> {
        HashMap::from([
            ("app_pct".to_owned(), FeeModel::Percent { bps: 300 }),
            (
                "app_receipts".to_owned(),
                FeeModel::PerEvent {
                    amount: Money::new(10, "EUR".parse().unwrap()),
                    per: Scope::Receipts,
                },
            ),
            ("app_free".to_owned(), FeeModel::None),
        ])
    }

    fn sum(parts: &[(Option<String>, i64)]) -> i64 {
        parts.iter().map(|(_, m)| m).sum()
    }

    #[test]
    fn with_no_app_acting_the_platform_keeps_it_all() {
        assert_eq!(
            attribute_commission(1000, "EUR", 37, &[], &fees()),
            vec![(None, 37)]
        );
    }

    #[test]
    fn shares_follow_what_each_fee_model_charges_and_add_up_exactly() {
        // 3 % of €10.00 = 30 cents; one receipt at 10 cents: weights 30 : 10.
        let actions = [
            acted("app_pct", EventType::PointsAwarded, 1),
            acted("app_receipts", EventType::ReceiptIssued, 1),
        ];
        let parts = attribute_commission(1000, "EUR", 41, &actions, &fees());
        assert_eq!(sum(&parts), 41);
        // 41 × 30/40 = 30.75 → 30, 41 × 10/40 = 10.25 → 10, the leftover cent to the first.
        assert_eq!(
            parts,
            vec![
                (Some("app_pct".into()), 31),
                (Some("app_receipts".into()), 10)
            ]
        );
    }

    #[test]
    fn fees_that_cannot_be_compared_split_equally() {
        // A purchase in a currency the per-event fee is not priced in, and an unknown code.
        let actions = [
            acted("app_receipts", EventType::ReceiptIssued, 2),
            acted("app_free", EventType::OfferIssued, 1),
        ];
        let parts = attribute_commission(1000, "USD", 9, &actions, &fees());
        assert_eq!(
            parts,
            vec![
                (Some("app_receipts".into()), 5),
                (Some("app_free".into()), 4)
            ]
        );
        let parts = attribute_commission(1000, "???", 9, &actions, &fees());
        assert_eq!(sum(&parts), 9);
        assert_eq!(parts.len(), 2);
    }
}
