//! A permission's settings in the real window: from an app's card to the app's page, then to
//! the permission's page, where the cardholder changes its channels and minimum; the change is
//! saved, is one new entry in the consent history, and reaches the demo platform.

use std::time::{Duration, Instant};

use consentry_testkit::app::{skip_unless_available, RunningApp};

use super::{demo_app_with_a_card, sqlite_one, wait_synced};

const QUIRE: &str = "article[aria-labelledby='app-app_quire']";
const RECEIPTS: &str = "[data-testid=app-permissions] li[data-scope=receipts]";

/// The receipts grant of Quire on the embedded demo platform: `minimum|channels`, read from its
/// own database with the `sqlite3` tool (`None` before the platform has it).
fn platform_receipts_grant(data_dir: &std::path::Path) -> Option<String> {
    let text = sqlite_one(
        data_dir,
        "SELECT coalesce(json_extract(grant_json, '$.min_purchase.minor'), '-') || ' ' \
         || coalesce(json_extract(grant_json, '$.min_purchase.currency'), '-') || '|' \
         || json_extract(grant_json, '$.channels') \
         FROM grants WHERE app_id = 'app_quire' \
         AND json_extract(grant_json, '$.scope') = 'receipts'",
    );
    (!text.is_empty()).then_some(text)
}

/// The `data-action` and `data-change` of every consent history entry shown, newest first.
async fn history(app: &RunningApp) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for li in app
        .client
        .find_all(fantoccini::Locator::Css("li[data-action]"))
        .await
        .unwrap()
    {
        let action = li.attr("data-action").await.unwrap().unwrap_or_default();
        let change = li.attr("data-change").await.unwrap().unwrap_or_default();
        out.push((action, change));
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cardholder_changes_a_permissions_minimum_and_channels_on_its_page() {
    if skip_unless_available() {
        return;
    }
    let app = demo_app_with_a_card().await;
    app.click("nav a[data-route='consents']").await;
    app.wait_text("h1", "Apps & permissions").await;
    app.click(&format!("{QUIRE} input[role=switch]")).await;
    wait_synced(&app, QUIRE).await;
    let name = app.text(&format!("{QUIRE} h2")).await;

    // The app's page: what it may do, with the permission's settings.
    app.click(&format!("{QUIRE} [data-testid=open-app]")).await;
    app.wait_text("h1", &name).await;
    let permission = app.text(RECEIPTS).await;
    assert!(permission.contains("Granted"), "{permission}");
    assert!(permission.contains("no minimum"), "{permission}");
    app.click(&format!("{RECEIPTS} a")).await;

    // The permission's page: change its channels and minimum, and save.
    app.wait_text("h1", "Receipts on •••• 4242").await;
    assert_eq!(history(&app).await, [("grant".into(), String::new())]);
    let card_channel = "[data-testid=grant-edit] fieldset label:first-of-type input";
    app.click(card_channel).await;
    app.type_into("#grant-detail-minimum", "5.00").await;
    app.click("[data-testid=grant-save]").await;
    let notice = app.text("[data-testid=grant-notice]").await;
    assert!(notice.starts_with("Saved:"), "{notice}");
    app.wait_text(
        "[data-testid=grant-state] [data-testid=grant-settings]",
        "Contactless, Voice, Online · In real time (authorization) · from €5.00",
    )
    .await;

    // One new entry in the consent history: a change of settings, naming what changed.
    app.wait_until("li[data-action]", Duration::from_secs(10), |entries| {
        entries.len() == 2
    })
    .await;
    assert_eq!(
        history(&app).await,
        [
            ("grant".into(), "settings".into()),
            ("grant".into(), String::new())
        ]
    );
    let changed = app
        .text("li[data-change=settings] [data-testid=ledger-settings]")
        .await;
    assert_eq!(
        changed,
        "Channels: Contactless, Voice, Online · Minimum: from €5.00"
    );

    // The change reaches the platform, which now holds the new minimum and channels.
    wait_synced(&app, "[data-testid=grant-state]").await;
    let start = Instant::now();
    loop {
        let held = platform_receipts_grant(&app.data_dir);
        if held.as_deref() == Some(r#"500 EUR|["nfc","voice","online"]"#) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the platform holds {held:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Back on the app's page, the permission shows what was saved.
    app.click("nav[aria-label=Breadcrumb] a:last-of-type").await;
    app.wait_text("h1", &name).await;
    app.wait_until(
        &format!("{RECEIPTS} [data-testid=permission-settings]"),
        Duration::from_secs(10),
        |t| t == ["Contactless, Voice, Online · In real time (authorization) · from €5.00"],
    )
    .await;
    app.stop().await;
}
