//! Opening the wallet for a command: with the key in the OS keyring (the default), or with the
//! passphrase read from an environment variable the caller names. No prompt: scripts never hang.

use std::path::Path;

use chrono::Utc;
use clap::Args;
use consentry_store::{KeyringStore, Passphrase, Unlock, Wallet, WalletPaths};

use crate::exit::CliError;

#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// Unlock with the passphrase held in this environment variable instead of the keyring.
    #[arg(long, global = true, value_name = "VAR")]
    pub passphrase_env: Option<String>,
}

/// The unlocked wallet in `data_dir`.
pub async fn open_wallet(data_dir: &Path, args: &UnlockArgs) -> Result<Wallet, CliError> {
    let now = Utc::now();
    let mut wallet = Wallet::new(WalletPaths::in_dir(data_dir), None, now);
    match &args.passphrase_env {
        Some(var) => {
            let text = std::env::var(var).map_err(|_| {
                CliError::usage(format!("--passphrase-env: the variable {var} is not set"))
            })?;
            let passphrase = Passphrase::new(text);
            wallet.unlock(Unlock::Passphrase(&passphrase), now).await?;
        }
        None => {
            let keyring = KeyringStore::new();
            wallet.unlock(Unlock::Keyring(&keyring), now).await?;
        }
    }
    Ok(wallet)
}
