//! Desktop notifications for new receipts and rewards. Sync reports how many events it stored;
//! when that changes, `consentry_api::poll_notices` says what to show (per-app switches, no card
//! numbers) and refreshes the unread count. A desktop without a notification service (Xvfb in
//! tests) only costs a log line.
//!
//! On Linux the notification is sent straight over D-Bus (notify-rust): it names its sender
//! "Consentry" and its desktop entry, and a click on it brings the window forward on the event
//! (`open_event`). Elsewhere the notification plugin shows it.

use chrono::Utc;
use consentry_api::notifications::Notice;
use consentry_api::Context;
use tauri::{AppHandle, Manager};

/// Follows the sync status for the app's lifetime.
pub fn start(app: AppHandle) {
    let mut updates = app.state::<Context>().subscribe_sync();
    tauri::async_runtime::spawn(async move {
        let mut seen = (false, 0);
        while updates.changed().await.is_ok() {
            let now = {
                let status = updates.borrow_and_update();
                (status.active, status.events_received)
            };
            if now == seen {
                continue;
            }
            seen = now;
            show_new(&app).await;
        }
    });
}

async fn show_new(app: &AppHandle) {
    let ctx = app.state::<Context>();
    let notices = match consentry_api::poll_notices(&ctx, Utc::now()).await {
        Ok(notices) => notices,
        Err(e) => {
            tracing::warn!("notifications: {}", e.message);
            return;
        }
    };
    for notice in notices {
        if let Err(e) = show(app, notice) {
            tracing::warn!("cannot show a notification: {e}");
        }
    }
}

/// The sender's name, as the notification server shows it.
#[cfg(target_os = "linux")]
const SENDER: &str = "Consentry";
/// The desktop entry the packages install (`packaging/linux/consentry.desktop`), without
/// `.desktop`: the server takes the icon and the app's name from it.
#[cfg(target_os = "linux")]
const DESKTOP_ENTRY: &str = "Consentry";
/// The click on the notification's body (Desktop Notifications Specification).
#[cfg(target_os = "linux")]
const DEFAULT_ACTION: &str = "default";

#[cfg(target_os = "linux")]
fn show(app: &AppHandle, notice: Notice) -> Result<(), String> {
    let mut notification = notify_rust::Notification::new();
    notification
        .appname(SENDER)
        .summary(&notice.title)
        .body(&notice.body)
        .icon("consentry-app")
        .hint(notify_rust::Hint::DesktopEntry(DESKTOP_ENTRY.into()));
    let Some(event_id) = notice.event_id else {
        notification.show().map_err(|e| e.to_string())?;
        return Ok(());
    };
    notification.action(DEFAULT_ACTION, "Open");
    let handle = notification.show().map_err(|e| e.to_string())?;
    let app = app.clone();
    // Waiting for the click blocks until the server closes the notification: a thread each
    // (a round shows a handful at most).
    std::thread::Builder::new()
        .name("notice-click".into())
        .spawn(move || {
            handle.wait_for_action(|action| {
                if action == DEFAULT_ACTION {
                    crate::focus_main_window(&app);
                    crate::events::open_event(
                        &app,
                        &consentry_api::notifications::OpenEvent { event_id },
                    );
                }
            });
        })
        .map(drop)
        .map_err(|e| e.to_string())
}

#[cfg(not(target_os = "linux"))]
fn show(app: &AppHandle, notice: Notice) -> Result<(), String> {
    use tauri_plugin_notification::NotificationExt;
    app.notification()
        .builder()
        .title(&notice.title)
        .body(&notice.body)
        .show()
        .map_err(|e| e.to_string())
}
