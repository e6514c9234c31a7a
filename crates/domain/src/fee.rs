//! What the platform (and the app) earns when an app acts on a cardholder's payment.

use serde::{Deserialize, Serialize};

use crate::{Money, MoneyError, Scope};

/// An app's fee model, shown to the cardholder before they grant anything.
///
/// Serialized with a `kind` tag: `{"kind":"percent","bps":150}`,
/// `{"kind":"per_event","amount":{"minor":10,"currency":"EUR"},"per":"receipts"}`,
/// `{"kind":"none"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeeModel {
    /// A share of each purchase, in basis points (150 = 1.5 %).
    Percent { bps: u32 },
    /// A fixed amount for each event of one scope ("€0.10 per receipt").
    PerEvent { amount: Money, per: Scope },
    /// The app is free.
    None,
}

impl FeeModel {
    /// The commission on one purchase.
    ///
    /// `Percent` is a share of `purchase` (rounded as [`Money::apply_bps`]) in the purchase
    /// currency. `PerEvent` is `amount × events_of_scope` in the fee's own currency, whatever
    /// the purchase currency. `None` is zero in the purchase currency.
    pub fn commission(&self, purchase: &Money, events_of_scope: u32) -> Result<Money, MoneyError> {
        match self {
            FeeModel::Percent { bps } => purchase.apply_bps(*bps),
            FeeModel::PerEvent { amount, .. } => amount.checked_mul(i64::from(events_of_scope)),
            FeeModel::None => Ok(Money::zero(purchase.currency)),
        }
    }

    /// Plain English: "1.5% of each purchase", "€0.10 per receipt", "Free".
    pub fn describe(&self) -> String {
        match self {
            FeeModel::Percent { bps } => format!("{}% of each purchase", percent_text(*bps)),
            FeeModel::PerEvent { amount, per } => format!("{amount} per {}", per.event_noun()),
            FeeModel::None => "Free".to_owned(),
        }
    }
}

/// Basis points as a percentage without trailing zeros: 150 → "1.5", 100 → "1", 5 → "0.05".
fn percent_text(bps: u32) -> String {
    let whole = bps / 100;
    let hundredths = bps % 100;
    if hundredths == 0 {
        whole.to_string()
    } else {
        let fraction = format!("{hundredths:02}");
        format!("{whole}.{}", fraction.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::percent_text;

    #[test]
    fn percent_text_trims_zeros() {
        assert_eq!(percent_text(150), "1.5");
        assert_eq!(percent_text(100), "1");
        assert_eq!(percent_text(5), "0.05");
        assert_eq!(percent_text(0), "0");
        assert_eq!(percent_text(1234), "12.34");
    }
}
