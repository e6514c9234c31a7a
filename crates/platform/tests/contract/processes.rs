//! Separate `consentry-platform` processes on one PostgreSQL database, as an operator runs
//! them behind a load balancer (skipped without a test cluster, see
//! `consentry_testkit::postgres`): a commit in one process wakes a long poll in the other
//! (NOTIFY between processes, not only between instances of one process), and a process
//! killed with SIGKILL takes nothing with it: the other goes on serving the cardholder, and a
//! process started again serves the same feed.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_platform_processes_share_one_feed_and_survive_one_being_killed() {
    let Some(cluster) = postgres::cluster("platform_processes") else {
        return;
    };
    let database = postgres::fresh_database(&cluster).await;
    let a = Process::start(database.expose());
    let b = Process::start(database.expose());
    assert_ne!(a.base, b.base);

    let http = reqwest::Client::new();
    let enrolled = http
        .post(format!("{}/v1/enroll", a.base))
        .json(&json!({"device_name": "test laptop"}))
        .send()
        .await
        .unwrap();
    let (status, body) = read(enrolled).await;
    assert_eq!(status, 201, "{body}");
    let on_a = Wallet::enrolled(&http, &a.base, &body);
    on_a.post_root_link().await;
    let card = on_a.link_card(VISA).await;
    on_a.grant_defaults("g1", "app_quire", &card, "receipts")
        .await;
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
    let (events, _) = w.page("?limit=500").await;
    events.into_iter().map(|e| e.id).collect()
}
