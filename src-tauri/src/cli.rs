//! Command-line flags of the desktop app.

use std::path::PathBuf;

use clap::Parser;

/// Consentry: own the consent you give apps on your payment cards.
#[derive(Debug, Parser)]
#[command(name = "consentry-app", version)]
pub struct Args {
    /// Where the wallet lives [env: CONSENTRY_DATA_DIR; default: the OS data directory].
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// The platform to sync with [default: an embedded demo platform on this computer].
    #[arg(long, value_name = "URL", env = "CONSENTRY_PLATFORM_URL")]
    pub platform_url: Option<String>,

    /// Demo platform: simulate a purchase on a linked card every N seconds (0: only when
    /// asked from the app).
    #[arg(
        long,
        value_name = "SECONDS",
        env = "CONSENTRY_DEMO_EVERY",
        default_value_t = 30
    )]
    pub demo_every: u64,

    /// The update manifest to ask for new versions [default: the one in the app's
    /// configuration, `plugins.updater.endpoints`].
    #[arg(long, value_name = "URL", env = "CONSENTRY_UPDATE_URL")]
    pub update_url: Option<url::Url>,

    /// Started by the login entry ("Start at login"): the window stays hidden in the tray
    /// when Consentry keeps running there.
    #[arg(long, hide = true)]
    pub autostart: bool,
}
