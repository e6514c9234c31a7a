//! The `consentry` binary, run as a script would: exit codes, `--help`, and an export from a
//! real SQLCipher wallet in a temp dir.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

use chrono::{TimeZone, Utc};
use consentry_domain::{Channel, Currency, Event, EventPayload, Money, Transaction};
use consentry_store::events::{self, IncomingEvent};
use consentry_store::{Passphrase, Wallet, WalletPaths};
use tempfile::TempDir;

use consentry_testkit::PASSPHRASE;

/// A wallet with a few settled payments, locked again, in `<temp>/data`.
async fn wallet() -> TempDir {
    wallet_and_recovery_key().await.0
}

/// [`wallet`], and the text of its recovery key.
async fn wallet_and_recovery_key() -> (TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let now = consentry_testkit::fixed_now();
    let (mut wallet, created) = consentry_testkit::new_wallet(&dir.path().join("data"), now).await;
    let eur = Currency::new("EUR").unwrap();
    let incoming: Vec<IncomingEvent> = (0..25)
        .map(|i| IncomingEvent {
            event: Event {
                id: format!("evt_{i}"),
                occurred_at: Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()
                    + chrono::Duration::days(i),
                card_token: "tok_visa".into(),
                app_id: None,
                payload: EventPayload::TransactionSettled(Transaction {
                    transaction_id: format!("tx_{i}"),
                    amount: Money::new(1000 + i, eur),
                    merchant: "Corner Bakery".into(),
                    channel: Channel::Nfc,
                    commission: Money::new(10, eur),
                }),
            },
            signature_verified: true,
            violation: None,
            late_by_ms: None,
        })
        .collect();
    events::ingest(wallet.pool().unwrap(), &incoming, now)
        .await
        .unwrap();
    wallet.lock().await;
    (dir, created.recovery_key.reveal().as_str().to_owned())
}

fn consentry(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_consentry"))
        .args(args)
        .env_remove("CONSENTRY_DATA_DIR")
        .env("TEST_PASSPHRASE", PASSPHRASE)
        .env("TEST_WRONG", "not the passphrase")
        .env("TEST_ARCHIVE_PASSWORD", "archive password 42")
        .current_dir(dir)
        .output()
        .unwrap()
}

/// `consentry --data-dir data --passphrase-env TEST_PASSPHRASE <args>` in `dir`.
fn unlocked(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["--data-dir", "data", "--passphrase-env", "TEST_PASSPHRASE"];
    all.extend_from_slice(args);
    consentry(dir, &all)
}

/// `consentry --data-dir <data> --passphrase-env <env> export --format json --out <out> <extra>`
/// in `dir`.
fn export_json(dir: &Path, data: &str, env: &str, out: &str, extra: &[&str]) -> Output {
    let mut args = vec!["--data-dir", data, "--passphrase-env", env, "export"];
    args.extend_from_slice(&["--format", "json", "--out", out]);
    args.extend_from_slice(extra);
    consentry(dir, &args)
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_documents_the_subcommands_and_the_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let help = consentry(dir.path(), &["--help"]);
    assert_eq!(code(&help), 0);
    let text = String::from_utf8_lossy(&help.stdout);
    for needle in [
        "export",
        "--data-dir",
        "--passphrase-env",
        "Exit codes:",
        "3  the wallet is locked",
    ] {
        assert!(
            text.contains(needle),
            "{needle} missing from --help:\n{text}"
        );
    }
    let help = consentry(dir.path(), &["export", "--help"]);
    let text = String::from_utf8_lossy(&help.stdout);
    for needle in [
        "--format",
        "--out",
        "--from",
        "--to",
        "--card",
        "--app",
        "--kind",
        "--password-env",
        "Exit codes:",
    ] {
        assert!(
            text.contains(needle),
            "{needle} missing from export --help:\n{text}"
        );
    }
}

