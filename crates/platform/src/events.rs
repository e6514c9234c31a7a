//! Appending events to a cardholder's feed. The body is a [`consentry_domain::Event`]
//! serialized once, here; it is stored and served verbatim, and every delivery signs these
//! exact bytes. Clients decode it with `Event::from_json`.

use chrono::{DateTime, Utc};
use consentry_domain::{Event, EventPayload};
use sqlx::SqliteConnection;

use crate::clock::rfc3339;
use crate::error::ApiError;
use crate::ids::new_id;

/// Who an event is for and what it is about.
pub struct Recipient<'a> {
    pub cardholder_id: &'a str,
    pub card_token: &'a str,
    pub app_id: Option<&'a str>,
}

/// Appends one event (inside the caller's transaction) and returns its id. Call
/// [`crate::state::Shared::feed_changed`] after the commit to wake long-polls.
pub async fn append(
    conn: &mut SqliteConnection,
    to: &Recipient<'_>,
    now: DateTime<Utc>,
    payload: EventPayload,
) -> Result<String, ApiError> {
    let kind = payload.event_type().as_str();
    let event = Event {
        id: new_id("evt"),
        occurred_at: now,
        card_token: to.card_token.to_owned(),
        app_id: to.app_id.map(str::to_owned),
        payload,
    };
    // Never publish what the wallet would reject: a bug here must surface, not ship.
    event.validate().map_err(|e| {
        ApiError::internal(format!("refusing to emit an invalid {kind} event: {e}"))
    })?;
    let body = serde_json::to_string(&event)?;
    sqlx::query(
        "INSERT INTO events (id, cardholder_id, type, body, created_at) VALUES (?, ?, ?, ?, ?)",
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
