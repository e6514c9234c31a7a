//! The app directory: `GET /v1/apps` in the language `Accept-Language` asks for, and
//! `POST /v1/apps/{id}/terms` (operator) which publishes new terms (with translations) and
//! tells every cardholder holding a grant for the app.
//!
//! English texts are kept in `apps` (and `superseded_terms`); others in `app_texts` and
//! `terms_translations`. A text the platform lacks in a language is served in English.

use crate::db::Conn;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue};
use axum::Json;
use consentry_domain::{
    AppTermsChanged, ConsentAction, EventPayload, FeeModel, Scope, Sha256Digest,
};
use consentry_wire::{App, AppList, PublishTerms, Terms};

use crate::auth::{Admin, Device};
use crate::clock::{rfc3339, stored_time};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, Recipient};
use crate::extract::{refuse_card_number, ApiJson, ApiPath};
use crate::grant_store;
use crate::language::{self, Lang, Negotiated};
use crate::state::AppState;
use crate::wording;

const MAX_TERMS_TEXT: usize = 20_000;

type AppRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    String,
    String,
);

/// Every column of an app, its texts in the language bound as `?1` (English where that
/// language has none).
const APP_SELECT: &str = "SELECT a.id, a.name, a.publisher,
        coalesce(x.description, a.description), coalesce(x.category, a.category),
        a.scopes, a.fee_model, a.privacy_url, a.website_url, a.terms_version,
        coalesce(t.text, a.terms_text), coalesce(t.language, 'en'), a.terms_published_at
    FROM apps a
    LEFT JOIN app_texts x ON x.app_id = a.id AND x.language = $1
    LEFT JOIN terms_translations t
        ON t.app_id = a.id AND t.version = a.terms_version AND t.language = $1";

fn from_row(row: AppRow, lang: Lang) -> Result<App, ApiError> {
    let (
        id,
        name,
        publisher,
        description,
        category,
        scopes,
        fee,
        privacy_url,
        website_url,
        version,
        text,
        terms_language,
        published_at,
    ) = row;
    let requested_scopes: Vec<Scope> = serde_json::from_str(&scopes)?;
    let fee_model: FeeModel = serde_json::from_str(&fee)?;
    let published_at = stored_time(&published_at, "apps.terms_published_at")?;
    let version = u32::try_from(version)
        .map_err(|_| ApiError::internal(format!("app {id}: unreadable terms version")))?;
    Ok(App {
        id,
        name,
        publisher,
        description,
        category,
        requested_scopes,
        terms: Terms {
            version,
            hash: Sha256Digest::of_terms(&text).to_hex(),
            text,
            language: terms_language,
            published_at,
        },
        fee_description: wording::fee_description(&fee_model, lang),
        fee_model,
        privacy_url,
        website_url,
    })
}

/// One app by id, in English.
pub async fn find(conn: &mut Conn, id: &str) -> Result<Option<App>, ApiError> {
    find_in(conn, id, Lang::DEFAULT).await
}

/// One app by id, its texts in `lang`.
pub async fn find_in(conn: &mut Conn, id: &str, lang: Lang) -> Result<Option<App>, ApiError> {
    let row: Option<AppRow> = sqlx::query_as(&format!("{APP_SELECT} WHERE a.id = $2"))
        .bind(lang.code())
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|row| from_row(row, lang)).transpose()
}

/// The hashes of every text of `app_id`'s terms at `version` (current or replaced), one per
/// language the platform has it in; empty when the platform has no such version.
pub async fn terms_hashes_at(
    conn: &mut Conn,
    app_id: &str,
    version: u32,
) -> Result<Vec<Sha256Digest>, ApiError> {
    let texts: Vec<String> = sqlx::query_scalar(
        "SELECT terms_text FROM apps WHERE id = $1 AND terms_version = $2
         UNION ALL
         SELECT text FROM superseded_terms WHERE app_id = $1 AND version = $2
         UNION ALL
         SELECT text FROM terms_translations WHERE app_id = $1 AND version = $2",
    )
    .bind(app_id)
    .bind(i64::from(version))
    .fetch_all(&mut *conn)
    .await?;
    Ok(texts.iter().map(|t| Sha256Digest::of_terms(t)).collect())
}

/// Every app in English, in directory order.
pub async fn all(conn: &mut Conn) -> Result<Vec<App>, ApiError> {
    all_in(conn, Lang::DEFAULT).await
}

/// Every app, its texts in `lang`, in directory order.
pub async fn all_in(conn: &mut Conn, lang: Lang) -> Result<Vec<App>, ApiError> {
    let rows: Vec<AppRow> = sqlx::query_as(&format!("{APP_SELECT} ORDER BY a.position"))
        .bind(lang.code())
        .fetch_all(&mut *conn)
        .await?;
    rows.into_iter().map(|row| from_row(row, lang)).collect()
}

pub async fn list(
    State(state): State<AppState>,
    _device: Device,
    lang: Negotiated,
) -> ApiResult<([(HeaderName, HeaderValue); 2], Json<AppList>)> {
    let mut conn = state.db.acquire().await?;
    Ok((
        lang.headers(),
        Json(AppList {
            apps: all_in(&mut conn, lang.0).await?,
        }),
    ))
}

