//! Grants as stored: the whole [`consentry_domain::Grant`] as JSON, plus the columns the
//! platform looks them up by.

use consentry_domain::Grant;
use sqlx::SqliteConnection;

use crate::error::ApiError;

/// The cardholder's grant with this id.
pub async fn find(
    conn: &mut SqliteConnection,
    cardholder_id: &str,
    id: &str,
) -> Result<Option<Grant>, ApiError> {
    let json: Option<String> =
        sqlx::query_scalar("SELECT grant_json FROM grants WHERE cardholder_id = ? AND id = ?")
            .bind(cardholder_id)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    json.map(|j| serde_json::from_str(&j).map_err(ApiError::from))
        .transpose()
}

/// Every grant of the cardholder, oldest first.
pub async fn all(conn: &mut SqliteConnection, cardholder_id: &str) -> Result<Vec<Grant>, ApiError> {
    decode(
        sqlx::query_scalar("SELECT grant_json FROM grants WHERE cardholder_id = ? ORDER BY rowid")
            .bind(cardholder_id)
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// Every grant on one card (any status).
pub async fn on_card(
    conn: &mut SqliteConnection,
    card_token: &str,
) -> Result<Vec<Grant>, ApiError> {
    decode(
        sqlx::query_scalar("SELECT grant_json FROM grants WHERE card_token = ? ORDER BY rowid")
            .bind(card_token)
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// Every active grant for one app, with the cardholder each belongs to.
pub async fn active_for_app(
    conn: &mut SqliteConnection,
    app_id: &str,
) -> Result<Vec<(String, Grant)>, ApiError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT cardholder_id, grant_json FROM grants WHERE app_id = ? AND status = 'active' ORDER BY rowid",
    )
    .bind(app_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(cardholder, json)| Ok((cardholder, serde_json::from_str(&json)?)))
        .collect()
}

fn decode(rows: Vec<String>) -> Result<Vec<Grant>, ApiError> {
    rows.iter()
        .map(|j| serde_json::from_str(j).map_err(ApiError::from))
        .collect()
}

/// Inserts or replaces the grant.
pub async fn save(
    conn: &mut SqliteConnection,
    cardholder_id: &str,
    grant: &Grant,
    updated_by: &str,
) -> Result<(), ApiError> {
    let version = i64::try_from(grant.version).map_err(ApiError::internal)?;
    sqlx::query(
        "INSERT INTO grants (cardholder_id, id, app_id, card_token, status, version, grant_json, updated_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (cardholder_id, id) DO UPDATE SET
             status = excluded.status, version = excluded.version,
             grant_json = excluded.grant_json, updated_by = excluded.updated_by",
    )
    .bind(cardholder_id)
    .bind(&grant.id)
    .bind(&grant.app_id)
    .bind(&grant.card_token)
    .bind(grant.status.as_str())
    .bind(version)
    .bind(serde_json::to_string(grant)?)
    .bind(updated_by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
