//! CSV: one RFC 4180 file per table (comma, CRLF, quotes only where needed, UTF-8, a header
//! row), written from one streamed read of the selected events (`stream`).

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use consentry_domain::EventType;
use consentry_store::event_stream::{EventQuery, EventReader};
use sqlx::SqlitePool;

use crate::control::Tracker;
use crate::csv_table::CsvTable;
use crate::error::{ExportError, IoContext};
use crate::source::{Directory, Selection};

/// What one CSV table held.
pub(crate) struct TableDone<W> {
    pub out: W,
    pub rows: u64,
}

/// The tables of the selected kinds (every selected kind gets its file, even when empty).
pub(crate) fn tables(selection: &Selection) -> Vec<CsvTable> {
    let kinds: Vec<EventType> = EventType::ALL
        .iter()
        .copied()
        .filter(|k| selection.includes_kind(*k))
        .collect();
    CsvTable::for_kinds(&kinds)
}

/// Events read by all the CSV passes (receipts are read twice: receipts, then their lines).
pub(crate) fn pass_rows(tables: &[CsvTable], counts: &HashMap<EventType, u64>) -> u64 {
    tables
        .iter()
        .map(|t| counts.get(&t.kind()).copied().unwrap_or_default())
        .sum()
}

/// Writes one table to `out` (`path` names it in errors).
pub(crate) async fn write_table<W: Write>(
    pool: &SqlitePool,
    selection: &Selection,
    table: CsvTable,
    directory: &Directory,
    out: W,
    path: &Path,
    tracker: &mut Tracker<'_>,
) -> Result<TableDone<W>, ExportError> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .buffer_capacity(64 * 1024)
        .from_writer(out);
    writer.write_record(table.columns()).writing(path)?;
    let mut rows = 0;
    let Some(selection) = selection.only_kinds(&[table.kind()]) else {
        return finish(writer, 0, path);
    };
    let mut reader = EventReader::open(pool).await?;
    let mut query = EventQuery::new(&selection);
    let mut batches = reader.batches(&mut query);
    let written = async {
        while let Some(items) = batches.next().await? {
            for item in &items {
                rows += table.write(item, directory, &mut writer).writing(path)?;
            }
            tracker.advance(items.len() as u64)?;
        }
        Ok::<_, ExportError>(())
    }
    .await;
    drop(batches);
    reader.close().await;
    written?;
    finish(writer, rows, path)
}

fn finish<W: Write>(
    writer: csv::Writer<W>,
    rows: u64,
    path: &Path,
) -> Result<TableDone<W>, ExportError> {
    let out = writer
        .into_inner()
        .map_err(|e| ExportError::io("writing", path, std::io::Error::other(e.to_string())))?;
    Ok(TableDone { out, rows })
}

/// Writes several tables in ONE pass over the selected events (each event goes to the tables
/// of its kind), so the wallet is read once whatever the number of files. For a folder, where
/// every file can be open at once; the archive's zip takes one file at a time instead.
pub(crate) async fn write_tables<W: Write>(
    reader: &mut EventReader,
    selection: &Selection,
    outputs: Vec<(CsvTable, W, std::path::PathBuf)>,
    directory: &Directory,
    tracker: &mut Tracker<'_>,
) -> Result<Vec<TableDone<W>>, ExportError> {
    let mut writers = Vec::with_capacity(outputs.len());
    let mut by_kind: HashMap<EventType, Vec<usize>> = HashMap::new();
    for (index, (table, out, path)) in outputs.into_iter().enumerate() {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .buffer_capacity(64 * 1024)
            .from_writer(out);
        writer.write_record(table.columns()).writing(&path)?;
        by_kind.entry(table.kind()).or_default().push(index);
        writers.push((table, writer, path, 0_u64));
    }
    let mut query = EventQuery::new(selection);
    let mut batches = reader.batches(&mut query);
    while let Some(items) = batches.next().await? {
        for item in &items {
            let Some(targets) = by_kind.get(&item.event.event_type()) else {
                continue;
            };
            for &index in targets {
                if let Some((table, writer, path, rows)) = writers.get_mut(index) {
                    *rows += table.write(item, directory, writer).writing(path)?;
                }
            }
        }
        tracker.advance(items.len() as u64)?;
    }
    writers
        .into_iter()
        .map(|(_, writer, path, rows)| finish(writer, rows, &path))
        .collect()
}
