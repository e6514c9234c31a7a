//! Data-subject requests: a copy of, or the deletion of, what an app holds about the cardholder.

use crate::{ApiError, Context};
use chrono::Utc;
use consentry_sync::{DataRequestKind, PlatformDataRequest};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A data-subject request: a copy of, or the deletion of, what an app holds about you.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DataRequestKindDto {
    Access,
    Deletion,
}

impl From<DataRequestKindDto> for DataRequestKind {
    fn from(kind: DataRequestKindDto) -> Self {
        match kind {
            DataRequestKindDto::Access => DataRequestKind::Access,
            DataRequestKindDto::Deletion => DataRequestKind::Deletion,
        }
    }
}

impl From<DataRequestKind> for DataRequestKindDto {
    fn from(kind: DataRequestKind) -> Self {
        match kind {
            DataRequestKind::Access => DataRequestKindDto::Access,
            DataRequestKind::Deletion => DataRequestKindDto::Deletion,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DataRequestView {
    pub id: String,
    pub app_id: String,
    pub kind: DataRequestKindDto,
    /// `received`, `in_progress`, `completed` or `rejected`.
    pub status: String,
    pub created_at: chrono::DateTime<Utc>,
    pub due_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
}

impl From<PlatformDataRequest> for DataRequestView {
    fn from(r: PlatformDataRequest) -> Self {
        Self {
            id: r.id,
            app_id: r.app_id,
            kind: r.kind.into(),
            status: r.status,
            created_at: r.created_at,
            due_at: r.due_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DataRequestCreateRequest {
    pub app_id: String,
    pub kind: DataRequestKindDto,
}

pub async fn data_request_create(
    ctx: &Context,
    request: DataRequestCreateRequest,
) -> Result<DataRequestView, ApiError> {
    ctx.pool().await?;
    let client = ctx.sync().enrolled_syncer().await?.client().await?;
    let created = client
        .request_data(&request.app_id, request.kind.into())
        .await?;
    Ok(created.into())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DataRequestsListRequest {
    /// Only this app's requests.
    pub app_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DataRequestList {
    pub requests: Vec<DataRequestView>,
}

pub async fn data_requests_list(
    ctx: &Context,
    request: DataRequestsListRequest,
) -> Result<DataRequestList, ApiError> {
    ctx.pool().await?;
    let client = ctx.sync().enrolled_syncer().await?.client().await?;
    let requests = client
        .data_requests()
        .await?
        .into_iter()
        .filter(|r| request.app_id.as_ref().is_none_or(|app| *app == r.app_id))
        .map(DataRequestView::from)
        .collect();
    Ok(DataRequestList { requests })
}
