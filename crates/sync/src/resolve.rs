//! Settling a change the platform would not apply: a 409 (another device changed the grant
//! first: `version_conflict`, `invalid_transition`, …) or another 4xx (the change is
//! invalid there: `terms_outdated`, `card_not_found`, …).
//!
//! The rule: **the platform's order decides, and a revocation is never undone.**
//! - A conflict is written to the ledger (a `conflict` note) and counted in the status.
//! - If any pending change of that grant is a revoke, the grant ends revoked: the revoke is
//!   sent again on top of the platform's state (new idempotency key, as it is a new request),
//!   or, when the platform already has it revoked (or never had it), taken as in effect.
//! - Otherwise the platform's state wins: the pending changes of that grant made
//!   concurrently are not applied, and the local grant becomes the platform's.
//! - The outcome is recorded as its own ordinary ledger entry (device `platform`), and every
//!   settled outbox row is acknowledged with its reason in `last_error` (platform version
//!   `-1` when the change was not applied).

use chrono::{DateTime, Utc};
use consentry_domain::{ConsentAction, ConsentChange, Grant, GrantStatus};
use consentry_store::conflicts::{self, NewConflict};
use consentry_store::ledger::{self, ChangeOrigin};
use consentry_store::outbox::{self, OutboxItem};
use uuid::Uuid;

use crate::engine::{Engine, PLATFORM_DEVICE};
use crate::error::SyncError;
use crate::remote::{action_between, same_state};
use crate::wire::RemoteGrant;

/// A refusal, read: whether it was a conflict, the platform's words, and the grant as the
/// platform holds it (`None`: it holds none).
struct Refusal {
    conflict: bool,
    note: String,
    reported: Option<RemoteGrant>,
}

/// Why a change needs settling.
pub(crate) enum Settle {
    /// A 409 about state, with the grant as the platform has it when it said so.
    Refused {
        code: String,
        message: String,
        current: Option<Option<RemoteGrant>>,
    },
    /// Any other refusal.
    Rejected(SyncError),
}

fn internal(e: impl std::fmt::Display) -> SyncError {
    SyncError::Internal(e.to_string())
}

/// A fresh UUIDv7 for `now`, for a rebased request.
fn new_key(now: DateTime<Utc>) -> Uuid {
    let secs = u64::try_from(now.timestamp()).unwrap_or_default();
    Uuid::new_v7(uuid::Timestamp::from_unix(
        uuid::NoContext,
        secs,
        now.timestamp_subsec_nanos(),
    ))
}

impl Engine {
    /// Settles `head`, refused by the platform: in named steps, what the platform holds, the
    /// conflict listed (when it is one), then the outcome for every pending change of the grant.
    pub(crate) async fn settle(
        &mut self,
        head: &OutboxItem,
        settle: Settle,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        let Some(refusal) = self.refusal(head, settle, now).await? else {
            return Ok(());
        };
        let platform: Option<Grant> = refusal.reported.as_ref().map(|r| r.grant.clone());
        if refusal.conflict {
            self.health.counters.conflicts += 1;
            self.note_conflict(head, now).await?;
        } else {
            self.health.counters.rejected += 1;
        }
        if let Some(c) = &platform {
            self.remember_versions(&[(c.id.clone(), c.version)], now)
                .await?;
        }
        let key = head.entry.key();
        let pending: Vec<OutboxItem> = self
            .all_pending()
            .await?
            .into_iter()
            .filter(|i| i.entry.key() == key)
            .collect();
        if refusal.conflict {
            self.set_aside(&pending, &refusal, now).await?;
        }
        self.outcome(head, &pending, &refusal, now).await
    }

