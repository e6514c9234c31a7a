//! End-to-end: the real debug app under Xvfb, driven over WebDriver.

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
    let app = RunningApp::start().await;
    app.create_keyring_wallet().await;
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
