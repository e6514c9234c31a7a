//! The cardholder's other platform calls: data-subject requests to apps, the simulated
//! purchases of the demo platform (`/v1/simulate/…`), which a real card network replaces, and
//! the operator calls the demo controls make (an app publishes new terms; an app ignores
//! consent once; a past purchase an app did not reward).

use std::collections::BTreeMap;

use consentry_domain::{Channel, Money, Scope};
use consentry_wire::{
    App, DataRequestList, NewDataRequest, Outcome, PublishTerms, PurchaseRequest, RogueEvent,
    RogueEventSent, StepResult,
};
use reqwest::RequestBuilder;
use serde::de::DeserializeOwned;
use url::Url;

use crate::client::{error_from, PlatformClient};
use crate::error::SyncError;
use crate::secret::OperatorToken;
use crate::wire::PlatformApp;

pub use consentry_wire::DataRequest as PlatformDataRequest;
pub use consentry_wire::DataRequestKind;
pub use consentry_wire::UnrewardedPurchase;

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
        let request = self.authed(self.http.post(url))?.json(&body);
        self.success(request, "data request").await
    }

    /// `GET /v1/data-requests`.
    pub async fn data_requests(&self) -> Result<Vec<PlatformDataRequest>, SyncError> {
        let url = self.url("v1/data-requests", &[])?;
        let request = self.authed(self.http.get(url))?;
        let list: DataRequestList = self.success(request, "data request list").await?;
        Ok(list.data_requests)
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
        let request = self.authed(self.http.post(url))?.json(&body);
        let step: StepResult = self.success(request, "purchase").await?;
        Ok(SimulatedPurchase::from(step))
    }

    /// `POST /v1/apps/{app_id}/terms`, as the platform's operator: the app publishes terms
    /// `version` (higher than its current one), `text` in English and the same terms in other
    /// languages (`translations`, by language tag). The platform then puts the app's grants on
    /// hold until the cardholder accepts them (`app.terms_changed` in the feed).
    pub async fn publish_terms(
        &self,
        operator: &OperatorToken,
        app_id: &str,
        version: u32,
        text: &str,
        translations: &BTreeMap<String, String>,
    ) -> Result<PlatformApp, SyncError> {
        let url = self.url("v1/apps", &[app_id, "terms"])?;
        let body = PublishTerms {
            version,
            text: text.to_owned(),
            translations: translations.clone(),
        };
        let request = operator_post(self, url, operator).json(&body);
        let app: App = self.success(request, "app").await?;
        PlatformApp::try_from(app)
    }

    /// `POST /v1/admin/apps/{app_id}/rogue-event` (operator): the app reacts to the card's
    /// latest purchase in `scope`, allowed or not. Returns the events' ids.
    pub async fn rogue_event(
        &self,
        operator: &OperatorToken,
        app_id: &str,
        card_token: &str,
        scope: Scope,
    ) -> Result<Vec<String>, SyncError> {
        let url = self.url("v1/admin/apps", &[app_id, "rogue-event"])?;
        let body = RogueEvent {
            card_token: card_token.to_owned(),
            scope,
        };
        let request = operator_post(self, url, operator).json(&body);
        let sent: RogueEventSent = self.success(request, "rogue event").await?;
        Ok(sent.event_ids)
    }

    /// `POST /v1/admin/apps/{app_id}/unrewarded-purchase` (operator): the platform records a
    /// purchase settled at `purchase.settled_at` on which the app, holding a cashback grant
    /// then, did nothing. Returns the transaction and its events' ids.
    pub async fn unrewarded_purchase(
        &self,
        operator: &OperatorToken,
        app_id: &str,
        purchase: &UnrewardedPurchase,
    ) -> Result<SimulatedPurchase, SyncError> {
        let url = self.url("v1/admin/apps", &[app_id, "unrewarded-purchase"])?;
        let request = operator_post(self, url, operator).json(purchase);
        let step: StepResult = self.success(request, "unrewarded purchase").await?;
        Ok(SimulatedPurchase::from(step))
    }

    /// Sends `request` and reads the body of its successful answer (`what` names it in the
    /// error when it is unreadable); any other answer is the platform's error.
    async fn success<T: DeserializeOwned>(
        &self,
        request: RequestBuilder,
        what: &str,
    ) -> Result<T, SyncError> {
        let answer = self.call(request, None).await?;
        if !answer.status.is_success() {
            return Err(error_from(&answer));
        }
        answer.json(what)
    }
}

/// A `POST` to `url` as the platform's operator.
fn operator_post(client: &PlatformClient, url: Url, operator: &OperatorToken) -> RequestBuilder {
    client.http.post(url).bearer_auth(operator.expose_secret())
}

impl From<StepResult> for SimulatedPurchase {
    fn from(step: StepResult) -> Self {
        SimulatedPurchase {
            transaction_id: step.transaction.id,
            event_ids: step.event_ids,
        }
    }
}
