//! Appending events to a cardholder's feed. The body is a [`consentry_domain::Event`] plus
//! a top-level `cardholder_id` (the recipient), serialized once, here; it is stored and
//! served verbatim, and every delivery signs these exact bytes. Clients decode it with
//! `Event::from_json` (which ignores `cardholder_id`) and check `cardholder_id` against
//! their own enrollment: a signed event cannot be replayed into another cardholder's
//! wallet.

use chrono::{DateTime, Utc};
use consentry_domain::{
    CardChange, CardChanged, ConsentAction, ConsentChanged, Event, EventPayload, Expiry, Grant,
    SignedConsent,
};
use consentry_wire::Card;

use crate::clock::rfc3339;
use crate::db::Conn;
use crate::error::ApiError;
use crate::ids::new_id;

/// The top-level field of every event body naming the cardholder it is for.
pub const CARDHOLDER_FIELD: &str = "cardholder_id";

/// The body that is stored and signed: the event's JSON object with `cardholder_id` added.
fn signed_body(event: &Event, cardholder_id: &str) -> Result<String, ApiError> {
    let mut value = serde_json::to_value(event)?;
    let object = value
        .as_object_mut()
        .ok_or_else(|| ApiError::internal("an event did not serialize to a JSON object"))?;
    object.insert(CARDHOLDER_FIELD.to_owned(), cardholder_id.into());
    Ok(serde_json::to_string(&value)?)
}

/// Who an event is for and what it is about.
pub struct Recipient<'a> {
    pub cardholder_id: &'a str,
    pub card_token: &'a str,
    pub app_id: Option<&'a str>,
}

/// Appends one event (inside the caller's transaction, begun with
/// [`crate::db::begin_for`] the recipient or [`crate::db::begin_exclusive`]: the feed
/// cursor relies on it) and returns its id. Call
/// [`crate::state::Shared::feed_changed`] after the commit to wake long-polls.
pub async fn append(
    conn: &mut Conn,
    to: &Recipient<'_>,
    now: DateTime<Utc>,
    payload: EventPayload,
) -> Result<String, ApiError> {
    append_dated(conn, to, now, now, payload).await
}

/// [`append`] for something that happened at `occurred_at` and is recorded at `now` (a
/// purchase the operator records after the fact).
pub async fn append_dated(
    conn: &mut Conn,
    to: &Recipient<'_>,
    occurred_at: DateTime<Utc>,
    now: DateTime<Utc>,
    payload: EventPayload,
) -> Result<String, ApiError> {
    let kind = payload.event_type().as_str();
    let event = Event {
        id: new_id("evt"),
        occurred_at,
        card_token: to.card_token.to_owned(),
        app_id: to.app_id.map(str::to_owned),
        payload,
    };
    // Never publish what the wallet would reject: a bug here must surface, not ship.
    event.validate().map_err(|e| {
        ApiError::internal(format!("refusing to emit an invalid {kind} event: {e}"))
    })?;
    let body = signed_body(&event, to.cardholder_id)?;
    sqlx::query(
        "INSERT INTO events (id, cardholder_id, type, body, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&event.id)
    .bind(to.cardholder_id)
    .bind(kind)
    .bind(&body)
    .bind(rfc3339(now))
    .execute(&mut *conn)
    .await?;
    Ok(event.id)
}

/// `consent.changed` to every device of the cardholder (the sender recognises its own
/// change by grant id and version), with the device-signed change that produced `grant`
/// (`None` for the platform's own changes).
pub async fn emit_change(
    conn: &mut Conn,
    cardholder_id: &str,
    action: ConsentAction,
    grant: &Grant,
    signed: Option<&SignedConsent>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let to = Recipient {
        cardholder_id,
        card_token: &grant.card_token,
        app_id: Some(&grant.app_id),
    };
    let payload = EventPayload::ConsentChanged(ConsentChanged {
        action,
        grant: grant.clone(),
        signed: signed.cloned().map(Box::new),
    });
    append(conn, &to, now, payload).await?;
    Ok(())
}

/// `card.changed` to every device of the cardholder: `card` as it is after the change, made
/// by `device_id`. Only when the cardholder has another active device: a device that joins
/// later reads the cards as they are (`GET /v1/cards`), so a one-device cardholder's feed
/// carries no news it made itself.
pub async fn emit_card_change(
    conn: &mut Conn,
    cardholder_id: &str,
    change: CardChange,
    card: &Card,
    device_id: &str,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let others: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM devices WHERE cardholder_id = $1 AND id <> $2 AND removed_at IS NULL",
    )
    .bind(cardholder_id)
    .bind(device_id)
    .fetch_one(&mut *conn)
    .await?;
    if others == 0 {
        return Ok(());
    }
    let to = Recipient {
        cardholder_id,
        card_token: &card.token,
        app_id: None,
    };
    let expiration = Expiry::new(card.expiration.month, card.expiration.year)
        .map_err(|e| ApiError::internal(format!("card {}: {e}", card.token)))?;
    let payload = EventPayload::CardChanged(CardChanged {
        change,
        brand: card.brand,
        last4: card.last4.clone(),
        expiration,
        nickname: card.nickname.clone(),
        device_id: device_id.to_owned(),
    });
    append(conn, &to, now, payload).await?;
    Ok(())
}
