//! The activity feed: one list of everything the wallet received, one row per purchase (its
//! authorization, settlement, receipt, points, cashback, offers, posts and recommendations
//! inside it, [`PurchaseGroup`]) and one per event about no purchase (consent and card
//! changes, terms); filtered by card, app, kind and dates and searched through the store's
//! full-text index, a purchase matching by any of its events; served in keyset pages
//! ([`activity_list`]). The detail of one event is in [`detail`].

pub mod detail;
pub mod unread;

use chrono::{DateTime, Utc};
use consentry_domain::EventPayload;
use consentry_store::activity::{self, ActivityCursor, ActivityFilter, ActivityRow, Direction};
use consentry_store::history::HistoryFilter;
use consentry_store::platform_claims;
use consentry_store::purchases::{self, Purchase};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use self::detail::TransactionStatus;
use crate::device_names::DeviceNames;
use crate::views::EventKind;
use crate::vocabulary::{Channel, Money};
use crate::{ApiError, Context};

/// Page size when the request names none.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Longest search text accepted.
pub const MAX_SEARCH_CHARS: usize = 200;

/// Which events to list, and from where. Every filter is optional; `cursor` continues with
/// older events, `newerThan` asks for events newer than the list's first row (to prepend them).
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ActivityListRequest {
    pub card_token: Option<String>,
    pub app_id: Option<String>,
    /// Any of these kinds; empty for all.
    pub kinds: Vec<EventKind>,
    /// Occurred at or after.
    pub from: Option<DateTime<Utc>>,
    /// Occurred strictly before.
    pub until: Option<DateTime<Utc>>,
    /// Only events received outside the cardholder's consent.
    pub violations_only: bool,
    /// Words to find in merchants, receipt lines and app names (each as a prefix).
    pub search: Option<String>,
    /// The `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// The `cursor` of the newest item shown.
    pub newer_than: Option<String>,
    /// 1 to 200; 50 when absent.
    pub limit: Option<u32>,
}

/// One event of the feed. The summary fields that apply to the kind are set; the UI phrases
/// them ("Receipt from Café Rose, €12.40"). A row of the list is an event of its own, or the
/// newest (matching) event of a purchase with the purchase in `group`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ActivityItem {
    /// The platform's event id (what `event_detail` takes).
    pub id: String,
    /// This item's position in the feed (what `newerThan` takes).
    pub cursor: String,
    pub kind: EventKind,
    pub occurred_at: DateTime<Utc>,
    pub card_token: String,
    /// Absent when the card is no longer in the wallet.
    pub card_last4: Option<String>,
    pub card_nickname: Option<String>,
    pub app_id: Option<String>,
    /// Absent when the app is not in the cached directory.
    pub app_name: Option<String>,
    /// The merchant (transactions, receipts).
    pub merchant: Option<String>,
    /// The event's own amount: a purchase, a receipt total, a cashback.
    pub amount: Option<Money>,
    /// The purchase an app event stems from.
    pub purchase: Option<Money>,
    pub channel: Option<Channel>,
    /// Points added (negative when taken back).
    pub points: Option<i64>,
    /// A short label: the points program, the offer code, the social network, the consent
    /// action, the new terms version.
    pub label: Option<String>,
    /// Longer text: the offer, the recommendation, the post, the scope of a consent change.
    pub text: Option<String>,
    /// Received outside the cardholder's consent.
    pub violation: bool,
    /// For a consent or card change: who made it.
    pub consent_origin: Option<ConsentOrigin>,
    /// For a consent or card change made on a device: its name (`null` when unknown).
    pub device_name: Option<String>,
    /// On a row of the list, the purchase this event belongs to, with all its events; `null`
    /// for an event about no purchase, and inside a group.
    pub group: Option<PurchaseGroup>,
}

/// A purchase: the card transaction and what the apps did with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseGroup {
    /// The platform's transaction id every event of the purchase names.
    pub transaction_id: String,
    /// Where the purchase is: reversed if a reversal arrived, else settled if a settlement
    /// did, else authorized; `null` when only apps' events name it so far.
    pub state: Option<TransactionStatus>,
    /// From the transaction (else the receipt).
    pub merchant: Option<String>,
    /// The purchase's amount: the transaction's (else what the apps' events say was paid).
    pub amount: Option<Money>,
    pub channel: Option<Channel>,
    /// The transaction event that says the state (what opens for the purchase itself).
    pub transaction_event_id: Option<String>,
    /// When the purchase was made: its first transaction event, else its oldest event listed.
    pub purchased_at: DateTime<Utc>,
    /// How many events the purchase has.
    pub event_count: u32,
    /// How many of them arrived outside the cardholder's consent.
    pub violation_count: u32,
    /// Its events, newest first: at most 100 (the newest); `eventCount` says how many in all.
    pub events: Vec<ActivityItem>,
}

/// The rank of a transaction state: a reversal says more than a settlement, a settlement more
/// than an authorization, whatever order they arrived in.
fn state_rank(state: TransactionStatus) -> u8 {
    match state {
        TransactionStatus::Authorized => 1,
        TransactionStatus::Settled => 2,
        TransactionStatus::Reversed => 3,
    }
}

