//! The tray icon: the unread count (events received since Activity was last opened) and a
//! menu to open the window, lock the wallet or quit. Where the desktop has no tray (a bare
//! Xvfb), building it fails or shows nothing: that is logged, never fatal.

use std::path::Path;

use consentry_api::{Context, WalletLockRequest};
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};

use crate::events;

pub(crate) const TRAY_ID: &str = "consentry";

/// Builds the tray icon and keeps its count current.
pub fn start(app: &AppHandle, data_dir: &Path) {
    if let Err(e) = build(app, data_dir) {
        tracing::warn!("no tray icon: {e}");
        return;
    }
    follow_unread(app.clone());
}

fn build(app: &AppHandle, data_dir: &Path) -> tauri::Result<()> {
    let open = MenuItem::with_id(app, "open", "Open Consentry", true, None::<&str>)?;
    let lock = MenuItem::with_id(app, "lock", "Lock wallet", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &lock, &separator, &quit])?;
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .menu(&menu)
        .tooltip("Consentry")
        // Linux hands the icon to the tray host as a file: keep it with the wallet's data.
        .temp_dir_path(data_dir.join("tray-icon"))
        .on_menu_event(|app, event| match event.id().as_ref() {
            "open" => crate::focus_main_window(app),
            "lock" => lock_wallet(app.clone()),
            "quit" => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

fn follow_unread(app: AppHandle) {
    let mut updates = app.state::<Context>().subscribe_unread();
    tauri::async_runtime::spawn(async move {
        while updates.changed().await.is_ok() {
            let unread = *updates.borrow_and_update();
            let Some(tray) = app.tray_by_id(TRAY_ID) else {
                return;
            };
            let text =
                consentry_api::notifications::tray_label(&app.state::<Context>(), unread).await;
            if let Err(e) = tray.set_tooltip(Some(&text)) {
                tracing::debug!("tray tooltip: {e}");
            }
            let title = unread.filter(|n| *n > 0).map(|_| text);
            if let Err(e) = tray.set_title(title.as_deref()) {
                tracing::debug!("tray title: {e}");
            }
        }
    });
}

fn lock_wallet(app: AppHandle) {
    tauri::async_runtime::spawn(async move {
        let ctx = app.state::<Context>();
        match consentry_api::wallet_lock(&ctx, WalletLockRequest {}).await {
            Ok(status) => events::wallet_status(&app, &status),
            Err(e) => tracing::warn!("lock from the tray: {}", e.message),
        }
    });
}
