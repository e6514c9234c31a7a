//! Separate `consentry-platform` processes on one PostgreSQL database, as an operator runs
//! them behind a load balancer (skipped without a test cluster, see
//! `consentry_testkit::postgres`): a commit in one process wakes a long poll in the other
//! (NOTIFY between processes, not only between instances of one process), and a process
//! killed with SIGKILL takes nothing with it: the other goes on serving the cardholder, a
//! process started again serves the same feed, and the purchases the killed one was serving
//! are whole or absent, each completed once when sent again with its key to the other.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use consentry_platform::DatabaseUrl;
use consentry_testkit::postgres;
use serde_json::json;

use crate::support::*;

/// A platform process, killed when dropped.
struct Process {
    child: Child,
    base: String,
    /// Kept open: the process's stdout is a pipe, and a closed pipe would fail its next print.
    _stdout: BufReader<ChildStdout>,
}

impl Process {
    /// Starts the built `consentry-platform` on `database`, on a free loopback port, and
    /// waits for the address it prints.
    fn start(database: &str) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_consentry-platform"))
            .args(["--listen", "127.0.0.1:0", "--signing-seed", "7"])
            .env("CONSENTRY_PLATFORM_DATABASE", database)
            .env("CONSENTRY_PLATFORM_ADMIN_TOKEN", ADMIN)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .spawn()
            .expect("the platform binary starts");
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("the platform prints");
        let Some(base) = line.trim().strip_prefix("consentry-platform listening on ") else {
            let _ = child.kill();
            panic!("the platform did not start: {line:?} ({:?})", child.wait());
        };
        Process {
            base: base.trim_end_matches('/').to_owned(),
            child,
            _stdout: stdout,
        }
    }

    /// SIGKILL: no shutdown, no chance to finish or release anything itself.
    fn kill(mut self) {
        self.child.kill().expect("kill the platform");
        self.child.wait().expect("reap the platform");
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two platform processes on one fresh database, or `None` without a cluster.
async fn two_processes(test: &str) -> Option<(DatabaseUrl, Process, Process)> {
    let cluster = postgres::cluster(test)?;
    let database = postgres::fresh_database(&cluster).await;
    let a = Process::start(database.expose());
    let b = Process::start(database.expose());
    assert_ne!(a.base, b.base);
    Some((database, a, b))
}

/// A new cardholder enrolled through `process`, with a card on which Quire issues receipts,
/// and the card's token.
async fn with_receipts(process: &Process) -> (Wallet, String) {
    let w = enroll_at(&reqwest::Client::new(), &process.base).await;
    let card = w.link_card(VISA).await;
    w.grant_defaults("g1", "app_quire", &card, "receipts").await;
    (w, card)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_platform_processes_share_one_feed_and_survive_one_being_killed() {
    let Some((database, a, b)) = two_processes("platform_processes").await else {
        return;
    };
    let (on_a, card) = with_receipts(&a).await;
    let start = on_a.cursor().await;

    // A long poll in process B wakes for a purchase committed by process A.
    let on_b = on_a.at(&b.base);
    let started = Instant::now();
    let poll = tokio::spawn(async move {
        let (events, _) = on_b.page(&format!("?after={start}&wait=20")).await;
        (events, started.elapsed(), on_b)
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    on_a.purchase(&card, 450, "EUR", "Café Lumière", "nfc")
        .await;
    let (events, waited, on_b) = poll.await.unwrap();
    assert!(
        events.iter().any(|e| e.kind == "transaction.authorized"),
        "B's long poll returned the purchase A committed: {:?}",
        events.iter().map(|e| &e.kind).collect::<Vec<_>>()
    );
    assert!(
        waited < Duration::from_secs(15),
        "woken by A's commit, not by the end of the wait ({waited:?})"
    );

    // A dies without a word; B serves the same cardholder, token and grant.
    a.kill();
    on_b.purchase(&card, 1_250, "EUR", "Librairie", "card")
        .await;
    let served_by_b = on_b.kinds_after("").await;
    let authorized = |kinds: &[(String, String)]| {
        kinds
            .iter()
            .filter(|(kind, _)| kind == "transaction.authorized")
            .count()
    };
    assert_eq!(authorized(&served_by_b), 2, "{served_by_b:?}");
    assert!(
        served_by_b.iter().any(|(kind, _)| kind == "receipt.issued"),
        "the grant made through A still reacts in B: {served_by_b:?}"
    );

    // A process started again on the database serves the same feed, event for event.
    let again = Process::start(database.expose());
    let on_again = on_a.at(&again.base);
    assert_eq!(ids(&on_again).await, ids(&on_b).await);
    let (status, cards) = on_again.get("/v1/cards").await;
    assert_eq!(status, 200, "{cards}");
    assert_eq!(cards["cards"][0]["token"], json!(card), "{cards}");
}

/// The ids of the whole feed, in order (each delivery's signature verified on the way).
async fn ids(w: &Wallet) -> Vec<String> {
    w.events().await.into_iter().map(|e| e.id).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn purchases_in_flight_when_a_process_dies_are_whole_or_absent_and_a_retry_completes_them() {
    let Some((_, a, b)) = two_processes("platform_process_killed_under_load").await else {
        return;
    };
    let (on_b, card) = with_receipts(&b).await;

    // Four buyers keep purchasing through A, each purchase under its own key, until A dies
    // under them: some requests are answered, the last ones are in doubt (no answer).
    let on_a = std::sync::Arc::new(on_b.at(&a.base));
    let coffee = purchase_body(&card, 450, "EUR", "Café Lumière", "nfc");
    let buyers: Vec<_> = (0..4)
        .map(|buyer| {
            let (w, coffee) = (on_a.clone(), coffee.clone());
            tokio::spawn(async move {
                let (mut answered, mut in_doubt) = (Vec::new(), Vec::new());
                for n in 0.. {
                    let key = format!("buyer{buyer}-{n}");
                    let sent = w
                        .http
                        .post(w.url("/v1/simulate/purchase"))
                        .bearer_auth(&w.token)
                        .header("Idempotency-Key", &key)
                        .json(&coffee)
                        .send()
                        .await;
                    match sent {
                        Ok(response) if response.status() == 201 => answered.push(key),
                        Ok(response) => panic!("{key}: {}", response.status()),
                        Err(_) => {
                            in_doubt.push(key);
                            return (answered, in_doubt);
                        }
                    }
                }
                unreachable!()
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(700)).await;
    a.kill();
    let (mut answered, mut in_doubt) = (Vec::new(), Vec::new());
    for buyer in buyers {
        let (done, doubt) = buyer.await.unwrap();
        answered.extend(done);
        in_doubt.extend(doubt);
    }
    assert!(!answered.is_empty(), "A served purchases before it died");

    // B serves the cardholder at once (a dead process's locks went with its connections),
    // and the same key through B finishes each purchase in doubt, or replays it if A had
    // committed it: either way it exists once.
    let mut committed_before_the_kill = 0;
    for key in &in_doubt {
        let (status, body, replayed) = send_keyed(
            on_b.http
                .post(on_b.url("/v1/simulate/purchase"))
                .bearer_auth(&on_b.token),
            key,
            &coffee,
        )
        .await;
        assert_eq!(status, 201, "{key}: {body}");
        committed_before_the_kill += usize::from(replayed);
    }
    println!(
        "{} purchases answered by A, {} in doubt when it died, {committed_before_the_kill} of \
         those had committed (replayed through B)",
        answered.len(),
        in_doubt.len()
    );
    let events = on_b.events().await;
    let transactions = |kind: &str| -> Vec<String> {
        events
            .iter()
            .filter(|e| e.kind == kind)
            .map(|e| {
                let id = e.body["payment"]["transaction_id"].as_str();
                id.or(e.body["transaction_id"].as_str())
                    .unwrap_or_else(|| panic!("{kind} names its transaction: {}", e.body))
                    .to_owned()
            })
            .collect()
    };
    let authorized = transactions("transaction.authorized");
    let unique: std::collections::BTreeSet<&String> = authorized.iter().collect();
    assert_eq!(
        authorized.len(),
        answered.len() + in_doubt.len(),
        "one purchase per key, none lost and none twice ({} answered, {} in doubt)",
        answered.len(),
        in_doubt.len()
    );
    assert_eq!(unique.len(), authorized.len(), "no transaction twice");
    // Whole: every authorization came with its app's reaction, committed together.
    let mut receipts = transactions("receipt.issued");
    let mut authorized = authorized;
    receipts.sort();
    authorized.sort();
    assert_eq!(
        receipts, authorized,
        "each purchase has its receipt, and only once"
    );
}
