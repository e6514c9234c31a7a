//! Activity by purchase in the real window: a purchase on the demo platform is one row; opened,
//! it lists what the apps did with it, and its receipt opens in full; searching the merchant or
//! a line of the receipt finds that row.

use std::time::{Duration, Instant};

use consentry_testkit::app::{skip_unless_available, RunningApp};

use super::{demo_app_with_a_card, pay_once, revisit_activity, wait_synced};

/// Each Activity row (newest first, as far as the list draws them) with the kinds of the events
/// drawn under it: the events of an opened purchase; none for a closed one or an event of its
/// own. Read from the page, where a long line clipped on screen still has its text.
pub(crate) async fn rows_and_events(app: &RunningApp) -> Vec<(String, Vec<String>)> {
    let value = app
        .client
        .execute(
            "const out = []; \
             for (const line of document.querySelectorAll('[data-testid=activity-list] [role=listitem]')) { \
               const text = line.textContent.replace(/\\s+/g, ' ').trim(); \
               if (line.dataset.testid === 'activity-row') out.push([text, []]); \
               else if (out.length > 0) out[out.length - 1][1].push(line.querySelector('.kind').textContent.trim()); \
             } \
             return out;",
            vec![],
        )
        .await
        .expect("read the rows");
    serde_json::from_value(value).unwrap_or_default()
}

/// Opens every purchase the list draws that is closed (clicking its button, as a person would).
pub(crate) async fn open_purchases(app: &RunningApp) {
    for button in app
        .client
        .find_all(fantoccini::Locator::Css(
            "[data-testid=activity-row] [data-testid=activity-expand][aria-expanded=false]",
        ))
        .await
        .unwrap_or_default()
    {
        let _ = button.click().await;
    }
}

/// The text `script` returns in the window (empty when it returns no string).
async fn script_text(app: &RunningApp, script: &str) -> String {
    let value = app.client.execute(script, vec![]).await.unwrap();
    value.as_str().unwrap_or_default().to_owned()
}

