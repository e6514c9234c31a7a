// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    #[cfg(target_os = "linux")]
    consentry_app::wiping_alloc::restart_with_wiping_malloc();
    consentry_app::run()
}
