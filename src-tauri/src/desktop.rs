//! The desktop side of `consentry_api::desktop`: is a tray showing our icon, the login entry
//! (`tauri-plugin-autostart`: `~/.config/autostart/Consentry.desktop` on Linux), the signed
//! updater ([`crate::updates`]), and what closing the window does.
//!
//! Closing the window hides it when a tray can bring it back and the cardholder keeps Consentry
//! running there (by default while notifications are on); otherwise it quits. A desktop without
//! a tray host never keeps an invisible process.

use std::time::Duration;

use consentry_api::desktop::{Desktop, UpdateError, UpdateOffer};
use consentry_api::native::NativeFuture;
use consentry_api::Context;
use tauri::{AppHandle, Manager, Runtime, Window, WindowEvent};
use tauri_plugin_autostart::ManagerExt as _;

use crate::updates::Updates;

/// The flag the login entry starts Consentry with: the window stays hidden in the tray.
pub const AUTOSTART_FLAG: &str = "--autostart";

/// How long deciding what a close does may take before it quits.
const CLOSE_DECISION: Duration = Duration::from_secs(2);

pub struct ShellDesktop<R: Runtime> {
    app: AppHandle<R>,
    updates: Updates<R>,
}

impl<R: Runtime> ShellDesktop<R> {
    pub fn new(app: AppHandle<R>, updates: Updates<R>) -> Self {
        Self { app, updates }
    }
}

impl<R: Runtime> Desktop for ShellDesktop<R> {
    fn tray_available(&self) -> NativeFuture<'_, bool> {
        Box::pin(async move {
            if self.app.tray_by_id(crate::tray::TRAY_ID).is_none() {
                return false;
            }
            tauri::async_runtime::spawn_blocking(tray_host::present)
                .await
                .unwrap_or(false)
        })
    }

    fn start_at_login(&self) -> Option<Result<bool, String>> {
        let manager = self
            .app
            .try_state::<tauri_plugin_autostart::AutoLaunchManager>()?;
        Some(manager.is_enabled().map_err(|e| e.to_string()))
    }

    fn set_start_at_login(&self, on: bool) -> Result<(), String> {
        let manager = self.app.autolaunch();
        if on {
            manager.enable()
        } else {
            manager.disable()
        }
        .map_err(|e| e.to_string())
    }

    fn installed_from_package(&self) -> bool {
        tauri::utils::platform::bundle_type().is_some()
    }

    fn check_update(&self) -> NativeFuture<'_, Result<Option<UpdateOffer>, UpdateError>> {
        Box::pin(self.updates.check())
    }

    fn install_update(&self, version: String) -> NativeFuture<'_, Result<(), UpdateError>> {
        Box::pin(async move { self.updates.install(&version).await })
    }
}

/// The window's close button: hide into the tray or quit (see the module docs).
pub fn on_close_requested(window: &Window, event: &WindowEvent) {
    let WindowEvent::CloseRequested { api, .. } = event else {
        return;
    };
    if window.label() != crate::MAIN_WINDOW {
        return;
    }
    api.prevent_close();
    let window = window.clone();
    tauri::async_runtime::spawn(async move {
        let app = window.app_handle().clone();
        let keep = match app.try_state::<Context>() {
            Some(ctx) => tokio::time::timeout(
                CLOSE_DECISION,
                consentry_api::desktop::keeps_running_in_tray(&ctx),
            )
            .await
            .unwrap_or(false),
            None => false,
        };
        if keep && window.hide().is_ok() {
            tracing::info!("window closed; still running in the tray");
            return;
        }
        app.exit(0);
    });
}

/// Whether a tray host (a StatusNotifierItem watcher, which is what the tray icon talks to on
/// Linux) is on the session bus now. Desktops with only an XEmbed tray count as none: closing
/// then quits, which is the safe mistake.
pub mod tray_host {
    /// The well-known name of the StatusNotifierItem watcher.
    pub const WATCHER: &str = "org.kde.StatusNotifierWatcher";

    /// On the session bus.
    #[cfg(target_os = "linux")]
    pub fn present() -> bool {
        match zbus::blocking::Connection::session() {
            Ok(bus) => present_on(&bus),
            Err(e) => {
                tracing::debug!("no session bus, so no tray: {e}");
                false
            }
        }
    }

    /// On `bus`.
    #[cfg(target_os = "linux")]
    pub fn present_on(bus: &zbus::blocking::Connection) -> bool {
        let Ok(dbus) = zbus::blocking::fdo::DBusProxy::new(bus) else {
            return false;
        };
        let Ok(name) = zbus::names::BusName::try_from(WATCHER) else {
            return false;
        };
        dbus.name_has_owner(name).unwrap_or(false)
    }

    /// macOS and Windows always have the menu bar or the notification area.
    #[cfg(not(target_os = "linux"))]
    pub fn present() -> bool {
        true
    }
}
