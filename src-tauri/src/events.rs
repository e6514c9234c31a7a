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
