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

/// One process's proportional memory (PSS), in MiB (shared pages split among their users):
/// all of it, and its anonymous part (heaps, JIT, drawing buffers); the rest is mapped files.
struct Pss {
    process: String,
    total: f64,
    anonymous: f64,
}

/// PSS of each process of `pids`, by process name.
fn pss_by_process(pids: &[u32]) -> Vec<Pss> {
    pids.iter()
        .filter_map(|pid| {
            let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
            let mib = |field: &str| -> Option<f64> {
                let kib: u64 = rollup
                    .lines()
                    .find_map(|l| l.strip_prefix(field))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())?;
                Some(kib as f64 / 1024.0)
            };
            let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            Some(Pss {
                process: name.trim().to_owned(),
                total: mib("Pss:")?,
                anonymous: mib("Pss_Anon:").unwrap_or_default(),
            })
        })
        .collect()
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

/// What was measured of one app over its launches.
#[derive(Default)]
struct Samples {
    paint: Vec<f64>,
    ready: Vec<f64>,
    memory: Vec<f64>,
    /// The last launch's processes, to say where the memory is.
    split: Vec<Pss>,
    steps: Steps,
}

impl Samples {
    /// Records a launch, and the memory of `pids` once at rest.
    fn add(&mut self, launch: Launch, pids: &[u32]) {
        for (name, ms) in launch.steps {
            match self.steps.iter_mut().find(|(step, _)| *step == name) {
                Some((_, samples)) => samples.push(ms),
                None => self.steps.push((name, vec![ms])),
            }
        }
        self.paint.extend(launch.paint);
        self.ready.push(launch.interactive);
        self.split = pss_by_process(pids);
        self.memory.push(self.split.iter().map(|p| p.total).sum());
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

/// The empty app's environment when it draws the way Consentry does (see src-tauri's
/// `rendering` module: no accelerated compositing).
const DRAWN_AS_CONSENTRY: &[(&str, &str)] = &[("WEBKIT_DISABLE_COMPOSITING_MODE", "1")];

/// Launch and memory: Consentry on a 1,000,000-event wallet (`CONSENTRY_BENCH_EVENTS`) ÷ the
/// empty app, as it ships and drawing the way Consentry draws, five launches each,
/// alternating; then purchase → receipt in the open window over 25 purchases on the embedded
/// demo platform. Prints medians, ratios, p50/p95 and MiB.
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

    // The empty app as it ships, the empty app drawn as Consentry draws, Consentry.
    let mut shipped = Samples::default();
    let mut drawn_alike = Samples::default();
    let mut consentry = Samples::default();
    let rest = Duration::from_secs(3);
    for _ in 0..ROUNDS {
        // The empty app: launched, drawn, left alone, measured.
        for (env, samples) in [
            (&[][..], &mut shipped),
            (DRAWN_AS_CONSENTRY, &mut drawn_alike),
        ] {
            let app = RunningApp::start_binary(&empty, env).await;
            let drawn = launch(&app).await;
            tokio::time::sleep(rest).await;
            samples.add(drawn, &app.process_tree());
            app.stop().await;
        }

        // Consentry: the unlock screen of the big wallet, then unlocked, at rest on Cards.
        let source = template.path().join("wallet");
        let app = RunningApp::start_prepared(&[("CONSENTRY_DEMO_EVERY", "0")], |dir| async move {
            copy_dir(&source, &dir);
        })
        .await;
        let drawn = launch(&app).await;
        app.wait_text("h1", "Unlock your wallet").await;
        app.type_into("#unlock-secret", consentry_testkit::PASSPHRASE)
            .await;
        app.click_button("Unlock").await;
        app.wait_text("h1", "Cards").await;
        tokio::time::sleep(rest).await;
        consentry.add(drawn, &app.process_tree());
        app.stop().await;
    }
    println!("felt speed: Consentry with {stored} events ÷ an empty Tauri 2 app, median of {ROUNDS} launches each");
    println!("  (÷ the empty app as it ships; in brackets ÷ the empty app drawn as Consentry draws, without accelerated compositing)");
    let ratios = |of: fn(&Samples) -> &Vec<f64>, what: &str, unit: &str, target: &str| {
        if [&shipped, &drawn_alike, &consentry]
            .iter()
            .any(|s| of(s).len() != ROUNDS)
        {
            println!("  {what:<30} (WebKit gave no sample in some launches)");
            return;
        }
        let ours = median(of(&consentry).clone());
        let base = median(of(&shipped).clone());
        let alike = median(of(&drawn_alike).clone());
        println!(
            "  {what:<30} {ours:7.1} {unit} ÷ {base:7.1} {unit} = {:.2} ({target}) [÷ {alike:.1} {unit} = {:.2}]",
            ours / base,
            ours / alike
        );
    };
    ratios(|s| &s.paint, "launch → first paint", "ms", "target ≤ 1.3");
    ratios(
        |s| &s.ready,
        "launch → first usable screen",
        "ms",
        "target ≤ 1.3",
    );
    let apps = [
        ("empty app", &shipped),
        ("empty app drawn alike", &drawn_alike),
        ("Consentry", &consentry),
    ];
    for (name, samples) in apps {
        let way: Vec<String> = samples
            .steps
            .iter()
            .map(|(step, samples)| format!("{step} {:.0}", median(samples.clone())))
            .collect();
        println!(
            "    {name}'s way there (ms after start): {}",
            way.join(" → ")
        );
    }
    ratios(
        |s| &s.memory,
        "PSS at rest, every process",
        "MiB",
        "target ≤ 1.2; unlocked on Cards vs the empty window",
    );
    for (name, samples) in apps {
        let parts: Vec<String> = samples
            .split
            .iter()
            .map(|p| {
                format!(
                    "{} {:.1} (anonymous {:.1})",
                    p.process, p.total, p.anonymous
                )
            })
            .collect();
        println!("    {name} (last launch): {} MiB", parts.join(", "));
    }
    assert!(
        consentry
            .ready
            .iter()
            .chain(&shipped.ready)
            .all(|ms| *ms > 0.0),
        "every launch reached its first screen"
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
