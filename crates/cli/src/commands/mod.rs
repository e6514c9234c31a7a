//! One module per group of subcommands; each opens the wallet through the api crate (exactly
//! as the window does), does one thing, and locks it again.

pub mod activity;
pub mod cards;
pub mod completions;
pub mod consent;
pub mod devices;
pub mod export;
pub mod setup;
pub mod wallet;

use std::path::Path;

use consentry_api::Context;
use serde::Serialize;

use crate::cli::{CardCommand, Cli, Command, LedgerCommand, PassphraseCommand, RequestsCommand};
use crate::exit::CliError;
use crate::unlock::UnlockArgs;

/// What every subcommand needs: where the wallet is, how to unlock it, how to print.
pub struct Run<'a> {
    pub data_dir: &'a Path,
    pub unlock: &'a UnlockArgs,
    /// Print JSON (the api's own response) instead of text.
    pub json: bool,
}

impl Run<'_> {
    /// Opens the wallet, runs `work` against it, and locks it again whatever happened.
    pub async fn with_wallet<T>(
        &self,
        platform_url: Option<String>,
        work: impl AsyncFnOnce(&Context) -> Result<T, CliError>,
    ) -> Result<T, CliError> {
        let ctx = wallet::open(self.data_dir, self.unlock, platform_url).await?;
        let result = work(&ctx).await;
        wallet::close(&ctx).await;
        result
    }

    /// Prints `value` as JSON with `--json`, else as `human` words it.
    pub fn show<T: Serialize>(
        &self,
        value: &T,
        human: impl FnOnce(&T) -> String,
    ) -> Result<(), CliError> {
        if self.json {
            let json = serde_json::to_string_pretty(value)
                .map_err(|e| CliError::other(format!("cannot write JSON: {e}")))?;
            wallet::print(&format!("{json}\n"))
        } else {
            wallet::print(&human(value))
        }
    }
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let data_dir = consentry_api::paths::resolve_data_dir(
        cli.data_dir,
        std::env::var_os(consentry_api::paths::DATA_DIR_ENV),
    )?;
    let run = Run {
        data_dir: &data_dir,
        unlock: &cli.unlock,
        json: cli.json,
    };
    let (dir, unlock) = (&data_dir, &cli.unlock);
    match cli.command {
        Command::Init(args) => setup::init(&run, args).await,
        Command::Join(args) => setup::join(&run, args).await,
        Command::Recover(args) => setup::recover(&run, &args).await,
        Command::Status => wallet::status(&run).await,
        Command::Sync(args) => wallet::sync(&run, args).await,
        Command::Unlock => wallet::unlock(dir, unlock).await,
        Command::Passphrase(PassphraseCommand::Change(args)) | Command::SetPassphrase(args) => {
            wallet::set_passphrase(dir, unlock, &args).await
        }
        Command::Keyring(args) => wallet::keyring(dir, unlock, &args).await,
        Command::NewRecoveryKey => wallet::new_recovery_key(dir, unlock).await,
        Command::Card(CardCommand::List) => cards::list(&run).await,
        Command::Card(CardCommand::Link(args)) => cards::link(&run, args).await,
        Command::Card(CardCommand::Rename(args)) => cards::rename(&run, args).await,
        Command::Card(CardCommand::Unlink(args)) => cards::unlink(&run, args).await,
        Command::Apps => cards::apps(&run).await,
        Command::Grants(args) => wallet::grants(&run, args).await,
        Command::Grant(args) => wallet::grant(dir, unlock, args).await,
        Command::Revoke(args) => wallet::revoke(dir, unlock, args).await,
        Command::RevokeAll(args) => wallet::revoke_all(&run, args).await,
        Command::Conflicts { command } => wallet::conflicts(&run, command).await,
        Command::Devices { command } => devices::devices(&run, command).await,
        Command::Ledger(LedgerCommand::List(args)) => activity::ledger_list(&run, args).await,
        Command::Ledger(LedgerCommand::Verify) => activity::ledger_verify(&run).await,
        Command::Activity(args) => activity::activity(&run, args).await,
        Command::Rewards(args) => activity::rewards(&run, args).await,
        Command::Requests(RequestsCommand::List(args)) => activity::requests(&run, args).await,
        Command::Requests(RequestsCommand::Create(args)) => {
            activity::request_create(&run, args).await
        }
        Command::Export(args) => export::run(dir, unlock, args).await,
        Command::ExportConsent(args) => consent::export(dir, unlock, args).await,
        Command::VerifyConsent(args) => consent::verify(&args, cli.json),
        Command::Completions(args) => {
            completions::print(&args, <Cli as clap::CommandFactory>::command())
        }
    }
}
