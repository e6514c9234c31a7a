//! The consent ledger: its timeline and the check of its hash chain.

use crate::device_names::DeviceNames;
use crate::views::LedgerEntryView;
use crate::{ApiError, Context};
use consentry_store::cards::{self, CardStatus};
use consentry_store::ledger::{self, LedgerCheck};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LedgerListRequest {
    pub app_id: Option<String>,
    pub card_token: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct LedgerList {
    /// Newest first.
    pub entries: Vec<LedgerEntryView>,
    /// The cards the entries name, as far as the wallet knows them (an unlinked card keeps
    /// its last four digits); a card missing here is one the wallet never held.
    pub cards: Vec<LedgerCard>,
}

/// A card an entry names, by what may be shown of it: never its platform token alone.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LedgerCard {
    pub token: String,
    pub last4: String,
    pub nickname: Option<String>,
    /// Unlinked since: its permissions were revoked and it is gone from Cards.
    pub unlinked: bool,
}

pub async fn ledger_list(
    ctx: &Context,
    request: LedgerListRequest,
) -> Result<LedgerList, ApiError> {
    let pool = ctx.pool().await?;
    let names = DeviceNames::load(ctx, &pool).await?;
    let mut entries: Vec<LedgerEntryView> = ledger::entries(&pool)
        .await?
        .into_iter()
        .filter(|e| {
            e.grant
                .key()
                .matches(request.app_id.as_deref(), request.card_token.as_deref())
        })
        .map(|e| LedgerEntryView::named(e, &names))
        .collect();
    entries.reverse();
    let cards = cards::list(&pool)
        .await?
        .into_iter()
        .filter(|card| entries.iter().any(|e| e.card_token == card.token))
        .map(|card| LedgerCard {
            unlinked: card.status == CardStatus::Unlinked,
            token: card.token,
            last4: card.last4,
            nickname: card.nickname,
        })
        .collect();
    Ok(LedgerList { entries, cards })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct LedgerVerifyRequest {}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LedgerVerifyResult {
    pub intact: bool,
    pub entries: u64,
    /// The first broken link, when not intact.
    pub broken_at: Option<u64>,
    pub reason: Option<String>,
}

pub async fn ledger_verify(
    ctx: &Context,
    _request: LedgerVerifyRequest,
) -> Result<LedgerVerifyResult, ApiError> {
    let pool = ctx.pool().await?;
    Ok(match ledger::verify(&pool).await? {
        LedgerCheck::Intact { entries } => LedgerVerifyResult {
            intact: true,
            entries,
            broken_at: None,
            reason: None,
        },
        LedgerCheck::Broken { seq, reason } => LedgerVerifyResult {
            intact: false,
            entries: 0,
            broken_at: Some(seq),
            reason: Some(reason),
        },
    })
}
