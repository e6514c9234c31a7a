//! The app directory, cached from the platform, with every version of every app's terms the
//! wallet has seen (the consent ledger refers to them by version and hash).

use chrono::{DateTime, Utc};
use consentry_domain::{FeeModel, Scope, Sha256Digest};
use sqlx::{SqliteConnection, SqlitePool};

use crate::error::StoreError;
use crate::tables::pan_guard::redact_card_numbers;
use crate::time::{from_ms, to_ms};

/// One app as the platform's directory lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppListing {
    /// Platform id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Who publishes it.
    pub publisher: String,
    /// What it does.
    pub description: String,
    /// The scopes it asks for.
    pub requested_scopes: Vec<Scope>,
    /// Current terms version.
    pub terms_version: u32,
    /// The terms text of that version.
    pub terms_text: String,
    /// SHA-256 of `terms_text` as published.
    pub terms_hash: Sha256Digest,
    /// What the platform and the app earn.
    pub fee_model: FeeModel,
}

/// A cached app and when it was fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedApp {
    /// The listing (with the terms text of its current version).
    pub listing: AppListing,
    /// When the directory was read.
    pub fetched_at: DateTime<Utc>,
}

/// Caches a directory listing: the app row, its terms version, and its search entry, in one
/// transaction. The terms text must hash to `terms_hash` (refused otherwise: the ledger would
/// point at text nobody saw). Text from the platform has card numbers masked.
pub async fn upsert(
    pool: &SqlitePool,
    app: &AppListing,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    upsert_all(pool, std::slice::from_ref(app), now).await
}

