//! Consents: `PUT /v1/grants/{grant_id}` (one consent change) and `GET /v1/grants`.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use consentry_domain::{Channel, ConsentAction, GrantDetails, LedgerEntry, Money, Scope, Trigger};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::schema;

/// One consent change, tagged by `action`.
// The body also carries `signed`, the change signed by the device: the server reads it apart
// from the change (a malformed change is refused before a missing signature), the client
// adds it beside the change, and the document shows both as one body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum GrantChange {
    /// Create the grant, or grant again (from any status, e.g. after a revoke) with new
    /// details. App, card and scope cannot change.
    Grant {
        /// The grant version this change is based on: 0 to create.
        base_version: u64,
        app_id: String,
        card_token: String,
        #[schemars(with = "schema::Scope")]
        scope: Scope,
        #[schemars(with = "BTreeSet<schema::Channel>", length(min = 1))]
        channels: BTreeSet<Channel>,
        #[schemars(with = "schema::Trigger")]
        trigger: Trigger,
        #[schemars(with = "Option<schema::MinPurchase>")]
        min_purchase: Option<Money>,
        expires_at: Option<DateTime<Utc>>,
        /// Must be the app's current terms version.
        #[schemars(range(min = 1))]
        terms_version: u32,
    },
    /// Withdraw consent. Revoking a revoked grant changes nothing.
    Revoke {
        /// The grant version this change is based on: 0 to create.
        base_version: u64,
    },
    /// New expiry date (`null` or absent: none) for an active or expired grant.
    Renew {
        /// The grant version this change is based on: 0 to create.
        base_version: u64,
        expires_at: Option<DateTime<Utc>>,
    },
    /// Accept the app's current terms after `app.terms_changed`.
    Reconsent {
        /// The grant version this change is based on: 0 to create.
        base_version: u64,
        #[schemars(range(min = 1))]
        terms_version: u32,
    },
}

impl GrantChange {
    /// The request for `entry` on top of platform version `base_version`; `None` for changes
    /// the platform does not take from a device (expire, needs-reconsent, conflict notes):
    /// they are the platform's own doing or local bookkeeping.
    pub fn for_entry(entry: &LedgerEntry, base_version: u64) -> Option<GrantChange> {
        let g = &entry.grant;
        Some(match entry.action {
            ConsentAction::Grant => GrantChange::Grant {
                base_version,
                app_id: g.app_id.clone(),
                card_token: g.card_token.clone(),
                scope: g.scope,
                channels: g.channels.clone(),
                trigger: g.trigger,
                min_purchase: g.min_purchase,
                expires_at: g.expires_at,
                terms_version: entry.terms_version,
            },
            ConsentAction::Revoke => GrantChange::Revoke { base_version },
            ConsentAction::Renew => GrantChange::Renew {
                base_version,
                expires_at: g.expires_at,
            },
            ConsentAction::Reconsent => GrantChange::Reconsent {
                base_version,
                terms_version: entry.terms_version,
            },
            ConsentAction::Expire | ConsentAction::NeedsReconsent | ConsentAction::Conflict => {
                return None
            }
        })
    }

    pub fn action(&self) -> ConsentAction {
        match self {
            GrantChange::Grant { .. } => ConsentAction::Grant,
            GrantChange::Revoke { .. } => ConsentAction::Revoke,
            GrantChange::Renew { .. } => ConsentAction::Renew,
            GrantChange::Reconsent { .. } => ConsentAction::Reconsent,
        }
    }

    /// For a `grant`: what the cardholder chose, and the terms version agreed to.
    pub fn grant_details(&self) -> Option<(GrantDetails, u32)> {
        match self {
            GrantChange::Grant {
                app_id,
                card_token,
                scope,
                channels,
                trigger,
                min_purchase,
                expires_at,
                terms_version,
                ..
            } => Some((
                GrantDetails {
                    app_id: app_id.clone(),
                    card_token: card_token.clone(),
                    scope: *scope,
                    channels: channels.clone(),
                    trigger: *trigger,
                    min_purchase: *min_purchase,
                    expires_at: *expires_at,
                },
                *terms_version,
            )),
            _ => None,
        }
    }

    pub fn base_version(&self) -> u64 {
        match self {
            GrantChange::Grant { base_version, .. }
            | GrantChange::Revoke { base_version }
            | GrantChange::Renew { base_version, .. }
            | GrantChange::Reconsent { base_version, .. } => *base_version,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct GrantList {
    // Each a [`consentry_domain::Grant`] object plus `"signed"`.
    // JSON: the client reads each grant on its own, so one unreadable grant is set aside.
    #[schemars(with = "Vec<schema::GrantState>")]
    pub grants: Vec<Value>,
}
