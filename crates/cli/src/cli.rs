//! The command line: global flags and one subcommand each (see [`crate::commands`]).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::commands::activity::{
    ActivityArgs, LedgerListArgs, RequestCreateArgs, RequestsListArgs, RewardsArgs,
};
use crate::commands::cards::{LinkArgs, RenameArgs, UnlinkArgs};
use crate::commands::completions::CompletionsArgs;
use crate::commands::consent::{ExportConsentArgs, VerifyConsentArgs};
use crate::commands::export::ExportArgs;
use crate::commands::setup::{InitArgs, JoinArgs, RecoverArgs};
use crate::commands::wallet::{
    ConflictsCommand, GrantArgs, GrantsArgs, KeyringArgs, RevokeAllArgs, RevokeArgs,
    SetPassphraseArgs, SyncArgs,
};
use crate::exit::EXIT_CODES_HELP;
use crate::unlock::UnlockArgs;

/// Consentry: your cards, your consent — the wallet from a terminal.
///
/// Every subcommand opens the wallet (with the OS keyring, or `--passphrase-env`), does one
/// thing through the same core as the desktop app, and locks it again. Card numbers are never
/// accepted on the command line: `card link` reads them from the terminal or standard input.
#[derive(Debug, Parser)]
#[command(name = "consentry", version, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    /// The wallet's folder (else $CONSENTRY_DATA_DIR, else the app's data folder:
    /// ~/.local/share/org.consentry.app on Linux).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    #[command(flatten)]
    pub unlock: UnlockArgs,

    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a wallet: its key in the OS keyring, protected by a passphrase, or both. The
    /// recovery key is shown once, on the terminal.
    #[command(after_help = EXIT_CODES_HELP)]
    Init(InitArgs),
    /// Join a cardholder you already are on another device (its id and secret, from that
    /// device's Settings → Platform).
    #[command(after_help = EXIT_CODES_HELP)]
    Join(JoinArgs),
    /// Open the wallet with its recovery key and set a new passphrase.
    #[command(after_help = EXIT_CODES_HELP)]
    Recover(RecoverArgs),
    /// The wallet, its platform, and what waits to be sent.
    #[command(after_help = EXIT_CODES_HELP)]
    Status,
    /// Send pending consent changes and fetch new events now.
    #[command(after_help = EXIT_CODES_HELP)]
    Sync(SyncArgs),
    /// Check that the wallet opens with the keyring or the passphrase; nothing stays unlocked.
    #[command(after_help = EXIT_CODES_HELP)]
    Unlock,
    /// The passphrase.
    #[command(subcommand)]
    Passphrase(PassphraseCommand),
    /// Set or change the passphrase (the same as `passphrase change`).
    #[command(hide = true)]
    SetPassphrase(SetPassphraseArgs),
    /// Keep the key in the OS keyring, or take it out (then the passphrase unlocks).
    #[command(after_help = EXIT_CODES_HELP)]
    Keyring(KeyringArgs),
    /// Make a new recovery key (printed first), then re-encrypt the wallet under it: the old
    /// recovery key stops opening the wallet, even with an old copy of its files.
    #[command(after_help = EXIT_CODES_HELP)]
    NewRecoveryKey,
    /// Linked cards: list, link, rename, unlink.
    #[command(subcommand)]
    Card(CardCommand),
    /// The platform's app directory as the wallet last fetched it.
    #[command(after_help = EXIT_CODES_HELP)]
    Apps,
    /// List permissions (app, card, scope, status, sync state, expiry), tab-separated.
    #[command(after_help = EXIT_CODES_HELP)]
    Grants(GrantsArgs),
    /// Allow an app to do one thing on one card.
    #[command(after_help = EXIT_CODES_HELP)]
    Grant(GrantArgs),
    /// Withdraw a permission (effective in the wallet at once).
    #[command(after_help = EXIT_CODES_HELP)]
    Revoke(RevokeArgs),
    /// Withdraw every permission of an app, on a card, or both.
    #[command(after_help = EXIT_CODES_HELP)]
    RevokeAll(RevokeAllArgs),
    /// Your changes another device's change beat at the platform: list, keep theirs, or
    /// apply yours again.
    #[command(after_help = EXIT_CODES_HELP)]
    Conflicts {
        #[command(subcommand)]
        command: Option<ConflictsCommand>,
    },
    /// The cardholder's devices: list them, or remove a lost one.
    #[command(after_help = EXIT_CODES_HELP)]
    Devices {
        #[command(subcommand)]
        command: Option<crate::commands::devices::DevicesCommand>,
    },
    /// The consent ledger: every change, and the check of its hash chain.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// What happened on your cards, newest first, one line per purchase (filters, paging).
    #[command(after_help = EXIT_CODES_HELP)]
    Activity(ActivityArgs),
    /// Points, cashback and what the platform earned, per currency.
    #[command(after_help = EXIT_CODES_HELP)]
    Rewards(RewardsArgs),
    /// Data requests to apps (a copy of, or the deletion of, what they hold about you).
    #[command(subcommand)]
    Requests(RequestsCommand),
    /// Export the history (CSV, JSON, OFX, or an encrypted archive of all of them).
    #[command(after_help = EXIT_CODES_HELP)]
    Export(ExportArgs),
    /// Write the consent proof: the device chain and every change your devices signed.
    #[command(after_help = EXIT_CODES_HELP)]
    ExportConsent(ExportConsentArgs),
    /// Check a consent proof offline (no wallet needed): every signature, every grant's order.
    #[command(after_help = EXIT_CODES_HELP)]
    VerifyConsent(VerifyConsentArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
}

#[derive(Debug, Subcommand)]
pub enum PassphraseCommand {
    /// Set or change the passphrase (proof: the current passphrase or the recovery key).
    #[command(after_help = EXIT_CODES_HELP)]
    Change(SetPassphraseArgs),
}

#[derive(Debug, Subcommand)]
pub enum CardCommand {
    /// The linked cards.
    #[command(after_help = EXIT_CODES_HELP)]
    List,
    /// Link a card: its number is read from the terminal (not shown) or from standard input,
    /// sent to the platform once and forgotten.
    #[command(after_help = EXIT_CODES_HELP)]
    Link(LinkArgs),
    /// Give a card a nickname (none clears it).
    #[command(after_help = EXIT_CODES_HELP)]
    Rename(RenameArgs),
    /// Unlink a card: its permissions are revoked first.
    #[command(after_help = EXIT_CODES_HELP)]
    Unlink(UnlinkArgs),
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Every consent change, newest first.
    #[command(after_help = EXIT_CODES_HELP)]
    List(LedgerListArgs),
    /// Check the ledger's hash chain.
    #[command(after_help = EXIT_CODES_HELP)]
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum RequestsCommand {
    /// Your data requests and their due dates.
    #[command(after_help = EXIT_CODES_HELP)]
    List(RequestsListArgs),
    /// Ask an app for a copy of your data, or to delete it.
    #[command(after_help = EXIT_CODES_HELP)]
    Create(RequestCreateArgs),
}