impl From<&Purchase> for PurchaseGroup {
    fn from(purchase: &Purchase) -> Self {
        let events: Vec<ActivityItem> = purchase.events.iter().map(ActivityItem::from).collect();
        // The transaction events, oldest first (the events are newest first).
        let mut states: Vec<(TransactionStatus, &ActivityRow)> = purchase
            .events
            .iter()
            .rev()
            .filter_map(|row| detail::status_of(&row.event.payload).map(|s| (s, row)))
            .collect();
        let purchased_at = states
            .first()
            .map(|(_, row)| row.event.occurred_at)
            .or_else(|| purchase.events.last().map(|row| row.event.occurred_at))
            .unwrap_or_default();
        // The strongest state; among equals, the latest.
        states.sort_by_key(|(state, _)| state_rank(*state));
        let said = states
            .last()
            .map(|(state, row)| (*state, ActivityItem::from(*row)));
        let receipt = events.iter().find(|i| i.kind == EventKind::ReceiptIssued);
        let paid = events.iter().find(|i| i.purchase.is_some());
        PurchaseGroup {
            transaction_id: purchase.transaction_id.clone(),
            state: said.as_ref().map(|(state, _)| *state),
            merchant: said
                .as_ref()
                .and_then(|(_, item)| item.merchant.clone())
                .or_else(|| receipt.and_then(|r| r.merchant.clone())),
            amount: said
                .as_ref()
                .and_then(|(_, item)| item.amount.clone())
                .or_else(|| paid.and_then(|i| i.purchase.clone())),
            channel: said
                .as_ref()
                .and_then(|(_, item)| item.channel)
                .or_else(|| paid.and_then(|i| i.channel)),
            transaction_event_id: said.map(|(_, item)| item.id),
            purchased_at,
            event_count: u32::try_from(purchase.event_count).unwrap_or(u32::MAX),
            violation_count: u32::try_from(purchase.violation_count).unwrap_or(u32::MAX),
            events,
        }
    }
}

/// Who made a consent change the feed delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConsentOrigin {
    /// This device signed it (the platform relayed it back).
    ThisDevice,
    /// Another device of the cardholder signed it; verified against the device chain.
    OtherDevice,
    /// The platform restricted a grant on its own (new terms, expiry).
    Platform,
    /// The platform said so and no device signed it: only its claim, not in the ledger.
    PlatformClaim,
}

/// The device that made the consent or card change `event` carries (as signed or stated).
pub(crate) fn author_of(event: &consentry_domain::Event) -> Option<&str> {
    match &event.payload {
        EventPayload::ConsentChanged(c) => {
            c.signed.as_ref().map(|s| s.statement.device_id.as_str())
        }
        EventPayload::CardChanged(c) => Some(c.device_id.as_str()),
        _ => None,
    }
}

/// Who made the consent change `event` carries, when it is one.
fn consent_origin(
    event: &consentry_domain::Event,
    own_device: Option<&str>,
    claimed: bool,
) -> Option<ConsentOrigin> {
    let change = match &event.payload {
        EventPayload::ConsentChanged(change) => change,
        EventPayload::CardChanged(c) => {
            return Some(if Some(c.device_id.as_str()) == own_device {
                ConsentOrigin::ThisDevice
            } else {
                ConsentOrigin::OtherDevice
            })
        }
        _ => return None,
    };
    Some(match (&change.signed, claimed) {
        (_, true) => ConsentOrigin::PlatformClaim,
        (Some(s), false) if Some(s.statement.device_id.as_str()) == own_device => {
            ConsentOrigin::ThisDevice
        }
        (Some(_), false) => ConsentOrigin::OtherDevice,
        (None, false) => ConsentOrigin::Platform,
    })
}

