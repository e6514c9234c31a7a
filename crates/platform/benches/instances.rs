//! `cargo bench -p consentry-platform --bench instances`: the reference platform past one
//! process. Purchases per second and signed events served per second by 1, 2 and 4 platform
//! instances sharing one PostgreSQL database, beside one instance on SQLite (a file, as a
//! standalone platform keeps it), all with the same enrolled cardholders (10,000 ×
//! `CONSENTRY_BENCH_SCALE`), each with a linked card. Requests go to the instances in turn
//! from 16 concurrent clients over loopback HTTP.
//!
//! The PostgreSQL cluster is a throwaway one (`scripts/pg-cluster.sh`, fsync off — the
//! comparison is between instance counts, not disks). Every process — clients, instances,
//! PostgreSQL — shares this machine's cores, so on a small machine more instances cannot
//! add CPU: the ratios then show what sharing one database costs, not what more machines
//! would give.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::error::Error;
use std::sync::Arc;
use std::time::{Duration, Instant};

use consentry_platform::{DataLocation, PlatformConfig, RunningPlatform};
use consentry_testkit::bench;
use consentry_testkit::platform::{seeded_on_postgres, serve};
use consentry_testkit::postgres::{fresh_database, Cluster};
use serde_json::{json, Value};

const CLIENTS: u64 = 16;

/// An enrolled cardholder: its device token and its card.
#[derive(Clone)]
struct Holder {
    token: String,
    card: String,
}

struct Rates {
    enrolled_per_s: f64,
    purchases_per_s: f64,
    events_per_s: f64,
}

fn main() -> Result<(), Box<dyn Error>> {
    bench::main(run)
}

async fn run() -> Result<(), Box<dyn Error>> {
    let cardholders = bench::scaled(10_000);
    let purchases = bench::scaled(4_000);
    let reads = bench::scaled(4_000);
    let cluster = Cluster::start();
    let mut rows: Vec<(String, Rates)> = Vec::new();

    let dir = tempfile::tempdir()?;
    let sqlite = serve(PlatformConfig {
        data: DataLocation::Directory(dir.path().to_path_buf()),
        ..PlatformConfig::default()
    })
    .await;
    rows.push((
        "SQLite, 1 instance".into(),
        measure(&[sqlite], cardholders, purchases, reads).await,
    ));
    for count in [1, 2, 4] {
        let database = fresh_database(cluster.url()).await;
        let mut instances = Vec::new();
        for _ in 0..count {
            instances.push(seeded_on_postgres(9, database.clone()).await);
        }
        let name = format!(
            "PostgreSQL, {count} instance{}",
            if count == 1 { "" } else { "s" }
        );
        rows.push((
            name,
            measure(&instances, cardholders, purchases, reads).await,
        ));
    }

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "platform instances bench ({cardholders} cardholders with a card, {purchases} purchases, \
         {reads} feed reads, {CLIENTS} clients, loopback HTTP, {cores} cores shared by all)"
    );
    println!(
        "  {:<24} {:>11} {:>12} {:>16}   ÷ SQLite: purchases, events",
        "", "enrolled/s", "purchases/s", "events served/s"
    );
    let base = (rows[0].1.purchases_per_s, rows[0].1.events_per_s);
    for (name, r) in &rows {
        println!(
            "  {name:<24} {:>11.0} {:>12.0} {:>16.0}   {:.2}, {:.2}",
            r.enrolled_per_s,
            r.purchases_per_s,
            r.events_per_s,
            r.purchases_per_s / base.0,
            r.events_per_s / base.1
        );
    }
    drop(cluster);
    Ok(())
}