/// Checks the text of terms (`field` names it in a refusal).
fn check_terms_text(field: &str, text: &str) -> Result<(), ApiError> {
    refuse_card_number(field, text)?;
    if text.trim().is_empty() || text.chars().count() > MAX_TERMS_TEXT {
        return Err(ApiError::unprocessable(
            "invalid_terms",
            format!("{field} must be 1 to {MAX_TERMS_TEXT} characters"),
        ));
    }
    Ok(())
}

/// The translations of a publication, each in a language the platform serves besides
/// English (`text` is the English text).
fn translations(request: &PublishTerms) -> Result<Vec<(Lang, &str)>, ApiError> {
    let mut out = Vec::with_capacity(request.translations.len());
    for (code, text) in &request.translations {
        refuse_card_number("translations", code)?;
        let lang = Lang::from_code(code)
            .filter(|lang| *lang != Lang::DEFAULT)
            .ok_or_else(|| {
                ApiError::unprocessable(
                    "unsupported_language",
                    format!(
                        "translations may be in: {} (`text` is the English text)",
                        Lang::ALL
                            .iter()
                            .filter(|l| **l != Lang::DEFAULT)
                            .map(|l| l.code())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
        check_terms_text(&format!("translations.{code}"), text)?;
        out.push((lang, text.as_str()));
    }
    Ok(out)
}

pub async fn publish_terms(
    State(state): State<AppState>,
    _admin: Admin,
    lang: Negotiated,
    ApiPath(app_id): ApiPath<String>,
    ApiJson(request): ApiJson<PublishTerms>,
) -> ApiResult<([(HeaderName, HeaderValue); 2], Json<App>)> {
    check_terms_text("text", &request.text)?;
    let translations = translations(&request)?;
    let now = state.clock.now();
    let mut tx = crate::db::begin_exclusive(&state.db).await?;
    let app = find(&mut tx, &app_id)
        .await?
        .ok_or_else(|| ApiError::not_found("app_not_found", "no app with this id"))?;
    if request.version <= app.terms.version {
        return Err(ApiError::unprocessable(
            "terms_not_newer",
            format!(
                "the current terms are version {}; publish a higher version",
                app.terms.version
            ),
        ));
    }
    // The replaced terms stay known: signed changes may still name their version.
    sqlx::query(
        "INSERT INTO superseded_terms (app_id, version, text, published_at, superseded_at)
         SELECT id, terms_version, terms_text, terms_published_at, $1 FROM apps WHERE id = $2
         ON CONFLICT DO NOTHING",
    )
    .bind(rfc3339(now))
    .bind(&app_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE apps SET terms_version = $1, terms_text = $2, terms_published_at = $3 WHERE id = $4",
    )
    .bind(i64::from(request.version))
    .bind(&request.text)
    .bind(rfc3339(now))
    .bind(&app_id)
    .execute(&mut *tx)
    .await?;
    for (lang, text) in &translations {
        sqlx::query(
            "INSERT INTO terms_translations (app_id, version, language, text) VALUES ($1, $2, $3, $4)",
        )
        .bind(&app_id)
        .bind(i64::from(request.version))
        .bind(lang.code())
        .bind(text)
        .execute(&mut *tx)
        .await?;
    }

    // Every card holding a grant for the app hears of the new terms ...
    let cards: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT cardholder_id, card_token FROM grants
         WHERE app_id = $1 AND status != 'revoked' ORDER BY cardholder_id, card_token",
    )
    .bind(&app_id)
    .fetch_all(&mut *tx)
    .await?;
    // ... with the hash of the text in the cardholder's language.
    let text_in = |lang: Lang| {
        translations
            .iter()
            .find(|(l, _)| *l == lang)
            .map_or(request.text.as_str(), |(_, text)| text)
    };
    for (cardholder_id, card_token) in &cards {
        let lang = language::of_cardholder(&mut tx, cardholder_id).await?;
        let terms_hash = Sha256Digest::of_terms(text_in(lang));
        let to = Recipient {
            cardholder_id,
            card_token,
            app_id: Some(&app_id),
        };
        let payload = EventPayload::AppTermsChanged(AppTermsChanged {
            terms_version: request.version,
            terms_hash,
        });
        events::append(&mut tx, &to, now, payload).await?;
    }
    // ... and its active grants pause until the cardholder reconsents.
    for (cardholder_id, grant) in grant_store::active_for_app(&mut tx, &app_id).await? {
        let next = grant
            .needs_reconsent(request.version, now)
            .map_err(ApiError::internal)?;
        grant_store::save(&mut tx, &cardholder_id, &next, "platform", None).await?;
        events::emit_change(
            &mut tx,
            &cardholder_id,
            ConsentAction::NeedsReconsent,
            &next,
            None,
            now,
        )
        .await?;
    }
    let updated = find_in(&mut tx, &app_id, lang.0)
        .await?
        .ok_or_else(|| ApiError::internal("app vanished"))?;
    tx.commit().await?;
    state.feed_changed();
    Ok((lang.headers(), Json(updated)))
}
