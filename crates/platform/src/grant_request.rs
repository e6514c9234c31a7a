//! The body of `PUT /v1/grants/{grant_id}` (without its `signed` field), as a device sends it:
//! what [`crate::grant_changes`] applies and [`crate::consent_signatures`] checks the signed
//! statement against.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use consentry_domain::{Channel, ConsentAction, Money, Scope, Trigger};
use serde::Deserialize;

/// The request body, tagged by `action` (without its `signed` field, which
/// [`signatures::split`] takes off first).
#[derive(Debug, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum GrantChange {
    /// A first grant, or an explicit new grant on the same app × card × scope (the only
    /// way back from `revoked`). Replaces channels, trigger, minimum and expiry.
    Grant {
        base_version: u64,
        app_id: String,
        card_token: String,
        scope: Scope,
        channels: BTreeSet<Channel>,
        trigger: Trigger,
        #[serde(default)]
        min_purchase: Option<Money>,
        #[serde(default)]
        expires_at: Option<DateTime<Utc>>,
        terms_version: u32,
    },
    Revoke {
        base_version: u64,
    },
    /// New expiry (`null`: none).
    Renew {
        base_version: u64,
        #[serde(default)]
        expires_at: Option<DateTime<Utc>>,
    },
    /// Accept the app's current terms after `app.terms_changed`.
    Reconsent {
        base_version: u64,
        terms_version: u32,
    },
}

impl GrantChange {
    pub fn action(&self) -> ConsentAction {
        match self {
            GrantChange::Grant { .. } => ConsentAction::Grant,
            GrantChange::Revoke { .. } => ConsentAction::Revoke,
            GrantChange::Renew { .. } => ConsentAction::Renew,
            GrantChange::Reconsent { .. } => ConsentAction::Reconsent,
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
