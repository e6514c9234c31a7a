//! Data-subject requests: `POST /v1/data-requests` asks one app for a copy of the
//! cardholder's data (`access`) or for its deletion (`deletion`); `GET /v1/data-requests`
//! lists them with status and the date the answer is due (one month, as the GDPR sets).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use chrono::TimeDelta;
use consentry_wire::{DataRequest, DataRequestKind, DataRequestList, NewDataRequest};

use crate::apps;
use crate::auth::Device;
use crate::clock::{rfc3339, stored_time};
use crate::error::{ApiError, ApiResult};
use crate::extract::IdempotentJson;
use crate::idempotency::{begin_or_replay, Scope};
use crate::ids::new_id;
use crate::state::AppState;

const RESPONSE_DAYS: i64 = 30;

/// Reads a stored kind.
fn kind_from(text: &str) -> Result<DataRequestKind, ApiError> {
    match text {
        "access" => Ok(DataRequestKind::Access),
        "deletion" => Ok(DataRequestKind::Deletion),
        other => Err(ApiError::internal(format!(
            "unknown data request kind {other:?}"
        ))),
    }
}

pub async fn create(
    State(state): State<AppState>,
    device: Device,
    IdempotentJson {
        body: request,
        idempotency,
    }: IdempotentJson<NewDataRequest>,
) -> ApiResult<Response> {
    let scope = Scope::Cardholder(&device.cardholder_id);
    let (mut tx, now) = begin_or_replay!(state, idempotency, scope);
    if apps::find(&mut tx, &request.app_id).await?.is_none() {
        return Err(ApiError::unprocessable(
            "app_not_found",
            "no app with this app_id",
        ));
    }
    let created = DataRequest {
        id: new_id("dsr"),
        app_id: request.app_id,
        kind: request.kind,
        status: "received".into(),
        created_at: now,
        due_at: now + TimeDelta::days(RESPONSE_DAYS),
        updated_at: now,
    };
    sqlx::query(
        "INSERT INTO data_requests (id, cardholder_id, app_id, kind, status, created_at, due_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&created.id)
    .bind(&device.cardholder_id)
    .bind(&created.app_id)
    .bind(created.kind.as_str())
    .bind(&created.status)
    .bind(rfc3339(created.created_at))
    .bind(rfc3339(created.due_at))
    .bind(rfc3339(created.updated_at))
    .execute(&mut *tx)
    .await?;
    let response = idempotency
        .answer_json(&mut tx, scope, StatusCode::CREATED, &created, now)
        .await?;
    tx.commit().await?;
    Ok(response)
}

pub async fn list(
    State(state): State<AppState>,
    device: Device,
) -> ApiResult<Json<DataRequestList>> {
    let rows: Vec<(String, String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT id, app_id, kind, status, created_at, due_at, updated_at FROM data_requests
         WHERE cardholder_id = $1 ORDER BY created_at, id",
    )
    .bind(&device.cardholder_id)
    .fetch_all(&state.db)
    .await?;
    let data_requests = rows
        .into_iter()
        .map(
            |(id, app_id, kind, status, created_at, due_at, updated_at)| {
                Ok(DataRequest {
                    kind: kind_from(&kind)?,
                    created_at: stored_time(&created_at, "data_requests.created_at")?,
                    due_at: stored_time(&due_at, "data_requests.due_at")?,
                    updated_at: stored_time(&updated_at, "data_requests.updated_at")?,
                    id,
                    app_id,
                    status,
                })
            },
        )
        .collect::<Result<_, ApiError>>()?;
    Ok(Json(DataRequestList { data_requests }))
}
