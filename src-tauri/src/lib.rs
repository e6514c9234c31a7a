//! The Consentry desktop shell: builds the one [`Context`], registers the commands and
//! plugins, and opens the main window. Everything else lives in `crates/`.

mod auto_lock;
mod cli;
mod commands;
mod demo;
pub mod desktop;
mod events;
mod native;
mod navigation;
mod notices;
mod rendering;
mod tray;
pub mod updates;
mod window_state;
mod wiping_alloc;

/// Freed heap is wiped (see [`wiping_alloc`]).
#[global_allocator]
static ALLOCATOR: wiping_alloc::WipingAllocator = wiping_alloc::WipingAllocator;

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use consentry_api::paths::{ensure_data_dir, resolve_data_dir, DATA_DIR_ENV};
use consentry_api::{Context, ContextOptions};
use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};

pub(crate) const MAIN_WINDOW: &str = "main";

/// Starts the app; returns when the last window closes.
pub fn run() -> ExitCode {
    rendering::choose();
    let args = cli::Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CONSENTRY_LOG")
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let data_dir = match resolve_data_dir(args.data_dir, std::env::var_os(DATA_DIR_ENV))
        .and_then(|dir| ensure_data_dir(&dir).map(|()| dir))
    {
        Ok(dir) => dir,
        Err(e) => {
            tracing::error!("{}", e.message);
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(data_dir = %data_dir.display(), "starting");

    let mut options = ContextOptions::new(data_dir.clone(), env!("CARGO_PKG_VERSION"));
    options.background_sync = true;
    options.platform_url = args.platform_url;
    let demo_every = Duration::from_secs(args.demo_every);
    let update_url = args.update_url;
    let autostart = args.autostart;
    // Debug builds only: the end-to-end tests watch a "1 minute" auto-lock in milliseconds.
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("CONSENTRY_TEST_AUTO_LOCK_MINUTE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        options.auto_lock_minute = Duration::from_millis(ms);
    }

    // The window state lives with the wallet (an absolute file name replaces the plugin's
    // default directory), so a test's --data-dir keeps it away from the user's.
    let window_state = data_dir.join("window-state.json").display().to_string();
    let result = tauri::Builder::default()
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance_id(&data_dir))
                .callback(|app, _args, _cwd| focus_main_window(app))
                .build(),
        )
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .arg(desktop::AUTOSTART_FLAG)
                .build(),
        )
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_filename(window_state)
                .with_state_flags(window_state::FLAGS)
                .build(),
        )
        .manage(window_state::SavePending::default())
        .on_window_event(|window, event| {
            window_state::save_soon_after_change(window, event);
            desktop::on_close_requested(window, event);
        })
        .invoke_handler(commands::handler())
        .setup(move |app| {
            // Here, not before: a second launch hands over to the first (single instance)
            // before it would start a second demo platform.
            if options.platform_url.is_none() {
                match tauri::async_runtime::block_on(demo::start(&data_dir, demo_every)) {
                    Ok(demo::Started { platform, operator }) => {
                        options.platform_url = Some(platform.base_url());
                        options.demo_platform = true;
                        options.demo_operator = Some(consentry_api::OperatorToken::new(operator));
                        // Managed, so it lives as long as the app.
                        app.manage(demo::DemoPlatform(platform));
                    }
                    // The wallet still works offline; Settings can name another platform.
                    Err(e) => tracing::error!("{e}"),
                }
            }
            options.native = std::sync::Arc::new(native::DesktopDialogs::new(app.handle().clone()));
            let updates = updates::Updates::new(
                app.handle().clone(),
                update_url.clone(),
                updates::install_and_restart(app.handle().clone()),
            );
            options.desktop =
                std::sync::Arc::new(desktop::ShellDesktop::new(app.handle().clone(), updates));
            app.manage(Context::new(options));
            // The tray first: a start at login stays hidden in it, if it is there to reopen.
            tray::start(app.handle(), &data_dir);
            let hidden = autostart
                && tauri::async_runtime::block_on(consentry_api::desktop::keeps_running_in_tray(
                    &app.state::<Context>(),
                ));
            open_main_window(app.handle(), &data_dir, !hidden)?;
            auto_lock::start(app.handle().clone());
            events::forward_sync_status(app.handle().clone());
            events::forward_export_progress(app.handle().clone());
            events::renew_web_process_on_lock(app.handle().clone());
            notices::start(app.handle().clone());
            Ok(())
        })
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("the app stopped: {e}");
            ExitCode::FAILURE
        }
    }
}

fn open_main_window(app: &tauri::AppHandle, data_dir: &Path, visible: bool) -> tauri::Result<()> {
    let guard = app.clone();
    WebviewWindowBuilder::new(app, MAIN_WINDOW, WebviewUrl::App("index.html".into()))
        .on_navigation(move |url| navigation::allow(&guard, url))
        .on_new_window(|url, _features| navigation::refuse_new_window(&url))
        .title("Consentry")
        .inner_size(1120.0, 760.0)
        .min_inner_size(720.0, 520.0)
        .visible(visible)
        // WebKit's storage and caches stay inside the wallet's directory.
        .data_directory(data_dir.join("webview"))
        .build()?;
    Ok(())
}

/// One running app per wallet: the single-instance name carries the wallet's directory, so a
/// second launch on the same wallet hands over to the first, while another wallet (another
/// `--data-dir`, e.g. a second profile) runs beside it. FNV-1a: stable across builds.
fn instance_id(data_dir: &Path) -> String {
    let path = data_dir
        .canonicalize()
        .unwrap_or_else(|_| data_dir.to_path_buf());
    let hash = path
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("org.consentry.app.w{hash:016x}")
}

/// A second launch lands here: bring the running window forward instead.
fn focus_main_window(app: &tauri::AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}
