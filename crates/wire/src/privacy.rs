//! Data-subject requests: `POST` and `GET /v1/data-requests`.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a data-subject request asks of an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum DataRequestKind {
    /// A copy of the data the app holds about the cardholder.
    Access,
    /// The deletion of that data.
    Deletion,
}

impl DataRequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DataRequestKind::Access => "access",
            DataRequestKind::Deletion => "deletion",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDataRequest {
    pub app_id: String,
    /// `access`: a copy of my data; `deletion`: erase it.
    #[schemars(with = "String", extend("enum" = ["access", "deletion"]))]
    pub kind: DataRequestKind,
}

// A data-subject request as the platform tracks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct DataRequest {
    pub id: String,
    pub app_id: String,
    #[schemars(with = "String", extend("enum" = ["access", "deletion"]))]
    pub kind: DataRequestKind,
    #[schemars(extend("enum" = ["received", "in_progress", "completed", "rejected"]))]
    pub status: String,
    #[serde(serialize_with = "crate::time::millis")]
    pub created_at: DateTime<Utc>,
    /// One month after `created_at`.
    #[serde(serialize_with = "crate::time::millis")]
    pub due_at: DateTime<Utc>,
    #[serde(serialize_with = "crate::time::millis")]
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DataRequestList {
    pub data_requests: Vec<DataRequest>,
}
