//! The signed event feed: `GET /v1/events` pages.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

/// `GET /v1/events?after=&limit=&wait=`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    pub after: Option<String>,
    #[serde(default, deserialize_with = "query_integer")]
    pub limit: Option<u32>,
    #[serde(default, deserialize_with = "query_integer")]
    pub wait: Option<u32>,
}

/// An integer query parameter as JSON Schema counts integers: `10`, or written with a zero
/// fraction (`10.0`, `1e1`); a fraction or a value beyond `u32` is refused.
fn query_integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<u32>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    if let Ok(integer) = text.parse::<u32>() {
        return Ok(Some(integer));
    }
    text.parse::<f64>()
        .ok()
        .filter(|f| f.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(f))
        // Integral and in range: exact.
        .map(|f| Some(f as u32))
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "expected an integer from 0 to {}, got {text:?}",
                u32::MAX
            ))
        })
}

/// One signed delivery, as a Standard Webhooks message would carry it in headers (id,
/// timestamp, signature) and body.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct FeedItem {
    /// `webhook-id`: the event id. Deduplicate on it.
    pub id: String,
    /// Resume after this item with `?after=`.
    #[schemars(regex(pattern = "^[0-9]+$"))]
    pub cursor: String,
    /// `webhook-timestamp`: delivery time, Unix seconds. Reject deliveries too far from now
    /// (e.g. 5 minutes) and fetch again.
    pub timestamp: i64,
    /// The event, verbatim. Verify the signature over these exact characters, then parse, and
    /// check that `cardholder_id` is your own.
    #[schemars(extend(
        "contentMediaType" = "application/json",
        "contentSchema" = {"$ref": "#/components/schemas/Event"},
    ))]
    pub body: String,
    /// `webhook-signature`: `v1a,` + base64 Ed25519 signature over `{id}.{timestamp}.{body}`
    /// (UTF-8). May hold several space-separated signatures.
    #[schemars(regex(pattern = "^v1a,"))]
    pub signature: String,
}

// A page of the feed.
// The client reads a `FeedPage<Value>`: each delivery on its own, so that one unreadable
// delivery is set aside instead of spoiling the page.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "FeedPage")]
pub struct FeedPage<Item = FeedItem> {
    pub events: Vec<Item>,
    /// Pass as `after` for the next page; unchanged when the page is empty.
    #[schemars(regex(pattern = "^[0-9]+$"))]
    pub next_cursor: String,
    pub has_more: bool,
}