/// Waits up to 30 s, revisiting Activity, for its rows (every purchase opened) to satisfy
/// `check`; returns what it saw last.
pub(crate) async fn wait_rows(
    app: &RunningApp,
    check: impl Fn(&[(String, Vec<String>)]) -> bool,
) -> Vec<(String, Vec<String>)> {
    app.click("nav a[data-route='activity']").await;
    let start = Instant::now();
    loop {
        open_purchases(app).await;
        tokio::time::sleep(Duration::from_millis(150)).await;
        let rows = rows_and_events(app).await;
        if check(&rows) {
            return rows;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "Activity never showed what was expected: {rows:?}"
        );
        revisit_activity(app).await;
        tokio::time::sleep(Duration::from_millis(350)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_purchase_is_one_row_that_opens_on_its_receipt_and_is_found_by_it() {
    if skip_unless_available() {
        return;
    }
    let app = demo_app_with_a_card().await;
    // Receipts for Quire, then one purchase on the demo platform.
    app.click("nav a[data-route='consents']").await;
    app.wait_text("h1", "Apps & permissions").await;
    let quire = "article[aria-labelledby='app-app_quire']";
    app.click(&format!("{quire} input[role=switch]")).await;
    wait_synced(&app, quire).await;
    pay_once(&app).await;

    // One row for the purchase (its authorization and its receipt inside), settled or not;
    // other rows are events of their own (the card linked, the permission given).
    let rows = wait_rows(&app, |rows| {
        let purchases: Vec<_> = rows
            .iter()
            .filter(|r| r.0.starts_with("Purchase"))
            .collect();
        purchases.len() == 1
            && purchases[0].1.iter().any(|k| k == "Receipt")
            && purchases[0].1.iter().any(|k| k == "Purchase")
    })
    .await;
    let purchase = rows.iter().find(|r| r.0.starts_with("Purchase")).unwrap();
    assert!(purchase.0.contains("•••• 4242"), "{rows:?}");
    assert!(
        rows.iter()
            .filter(|r| !r.0.starts_with("Purchase"))
            .all(|r| r.1.is_empty()),
        "only purchases open: {rows:?}"
    );
    let expand = app
        .client
        .find(fantoccini::Locator::Css(
            "[data-testid=activity-row] [data-testid=activity-expand]",
        ))
        .await
        .unwrap();
    assert_eq!(
        expand.attr("aria-expanded").await.unwrap().as_deref(),
        Some("true")
    );

    // The receipt inside opens in full.
    let receipt = app
        .client
        .find(fantoccini::Locator::XPath(
            "//div[@data-testid='activity-member'][.//span[@class and contains(concat(' ', normalize-space(@class), ' '), ' kind ') and normalize-space(.)='Receipt']]//button",
        ))
        .await
        .expect("the receipt inside the purchase");
    receipt.click().await.unwrap();
    app.wait_text("[data-testid=event-detail] h2", "Receipt")
        .await;
    let lines = app.text("[data-testid=receipt-lines]").await;
    assert!(!lines.trim().is_empty());
    let merchant = script_text(
        &app,
        "return document.querySelector('[data-testid=activity-row] .text').textContent.split(':')[0].trim();",
    )
    .await;
    assert!(!merchant.is_empty());
    // The first item of the receipt (the table's first body row, first cell).
    let item = script_text(
        &app,
        "return document.querySelector('[data-testid=receipt-lines] tbody tr td').textContent.trim();",
    )
    .await;
    assert!(!item.is_empty());

    // Searching: nothing for a word nowhere; the merchant, then a line of the receipt, find
    // the purchase's row and nothing else.
    app.type_into("input[type=search]", "zqxwv").await;
    app.wait_until(".empty .title", Duration::from_secs(10), |texts| {
        texts
            .iter()
            .any(|t| t.contains("Nothing matches these filters."))
    })
    .await;
    for typed in [merchant.as_str(), item.as_str()] {
        app.type_into("input[type=search]", typed).await;
        let start = Instant::now();
        loop {
            let rows = rows_and_events(&app).await;
            let purchases = rows.iter().filter(|r| r.0.starts_with("Purchase")).count();
            if purchases == 1 && rows.len() == 1 && rows[0].0.contains(&merchant) {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "searching {typed:?}: {rows:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    app.stop().await;
}

/// Purchases (nine events each, [`consentry_testkit::events::purchase`]) until `events`
/// events, one a minute up to now, over five cards, into a passphrase wallet written in
/// `data_dir` with the store; returns how many events were stored.
pub(crate) async fn fill_wallet(data_dir: std::path::PathBuf, events: u64) -> u64 {
    use consentry_store::{cards, events as stored};
    use consentry_testkit::events::{incoming, purchase};
    let now = chrono::Utc::now();
    let (mut wallet, _) = consentry_testkit::new_wallet(&data_dir, now).await;
    let pool = wallet.pool().unwrap().clone();
    let tokens: Vec<String> = (0..5).map(|i| format!("tok_bench_{i}")).collect();
    for (i, token) in tokens.iter().enumerate() {
        let card = consentry_testkit::visa(token, &format!("424{i}"));
        cards::insert(&pool, &card, now).await.unwrap();
    }
    let purchases = events / 9;
    let start = now - chrono::Duration::minutes(i64::try_from(purchases).unwrap() + 5);
    let mut n = 0;
    while n < purchases {
        let to = (n + 5_000).min(purchases);
        let batch: Vec<_> = (n..to)
            .flat_map(|p| {
                let card = &tokens[usize::try_from(p % 5).unwrap()];
                let at = start + chrono::Duration::minutes(i64::try_from(p).unwrap());
                purchase(p, card, 300 + i64::try_from(p % 4000).unwrap(), at)
            })
            .map(incoming)
            .collect();
        stored::ingest(&pool, &batch, now).await.unwrap();
        n = to;
    }
    let count = stored::count(&pool).await.unwrap();
    wallet.lock().await;
    count
}

/// p50 and p95 of `samples`, in milliseconds.
pub(crate) fn percentiles(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |p: usize| samples[(samples.len() * p / 100).min(samples.len() - 1)];
    (at(50), at(95))
}

/// The window at 1,000,000 events (`CONSENTRY_BENCH_EVENTS` to change it): frame times while
/// the Activity list scrolls (requestAnimationFrame deltas, the list loading keyset pages of
/// purchases as it goes), and search response times (the `activity_list` command from the page,
/// and typed-to-shown in the search box, which waits 250 ms after the last key). Prints p50 and
/// p95; asserts only that the list kept a few dozen lines in the DOM. `make bench` runs it.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "benchmark: fills a 1,000,000-event wallet; run by `make bench`"]
async fn bench_activity_in_the_window_at_a_million_events() {
    if skip_unless_available() {
        return;
    }
    let events: u64 = std::env::var("CONSENTRY_BENCH_EVENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let filled = Instant::now();
    let stored = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = stored.clone();
    let app = RunningApp::start_prepared(&[("CONSENTRY_DEMO_EVERY", "0")], |dir| async move {
        counter.store(
            fill_wallet(dir, events).await,
            std::sync::atomic::Ordering::SeqCst,
        );
    })
    .await;
    let stored = stored.load(std::sync::atomic::Ordering::SeqCst);
    let fill = filled.elapsed();
    app.wait_text("h1", "Unlock your wallet").await;
    app.type_into("#unlock-secret", consentry_testkit::PASSPHRASE)
        .await;
    app.click_button("Unlock").await;
    app.wait_text("h1", "Cards").await;
    let opened = Instant::now();
    app.click("nav a[data-route='activity']").await;
    app.wait_until(
        "[data-testid=activity-row]",
        Duration::from_secs(60),
        |rows| !rows.is_empty(),
    )
    .await;
    let first_rows = opened.elapsed();

    // Scroll: 240 px (almost four purchases) a frame, as a fast wheel would.
    let frames: u64 = std::env::var("CONSENTRY_BENCH_FRAMES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    app.client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(600)),
            None,
            None,
        ))
        .await
        .expect("script timeout");
    // The frame rate of this display with nothing moving: what scrolling is compared with.
    let idle = app
        .client
        .execute_async(
            "const [frames, done] = arguments;
             const deltas = [];
             let last = 0;
             const step = (now) => {
               if (last) deltas.push(now - last);
               last = now;
               if (deltas.length < frames) requestAnimationFrame(step); else done(deltas);
             };
             requestAnimationFrame(step);",
            vec![serde_json::json!(60)],
        )
        .await
        .expect("idle frames");
    let (idle50, idle95) = percentiles(serde_json::from_value(idle).unwrap());
    let value = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const list = document.querySelector('[data-testid=activity-list]');
             const deltas = [];
             const FRAMES = arguments[0];
             let last = 0, frames = 0;
             const step = (now) => {
               if (last) deltas.push(now - last);
               last = now;
               list.scrollTop += 240;
               if (++frames < FRAMES) requestAnimationFrame(step);
               else done({ deltas, lines: list.querySelectorAll('[role=listitem]').length,
                           deepest: Number(list.querySelector('[role=listitem]:last-child')?.getAttribute('aria-posinset') ?? 0) });
             };
             requestAnimationFrame(step);",
            vec![serde_json::json!(frames)],
        )
        .await
        .expect("scroll the list");
    // The same scroll on a plain block of text laid over the list (no virtual list, no app
    // code): what this display costs to scroll at all.
    let plain = app
        .client
        .execute_async(
            "const [frames, done] = arguments;
             const box = document.querySelector('[data-testid=activity-list]').getBoundingClientRect();
             const block = document.createElement('div');
             Object.assign(block.style, { position: 'fixed', left: box.left + 'px', top: box.top + 'px',
               width: box.width + 'px', height: box.height + 'px', overflowY: 'auto', background: 'white', zIndex: 10 });
             for (let i = 0; i < 3000; i++) {
               const line = document.createElement('p');
               line.style.margin = '0';
               line.style.height = '64px';
               line.textContent = `Purchase ${i} · Corner Café: €4.50 · settled · Dec 3, 2026 · •••• 4242 · 6 events`;
               block.append(line);
             }
             document.body.append(block);
             const deltas = [];
             let last = 0;
             const step = (now) => {
               if (last) deltas.push(now - last);
               last = now;
               block.scrollTop += 240;
               if (deltas.length < frames) requestAnimationFrame(step);
               else { block.remove(); done(deltas); }
             };
             requestAnimationFrame(step);",
            vec![serde_json::json!(frames.min(300))],
        )
        .await
        .expect("scroll a plain block");
    let (plain50, plain95) = percentiles(serde_json::from_value(plain).unwrap());
    let deltas: Vec<f64> = serde_json::from_value(value["deltas"].clone()).unwrap();
    let lines = value["lines"].as_u64().unwrap_or_default();
    let deepest = value["deepest"].as_u64().unwrap_or_default();
    assert!(lines < 60, "{lines} lines in the DOM");
    let (frame50, frame95) = percentiles(deltas.clone());
    let slow = deltas.iter().filter(|d| **d > 33.4).count();

    // Search: the command from the page, five words, ten times each.
    let words = ["blue bottle", "noteb", "oat latte", "mastodon", "zqxwv"];
    let mut ipc = Vec::new();
    for round in 0..10 {
        for word in words {
            let value = app
                .client
                .execute_async(
                    "const [search, done] = arguments;
                     const started = performance.now();
                     window.__TAURI_INTERNALS__.invoke('activity_list', { request: {
                         cardToken: null, appId: null, kinds: [], from: null, until: null,
                         violationsOnly: false, search, cursor: null, newerThan: null, limit: 50 } })
                       .then((page) => done({ ms: performance.now() - started, rows: page.items.length }),
                             (err) => done({ err }));",
                    vec![serde_json::json!(word)],
                )
                .await
                .expect("search from the page");
            assert!(value["err"].is_null(), "{value}");
            if round > 0 {
                ipc.push(value["ms"].as_f64().unwrap_or_default());
            }
        }
    }
    let (ipc50, ipc95) = percentiles(ipc);

    // Typed to shown: the search box, then the first row showing a match.
    let mut shown = Vec::new();
    for (round, word) in ["Sushi", "Pharmacy", "Hardware", "Cinema", "Bakery"]
        .iter()
        .cycle()
        .take(10)
        .enumerate()
    {
        let value = app
            .client
            .execute_async(
                "const [word, done] = arguments;
                 const input = document.querySelector('input[type=search]');
                 const started = performance.now();
                 input.value = word;
                 input.dispatchEvent(new Event('input', { bubbles: true }));
                 const look = () => {
                   const row = document.querySelector('[data-testid=activity-row] .text');
                   if (row && row.textContent.includes(word)) done(performance.now() - started);
                   else if (performance.now() - started > 20000) done(-1);
                   else requestAnimationFrame(look);
                 };
                 requestAnimationFrame(look);",
                vec![serde_json::json!(word)],
            )
            .await
            .expect("type a search");
        let ms = value.as_f64().unwrap_or(-1.0);
        assert!(ms >= 0.0, "{word}: no row shown");
        if round > 0 {
            shown.push(ms);
        }
    }
    let (shown50, shown95) = percentiles(shown);
    println!(
        "Activity in the window, {stored} events (purchases of nine, written in {} s with the store):\n  \
         first rows {:.0} ms after opening the screen\n  \
         frames with nothing moving: p50 {idle50:.1} ms, p95 {idle95:.1} ms\n  \
         scrolling {frames} frames at 240 px a frame: frame p50 {frame50:.1} ms, p95 {frame95:.1} ms, {slow} frames over 33 ms; reached line {deepest}; {lines} lines in the DOM\n  \
         the same scroll over a plain block of text the list's size: frame p50 {plain50:.1} ms, p95 {plain95:.1} ms\n  \
         search (activity_list from the page, 50 rows): p50 {ipc50:.1} ms, p95 {ipc95:.1} ms\n  \
         typed to shown (includes the 250 ms the box waits after typing): p50 {shown50:.0} ms, p95 {shown95:.0} ms",
        fill.as_secs(),
        first_rows.as_secs_f64() * 1000.0,
    );
    app.stop().await;
}
