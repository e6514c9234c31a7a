//! Signed updates: the window asks whether a new version is published ([`update_check`]),
//! shows it to the cardholder ("Version X is available — what's new — Install / Later"), and
//! only on their yes asks for that very version to be installed ([`update_install`]).
//!
//! The shell's updater (`src-tauri/src/updates.rs`) downloads the package, checks its minisign
//! signature against the public key in the app's configuration (and that it was signed for the
//! version announced), and only then hands it to the package manager. Nothing is downloaded
//! by a check, and nothing is installed without a yes.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::shell::UpdateOffer;
use crate::{ApiError, Context};

/// `automatic`: the window's own check at start, which runs only when the cardholder allows it
/// and this copy was installed from a package; `false` for "Check for updates".
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UpdateCheckRequest {
    pub automatic: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateCheck {
    pub current_version: String,
    /// The server was asked (an automatic check may be skipped).
    pub checked: bool,
    /// The newer version on offer, if any.
    pub available: Option<UpdateOffer>,
}

/// Install this version: the one the cardholder was shown and said yes to.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct UpdateInstallRequest {
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateInstalled {
    pub version: String,
}

/// `update_check`: asks the update server for a newer version (downloads nothing).
pub async fn update_check(
    ctx: &Context,
    request: UpdateCheckRequest,
) -> Result<UpdateCheck, ApiError> {
    let desktop = ctx.desktop();
    let skipped = UpdateCheck {
        current_version: ctx.version().to_owned(),
        checked: false,
        available: None,
    };
    if request.automatic {
        let allowed = super::StoredChoices::load(ctx.data_dir())
            .check_for_updates
            .unwrap_or(true);
        if !allowed || !desktop.installed_from_package() {
            return Ok(skipped);
        }
    }
    let available = desktop.check_update().await?;
    Ok(UpdateCheck {
        checked: true,
        available,
        ..skipped
    })
}

/// `update_install`: installs `version`, which must be the update last offered; its signature
/// is checked first. The app restarts into the new version once it is installed.
pub async fn update_install(
    ctx: &Context,
    request: UpdateInstallRequest,
) -> Result<UpdateInstalled, ApiError> {
    let version = request.version.trim().to_owned();
    if version.is_empty() || version.len() > 64 {
        return Err(ApiError::invalid_input("version: not a version"));
    }
    ctx.desktop().install_update(version.clone()).await?;
    Ok(UpdateInstalled { version })
}
