//! Commands that go through the platform: link and unlink cards, refresh the app directory,
//! data-subject requests, and the demo platform's simulated purchases.

use chrono::Utc;
use consentry_domain::{CardNumber, Expiry, GrantStatus};
use consentry_store::cards::{self, CardStatus as StoreCardStatus, NewCard};
use consentry_store::grants;
use consentry_sync::{DataRequestKind, PlatformDataRequest};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use zeroize::Zeroizing;

use crate::cards::CardView;
use crate::consents::revoke_one;
use crate::vocabulary::{Channel, Money};
use crate::{ApiError, Context, ErrorCode};

/// Link a card: the number goes to the platform once and is forgotten; the wallet keeps the
/// platform's token, the brand, the last four digits, the expiry and the nickname.
#[derive(Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CardLinkRequest {
    /// Digits, optionally grouped with spaces or dashes.
    pub number: String,
    pub exp_month: u8,
    /// Four digits, e.g. 2029.
    pub exp_year: u16,
    pub nickname: Option<String>,
}

impl std::fmt::Debug for CardLinkRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardLinkRequest")
            .field("number", &"<redacted>")
            .field("exp_month", &self.exp_month)
            .field("exp_year", &self.exp_year)
            .field("nickname", &self.nickname)
            .finish()
    }
}

pub async fn card_link(ctx: &Context, request: CardLinkRequest) -> Result<CardView, ApiError> {
    let CardLinkRequest {
        number,
        exp_month,
        exp_year,
        nickname,
    } = request;
    // The typed number is wiped when this scope ends, whatever happens.
    let number = Zeroizing::new(number);
    let number = CardNumber::parse(&number)
        .map_err(|e| ApiError::invalid_input(format!("card number: {e}")))?;
    let expiry = Expiry::new(exp_month, exp_year)
        .map_err(|e| ApiError::invalid_input(format!("expiry: {e}")))?;
    let now = Utc::now();
    if expiry.is_expired(now) {
        return Err(ApiError::invalid_input("expiry: this card has expired"));
    }
    let nickname = nickname
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    let pool = ctx.pool().await?;
    let client = ctx.sync().enrolled_syncer().await?.client().await?;
    let linked = client
        .link_card(&number, expiry, nickname.as_deref())
        .await?;
    drop(number);
    let card = NewCard {
        token: linked.token.clone(),
        brand: linked.brand,
        last4: linked.last4.clone(),
        expiry: linked.expiry,
        nickname: linked.nickname.clone(),
    };
    match cards::insert(&pool, &card, now).await {
        Ok(card) => Ok(CardView::of(&card, now.date_naive())),
        Err(e) => {
            // Never leave a card on the platform that the wallet does not know.
            if let Err(undo) = client.remove_card(&linked.token).await {
                tracing::warn!(error = %undo, "could not unlink a card the wallet refused");
            }
            Err(e.into())
        }
    }
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CardUnlinkRequest {
    pub token: String,
}

/// What unlinking did.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CardUnlinked {
    pub token: String,
    /// Permissions revoked on the way (each one a ledger entry).
    pub revoked: u32,
}

/// Unlink a card: its grants are revoked first (in the ledger, queued for the platform),
/// then the platform deletes the card, then it leaves the wallet's card list. If the platform
/// cannot be reached the revocations stand and the card stays listed; try again later.
pub async fn card_unlink(
    ctx: &Context,
    request: CardUnlinkRequest,
) -> Result<CardUnlinked, ApiError> {
    let pool = ctx.pool().await?;
    let card = cards::get(&pool, &request.token)
        .await?
        .filter(|c| c.status != StoreCardStatus::Unlinked)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "there is no such linked card"))?;
    let now = Utc::now();
    let mut revoked = 0u32;
    for grant in grants::list(&pool).await? {
        let on_card = grant.card_token == card.token;
        if on_card
            && matches!(
                grant.status,
                GrantStatus::Active | GrantStatus::NeedsReconsent
            )
        {
            revoke_one(&pool, &grant, now).await?;
            revoked += 1;
        }
    }
    let syncer = ctx.sync().enrolled_syncer().await?;
    if revoked > 0 {
        // Best effort: the platform revokes the card's grants when it deletes the card anyway.
        if let Err(e) = syncer.drain_outbox(now).await {
            tracing::warn!(error = %e, "revocations not sent before unlinking");
        }
    }
    let client = syncer.client().await?;
    match client.remove_card(&card.token).await {
        Ok(_) => {}
        // Already gone there (unlinked from another device): finish here.
        Err(e) if e.platform_code() == Some("card_not_found") => {}
        Err(e) => return Err(e.into()),
    }
    cards::set_status(&pool, &card.token, StoreCardStatus::Unlinked, Utc::now()).await?;
    syncer.wake();
    Ok(CardUnlinked {
        token: card.token,
        revoked,
    })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct AppsRefreshRequest {}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppsRefreshed {
    /// How many apps the platform lists.
    pub apps: u32,
}

/// Fetches the platform's app directory (names, scopes, terms, fees) into the wallet.
pub async fn apps_refresh(
    ctx: &Context,
    _request: AppsRefreshRequest,
) -> Result<AppsRefreshed, ApiError> {
    ctx.pool().await?;
    let syncer = ctx.sync().enrolled_syncer().await?;
    let count = syncer.refresh_directory(Utc::now()).await?;
    Ok(AppsRefreshed {
        apps: u32::try_from(count).unwrap_or(u32::MAX),
    })
}

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
