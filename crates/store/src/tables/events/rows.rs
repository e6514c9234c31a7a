//! Turning incoming events into the text and numbers their rows hold: the event as JSON, the
//! search text, the reward, each with card numbers masked (the card-number guard). This is the
//! ingest's CPU work in Rust; it runs on the caller's task while SQLite writes the rows before
//! on a thread of its own ([`super::bulk`]).

use std::borrow::Cow;

use consentry_domain::{Event, EventPayload};

use super::IncomingEvent;
use crate::error::StoreError;
use crate::tables::pan_guard::{redact_card_numbers, redact_json_text};
use crate::time::to_ms;

/// An event made ready for its rows, card numbers masked everywhere; it owns everything, so it
/// can be handed to the thread that writes it.
pub(super) struct Row {
    pub id: String,
    pub kind: &'static str,
    pub occurred_at_ms: i64,
    pub card_token: String,
    pub app_id: Option<String>,
    /// The transaction the event belongs to ([`purchase_id`]).
    pub purchase_id: Option<String>,
    /// The domain `Event` as JSON.
    pub payload: String,
    /// The text of its full-text search row.
    pub search: Option<String>,
    pub reward: Option<Reward>,
    pub signature_verified: bool,
    /// Why the event is outside the cardholder's consent (the `violations` row), as JSON, and
    /// the scope it arrived for.
    pub violation: Option<(String, &'static str)>,
    pub late_by_ms: Option<i64>,
}

/// The `points` or `cashback` row of a reward event.
pub(super) enum Reward {
    Points {
        program: String,
        delta: i64,
        balance: i64,
    },
    Cashback {
        status: &'static str,
        amount_minor: i64,
        currency: &'static str,
    },
}

/// `text` with card numbers masked, reusing the allocation when there are none.
fn masked(text: String) -> String {
    match redact_card_numbers(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(masked) => masked,
    }
}

fn masked_ref(text: &str) -> String {
    redact_card_numbers(text).into_owned()
}

/// What an event's full-text search row is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Searchable {
    /// A transaction: its merchant.
    Transaction,
    /// A receipt: its merchant and its lines' descriptions.
    Receipt,
}

/// The text an event is found by, card numbers masked, if it has one. The search index keeps
/// no copy of it (store::search rebuilds a hit's text with this same function).
pub(crate) fn searchable_text(event: &Event) -> Option<(Searchable, String)> {
    let (about, text) = match &event.payload {
        EventPayload::TransactionAuthorized(t)
        | EventPayload::TransactionSettled(t)
        | EventPayload::TransactionReversed(t) => (Searchable::Transaction, t.merchant.clone()),
        EventPayload::ReceiptIssued(r) => {
            let receipt = &r.receipt;
            let len = receipt.merchant.len()
                + receipt
                    .lines
                    .iter()
                    .map(|l| l.description.len() + 1)
                    .sum::<usize>();
            let mut text = String::with_capacity(len);
            text.push_str(&receipt.merchant);
            for line in &receipt.lines {
                text.push(' ');
                text.push_str(&line.description);
            }
            (Searchable::Receipt, text)
        }
        _ => return None,
    };
    Some((about, masked(text)))
}

fn reward(event: &Event) -> Option<Reward> {
    match &event.payload {
        EventPayload::PointsAwarded(a) => Some(Reward::Points {
            program: masked_ref(&a.program),
            delta: a.delta,
            balance: a.balance,
        }),
        EventPayload::CashbackPending(c) => Some(Reward::Cashback {
            status: "pending",
            amount_minor: c.amount.minor,
            currency: c.amount.currency.code(),
        }),
        EventPayload::CashbackPaid(c) => Some(Reward::Cashback {
            status: "paid",
            amount_minor: c.amount.minor,
            currency: c.amount.currency.code(),
        }),
        _ => None,
    }
}

/// Longest transaction id an event is grouped by, in bytes: a platform's ids are far shorter,
/// so a longer one (forged) leaves its event a row of its own.
pub const MAX_PURCHASE_ID_BYTES: usize = 128;

/// The `purchase_id` column of `event`: the transaction it is a state of or stems from, card
/// numbers masked; `None` when it names none, or an empty or overlong id.
pub(crate) fn purchase_id(event: &Event) -> Option<String> {
    event
        .payload
        .transaction_id()
        .filter(|id| !id.is_empty() && id.len() <= MAX_PURCHASE_ID_BYTES)
        .map(masked_ref)
}

/// The `payload` column of `event`: its JSON, card numbers masked.
pub fn stored_payload(event: &Event) -> Result<String, StoreError> {
    // One allocation of about the right size; serde_json only writes valid UTF-8.
    let mut json = Vec::with_capacity(768);
    serde_json::to_writer(&mut json, event).map_err(|e| StoreError::Internal(e.to_string()))?;
    let json = String::from_utf8(json).map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok(match redact_json_text(&json) {
        Cow::Borrowed(_) => json,
        Cow::Owned(masked) => masked,
    })
}

/// The rows of `source`.
pub(super) fn row(source: &IncomingEvent) -> Result<Row, StoreError> {
    let event = &source.event;
    let payload = stored_payload(event)?;
    let violation = match &source.violation {
        Some(reason) => Some((
            serde_json::to_string(reason).map_err(|e| StoreError::Internal(e.to_string()))?,
            event.scope().map_or("none", |s| s.as_str()),
        )),
        None => None,
    };
    Ok(Row {
        id: masked_ref(&event.id),
        kind: event.event_type().as_str(),
        occurred_at_ms: to_ms(event.occurred_at),
        card_token: masked_ref(&event.card_token),
        app_id: event.app_id.as_deref().map(masked_ref),
        purchase_id: purchase_id(event),
        payload,
        search: searchable_text(event).map(|(_, text)| text),
        reward: reward(event),
        signature_verified: source.signature_verified,
        violation,
        late_by_ms: source.late_by_ms,
    })
}
