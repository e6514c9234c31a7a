//! Full-text search (FTS5) over merchants, receipt items and app names, newest first.

use sqlx::SqlitePool;

use crate::error::StoreError;

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
    /// The matching text with the matched words in `[` `]`.
    pub snippet: String,
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
    // The FTS5 table's columns and `snippet()` have no declared type, so the overrides give them
    // one; `app_id` comes from a LEFT JOIN and stays optional.
    let rows = sqlx::query!(
        r#"SELECT s.rowid AS "id!: i64", s.source AS "source!: String",
                  snippet(search_index, 0, '[', ']', '…', 10) AS "snippet!: String",
                  a.id AS "app_id?: String"
           FROM search_index s LEFT JOIN apps a ON s.rowid < 0 AND a.rowid = -s.rowid
           WHERE search_index MATCH ? ORDER BY s.rowid DESC LIMIT ?"#,
        query,
        limit,
    )
    .fetch_all(pool)
    .await?;
    let mut hits = Vec::with_capacity(rows.len());
    for row in rows {
        let target = match row.source.as_str() {
            "transaction" => SearchTarget::Transaction(row.id),
            "receipt" => SearchTarget::Receipt(row.id),
            "app" => match row.app_id {
                Some(app) => SearchTarget::App(app),
                None => continue,
            },
            _ => continue,
        };
        hits.push(SearchHit {
            target,
            snippet: row.snippet,
        });
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
