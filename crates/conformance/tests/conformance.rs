//! The conformance suite against the reference platform — every check passes — and against
//! deliberately broken platforms — exactly the checks of the broken rule fail, so the suite
//! can fail.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::print_stdout,
    reason = "tests: a failed expectation ends the test, and the table helps read a failure"
)]

#[path = "conformance/broken.rs"]
mod broken;

use std::collections::BTreeSet;

use consentry_conformance::{catalogue, run, Options, Outcome, Report};
use consentry_testkit::platform::{seeded, seeded_on_postgres, ADMIN};
use consentry_testkit::postgres;

use broken::Breakage;

async fn run_against(url: &str) -> Report {
    run(&Options::new(url, Some(ADMIN.to_owned()))).await
}

fn failed(report: &Report) -> BTreeSet<&'static str> {
    report.failed().into_iter().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_platform_passes_every_check() {
    let platform = seeded(31, None).await;
    let report = run_against(&platform.base_url()).await;
    println!("{}", report.table());
    assert!(report.all_passed(), "{}", report.table());
    assert_eq!(report.results.len(), catalogue().len());
    assert!(
        report.results.iter().all(|r| r.outcome == Outcome::Pass),
        "nothing skipped with the operator token: {}",
        report.table()
    );
}

/// Two instances of the reference platform on one PostgreSQL database (skipped without a
/// test cluster), behind a proxy that sends each request to the other instance: every check
/// passes — what one instance committed, the other serves, wakes long-polls for and signs
/// with the keys it rotated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_pass_every_check_taking_turns() {
    let Some(cluster) = postgres::cluster("conformance_on_two_instances") else {
        return;
    };
    let database = postgres::fresh_database(&cluster).await;
    let mut instances = Vec::new();
    for _ in 0..2 {
        instances.push(seeded_on_postgres(33, database.clone()).await);
    }
    let urls: Vec<String> = instances.iter().map(|p| p.base_url()).collect();
    let report = run_against(&broken::spread(&urls).await).await;
    println!("{}", report.table());
    assert!(report.all_passed(), "{}", report.table());
    assert!(
        report.results.iter().all(|r| r.outcome == Outcome::Pass),
        "nothing skipped: {}",
        report.table()
    );
}

/// A platform that fails every request fails every check: no check passes by asserting
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_platform_failing_everything_fails_every_check() {
    let url = broken::always_500().await;
    let report = run_against(&url).await;
    let all: BTreeSet<&str> = catalogue().iter().map(|c| c.name).collect();
    assert_eq!(failed(&report), all, "{}", report.table());
    assert!(!report.all_passed());
}

/// Behind a proxy that breaks the platform as `breakage` says, exactly the checks `expected`
/// fail.
async fn assert_failing_behind(breakage: Breakage, expected: &[&str]) {
    let platform = seeded(32, None).await;
    let url = broken::proxy(&platform.base_url(), breakage).await;
    let report = run_against(&url).await;
    let expected: BTreeSet<&str> = expected.iter().copied().collect();
    assert_eq!(failed(&report), expected, "{}", report.table());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_answered_as_500_fail_the_checks_that_expect_errors() {
    assert_failing_behind(
        Breakage::ErrorsAs500,
        &[
            "enroll.further_device",
            "auth.missing_token",
            "auth.forged_token",
            "auth.revoked_token",
            "auth.cardholder_isolation",
            "auth.operator_endpoints",
            "cards.refused_numbers",
            "grants.stale_version",
            "grants.signed_changes",
            "idempotency.conflict",
            "idempotency.key_required",
            "idempotency.creating_posts",
            "idempotency.errors_not_stored",
            "feed.bad_parameters",
            "signatures.single_event",
            "limits.body_size",
            "limits.field_bounds",
            "limits.currencies",
            "limits.integer_forms",
            "errors.shape",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_with_bad_signatures_fail_the_signature_checks() {
    assert_failing_behind(
        Breakage::BadSignatures,
        &[
            "signatures.feed",
            "signatures.single_event",
            "keys.rotation",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_platform_that_stops_signing_with_the_retired_key_at_once_fails_the_rotation_check() {
    assert_failing_behind(Breakage::SingleSignature, &["keys.rotation"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_platform_forgetting_idempotency_keys_fails_the_idempotency_checks() {
    assert_failing_behind(
        Breakage::ForgetsIdempotencyKeys,
        &[
            "idempotency.replay",
            "idempotency.replay_same_json_value",
            "idempotency.conflict",
            "idempotency.key_required",
            "idempotency.creating_posts",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_platform_without_long_poll_fails_the_long_poll_checks() {
    assert_failing_behind(
        Breakage::NoLongPoll,
        &[
            "feed.long_poll_wakes",
            "feed.long_poll_holds",
            "feed.bad_parameters",
        ],
    )
    .await;
}

/// The binary: a table and exit 0 against the reference platform, JSON with `--json`,
/// `--only` selects, exit 1 when a check fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_prints_the_table_or_json_and_exits_non_zero_on_failure() {
    let platform = seeded(33, None).await;
    let binary = env!("CARGO_BIN_EXE_consentry-conformance");
    let output = tokio::process::Command::new(binary)
        .args([
            "--url",
            &platform.base_url(),
            "--only",
            "idempotency",
            "--json",
        ])
        .env("CONSENTRY_PLATFORM_ADMIN_TOKEN", ADMIN)
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["ok"], true);
    assert_eq!(json["failed"], 0);
    let names: Vec<&str> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 7, "{names:?}");
    assert!(names.iter().all(|n| n.starts_with("idempotency.")));

    let broken = broken::always_500().await;
    let output = tokio::process::Command::new(binary)
        .args(["--url", &broken, "--only", "auth.missing"])
        .output()
        .await
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(table.contains("auth.missing_token  FAIL"), "{table}");
    assert!(table.contains("expected 401 `unauthorized`"), "{table}");

    let output = tokio::process::Command::new(binary)
        .args(["--url", &broken, "--only", "no-such-check"])
        .output()
        .await
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "no check selected is no pass"
    );
}
