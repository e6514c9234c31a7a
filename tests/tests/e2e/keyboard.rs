//! Grant and revoke with the keyboard alone, in the real window: Tab to the navigation and
//! Enter, Tab to the receipts app's switch and Space, twice; each change reaches the platform.

use consentry_testkit::app::{skip_unless_available, RunningApp};
use fantoccini::key::Key;

use super::{demo_app_with_a_card, wait_platform_grants, wait_synced};

/// Presses Tab until the focused element matches `css` (at most 80 presses); fails naming
/// what had the focus last.
async fn tab_to(app: &RunningApp, css: &str) {
    let mut last = String::new();
    for _ in 0..80 {
        let focused = app
            .client
            .execute(
                "const [css] = arguments; const el = document.activeElement;
                 return [el !== null && el.matches(css), el ? el.outerHTML.slice(0, 160) : ''];",
                vec![serde_json::json!(css)],
            )
            .await
            .expect("read the focus");
        if focused[0].as_bool() == Some(true) {
            return;
        }
        last = focused[1].as_str().unwrap_or_default().to_owned();
        press(app, Key::Tab).await;
    }
    panic!("Tab never reached {css}; the focus was on {last}");
}

/// One key press sent to whatever has the focus, as a keyboard would.
async fn press(app: &RunningApp, key: Key) {
    let focused = app
        .client
        .active_element()
        .await
        .expect("a focused element");
    focused
        .send_keys(&char::from(key).to_string())
        .await
        .expect("press a key");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_permission_is_granted_and_revoked_with_the_keyboard_alone() {
    if skip_unless_available() {
        return;
    }
    let app = demo_app_with_a_card().await;

    tab_to(&app, "nav a[data-route='consents']").await;
    press(&app, Key::Enter).await;
    app.wait_text("h1", "Apps & permissions").await;

    let quire = "article[aria-labelledby='app-app_quire']";
    let switch = format!("{quire} input[role=switch]");
    tab_to(&app, &switch).await;
    press(&app, Key::Space).await;
    wait_platform_grants(&app.data_dir, &[("app_quire", "active")]).await;
    wait_synced(&app, quire).await;

    // The focus stayed on the switch: Space again revokes.
    let still = app
        .client
        .execute(
            "return document.activeElement?.matches(arguments[0]) ?? false;",
            vec![serde_json::json!(switch)],
        )
        .await
        .unwrap();
    assert_eq!(still, serde_json::json!(true), "the switch lost the focus");
    press(&app, Key::Space).await;
    wait_platform_grants(&app.data_dir, &[("app_quire", "revoked")]).await;
    wait_synced(&app, quire).await;
    let checked = app
        .client
        .execute(
            "return document.querySelector(arguments[0]).checked;",
            vec![serde_json::json!(switch)],
        )
        .await
        .unwrap();
    assert_eq!(checked, serde_json::json!(false));
    app.stop().await;
}
