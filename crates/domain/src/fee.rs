//! What the platform (and the app) earns when an app acts on a cardholder's payment.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::{Currency, EventType, Money, MoneyError, Scope};

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

/// One app's events on one purchase, of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppAction {
    /// The app.
    pub app_id: String,
    /// What it produced.
    pub kind: EventType,
    /// How many of them.
    pub count: u32,
}

/// Splits a purchase's commission (`commission_minor`, in the purchase's `currency`) between the apps that acted on it, in proportion to what
/// each one's fee model charges on it; equally when a fee cannot be compared (priced in another
/// currency). Parts add up to the commission exactly (leftover minor units go to the first).
/// `None` takes it all when no app acted.
pub fn attribute_commission(
    amount_minor: i64,
    currency: &str,
    commission_minor: i64,
    actions: &[AppAction],
    fees: &HashMap<String, FeeModel>,
) -> Vec<(Option<String>, i64)> {
    let total = commission_minor;
    let mut apps: Vec<&str> = actions.iter().map(|a| a.app_id.as_str()).collect();
    apps.dedup();
    if apps.is_empty() {
        return vec![(None, total)];
    }
    let currency = currency.parse::<Currency>().ok();
    let weight = |app: &str| -> Option<i64> {
        let fee = fees.get(app)?;
        let currency = currency?;
        let events = actions
            .iter()
            .filter(|a| a.app_id == app)
            .filter(|a| match fee {
                FeeModel::PerEvent { per, .. } => a.kind.scope() == Some(*per),
                _ => false,
            })
            .map(|a| a.count)
            .sum();
        let amount = Money::new(amount_minor, currency);
        let charged = fee.commission(&amount, events).ok()?;
        (charged.currency == currency).then_some(charged.minor.max(0))
    };
    let weights: Option<Vec<i64>> = apps.iter().map(|a| weight(a)).collect();
    let weights = match weights {
        Some(w) if w.iter().sum::<i64>() > 0 => w,
        _ => vec![1; apps.len()],
    };
    let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    let mut parts: Vec<(Option<String>, i64)> = apps
        .iter()
        .zip(&weights)
        .map(|(app, w)| {
            let share = i128::from(total) * i128::from(*w) / sum;
            (Some((*app).to_owned()), i64::try_from(share).unwrap_or(0))
        })
        .collect();
    let given: i64 = parts.iter().map(|(_, m)| m).sum();
    if let Some(first) = parts.first_mut() {
        first.1 += total - given;
    }
    parts
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