    /// Why `head` was refused and what the platform holds; `None` when it waits for a later
    /// try instead (a refused revocation, or a platform that cannot say what it holds).
    async fn refusal(
        &mut self,
        head: &OutboxItem,
        settle: Settle,
        now: DateTime<Utc>,
    ) -> Result<Option<Refusal>, SyncError> {
        let (conflict, note, current) = match settle {
            Settle::Refused {
                code,
                message,
                current,
            } => (true, format!("{code}: {message}"), current),
            // A revocation is never dropped: refused for anything but the grant's state (a
            // signature the platform will not take, say), it waits and is tried again later,
            // with the error shown, rather than being sent again at once.
            Settle::Rejected(e) if head.entry.action == ConsentAction::Revoke => {
                self.health.counters.rejected += 1;
                self.retry_later(head, &e, now).await?;
                return Ok(None);
            }
            Settle::Rejected(e) => (false, e.to_string(), None),
        };
        let reported = match current {
            Some(state) => state,
            None => match self.fetch_platform_grant(&head.entry.grant_id).await {
                Ok(state) => state,
                Err(e) if e.is_retryable() => {
                    // Cannot tell what the platform has: try the whole thing again later.
                    self.retry_later(head, &e, now).await?;
                    return Ok(None);
                }
                Err(e) => return Err(e),
            },
        };
        Ok(Some(Refusal {
            conflict,
            note,
            reported,
        }))
    }

    /// Leaves `head` queued, to be sent again after the backoff.
    async fn retry_later(
        &mut self,
        head: &OutboxItem,
        e: &SyncError,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        let at = self.config.backoff.next_attempt(
            head.attempts.saturating_add(1),
            e.retry_after(),
            now,
            &mut self.rng,
        );
        outbox::mark_failed(&self.pool, head.idempotency_key, &e.to_string(), at).await?;
        Ok(())
    }

    /// Lists every pending change of the grant that is not a revocation (a revocation stands)
    /// for the cardholder, with what won and whose change that was.
    async fn set_aside(
        &mut self,
        pending: &[OutboxItem],
        refusal: &Refusal,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        // Whose change won: the device that signed it, when the chain vouches for it.
        let won_by = match &refusal.reported {
            Some(r) => Some(
                self.vouched(&r.grant, r.signed.as_deref(), now)
                    .await
                    .unwrap_or_else(|_| PLATFORM_DEVICE.to_owned()),
            ),
            None => None,
        };
        let won = refusal.reported.as_ref().map(|r| &r.grant);
        for item in pending
            .iter()
            .filter(|i| i.entry.action != ConsentAction::Revoke)
        {
            let set_aside = NewConflict {
                outbox_key: item.idempotency_key,
                grant_id: &item.entry.grant_id,
                asked_action: item.entry.action,
                asked: &item.entry.grant,
                asked_at: item.entry.at,
                won,
                won_by: won_by.as_deref(),
                reason: &refusal.note,
            };
            conflicts::record(&self.pool, &set_aside, now).await?;
        }
        Ok(())
    }

