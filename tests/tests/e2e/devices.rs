//! Two devices of one cardholder: two real app processes, each on its own wallet, and one
//! reference platform on loopback that the test can take away and bring back.

use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use consentry_platform::RunningPlatform;
use consentry_testkit::app::{skip_unless_available, DialogScript, RunningApp};
use fantoccini::Locator;

use super::{link_first_card, shown_credentials};

const SEED: u64 = 77;
const QUIRE: &str = "article[aria-labelledby='app-app_quire']";
const CASHCOVE: &str = "article[aria-labelledby='app-app_cashcove']";

/// Whether the first permission switch in `article` is on, or `None` while it is not shown.
async fn switch_on(app: &RunningApp, article: &str) -> Option<bool> {
    let switch = app
        .client
        .find(Locator::Css(&format!("{article} input[role=switch]")))
        .await
        .ok()?;
    let checked = switch.prop("checked").await.ok()??;
    Some(checked == "true")
}

/// Presses "Sync now" on each app, then checks `done`, for up to 40 s; `what` names the wait.
async fn sync_until<F, Fut>(apps: &[&RunningApp], what: &str, done: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        for app in apps {
            app.click_button("Sync now").await;
        }
        if done().await {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "not within 40 s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Shows Apps & permissions afresh (the screen reads grants and conflicts when it opens).
async fn open_consents(app: &RunningApp) {
    app.click("nav a[data-route='cards']").await;
    app.click("nav a[data-route='consents']").await;
    app.wait_text("h1", "Apps & permissions").await;
}

/// The conflicts the Apps screen lists now.
async fn conflicts(app: &RunningApp) -> Vec<String> {
    open_consents(app).await;
    app.texts("[data-testid=conflicts] li").await
}

/// With `CONSENTRY_SCREENSHOTS` set (`make screenshots`), saves the window as `name` there,
/// scrolled to `css`.
async fn screenshot(app: &RunningApp, name: &str, css: &str) {
    let Some(out) = std::env::var_os("CONSENTRY_SCREENSHOTS") else {
        return;
    };
    app.client
        .execute(
            "document.querySelector(arguments[0])?.closest('section')?.scrollIntoView({block: 'start'})",
            vec![css.into()],
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let png = app.client.screenshot().await.unwrap();
    std::fs::write(Path::new(&out).join(name), png).unwrap();
}

/// The platform again, on the same address with the same data, after it was shut down.
async fn bring_back(dir: &Path, addr: SocketAddr) -> RunningPlatform {
    // The port was just released; the first bind may race the old listener's close.
    for _ in 0..20 {
        if std::net::TcpListener::bind(addr).is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    consentry_testkit::platform::seeded_at(SEED, dir, addr).await
}

#[tokio::test(flavor = "multi_thread")]
async fn two_apps_share_cards_and_grants_and_the_losing_change_of_a_conflict_stays_listed() {
    if skip_unless_available() {
        return;
    }
    let platform_dir = tempfile::tempdir().unwrap();
    let platform = consentry_testkit::platform::seeded(SEED, Some(platform_dir.path())).await;
    let (addr, url) = (platform.addr(), platform.base_url());

    // The laptop: a wallet with a card, then an invitation for another device.
    let dialogs = DialogScript::new(true);
    let laptop = RunningApp::start_with(&[
        ("CONSENTRY_PLATFORM_URL", &url),
        ("CONSENTRY_TEST_DIALOGS", dialogs.path()),
    ])
    .await;
    link_first_card(&laptop).await;
    laptop.wait_text("h1", "Cards").await;
    let (_, cardholder, secret) = shown_credentials(&laptop).await;
    let laptop_name = laptop.text("[data-testid=platform-device]").await;
    laptop.click("[data-testid=pairing-start]").await;
    let code = laptop.text("[data-testid=pairing-code]").await;

    // The desktop: a second app process on its own wallet joins the same cardholder with
    // the laptop's credentials and pairing code, through its Settings.
    let desktop = laptop
        .start_beside(&[("CONSENTRY_PLATFORM_URL", &url)])
        .await;
    desktop.create_keyring_wallet().await;
    desktop.click("nav a[data-route='settings']").await;
    desktop.click_button("Connect to another platform").await;
    desktop.type_into("#platform-url", &url).await;
    desktop.type_into("#platform-device", "desktop").await;
    desktop
        .click("form.connect label.check input[type=checkbox]")
        .await;
    desktop.type_into("#platform-cardholder", &cardholder).await;
    desktop.type_into("#platform-secret", &secret).await;
    desktop.type_into("#platform-pairing", &code).await;
    desktop.click_button("Connect").await;
    desktop
        .wait_until(
            "[data-testid=platform-cardholder]",
            Duration::from_secs(20),
            |t| t == [cardholder.clone()],
        )
        .await;
    // The laptop vouches for it at its next pass; then the desktop may change consent.
    sync_until(&[&laptop, &desktop], "the desktop is paired", || async {
        desktop
            .texts("[data-testid=platform-not-paired]")
            .await
            .is_empty()
            && !desktop
                .texts("[data-testid=platform-device]")
                .await
                .is_empty()
    })
    .await;

    // The laptop's card is on the desktop, under the same token (one card, one token).
    desktop.click("nav a[data-route='cards']").await;
    desktop
        .wait_texts(
            "ul.cards li.card",
            Duration::from_secs(30),
            |rows| rows.len() == 1 && rows[0].contains("4242"),
            || async {
                desktop.click_button("Sync now").await;
                desktop.click("nav a[data-route='settings']").await;
                desktop.click("nav a[data-route='cards']").await;
            },
        )
        .await;

    // A grant made on the desktop reaches the laptop.
    open_consents(&desktop).await;
    desktop.click(&format!("{QUIRE} input[role=switch]")).await;
    super::wait_synced(&desktop, QUIRE).await;
    sync_until(
        &[&laptop],
        "the laptop shows the desktop's grant",
        || async {
            open_consents(&laptop).await;
            switch_on(&laptop, QUIRE).await == Some(true)
        },
    )
    .await;

    // Both offline: each grants cashback to the same app on the same card, with another
    // trigger. The laptop reaches the platform first; the desktop's change is set aside.
    platform.shutdown().await.unwrap();
    open_consents(&laptop).await;
    laptop
        .click(&format!("{CASHCOVE} input[role=switch]"))
        .await;
    open_consents(&desktop).await;
    desktop
        .click("#grant-trigger option[value='settlement']")
        .await;
    desktop
        .click(&format!("{CASHCOVE} input[role=switch]"))
        .await;
    let platform = bring_back(platform_dir.path(), addr).await;
    // Whichever reaches the platform first wins (both retry on their own as well); the other's
    // change is set aside and listed there, naming the winner.
    sync_until(
        &[&laptop, &desktop],
        "one of them lists a conflict",
        || async { conflicts(&laptop).await.len() + conflicts(&desktop).await.len() == 1 },
    )
    .await;
    let ((loser, loser_name), (winner, winner_name)) = if conflicts(&desktop).await.is_empty() {
        ((laptop, laptop_name), (desktop, "desktop".to_owned()))
    } else {
        ((desktop, "desktop".to_owned()), (laptop, laptop_name))
    };
    let listed = conflicts(&loser).await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(listed[0].contains("Cashcove"), "{listed:?}");
    // It says which device's change won, by name.
    assert!(
        listed[0].contains(&format!("made on {winner_name} came first")),
        "{listed:?}"
    );
    assert!(conflicts(&winner).await.is_empty(), "the winner has none");
    // Both show the grant that won.
    assert_eq!(switch_on(&loser, CASHCOVE).await, Some(true));
    assert_eq!(switch_on(&winner, CASHCOVE).await, Some(true));
    screenshot(&loser, "conflicts-en.png", "[data-testid=conflicts]").await;
    // Both devices are listed, by name.
    loser.click("nav a[data-route='settings']").await;
    loser
        .wait_texts(
            "[data-testid=devices] li",
            Duration::from_secs(20),
            |rows| {
                rows.len() == 2
                    && rows.iter().any(|r| r.contains(&winner_name))
                    && rows.iter().any(|r| r.contains(&loser_name))
            },
            || async {
                loser.click("nav a[data-route='cards']").await;
                loser.click("nav a[data-route='settings']").await;
            },
        )
        .await;
    screenshot(&loser, "devices-en.png", "[data-testid=devices]").await;

    // The conflict is in the loser's wallet, not in its memory: it is there after a restart.
    let loser = loser.restart().await;
    loser.wait_text("h1", "Unlock your wallet").await;
    loser.click_button("Unlock with the system keyring").await;
    loser.wait_text("h1", "Cards").await;
    let again = conflicts(&loser).await;
    assert_eq!(again, listed);

    loser.stop().await;
    winner.stop().await;
    platform.shutdown().await.unwrap();
}
