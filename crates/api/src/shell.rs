//! What the desktop shell provides beyond dialogs ([`crate::native`]): whether a tray can bring
//! the window back, the login entry, and the signed updater. The shell implements [`Desktop`];
//! the CLI and most tests have none ([`NoDesktop`]). The `desktop` feature's commands use it.

use serde::Serialize;
use ts_rs::TS;

use crate::native::NativeFuture;
use crate::{ApiError, ErrorCode};

/// What the desktop shell provides. Futures are boxed so the trait stays object safe.
pub trait Desktop: Send + Sync {
    /// The desktop shows our tray icon now (a tray host is running and the icon was built).
    /// Without one, closing the window must quit: a hidden window could never be reopened.
    fn tray_available(&self) -> NativeFuture<'_, bool>;
    /// Whether Consentry starts at login; `None` where the system has no such thing.
    fn start_at_login(&self) -> Option<Result<bool, String>>;
    /// Adds or removes the login entry.
    fn set_start_at_login(&self, on: bool) -> Result<(), String>;
    /// This copy was installed from a package the updater can replace (`.deb`, `.rpm`,
    /// AppImage). A copy built from source is never checked automatically.
    fn installed_from_package(&self) -> bool;
    /// Asks the update server whether a newer version is published. Downloads nothing.
    fn check_update(&self) -> NativeFuture<'_, Result<Option<UpdateOffer>, UpdateError>>;
    /// Downloads the update last offered, if it is `version`, checks its signature and installs
    /// it. Called only once the cardholder said yes to that version.
    fn install_update(&self, version: String) -> NativeFuture<'_, Result<(), UpdateError>>;
}

/// No shell (the CLI, tests): no tray, no login entry, no updater.
#[derive(Debug, Default)]
pub struct NoDesktop;

impl Desktop for NoDesktop {
    fn tray_available(&self) -> NativeFuture<'_, bool> {
        Box::pin(async { false })
    }

    fn start_at_login(&self) -> Option<Result<bool, String>> {
        None
    }

    fn set_start_at_login(&self, _on: bool) -> Result<(), String> {
        Err("starting at login is not available here".into())
    }

    fn installed_from_package(&self) -> bool {
        false
    }

    fn check_update(&self) -> NativeFuture<'_, Result<Option<UpdateOffer>, UpdateError>> {
        Box::pin(async { Err(UpdateError::NotConfigured) })
    }

    fn install_update(&self, version: String) -> NativeFuture<'_, Result<(), UpdateError>> {
        Box::pin(async move { Err(UpdateError::NotOffered { version }) })
    }
}

/// Release notes longer than this are cut (the manifest is not signed: it only informs).
pub const MAX_NOTES_CHARS: usize = 4000;

/// Why an update could not be offered or installed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpdateError {
    /// No update server is configured.
    #[error("no update server is configured")]
    NotConfigured,
    /// The update server could not be reached, or answered something that is not a manifest
    /// for this system.
    #[error("the update server could not be reached or gave no usable answer: {0}")]
    Unavailable(String),
    /// The package is not signed by Consentry's release key, or was signed for another
    /// version than the one announced. Nothing was installed.
    #[error("the update is not signed by Consentry's release key: {0}")]
    Unverified(String),
    /// The version to install is not the one last offered (the cardholder's yes was for
    /// another, or no check offered one).
    #[error("version {version} is not the update on offer; check for updates again")]
    NotOffered { version: String },
    /// The package manager did not install it (a refused password prompt, a copy built from
    /// source, a full disk).
    #[error("the update could not be installed: {0}")]
    InstallFailed(String),
}

impl From<UpdateError> for ApiError {
    fn from(error: UpdateError) -> Self {
        let code = match &error {
            UpdateError::NotConfigured
            | UpdateError::Unavailable(_)
            | UpdateError::NotOffered { .. } => ErrorCode::UpdateUnavailable,
            UpdateError::Unverified(_) => ErrorCode::UpdateUnverified,
            UpdateError::InstallFailed(_) => ErrorCode::UpdateFailed,
        };
        ApiError::new(code, error.to_string())
    }
}

/// A published version newer than this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateOffer {
    pub version: String,
    /// What's new, as plain text (never markup), at most [`MAX_NOTES_CHARS`].
    pub notes: Option<String>,
    /// When it was published (RFC 3339), if the manifest says.
    pub published_at: Option<String>,
}

impl UpdateOffer {
    /// An offer from the manifest's fields: the notes without control characters (newlines
    /// and tabs kept) and cut to [`MAX_NOTES_CHARS`].
    pub fn new(version: String, notes: Option<String>, published_at: Option<String>) -> Self {
        let notes = notes
            .map(|text| {
                text.chars()
                    .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
                    .take(MAX_NOTES_CHARS)
                    .collect::<String>()
            })
            .map(|text| text.trim().to_owned())
            .filter(|text| !text.is_empty());
        Self {
            version,
            notes,
            published_at,
        }
    }
}
