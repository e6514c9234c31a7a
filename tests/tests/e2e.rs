//! End-to-end: the real debug app under Xvfb, driven over WebDriver.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use consentry_tests::app::{app_binary, skip_unless_available, RunningApp};

const SCREENS: [(&str, &str, &str); 6] = [
    ("cards", "Cards", "Cartes"),
    (
        "consents",
        "Apps & permissions",
        "Applications et autorisations",
    ),
    ("activity", "Activity", "Activité"),
    ("rewards", "Rewards", "Récompenses"),
    ("export", "Export", "Exporter"),
    ("settings", "Settings", "Réglages"),
];

#[tokio::test(flavor = "multi_thread")]
async fn shell_visits_every_screen_switches_language_and_reads_app_info() {
    if skip_unless_available() {
        return;
    }
    let app = RunningApp::start().await;

    assert_eq!(app.client.title().await.unwrap(), "Consentry");
    app.create_keyring_wallet().await;

    for (route, english, _) in SCREENS {
        app.click(&format!("nav a[data-route='{route}']")).await;
        app.wait_text("h1", english).await;
    }

    // Settings is the last screen visited: switch to French, check every label, and back.
    app.click("#language option[value='fr']").await;
    app.wait_text("h1", "Réglages").await;
    for (route, _, french) in SCREENS {
        assert_eq!(
            app.text(&format!("nav a[data-route='{route}']")).await,
            french
        );
    }
    app.click("#language option[value='en']").await;
    app.wait_text("h1", "Settings").await;

    // The version comes through the real app_info command.
    app.wait_text("[data-testid=app-version]", env!("CARGO_PKG_VERSION"))
        .await;
    let data_dir = app.text("[data-testid=data-dir]").await;
    assert_eq!(data_dir, app.data_dir.display().to_string());
    assert_eq!(app.text("[data-testid=build-profile]").await, "debug");

    // A second launch hands over to the running app and exits.
    let started = Instant::now();
    let mut second = Command::new(app_binary())
        .env("CONSENTRY_DATA_DIR", &app.data_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = second.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(15) {
            let _ = second.kill();
            panic!("the second instance did not exit: single-instance is not working");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "second instance exited with {status}");
    assert_eq!(
        app.client.title().await.unwrap(),
        "Consentry",
        "first instance still alive"
    );

    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_window_remembers_its_size_across_launches() {
    if skip_unless_available() {
        return;
    }
    let app = RunningApp::start().await;
    app.wait_text("h1", "Create your wallet").await;
    app.client.set_window_size(900, 640).await.unwrap();
    let (w, h) = app.client.get_window_size().await.unwrap();
    assert_eq!((w, h), (900, 640), "the window did not resize");
    // Saved shortly after the change, before any exit.
    let state = app.data_dir.join("window-state.json");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while !std::fs::read_to_string(&state).is_ok_and(|s| s.contains("900")) {
        assert!(
            std::time::Instant::now() < deadline,
            "window-state.json not written"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let app = app.restart().await;
    app.wait_text("h1", "Create your wallet").await;
    let (w, h) = app.client.get_window_size().await.unwrap();
    assert_eq!(
        (w, h),
        (900, 640),
        "size not restored from window-state.json"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_wallet_locks_and_unlocks_with_the_real_keyring_across_restarts() {
    if skip_unless_available() {
        return;
    }
    let app = RunningApp::start().await;
    app.create_keyring_wallet().await;
    let db = app.data_dir.join("wallet.db");
    let header = std::fs::read(&db).unwrap();
    assert_ne!(
        &header[..16],
        b"SQLite format 3\0",
        "the wallet file must be encrypted"
    );

    app.click("nav a[data-route='settings']").await;
    app.wait_text("[data-testid=wallet-state]", "unlocked")
        .await;
    app.click_button("Lock now").await;
    app.wait_text("h1", "Unlock your wallet").await;
    app.click_button("Unlock with the system keyring").await;
    app.wait_text("h1", "Settings").await;

    // A new process starts locked and opens with the key from gnome-keyring.
    let app = app.restart().await;
    app.wait_text("h1", "Unlock your wallet").await;
    app.click_button("Unlock with the system keyring").await;
    app.wait_text("h1", "Cards").await;
    app.stop().await;
}

/// `make screenshots`: every screen of the real app in English and French, into
/// `CONSENTRY_SCREENSHOTS` (docs/screens by default). Ignored in the normal run.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "writes the README's screenshots; run with `make screenshots`"]
async fn screenshots_of_every_screen_in_both_languages() {
    if skip_unless_available() {
        return;
    }
    let out = std::env::var_os("CONSENTRY_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screens")
        });
    std::fs::create_dir_all(&out).unwrap();
    let app = RunningApp::start_with(&[("CONSENTRY_DEMO_EVERY", "0")]).await;
    // A lived-in wallet: the demo card, three apps allowed, a few purchases.
    app.create_keyring_wallet_to_first_card().await;
    app.type_into("#first-card-number", "4242424242424242")
        .await;
    app.click("#first-card-month option[value='12']").await;
    let year = (chrono_year() + 3).to_string();
    app.click(&format!("#first-card-year option[value='{year}']"))
        .await;
    app.click_button("Link this card").await;
    app.text("[data-testid=first-card-done]").await;
    app.click_button("Continue").await;
    app.click("nav a[data-route='consents']").await;
    for app_id in ["app_quire", "app_cashcove", "app_beanstamp"] {
        app.click(&format!(
            "article[aria-labelledby='app-{app_id}'] input[role=switch]"
        ))
        .await;
    }
    app.click("nav a[data-route='cards']").await;
    app.click_button("Simulate a purchase").await;
    for _ in 0..3 {
        app.click_button("Pay").await;
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    wait_activity(&app, |kinds| kinds.iter().any(|k| k == "Receipt")).await;
    for (locale, index) in [("en", 1), ("fr", 2)] {
        if locale == "fr" {
            app.click("nav a[data-route='settings']").await;
            app.click("#language option[value='fr']").await;
            app.wait_text("h1", "Réglages").await;
        }
        for screen in SCREENS {
            app.click(&format!("nav a[data-route='{}']", screen.0))
                .await;
            let title = if index == 1 { screen.1 } else { screen.2 };
            app.wait_text("h1", title).await;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let png = app.client.screenshot().await.unwrap();
            assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
            std::fs::write(out.join(format!("{}-{locale}.png", screen.0)), png).unwrap();
        }
    }
    app.stop().await;
}

/// The grants on the embedded demo platform's own database (plain SQLite, read with the
/// `sqlite3` tool): `(app_id, status)` per grant.
fn platform_grants(data_dir: &std::path::Path) -> Vec<(String, String)> {
    let db = data_dir.join("demo-platform/platform.sqlite3");
    let out = Command::new("sqlite3")
        .arg("-readonly")
        .arg(&db)
        .arg("SELECT app_id || '|' || status FROM grants ORDER BY app_id")
        .output()
        .expect("sqlite3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once('|'))
        .map(|(a, s)| (a.to_owned(), s.to_owned()))
        .collect()
}

/// Waits up to 20 s for the demo platform to hold exactly `expected` grants.
async fn wait_platform_grants(data_dir: &std::path::Path, expected: &[(&str, &str)]) {
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, s)| ((*a).to_owned(), (*s).to_owned()))
        .collect();
    let start = Instant::now();
    loop {
        let now = platform_grants(data_dir);
        if now == expected {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the platform holds {now:?}, expected {expected:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The kind labels of the Activity list's rows (the list is virtualised; a new wallet's
/// feed fits on screen).
async fn activity_kinds(app: &RunningApp) -> Vec<String> {
    app.texts("[data-testid=activity-list] [role=option] .kind")
        .await
}

/// Waits up to 30 s for the Activity list's kinds to satisfy `check`, revisiting the screen.
async fn wait_activity(app: &RunningApp, check: impl Fn(&[String]) -> bool) {
    app.click("nav a[data-route='activity']").await;
    app.wait_texts(
        "[data-testid=activity-list] [role=option] .kind",
        Duration::from_secs(30),
        check,
        || revisit_activity(app),
    )
    .await;
}

/// Waits until the app's card (`article` selector) says its grant reached the platform.
async fn wait_synced(app: &RunningApp, article: &str) {
    app.wait_texts(
        &format!("{article} [data-testid=grant-sync] .badge"),
        Duration::from_secs(20),
        |t| t == ["Synced"],
        || async {},
    )
    .await;
}

/// Pays once with the card on the Cards screen (the demo platform's simulator).
async fn pay_once(app: &RunningApp) {
    app.click("nav a[data-route='cards']").await;
    app.click_button("Simulate a purchase").await;
    app.click_button("Pay").await;
    app.text("[data-testid=simulate-result]").await;
}

async fn revisit_activity(app: &RunningApp) {
    app.click("nav a[data-route='cards']").await;
    app.click("nav a[data-route='activity']").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn link_grant_purchase_receipt_revoke_and_unlink_through_the_demo_platform() {
    if skip_unless_available() {
        return;
    }
    // The embedded demo platform, with its background simulator off: purchases happen only
    // when the test asks.
    let app = RunningApp::start_with(&[("CONSENTRY_DEMO_EVERY", "0")]).await;
    app.create_keyring_wallet_to_first_card().await;

    // A mistyped number: an inline error, and nothing is linked.
    app.type_into("#first-card-number", "4242424242424241")
        .await;
    let error = app.text("[data-testid=link-number-error]").await;
    assert!(error.contains("mistyped"), "{error}");
    app.click("#first-card-month option[value='12']").await;
    let year = (chrono_year() + 3).to_string();
    app.click(&format!("#first-card-year option[value='{year}']"))
        .await;
    app.click_button("Link this card").await;
    assert!(app.texts("[data-testid=first-card-done]").await.is_empty());

    // The test card links through the platform; only •••• 4242 comes back.
    app.click_button("Use the test card").await;
    app.click_button("Link this card").await;
    let done = app.text("[data-testid=first-card-done]").await;
    assert!(done.contains("•••• 4242"), "{done}");
    app.click_button("Continue").await;
    app.wait_text("h1", "Cards").await;

    // Grant receipts to the receipts app; the change reaches the platform.
    app.click("nav a[data-route='consents']").await;
    app.wait_text("h1", "Apps & permissions").await;
    let quire = "article[aria-labelledby='app-app_quire']";
    app.click(&format!("{quire} input[role=switch]")).await;
    wait_synced(&app, quire).await;
    wait_platform_grants(&app.data_dir, &[("app_quire", "active")]).await;

    // A purchase: the receipt appears in Activity.
    pay_once(&app).await;
    wait_activity(&app, |kinds| kinds.iter().any(|k| k == "Receipt")).await;

    // Revoke (one click, like granting): the next purchase yields no receipt.
    app.click("nav a[data-route='consents']").await;
    app.click(&format!("{quire} input[role=switch]")).await;
    wait_platform_grants(&app.data_dir, &[("app_quire", "revoked")]).await;
    wait_synced(&app, quire).await;
    let before = activity_kinds(&app).await;
    let purchases_before = before.iter().filter(|k| *k == "Purchase").count();
    pay_once(&app).await;
    // Wait for the second purchase itself (and its settlement) to arrive, then count.
    wait_activity(&app, |kinds| {
        kinds.iter().filter(|k| *k == "Purchase").count() > purchases_before.max(1)
            && kinds.iter().filter(|k| *k == "Purchase settled").count() >= 2
    })
    .await;
    let kinds = activity_kinds(&app).await;
    assert_eq!(
        kinds.iter().filter(|k| *k == "Receipt").count(),
        1,
        "no receipt after revoking: {kinds:?}"
    );

    // The consent history shows both entries.
    app.click("nav a[data-route='consents']").await;
    app.wait_texts(
        "li[data-action]",
        Duration::from_secs(10),
        |entries| entries.len() >= 2,
        || async {},
    )
    .await;
    let actions: Vec<String> = {
        let mut out = Vec::new();
        for el in app
            .client
            .find_all(fantoccini::Locator::Css("li[data-action]"))
            .await
            .unwrap()
        {
            out.push(el.attr("data-action").await.unwrap().unwrap_or_default());
        }
        out
    };
    assert!(actions.contains(&"grant".to_owned()), "{actions:?}");
    assert!(actions.contains(&"revoke".to_owned()), "{actions:?}");

    // Grant again, then unlink the card: the platform ends with no active grant.
    app.click(&format!("{quire} input[role=switch]")).await;
    wait_platform_grants(&app.data_dir, &[("app_quire", "active")]).await;
    app.click("nav a[data-route='cards']").await;
    app.click_button("Unlink").await;
    app.click_button("Unlink the card").await;
    app.wait_texts(
        "ul.cards li.card",
        Duration::from_secs(20),
        |rows| rows.is_empty(),
        || async {},
    )
    .await;
    wait_platform_grants(&app.data_dir, &[("app_quire", "revoked")]).await;
    app.stop().await;
}

fn chrono_year() -> i32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // Good enough for choosing a future expiry year.
    1970 + i32::try_from(secs / 31_556_952).unwrap()
}
