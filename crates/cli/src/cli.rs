//! The command line: global flags and one subcommand each (see [`crate::commands`]).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::commands::consent::{ExportConsentArgs, VerifyConsentArgs};
use crate::commands::export::ExportArgs;
use crate::commands::wallet::{
    GrantArgs, GrantsArgs, KeyringArgs, RevokeArgs, SetPassphraseArgs, StatusArgs, SyncArgs,
};
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
    /// The wallet, its platform, and what waits to be sent.
    #[command(after_help = EXIT_CODES_HELP)]
    Status(StatusArgs),
    /// Send pending consent changes and fetch new events now.
    #[command(after_help = EXIT_CODES_HELP)]
    Sync(SyncArgs),
    /// List permissions (app, card, scope, status, sync state, expiry), tab-separated.
    #[command(after_help = EXIT_CODES_HELP)]
    Grants(GrantsArgs),
    /// Allow an app to do one thing on one card.
    #[command(after_help = EXIT_CODES_HELP)]
    Grant(GrantArgs),
    /// Withdraw a permission (effective in the wallet at once).
    #[command(after_help = EXIT_CODES_HELP)]
    Revoke(RevokeArgs),
    /// Check that the wallet opens with the keyring or the passphrase; nothing stays unlocked.
    #[command(after_help = EXIT_CODES_HELP)]
    Unlock,
    /// Set or change the passphrase (proof: the current passphrase or the recovery key).
    #[command(after_help = EXIT_CODES_HELP)]
    SetPassphrase(SetPassphraseArgs),
    /// Keep the key in the OS keyring, or take it out (then the passphrase unlocks).
    #[command(after_help = EXIT_CODES_HELP)]
    Keyring(KeyringArgs),
    /// Make a new recovery key (printed first), then re-encrypt the wallet under it: the old
    /// recovery key stops opening the wallet, even with an old copy of its files.
    #[command(after_help = EXIT_CODES_HELP)]
    NewRecoveryKey,
    /// Write the consent proof: the device chain and every change your devices signed.
    #[command(after_help = EXIT_CODES_HELP)]
    ExportConsent(ExportConsentArgs),
    /// Check a consent proof offline (no wallet needed): every signature, every grant's order.
    #[command(after_help = EXIT_CODES_HELP)]
    VerifyConsent(VerifyConsentArgs),
}