/// Enrolls, buys and reads through `instances` (in turn); stops them after.
async fn measure(
    instances: &[RunningPlatform],
    cardholders: u64,
    purchases: u64,
    reads: u64,
) -> Rates {
    let urls: Arc<Vec<String>> = Arc::new(instances.iter().map(|p| p.base_url()).collect());
    let http = reqwest::Client::new();

    let started = Instant::now();
    let to = target(&http, &urls);
    let holders: Vec<Holder> = in_parallel(cardholders, move |i| {
        let (http, base) = to(i);
        async move {
            let enrolled = call(
                http.post(format!("{base}/v1/enroll"))
                    .json(&json!({"device_name": "bench"})),
            )
            .await;
            let token = enrolled["token"].as_str().unwrap().to_owned();
            let number = luhn_number(i);
            let card = call(
                http.post(format!("{base}/v1/cards"))
                    .bearer_auth(&token)
                    .json(&json!({"number": number, "expiration": {"month": 12, "year": 2031}})),
            )
            .await["token"]
                .as_str()
                .unwrap()
                .to_owned();
            (Holder { token, card }, 0)
        }
    })
    .await
    .0;
    let enrolled_per_s = cardholders as f64 / started.elapsed().as_secs_f64();
    let holders = Arc::new(holders);

    // Purchases spread over every cardholder.
    let started = Instant::now();
    let (to, buyers) = (target(&http, &urls), holders.clone());
    in_parallel(purchases, move |i| {
        let (http, base) = to(i);
        let holder = buyers[(i.wrapping_mul(7_919) % cardholders) as usize].clone();
        async move {
            call(
                http.post(format!("{base}/v1/simulate/purchase"))
                    .bearer_auth(&holder.token)
                    .json(&json!({"card_token": holder.card,
                        "amount": {"minor": 350 + i % 1_000, "currency": "EUR"},
                        "merchant": "Café Lumen", "channel": "nfc"})),
            )
            .await;
            ((), 0)
        }
    })
    .await;
    let purchases_per_s = purchases as f64 / started.elapsed().as_secs_f64();

    // Each read: one cardholder's whole feed, every event signed at delivery.
    let started = Instant::now();
    let to = target(&http, &urls);
    let (_, served) = in_parallel(reads, move |i| {
        let (http, base) = to(i);
        let holder = holders[(i.wrapping_mul(104_729) % cardholders) as usize].clone();
        async move {
            let page = call(
                http.get(format!("{base}/v1/events?limit=500"))
                    .bearer_auth(&holder.token),
            )
            .await;
            ((), page["events"].as_array().unwrap().len() as u64)
        }
    })
    .await;
    let events_per_s = served as f64 / started.elapsed().as_secs_f64();
    Rates {
        enrolled_per_s,
        purchases_per_s,
        events_per_s,
    }
}

/// Where request `i` goes: the instances in turn.
fn target(
    http: &reqwest::Client,
    urls: &Arc<Vec<String>>,
) -> impl Fn(u64) -> (reqwest::Client, String) + Send + Sync + 'static {
    let (http, urls) = (http.clone(), urls.clone());
    move |i| (http.clone(), urls[i as usize % urls.len()].clone())
}

/// `job(0..n)` from [`CLIENTS`] concurrent clients; the results in order and the sum of
/// their counts.
async fn in_parallel<T, F>(n: u64, job: impl Fn(u64) -> F + Send + Sync + 'static) -> (Vec<T>, u64)
where
    T: Send + 'static,
    F: std::future::Future<Output = (T, u64)> + Send + 'static,
{
    let job = Arc::new(job);
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let job = job.clone();
        clients.push(tokio::spawn(async move {
            let mut out = Vec::new();
            let mut i = client;
            while i < n {
                out.push((i, job(i).await));
                i += CLIENTS;
            }
            out
        }));
    }
    let mut all = Vec::with_capacity(n as usize);
    for client in clients {
        all.extend(client.await.unwrap());
    }
    all.sort_by_key(|(i, _)| *i);
    let count = all.iter().map(|(_, (_, c))| c).sum();
    (all.into_iter().map(|(_, (t, _))| t).collect(), count)
}

async fn call(request: reqwest::RequestBuilder) -> Value {
    let response = tokio::time::timeout(Duration::from_secs(60), request.send())
        .await
        .expect("an answer within a minute")
        .expect("request");
    assert!(response.status().is_success(), "{}", response.status());
    response.json().await.expect("json")
}

/// A distinct Visa test number per cardholder (valid Luhn check digit).
fn luhn_number(i: u64) -> String {
    let body = format!("4{:014}", i);
    let digits: Vec<u32> = body.chars().map(|c| c.to_digit(10).unwrap()).collect();
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(k, d)| {
            if k % 2 == 0 {
                let x = d * 2;
                if x > 9 {
                    x - 9
                } else {
                    x
                }
            } else {
                *d
            }
        })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}
