//! JSON: check-jsonschema validates the document against the committed schema; it holds every
//! event, newest first, with the right sums.

use std::path::{Path, PathBuf};
use std::process::Command;

use consentry_domain::{Event, EventPayload};
use consentry_export::{ExportFilter, ExportFormat};

use crate::support::{export_reporting, filled_wallet, sum};
use crate::tools::{assert_no_card_numbers, venv_tool};

pub fn schema(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/export")
        .join(name)
}

/// Validates `document` against `schema` with check-jsonschema (skipped without the venv).
pub fn check_schema(document: &Path, schema_name: &str) {
    let Some(tool) = venv_tool("check-jsonschema") else {
        return;
    };
    let output = Command::new(tool)
        .arg("--schemafile")
        .arg(schema(schema_name))
        .arg(document)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "check-jsonschema rejected {}:\n{}{}",
        document.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn the_document_validates_against_the_committed_schema_and_adds_up() {
    let w = filled_wallet().await;
    let dest = w.out("history.json");
    let (summary, progress) = export_reporting(w.pool(), ExportFormat::Json, &dest).await;
    assert_eq!(summary.events, w.events.len() as u64);
    let bytes = std::fs::read(&dest).unwrap();
    assert_eq!(summary.bytes, bytes.len() as u64);
    assert_no_card_numbers("history.json", &bytes);
    check_schema(&dest, "export.schema.json");

    assert!(progress.len() >= 3, "one report per page of 500");
    assert!(progress
        .windows(2)
        .all(|p| p[0].events_done <= p[1].events_done));
    let last = progress.last().unwrap();
    assert_eq!(
        (last.events_done, last.events_total),
        (w.events.len() as u64, w.events.len() as u64)
    );

    let doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(doc["format"], "consentry-export");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["event_count"], w.events.len());
    assert_eq!(doc["cards"].as_array().unwrap().len(), 3);
    assert_eq!(doc["apps"][0]["name"], "Receipts & Co");
    let events: Vec<Event> = doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| serde_json::from_value(e["event"].clone()).unwrap())
        .collect();
    assert_eq!(events.len(), w.events.len());
    assert!(
        events
            .windows(2)
            .all(|p| p[0].occurred_at >= p[1].occurred_at),
        "newest first"
    );
    let paid = |events: Vec<&Event>| {
        sum(
            events.into_iter().filter_map(|e| match &e.payload {
                EventPayload::CashbackPaid(c) => Some(c.amount),
                _ => None,
            }),
            "EUR",
        )
    };
    assert_eq!(
        paid(events.iter().collect()),
        paid(w.events.iter().map(|e| &e.event).collect())
    );
    let flagged = doc["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"]["id"] == "evt_s11")
        .unwrap();
    assert_eq!(flagged["violation"]["kind"], "never_granted");
    assert_eq!(flagged["card_last4"], "4444");
}

#[tokio::test]
async fn several_cards_and_apps_are_filtered_exactly() {
    let w = filled_wallet().await;
    let dest = w.out("two-cards.json");
    let filter = ExportFilter {
        cards: vec!["tok_visa".into(), "4444".into()],
        apps: vec!["app_receipts".into(), "app_points".into()],
        ..ExportFilter::default()
    };
    let summary = w.export(ExportFormat::Json, &dest, filter).await;
    let expected = w
        .events
        .iter()
        .filter(|e| {
            ["tok_visa", "tok_mc"].contains(&e.event.card_token.as_str())
                && e.event
                    .app_id
                    .as_deref()
                    .is_some_and(|a| ["app_receipts", "app_points"].contains(&a))
        })
        .count() as u64;
    assert!(expected > 100);
    assert_eq!(summary.events, expected);
    check_schema(&dest, "export.schema.json");
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&dest).unwrap()).unwrap();
    assert_eq!(
        doc["filter"]["cards"],
        serde_json::json!(["tok_mc", "tok_visa"])
    );
    assert_eq!(doc["event_count"], expected);
}