#[tokio::test]
async fn exports_with_the_passphrase_from_the_environment() {
    let dir = wallet().await;
    let out = export_json(
        dir.path(),
        "data",
        "TEST_PASSPHRASE",
        "history.json",
        &["--from", "2026-03-05", "--to", "2026-03-09"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("exported 5 events"));
    assert!(stderr(&out).contains("not encrypted"));
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("history.json")).unwrap()).unwrap();
    assert_eq!(doc["event_count"], 5);

    // CONSENTRY_DATA_DIR works too; the flag wins over it.
    let out = Command::new(env!("CARGO_BIN_EXE_consentry"))
        .args([
            "--passphrase-env",
            "TEST_PASSPHRASE",
            "export",
            "--format",
            "csv",
            "--out",
            "csv",
            "--card",
            "tok_visa",
        ])
        .env("CONSENTRY_DATA_DIR", dir.path().join("data"))
        .env("TEST_PASSPHRASE", PASSPHRASE)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(dir.path().join("csv/transaction_settled.csv").exists());

    let out = unlocked(
        dir.path(),
        &[
            "export",
            "--format",
            "archive",
            "--out",
            "all.age",
            "--password-env",
            "TEST_ARCHIVE_PASSWORD",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(std::fs::read(dir.path().join("all.age"))
        .unwrap()
        .starts_with(b"age-encryption.org/v1"));
}

#[tokio::test]
async fn exit_codes_tell_scripts_what_went_wrong() {
    let dir = wallet().await;
    let export =
        |extra: &[&str]| export_json(dir.path(), "data", "TEST_PASSPHRASE", "x.json", extra);
    // 2: usage.
    assert_eq!(
        code(&consentry(dir.path(), &["export", "--out", "x.json"])),
        2,
        "missing --format"
    );
    assert_eq!(
        code(&consentry(
            dir.path(),
            &["export", "--format", "xml", "--out", "x"]
        )),
        2
    );
    let bad_kind = export(&["--kind", "receipts"]);
    assert_eq!(code(&bad_kind), 2);
    assert!(
        stderr(&bad_kind).contains("receipt.issued"),
        "{}",
        stderr(&bad_kind)
    );
    assert_eq!(code(&export(&["--from", "yesterday"])), 2);
    assert_eq!(
        code(&export(&["--password-env", "TEST_ARCHIVE_PASSWORD"])),
        2,
        "a password on a plain export"
    );
    assert_eq!(
        code(&unlocked(
            dir.path(),
            &["export", "--format", "archive", "--out", "a.age"]
        )),
        2
    );
    assert_eq!(
        code(&export_json(
            dir.path(),
            "data",
            "NOT_SET_ANYWHERE",
            "x.json",
            &[]
        )),
        2
    );
    // 3: the key.
    let wrong = export_json(dir.path(), "data", "TEST_WRONG", "x.json", &[]);
    assert_eq!(code(&wrong), 3, "{}", stderr(&wrong));
    // 4: not found.
    assert_eq!(
        code(&export_json(
            dir.path(),
            "nowhere",
            "TEST_PASSPHRASE",
            "x.json",
            &[]
        )),
        4
    );
    assert_eq!(code(&export(&["--card", "9999"])), 4);
    assert_eq!(
        code(&export_json(
            dir.path(),
            "data",
            "TEST_PASSPHRASE",
            "missing/x.json",
            &[]
        )),
        4
    );
    assert!(
        !dir.path().join("x.json").exists(),
        "no failed run wrote a file"
    );
    // 5: input/output (nothing can be created in /proc).
    #[cfg(target_os = "linux")]
    {
        let io = export_json(
            dir.path(),
            "data",
            "TEST_PASSPHRASE",
            "/proc/consentry-export.json",
            &[],
        );
        assert_eq!(code(&io), 5, "{}", stderr(&io));
    }
}

/// Adds the receipts app to the wallet's directory (as a platform refresh would).
async fn with_receipts_app(dir: &Path) {
    use consentry_domain::{FeeModel, Sha256Digest};
    use consentry_store::apps::{self, AppListing};
    use consentry_store::Unlock;
    let now = Utc::now();
    let mut wallet = Wallet::new(WalletPaths::in_dir(dir.join("data")), None, now);
    let phrase = Passphrase::new(PASSPHRASE.to_owned());
    wallet
        .unlock(Unlock::Passphrase(&phrase), now)
        .await
        .unwrap();
    let terms = "Receipts for every purchase.".to_owned();
    let listing = AppListing {
        id: "app_quire".into(),
        name: "Quire".into(),
        publisher: "Quire Ltd".into(),
        description: "Digital receipts".into(),
        requested_scopes: vec![consentry_domain::Scope::Receipts],
        terms_version: 1,
        terms_hash: Sha256Digest::of_terms(&terms),
        terms_text: terms,
        fee_model: FeeModel::Percent { bps: 100 },
    };
    apps::upsert(wallet.pool().unwrap(), &listing, now)
        .await
        .unwrap();
    consentry_store::cards::insert(
        wallet.pool().unwrap(),
        &consentry_testkit::visa("tok_visa", "4242"),
        now,
    )
    .await
    .unwrap();
    wallet.lock().await;
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn grant_grants_and_revoke_go_through_the_same_commands_as_the_app() {
    let dir = wallet().await;
    with_receipts_app(dir.path()).await;
    let run = |args: &[&str]| unlocked(dir.path(), args);
    let granted = run(&["grant", "app_quire", "tok_visa", "receipts", "--days", "30"]);
    assert_eq!(code(&granted), 0, "{}", stderr(&granted));
    let listed = stdout(&run(&["grants"]));
    let line = listed.lines().nth(1).unwrap_or_default().to_owned();
    let fields: Vec<&str> = line.split('\t').collect();
    assert_eq!(
        fields[..5],
        ["app_quire", "tok_visa", "receipts", "active", "pending"],
        "{listed}"
    );
    assert_ne!(fields[5], "never", "30 days");

    let revoked = run(&["revoke", "app_quire", "tok_visa", "receipts"]);
    assert_eq!(code(&revoked), 0, "{}", stderr(&revoked));
    let listed = stdout(&run(&["grants", "--app", "app_quire"]));
    assert!(listed.contains("\trevoked\t"), "{listed}");
    assert_eq!(
        stdout(&run(&["grants", "--app", "app_other"]))
            .lines()
            .count(),
        1
    );

    // Unknown app or card: not found (4); bad scope: usage (2).
    assert_eq!(
        code(&run(&["grant", "app_nope", "tok_visa", "receipts"])),
        4
    );
    let unknown_card = run(&["grant", "app_quire", "tok_nobody", "receipts"]);
    assert_eq!(code(&unknown_card), 4, "{}", stderr(&unknown_card));
    assert!(stderr(&unknown_card).contains("no linked card tok_nobody"));
    assert_eq!(
        code(&run(&["grant", "app_quire", "tok_visa", "coupons"])),
        2
    );

    let status = run(&["status", "--json"]);
    assert_eq!(code(&status), 0, "{}", stderr(&status));
    let json: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(json["active_grants"], 0);
    assert_eq!(json["sync"]["pendingChanges"], 2, "{json}");
    assert_eq!(json["sync"]["enrolled"], false);
}

#[tokio::test]
async fn sync_needs_a_platform_and_unlock_checks_the_key() {
    let dir = wallet().await;
    let run = |env_var: &str, args: &[&str]| {
        let mut all = vec!["--data-dir", "data", "--passphrase-env", env_var];
        all.extend_from_slice(args);
        consentry(dir.path(), &all)
    };
    let not_connected = run("TEST_PASSPHRASE", &["sync"]);
    assert_eq!(code(&not_connected), 6, "{}", stderr(&not_connected));
    assert!(stderr(&not_connected).contains("not connected"));
    let unreachable = run(
        "TEST_PASSPHRASE",
        &["sync", "--platform-url", "http://127.0.0.1:9"],
    );
    assert_eq!(code(&unreachable), 6, "{}", stderr(&unreachable));
    assert_eq!(code(&run("TEST_PASSPHRASE", &["unlock"])), 0);
    assert_eq!(code(&run("TEST_WRONG", &["unlock"])), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn sync_connects_to_the_platform_and_status_shows_it() {
    let dir = wallet().await;
    let platform = consentry_testkit::platform::serve(consentry_platform::PlatformConfig {
        data: consentry_platform::DataLocation::Directory(dir.path().join("platform")),
        ..consentry_platform::PlatformConfig::default()
    })
    .await;
    let url = platform.base_url();
    let data = dir.path().to_owned();
    let synced =
        tokio::task::spawn_blocking(move || unlocked(&data, &["sync", "--platform-url", &url]))
            .await
            .unwrap();
    assert_eq!(code(&synced), 0, "{}", stderr(&synced));
    assert!(
        stdout(&synced).contains("pending changes: 0"),
        "{}",
        stdout(&synced)
    );
    let data = dir.path().to_owned();
    let status = tokio::task::spawn_blocking(move || unlocked(&data, &["status"]))
        .await
        .unwrap();
    let text = stdout(&status);
    assert!(
        text.contains(&format!("platform: {}/", platform.base_url())),
        "{text}"
    );
    assert!(!text.contains("last sync: never"), "{text}");
}

#[tokio::test]
async fn the_passphrase_changes_only_with_a_proof_and_the_old_one_stops_opening() {
    let dir = wallet().await;
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["--data-dir", "data"];
        all.extend_from_slice(args);
        Command::new(env!("CARGO_BIN_EXE_consentry"))
            .args(&all)
            .envs(env.iter().copied())
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let change = |proof: &str| {
        run(
            &[
                "--passphrase-env",
                "OLD",
                "set-passphrase",
                "--new-env",
                "NEW",
                "--proof-env",
                "PROOF",
            ],
            &[
                ("OLD", PASSPHRASE),
                ("NEW", "a brand new passphrase"),
                ("PROOF", proof),
            ],
        )
    };
    let wrong = change("not the passphrase");
    assert_eq!(code(&wrong), 3, "{}", stderr(&wrong));
    let missing = run(
        &["--passphrase-env", "OLD", "keyring", "remove"],
        &[("OLD", PASSPHRASE)],
    );
    assert_eq!(code(&missing), 2, "{}", stderr(&missing));
    let ok = change(PASSPHRASE);
    assert_eq!(code(&ok), 0, "{}", stderr(&ok));
    assert!(String::from_utf8_lossy(&ok.stdout).contains("passphrase saved"));

    let old = run(&["--passphrase-env", "P", "unlock"], &[("P", PASSPHRASE)]);
    assert_eq!(code(&old), 3, "{}", stderr(&old));
    let new = run(
        &["--passphrase-env", "P", "unlock"],
        &[("P", "a brand new passphrase")],
    );
    assert_eq!(code(&new), 0, "{}", stderr(&new));
}

#[tokio::test]
async fn a_new_recovery_key_is_printed_then_replaces_the_old_one() {
    use consentry_store::{RecoveryKey, StoreError, Unlock};
    let (dir, old) = wallet_and_recovery_key().await;
    let data = dir.path().to_owned();
    let out = tokio::task::spawn_blocking(move || unlocked(&data, &["new-recovery-key"]))
        .await
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let printed = text
        .lines()
        .find(|line| line.len() > 60 && line.matches('-').count() == 13)
        .unwrap_or_else(|| panic!("no key printed: {text}"));
    assert!(text.contains("old one no longer opens"), "{text}");
    let paths = WalletPaths::in_dir(dir.path().join("data"));
    let mut wallet = Wallet::new(paths, None, Utc::now());
    let err = wallet
        .unlock(
            Unlock::RecoveryKey(&RecoveryKey::parse(&old).unwrap()),
            Utc::now(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::KeyMismatch(_)), "{err}");
    wallet
        .unlock(
            Unlock::RecoveryKey(&RecoveryKey::parse(printed).unwrap()),
            Utc::now(),
        )
        .await
        .unwrap();
    wallet.lock().await;
}

#[tokio::test]
async fn a_missing_or_damaged_key_file_exits_3_and_names_it() {
    let dir = wallet().await;
    let keys = dir.path().join("data").join("wallet.keys.json");
    let good = std::fs::read(&keys).unwrap();
    for damage in [None, Some(b"{\"format\": 1".to_vec())] {
        match &damage {
            None => std::fs::remove_file(&keys).unwrap(),
            Some(bytes) => std::fs::write(&keys, bytes).unwrap(),
        }
        let data = dir.path().to_owned();
        let out = tokio::task::spawn_blocking(move || unlocked(&data, &["status"]))
            .await
            .unwrap();
        assert_eq!(code(&out), 3, "{}", stderr(&out));
        let said = stderr(&out);
        assert!(said.contains("wallet.keys.json"), "{said}");
        let problem = if damage.is_none() {
            "is missing"
        } else {
            "is damaged"
        };
        assert!(said.contains(problem), "{said}");
    }
    std::fs::write(&keys, good).unwrap();
    let data = dir.path().to_owned();
    let out = tokio::task::spawn_blocking(move || unlocked(&data, &["status"]))
        .await
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
}

/// The CLI logs warnings on standard error (README "Where your data lives"); `CONSENTRY_LOG`
/// sets the level. An interrupted key rotation left in the key file is settled with a warning.
#[tokio::test]
async fn warnings_are_logged_on_stderr_and_consentry_log_sets_the_level() {
    let dir = wallet().await;
    let keys = dir.path().join("data").join("wallet.keys.json");
    let mut file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&keys).unwrap()).unwrap();
    // A rotation that never reached the database: its generation names a key nobody has.
    let mut next = file["current"].clone();
    next["number"] = 2.into();
    next["key_check"] = "00".repeat(16).into();
    file["next"] = next;
    let interrupted = serde_json::to_vec(&file).unwrap();
    for (level, shown) in [(None, true), (Some("error"), false)] {
        std::fs::write(&keys, &interrupted).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_consentry"));
        command
            .args(["--data-dir", "data", "--passphrase-env", "P", "unlock"])
            .env_remove("CONSENTRY_LOG")
            .env("P", PASSPHRASE)
            .current_dir(dir.path());
        if let Some(level) = level {
            command.env("CONSENTRY_LOG", level);
        }
        let out = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        let said = stderr(&out);
        assert_eq!(
            said.contains("discarding an interrupted key rotation"),
            shown,
            "CONSENTRY_LOG={level:?}: {said}"
        );
        assert!(
            !stdout(&out).contains("interrupted"),
            "logs stay off stdout"
        );
        assert!(!said.contains(PASSPHRASE));
        let settled: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&keys).unwrap()).unwrap();
        assert!(settled["next"].is_null(), "settled on unlock");
    }
}