    /// The grant ends as the rule says (see the module's head), and every pending change of it
    /// is acknowledged with its outcome.
    async fn outcome(
        &mut self,
        head: &OutboxItem,
        pending: &[OutboxItem],
        refusal: &Refusal,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        let note = &refusal.note;
        let reported = &refusal.reported;
        let platform: Option<Grant> = reported.as_ref().map(|r| r.grant.clone());
        let local = self.local_grant(&head.entry.key()).await?;
        let not_applied = if refusal.conflict {
            format!("not applied: the grant was changed elsewhere first ({note})")
        } else {
            format!("not applied: the platform refused it ({note})")
        };
        let carrier = pending
            .iter()
            .find(|i| i.entry.action == ConsentAction::Revoke)
            .cloned();
        let local_revoked = local
            .as_ref()
            .is_some_and(|l| l.status == GrantStatus::Revoked);

        match (carrier, &platform) {
            (Some(carrier), Some(c)) if c.status != GrantStatus::Revoked => {
                // The revocation stands: send it again on top of the platform's state.
                // A key that got a refusal is spent: the platform keeps that answer for it.
                let is_head = carrier.idempotency_key == head.idempotency_key;
                let rebase = self
                    .outgoing
                    .in_flight
                    .get(&carrier.idempotency_key)
                    .map(|f| (is_head || f.base_version != c.version, f.generation));
                if let Some((true, generation)) = rebase {
                    let flight = self.new_request(&carrier, new_key(now), generation + 1)?;
                    self.outgoing
                        .in_flight
                        .insert(carrier.idempotency_key, flight);
                    self.persist_in_flight(now).await?;
                }
                if !local_revoked {
                    let target = c.revoke(now).map_err(internal)?;
                    self.record_remote(ConsentAction::Revoke, &target, None, PLATFORM_DEVICE, now)
                        .await?;
                }
                // Concurrent non-revokes lose; later revokes stay queued (they will find the
                // grant revoked and be acknowledged with that version).
                let others: Vec<&OutboxItem> = pending
                    .iter()
                    .filter(|i| i.entry.action != ConsentAction::Revoke)
                    .collect();
                self.close(&others, -1, &not_applied, now).await?;
            }
            (Some(_), _) => {
                // Already revoked on the platform, or never there: the revocation is in effect.
                if let Some(l) = local.as_ref().filter(|_| !local_revoked) {
                    let target = match &platform {
                        Some(c) => c.clone(),
                        None => l.revoke(now).map_err(internal)?,
                    };
                    self.record_remote(ConsentAction::Revoke, &target, None, PLATFORM_DEVICE, now)
                        .await?;
                }
                let version = platform
                    .as_ref()
                    .map_or(-1, |c| i64::try_from(c.version).unwrap_or(-1));
                let (revokes, others): (Vec<&OutboxItem>, Vec<&OutboxItem>) = pending
                    .iter()
                    .partition(|i| i.entry.action == ConsentAction::Revoke);
                self.close(&revokes, version, "in effect: revoked on the platform", now)
                    .await?;
                self.close(&others, -1, &not_applied, now).await?;
            }
            (None, Some(c)) => {
                if !local.as_ref().is_some_and(|l| same_state(l, c, now)) {
                    let signed = reported.as_ref().and_then(|r| r.signed.as_deref());
                    match self.vouched(c, signed, now).await {
                        Ok(author) => {
                            let action = action_between(local.as_ref(), c, now);
                            self.record_remote(action, c, None, &author, now).await?;
                        }
                        // The platform says another change won, without a signature: the
                        // cardholder's own change is not applied, and theirs is only a claim.
                        Err(reason) => self.claim(c, &reason, None, now).await?,
                    }
                }
                let all: Vec<&OutboxItem> = pending.iter().collect();
                self.close(&all, -1, &not_applied, now).await?;
            }
            (None, None) => {
                // The platform holds no such grant: nothing is permitted there.
                if let Some(l) = local.as_ref().filter(|_| !local_revoked) {
                    let target = l.revoke(now).map_err(internal)?;
                    self.record_remote(ConsentAction::Revoke, &target, None, PLATFORM_DEVICE, now)
                        .await?;
                }
                let all: Vec<&OutboxItem> = pending.iter().collect();
                self.close(&all, -1, &not_applied, now).await?;
            }
        }
        Ok(())
    }

    /// Acknowledges settled changes, keeping the reason in their `last_error`.
    async fn close(
        &mut self,
        items: &[&OutboxItem],
        platform_version: i64,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        for item in items {
            outbox::mark_failed(&self.pool, item.idempotency_key, reason, now).await?;
            outbox::mark_acked(&self.pool, item.idempotency_key, platform_version, now).await?;
            if self
                .outgoing
                .in_flight
                .remove(&item.idempotency_key)
                .is_some()
            {
                self.outgoing.in_flight_dirty = true;
            }
        }
        Ok(())
    }

    /// Writes the `conflict` note for `head`, once (a crash and a replayed 409 do not write
    /// a second one).
    async fn note_conflict(
        &mut self,
        head: &OutboxItem,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        let key = head.entry.key();
        let noted = ledger::entries(&self.pool).await?.iter().any(|e| {
            e.action == ConsentAction::Conflict && e.seq > head.entry.seq && e.key() == key
        });
        if noted {
            return Ok(());
        }
        let change = ConsentChange {
            action: ConsentAction::Conflict,
            grant_id: head.entry.grant_id.clone(),
            grant: head.entry.grant.clone(),
            device_id: self.config.local_device_id.clone(),
            at: now,
            terms_version: head.entry.terms_version,
            terms_hash: head.entry.terms_hash,
        };
        ledger::record(&self.pool, change, None, ChangeOrigin::Remote, now).await?;
        Ok(())
    }

    /// The platform's state of one grant (`None`: it has no such grant).
    async fn fetch_platform_grant(&self, grant_id: &str) -> Result<Option<RemoteGrant>, SyncError> {
        let grants = self.client()?.grants_with_changes().await?;
        Ok(grants.into_iter().find(|g| g.grant.id == grant_id))
    }
}
