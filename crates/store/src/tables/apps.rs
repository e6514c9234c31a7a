//! The app directory, cached from the platform, with every text of every version of every
//! app's terms the wallet has seen (the consent ledger refers to them by version and hash; a
//! version read in two languages is two texts).

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

/// The languages of a listing's texts, as the platform said them (`None`: not said).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListingLanguages {
    /// The language the directory was served in (`Content-Language`): the description's.
    pub listing: Option<String>,
    /// The language of the terms text (English where the platform has no translation).
    pub terms: Option<String>,
}

/// A cached app and when it was fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedApp {
    /// The listing (with the terms text it was served with, of its current version).
    pub listing: AppListing,
    /// The languages it was served in.
    pub languages: ListingLanguages,
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
    let unsaid = ListingLanguages::default();
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for app in apps {
        upsert_in(&mut tx, app, &unsaid, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Caches a whole directory as [`upsert_all`] does, each listing with the languages the
/// platform served it in.
pub async fn upsert_all_in(
    pool: &SqlitePool,
    apps: &[(AppListing, ListingLanguages)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    for (app, languages) in apps {
        upsert_in(&mut tx, app, languages, now).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn upsert_in(
    tx: &mut SqliteConnection,
    app: &AppListing,
    languages: &ListingLanguages,
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
    let (listing_language, terms_language) = (
        languages.listing.as_deref().map(language_tag).transpose()?,
        languages.terms.as_deref().map(language_tag).transpose()?,
    );
    sqlx::query!(
        "INSERT INTO apps (id, name, publisher, description, requested_scopes, terms_version,
                           terms_hash, fee_model, fetched_at_ms, language)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET
            name = excluded.name, publisher = excluded.publisher,
            description = excluded.description, requested_scopes = excluded.requested_scopes,
            terms_version = excluded.terms_version, terms_hash = excluded.terms_hash,
            fee_model = excluded.fee_model, fetched_at_ms = excluded.fetched_at_ms,
            language = excluded.language",
        app.id,
        name,
        publisher,
        description,
        scopes,
        version,
        hash,
        fee,
        now_ms,
        listing_language,
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "INSERT INTO app_terms (app_id, terms_version, terms_hash, terms_text, seen_at_ms,
                                requested_scopes, language)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (app_id, terms_version, terms_hash) DO UPDATE SET
            requested_scopes = coalesce(app_terms.requested_scopes, excluded.requested_scopes),
            language = coalesce(app_terms.language, excluded.language)",
        app.id,
        version,
        hash,
        terms_text,
        now_ms,
        scopes,
        terms_language,
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

/// A language tag as the platform sends it (`en`, `fr`, `pt-BR`): letters, digits and dashes,
/// at most 35 characters (BCP 47's longest useful tag); anything else is refused.
fn language_tag(tag: &str) -> Result<&str, StoreError> {
    let valid = !tag.is_empty()
        && tag.len() <= 35
        && tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if valid {
        Ok(tag)
    } else {
        Err(StoreError::invalid("language", "not a language tag"))
    }
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
    language: Option<String>,
    terms_language: Option<String>,
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
            languages: ListingLanguages {
                listing: row.language,
                terms: row.terms_language,
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
                a.terms_version, a.terms_hash, a.fee_model, a.fetched_at_ms, t.terms_text,
                a.language, t.language AS terms_language
         FROM apps a JOIN app_terms t ON t.app_id = a.id AND t.terms_version = a.terms_version
             AND t.terms_hash = a.terms_hash
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
                a.terms_version, a.terms_hash, a.fee_model, a.fetched_at_ms, t.terms_text,
                a.language, t.language AS terms_language
         FROM apps a JOIN app_terms t ON t.app_id = a.id AND t.terms_version = a.terms_version
             AND t.terms_hash = a.terms_hash
         ORDER BY a.name COLLATE NOCASE, a.id",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter().map(CachedApp::try_from).collect()
}

/// A text of one version of an app's terms and its hash, as the cardholder saw it (of a
/// version read in several languages, the one seen last).
pub async fn terms(
    pool: &SqlitePool,
    app_id: &str,
    version: u32,
) -> Result<Option<(String, Sha256Digest)>, StoreError> {
    let version = i64::from(version);
    let row = sqlx::query!(
        "SELECT terms_text, terms_hash FROM app_terms WHERE app_id = ? AND terms_version = ?
         ORDER BY seen_at_ms DESC, rowid DESC LIMIT 1",
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
    /// The language of the text (`None`: not said).
    pub language: Option<String>,
}

/// One version of an app's terms with the scopes it came with: its text in `language` when the
/// wallet has it, else one whose language was not said (cached before the platform said it),
/// else the text seen last.
pub async fn terms_version(
    pool: &SqlitePool,
    app_id: &str,
    version: u32,
    language: Option<&str>,
) -> Result<Option<TermsVersion>, StoreError> {
    let wanted = i64::from(version);
    let row = sqlx::query!(
        "SELECT terms_text, terms_hash, requested_scopes, seen_at_ms, language
         FROM app_terms WHERE app_id = ? AND terms_version = ?
         ORDER BY CASE WHEN language = ? THEN 0 WHEN language IS NULL THEN 1 ELSE 2 END,
                  seen_at_ms DESC, rowid DESC
         LIMIT 1",
        app_id,
        wanted,
        language,
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
            language: row.language,
        })
    })
    .transpose()
}

/// The versions of an app's terms the wallet holds, oldest first.
pub async fn terms_versions(pool: &SqlitePool, app_id: &str) -> Result<Vec<u32>, StoreError> {
    let rows = sqlx::query_scalar!(
        "SELECT DISTINCT terms_version FROM app_terms WHERE app_id = ? ORDER BY terms_version",
        app_id,
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|v| u32::try_from(v).map_err(|e| StoreError::Internal(e.to_string())))
        .collect()
}
