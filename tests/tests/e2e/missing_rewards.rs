//! A missing reward in the real window, through the demo controls: the cardholder allows an
//! app cashback and another receipts, the cashback app keeps the cashback of a past purchase on
//! the embedded platform, and Rewards lists the claim — the cashback app's only, with the
//! receipt app's receipt in its pack.

use std::time::Duration;

use consentry_testkit::app::skip_unless_available;

use super::{demo_app_with_a_card, wait_synced};

const CASHCOVE: &str = "article[aria-labelledby='app-app_cashcove']";
const QUIRE: &str = "article[aria-labelledby='app-app_quire']";

#[tokio::test(flavor = "multi_thread")]
async fn an_app_keeps_a_cashback_in_the_demo_and_rewards_offers_its_claim_pack() {
    if skip_unless_available() {
        return;
    }
    let app = demo_app_with_a_card().await;
    app.click("nav a[data-route='consents']").await;
    app.wait_text("h1", "Apps & permissions").await;
    // No cashback permission, no control.
    assert!(app
        .texts(&format!("{CASHCOVE} [data-testid=demo-unrewarded]"))
        .await
        .is_empty());
    app.click(&format!("{QUIRE} input[role=switch]")).await;
    wait_synced(&app, QUIRE).await;
    app.click(&format!("{CASHCOVE} input[role=switch]")).await;
    wait_synced(&app, CASHCOVE).await;

    app.click(&format!("{CASHCOVE} [data-testid=demo-unrewarded]"))
        .await;
    let done = app
        .text(&format!("{CASHCOVE} [data-testid=demo-unrewarded-done]"))
        .await;
    assert!(
        done.contains("It kept the cashback of a €24.90 purchase at Marché Frais"),
        "{done}"
    );
    app.click(&format!(
        "{CASHCOVE} [data-testid=demo-unrewarded-done] a[href='#/rewards']"
    ))
    .await;
    app.wait_text("h1", "Rewards").await;

    // One claim: the cashback app's; the receipt app did its part.
    app.wait_texts(
        "[data-testid=missing-reward]",
        Duration::from_secs(20),
        |rows| {
            rows.len() == 1
                && rows[0].contains("Marché Frais")
                && rows[0].contains("Cashcove owed: Cashback")
        },
        || async {
            app.click("nav a[data-route='cards']").await;
            app.click("nav a[data-route='rewards']").await;
        },
    )
    .await;
    let hint = app.text("[data-testid=missing-rewards] .hint").await;
    assert!(
        hint.starts_with("Demo: a reward counts as missing"),
        "{hint}"
    );
    app.click_button("Claim pack").await;
    let pack = app.text("[data-testid=claim-pack]").await;
    for expected in [
        "Missing reward claim — Cashcove",
        "Merchant: Marché Frais",
        "Amount: €24.90",
        "Card: •••• 4242",
        "Consent (cashback)",
        "Receipt: Marché Frais, €24.90",
    ] {
        assert!(pack.contains(expected), "{expected} not in {pack}");
    }
    assert!(!pack.contains("Quire"), "{pack}");
    app.stop().await;
}
