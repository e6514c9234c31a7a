//! `export_history`: the cardholder's history in an open format (CSV, JSON, OFX, or an
//! encrypted archive of all of them), written where the save dialog pointed. The work is done
//! by `consentry-export`; this is the IPC boundary: DTOs in, validation, a summary out.

use std::path::PathBuf;

use chrono::Utc;
use consentry_export::{
    ArchivePassword, ExportControl, ExportError, ExportFilter, ExportFormat as CoreFormat,
    ExportRequest as CoreRequest, ExportSummary as CoreSummary,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::runtime::exports::ExportProgress;
use crate::{ApiError, Context, ErrorCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// A new folder with one CSV file per event kind.
    Csv,
    /// One JSON document (docs/export/export.schema.json).
    Json,
    /// OFX 2.2: settled card payments and paid cashback, for accounting software.
    Ofx,
    /// Everything plus the consent ledger, encrypted with `password` (age format).
    Archive,
}

impl From<ExportFormat> for CoreFormat {
    fn from(format: ExportFormat) -> Self {
        match format {
            ExportFormat::Csv => CoreFormat::Csv,
            ExportFormat::Json => CoreFormat::Json,
            ExportFormat::Ofx => CoreFormat::Ofx,
            ExportFormat::Archive => CoreFormat::Archive,
        }
    }
}

impl From<CoreFormat> for ExportFormat {
    fn from(format: CoreFormat) -> Self {
        match format {
            CoreFormat::Csv => ExportFormat::Csv,
            CoreFormat::Json => ExportFormat::Json,
            CoreFormat::Ofx => ExportFormat::Ofx,
            CoreFormat::Archive => ExportFormat::Archive,
        }
    }
}

/// What to export. Where to is not the page's to say: the backend asks the person in the
/// system's save dialog (`crate::native`).
#[derive(Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExportRequest {
    pub format: ExportFormat,
    /// First day (`YYYY-MM-DD`, UTC) or time (RFC 3339), inclusive.
    pub from: Option<String>,
    /// Last day or time, inclusive.
    pub to: Option<String>,
    /// Card tokens or last 4 digits; empty: every card.
    #[serde(default)]
    pub cards: Vec<String>,
    /// App ids; empty: every app.
    #[serde(default)]
    pub apps: Vec<String>,
    /// Event kinds (`receipt.issued`…); empty: every kind.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// The archive's password (required for `archive`, refused otherwise). Never logged.
    pub password: Option<String>,
}

impl std::fmt::Debug for ExportRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportRequest")
            .field("format", &self.format)
            .field("from", &self.from)
            .field("to", &self.to)
            .field("cards", &self.cards)
            .field("apps", &self.apps)
            .field("kinds", &self.kinds)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// One file of a finished export.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportedFile {
    pub name: String,
    pub rows: u64,
}

/// A finished export.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportSummary {
    pub format: ExportFormat,
    pub destination: String,
    /// Events exported (OFX: statement rows).
    pub events: u64,
    pub files: Vec<ExportedFile>,
    pub bytes: u64,
    /// False for every format but the archive: the UI warns before writing those.
    pub encrypted: bool,
}

impl From<CoreSummary> for ExportSummary {
    fn from(summary: CoreSummary) -> Self {
        Self {
            format: summary.format.into(),
            destination: summary.destination.display().to_string(),
            events: summary.events,
            files: summary
                .files
                .into_iter()
                .map(|f| ExportedFile {
                    name: f.name,
                    rows: f.rows,
                })
                .collect(),
            bytes: summary.bytes,
            encrypted: summary.format == CoreFormat::Archive,
        }
    }
}