/// Caches a whole directory as [`upsert`] caches one listing, in one transaction: a reader sees
/// the directory before or after, never half of it; one refused listing caches none.
pub async fn upsert_all(
    pool: &SqlitePool,
    apps: &[AppListing],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for app in apps {
        upsert_in(&mut tx, app, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn upsert_in(
    tx: &mut SqliteConnection,
    app: &AppListing,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if app.id.is_empty() {
        return Err(StoreError::invalid("app id", "must not be empty"));
    }
    if Sha256Digest::of_terms(&app.terms_text) != app.terms_hash {
        return Err(StoreError::invalid(
            "terms",
            format!(
                "the text of {} terms v{} does not match its hash",
                app.id, app.terms_version
            ),
        ));
    }
    let scopes = serde_json::to_string(&app.requested_scopes)
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    let fee =
        serde_json::to_string(&app.fee_model).map_err(|e| StoreError::Internal(e.to_string()))?;
    let name = redact_card_numbers(&app.name);
    let publisher = redact_card_numbers(&app.publisher);
    let description = redact_card_numbers(&app.description);
    let terms_text = redact_card_numbers(&app.terms_text);

    let version = i64::from(app.terms_version);
    let hash = app.terms_hash.to_hex();
    let now_ms = to_ms(now);
    let (name, publisher) = (name.as_ref(), publisher.as_ref());
    let (description, terms_text) = (description.as_ref(), terms_text.as_ref());

    // The search index keeps no text: an entry is removed by giving back the text it was
    // indexed with, which is the cached name and publisher as they are before this update.
    let indexed = sqlx::query!(
        r#"SELECT rowid AS "rowid!: i64", name || ' ' || publisher AS "text!: String"
           FROM apps WHERE id = ?"#,
        app.id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(old) = indexed {
        let index_rowid = -old.rowid;
        sqlx::query!(
            "INSERT INTO search_index (search_index, rowid, text) VALUES ('delete', ?, ?)",
            index_rowid,
            old.text,
        )
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query!(
        "INSERT INTO apps (id, name, publisher, description, requested_scopes, terms_version,
                           terms_hash, fee_model, fetched_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET
            name = excluded.name, publisher = excluded.publisher,
            description = excluded.description, requested_scopes = excluded.requested_scopes,
            terms_version = excluded.terms_version, terms_hash = excluded.terms_hash,
            fee_model = excluded.fee_model, fetched_at_ms = excluded.fetched_at_ms",
        app.id,
        name,
        publisher,
        description,
        scopes,
        version,
        hash,
        fee,
        now_ms,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO app_terms (app_id, terms_version, terms_hash, terms_text, seen_at_ms,
                                requested_scopes)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (app_id, terms_version) DO UPDATE SET
            requested_scopes = coalesce(app_terms.requested_scopes, excluded.requested_scopes)",
        app.id,
        version,
        hash,
        terms_text,
        now_ms,
        scopes,
    )
    .execute(&mut *tx)
    .await?;
    // Apps sit at negative rowids in the search index (events use their positive seq). sqlx
    // infers `rowid` as nullable; the row was just written, so it is not.
    let app_rowid = sqlx::query_scalar!(
        r#"SELECT rowid AS "rowid!: i64" FROM apps WHERE id = ?"#,
        app.id
    )
    .fetch_one(&mut *tx)
    .await?;
    let index_rowid = -app_rowid;
    let index_text = format!("{name} {publisher}");
    sqlx::query!(
        "INSERT INTO search_index (rowid, text) VALUES (?, ?)",
        index_rowid,
        index_text,
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// An `apps` row joined with the text of its current terms; [`CachedApp`] is the checked form.
struct AppRow {
    id: String,
    name: String,
    publisher: String,
    description: String,
    requested_scopes: String,
    terms_version: i64,
    terms_hash: String,
    fee_model: String,
    fetched_at_ms: i64,
    terms_text: String,
}

impl TryFrom<AppRow> for CachedApp {
    type Error = StoreError;

    fn try_from(row: AppRow) -> Result<Self, StoreError> {
        let internal = |e: &dyn std::fmt::Display| StoreError::Internal(e.to_string());
        Ok(CachedApp {
            listing: AppListing {
                id: row.id,
                name: row.name,
                publisher: row.publisher,
                description: row.description,
                requested_scopes: serde_json::from_str(&row.requested_scopes)
                    .map_err(|e| internal(&e))?,
                terms_version: u32::try_from(row.terms_version).map_err(|e| internal(&e))?,
                terms_text: row.terms_text,
                terms_hash: row.terms_hash.parse().map_err(|e| internal(&e))?,
                fee_model: serde_json::from_str(&row.fee_model).map_err(|e| internal(&e))?,
            },
            fetched_at: from_ms(row.fetched_at_ms),
        })
    }
}

/// One cached app.
pub async fn get(pool: &SqlitePool, id: &str) -> Result<Option<CachedApp>, StoreError> {
    let row = sqlx::query_as!(
        AppRow,
        "SELECT a.id, a.name, a.publisher, a.description, a.requested_scopes,
                a.terms_version, a.terms_hash, a.fee_model, a.fetched_at_ms, t.terms_text
         FROM apps a JOIN app_terms t ON t.app_id = a.id AND t.terms_version = a.terms_version
         WHERE a.id = ?",
        id,
    )
    .fetch_optional(pool)
    .await?;
    row.map(CachedApp::try_from).transpose()
}

/// Every cached app, by name.
pub async fn list(pool: &SqlitePool) -> Result<Vec<CachedApp>, StoreError> {
    let rows = sqlx::query_as!(
        AppRow,
        "SELECT a.id, a.name, a.publisher, a.description, a.requested_scopes,
                a.terms_version, a.terms_hash, a.fee_model, a.fetched_at_ms, t.terms_text
         FROM apps a JOIN app_terms t ON t.app_id = a.id AND t.terms_version = a.terms_version
         ORDER BY a.name COLLATE NOCASE, a.id",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(CachedApp::try_from).collect()
}

/// The text of one version of an app's terms and its hash, as the cardholder saw it.
pub async fn terms(
    pool: &SqlitePool,
    app_id: &str,
    version: u32,
) -> Result<Option<(String, Sha256Digest)>, StoreError> {
    let version = i64::from(version);
    let row = sqlx::query!(
        "SELECT terms_text, terms_hash FROM app_terms WHERE app_id = ? AND terms_version = ?",
        app_id,
        version,
    )
    .fetch_optional(pool)
    .await?;
    row.map(|row| {
        row.terms_hash
            .parse()
            .map(|h| (row.terms_text, h))
            .map_err(|e| StoreError::Internal(format!("{e}")))
    })
    .transpose()
}

/// One version of an app's terms as the wallet keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermsVersion {
    /// The version number.
    pub version: u32,
    /// The text, as the cardholder saw it.
    pub text: String,
    /// SHA-256 of the text as published.
    pub hash: Sha256Digest,
    /// The scopes the app asked for with this version; `None` when the wallet cached the
    /// version before it kept them.
    pub requested_scopes: Option<Vec<Scope>>,
    /// When the wallet first saw it.
    pub seen_at: DateTime<Utc>,
}

/// One version of an app's terms with the scopes it came with.
pub async fn terms_version(
    pool: &SqlitePool,
    app_id: &str,
    version: u32,
) -> Result<Option<TermsVersion>, StoreError> {
    let wanted = i64::from(version);
    let row = sqlx::query!(
        "SELECT terms_text, terms_hash, requested_scopes, seen_at_ms
         FROM app_terms WHERE app_id = ? AND terms_version = ?",
        app_id,
        wanted,
    )
    .fetch_optional(pool)
    .await?;
    let internal = |e: &dyn std::fmt::Display| StoreError::Internal(e.to_string());
    row.map(|row| {
        Ok(TermsVersion {
            version,
            text: row.terms_text,
            hash: row.terms_hash.parse().map_err(|e| internal(&e))?,
            requested_scopes: row
                .requested_scopes
                .map(|json| serde_json::from_str(&json).map_err(|e| internal(&e)))
                .transpose()?,
            seen_at: from_ms(row.seen_at_ms),
        })
    })
    .transpose()
}

/// The versions of an app's terms the wallet holds, oldest first.
pub async fn terms_versions(pool: &SqlitePool, app_id: &str) -> Result<Vec<u32>, StoreError> {
    let rows = sqlx::query_scalar!(
        "SELECT terms_version FROM app_terms WHERE app_id = ? ORDER BY terms_version",
        app_id,
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|v| u32::try_from(v).map_err(|e| StoreError::Internal(e.to_string())))
        .collect()
}
