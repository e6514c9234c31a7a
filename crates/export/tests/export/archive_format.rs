//! The encrypted archive: the age command-line tool decrypts it with the password; inside, every
//! format and the consent ledger pass the same outside checks.

use std::path::Path;

use consentry_domain::EventType;
use consentry_export::{ExportFilter, ExportFormat};

use crate::json_format::check_schema;
use crate::support::{filled_wallet, PASSWORD};
use crate::tools::{assert_no_card_numbers, python_json, system_tool, venv_tool};

fn scan(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            scan(&path);
        } else {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert_no_card_numbers(&name, &std::fs::read(&path).unwrap());
        }
    }
}

#[tokio::test]
async fn age_decrypts_the_archive_and_everything_inside_checks_out() {
    let w = filled_wallet().await;
    let dest = w.out("history.age");
    let summary = w
        .export(ExportFormat::Archive, &dest, ExportFilter::default())
        .await;
    let bytes = std::fs::read(&dest).unwrap();
    assert!(
        bytes.starts_with(b"age-encryption.org/v1\n-> scrypt "),
        "an age file for a passphrase"
    );
    assert!(
        !bytes.windows(4).any(|w| w == b"PK\x03\x04"),
        "no zip header in the clear"
    );
    assert_eq!(summary.events, w.events.len() as u64);
    let ledger = summary
        .files
        .iter()
        .find(|f| f.name == "consent_ledger.json")
        .unwrap();
    assert_eq!(ledger.rows, 3);

    let (Some(python), Some(_age)) = (venv_tool("python"), system_tool("age")) else {
        return;
    };
    let out = w.out("opened");
    std::fs::create_dir(&out).unwrap();
    let opened = python_json(
        &python,
        "open_archive.py",
        &[&dest, Path::new(PASSWORD), &out],
    );
    let names: Vec<&str> = opened["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    for expected in [
        "README.txt",
        "consentry-export.json",
        "consentry-export.ofx",
        "consent_ledger.csv",
        "consent_ledger.json",
        "manifest.json",
        "csv/receipt_lines.csv",
    ] {
        assert!(
            names.contains(&expected),
            "{expected} missing from {names:?}"
        );
    }
    assert_eq!(
        names.iter().filter(|n| n.starts_with("csv/")).count(),
        EventType::ALL.len() + 1
    );

    let inside = out.join("extracted");
    scan(&inside);
    check_schema(&inside.join("consentry-export.json"), "export.schema.json");
    check_schema(
        &inside.join("consent_ledger.json"),
        "consent-ledger.schema.json",
    );
    let tables = python_json(&python, "read_csv.py", &[&inside.join("csv")]);
    let settled = tables["transaction_settled.csv"]["rows"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(settled, w.events_of(&["transaction.settled"]).len());
    let ledger_rows = python_json(&python, "read_csv.py", &[&inside]);
    assert_eq!(
        ledger_rows["consent_ledger.csv"]["rows"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let ofx = python_json(
        &python,
        "read_ofx.py",
        &[&inside.join("consentry-export.ofx")],
    );
    assert_eq!(ofx["statements"].as_array().unwrap().len(), 4);

    let document: serde_json::Value =
        serde_json::from_slice(&std::fs::read(inside.join("consentry-export.json")).unwrap())
            .unwrap();
    assert_eq!(document["event_count"], w.events.len());
    let ledger: serde_json::Value =
        serde_json::from_slice(&std::fs::read(inside.join("consent_ledger.json")).unwrap())
            .unwrap();
    let entries: Vec<consentry_domain::LedgerEntry> =
        serde_json::from_value(ledger["entries"].clone()).unwrap();
    consentry_domain::Ledger::verify(&entries).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(inside.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "consentry-export-archive");
}
