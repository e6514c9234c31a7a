//! Reconciliation: read every grant the platform has (`GET /v1/grants`) and adopt what this
//! device missed — a safety net beside the feed's `consent.changed` events (a wallet that
//! joins late, a feed cursor reset, an event quarantined). Grants with local changes still
//! pending are left to the drain; everything adopted is a remote ledger entry.
//!
//! Cards too (`GET /v1/cards`): a card the cardholder linked on another device, or before
//! this device joined, is added to the wallet (the platform keeps one token per card per
//! cardholder, so it is the same card everywhere).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use consentry_domain::GrantKey;

use consentry_store::cards::{self, CardStatus, NewCard};
use consentry_store::StoreError;

use crate::engine::Engine;
use crate::error::SyncError;
use crate::remote::Adoption;
use crate::wire::RemoteGrant;

impl Engine {
    /// Returns how many grants were adopted.
    pub(crate) async fn reconcile(&mut self, now: DateTime<Utc>) -> Result<u64, SyncError> {
        let remote = self.client()?.grants_with_changes().await?;
        // Several platform grants for one app × card × scope (devices that did not use
        // `grant_id_for`): the most recently changed one is the state.
        let mut by_key: BTreeMap<GrantKey, RemoteGrant> = BTreeMap::new();
        for reported in remote {
            let grant = &reported.grant;
            let key = grant.key();
            let newer = by_key.get(&key).is_none_or(|r| {
                (grant.changed_at, grant.version) > (r.grant.changed_at, r.grant.version)
            });
            if newer {
                by_key.insert(key, reported);
            }
        }
        self.adopt_cards(now).await?;
        let pending = self.pending_keys().await?;
        let mut adopted = 0;
        for grant in by_key.values() {
            if self.adopt(grant, None, true, &pending, None, now).await? == Adoption::Recorded {
                adopted += 1;
            }
        }
        self.last_reconcile_at = Some(now);
        Ok(adopted)
    }

    /// Adds the cardholder's active cards this wallet does not hold (or holds unlinked);
    /// returns how many. A card the wallet cannot keep (its token looks like a card number to
    /// the store's guard) is left out with a warning rather than stopping the pass.
    async fn adopt_cards(&mut self, now: DateTime<Utc>) -> Result<u64, SyncError> {
        let mut added = 0;
        for card in self
            .client()?
            .cards()
            .await?
            .into_iter()
            .filter(|c| c.active)
        {
            match cards::get(&self.pool, &card.token).await? {
                Some(held) if held.status == CardStatus::Unlinked => {
                    cards::set_status(&self.pool, &held.token, CardStatus::Active, now).await?;
                }
                Some(_) => continue,
                None => {
                    let new = NewCard {
                        token: card.token.clone(),
                        brand: card.brand,
                        last4: card.last4.clone(),
                        expiry: card.expiry,
                        nickname: card.nickname.clone(),
                    };
                    match cards::insert(&self.pool, &new, now).await {
                        Ok(_) => {}
                        Err(
                            e @ (StoreError::Invalid { .. } | StoreError::CardNumberInText { .. }),
                        ) => {
                            tracing::warn!(error = %e, "a card of the cardholder cannot be kept");
                            continue;
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            added += 1;
        }
        Ok(added)
    }
}
