//! Activity by purchase in the real window: a purchase on the demo platform is one row; opened,
//! it lists what the apps did with it, and its receipt opens in full; searching the merchant or
//! a line of the receipt finds that row.

use std::time::{Duration, Instant};

use consentry_testkit::app::{skip_unless_available, RunningApp};

use super::{link_first_card, pay_once, revisit_activity, wait_synced};

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
    let app = RunningApp::start_with(&[("CONSENTRY_DEMO_EVERY", "0")]).await;
    link_first_card(&app).await;
    app.wait_text("h1", "Cards").await;
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
    let merchant: String = app
        .client
        .execute(
            "return document.querySelector('[data-testid=activity-row] .text').textContent.split(':')[0].trim();",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!merchant.is_empty());
    // The first item of the receipt (the table's first body row, first cell).
    let item: String = app
        .client
        .execute(
            "return document.querySelector('[data-testid=receipt-lines] tbody tr td').textContent.trim();",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(!item.is_empty());

    // Searching: nothing for a word nowhere; the merchant, then a line of the receipt, find
    // the purchase's row and nothing else.
    app.type_into("input[type=search]", "zqxwv").await;
    app.wait_texts(
        ".empty .title",
        Duration::from_secs(10),
        |texts| {
            texts
                .iter()
                .any(|t| t.contains("Nothing matches these filters."))
        },
        || async {},
    )
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