impl ExportRequest {
    /// The export's request, writing to `destination` (public for the fuzz target).
    pub fn to_core(&self, destination: PathBuf) -> Result<CoreRequest, ApiError> {
        let request = self.clone();
        let kinds = request
            .kinds
            .iter()
            .map(|k| consentry_export::parse_kind(k))
            .collect::<Result<_, _>>()
            .map_err(api_error)?;
        let filter = ExportFilter {
            from: request
                .from
                .as_deref()
                .map(consentry_export::parse_from)
                .transpose()
                .map_err(api_error)?,
            until: request
                .to
                .as_deref()
                .map(consentry_export::parse_to)
                .transpose()
                .map_err(api_error)?,
            cards: request.cards,
            apps: request.apps,
            kinds,
        };
        let core = CoreRequest {
            format: request.format.into(),
            destination,
            filter,
            password: request.password.map(ArchivePassword::new),
            now: Utc::now(),
        };
        core.validate().map_err(api_error)?;
        Ok(core)
    }
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct ExportCancelRequest {}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ExportCancelled {
    /// False when no export was running.
    pub cancelled: bool,
}

/// `export_history`: exports, reporting progress (`export_progress` events through
/// [`Context::subscribe_export_progress`]) and stopping at [`export_cancel`].
///
/// The request is checked first; then the system's save dialog asks where (and whether to
/// replace a file there); cancelling it fails with `cancelled` and writes nothing.
pub async fn export_history(
    ctx: &Context,
    request: ExportRequest,
) -> Result<ExportSummary, ApiError> {
    // Checked before asking, so a wrong date is not reported after the dialog.
    request.to_core(PathBuf::from("chosen-next"))?;
    let locale = ctx.lang().await;
    let format = CoreFormat::from(request.format);
    let extension = match format {
        CoreFormat::Csv => "",
        CoreFormat::Json => "json",
        CoreFormat::Ofx => "ofx",
        CoreFormat::Archive => "age",
    };
    let day = Utc::now().format("%Y-%m-%d");
    let file_name = if extension.is_empty() {
        format!("consentry-csv-{day}")
    } else {
        format!("consentry-{day}.{extension}")
    };
    let dialog = crate::native::texts::save_export(
        locale,
        format == CoreFormat::Csv,
        format == CoreFormat::Archive,
        file_name,
        extension,
    );
    let Some(destination) = ctx.native().save(dialog).await else {
        return Err(ApiError::new(
            ErrorCode::Cancelled,
            "the export was cancelled in the save dialog",
        ));
    };
    export_history_to(ctx, request, destination).await
}

/// [`export_history`] to a destination already chosen (tests, and callers that asked the
/// person themselves). Not an IPC command: the page never names a path.
pub async fn export_history_to(
    ctx: &Context,
    request: ExportRequest,
    destination: PathBuf,
) -> Result<ExportSummary, ApiError> {
    let hub = ctx.exports();
    let (control, run) = hub.start()?;
    let result = export_history_with(ctx, request, destination, &control).await;
    hub.finish(run);
    result
}

/// `export_cancel`: stops the running export at its next page; it then removes what it wrote
/// and `export_history` fails with `cancelled`.
pub async fn export_cancel(
    ctx: &Context,
    _request: ExportCancelRequest,
) -> Result<ExportCancelled, ApiError> {
    Ok(ExportCancelled {
        cancelled: ctx.exports().cancel(),
    })
}

/// The same, with progress reports and a cancel flag (for the shell to wire to the UI).
async fn export_history_with(
    ctx: &Context,
    request: ExportRequest,
    destination: PathBuf,
    control: &ExportControl,
) -> Result<ExportSummary, ApiError> {
    let request = request.to_core(destination)?;
    let pool = ctx.pool().await?;
    let summary = consentry_export::export(&pool, &request, control)
        .await
        .map_err(api_error)?;
    Ok(summary.into())
}

fn api_error(error: ExportError) -> ApiError {
    let code = match &error {
        ExportError::InvalidOption { .. } | ExportError::DestinationNotEmpty(_) => {
            ErrorCode::InvalidInput
        }
        ExportError::UnknownCard(_)
        | ExportError::UnknownApp(_)
        | ExportError::FolderNotFound(_) => ErrorCode::NotFound,
        ExportError::Store(_) => {
            if let ExportError::Store(store) = error {
                return store.into();
            }
            ErrorCode::Internal
        }
        ExportError::Cancelled => ErrorCode::Cancelled,
        // The cardholder chose the destination: its path and the problem help them.
        ExportError::Io { .. } => ErrorCode::Storage,
        ExportError::Encryption(_) | ExportError::Internal(_) => {
            tracing::error!(error = %error, "export failed");
            ErrorCode::Internal
        }
    };
    ApiError::new(code, error.to_string())
}
