//! Data-subject requests: `POST /v1/data-requests` asks one app for a copy of the
//! cardholder's data (`access`) or for its deletion (`deletion`); `GET /v1/data-requests`
//! lists them with status and the date the answer is due (one month, as the GDPR sets).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::apps;
use crate::auth::Device;
use crate::clock::rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::extract::ApiJson;
use crate::ids::new_id;
use crate::state::AppState;

const RESPONSE_DAYS: i64 = 30;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Access,
    Deletion,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Access => "access",
            Kind::Deletion => "deletion",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDataRequest {
    app_id: String,
    kind: Kind,
}

#[derive(Debug, Serialize)]
pub struct DataRequest {
    id: String,
    app_id: String,
    kind: String,
    /// `received`, `in_progress`, `completed` or `rejected`.
    status: String,
    created_at: String,
    due_at: String,
    updated_at: String,
}

#[derive(Debug, Serialize)]
pub struct DataRequestList {
    data_requests: Vec<DataRequest>,
}

pub async fn create(
    State(state): State<AppState>,
    device: Device,
    ApiJson(request): ApiJson<NewDataRequest>,
) -> ApiResult<(StatusCode, Json<DataRequest>)> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if apps::find(&mut tx, &request.app_id).await?.is_none() {
        return Err(ApiError::unprocessable(
            "app_not_found",
            "no app with this app_id",
        ));
    }
    let created = DataRequest {
        id: new_id("dsr"),
        app_id: request.app_id,
        kind: request.kind.as_str().to_owned(),
        status: "received".into(),
        created_at: rfc3339(now),
        due_at: rfc3339(now + TimeDelta::days(RESPONSE_DAYS)),
        updated_at: rfc3339(now),
    };
    sqlx::query(
        "INSERT INTO data_requests (id, cardholder_id, app_id, kind, status, created_at, due_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&created.id)
    .bind(&device.cardholder_id)
    .bind(&created.app_id)
    .bind(&created.kind)
    .bind(&created.status)
    .bind(&created.created_at)
    .bind(&created.due_at)
    .bind(&created.updated_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn list(
    State(state): State<AppState>,
    device: Device,
) -> ApiResult<Json<DataRequestList>> {
    let rows: Vec<(String, String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT id, app_id, kind, status, created_at, due_at, updated_at FROM data_requests
         WHERE cardholder_id = ? ORDER BY created_at, id",
    )
    .bind(&device.cardholder_id)
    .fetch_all(&state.db)
    .await?;
    let data_requests = rows
        .into_iter()
        .map(
            |(id, app_id, kind, status, created_at, due_at, updated_at)| DataRequest {
                id,
                app_id,
                kind,
                status,
                created_at,
                due_at,
                updated_at,
            },
        )
        .collect();
    Ok(Json(DataRequestList { data_requests }))
}
