//! `consentry export-consent` and `consentry verify-consent`: the consent proof (the device
//! chain and every device-signed change), written from the wallet and checked by anyone,
//! offline, without a wallet.

use std::path::{Path, PathBuf};

use clap::Args;
use consentry_domain::ConsentProof;

use crate::commands::wallet::{close, open, print};
use crate::exit::{CliError, Status};
use crate::unlock::UnlockArgs;

#[derive(Debug, Args)]
pub struct ExportConsentArgs {
    /// Where to write the proof (JSON); never overwritten.
    #[arg(long, short, value_name = "FILE")]
    pub output: PathBuf,
}

#[derive(Debug, Args)]
pub struct VerifyConsentArgs {
    /// A proof written by `consentry export-consent`.
    #[arg(value_name = "FILE")]
    pub proof: PathBuf,
}

/// Writes the wallet's consent proof.
pub async fn export(
    data_dir: &Path,
    unlock: &UnlockArgs,
    args: ExportConsentArgs,
) -> Result<(), CliError> {
    if args.output.exists() {
        return Err(CliError::usage(format!(
            "{} exists; choose another file",
            args.output.display()
        )));
    }
    let ctx = open(data_dir, unlock, None).await?;
    let proof = consentry_api::sync::consent_proof(&ctx).await;
    close(&ctx).await;
    let proof = proof?;
    let json = serde_json::to_string_pretty(&proof)
        .map_err(|e| CliError::other(format!("cannot write the proof: {e}")))?;
    std::fs::write(&args.output, json).map_err(|e| {
        CliError::new(
            Status::Io,
            format!("cannot write {}: {e}", args.output.display()),
        )
    })?;
    print(&format!(
        "wrote {} signed changes and {} devices to {}\n",
        proof.changes.len(),
        proof.device_chain.len(),
        args.output.display()
    ))
}

/// Checks a proof; exits with [`Status::Unverified`] when anything fails.
pub fn verify(args: &VerifyConsentArgs, json: bool) -> Result<(), CliError> {
    let text = std::fs::read(&args.proof).map_err(|e| {
        CliError::new(
            Status::Io,
            format!("cannot read {}: {e}", args.proof.display()),
        )
    })?;
    let proof: ConsentProof = serde_json::from_slice(&text).map_err(|e| {
        CliError::usage(format!(
            "{} is not a consent proof: {e}",
            args.proof.display()
        ))
    })?;
    let report = proof.verify();
    if json {
        let json = serde_json::json!({ "valid": report.is_valid(), "report": report });
        print(&format!("{json:#}\n"))?;
    } else {
        let mut text = match &report.chain_problem {
            None => format!("device chain: {} devices, verified\n", report.devices),
            Some(problem) => format!("device chain: BROKEN: {problem}\n"),
        };
        for grant in &report.grants {
            text.push_str(&format!(
                "{}\t{}\t{}\t{} changes\t{}\t{}\n",
                grant.grant_id,
                grant.app_id,
                grant.scope.as_str(),
                grant.changes,
                grant.last_action.as_str(),
                grant.problem.as_deref().unwrap_or("verified"),
            ));
        }
        print(&text)?;
    }
    if report.is_valid() {
        Ok(())
    } else {
        Err(CliError::new(
            Status::Unverified,
            "the consent proof does not verify",
        ))
    }
}
