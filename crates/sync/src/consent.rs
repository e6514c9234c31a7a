//! What feed events mean for consent: `consent.changed` (a grant changed on another device or
//! on the platform) and `app.terms_changed` (the app's grants need re-consent) update the
//! ledger; every app event is judged against the ledger as it stood at the event's time and,
//! if no active grant covered it, stored flagged as a consent violation.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use consentry_domain::{
    check_consent, AppTermsChanged, ConsentAction, ConsentDecision, ConsentQuery, Event,
    EventPayload, GrantKey, GrantStatus, LedgerEntry, ViolationReason,
};
use consentry_store::{devices, grants, ledger, outbox};
use sqlx::SqlitePool;

use crate::engine::{Engine, PLATFORM_DEVICE};
use crate::error::SyncError;
use crate::wire::RemoteGrant;

/// The consent ledger grouped by app × card × scope, for judging many events, with what the
/// wallet knows for itself: where the platform stood in its feed when it acknowledged each
/// revocation made here.
pub(crate) struct LedgerIndex {
    by_key: HashMap<GrantKey, Vec<LedgerEntry>>,
    /// For each key whose current state is a revocation the platform acknowledged: the feed
    /// position it had reached by then (its horizon), and when the cardholder revoked.
    revoked: HashMap<GrantKey, (u64, DateTime<Utc>)>,
}

impl LedgerIndex {
    pub async fn load(pool: &SqlitePool) -> Result<LedgerIndex, SyncError> {
        let mut by_key: HashMap<GrantKey, Vec<LedgerEntry>> = HashMap::new();
        for entry in ledger::entries(pool).await? {
            by_key.entry(entry.key()).or_default().push(entry);
        }
        let horizons: HashMap<u64, u64> = outbox::acknowledged_revocations(pool)
            .await?
            .into_iter()
            .filter_map(|r| r.feed_horizon.map(|h| (r.ledger_seq, h)))
            .collect();
        let revoked = by_key
            .iter()
            .filter_map(|(key, entries)| {
                let last = entries.last()?;
                let horizon = horizons.get(&last.seq)?;
                (last.action == ConsentAction::Revoke).then(|| (key.clone(), (*horizon, last.at)))
            })
            .collect();
        Ok(LedgerIndex { by_key, revoked })
    }

    /// `None` when the event is allowed (or needs no consent), else why not. `position` is
    /// where the feed delivered it: past the horizon of an acknowledged revocation, it was
    /// made after the platform knew, whatever `occurred_at` it claims.
    pub fn violation(&self, event: &Event, position: u64) -> Option<ViolationReason> {
        let query = ConsentQuery::for_event(event)?;
        let history = self
            .by_key
            .get(&query.key)
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        match check_consent(history, &query) {
            ConsentDecision::Violation { reason, .. } => Some(reason),
            ConsentDecision::Allowed => {
                let (horizon, revoked_at) = self.revoked.get(&query.key)?;
                (position > *horizon).then_some(ViolationReason::DeliveredAfterRevocation {
                    revoked_at: *revoked_at,
                })
            }
        }
    }
}

/// The verdict on a stored event, with the grant history that proves it: every ledger entry
/// of that app × card × scope. The ledger is append-only, so this is the same evidence the
/// event was flagged on.
pub async fn consent_evidence(
    pool: &SqlitePool,
    event: &Event,
) -> Result<ConsentDecision, SyncError> {
    let Some(query) = ConsentQuery::for_event(event) else {
        return Ok(ConsentDecision::Allowed);
    };
    let entries = ledger::entries(pool).await?;
    Ok(check_consent(&entries, &query))
}

impl Engine {
    /// Applies `consent.changed`, `app.terms_changed` and `card.changed` events (new ones, in
    /// feed order).
    pub(crate) async fn apply_platform_events(
        &mut self,
        events: &[&Event],
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        if events.is_empty() {
            return Ok(());
        }
        let pending = self.pending_keys().await?;
        let mut new_terms = false;
        for event in events {
            match &event.payload {
                EventPayload::ConsentChanged(changed) => {
                    let remote = RemoteGrant {
                        grant: changed.grant.clone(),
                        signed: changed.signed.clone(),
                    };
                    self.adopt(
                        &remote,
                        Some(changed.action),
                        false,
                        &pending,
                        Some(&event.id),
                        now,
                    )
                    .await?;
                }
                EventPayload::AppTermsChanged(terms) => {
                    self.needs_reconsent(event, terms, now).await?;
                    new_terms = true;
                }
                EventPayload::CardChanged(changed) => {
                    self.apply_card_change(event, changed, now).await?;
                }
                _ => {}
            }
        }
        self.learn_device_names(events, now).await;
        if new_terms {
            // The new terms text, for the re-consent screen; the feed goes on without it.
            if let Err(e) = self.refresh_directory(now).await {
                tracing::warn!(error = %e, "could not refresh the app directory after new terms");
            }
        }
        Ok(())
    }

    /// `app.terms_changed`: every active grant of that app on that card needs re-consent
    /// from the moment the terms changed; anything the app sends afterwards is a violation.
    async fn needs_reconsent(
        &mut self,
        event: &Event,
        terms: &AppTermsChanged,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        let Some(app_id) = event.app_id.as_deref() else {
            return Ok(());
        };
        self.terms_hashes
            .insert((app_id.to_owned(), terms.terms_version), terms.terms_hash);
        for grant in grants::for_card(&self.pool, &event.card_token).await? {
            if grant.app_id != app_id || grant.status != GrantStatus::Active {
                continue;
            }
            // Not newer than what the cardholder accepted (a replay): nothing to do.
            if let Ok(next) = grant.needs_reconsent(terms.terms_version, event.occurred_at) {
                self.record_remote(
                    ConsentAction::NeedsReconsent,
                    &next,
                    Some(terms.terms_hash),
                    PLATFORM_DEVICE,
                    now,
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Re-reads the device list when a change names a device this wallet has no name for.
    async fn learn_device_names(&mut self, events: &[&Event], now: DateTime<Utc>) {
        let names = match devices::names(&self.pool).await {
            Ok(names) => names,
            Err(e) => {
                tracing::warn!(error = %e, "could not read the device names");
                return;
            }
        };
        let unknown = events.iter().any(|e| {
            let author = match &e.payload {
                EventPayload::ConsentChanged(c) => {
                    c.signed.as_ref().map(|s| &s.statement.device_id)
                }
                EventPayload::CardChanged(c) => Some(&c.device_id),
                _ => None,
            };
            author.is_some_and(|id| !names.contains_key(id))
        });
        if unknown {
            if let Err(e) = self.refresh_devices(now).await {
                tracing::warn!(error = %e, "could not read the cardholder's devices");
            }
        }
    }
}
