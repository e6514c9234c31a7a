//! The main window shows the app and nothing else. A compromised page cannot carry data out
//! by navigating (`location.href = "https://…?" + secret`) or by opening a window: every
//! navigation away from the app's own origin is refused, new windows are refused, and a
//! web address the page tried to reach is offered to the person, in a native dialog showing
//! it whole, to open in their browser (`docs/decisions.md`, "The backend decides where data
//! goes").

use consentry_api::Context;
use tauri::webview::NewWindowResponse;
use tauri::{AppHandle, Manager, Url};

/// Whether the window may load `url`: only the app's own pages.
pub fn allow(app: &AppHandle, url: &Url) -> bool {
    if is_app_origin(url) {
        return true;
    }
    tracing::warn!(url = %redacted(url), "the window tried to leave the app; refused");
    if matches!(url.scheme(), "http" | "https") {
        offer_in_browser(app.clone(), url.clone());
    }
    false
}

/// New windows (`window.open`, `target=_blank`) are never opened.
pub fn refuse_new_window<R: tauri::Runtime>(url: &Url) -> NewWindowResponse<R> {
    tracing::warn!(url = %redacted(url), "the page asked for a new window; refused");
    NewWindowResponse::Deny
}

/// The app's own origin: the custom protocol (`tauri://localhost`, `http://tauri.localhost`
/// where the platform maps it so), or the dev server when built for `tauri dev`.
fn is_app_origin(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    match url.scheme() {
        "tauri" => host == "localhost",
        "http" if host == "tauri.localhost" => true,
        #[cfg(dev)]
        "http" => host == "localhost" && url.port() == Some(5173),
        _ => false,
    }
}

/// The address without its query and fragment (where a page would put what it steals).
fn redacted(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    shown.to_string()
}

fn offer_in_browser(app: AppHandle, url: Url) {
    tauri::async_runtime::spawn(async move {
        let Some(ctx) = app.try_state::<Context>() else {
            return;
        };
        if ctx.ask_open_link(url.as_str()).await {
            if let Err(e) = std::process::Command::new("xdg-open")
                .arg(url.as_str())
                .spawn()
            {
                tracing::warn!(error = %e, "could not start the web browser");
            }
        }
    });
}
