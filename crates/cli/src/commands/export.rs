//! `consentry export`: the history in an open format.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::Utc;
use clap::{Args, ValueEnum};
use consentry_export::{
    export, parse_from, parse_kind, parse_to, ArchivePassword, ExportControl, ExportFilter,
    ExportFormat, ExportRequest,
};

use crate::exit::CliError;
use crate::unlock::{open_wallet, UnlockArgs};

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
    fn request(self) -> Result<ExportRequest, CliError> {
        let filter = ExportFilter {
            from: self.from.as_deref().map(parse_from).transpose()?,
            until: self.to.as_deref().map(parse_to).transpose()?,
            cards: self.card,
            apps: self.app,
            kinds: self
                .kind
                .iter()
                .map(|k| parse_kind(k))
                .collect::<Result<_, _>>()?,
        };
        let password = match &self.password_env {
            Some(var) => Some(ArchivePassword::new(std::env::var(var).map_err(|_| {
                CliError::usage(format!("--password-env: the variable {var} is not set"))
            })?)),
            None => None,
        };
        let request = ExportRequest {
            format: self.format.into(),
            destination: self.out,
            filter,
            password,
            now: Utc::now(),
        };
        // Bad options fail before the wallet is opened.
        request.validate()?;
        Ok(request)
    }
}

pub async fn run(data_dir: &Path, unlock: &UnlockArgs, args: ExportArgs) -> Result<(), CliError> {
    let request = args.request()?;
    let mut wallet = open_wallet(data_dir, unlock).await?;
    let outcome = async {
        let pool = wallet.pool()?.clone();
        Ok::<_, CliError>(export(&pool, &request, &ExportControl::default()).await?)
    }
    .await;
    wallet.lock().await;
    let summary = outcome?;
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(
        stdout,
        "exported {} events to {} ({} files, {} bytes)",
        summary.events,
        summary.destination.display(),
        summary.files.len(),
        summary.bytes
    );
    for file in &summary.files {
        let _ = writeln!(stdout, "  {:<28} {:>9} rows", file.name, file.rows);
    }
    if summary.format != ExportFormat::Archive {
        let _ = writeln!(
            std::io::stderr(),
            "note: {} is not encrypted; it holds your payment history",
            summary.destination.display()
        );
    }
    Ok(())
}
