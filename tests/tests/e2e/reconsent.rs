//! Re-consent in the real window, through the demo controls: an app publishes new terms on the
//! embedded platform, the permission waits, the cardholder reads the change word by word and
//! accepts it, and the app's card shows the new version.

use std::time::{Duration, Instant};

use consentry_testkit::app::{skip_unless_available, RunningApp};
use fantoccini::Locator;

use super::{demo_app_with_a_card, wait_synced};

const QUIRE: &str = "article[aria-labelledby='app-app_quire']";

/// The terms version the app's card shows ("Terms, version N").
async fn shown_version(app: &RunningApp) -> String {
    app.text(&format!("{QUIRE} details > summary")).await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_app_publishes_new_terms_in_the_demo_and_the_cardholder_accepts_them() {
    if skip_unless_available() {
        return;
    }
    let app = demo_app_with_a_card().await;
    let badge = app.text("[data-testid=demo-badge]").await;
    assert!(badge.eq_ignore_ascii_case("demo"), "{badge}");
    app.click("nav a[data-route='consents']").await;
    app.wait_text("h1", "Apps & permissions").await;
    app.click(&format!("{QUIRE} input[role=switch]")).await;
    wait_synced(&app, QUIRE).await;
    let before = shown_version(&app).await;

    app.click(&format!("{QUIRE} [data-testid=demo-terms] button"))
        .await;
    let published = app
        .text(&format!("{QUIRE} [data-testid=demo-terms] [role=status]"))
        .await;
    assert!(
        published.contains("of the terms is published"),
        "{published}"
    );
    assert_ne!(
        shown_version(&app).await,
        before,
        "the card shows the new version"
    );

    // The permission waits: the cardholder is asked to review the new terms.
    let review = "button[aria-label^='Review the new terms of Quire Receipts']";
    let start = Instant::now();
    loop {
        if app.client.find(Locator::Css(review)).await.is_ok() {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no review of the new terms offered"
        );
        app.click_button("Sync now").await;
        app.click("nav a[data-route='cards']").await;
        app.click("nav a[data-route='consents']").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    app.click(review).await;
    // The dialog shows the new text, and marks only the words that changed.
    app.wait_until(
        "dialog [data-testid=terms-diff] ins",
        Duration::from_secs(10),
        |added| {
            added
                .iter()
                .any(|t| t.contains("share the total of each purchase"))
                && added
                    .iter()
                    .any(|t| t.contains("as updated in this version"))
        },
    )
    .await;
    app.click_button("Accept and keep the permission").await;
    wait_synced(&app, QUIRE).await;
    // The offer goes once the screen has the accepted permission (its refresh after the sync
    // may land a moment after the badge says synced).
    let start = Instant::now();
    while app.client.find(Locator::Css(review)).await.is_ok() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the review of the new terms is still offered after accepting them"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let switch = app
        .client
        .find(Locator::Css(&format!("{QUIRE} input[role=switch]")))
        .await
        .unwrap();
    assert_eq!(
        switch.prop("checked").await.unwrap().as_deref(),
        Some("true")
    );
    app.stop().await;
}
