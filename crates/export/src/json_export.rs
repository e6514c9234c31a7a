//! JSON: one versioned document, `{"format":"consentry-export","version":1,…,"events":[…]}`,
//! streamed one event per line. `docs/export/export.schema.json` describes it; a change to its
//! shape bumps [`JSON_VERSION`].

use std::io::Write;
use std::path::Path;

use chrono::{DateTime, Utc};
use consentry_domain::{Event, ViolationReason};
use consentry_store::pan_guard::redact_json_text;
use serde::Serialize;
use sqlx::SqlitePool;

use crate::control::Tracker;
use crate::error::{ExportError, IoContext};
use crate::source::{Directory, Selection};

/// The `format` field.
pub const JSON_FORMAT: &str = "consentry-export";
/// The `version` field.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct Header<'a> {
    format: &'static str,
    version: u32,
    exported_at: DateTime<Utc>,
    generator: String,
    filter: FilterEcho<'a>,
    cards: Vec<CardEntry<'a>>,
    apps: Vec<AppEntry<'a>>,
}

#[derive(Serialize)]
struct FilterEcho<'a> {
    from: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    cards: &'a [String],
    apps: &'a [String],
    kinds: Vec<&'static str>,
}

#[derive(Serialize)]
struct CardEntry<'a> {
    token: &'a str,
    brand: &'static str,
    last4: &'a str,
    nickname: Option<&'a str>,
    status: &'static str,
}

#[derive(Serialize)]
struct AppEntry<'a> {
    id: &'a str,
    name: &'a str,
    publisher: &'a str,
}

#[derive(Serialize)]
struct Entry<'a> {
    seq: i64,
    received_at: &'a DateTime<Utc>,
    signature_verified: bool,
    violation: Option<&'a ViolationReason>,
    card_last4: &'a str,
    event: &'a Event,
}

/// Writes the document to `out`; returns it and the number of events.
pub(crate) async fn write_document<W: Write>(
    pool: &SqlitePool,
    selection: &Selection,
    directory: &Directory,
    now: DateTime<Utc>,
    mut out: W,
    path: &Path,
    tracker: &mut Tracker<'_>,
) -> Result<(W, u64), ExportError> {
    let header = Header {
        format: JSON_FORMAT,
        version: JSON_VERSION,
        exported_at: now,
        generator: format!("consentry-export {}", env!("CARGO_PKG_VERSION")),
        filter: FilterEcho {
            from: selection.from,
            until: selection.until,
            cards: &selection.cards,
            apps: &selection.apps,
            kinds: selection.kinds.iter().map(|k| k.as_str()).collect(),
        },
        cards: directory
            .cards
            .iter()
            .filter(|c| selection.cards.is_empty() || selection.cards.contains(&c.token))
            .map(|c| CardEntry {
                token: &c.token,
                brand: c.brand.as_str(),
                last4: &c.last4,
                nickname: c.nickname.as_deref(),
                status: c.status.as_str(),
            })
            .collect(),
        apps: directory
            .apps
            .iter()
            .filter(|a| selection.apps.is_empty() || selection.apps.contains(&a.listing.id))
            .map(|a| AppEntry {
                id: &a.listing.id,
                name: &a.listing.name,
                publisher: &a.listing.publisher,
            })
            .collect(),
    };
    // The header without its closing brace, then the events array, then the count.
    let mut head = serde_json::to_vec(&header).writing(path)?;
    head.pop();
    out.write_all(&head).writing(path)?;
    out.write_all(b",\"events\":[").writing(path)?;

    let mut count: u64 = 0;
    let mut buffer = Vec::with_capacity(2048);
    let mut pages = selection.pages(pool);
    while let Some(items) = pages.next().await? {
        for item in &items {
            buffer.clear();
            serde_json::to_writer(
                &mut buffer,
                &Entry {
                    seq: item.seq,
                    received_at: &item.received_at,
                    signature_verified: item.signature_verified,
                    violation: item.violation.as_ref(),
                    card_last4: directory.last4(&item.event.card_token),
                    event: &item.event,
                },
            )
            .writing(path)?;
            let text = std::str::from_utf8(&buffer)
                .map_err(|e| ExportError::Internal(format!("serialized JSON: {e}")))?;
            out.write_all(if count == 0 { b"\n" } else { b",\n" })
                .writing(path)?;
            // The store masked card numbers on the way in; mask again on the way out.
            out.write_all(redact_json_text(text).as_bytes())
                .writing(path)?;
            count += 1;
        }
        tracker.advance(items.len() as u64)?;
    }
    write!(out, "\n],\"event_count\":{count}}}\n").writing(path)?;
    Ok((out, count))
}
