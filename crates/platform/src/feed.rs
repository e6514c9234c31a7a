//! `GET /v1/events`: the cardholder's signed event feed — ordered, resumable with a cursor,
//! optionally long-polling — and `GET /v1/events/{id}`, one event with its signature in
//! Standard Webhooks headers.
//!
//! Each delivery is signed when it is served: `webhook-timestamp` is the delivery time, so
//! a client can reject stale deliveries and simply fetch again.

use std::time::Duration;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use consentry_wire::{FeedItem, FeedPage, FeedQuery};

use crate::auth::Device;
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiPath, ApiQuery};
use crate::signing;
use crate::state::AppState;

pub const DEFAULT_LIMIT: u32 = 100;
pub const MAX_LIMIT: u32 = 500;

struct Row {
    seq: i64,
    id: String,
    kind: String,
    body: String,
}

fn parse_cursor(after: Option<&str>) -> ApiResult<i64> {
    match after {
        None | Some("") => Ok(0),
        Some(text) => text.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            ApiError::bad_request(
                "invalid_cursor",
                "`after` must be a cursor from a previous page",
            )
        }),
    }
}

async fn fetch(state: &AppState, cardholder: &str, after: i64, limit: u32) -> ApiResult<Vec<Row>> {
    let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
        "SELECT seq, id, type, body FROM events WHERE cardholder_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(cardholder)
    .bind(after)
    .bind(i64::from(limit) + 1)
    .fetch_all(&state.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(seq, id, kind, body)| Row {
            seq,
            id,
            kind,
            body,
        })
        .collect())
}

/// Signs one delivery, applying the delivery faults in force. Returns one or two items.
fn deliver(state: &AppState, row: &Row, now_unix: i64) -> ApiResult<Vec<FeedItem>> {
    let keys = state.keys.signers(state.clock.now());
    if keys.is_empty() {
        return Err(ApiError::internal("no active signing key"));
    }
    let faults = state.faults.delivery(&row.id, &row.kind);
    let timestamp = now_unix - faults.stale_by_seconds.unwrap_or(0);
    let mut signature = signing::sign_all(&keys, &row.id, timestamp, &row.body);
    if faults.bad_signature {
        signature = signing::corrupt(&signature);
    }
    let item = FeedItem {
        id: row.id.clone(),
        cursor: row.seq.to_string(),
        timestamp,
        body: row.body.clone(),
        signature,
    };
    Ok(if faults.duplicate {
        vec![item.clone(), item]
    } else {
        vec![item]
    })
}

pub async fn list(
    State(state): State<AppState>,
    device: Device,
    ApiQuery(query): ApiQuery<FeedQuery>,
) -> ApiResult<Json<FeedPage>> {
    let after = parse_cursor(query.after.as_deref())?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("`limit` must be 1 to {MAX_LIMIT}"),
        ));
    }
    let max_wait = u32::try_from(state.max_wait.as_secs()).unwrap_or(u32::MAX);
    let wait = query.wait.unwrap_or(0);
    if wait > max_wait {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("`wait` must be 0 to {max_wait} seconds"),
        ));
    }

    // Subscribe before the first read so an event committed in between still wakes us.
    let mut changes = state.subscribe_feed();
    let mut shutdown = state.shutdown.clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(u64::from(wait));
    let mut rows = fetch(&state, &device.cardholder_id, after, limit).await?;
    while rows.is_empty() && wait > 0 && !*shutdown.borrow() {
        tokio::select! {
            changed = changes.changed() => if changed.is_err() { break },
            _ = tokio::time::sleep_until(deadline) => break,
            _ = shutdown.changed() => break,
        }
        rows = fetch(&state, &device.cardholder_id, after, limit).await?;
    }

    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = rows.last().map_or(after, |r| r.seq).to_string();
    state.keys.refresh(&state.db).await?;
    let now_unix = state.clock.now().timestamp();
    let mut events = Vec::with_capacity(rows.len());
    for row in &rows {
        events.extend(deliver(&state, row, now_unix)?);
    }
    state
        .faults
        .maybe_shuffle(&mut events, |item| item.cursor.parse::<i64>().unwrap_or(0));
    Ok(Json(FeedPage {
        events,
        next_cursor,
        has_more,
    }))
}

pub async fn get_one(
    State(state): State<AppState>,
    device: Device,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Response> {
    let row: Option<(i64, String, String, String)> = sqlx::query_as(
        "SELECT seq, id, type, body FROM events WHERE cardholder_id = $1 AND id = $2",
    )
    .bind(&device.cardholder_id)
    .bind(&id)
    .fetch_optional(&state.db)
    .await?;
    let (seq, id, kind, body) =
        row.ok_or_else(|| ApiError::not_found("event_not_found", "no such event in your feed"))?;
    state.keys.refresh(&state.db).await?;
    let now_unix = state.clock.now().timestamp();
    let mut items = deliver(
        &state,
        &Row {
            seq,
            id,
            kind,
            body,
        },
        now_unix,
    )?;
    let item = items
        .pop()
        .ok_or_else(|| ApiError::internal("no delivery"))?;
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in [
        ("webhook-id", item.id.clone()),
        ("webhook-timestamp", item.timestamp.to_string()),
        ("webhook-signature", item.signature.clone()),
    ] {
        let value = HeaderValue::from_str(&value).map_err(ApiError::internal)?;
        headers.insert(HeaderName::from_static(name), value);
    }
    Ok((headers, item.body).into_response())
}
