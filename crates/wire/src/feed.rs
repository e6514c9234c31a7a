//! The signed event feed: `GET /v1/events` pages.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `GET /v1/events?after=&limit=&wait=`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    pub after: Option<String>,
    pub limit: Option<u32>,
    pub wait: Option<u32>,
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
