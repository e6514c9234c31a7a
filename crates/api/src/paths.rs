//! Where the wallet lives: `--data-dir`, else `CONSENTRY_DATA_DIR`, else the OS default
//! for the app (the same directory Tauri would pick for identifier [`APP_IDENTIFIER`]).

use std::ffi::OsString;
use std::path::PathBuf;

use crate::ApiError;

/// The bundle identifier shared by the desktop app and the CLI.
pub const APP_IDENTIFIER: &str = "org.consentry.app";

/// The environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "CONSENTRY_DATA_DIR";

/// The OS default data directory (`~/.local/share/org.consentry.app` on Linux,
/// `~/Library/Application Support/org.consentry.app` on macOS, `%APPDATA%\org.consentry.app`
/// on Windows).
pub fn default_data_dir() -> Result<PathBuf, ApiError> {
    directories::BaseDirs::new()
        .map(|dirs| dirs.data_dir().join(APP_IDENTIFIER))
        .ok_or_else(|| ApiError::internal("cannot find the home directory"))
}

/// Resolves the data directory from the command line flag, then the environment, then the OS
/// default. An empty flag or variable counts as absent.
pub fn resolve_data_dir(flag: Option<PathBuf>, env: Option<OsString>) -> Result<PathBuf, ApiError> {
    if let Some(dir) = flag.filter(|d| !d.as_os_str().is_empty()) {
        return Ok(dir);
    }
    if let Some(dir) = env.filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    default_data_dir()
}

/// Creates the directory (and parents) if needed, so later steps can rely on it.
pub fn ensure_data_dir(dir: &std::path::Path) -> Result<(), ApiError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        ApiError::internal(format!(
            "cannot create the data directory {}: {e}",
            dir.display()
        ))
    })
}
