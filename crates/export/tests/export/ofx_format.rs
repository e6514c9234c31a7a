//! OFX: ofxtools parses the statements; one per card and currency, with the right sums.

use std::collections::BTreeMap;

use consentry_domain::{EventPayload, Money};
use consentry_export::{ExportFilter, ExportFormat};

use crate::support::{filled_wallet, CARDS};
use crate::tools::{assert_no_card_numbers, python_json, venv_tool};

#[tokio::test]
async fn ofxtools_reads_one_statement_per_card_and_currency() {
    let w = filled_wallet().await;
    let dest = w.out("history.ofx");
    let summary = w
        .export(ExportFormat::Ofx, &dest, ExportFilter::default())
        .await;
    assert_no_card_numbers("history.ofx", &std::fs::read(&dest).unwrap());

    // (card, currency) -> (rows, net minor units): settled payments out, paid cashback in.
    let mut expected: BTreeMap<(String, String), (usize, i64)> = BTreeMap::new();
    for e in &w.events {
        let signed: Option<Money> = match &e.event.payload {
            EventPayload::TransactionSettled(t) => {
                Some(Money::new(-t.amount.minor, t.amount.currency))
            }
            EventPayload::CashbackPaid(c) => Some(c.amount),
            _ => None,
        };
        if let Some(m) = signed {
            let slot = expected
                .entry((e.event.card_token.clone(), m.currency.code().to_owned()))
                .or_default();
            slot.0 += 1;
            slot.1 += m.minor;
        }
    }
    assert_eq!(
        summary.events,
        expected.values().map(|v| v.0 as u64).sum::<u64>()
    );
    let Some(python) = venv_tool("python") else {
        return;
    };
    let parsed = python_json(&python, "read_ofx.py", &[&dest]);
    let statements = parsed["statements"].as_array().unwrap();
    assert_eq!(statements.len(), expected.len());
    for ((card, currency), (rows, net)) in &expected {
        let acctid = if card.len() <= 22 {
            card.clone()
        } else {
            String::new()
        };
        let statement = statements
            .iter()
            .find(|s| {
                s["curdef"] == currency.as_str()
                    && (acctid.is_empty() || s["acctid"] == acctid.as_str())
                    && (!acctid.is_empty() || s["acctid"].as_str().unwrap().starts_with("CT"))
            })
            .unwrap_or_else(|| panic!("no statement for {card} in {currency}"));
        let transactions = statement["transactions"].as_array().unwrap();
        assert_eq!(transactions.len(), *rows, "{card} {currency}");
        let money = |s: &serde_json::Value| {
            Money::parse_major(
                s.as_str().unwrap(),
                consentry_domain::Currency::new(currency).unwrap(),
            )
            .unwrap()
            .minor
        };
        let total: i64 = transactions.iter().map(|t| money(&t["trnamt"])).sum();
        assert_eq!(total, *net, "{card} {currency}");
        assert_eq!(money(&statement["ledgerbal"]), *net);
        assert!(
            transactions.iter().all(|t| (t["trntype"] == "DEBIT")
                == t["trnamt"].as_str().unwrap().starts_with('-')
                || t["fitid"] == "evt_s04"),
            "debits are negative, credits positive"
        );
    }
    assert_eq!(CARDS.len(), 3);
    let jpy = statements.iter().find(|s| s["curdef"] == "JPY").unwrap();
    assert_eq!(jpy["transactions"][0]["trnamt"], "-1200");
    assert_eq!(jpy["transactions"][0]["name"], "Tokyo Ramen");
}

#[tokio::test]
async fn a_selection_without_payments_is_a_valid_empty_ofx() {
    let w = filled_wallet().await;
    let dest = w.out("nothing.ofx");
    let filter = ExportFilter {
        kinds: vec![consentry_domain::EventType::SocialPosted],
        ..ExportFilter::default()
    };
    let summary = w.export(ExportFormat::Ofx, &dest, filter).await;
    assert_eq!(summary.events, 0);
    if let Some(python) = venv_tool("python") {
        let parsed = python_json(&python, "read_ofx.py", &[&dest]);
        assert_eq!(parsed["statements"].as_array().unwrap().len(), 0);
    }
}