/// `consentry <args>` in `dir` with these environment variables (and no data-dir variable).
fn consentry_env(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_consentry"));
    command
        .args(args)
        .env_remove("CONSENTRY_DATA_DIR")
        .current_dir(dir);
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().unwrap()
}

/// [`unlocked`] with `input` on standard input.
fn unlocked_with_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write as _;
    let mut all = vec!["--data-dir", "data", "--passphrase-env", "TEST_PASSPHRASE"];
    all.extend_from_slice(args);
    let mut child = Command::new(env!("CARGO_BIN_EXE_consentry"))
        .args(&all)
        .env_remove("CONSENTRY_DATA_DIR")
        .env("TEST_PASSPHRASE", PASSPHRASE)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_card_number_on_the_command_line_is_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["grant", "app_quire", "4242424242424242", "receipts"],
        vec![
            "card",
            "link",
            "--expiry",
            "12/30",
            "--nickname",
            "4242 4242 4242 4242",
        ],
        vec!["activity", "--search=4111-1111-1111-1111"],
    ] {
        let refused = consentry(dir.path(), &args);
        assert_eq!(code(&refused), 2, "{args:?}");
        let message = stderr(&refused);
        assert!(message.contains("looks like a card number"), "{message}");
        assert!(!message.contains("4242424242424242") && !message.contains("4111"));
    }
    // Digits that are not a card number pass (a 4-digit filter, a date).
    let fine = consentry(dir.path(), &["activity", "--help"]);
    assert_eq!(code(&fine), 0);
}

