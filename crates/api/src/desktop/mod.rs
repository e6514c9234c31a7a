//! How Consentry lives on the desktop, whatever the wallet: staying in the tray when the window
//! is closed, starting at login, and signed updates ([`updates`]).
//!
//! The shell does the desktop's part through [`Desktop`] (is there a tray, the login entry, the
//! updater; declared in the shared `shell` module); without a shell, [`NoDesktop`] has none of
//! it. The cardholder's choices live in `desktop.json` beside the wallet (not in it: closing the
//! window and checking for updates happen while it is locked too).

pub mod updates;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::shell::{Desktop, NoDesktop, UpdateError, UpdateOffer, MAX_NOTES_CHARS};
use crate::{ApiError, Context};
pub use updates::{
    update_check, update_install, UpdateCheck, UpdateCheckRequest, UpdateInstallRequest,
    UpdateInstalled,
};

/// The file, in the data directory, that keeps the choices below.
pub const SETTINGS_FILE: &str = "desktop.json";

/// The cardholder's choices as `desktop.json` keeps them; a missing field is the default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredChoices {
    /// Closing the window keeps Consentry in the tray; unset: while notifications are on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_in_tray: Option<bool>,
    /// Look for a new version at start (installed copies only); unset: yes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_for_updates: Option<bool>,
}

impl StoredChoices {
    fn path(data_dir: &Path) -> PathBuf {
        data_dir.join(SETTINGS_FILE)
    }

    /// Reads the choices; a missing or damaged file reads as no choice made (logged).
    pub fn load(data_dir: &Path) -> Self {
        let path = Self::path(data_dir);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                tracing::warn!(file = %path.display(), "desktop settings unreadable, using defaults: {e}");
                Self::default()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::default(),
            Err(e) => {
                tracing::warn!(file = %path.display(), "desktop settings unreadable, using defaults: {e}");
                Self::default()
            }
        }
    }

    /// Writes the choices whole (a temporary file renamed over the old one).
    pub fn save(&self, data_dir: &Path) -> Result<(), ApiError> {
        let path = Self::path(data_dir);
        let tmp = path.with_extension("json.tmp");
        let storage = |e: std::io::Error| {
            ApiError::new(
                crate::ErrorCode::Storage,
                format!("{}: {e}", path.display()),
            )
        };
        let mut json = serde_json::to_vec_pretty(self)
            .map_err(|e| ApiError::internal(format!("desktop settings: {e}")))?;
        json.push(b'\n');
        std::fs::write(&tmp, json).map_err(storage)?;
        std::fs::rename(&tmp, &path).map_err(storage)
    }
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DesktopSettingsGetRequest {}

/// Changes the fields that are set; `null` leaves one as it is.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DesktopSettingsSetRequest {
    pub keep_in_tray: Option<bool>,
    pub start_at_login: Option<bool>,
    pub check_for_updates: Option<bool>,
}

/// The desktop settings as they apply now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DesktopSettings {
    /// Closing the window keeps Consentry running in the tray (the cardholder's choice, or by
    /// default while notifications are on). Only ever true in effect with a tray.
    pub keep_in_tray: bool,
    /// This desktop shows a tray now; without one, closing the window quits.
    pub tray_available: bool,
    /// Consentry starts when the cardholder logs in; `None` where that is not available.
    pub start_at_login: Option<bool>,
    /// Look for a new version when Consentry starts.
    pub check_for_updates: bool,
    /// This copy was installed from a package the updater can replace.
    pub installed_from_package: bool,
}

/// Whether any notification can still come. A locked wallet's switches cannot be read: the
/// default (every app on) stands for them.
async fn notifications_on(ctx: &Context) -> bool {
    let Some(pool) = ctx.pool_if_unlocked().await else {
        return true;
    };
    crate::notice_switches::any_on(&pool).await.unwrap_or(true)
}

async fn keep_in_tray_choice(ctx: &Context, choices: &StoredChoices) -> bool {
    match choices.keep_in_tray {
        Some(choice) => choice,
        None => notifications_on(ctx).await,
    }
}

async fn current(ctx: &Context) -> Result<DesktopSettings, ApiError> {
    let desktop = ctx.desktop();
    let choices = StoredChoices::load(ctx.data_dir());
    let start_at_login = match desktop.start_at_login() {
        None => None,
        Some(Ok(on)) => Some(on),
        Some(Err(e)) => {
            return Err(ApiError::new(
                crate::ErrorCode::Storage,
                format!("cannot read the login entry: {e}"),
            ))
        }
    };
    Ok(DesktopSettings {
        keep_in_tray: keep_in_tray_choice(ctx, &choices).await,
        tray_available: desktop.tray_available().await,
        start_at_login,
        check_for_updates: choices.check_for_updates.unwrap_or(true),
        installed_from_package: desktop.installed_from_package(),
    })
}

/// `desktop_settings_get`: the tray, login and update settings as they apply now.
pub async fn desktop_settings_get(
    ctx: &Context,
    _request: DesktopSettingsGetRequest,
) -> Result<DesktopSettings, ApiError> {
    current(ctx).await
}

/// `desktop_settings_set`: changes the settings named in the request.
pub async fn desktop_settings_set(
    ctx: &Context,
    request: DesktopSettingsSetRequest,
) -> Result<DesktopSettings, ApiError> {
    if request.keep_in_tray.is_some() || request.check_for_updates.is_some() {
        let mut choices = StoredChoices::load(ctx.data_dir());
        if let Some(keep) = request.keep_in_tray {
            choices.keep_in_tray = Some(keep);
        }
        if let Some(check) = request.check_for_updates {
            choices.check_for_updates = Some(check);
        }
        choices.save(ctx.data_dir())?;
    }
    if let Some(on) = request.start_at_login {
        let desktop = ctx.desktop();
        if desktop.start_at_login().is_none() {
            return Err(ApiError::invalid_input(
                "starting at login is not available on this system",
            ));
        }
        desktop.set_start_at_login(on).map_err(|e| {
            ApiError::new(
                crate::ErrorCode::Storage,
                format!("cannot change the login entry: {e}"),
            )
        })?;
    }
    current(ctx).await
}

/// What the shell does when the cardholder closes the window: `true` to hide it and keep
/// running in the tray, `false` to quit. Never `true` without a tray to come back from.
pub async fn keeps_running_in_tray(ctx: &Context) -> bool {
    if !ctx.desktop().tray_available().await {
        return false;
    }
    let choices = StoredChoices::load(ctx.data_dir());
    keep_in_tray_choice(ctx, &choices).await
}
