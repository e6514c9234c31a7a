//! The encrypted archive: a zip of every format plus the consent ledger, streamed through age
//! (scrypt passphrase recipient), so `age --decrypt` with the password opens it. Nothing is
//! written unencrypted: the zip is built inside the encrypted stream.
//!
//! ```text
//! README.txt                what is inside
//! csv/<kind>.csv            the CSV tables (as the CSV export)
//! consentry-export.json     the JSON document (as the JSON export)
//! consentry-export.ofx      the OFX statements (as the OFX export)
//! consent_ledger.csv        the whole consent ledger, in chain order
//! consent_ledger.json       the same, with every field, for re-checking the hash chain
//! manifest.json             rows per file
//! ```

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Serialize;
use sqlx::SqlitePool;
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

use crate::control::Tracker;
use crate::error::{ExportError, IoContext};
use crate::options::ArchivePassword;
use crate::output::{PendingFile, WRITE_BUFFER};
use crate::source::{Directory, Selection};
use crate::summary::ExportedFile;
use crate::{csv_export, json_export, ledger_export, ofx};

/// The manifest's `format` field.
pub const ARCHIVE_FORMAT: &str = "consentry-export-archive";
/// Its `version` field.
pub const ARCHIVE_VERSION: u32 = 1;

type Encrypted = age::stream::StreamWriter<BufWriter<File>>;
type Archive = ZipWriter<StreamWriter<Encrypted>>;

/// What goes into the archive and how much progress it makes.
pub(crate) struct Plan {
    pub tables: Vec<crate::csv_table::CsvTable>,
    pub statements: Vec<ofx::Statement>,
}

#[derive(Serialize)]
struct Manifest<'a> {
    format: &'static str,
    version: u32,
    exported_at: DateTime<Utc>,
    files: &'a [ExportedFile],
}

const README: &str = "Consentry export archive\r\n\
\r\n\
csv/                   one CSV file per event kind (RFC 4180, UTF-8, header row)\r\n\
consentry-export.json  every exported event (JSON Schema: docs/export/export.schema.json)\r\n\
consentry-export.ofx   settled card payments and paid cashback (OFX 2.2)\r\n\
consent_ledger.csv     every consent change, in order\r\n\
consent_ledger.json    the same with its hash chain (docs/export/consent-ledger.schema.json)\r\n\
manifest.json          rows per file\r\n";

/// Writes the archive to `dest`; returns the files inside it and the archive's size.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn write(
    pool: &SqlitePool,
    selection: &Selection,
    directory: &Directory,
    plan: &Plan,
    password: &ArchivePassword,
    now: DateTime<Utc>,
    dest: &Path,
    tracker: &mut Tracker<'_>,
) -> Result<(Vec<ExportedFile>, u64), ExportError> {
    let (pending, file) = PendingFile::create(dest)?;
    let secret = password.secret();
    // scrypt takes about a second on purpose: keep it off the async workers.
    let encrypted = tokio::task::spawn_blocking(move || -> Result<Encrypted, ExportError> {
        let recipient = age::scrypt::Recipient::new(secret);
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|e| ExportError::Encryption(e.to_string()))?;
        encryptor
            .wrap_output(file)
            .map_err(|e| ExportError::Encryption(e.to_string()))
    })
    .await
    .map_err(|e| ExportError::Internal(format!("encryption task: {e}")))??;
    tracker.check()?;

    let mut zip = ZipWriter::new_stream(encrypted);
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .large_file(true)
        .unix_permissions(0o600)
        .last_modified_time(zip_time(&now));
    let mut files = Vec::new();

    start(&mut zip, "README.txt", options, dest)?;
    zip.write_all(README.as_bytes()).writing(dest)?;

    for table in &plan.tables {
        let name = format!("csv/{}", table.file_name());
        start(&mut zip, &name, options, dest)?;
        let done =
            csv_export::write_table(pool, selection, *table, directory, &mut zip, dest, tracker)
                .await?;
        files.push(ExportedFile::new(name, done.rows));
    }

    let name = "consentry-export.json";
    start(&mut zip, name, options, dest)?;
    let buffered = BufWriter::with_capacity(WRITE_BUFFER, &mut zip);
    let (buffered, rows) =
        json_export::write_document(pool, selection, directory, now, buffered, dest, tracker)
            .await?;
    flush(buffered, dest)?;
    files.push(ExportedFile::new(name.to_owned(), rows));

    let name = "consentry-export.ofx";
    start(&mut zip, name, options, dest)?;
    let buffered = BufWriter::with_capacity(WRITE_BUFFER, &mut zip);
    let (buffered, rows) = ofx::write_ofx(
        pool,
        selection,
        &plan.statements,
        now,
        buffered,
        dest,
        tracker,
    )
    .await?;
    flush(buffered, dest)?;
    files.push(ExportedFile::new(name.to_owned(), rows));

    let name = "consent_ledger.csv";
    start(&mut zip, name, options, dest)?;
    let (_, rows) = ledger_export::write_csv(pool, directory, &mut zip, dest, tracker).await?;
    files.push(ExportedFile::new(name.to_owned(), rows));

    let name = "consent_ledger.json";
    start(&mut zip, name, options, dest)?;
    let buffered = BufWriter::with_capacity(WRITE_BUFFER, &mut zip);
    let (buffered, rows) = ledger_export::write_json(pool, now, buffered, dest, tracker).await?;
    flush(buffered, dest)?;
    files.push(ExportedFile::new(name.to_owned(), rows));

    start(&mut zip, "manifest.json", options, dest)?;
    let manifest = Manifest {
        format: ARCHIVE_FORMAT,
        version: ARCHIVE_VERSION,
        exported_at: now,
        files: &files,
    };
    serde_json::to_writer_pretty(&mut zip, &manifest).writing(dest)?;
    tracker.check()?;

    let encrypted = zip.finish().writing(dest)?.into_inner();
    let file = encrypted
        .finish()
        .map_err(|e| ExportError::io("encrypting", dest, e))?;
    let bytes = pending.commit(file)?;
    Ok((files, bytes))
}

fn start(
    zip: &mut Archive,
    name: &str,
    options: SimpleFileOptions,
    dest: &Path,
) -> Result<(), ExportError> {
    zip.start_file(name, options).writing(dest)
}

fn flush<W: Write>(buffered: BufWriter<W>, dest: &Path) -> Result<(), ExportError> {
    buffered
        .into_inner()
        .map(drop)
        .map_err(|e| ExportError::io("writing", dest, e.into_error()))
}

/// The zip's timestamp for every entry (zip times have no zone: UTC, as everywhere else).
fn zip_time(now: &DateTime<Utc>) -> zip::DateTime {
    let clamp = |v: u32, max: u32| u8::try_from(v.min(max)).unwrap_or_default();
    zip::DateTime::from_date_and_time(
        u16::try_from(now.year().clamp(1980, 2107)).unwrap_or(1980),
        clamp(now.month(), 12),
        clamp(now.day(), 31),
        clamp(now.hour(), 23),
        clamp(now.minute(), 59),
        clamp(now.second(), 59),
    )
    .unwrap_or_default()
}
