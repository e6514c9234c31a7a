//! Linking and unlinking cards, which go through the platform: the number is sent once and
//! forgotten; unlinking revokes the card's grants first.

use crate::cards::CardView;
use crate::changes::revoke_one;
use crate::{ApiError, Context, ErrorCode};
use chrono::Utc;
use consentry_domain::{CardNumber, Expiry, GrantStatus};
use consentry_store::cards::{self, CardStatus as StoreCardStatus, NewCard};
use consentry_store::grants;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use zeroize::Zeroizing;

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
    let (already_linked, linked) = (linked.already_linked, linked.card);
    // The platform keeps one token per card per cardholder: a card this wallet already holds
    // (linked here before, or on another device) is the same card, linked again if it was
    // unlinked here.
    if let Some(held) = cards::get(&pool, &linked.token).await? {
        let card = if held.status == StoreCardStatus::Unlinked {
            cards::set_status(&pool, &held.token, StoreCardStatus::Active, now).await?
        } else {
            held
        };
        return Ok(CardView::of(&card, now.date_naive()));
    }
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
            // The syncer may have stored this very card meanwhile, from the platform's feed
            // (its `card.changed` event): then it is linked, and must stay so.
            if let Some(held) = cards::get(&pool, &linked.token).await? {
                return Ok(CardView::of(&held, now.date_naive()));
            }
            // Never leave a card on the platform that the wallet does not know, unless the
            // cardholder had it before this request (another device holds it).
            if !already_linked {
                if let Err(undo) = client.remove_card(&linked.token).await {
                    tracing::warn!(error = %undo, "could not unlink a card the wallet refused");
                }
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
