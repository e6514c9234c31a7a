//! The cardholder's other platform calls: data-subject requests to apps, and the simulated
//! purchases of the demo platform (`/v1/simulate/…`), which a real card network replaces.

use consentry_domain::{Channel, Money};
use consentry_wire::{DataRequestList, NewDataRequest, Outcome, PurchaseRequest, StepResult};

use crate::client::{error_from, PlatformClient};
use crate::error::SyncError;

pub use consentry_wire::DataRequest as PlatformDataRequest;
pub use consentry_wire::DataRequestKind;

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
        let body = NewDataRequest {
            app_id: app_id.to_owned(),
            kind,
        };
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
        let body = PurchaseRequest {
            card_token: card_token.to_owned(),
            amount: *amount,
            merchant: merchant.to_owned(),
            channel,
            settle_after_ms,
            outcome: Outcome::Settle,
        };
        let answer = self
            .call(self.authed(self.http.post(url))?.json(&body), None)
            .await?;
        if !answer.status.is_success() {
            return Err(error_from(&answer));
        }
        let step: StepResult = answer.json("purchase")?;
        Ok(SimulatedPurchase {
            transaction_id: step.transaction.id,
            event_ids: step.event_ids,
        })
    }
}
