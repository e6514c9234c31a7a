//! Desktop notifications for new receipts and rewards. Sync reports how many events it stored;
//! when that changes, `consentry_api::poll_notices` says what to show (per-app switches, no card
//! numbers) and refreshes the unread count. A desktop without a notification service (Xvfb in
//! tests) only costs a log line.

use chrono::Utc;
use consentry_api::Context;
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

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
        let shown = app
            .notification()
            .builder()
            .title(&notice.title)
            .body(&notice.body)
            .show();
        if let Err(e) = shown {
            tracing::warn!("cannot show a notification: {e}");
        }
    }
}
