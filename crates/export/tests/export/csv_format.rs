//! CSV: Python's csv module reads every table; counts and sums match the wallet.

use std::collections::HashMap;
use std::path::Path;

use consentry_domain::{EventPayload, EventType};
use consentry_export::{parse_from, parse_to, ExportFilter, ExportFormat};
use serde_json::Value;

use crate::support::{filled_wallet, sum, FORMULA_MERCHANT, QUOTED_MERCHANT};
use crate::tools::{assert_no_card_numbers, python_json, venv_tool};

fn column(table: &Value, name: &str) -> Vec<String> {
    let header: Vec<&str> = table["header"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    let index = header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[index].as_str().unwrap().to_owned())
        .collect()
}

/// Sum of a decimal column in the rows whose `currency` column is `currency`.
fn column_sum(table: &Value, name: &str, currency: &str) -> String {
    let amounts = column(table, name);
    let currencies = column(table, "currency");
    let parsed = amounts
        .iter()
        .zip(&currencies)
        .filter(|(_, c)| *c == currency)
        .map(|(a, c)| {
            consentry_domain::Money::parse_major(a, consentry_domain::Currency::new(c).unwrap())
                .unwrap()
        });
    sum(parsed, currency)
}

fn check_files(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert_no_card_numbers(&name, &bytes);
        let first_line = bytes.split(|b| *b == b'\n').next().unwrap();
        assert!(
            first_line.ends_with(b"\r"),
            "{name}: RFC 4180 lines end with CRLF"
        );
        assert!(std::str::from_utf8(&bytes).is_ok(), "{name} is UTF-8");
    }
}

#[tokio::test]
async fn every_table_reads_back_with_python_and_adds_up() {
    let w = filled_wallet().await;
    let dest = w.out("history-csv");
    let summary = w
        .export(ExportFormat::Csv, &dest, ExportFilter::default())
        .await;
    assert_eq!(
        summary.files.len(),
        EventType::ALL.len() + 1,
        "one file per kind + receipt lines"
    );
    assert_eq!(summary.events, w.events.len() as u64);
    check_files(&dest);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "the export folder is private to its owner");
    }
    let leftovers: Vec<_> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty());

    let Some(python) = venv_tool("python") else {
        return;
    };
    let tables = python_json(&python, "read_csv.py", &[&dest]);
    let mut expected: HashMap<String, u64> = HashMap::new();
    for e in &w.events {
        *expected
            .entry(format!(
                "{}.csv",
                e.event.event_type().as_str().replace('.', "_")
            ))
            .or_default() += 1;
    }
    for kind in EventType::ALL {
        let name = format!("{}.csv", kind.as_str().replace('.', "_"));
        let rows = tables[&name]["rows"].as_array().unwrap().len() as u64;
        assert_eq!(
            rows,
            expected.get(&name).copied().unwrap_or_default(),
            "{name}"
        );
        assert_eq!(
            summary.files.iter().find(|f| f.name == name).unwrap().rows,
            rows
        );
    }

    let settled = &tables["transaction_settled.csv"];
    let amounts = |currency: &str| {
        let events = w.events_of(&["transaction.settled"]);
        sum(
            events.iter().filter_map(|e| match &e.payload {
                EventPayload::TransactionSettled(t) => Some(t.amount),
                _ => None,
            }),
            currency,
        )
    };
    assert_eq!(column_sum(settled, "amount", "EUR"), amounts("EUR"));
    assert_eq!(column_sum(settled, "amount", "JPY"), amounts("JPY"));
    assert!(
        column(settled, "amount").contains(&"1200".to_owned()),
        "JPY has no decimals"
    );

    let merchants = column(settled, "merchant");
    assert!(
        merchants.contains(&format!("'{FORMULA_MERCHANT}")),
        "formulas are defused"
    );
    assert!(
        merchants.contains(&QUOTED_MERCHANT.to_owned()),
        "quotes, commas and newlines survive"
    );
    assert!(
        merchants.iter().any(|m| m.starts_with("Shop •••• 1111")),
        "card numbers masked"
    );
    assert!(
        column(settled, "amount").contains(&"-2.50".to_owned()),
        "negative amounts stay numbers"
    );

    let receipts = w.events_of(&["receipt.issued"]);
    let lines = &tables["receipt_lines.csv"];
    let line_count: usize = receipts
        .iter()
        .map(|e| match &e.payload {
            EventPayload::ReceiptIssued(r) => r.receipt.lines.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(lines["rows"].as_array().unwrap().len(), line_count);
    assert_eq!(
        column_sum(lines, "total", "EUR"),
        column_sum(&tables["receipt_issued.csv"], "total", "EUR")
    );

    let receipt_table = &tables["receipt_issued.csv"];
    let ids = column(receipt_table, "event_id");
    let violations = column(receipt_table, "violation");
    let at = ids.iter().position(|id| id == "evt_s10").unwrap();
    assert_eq!(violations[at], "refused");
    assert!(column(receipt_table, "violation_detail")[at].contains("revoked"));
    let paid = &tables["cashback_paid.csv"];
    let at = column(paid, "event_id")
        .iter()
        .position(|id| id == "evt_s11")
        .unwrap();
    assert_eq!(column(paid, "violation")[at], "never_granted");
    assert_eq!(column(paid, "card_last4")[at], "4444");
    let consent = &tables["consent_changed.csv"];
    assert_eq!(column(consent, "action"), ["revoke"]);
    assert_eq!(column(consent, "min_purchase"), ["5.00"]);
}

#[tokio::test]
async fn the_filter_picks_cards_by_last4_kinds_and_dates() {
    let w = filled_wallet().await;
    let dest = w.out("filtered");
    let filter = ExportFilter {
        from: Some(parse_from("2026-01-01").unwrap()),
        until: Some(parse_to("2026-01-05").unwrap()),
        cards: vec!["4444".into()],
        kinds: vec![EventType::TransactionSettled, EventType::PointsAwarded],
        ..ExportFilter::default()
    };
    let summary = w.export(ExportFormat::Csv, &dest, filter.clone()).await;
    let names: Vec<&str> = summary.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["transaction_settled.csv", "points_awarded.csv"]);
    let expected = w
        .events
        .iter()
        .filter(|e| {
            e.event.card_token == "tok_mc"
                && [EventType::TransactionSettled, EventType::PointsAwarded]
                    .contains(&e.event.event_type())
                && e.event.occurred_at >= filter.from.unwrap()
                && e.event.occurred_at < filter.until.unwrap()
        })
        .count() as u64;
    assert!(expected > 10);
    assert_eq!(summary.events, expected);
    check_files(&dest);
    if let Some(python) = venv_tool("python") {
        let tables = python_json(&python, "read_csv.py", &[&dest]);
        let rows = tables["transaction_settled.csv"]["rows"]
            .as_array()
            .unwrap()
            .len()
            + tables["points_awarded.csv"]["rows"]
                .as_array()
                .unwrap()
                .len();
        assert_eq!(rows as u64, expected);
        assert!(column(&tables["transaction_settled.csv"], "card_token")
            .iter()
            .all(|c| c == "tok_mc"));
    }
}
