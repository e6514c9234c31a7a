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

    /// The platform to sync with.
    #[arg(long, value_name = "URL", env = "CONSENTRY_PLATFORM_URL")]
    pub platform_url: Option<String>,
}
