//! The consent ledger, for the archive: every entry, in chain order, as CSV and as a versioned
//! JSON document. It is always exported whole (the export's filter does not apply), so the
//! hash chain can be checked from the file alone.

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use consentry_domain::LedgerEntry;
use consentry_store::ledger;
use consentry_store::pan_guard::redact_json_text;
use sqlx::SqlitePool;

use crate::control::Tracker;
use crate::error::{ExportError, IoContext};
use crate::source::Directory;
use crate::text::{amount, csv_text, time};

/// The JSON document's `format` field.
pub const LEDGER_FORMAT: &str = "consentry-consent-ledger";
/// Its `version` field.
pub const LEDGER_VERSION: u32 = 1;

const PAGE: u32 = 500;

const COLUMNS: &[&str] = &[
    "seq",
    "at",
    "action",
    "grant_id",
    "app_id",
    "card_token",
    "card_last4",
    "scope",
    "channels",
    "trigger",
    "min_purchase",
    "min_purchase_currency",
    "expires_at",
    "device_id",
    "terms_version",
    "terms_hash",
    "prev_hash",
    "hash",
];

/// Pages of the ledger, oldest first.
struct Entries<'p> {
    pool: &'p SqlitePool,
    after: i64,
    done: bool,
}

impl Entries<'_> {
    async fn next(&mut self) -> Result<Option<Vec<LedgerEntry>>, ExportError> {
        if self.done {
            return Ok(None);
        }
        let page = ledger::entries_after(self.pool, self.after, PAGE).await?;
        self.done = page.len() < PAGE as usize;
        if let Some(last) = page.last() {
            self.after = i64::try_from(last.seq).unwrap_or(i64::MAX);
        }
        Ok(Some(page))
    }
}

fn entries(pool: &SqlitePool) -> Entries<'_> {
    Entries {
        pool,
        after: 0,
        done: false,
    }
}

/// Writes the ledger as CSV; returns `out` and the row count.
pub(crate) async fn write_csv<W: Write>(
    pool: &SqlitePool,
    directory: &Directory,
    out: W,
    path: &Path,
    tracker: &mut Tracker<'_>,
) -> Result<(W, u64), ExportError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(COLUMNS).writing(path)?;
    let mut rows = 0;
    let mut pages = entries(pool);
    while let Some(page) = pages.next().await? {
        for e in &page {
            let g = &e.grant;
            let channels: Vec<&str> = g.channels.iter().map(|c| c.as_str()).collect();
            writer
                .write_record([
                    e.seq.to_string().as_str(),
                    &time(&e.at),
                    e.action.as_str(),
                    &csv_text(&e.grant_id),
                    &csv_text(&g.app_id),
                    &csv_text(&g.card_token),
                    directory.last4(&g.card_token),
                    g.scope.as_str(),
                    &channels.join(" "),
                    g.trigger.as_str(),
                    &g.min_purchase.as_ref().map(amount).unwrap_or_default(),
                    g.min_purchase
                        .map(|m| m.currency.code())
                        .unwrap_or_default(),
                    &g.expires_at.as_ref().map(time).unwrap_or_default(),
                    &csv_text(&e.device_id),
                    &e.terms_version.to_string(),
                    &e.terms_hash.to_hex(),
                    &e.prev_hash.to_hex(),
                    &e.hash.to_hex(),
                ])
                .writing(path)?;
            rows += 1;
        }
        tracker.advance(page.len() as u64)?;
    }
    let out = writer
        .into_inner()
        .map_err(|e| ExportError::io("writing", path, std::io::Error::other(e.to_string())))?;
    Ok((out, rows))
}

/// Writes the ledger as JSON:
/// `{"format":"consentry-consent-ledger","version":1,"exported_at":…,"entries":[…],"entry_count":N}`.
pub(crate) async fn write_json<W: Write>(
    pool: &SqlitePool,
    now: DateTime<Utc>,
    mut out: W,
    path: &Path,
    tracker: &mut Tracker<'_>,
) -> Result<(W, u64), ExportError> {
    write!(
        out,
        "{{\"format\":\"{LEDGER_FORMAT}\",\"version\":{LEDGER_VERSION},\"exported_at\":{},\"entries\":[",
        serde_json::to_string(&now).writing(path)?
    )
    .writing(path)?;
    let mut rows: u64 = 0;
    let mut pages = entries(pool);
    while let Some(page) = pages.next().await? {
        for entry in &page {
            let json = serde_json::to_string(entry).writing(path)?;
            out.write_all(if rows == 0 { b"\n" } else { b",\n" })
                .writing(path)?;
            out.write_all(redact_json_text(&json).as_bytes())
                .writing(path)?;
            rows += 1;
        }
        tracker.advance(page.len() as u64)?;
    }
    write!(out, "\n],\"entry_count\":{rows}}}\n").writing(path)?;
    Ok((out, rows))
}
