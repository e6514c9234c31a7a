//! The outside tools (a Python venv, the `age` command) and the card-number canary.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::CANARY_PAN;

/// `.venv/bin/<tool>` of the workspace, or `None` (after a notice) when the venv is missing;
/// panics instead when `CI_REQUIRE_PYTHON=1`.
pub fn venv_tool(tool: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../.venv/bin")
        .join(tool);
    if path.exists() {
        return Some(path);
    }
    let required = std::env::var("CI_REQUIRE_PYTHON").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{} is missing and CI_REQUIRE_PYTHON=1: run scripts/install-deps.sh python",
        path.display()
    );
    println!("NOTICE: skipping the outside-tool check: {} is missing (run scripts/install-deps.sh python)", path.display());
    None
}

/// A command on PATH (`age`), or `None` (after a notice) unless `CI_REQUIRE_PYTHON=1`.
pub fn system_tool(tool: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(tool))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let required = std::env::var("CI_REQUIRE_PYTHON").is_ok_and(|v| v == "1");
        assert!(!required, "{tool} is not installed and CI_REQUIRE_PYTHON=1");
        println!("NOTICE: skipping the outside-tool check: {tool} is not installed");
    }
    found
}

/// Runs a helper script of this folder with the venv's Python; returns its stdout as JSON.
pub fn python_json(python: &Path, script: &str, args: &[&Path]) -> serde_json::Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/export")
        .join(script);
    let output = Command::new(python)
        .arg(&script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{} failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The canary: no Luhn-valid run of 13–19 digits, and no test card number in any usual
/// grouping. In OFX, date fields (`YYYYMMDDHHMMSS`, 14 digits by the standard) are skipped.
pub fn assert_no_card_numbers(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let text = if what.ends_with(".ofx") {
        strip_ofx_dates(&text)
    } else {
        text.into_owned()
    };
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            run.push(c);
            continue;
        }
        if (13..=19).contains(&run.len()) {
            assert!(
                !consentry_domain::luhn_valid(&run),
                "{what} contains a Luhn-valid number {run}"
            );
        }
        run.clear();
    }
    for needle in [
        CANARY_PAN.to_owned(),
        CANARY_PAN.replace(' ', ""),
        CANARY_PAN.replace(' ', "-"),
    ] {
        assert!(
            !text.contains(&needle),
            "{what} contains the canary card number"
        );
    }
}

fn strip_ofx_dates(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("<DT") {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let value_end = after.find("</").unwrap_or(after.len());
        rest = &after[value_end..];
    }
    out.push_str(rest);
    out
}
