//! Locks the wallet after the cardholder's idle limit and tells the UI.

use consentry_api::{Context, WalletStatusRequest};
use tauri::{AppHandle, Manager};

pub fn start(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let every = app.state::<Context>().auto_lock_check_every();
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let ctx = app.state::<Context>();
            if ctx.lock_if_idle(chrono::Utc::now()).await {
                if let Ok(status) = consentry_api::wallet_status(&ctx, WalletStatusRequest {}).await
                {
                    crate::events::wallet_status(&app, &status);
                }
            }
        }
    });
}
