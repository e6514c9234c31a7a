//! The demo platform's simulated purchase (refused by a real platform).

use crate::vocabulary::{Channel, Money};
use crate::{ApiError, Context};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Demo platform only: pretend a card was just used, so the apps you allowed react.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PurchaseSimulateRequest {
    pub card_token: String,
    pub amount: Money,
    pub merchant: String,
    pub channel: Channel,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseSimulated {
    pub transaction_id: String,
    /// Events the purchase produced at once (the authorization and real-time reactions).
    pub events: u32,
}

pub async fn purchase_simulate(
    ctx: &Context,
    request: PurchaseSimulateRequest,
) -> Result<PurchaseSimulated, ApiError> {
    let amount = consentry_domain::Money::try_from(&request.amount)?;
    ctx.pool().await?;
    let syncer = ctx.sync().enrolled_syncer().await?;
    let client = syncer.client().await?;
    let done = client
        .simulate_purchase(
            &request.card_token,
            &amount,
            &request.merchant,
            request.channel.into(),
            Some(2_000),
        )
        .await?;
    // Pull what it produced now rather than at the next long-poll.
    syncer.wake();
    Ok(PurchaseSimulated {
        transaction_id: done.transaction_id,
        events: u32::try_from(done.event_ids.len()).unwrap_or(u32::MAX),
    })
}
