//! Setting a wallet up: `init` (a new wallet), `join` (this device joins a cardholder it
//! already is elsewhere), `recover` (the recovery key opens it and sets a new passphrase).

use std::io::{IsTerminal as _, Write as _};

use clap::Args;
use consentry_api::{
    PlatformEnrollRequest, WalletCreateRequest, WalletPassphraseRequest, WalletUnlockRequest,
};

use super::wallet::{close, context, env_secret, print};
use super::Run;
use crate::exit::{CliError, Status};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Keep the key in the OS keyring (the default when no passphrase is given).
    #[arg(long)]
    pub keyring: bool,
    /// Protect the key with the passphrase held in this environment variable (8 characters
    /// or more).
    #[arg(long, value_name = "VAR")]
    pub new_passphrase_env: Option<String>,
    /// Print the recovery key on standard output even when it is not a terminal (a script
    /// that stores it somewhere safe). Without it, the key goes to the terminal only.
    #[arg(long)]
    pub print_recovery_key: bool,
}

/// Where the recovery key is shown: standard output when it is the terminal (or the caller
/// asked for it), else the controlling terminal, else nowhere (and nothing is created).
enum KeyOutput {
    Stdout,
    Tty(std::fs::File),
}

fn key_output(print_anyway: bool) -> Result<KeyOutput, CliError> {
    if print_anyway || std::io::stdout().is_terminal() {
        return Ok(KeyOutput::Stdout);
    }
    std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/tty")
        .map(KeyOutput::Tty)
        .map_err(|_| {
            CliError::usage(
                "no terminal to show the recovery key on: run init in a terminal, or pass \
                 --print-recovery-key to print it on standard output",
            )
        })
}

/// `consentry init`.
pub async fn init(run: &Run<'_>, args: InitArgs) -> Result<(), CliError> {
    let passphrase = args
        .new_passphrase_env
        .as_deref()
        .map(|var| env_secret("--new-passphrase-env", var))
        .transpose()?;
    let use_keyring = args.keyring || passphrase.is_none();
    // Decided before anything is created: a key with nowhere to go would be lost.
    let mut output = key_output(args.print_recovery_key)?;
    let ctx = context(run.data_dir, None);
    let created = consentry_api::wallet_create(
        &ctx,
        WalletCreateRequest {
            use_keyring,
            passphrase,
        },
    )
    .await;
    close(&ctx).await;
    let created = created?;
    let text = format!(
        "recovery key (write it down; it is shown only now):\n{}\n",
        created.recovery_key
    );
    match &mut output {
        KeyOutput::Stdout if run.json => {
            let json = serde_json::json!({
                "wallet_id": created.status.wallet_id,
                "keyring": use_keyring,
                "passphrase": created.status.has_passphrase,
                "recovery_key": created.recovery_key,
            });
            print(&format!("{json:#}\n"))?;
        }
        KeyOutput::Stdout => print(&text)?,
        KeyOutput::Tty(tty) => tty
            .write_all(text.as_bytes())
            .and_then(|()| tty.flush())
            .map_err(|e| CliError::new(Status::Io, format!("cannot write to the terminal: {e}")))?,
    }
    if !run.json {
        print(&format!(
            "created wallet {} in {}\n",
            created.status.wallet_id.unwrap_or_default(),
            run.data_dir.display()
        ))?;
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct JoinArgs {
    /// The platform's address.
    #[arg(long, value_name = "URL", env = "CONSENTRY_PLATFORM_URL")]
    pub platform_url: String,
    /// The cardholder id shown on your other device.
    #[arg(long, value_name = "ID")]
    pub cardholder_id: String,
    /// The environment variable holding the cardholder secret shown on your other device.
    #[arg(long, value_name = "VAR")]
    pub secret_env: String,
    /// The environment variable holding a pairing code from your other device (without one,
    /// this device reads but cannot change consent until it is paired).
    #[arg(long, value_name = "VAR")]
    pub pairing_code_env: Option<String>,
    /// This device's name, as your other devices will show it.
    #[arg(long, value_name = "NAME")]
    pub device_name: Option<String>,
}

/// `consentry join`.
pub async fn join(run: &Run<'_>, args: JoinArgs) -> Result<(), CliError> {
    let request = PlatformEnrollRequest {
        platform_url: args.platform_url.clone(),
        device_name: args.device_name,
        cardholder_id: Some(args.cardholder_id),
        cardholder_secret: Some(env_secret("--secret-env", &args.secret_env)?),
        pairing_code: args
            .pairing_code_env
            .as_deref()
            .map(|var| env_secret("--pairing-code-env", var))
            .transpose()?,
    };
    let status = run
        .with_wallet(Some(args.platform_url), async |ctx| {
            Ok(consentry_api::platform_enroll(ctx, request).await?)
        })
        .await?;
    run.show(&status, |s| {
        format!(
            "joined: {}\n",
            s.platform
                .as_ref()
                .map_or_else(String::new, |p| format!("{} as {}", p.url, p.device_name))
        )
    })
}

#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The environment variable holding the recovery key.
    #[arg(long, value_name = "VAR")]
    pub recovery_key_env: String,
    /// The environment variable holding the new passphrase (8 characters or more).
    #[arg(long, value_name = "VAR")]
    pub new_passphrase_env: String,
}

/// `consentry recover`: the recovery key opens the wallet and proves the change, so a
/// forgotten passphrase or a lost keyring entry is not the end of the wallet.
pub async fn recover(run: &Run<'_>, args: &RecoverArgs) -> Result<(), CliError> {
    let recovery_key = env_secret("--recovery-key-env", &args.recovery_key_env)?;
    let new_passphrase = env_secret("--new-passphrase-env", &args.new_passphrase_env)?;
    let ctx = context(run.data_dir, None);
    let result = async {
        consentry_api::wallet_unlock(
            &ctx,
            WalletUnlockRequest::RecoveryKey {
                recovery_key: recovery_key.clone(),
            },
        )
        .await?;
        consentry_api::wallet_set_passphrase(
            &ctx,
            WalletPassphraseRequest {
                proof: WalletUnlockRequest::RecoveryKey { recovery_key },
                new_passphrase,
            },
        )
        .await?;
        Ok::<_, CliError>(())
    }
    .await;
    close(&ctx).await;
    result?;
    print("recovered: the new passphrase opens the wallet\n")
}