#[test]
fn init_shows_the_recovery_key_once_and_recover_sets_a_new_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let init = |args: &[&str]| {
        let mut all = vec![
            "--data-dir",
            "data",
            "init",
            "--new-passphrase-env",
            "TEST_PASSPHRASE",
        ];
        all.extend_from_slice(args);
        consentry(dir.path(), &all)
    };
    let created = init(&["--print-recovery-key", "--json"]);
    assert_eq!(code(&created), 0, "{}", stderr(&created));
    let json: serde_json::Value = serde_json::from_slice(&created.stdout).unwrap();
    let key = json["recovery_key"].as_str().unwrap().to_owned();
    assert!(key.len() > 20, "{json}");
    assert_eq!(json["keyring"], false);
    // Once: a second init finds the wallet and changes nothing (exit 1).
    assert_eq!(code(&init(&["--print-recovery-key"])), 1);

    let recover = |key: &str| {
        let args = ["--data-dir", "data", "recover", "--recovery-key-env", "KEY"];
        let args = [&args[..], &["--new-passphrase-env", "NEW"]].concat();
        consentry_env(
            dir.path(),
            &args,
            &[("KEY", key), ("NEW", "a brand new passphrase")],
        )
    };
    // Not a recovery key at all: a bad value (2); another wallet's: the wrong key (3).
    assert_eq!(code(&recover("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH")), 2);
    let other = consentry(
        dir.path(),
        &[
            "--data-dir",
            "other",
            "--json",
            "init",
            "--new-passphrase-env",
            "TEST_PASSPHRASE",
            "--print-recovery-key",
        ],
    );
    let other: serde_json::Value = serde_json::from_slice(&other.stdout).unwrap();
    assert_eq!(code(&recover(other["recovery_key"].as_str().unwrap())), 3);
    let recovered = recover(&key);
    assert_eq!(code(&recovered), 0, "{}", stderr(&recovered));
    let with = |passphrase: &str| {
        let args = ["--data-dir", "data", "--passphrase-env", "P", "unlock"];
        consentry_env(dir.path(), &args, &[("P", passphrase)])
    };
    assert_eq!(code(&with("a brand new passphrase")), 0);
    assert_eq!(code(&with(PASSPHRASE)), 3);
    // A missing variable is a usage error.
    let missing = consentry(
        dir.path(),
        &[
            "--data-dir",
            "data",
            "recover",
            "--recovery-key-env",
            "NOPE",
            "--new-passphrase-env",
            "NEW",
        ],
    );
    assert_eq!(code(&missing), 2);
}

