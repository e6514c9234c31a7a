//! The cardholder's other platform calls: data-subject requests to apps, and the simulated
//! purchases of the demo platform (`/v1/simulate/…`), which a real card network replaces.

use chrono::{DateTime, Utc};
use consentry_domain::{Channel, Money};
use serde::{Deserialize, Serialize};

use crate::client::{error_from, PlatformClient};
use crate::error::SyncError;

/// What a data-subject request asks of an app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataRequestKind {
    /// A copy of the data the app holds about the cardholder.
    Access,
    /// The deletion of that data.
    Deletion,
}

/// A data-subject request as the platform tracks it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PlatformDataRequest {
    pub id: String,
    pub app_id: String,
    pub kind: DataRequestKind,
    /// `received`, `in_progress`, `completed` or `rejected`.
    pub status: String,
    pub created_at: DateTime<Utc>,
    /// When the app must have answered (a month after the request).
    pub due_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Deserialize)]
struct DataRequestList {
    data_requests: Vec<PlatformDataRequest>,
}

#[derive(Serialize)]
struct NewDataRequest<'a> {
    app_id: &'a str,
    kind: DataRequestKind,
}

#[derive(Serialize)]
struct PurchaseBody<'a> {
    card_token: &'a str,
    amount: &'a Money,
    merchant: &'a str,
    channel: Channel,
    #[serde(skip_serializing_if = "Option::is_none")]
    settle_after_ms: Option<u64>,
}

#[derive(Deserialize)]
struct TransactionDto {
    id: String,
}

#[derive(Deserialize)]
struct StepDto {
    transaction: TransactionDto,
    event_ids: Vec<String>,
}

/// A purchase the demo platform simulated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatedPurchase {
    pub transaction_id: String,
    /// The events it produced so far (the authorization and any real-time reactions).
    pub event_ids: Vec<String>,
}

impl PlatformClient {
    /// `POST /v1/data-requests`.
    pub async fn request_data(
        &self,
        app_id: &str,
        kind: DataRequestKind,
    ) -> Result<PlatformDataRequest, SyncError> {
        let url = self.url("v1/data-requests", &[])?;
        let body = NewDataRequest { app_id, kind };
        let answer = self
            .call(self.authed(self.http.post(url))?.json(&body), None)
            .await?;
        if !answer.status.is_success() {
            return Err(error_from(&answer));
        }
        answer.json("data request")
    }

    /// `GET /v1/data-requests`.
    pub async fn data_requests(&self) -> Result<Vec<PlatformDataRequest>, SyncError> {
        let url = self.url("v1/data-requests", &[])?;
        let answer = self.call(self.authed(self.http.get(url))?, None).await?;
        if !answer.status.is_success() {
            return Err(error_from(&answer));
        }
        Ok(answer
            .json::<DataRequestList>("data request list")?
            .data_requests)
    }

    /// `POST /v1/simulate/purchase`: the demo platform pretends the card was used.
    pub async fn simulate_purchase(
        &self,
        card_token: &str,
        amount: &Money,
        merchant: &str,
        channel: Channel,
        settle_after_ms: Option<u64>,
    ) -> Result<SimulatedPurchase, SyncError> {
        let url = self.url("v1/simulate/purchase", &[])?;
        let body = PurchaseBody {
            card_token,
            amount,
            merchant,
            channel,
            settle_after_ms,
        };
        let answer = self
            .call(self.authed(self.http.post(url))?.json(&body), None)
            .await?;
        if !answer.status.is_success() {
            return Err(error_from(&answer));
        }
        let step: StepDto = answer.json("purchase")?;
        Ok(SimulatedPurchase {
            transaction_id: step.transaction.id,
            event_ids: step.event_ids,
        })
    }
}
