//! `consentry export`: the history in an open format.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use consentry_api::export::{ExportFormat, ExportRequest};

use crate::commands::wallet::{close, env_secret, open};
use crate::exit::CliError;
use crate::unlock::UnlockArgs;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// A new folder with one CSV file per event kind.
    Csv,
    /// One JSON document (schema: docs/export/export.schema.json).
    Json,
    /// OFX 2.2 for accounting software: settled payments and paid cashback.
    Ofx,
    /// All of them plus the consent ledger, encrypted with a password (age format).
    Archive,
}

impl From<Format> for ExportFormat {
    fn from(format: Format) -> Self {
        match format {
            Format::Csv => ExportFormat::Csv,
            Format::Json => ExportFormat::Json,
            Format::Ofx => ExportFormat::Ofx,
            Format::Archive => ExportFormat::Archive,
        }
    }
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The format.
    #[arg(long, value_enum)]
    pub format: Format,
    /// The file to write (a new or empty folder for csv). An existing file is replaced.
    #[arg(long, value_name = "PATH")]
    pub out: PathBuf,
    /// Only events on or after this day (YYYY-MM-DD, UTC) or time (RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Only events up to and including this day (YYYY-MM-DD, UTC) or time (RFC 3339).
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Only this card: its token or its last 4 digits (repeat for several).
    #[arg(long, value_name = "CARD")]
    pub card: Vec<String>,
    /// Only this app id (repeat for several).
    #[arg(long, value_name = "APP")]
    pub app: Vec<String>,
    /// Only this kind of event, e.g. receipt.issued (repeat for several).
    #[arg(long, value_name = "KIND")]
    pub kind: Vec<String>,
    /// The archive's password is in this environment variable (required for --format archive).
    #[arg(long, value_name = "VAR")]
    pub password_env: Option<String>,
}

impl ExportArgs {
    /// The api's request and the destination; the password is read from its variable here.
    fn request(self) -> Result<(ExportRequest, PathBuf), CliError> {
        let password = self
            .password_env
            .as_deref()
            .map(|var| env_secret("--password-env", var))
            .transpose()?;
        let request = ExportRequest {
            format: self.format.into(),
            from: self.from,
            to: self.to,
            cards: self.card,
            apps: self.app,
            kinds: self.kind,
            password,
        };
        // Bad options fail before the wallet is opened.
        request.to_core(self.out.clone())?;
        Ok((request, self.out))
    }
}

/// `consentry export`: through the api, as the app's Export screen does (without its dialog:
/// the destination is `--out`).
pub async fn run(data_dir: &Path, unlock: &UnlockArgs, args: ExportArgs) -> Result<(), CliError> {
    let (request, destination) = args.request()?;
    let ctx = open(data_dir, unlock, None).await?;
    let outcome = consentry_api::export_history_to(&ctx, request, destination).await;
    close(&ctx).await;
    let summary = outcome?;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(
        stdout,
        "exported {} events to {} ({} files, {} bytes)",
        summary.events,
        summary.destination,
        summary.files.len(),
        summary.bytes
    );
    for file in &summary.files {
        let _ = writeln!(stdout, "  {:<28} {:>9} rows", file.name, file.rows);
    }
    if !summary.encrypted {
        let _ = writeln!(
            std::io::stderr(),
            "note: {} is not encrypted; it holds your payment history",
            summary.destination
        );
    }
    Ok(())
}