#[test]
fn completions_are_generated_for_each_shell() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let script = consentry(dir.path(), &["completions", shell]);
        assert_eq!(code(&script), 0, "{shell}");
        let text = stdout(&script);
        for word in ["revoke-all", "ledger", "activity", "passphrase-env"] {
            assert!(text.contains(word), "{shell}: {word} missing");
        }
    }
    assert_eq!(code(&consentry(dir.path(), &["completions", "cmd.exe"])), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_headless_subcommand_goes_through_the_api_with_its_exit_code() {
    let dir = wallet().await;
    with_receipts_app(dir.path()).await;
    let platform = consentry_testkit::platform::seeded(5, Some(&dir.path().join("platform"))).await;
    let url = platform.base_url();
    let data = dir.path().to_owned();
    let run = move |args: Vec<String>, input: Option<String>| {
        let data = data.clone();
        async move {
            tokio::task::spawn_blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                match input {
                    Some(input) => unlocked_with_stdin(&data, &args, &input),
                    None => unlocked(&data, &args),
                }
            })
            .await
            .unwrap()
        }
    };
    let args = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();

    // Linking: the number from standard input, never echoed back.
    let linked = run(
        args(&[
            "--json",
            "card",
            "link",
            "--expiry",
            "12/2030",
            "--nickname",
            "Daily",
            "--platform-url",
            &url,
        ]),
        Some("4000 0566 5566 5556\n".into()),
    )
    .await;
    assert_eq!(code(&linked), 0, "{}", stderr(&linked));
    assert!(
        !stdout(&linked).contains("5556 5566") && !stdout(&linked).contains("4000056655665556")
    );
    let card: serde_json::Value = serde_json::from_slice(&linked.stdout).unwrap();
    let token = card["token"].as_str().unwrap().to_owned();
    assert_eq!(card["last4"], "5556");
    let empty = run(
        args(&["card", "link", "--expiry", "12/2030"]),
        Some(String::new()),
    )
    .await;
    assert_eq!(code(&empty), 2, "{}", stderr(&empty));
    assert_eq!(
        code(
            &run(
                args(&["card", "link", "--expiry", "13-30"]),
                Some("x\n".into())
            )
            .await
        ),
        2
    );

    let listed = stdout(&run(args(&["card", "list"]), None).await);
    assert!(
        listed.contains(&token) && listed.contains("Daily"),
        "{listed}"
    );
    let renamed = run(args(&["card", "rename", &token, "Groceries"]), None).await;
    assert_eq!(code(&renamed), 0, "{}", stderr(&renamed));
    assert!(stdout(&run(args(&["card", "list"]), None).await).contains("Groceries"));
    assert_eq!(
        code(&run(args(&["card", "rename", "tok_nobody", "x"]), None).await),
        4
    );

    let apps = run(args(&["apps"]), None).await;
    assert_eq!(code(&apps), 0, "{}", stderr(&apps));
    assert!(stdout(&apps).contains("app_quire"), "{}", stdout(&apps));

    // Consent: grant, revoke everything on the card, the ledger and its check.
    let granted = run(args(&["grant", "app_quire", &token, "receipts"]), None).await;
    assert_eq!(code(&granted), 0, "{}", stderr(&granted));
    let all = run(args(&["--json", "revoke-all", "--card", &token]), None).await;
    assert_eq!(code(&all), 0, "{}", stderr(&all));
    let revoked: serde_json::Value = serde_json::from_slice(&all.stdout).unwrap();
    assert_eq!(revoked["revoked"].as_array().unwrap().len(), 1);
    assert_eq!(
        code(&run(args(&["revoke-all"]), None).await),
        2,
        "neither an app nor a card"
    );
    let ledger = stdout(&run(args(&["ledger", "list", "--card", &token]), None).await);
    assert_eq!(ledger.lines().count(), 3, "{ledger}");
    let verified = run(args(&["ledger", "verify"]), None).await;
    assert_eq!(code(&verified), 0);
    assert!(
        stdout(&verified).contains("intact"),
        "{}",
        stdout(&verified)
    );

    // What the wallet holds: activity with filters and paging, rewards.
    let page = run(args(&["--json", "activity", "--limit", "10"]), None).await;
    assert_eq!(code(&page), 0, "{}", stderr(&page));
    let page: serde_json::Value = serde_json::from_slice(&page.stdout).unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 10);
    let next = page["nextCursor"].as_str().unwrap().to_owned();
    let rest = run(
        args(&["--json", "activity", "--limit", "200", "--cursor", &next]),
        None,
    )
    .await;
    let rest: serde_json::Value = serde_json::from_slice(&rest.stdout).unwrap();
    assert_eq!(
        rest["items"].as_array().unwrap().len(),
        15,
        "25 settled payments in all"
    );
    let march = stdout(
        &run(
            args(&["activity", "--from", "2026-03-05", "--to", "2026-03-06"]),
            None,
        )
        .await,
    );
    assert_eq!(march.lines().count(), 3, "a header and two days: {march}");
    assert_eq!(
        code(&run(args(&["activity", "--from", "5 March"]), None).await),
        2
    );
    assert_eq!(
        code(&run(args(&["activity", "--limit", "0"]), None).await),
        2
    );
    let rewards = run(args(&["rewards", "--months", "24"]), None).await;
    assert_eq!(code(&rewards), 0, "{}", stderr(&rewards));
    assert!(
        stdout(&rewards).contains("platform commission"),
        "{}",
        stdout(&rewards)
    );

    // Data requests go to the platform.
    let asked = run(args(&["requests", "create", "app_quire", "access"]), None).await;
    assert_eq!(code(&asked), 0, "{}", stderr(&asked));
    let requests = stdout(&run(args(&["requests", "list"]), None).await);
    assert!(requests.contains("app_quire\taccess"), "{requests}");

    // Sync and status, then unlinking (twice: the second finds nothing).
    assert_eq!(code(&run(args(&["sync"]), None).await), 0);
    // The devices: this one alone; it cannot remove itself (2), nor a device that is not
    // the cardholder's (the platform: 4).
    let devices = run(args(&["--json", "devices"]), None).await;
    assert_eq!(code(&devices), 0, "{}", stderr(&devices));
    let devices: serde_json::Value = serde_json::from_slice(&devices.stdout).unwrap();
    let own = &devices["devices"][0];
    assert_eq!(
        (
            own["thisDevice"].as_bool(),
            devices["devices"].as_array().unwrap().len()
        ),
        (Some(true), 1)
    );
    let own_id = own["deviceId"].as_str().unwrap().to_owned();
    assert!(stdout(&run(args(&["devices", "list"]), None).await).contains("\tthis device\n"));
    assert_eq!(
        code(&run(args(&["devices", "remove", &own_id]), None).await),
        2
    );
    let stranger = run(args(&["devices", "remove", "dev_nobody"]), None).await;
    assert_eq!(code(&stranger), 4, "{}", stderr(&stranger));
    let status = run(args(&["--json", "status"]), None).await;
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(
        status["cards"], 2,
        "the fixture's card and the linked one: {status}"
    );
    let unlinked = run(args(&["card", "unlink", &token]), None).await;
    assert_eq!(code(&unlinked), 0, "{}", stderr(&unlinked));
    assert_eq!(code(&run(args(&["card", "unlink", &token]), None).await), 4);

    // Joining with a wrong secret: the platform refuses (6).
    let joined = consentry_env(
        dir.path(),
        &[
            "--data-dir",
            "other",
            "init",
            "--new-passphrase-env",
            "P",
            "--print-recovery-key",
        ],
        &[("P", PASSPHRASE)],
    );
    assert_eq!(code(&joined), 0, "{}", stderr(&joined));
    let url2 = url.clone();
    let refused = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || {
            let args = ["--data-dir", "other", "--passphrase-env", "P", "join"];
            let args = [
                &args[..],
                &["--platform-url", &url2, "--cardholder-id", "ch_nobody"],
            ];
            let args = [&args.concat()[..], &["--secret-env", "S"]].concat();
            consentry_env(&dir, &args, &[("P", PASSPHRASE), ("S", "not the secret")])
        }
    })
    .await
    .unwrap();
    assert_eq!(code(&refused), 6, "{}", stderr(&refused));
}

