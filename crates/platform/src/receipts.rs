//! Itemised receipts that add up: lines picked from the merchant's catalogue (or one
//! generic line), each split into net price and tax so that
//! `unit_price × quantity + tax = total` and the lines sum to the purchase amount.

use consentry_domain::{Currency, Money, Receipt, ReceiptLine};
use rand::rngs::StdRng;
use rand::Rng as _;

use crate::merchants;

/// Tax rate included in prices, in basis points (VAT in the euro area, a US sales tax).
fn tax_bps(currency: Currency) -> i64 {
    match currency.code() {
        "EUR" => 2000,
        "USD" => 825,
        _ => 0,
    }
}

fn line(description: &str, gross_unit: i64, quantity: u32, currency: Currency) -> ReceiptLine {
    let bps = tax_bps(currency);
    // Net unit price rounded to the nearest minor unit; the tax takes the rest.
    let net_unit = (gross_unit * 10_000 + (10_000 + bps) / 2) / (10_000 + bps);
    let gross = gross_unit * i64::from(quantity);
    ReceiptLine {
        quantity,
        description: description.to_owned(),
        unit_price: Money::new(net_unit, currency),
        tax: Money::new(gross - net_unit * i64::from(quantity), currency),
        total: Money::new(gross, currency),
    }
}

/// A receipt for a purchase of `amount` (positive) at `merchant`.
pub fn receipt_for(
    transaction_id: &str,
    merchant: &str,
    amount: Money,
    rng: &mut StdRng,
) -> Receipt {
    let currency = amount.currency;
    let catalogue = merchants::known(merchant)
        .filter(|m| m.currency == currency)
        .map_or(&[][..], |m| m.items);
    let mut lines = Vec::new();
    let mut remaining = amount.minor;
    for _ in 0..3 {
        let affordable: Vec<&(&str, i64)> = catalogue
            .iter()
            .filter(|(_, price)| *price <= remaining)
            .collect();
        if affordable.is_empty() {
            break;
        }
        let (description, price) = *affordable[rng.gen_range(0..affordable.len())];
        let max_quantity = (remaining / price).clamp(1, 3);
        let quantity = rng.gen_range(1..=max_quantity);
        lines.push(line(
            description,
            price,
            u32::try_from(quantity).unwrap_or(1),
            currency,
        ));
        remaining -= price * quantity;
    }
    if remaining > 0 {
        let description = if lines.is_empty() {
            "Purchase"
        } else {
            "Other items"
        };
        lines.push(line(description, remaining, 1, currency));
    }
    Receipt {
        transaction_id: transaction_id.to_owned(),
        merchant: merchant.to_owned(),
        lines,
        total: amount,
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng as _;

    use super::*;

    #[test]
    fn receipts_always_add_up() {
        let mut rng = StdRng::seed_from_u64(1);
        for (merchant, currency) in [
            ("Café Lumen", Currency::EUR),
            ("Sunset Diner", Currency::USD),
            ("Nowhere", Currency::GBP),
        ] {
            for minor in [1, 99, 250, 380, 1234, 99_999] {
                let receipt = receipt_for("txn_1", merchant, Money::new(minor, currency), &mut rng);
                receipt.validate().unwrap();
                assert_eq!(receipt.total.minor, minor);
            }
        }
    }
}
