//! The one entry point: validate, resolve the filter, write under a temporary name, count,
//! rename into place.

use std::path::Path;

use consentry_store::event_stream::EventReader;
use sqlx::SqlitePool;

use crate::archive::{self, Plan};
use crate::control::{ExportControl, Tracker};
use crate::csv_table::CsvTable;
use crate::error::ExportError;
use crate::options::{ExportFormat, ExportRequest};
use crate::output::{self, PendingDir, PendingFile};
use crate::source::{self, Directory, Selection};
use crate::summary::{ExportSummary, ExportedFile};
use crate::{csv_export, json_export, ofx};

/// Exports the wallet's history as `request` says, reading `pool` (an unlocked wallet) in
/// keyset pages with constant memory.
///
/// Progress is reported (in events, ending at the summary's count) and `control.cancel` checked
/// between pages. On any error, including
/// [`ExportError::Cancelled`], nothing is left at the destination (an existing file there is
/// untouched); on success the destination appears whole, readable by its owner only.
pub async fn export(
    pool: &SqlitePool,
    request: &ExportRequest,
    control: &ExportControl,
) -> Result<ExportSummary, ExportError> {
    request.validate()?;
    let selection = source::resolve(pool, &request.filter).await?;
    let directory = Directory::load(pool).await?;
    let dest = request.destination.as_path();
    let (events, files, bytes) = match request.format {
        ExportFormat::Csv => {
            let tables = csv_export::tables(&selection);
            let mut reader = EventReader::open(pool).await?;
            let written = async {
                let mut tracker = Tracker::new(control, reader.count(&selection).await?);
                tracker.check()?;
                csv_folder(
                    &mut reader,
                    &selection,
                    &directory,
                    &tables,
                    dest,
                    &mut tracker,
                )
                .await
            }
            .await;
            reader.close().await;
            written?
        }
        ExportFormat::Json => {
            let mut tracker = Tracker::new(control, selection.count(pool).await?);
            tracker.check()?;
            let (pending, writer) = PendingFile::create(dest)?;
            let (writer, rows) = json_export::write_document(
                pool,
                &selection,
                &directory,
                request.now,
                writer,
                dest,
                &mut tracker,
            )
            .await?;
            let bytes = pending.commit(writer)?;
            (rows, vec![ExportedFile::new(file_name(dest), rows)], bytes)
        }
        ExportFormat::Ofx => {
            let statements = ofx::statements(pool, &selection).await?;
            let mut tracker =
                Tracker::weighted(control, ofx::estimate(&statements), ofx::reads(&statements));
            tracker.check()?;
            let (pending, writer) = PendingFile::create(dest)?;
            let (writer, rows) = ofx::write_ofx(
                pool,
                &selection,
                &statements,
                request.now,
                writer,
                dest,
                &mut tracker,
            )
            .await?;
            let bytes = pending.commit(writer)?;
            (rows, vec![ExportedFile::new(file_name(dest), rows)], bytes)
        }
        ExportFormat::Archive => {
            let password = request
                .password
                .as_ref()
                .ok_or_else(|| ExportError::invalid("password", "the archive needs a password"))?;
            let plan = Plan {
                tables: csv_export::tables(&selection),
                statements: ofx::statements(pool, &selection).await?,
            };
            let counts = selection.count_by_kind(pool).await?;
            let events = counts.values().sum::<u64>();
            let work = csv_export::pass_rows(&plan.tables, &counts)
                + events
                + ofx::reads(&plan.statements)
                + 2 * consentry_store::ledger::count(pool).await?;
            let mut tracker = Tracker::weighted(control, events, work);
            tracker.check()?;
            let (files, bytes) = archive::write(
                pool,
                &selection,
                &directory,
                &plan,
                password,
                request.now,
                dest,
                &mut tracker,
            )
            .await?;
            let events = files
                .iter()
                .find(|f| f.name == "consentry-export.json")
                .map_or(0, |f| f.rows);
            (events, files, bytes)
        }
    };
    control.finished(events);
    Ok(ExportSummary {
        format: request.format,
        destination: request.destination.clone(),
        events,
        files,
        bytes,
    })
}

async fn csv_folder(
    reader: &mut EventReader,
    selection: &Selection,
    directory: &Directory,
    tables: &[CsvTable],
    dest: &Path,
    tracker: &mut Tracker<'_>,
) -> Result<(u64, Vec<ExportedFile>, u64), ExportError> {
    let pending = PendingDir::create(dest)?;
    let mut outputs = Vec::with_capacity(tables.len());
    for table in tables {
        let path = pending.file(&table.file_name());
        outputs.push((*table, output::create_in_dir(&path)?, path));
    }
    let done = csv_export::write_tables(reader, selection, outputs, directory, tracker).await?;
    let mut files = Vec::with_capacity(tables.len());
    let mut events = 0;
    for (table, done) in tables.iter().zip(done) {
        let name = table.file_name();
        output::finish_in_dir(&pending.file(&name), done.out)?;
        if matches!(table, CsvTable::Events(_)) {
            events += done.rows;
        }
        files.push(ExportedFile::new(name, done.rows));
    }
    tracker.check()?;
    let bytes = pending.commit()?;
    Ok((events, files, bytes))
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