#[tokio::test]
async fn open_conflicts_are_listed_counted_and_dismissed_from_the_store() {
    let dir = wallet().await;
    with_receipts_app(dir.path()).await;
    {
        let now = consentry_testkit::fixed_now();
        let mut wallet = consentry_testkit::open_wallet(&dir.path().join("data"), now).await;
        let pool = wallet.pool().unwrap().clone();
        let details = consentry_domain::GrantDetails {
            app_id: "app_quire".into(),
            card_token: "tok_visa".into(),
            scope: consentry_domain::Scope::Receipts,
            channels: [consentry_domain::Channel::Card].into(),
            trigger: consentry_domain::Trigger::Authorization,
            min_purchase: None,
            expires_at: None,
        };
        let theirs = consentry_domain::Grant::new("grant_q", details.clone(), 1, now)
            .unwrap()
            .revoke(now)
            .unwrap();
        let set_aside = consentry_store::conflicts::NewConflict {
            outbox_key: uuid::Uuid::now_v7(),
            grant_id: "grant_q",
            asked_action: consentry_domain::ConsentAction::Grant,
            asked: &details,
            asked_at: now,
            won: Some(&theirs),
            won_by: Some("dev_phone"),
            reason: "version_conflict: changed elsewhere first",
        };
        consentry_store::conflicts::record(&pool, &set_aside, now)
            .await
            .unwrap();
        let phone = consentry_store::devices::Device {
            device_id: "dev_phone".into(),
            name: "phone".into(),
            added_at: now,
            removed_at: None,
        };
        consentry_store::devices::remember(&pool, &[phone], now)
            .await
            .unwrap();
        wallet.lock().await;
    }
    let run = |args: &[&str]| unlocked(dir.path(), args);
    let listed = run(&["conflicts"]);
    assert_eq!(code(&listed), 0, "{}", stderr(&listed));
    let text = stdout(&listed);
    assert!(
        text.contains("you asked to grant receipts for app_quire on tok_visa"),
        "{text}"
    );
    assert!(text.contains("now: revoked (by phone)"), "{text}");
    let status: serde_json::Value =
        serde_json::from_slice(&run(&["--json", "status"]).stdout).unwrap();
    assert_eq!(status["sync"]["openConflicts"], 1, "{status}");
    let json: serde_json::Value =
        serde_json::from_slice(&run(&["--json", "conflicts", "list"]).stdout).unwrap();
    let id = json["conflicts"][0]["id"].as_i64().unwrap().to_string();
    assert_eq!(json["conflicts"][0]["wonBy"], "phone", "{json}");
    assert_eq!(code(&run(&["conflicts", "reapply", "999"])), 4);
    assert_eq!(code(&run(&["conflicts", "dismiss", &id])), 0);
    assert_eq!(code(&run(&["conflicts", "dismiss", &id])), 4);
    assert!(stdout(&run(&["conflicts"])).contains("no open conflicts"));
}
