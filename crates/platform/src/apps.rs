//! The app directory: `GET /v1/apps`, and `POST /v1/apps/{id}/terms` (operator) which
//! publishes new terms and tells every cardholder holding a grant for the app.

use axum::extract::State;
use axum::Json;
use consentry_domain::{
    AppTermsChanged, ConsentAction, EventPayload, FeeModel, Scope, Sha256Digest,
};
use consentry_wire::{App, AppList, PublishTerms, Terms};
use sqlx::SqliteConnection;

use crate::auth::{Admin, Device};
use crate::clock::{rfc3339, stored_time};
use crate::error::{ApiError, ApiResult};
use crate::events::{self, Recipient};
use crate::extract::{refuse_card_number, ApiJson, ApiPath};
use crate::grant_store;
use crate::state::AppState;

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
    u32,
    String,
    String,
);

const APP_COLUMNS: &str =
    "id, name, publisher, description, category, scopes, fee_model, privacy_url,
    website_url, terms_version, terms_text, terms_published_at";

fn from_row(row: AppRow) -> Result<App, ApiError> {
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
        published_at,
    ) = row;
    let requested_scopes: Vec<Scope> = serde_json::from_str(&scopes)?;
    let fee_model: FeeModel = serde_json::from_str(&fee)?;
    let published_at = stored_time(&published_at, "apps.terms_published_at")?;
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
            published_at,
        },
        fee_description: fee_model.describe(),
        fee_model,
        privacy_url,
        website_url,
    })
}

/// One app by id.
pub async fn find(conn: &mut SqliteConnection, id: &str) -> Result<Option<App>, ApiError> {
    let row: Option<AppRow> =
        sqlx::query_as(&format!("SELECT {APP_COLUMNS} FROM apps WHERE id = ?"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    row.map(from_row).transpose()
}

/// The hash of `app_id`'s terms at `version` (current or replaced); `None` when the
/// platform has no such version.
pub async fn terms_hash_at(
    conn: &mut SqliteConnection,
    app_id: &str,
    version: u32,
) -> Result<Option<Sha256Digest>, ApiError> {
    let text: Option<String> = sqlx::query_scalar(
        "SELECT terms_text FROM apps WHERE id = ?1 AND terms_version = ?2
         UNION ALL
         SELECT text FROM superseded_terms WHERE app_id = ?1 AND version = ?2
         LIMIT 1",
    )
    .bind(app_id)
    .bind(version)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(text.as_deref().map(Sha256Digest::of_terms))
}

/// Every app, in directory order.
pub async fn all(conn: &mut SqliteConnection) -> Result<Vec<App>, ApiError> {
    let rows: Vec<AppRow> =
        sqlx::query_as(&format!("SELECT {APP_COLUMNS} FROM apps ORDER BY position"))
            .fetch_all(&mut *conn)
            .await?;
    rows.into_iter().map(from_row).collect()
}

pub async fn list(State(state): State<AppState>, _device: Device) -> ApiResult<Json<AppList>> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(AppList {
        apps: all(&mut conn).await?,
    }))
}

pub async fn publish_terms(
    State(state): State<AppState>,
    _admin: Admin,
    ApiPath(app_id): ApiPath<String>,
    ApiJson(request): ApiJson<PublishTerms>,
) -> ApiResult<Json<App>> {
    refuse_card_number("text", &request.text)?;
    if request.text.trim().is_empty() || request.text.chars().count() > MAX_TERMS_TEXT {
        return Err(ApiError::unprocessable(
            "invalid_terms",
            format!("text must be 1 to {MAX_TERMS_TEXT} characters"),
        ));
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
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
        "INSERT OR IGNORE INTO superseded_terms (app_id, version, text, published_at, superseded_at)
         SELECT id, terms_version, terms_text, terms_published_at, ? FROM apps WHERE id = ?",
    )
    .bind(rfc3339(now))
    .bind(&app_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE apps SET terms_version = ?, terms_text = ?, terms_published_at = ? WHERE id = ?",
    )
    .bind(request.version)
    .bind(&request.text)
    .bind(rfc3339(now))
    .bind(&app_id)
    .execute(&mut *tx)
    .await?;

    // Every card holding a grant for the app hears of the new terms ...
    let cards: Vec<(String, String)> = sqlx::query_as(
        "SELECT DISTINCT cardholder_id, card_token FROM grants
         WHERE app_id = ? AND status != 'revoked' ORDER BY cardholder_id, card_token",
    )
    .bind(&app_id)
    .fetch_all(&mut *tx)
    .await?;
    let terms_hash = Sha256Digest::of_terms(&request.text);
    for (cardholder_id, card_token) in &cards {
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
    let updated = find(&mut tx, &app_id)
        .await?
        .ok_or_else(|| ApiError::internal("app vanished"))?;
    tx.commit().await?;
    state.feed_changed();
    Ok(Json(updated))
}
