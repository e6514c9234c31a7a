//! `app_info`: what this build is and where it keeps its data.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, Context};

/// `app_info` takes no parameters; the empty struct keeps every command's shape uniform.
#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct AppInfoRequest {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum BuildProfile {
    Debug,
    Release,
}

impl BuildProfile {
    pub const fn current() -> Self {
        if cfg!(debug_assertions) {
            Self::Debug
        } else {
            Self::Release
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub build_profile: BuildProfile,
    /// The platform this wallet talks to, when one is configured.
    pub platform_url: Option<String>,
    /// It is the embedded demo platform: the window says "Demo" and offers the demo controls.
    pub demo: bool,
}

pub async fn app_info(ctx: &Context, _request: AppInfoRequest) -> Result<AppInfo, ApiError> {
    Ok(AppInfo {
        version: ctx.version().to_owned(),
        data_dir: ctx.data_dir().display().to_string(),
        build_profile: BuildProfile::current(),
        platform_url: ctx.platform_url().map(str::to_owned),
        demo: ctx.is_demo(),
    })
}
