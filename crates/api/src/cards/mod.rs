//! Card commands that need only the wallet: list and rename. (Linking and unlinking go
//! through the platform; see `platform.rs`.)

pub mod link;

use chrono::{Datelike, NaiveDate, Utc};
use consentry_domain::mask_last4;
use consentry_store::cards::{self, Card, CardStatus as StoreCardStatus};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, Context, ErrorCode};

/// Warn about expiry this many days ahead.
pub const EXPIRY_WARNING_DAYS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CardStatus {
    Active,
    Paused,
    Expired,
    Unlinked,
}

impl From<StoreCardStatus> for CardStatus {
    fn from(status: StoreCardStatus) -> Self {
        match status {
            StoreCardStatus::Active => Self::Active,
            StoreCardStatus::Paused => Self::Paused,
            StoreCardStatus::Expired => Self::Expired,
            StoreCardStatus::Unlinked => Self::Unlinked,
        }
    }
}

/// A linked card as the UI shows it: never more than the last four digits.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CardView {
    pub token: String,
    pub brand: String,
    pub last4: String,
    /// `•••• 1234`
    pub masked: String,
    pub exp_month: u8,
    pub exp_year: u16,
    pub nickname: Option<String>,
    pub status: CardStatus,
    /// Days until the end of the expiry month, when that is within the warning window.
    pub expires_in_days: Option<i64>,
    /// The currency of the latest purchase seen on the card (what a minimum purchase on it
    /// must be in); `null` before the first one.
    pub currency: Option<String>,
}

impl CardView {
    pub fn of(card: &Card, today: NaiveDate) -> Self {
        let (month, year) = (card.expiry.month(), card.expiry.year());
        let end_of_month = NaiveDate::from_ymd_opt(i32::from(year), u32::from(month), 1)
            .and_then(|first| first.checked_add_months(chrono::Months::new(1)))
            .map(|next| next - chrono::Days::new(1));
        let expires_in_days = end_of_month
            .map(|end| (end - today).num_days())
            .filter(|days| *days <= EXPIRY_WARNING_DAYS);
        Self {
            token: card.token.clone(),
            brand: card.brand.as_str().to_owned(),
            last4: card.last4.clone(),
            masked: mask_last4(&card.last4),
            exp_month: month,
            exp_year: year,
            nickname: card.nickname.clone(),
            status: card.status.into(),
            expires_in_days,
            currency: None,
        }
    }

    /// The view with the currency the card's purchases are made in.
    pub(crate) async fn seen(
        pool: &sqlx::SqlitePool,
        card: &Card,
        today: NaiveDate,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            currency: cards::purchase_currency(pool, &card.token).await?,
            ..Self::of(card, today)
        })
    }
}

fn today() -> NaiveDate {
    let now = Utc::now();
    NaiveDate::from_ymd_opt(now.year(), now.month(), now.day()).unwrap_or_default()
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct CardsListRequest {}

#[derive(Debug, Clone, Serialize, TS)]
pub struct CardList {
    pub cards: Vec<CardView>,
}

pub async fn cards_list(ctx: &Context, _request: CardsListRequest) -> Result<CardList, ApiError> {
    let pool = ctx.pool().await?;
    let today = today();
    let mut cards = Vec::new();
    for card in cards::list(&pool).await? {
        if card.status != StoreCardStatus::Unlinked {
            cards.push(CardView::seen(&pool, &card, today).await?);
        }
    }
    Ok(CardList { cards })
}

#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CardRenameRequest {
    pub token: String,
    /// Blank or `null` clears it.
    pub nickname: Option<String>,
}

/// Renames a card. With a platform, the platform first (so every device of the cardholder
/// shows the new name); without one, only here.
pub async fn card_rename(ctx: &Context, request: CardRenameRequest) -> Result<CardView, ApiError> {
    let pool = ctx.pool().await?;
    let held = cards::get(&pool, &request.token)
        .await?
        .filter(|c| c.status != StoreCardStatus::Unlinked)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "there is no such linked card"))?;
    let nickname = request
        .nickname
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if held.nickname.as_deref() == nickname {
        return CardView::seen(&pool, &held, today()).await;
    }
    // Checked here first, so that the platform never sees a name the wallet would refuse.
    cards::validate_nickname(nickname)?;
    let syncer = ctx.sync().syncer().await?;
    if let Ok(client) = syncer.client().await {
        match client.rename_card(&request.token, nickname).await {
            Ok(_) => syncer.wake(),
            // A card the platform does not know (linked before enrolling): a local name.
            Err(e) if e.platform_code() == Some("card_not_found") => {}
            Err(e) => return Err(e.into()),
        }
    }
    let card = cards::set_nickname(
        &pool,
        &request.token,
        request.nickname.as_deref(),
        Utc::now(),
    )
    .await?;
    CardView::seen(&pool, &card, today()).await
}
