//! Backend → UI events: one typed emitter per entry of `consentry_api::for_each_event!`.

use consentry_api::Context;
use tauri::{Emitter, Manager};

macro_rules! event_emitters {
    ($($name:ident($payload:ty);)*) => {
        $(
            pub fn $name(app: &tauri::AppHandle, payload: &$payload) {
                if let Err(e) = app.emit(stringify!($name), payload) {
                    tracing::warn!(event = stringify!($name), "cannot emit: {e}");
                }
            }
        )*
    };
}
consentry_api::for_each_event!(event_emitters);

/// Pushes every new sync status to the UI (status bar, Settings, new activity).
pub fn forward_sync_status(app: tauri::AppHandle) {
    let mut updates = app.state::<Context>().subscribe_sync();
    tauri::async_runtime::spawn(async move {
        while updates.changed().await.is_ok() {
            let status = updates.borrow_and_update().clone();
            sync_status(&app, &status);
        }
    });
}

/// Pushes the running export's progress to the UI (the Export screen's progress bar).
pub fn forward_export_progress(app: tauri::AppHandle) {
    let mut updates = app.state::<Context>().subscribe_export_progress();
    tauri::async_runtime::spawn(async move {
        while updates.changed().await.is_ok() {
            let progress = *updates.borrow_and_update();
            export_progress(&app, &progress);
        }
    });
}

/// After each lock, the window's web process goes: it held what the page showed and what was
/// typed into it (the passphrase, the recovery key), and a JavaScript heap is not wiped on
/// demand. The page is loaded again in a new process, which starts at the unlock screen.
pub fn renew_web_process_on_lock(app: tauri::AppHandle) {
    let mut locks = app.state::<Context>().subscribe_locks();
    tauri::async_runtime::spawn(async move {
        while locks.changed().await.is_ok() {
            locks.borrow_and_update();
            let Some(window) = app.get_webview_window(crate::MAIN_WINDOW) else {
                continue;
            };
            let renewed = window.with_webview(|webview| {
                #[cfg(target_os = "linux")]
                {
                    use webkit2gtk::WebViewExt as _;
                    let view = webview.inner();
                    let page = view.uri();
                    view.terminate_web_process();
                    if let Some(page) = page {
                        view.load_uri(&page);
                    }
                }
                #[cfg(not(target_os = "linux"))]
                let _ = webview;
            });
            match renewed {
                Ok(()) => tracing::info!("wallet locked: the window's web process was replaced"),
                Err(e) => tracing::warn!("cannot replace the web process after lock: {e}"),
            }
        }
    });
}
