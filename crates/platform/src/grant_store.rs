//! Grants as stored: the whole [`consentry_domain::Grant`] as JSON, the device-signed
//! change that produced it ([`consentry_domain::SignedConsent`], when a device made it),
//! plus the columns the platform looks them up by.

use crate::db::Conn;
use consentry_domain::{Grant, SignedConsent};
use serde_json::Value;

use crate::error::ApiError;

/// A grant and the signed change that produced its current state (`None` when the platform
/// made the last change, or it predates signed changes).
#[derive(Debug, Clone)]
pub struct StoredGrant {
    pub grant: Grant,
    pub signed: Option<SignedConsent>,
}

/// The top-level key added next to the grant's fields on the wire.
pub const SIGNED_FIELD: &str = "signed";

impl StoredGrant {
    /// The grant's JSON object plus `"signed": {...} | null`, as `GET /v1/grants` and a
    /// conflict's `current` show it.
    pub fn to_json(&self) -> Result<Value, ApiError> {
        let mut value = serde_json::to_value(&self.grant)?;
        let object = value
            .as_object_mut()
            .ok_or_else(|| ApiError::internal("a grant did not serialize to a JSON object"))?;
        object.insert(SIGNED_FIELD.to_owned(), serde_json::to_value(&self.signed)?);
        Ok(value)
    }
}

fn stored(grant_json: &str, signed_json: Option<&str>) -> Result<StoredGrant, ApiError> {
    Ok(StoredGrant {
        grant: serde_json::from_str(grant_json)?,
        signed: signed_json.map(serde_json::from_str).transpose()?,
    })
}

/// The cardholder's grant with this id, with its signed change.
pub async fn find(
    conn: &mut Conn,
    cardholder_id: &str,
    id: &str,
) -> Result<Option<StoredGrant>, ApiError> {
    let row: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT grant_json, signed_json FROM grants WHERE cardholder_id = $1 AND id = $2",
    )
    .bind(cardholder_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(grant, signed)| stored(&grant, signed.as_deref()))
        .transpose()
}

/// Every grant of the cardholder with its signed change, oldest first.
pub async fn all(conn: &mut Conn, cardholder_id: &str) -> Result<Vec<StoredGrant>, ApiError> {
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT grant_json, signed_json FROM grants WHERE cardholder_id = $1 ORDER BY rowid",
    )
    .bind(cardholder_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|(grant, signed)| stored(grant, signed.as_deref()))
        .collect()
}

/// Every grant on one card (any status).
pub async fn on_card(conn: &mut Conn, card_token: &str) -> Result<Vec<Grant>, ApiError> {
    decode(
        sqlx::query_scalar("SELECT grant_json FROM grants WHERE card_token = $1 ORDER BY rowid")
            .bind(card_token)
            .fetch_all(&mut *conn)
            .await?,
    )
}

/// Every active grant for one app, with the cardholder each belongs to.
pub async fn active_for_app(
    conn: &mut Conn,
    app_id: &str,
) -> Result<Vec<(String, Grant)>, ApiError> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT cardholder_id, grant_json FROM grants WHERE app_id = $1 AND status = 'active' ORDER BY rowid",
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

/// Inserts or replaces the grant, with the signed change that produced it (`None`: the
/// platform's own change).
pub async fn save(
    conn: &mut Conn,
    cardholder_id: &str,
    grant: &Grant,
    updated_by: &str,
    signed: Option<&SignedConsent>,
) -> Result<(), ApiError> {
    let version = i64::try_from(grant.version).map_err(ApiError::internal)?;
    let signed_json = signed.map(serde_json::to_string).transpose()?;
    sqlx::query(
        "INSERT INTO grants (cardholder_id, id, app_id, card_token, status, version, grant_json, updated_by, signed_json)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (cardholder_id, id) DO UPDATE SET
             status = excluded.status, version = excluded.version,
             grant_json = excluded.grant_json, updated_by = excluded.updated_by,
             signed_json = excluded.signed_json",
    )
    .bind(cardholder_id)
    .bind(&grant.id)
    .bind(&grant.app_id)
    .bind(&grant.card_token)
    .bind(grant.status.as_str())
    .bind(version)
    .bind(serde_json::to_string(grant)?)
    .bind(updated_by)
    .bind(signed_json)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
