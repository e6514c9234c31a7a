//! The command line: global flags and one subcommand each (see [`crate::commands`]).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::commands::export::ExportArgs;
use crate::exit::EXIT_CODES_HELP;
use crate::unlock::UnlockArgs;

/// Consentry: your cards, your consent — the wallet from a terminal.
#[derive(Debug, Parser)]
#[command(name = "consentry", version, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// The wallet's folder (else $CONSENTRY_DATA_DIR, else the app's data folder:
    /// ~/.local/share/org.consentry.app on Linux).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    #[command(flatten)]
    pub unlock: UnlockArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Export the history (CSV, JSON, OFX, or an encrypted archive of all of them).
    #[command(after_help = EXIT_CODES_HELP)]
    Export(ExportArgs),
}
