//! What the cardholder feels, measured in the release app beside an empty Tauri 2 app built in
//! the same run (tests/fixtures/empty-app): launch to first paint and to the first usable
//! screen, and the memory of every process once at rest, as ratios; then how long a purchase
//! at the platform takes to show its receipt in the open Activity list. `make bench` runs it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use consentry_testkit::app::{skip_unless_available, RunningApp};

use super::purchases::{fill_wallet, percentiles};
use super::{demo_app_with_a_card, wait_synced};

/// Launches of each app (the medians are reported).
const ROUNDS: usize = 5;

/// The empty app's binary: `CONSENTRY_EMPTY_APP_BIN`, else beside the app's.
fn empty_app_binary() -> PathBuf {
    std::env::var_os("CONSENTRY_EMPTY_APP_BIN").map_or_else(
        || consentry_testkit::app::app_binary().with_file_name("empty-tauri-app"),
        PathBuf::from,
    )
}

/// When `pid` started, in milliseconds since the Unix epoch: its start in clock ticks since
/// boot (/proc/<pid>/stat) against the uptime now (both to the hundredth of a second).
fn started_at_ms(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let (_, rest) = stat.rsplit_once(')').expect("stat fields");
    // Field 22 of the whole line is the 20th after the command name.
    let ticks: f64 = rest.split_whitespace().nth(19).unwrap().parse().unwrap();
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    // Linux reports these in USER_HZ, 100 a second on every architecture it runs on.
    (now - (uptime - ticks / 100.0)) * 1000.0
}

/// Proportional memory (PSS) of each process, in MiB (shared pages split among their users),
/// by process name.
fn pss_by_process(pids: &[u32]) -> Vec<(String, f64)> {
    pids.iter()
        .filter_map(|pid| {
            let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
            let kib: u64 = rollup
                .lines()
                .find_map(|l| l.strip_prefix("Pss:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())?;
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            Some((name.trim().to_owned(), kib as f64 / 1024.0))
        })
        .collect()
}

fn total(processes: &[(String, f64)]) -> f64 {
    processes.iter().map(|(_, mib)| mib).sum()
}

/// One launch, in ms since the process started.
struct Launch {
    /// WebKit's first-contentful-paint, when it gives one.
    paint: Option<f64>,
    /// The page's `app:interactive` mark: the first usable screen is drawn.
    interactive: f64,
    /// The way there: the page's start, then each `launch:*` mark the page set (the empty app
    /// sets none).
    steps: Vec<(String, f64)>,
}

/// Each step of the way to the first screen, with its samples.
type Steps = Vec<(String, Vec<f64>)>;

fn add_steps(to: &mut Steps, launch: Vec<(String, f64)>) {
    for (name, ms) in launch {
        match to.iter_mut().find(|(step, _)| *step == name) {
            Some((_, samples)) => samples.push(ms),
            None => to.push((name, vec![ms])),
        }
    }
}

/// Reads a launch's marks once the first usable screen is drawn.
async fn launch(app: &RunningApp) -> Launch {
    let tree = app.process_tree();
    let started = started_at_ms(*tree.first().expect("the app's process"));
    let value = app
        .client
        .execute_async(
            "const done = arguments[0];
             const look = () => {
               const mark = performance.getEntriesByName('app:interactive')[0];
               if (!mark) { setTimeout(look, 5); return; }
               const paint = performance.getEntriesByType('paint')
                 .find((e) => e.name === 'first-contentful-paint');
               const steps = performance.getEntriesByType('mark')
                 .filter((e) => e.name.startsWith('launch:'))
                 .map((e) => [e.name, e.startTime]);
               done({ origin: performance.timeOrigin, interactive: mark.startTime,
                      paint: paint ? paint.startTime : null, steps });
             };
             look();",
            vec![],
        )
        .await
        .expect("read the launch marks");
    let origin = value["origin"].as_f64().expect("timeOrigin") - started;
    let mut steps = vec![("page starts".to_owned(), origin)];
    for step in value["steps"].as_array().into_iter().flatten() {
        let name = step[0].as_str().unwrap_or_default().to_owned();
        steps.push((name, origin + step[1].as_f64().unwrap_or_default()));
    }
    Launch {
        paint: value["paint"].as_f64().map(|p| origin + p),
        interactive: origin + value["interactive"].as_f64().expect("mark"),
        steps,
    }
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
            // On disk before the launch: the kernel writing back a copied wallet (hundreds of
            // MB at a million events) would slow the launch it measures.
            std::fs::File::open(&target).unwrap().sync_all().unwrap();
        }
    }
}