impl From<&ActivityRow> for ActivityItem {
    fn from(row: &ActivityRow) -> Self {
        let event = &row.event;
        let mut item = ActivityItem {
            id: event.id.clone(),
            cursor: row.cursor().to_string(),
            kind: event.event_type().into(),
            occurred_at: event.occurred_at,
            card_token: event.card_token.clone(),
            card_last4: row.card_last4.clone(),
            card_nickname: row.card_nickname.clone(),
            app_id: event.app_id.clone(),
            app_name: row.app_name.clone(),
            merchant: None,
            amount: None,
            purchase: event.payload.payment().map(|p| Money::from(&p.amount)),
            channel: event.payload.payment().map(|p| p.channel.into()),
            points: None,
            label: None,
            text: None,
            violation: row.violation.is_some(),
            consent_origin: None,
            device_name: None,
            group: None,
        };
        match &event.payload {
            EventPayload::TransactionAuthorized(t)
            | EventPayload::TransactionSettled(t)
            | EventPayload::TransactionReversed(t) => {
                item.merchant = Some(t.merchant.clone());
                item.amount = Some(Money::from(&t.amount));
                item.channel = Some(t.channel.into());
            }
            EventPayload::ReceiptIssued(r) => {
                item.merchant = Some(r.receipt.merchant.clone());
                item.amount = Some(Money::from(&r.receipt.total));
            }
            EventPayload::PointsAwarded(p) => {
                item.points = Some(p.delta);
                item.label = Some(p.program.clone());
            }
            EventPayload::CashbackPending(c) | EventPayload::CashbackPaid(c) => {
                item.amount = Some(Money::from(&c.amount));
            }
            EventPayload::OfferIssued(o) => {
                item.label = Some(o.code.clone());
                item.text = Some(o.description.clone());
            }
            EventPayload::OfferRedeemed(o) => item.label = Some(o.code.clone()),
            EventPayload::RecommendationMade(r) => {
                item.label = r.product.clone();
                item.text = Some(r.text.clone());
            }
            EventPayload::SocialPosted(s) => {
                item.label = Some(s.network.clone());
                item.text = Some(s.text.clone());
            }
            EventPayload::ConsentChanged(c) => {
                item.label = Some(c.action.as_str().to_owned());
                item.text = Some(c.grant.scope.as_str().to_owned());
            }
            EventPayload::AppTermsChanged(t) => item.label = Some(t.terms_version.to_string()),
            EventPayload::CardChanged(c) => {
                item.label = Some(c.change.as_str().to_owned());
                item.text = c.nickname.clone();
            }
        }
        item
    }
}

/// One page of the feed.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ActivityPage {
    /// Newest first: events of their own, and purchases (`group`) each at its newest event
    /// that matches the request. A purchase that got a new event since an earlier page comes
    /// again at that event (the list shows it once, at the newer place).
    pub items: Vec<ActivityItem>,
    /// Pass it back as `cursor` for older rows; `null` at the end (and for `newerThan`).
    pub next_cursor: Option<String>,
    /// With `newerThan`: more newer rows remain (ask again from the new first item).
    pub more_newer: bool,
}

fn parse_cursor(field: &str, text: &str) -> Result<ActivityCursor, ApiError> {
    text.parse()
        .map_err(|_| ApiError::invalid_input(format!("{field}: not a cursor from this list")))
}

fn filter_of(request: &ActivityListRequest) -> Result<ActivityFilter, ApiError> {
    if let (Some(from), Some(until)) = (request.from, request.until) {
        if from >= until {
            return Err(ApiError::invalid_input("from must be before until"));
        }
    }
    let search = request
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if search.is_some_and(|s| s.chars().count() > MAX_SEARCH_CHARS) {
        return Err(ApiError::invalid_input(format!(
            "search: at most {MAX_SEARCH_CHARS} characters"
        )));
    }
    let blank_is_none = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    Ok(ActivityFilter {
        events: HistoryFilter {
            card_token: blank_is_none(&request.card_token),
            app_id: blank_is_none(&request.app_id),
            kinds: request.kinds.iter().map(|k| (*k).into()).collect(),
            from: request.from,
            until: request.until,
        },
        violations_only: request.violations_only,
        search: search.map(str::to_owned),
    })
}

/// A page of the feed; see [`ActivityListRequest`].
pub async fn activity_list(
    ctx: &Context,
    request: ActivityListRequest,
) -> Result<ActivityPage, ApiError> {
    let filter = filter_of(&request)?;
    let direction = match (&request.cursor, &request.newer_than) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_input(
                "ask for older (cursor) or newer (newerThan) events, not both",
            ))
        }
        (Some(c), None) => Direction::Older(Some(parse_cursor("cursor", c)?)),
        (None, Some(c)) => Direction::Newer(parse_cursor("newerThan", c)?),
        (None, None) => Direction::Older(None),
    };
    let limit = match request.limit {
        None => DEFAULT_PAGE_SIZE,
        Some(n) if (1..=activity::MAX_PAGE_SIZE).contains(&n) => n,
        Some(_) => {
            return Err(ApiError::invalid_input(format!(
                "limit: 1 to {}",
                activity::MAX_PAGE_SIZE
            )))
        }
    };
    let pool = ctx.pool().await?;
    let page = purchases::page(&pool, &filter, direction, limit).await?;
    let own_device = match ctx.sync().syncer().await {
        Ok(syncer) => syncer.enrollment().await.map(|e| e.device_id),
        Err(_) => None,
    };
    let names = DeviceNames::load(ctx, &pool).await?;
    let mut items = Vec::with_capacity(page.entries.len());
    for entry in &page.entries {
        let row = &entry.row;
        let mut item = ActivityItem::from(row);
        item.group = entry.purchase.as_ref().map(PurchaseGroup::from);
        let claimed = match row.event.payload {
            EventPayload::ConsentChanged(_) => {
                platform_claims::is_claim_event(&pool, &row.event.id).await?
            }
            _ => false,
        };
        item.consent_origin = consent_origin(&row.event, own_device.as_deref(), claimed);
        if !claimed {
            item.device_name = author_of(&row.event).and_then(|id| names.name(id));
        }
        items.push(item);
    }
    Ok(ActivityPage {
        items,
        next_cursor: page.next.map(|c| c.to_string()),
        more_newer: page.more_newer,
    })
}
