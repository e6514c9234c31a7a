//! Full-text search (FTS5) over merchants, receipt items and app names, newest first.
//!
//! The index keeps no copy of the text (a contentless FTS5 table): a hit's text is rebuilt
//! from the event or app it points at, with the function the ingest indexed it with.

use sqlx::SqlitePool;

use crate::error::StoreError;
use crate::tables::events::{searchable_text, Searchable};
use crate::tables::history::stored_event;

/// Largest number of hits served.
pub const MAX_HITS: u32 = 200;

/// What a hit is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchTarget {
    /// A transaction (matched on its merchant); the event seq.
    Transaction(i64),
    /// A receipt (matched on its merchant or a line); the event seq.
    Receipt(i64),
    /// An app (matched on its name or publisher); the app id.
    App(String),
}

/// One search hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    /// What matched.
    pub target: SearchTarget,
    /// The text it was found by: a merchant, a receipt's merchant and lines, an app's name and
    /// publisher (card numbers masked).
    pub text: String,
}

/// Turns typed words into an FTS5 query: every word must match, as a prefix
/// (`coff bean` → `"coff"* "bean"*`). Operators and quotes typed by the user are plain text.
pub(crate) fn fts_query(typed: &str) -> Option<String> {
    let words: Vec<String> = typed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Events (newest first), then apps, matching every word of `typed`.
pub async fn search(
    pool: &SqlitePool,
    typed: &str,
    limit: u32,
) -> Result<Vec<SearchHit>, StoreError> {
    let Some(query) = fts_query(typed) else {
        return Ok(Vec::new());
    };
    let limit = i64::from(limit.clamp(1, MAX_HITS));
    let rows = sqlx::query!(
        r#"SELECT s.rowid AS "id!: i64", e.payload AS "payload?: String",
                  a.id AS "app_id?: String", a.name AS "app_name?: String",
                  a.publisher AS "publisher?: String"
           FROM search_index s
           LEFT JOIN events e ON s.rowid > 0 AND e.seq = s.rowid
           LEFT JOIN apps a ON s.rowid < 0 AND a.rowid = -s.rowid
           WHERE search_index MATCH ? ORDER BY s.rowid DESC LIMIT ?"#,
        query,
        limit,
    )
    .fetch_all(pool)
    .await?;
    let mut hits = Vec::with_capacity(rows.len());
    for row in rows {
        let hit = match (row.payload, row.app_id, row.app_name, row.publisher) {
            (Some(payload), ..) => {
                let event = stored_event(row.id, &payload)?;
                let Some((about, text)) = searchable_text(&event) else {
                    continue;
                };
                let target = match about {
                    Searchable::Transaction => SearchTarget::Transaction(row.id),
                    Searchable::Receipt => SearchTarget::Receipt(row.id),
                };
                SearchHit { target, text }
            }
            (None, Some(app), Some(name), Some(publisher)) => SearchHit {
                target: SearchTarget::App(app),
                text: format!("{name} {publisher}"),
            },
            // An index row whose event or app is gone: nothing to show.
            _ => continue,
        };
        hits.push(hit);
    }
    Ok(hits)
}

#[cfg(test)]
mod tests {
    use super::fts_query;

    #[test]
    fn user_text_becomes_prefix_terms_without_operators() {
        assert_eq!(
            fts_query("coff bean").as_deref(),
            Some("\"coff\"* \"bean\"*")
        );
        assert_eq!(
            fts_query("a\"b OR c*").as_deref(),
            Some("\"a\"* \"b\"* \"OR\"* \"c\"*")
        );
        assert_eq!(fts_query("  -- "), None);
    }
}
