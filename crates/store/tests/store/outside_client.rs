//! An outside SQLCipher 4 client (Python `sqlcipher3-binary`) reads the wallet with the raw
//! key: the file is standard SQLCipher, not something only this code can open.
//!
//! Python comes from `CONSENTRY_PYTHON`, else the repo's `.venv` (`scripts/install-deps.sh
//! python`). Without it the test prints a notice and passes, unless `CI_REQUIRE_PYTHON=1`.

use std::path::PathBuf;
use std::process::Command;

use consentry_store::cards;

use crate::cards::new_card;
use crate::support::{file_digest, now, passphrase_wallet};

fn python() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CONSENTRY_PYTHON") {
        return Some(PathBuf::from(path));
    }
    // Canonical: Python finds its venv from the path it was started by, `..` and all.
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .ok()?;
    let venv = repo.join(".venv/bin/python");
    venv.exists().then_some(venv)
}

#[tokio::test]
async fn an_outside_sqlcipher_client_reads_the_cards() {
    let Some(python) = python() else {
        if std::env::var("CI_REQUIRE_PYTHON").as_deref() == Ok("1") {
            panic!("CI_REQUIRE_PYTHON=1 but no Python with sqlcipher3: run scripts/install-deps.sh python (creates .venv) or set CONSENTRY_PYTHON");
        }
        println!("SKIPPED an_outside_sqlcipher_client_reads_the_cards: no .venv/bin/python and no CONSENTRY_PYTHON (run scripts/install-deps.sh python)");
        return;
    };
    let (_dir, mut wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    cards::insert(pool, &new_card("tok_a", "1111"), now())
        .await
        .unwrap();
    cards::insert(pool, &new_card("tok_b", "4444"), now())
        .await
        .unwrap();
    let key = wallet.raw_key().unwrap();
    wallet.lock().await;
    let db = wallet.paths().db();
    let before = file_digest(&db);

    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/outside_client.py");
    let out = Command::new(&python)
        .arg(&script)
        .arg(&db)
        .arg(key.to_hex_upper().as_str())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        out.status.success(),
        "outside client failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let version = report["cipher_version"].as_str().unwrap();
    assert!(version.starts_with('4'), "an SQLCipher 4 client: {version}");
    let cards = report["cards"].as_array().unwrap();
    assert_eq!(cards.len(), 2);
    assert_eq!(cards[0]["token"], "tok_a");
    assert_eq!(cards[0]["last4"], "1111");
    assert_eq!(cards[1]["brand"], "visa");
    assert_eq!(cards[1]["exp_year"], 2030);
    assert_eq!(file_digest(&db), before, "reading did not change the file");

    // And with a wrong key it reads nothing.
    let wrong = Command::new(&python)
        .arg(&script)
        .arg(&db)
        .arg("00".repeat(32))
        .output()
        .unwrap();
    assert!(!wrong.status.success());
}