/// Launch and memory: Consentry on a 1,000,000-event wallet (`CONSENTRY_BENCH_EVENTS`) ÷ the
/// empty app, five launches each, alternating; then purchase → receipt in the open window over
/// 25 purchases on the embedded demo platform. Prints medians, ratios, p50/p95 and MiB.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: release builds and a 1,000,000-event wallet; run by `make bench`"]
#[allow(clippy::print_stdout, clippy::cast_precision_loss)]
async fn bench_launch_memory_and_purchase_to_receipt() {
    if skip_unless_available() {
        return;
    }
    let empty = empty_app_binary();
    assert!(
        empty.is_file(),
        "build the empty app first: {}",
        empty.display()
    );
    let events: u64 = std::env::var("CONSENTRY_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    // One wallet filled with the store, copied before each launch (a launch may write to it).
    let template = tempfile::tempdir().unwrap();
    let stored = fill_wallet(template.path().join("wallet"), events).await;

    // [empty app, Consentry] samples of each measure.
    let mut paint: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut ready: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut memory: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    // The last launch's processes of each app, to say where the memory is.
    let mut split: [Vec<(String, f64)>; 2] = [Vec::new(), Vec::new()];
    // [empty app, Consentry]: the way to the first screen, each step's samples.
    let mut steps: [Steps; 2] = [Vec::new(), Vec::new()];
    let rest = Duration::from_secs(3);
    for _ in 0..ROUNDS {
        // The empty app: launched, drawn, left alone, measured.
        let app = RunningApp::start_binary(&empty, &[]).await;
        let Launch {
            paint: p,
            interactive: r,
            steps: s,
        } = launch(&app).await;
        add_steps(&mut steps[0], s);
        tokio::time::sleep(rest).await;
        split[0] = pss_by_process(&app.process_tree());
        memory[0].push(total(&split[0]));
        paint[0].extend(p);
        ready[0].push(r);
        app.stop().await;

        // Consentry: the unlock screen of the big wallet, then unlocked, at rest on Cards.
        let source = template.path().join("wallet");
        let app = RunningApp::start_prepared(&[("CONSENTRY_DEMO_EVERY", "0")], |dir| async move {
            copy_dir(&source, &dir);
        })
        .await;
        let Launch {
            paint: p,
            interactive: r,
            steps: s,
        } = launch(&app).await;
        add_steps(&mut steps[1], s);
        app.wait_text("h1", "Unlock your wallet").await;
        app.type_into("#unlock-secret", consentry_testkit::PASSPHRASE)
            .await;
        app.click_button("Unlock").await;
        app.wait_text("h1", "Cards").await;
        tokio::time::sleep(rest).await;
        split[1] = pss_by_process(&app.process_tree());
        memory[1].push(total(&split[1]));
        paint[1].extend(p);
        ready[1].push(r);
        app.stop().await;
    }
    let ratio = |of: &[Vec<f64>; 2]| median(of[1].clone()) / median(of[0].clone());
    println!("felt speed: Consentry with {stored} events ÷ an empty Tauri 2 app, median of {ROUNDS} launches each");
    if paint[0].len() == ROUNDS && paint[1].len() == ROUNDS {
        println!(
            "  launch → first paint        {:7.0} ms ÷ {:7.0} ms = {:.2} (target ≤ 1.3)",
            median(paint[1].clone()),
            median(paint[0].clone()),
            ratio(&paint)
        );
    } else {
        println!("  launch → first paint        (WebKit gave no first-contentful-paint entry)");
    }
    println!(
        "  launch → first usable screen {:6.0} ms ÷ {:7.0} ms = {:.2} (target ≤ 1.3)",
        median(ready[1].clone()),
        median(ready[0].clone()),
        ratio(&ready)
    );
    for (name, steps) in ["empty app", "Consentry"].iter().zip(&steps) {
        let way: Vec<String> = steps
            .iter()
            .map(|(step, samples)| format!("{step} {:.0}", median(samples.clone())))
            .collect();
        println!(
            "    {name}'s way there (ms after start): {}",
            way.join(" → ")
        );
    }
    println!(
        "  PSS at rest, every process  {:7.1} MiB ÷ {:5.1} MiB = {:.2} (target ≤ 1.2; unlocked on Cards vs the empty window)",
        median(memory[1].clone()),
        median(memory[0].clone()),
        ratio(&memory)
    );
    for (name, processes) in ["empty app", "Consentry"].iter().zip(&split) {
        let parts: Vec<String> = processes
            .iter()
            .map(|(process, mib)| format!("{process} {mib:.1}"))
            .collect();
        println!("    {name} (last launch): {} MiB", parts.join(", "));
    }
    assert!(
        ready.iter().all(|r| r.iter().all(|ms| *ms > 0.0)),
        "{ready:?}"
    );

    purchase_to_receipt().await;
}

/// Purchases simulated at the embedded demo platform (from the page, as the Simulate dialog
/// does) while Activity is open: the time until the new purchase's receipt line is drawn.
#[allow(clippy::print_stdout)]
async fn purchase_to_receipt() {
    let app = demo_app_with_a_card().await;
    app.click("nav a[data-route='consents']").await;
    let quire = "article[aria-labelledby='app-app_quire']";
    app.click(&format!("{quire} input[role=switch]")).await;
    wait_synced(&app, quire).await;
    app.click("nav a[data-route='activity']").await;
    app.client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(60)),
            None,
            None,
        ))
        .await
        .expect("script timeout");
    let purchases = 25;
    let mut samples = Vec::new();
    for n in 0..purchases {
        let value = app
            .client
            .execute_async(
                "const [merchant, done] = arguments;
                 const invoke = window.__TAURI_INTERNALS__.invoke;
                 let started = 0;
                 invoke('cards_list', { request: {} }).then(({ cards }) => {
                   started = performance.now();
                   requestAnimationFrame(look);
                   return invoke('purchase_simulate', { request: { cardToken: cards[0].token,
                     amount: { minor: 450, currency: 'EUR' }, merchant, channel: 'card' } });
                 }).catch((err) => done({ err: String(err) }));
                 const look = () => {
                   const rows = [...document.querySelectorAll('[data-testid=activity-list] [role=listitem]')];
                   const at = rows.findIndex((r) => r.dataset.testid === 'activity-row' && r.textContent.includes(merchant));
                   // The purchase's row names what the apps did with it.
                   if (at >= 0 && (rows[at].querySelector('.outcomes')?.textContent ?? '').includes('Receipt')) {
                     done({ ms: performance.now() - started });
                     return;
                   }
                   if (performance.now() - started > 30000) done({ err: 'no receipt after 30 s' });
                   else requestAnimationFrame(look);
                 };",
                vec![serde_json::json!(format!("Bench Café {n}"))],
            )
            .await
            .expect("a purchase from the page");
        assert!(value["err"].is_null(), "purchase {n}: {value}");
        samples.push(value["ms"].as_f64().unwrap());
    }
    let (p50, p95) = percentiles(samples);
    println!(
        "  purchase → receipt drawn in Activity: p50 {p50:.0} ms, p95 {p95:.0} ms over {purchases} purchases (target p95 ≤ 300 ms)"
    );
    app.stop().await;
}
