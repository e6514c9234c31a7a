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
