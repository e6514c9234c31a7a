//! The window-state plugin saves on a clean exit; we also save shortly after every move or
//! resize, so a crash or a killed process does not lose where the cardholder put the window.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tauri::{Manager, Window, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

/// What is saved and restored: everything but visibility. The window opens shown, or hidden in
/// the tray at a start at login; how the last session ended (hidden or not) does not decide it.
pub const FLAGS: StateFlags = StateFlags::all().difference(StateFlags::VISIBLE);

/// Coalesces a burst of move/resize events (a drag) into one save.
#[derive(Default)]
pub struct SavePending(AtomicBool);

const SETTLE: Duration = Duration::from_millis(400);

pub fn save_soon_after_change(window: &Window, event: &WindowEvent) {
    if !matches!(event, WindowEvent::Moved(_) | WindowEvent::Resized(_)) {
        return;
    }
    let app = window.app_handle().clone();
    if app.state::<SavePending>().0.swap(true, Ordering::AcqRel) {
        return; // a save is already scheduled
    }
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(SETTLE).await;
        app.state::<SavePending>().0.store(false, Ordering::Release);
        if let Err(e) = app.save_window_state(FLAGS) {
            tracing::warn!("cannot save the window state: {e}");
        }
    });
}
