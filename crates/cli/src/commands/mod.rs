//! One module per subcommand; each takes the resolved data folder and its own arguments.

pub mod consent;
pub mod export;
pub mod wallet;

use crate::cli::{Cli, Command};
use crate::exit::CliError;

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let data_dir = consentry_api::paths::resolve_data_dir(
        cli.data_dir,
        std::env::var_os(consentry_api::paths::DATA_DIR_ENV),
    )?;
    match cli.command {
        Command::Export(args) => export::run(&data_dir, &cli.unlock, args).await,
        Command::Status(args) => wallet::status(&data_dir, &cli.unlock, args).await,
        Command::Sync(args) => wallet::sync(&data_dir, &cli.unlock, args).await,
        Command::Grants(args) => wallet::grants(&data_dir, &cli.unlock, args).await,
        Command::Grant(args) => wallet::grant(&data_dir, &cli.unlock, args).await,
        Command::Revoke(args) => wallet::revoke(&data_dir, &cli.unlock, args).await,
        Command::Unlock => wallet::unlock(&data_dir, &cli.unlock).await,
        Command::SetPassphrase(args) => wallet::set_passphrase(&data_dir, &cli.unlock, &args).await,
        Command::Keyring(args) => wallet::keyring(&data_dir, &cli.unlock, &args).await,
        Command::NewRecoveryKey => wallet::new_recovery_key(&data_dir, &cli.unlock).await,
        Command::ExportConsent(args) => consent::export(&data_dir, &cli.unlock, args).await,
        Command::VerifyConsent(args) => consent::verify(&args),
    }
}
