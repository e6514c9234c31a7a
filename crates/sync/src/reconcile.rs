//! Reconciliation: read every grant the platform has (`GET /v1/grants`) and adopt what this
//! device missed — a safety net beside the feed's `consent.changed` events (a wallet that
//! joins late, a feed cursor reset, an event quarantined). Grants with local changes still
//! pending are left to the drain; everything adopted is a remote ledger entry.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use consentry_domain::{Grant, GrantKey};

use crate::engine::Engine;
use crate::error::SyncError;
use crate::remote::Adoption;

impl Engine {
    /// Returns how many grants were adopted.
    pub(crate) async fn reconcile(&mut self, now: DateTime<Utc>) -> Result<u64, SyncError> {
        let remote = self.client()?.grants().await?;
        // Several platform grants for one app × card × scope (devices that did not use
        // `grant_id_for`): the most recently changed one is the state.
        let mut by_key: BTreeMap<GrantKey, Grant> = BTreeMap::new();
        for grant in remote {
            let key = grant.key();
            let newer = by_key
                .get(&key)
                .is_none_or(|g| (grant.changed_at, grant.version) > (g.changed_at, g.version));
            if newer {
                by_key.insert(key, grant);
            }
        }
        let pending = self.pending_keys().await?;
        let mut adopted = 0;
        for grant in by_key.values() {
            if self.adopt(grant, None, true, &pending, now).await? == Adoption::Recorded {
                adopted += 1;
            }
        }
        self.last_reconcile_at = Some(now);
        Ok(adopted)
    }
}
