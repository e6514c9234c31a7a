//! How a command opens the wallet (`commands::wallet::open`, through the api): with the key in
//! the OS keyring (the default), or with the passphrase read from an environment variable the
//! caller names. No prompt: scripts never hang.

use clap::Args;

#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// Unlock with the passphrase held in this environment variable instead of the keyring.
    #[arg(long, global = true, value_name = "VAR")]
    pub passphrase_env: Option<String>,
}
