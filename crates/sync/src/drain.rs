//! Draining the outbox: every consent change reaches the platform exactly once in effect.
//!
//! - Order: changes of one app × card × scope go one at a time, in ledger order; changes of
//!   different grants go together, in waves of up to `wave_size` concurrent requests.
//! - Exactly once: before a request is sent for the first time, its idempotency key and its
//!   exact body are stored (`sync.in_flight`). Every retry — after a 500, a timeout, a dropped
//!   connection, or a crash between sending and recording the answer — repeats those bytes
//!   under that key, and the platform answers with the stored result (`Idempotent-Replayed`).
//! - Acknowledgement: the platform's new version is stored (it is the `base_version` of the
//!   next change) before the outbox row is marked acknowledged; both are idempotent.
//! - Failures: exponential backoff with jitter per change, never before `Retry-After`.
//! - Refusals (409) and rejections (other 4xx) are settled by `resolve.rs`.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use consentry_domain::GrantKey;
use consentry_store::outbox::{self, OutboxItem};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::change::{is_sent, GrantChange};
use crate::engine::Engine;
use crate::error::SyncError;
use crate::platform_api::PutOutcome;
use crate::resolve::Settle;
use crate::sync_state::InFlight;

/// Outbox rows read per wave (to find enough distinct grants).
const BATCH: u32 = 1024;

/// The changes to send now: the first pending change of each grant, unless it waits for
/// its retry time (then that grant waits entirely).
fn select_wave(batch: &[OutboxItem], now: DateTime<Utc>, size: usize) -> Vec<OutboxItem> {
    let mut seen: HashSet<GrantKey> = HashSet::new();
    let mut wave = Vec::new();
    for item in batch {
        if !seen.insert(item.entry.key()) || item.next_attempt_at > now {
            continue;
        }
        wave.push(item.clone());
        if wave.len() >= size {
            break;
        }
    }
    wave
}

impl Engine {
    /// Sends every change that is due. Returns the first error that stops the drain (an
    /// unreachable platform, a refused token); failed changes are rescheduled, not lost.
    pub(crate) async fn drain(&mut self, now: DateTime<Utc>) -> Result<(), SyncError> {
        let client = self.client()?;
        let mut first_error = None;
        loop {
            let batch = outbox::next_batch(&self.pool, now, BATCH).await?;
            let wave = select_wave(&batch, now, self.config.wave_size.max(1));
            if wave.is_empty() {
                break;
            }
            let (local_only, to_send): (Vec<OutboxItem>, Vec<OutboxItem>) =
                wave.into_iter().partition(|i| !is_sent(i.entry.action));
            let mut progress = !local_only.is_empty();
            let acks: Vec<(Uuid, i64)> =
                local_only.iter().map(|i| (i.idempotency_key, -1)).collect();
            outbox::mark_acked_many(&self.pool, &acks, now).await?;

            let requests = self.prepare(&to_send, now).await?;
            let mut tasks = JoinSet::new();
            for (item, flight) in requests {
                let client = client.clone();
                self.health.counters.changes_sent += 1;
                tasks.spawn(async move {
                    let outcome = client
                        .put_grant(&flight.grant_id, flight.wire_key, &flight.body)
                        .await;
                    (item, outcome)
                });
            }
            let mut answers = Vec::new();
            while let Some(joined) = tasks.join_next().await {
                answers.push(joined.map_err(|e| SyncError::Internal(e.to_string()))?);
            }
            answers.sort_by_key(|(item, _)| item.entry.seq);

            let mut acked = Vec::new();
            let mut proofs = Vec::new();
            let mut seen_versions = Vec::new();
            let mut to_settle = Vec::new();
            for (item, outcome) in answers {
                match outcome {
                    Ok(PutOutcome::Applied { grant, replayed }) => {
                        if replayed {
                            self.health.counters.replays_suppressed += 1;
                        } else {
                            self.health.counters.changes_applied += 1;
                        }
                        let version = i64::try_from(grant.version).unwrap_or(i64::MAX);
                        seen_versions.push((grant.id.clone(), grant.version));
                        acked.push((item.idempotency_key, version));
                        if let Some(signed) = self
                            .outgoing
                            .in_flight
                            .get(&item.idempotency_key)
                            .and_then(|f| crate::change::signed_of(&f.body))
                        {
                            proofs.push((item.entry.seq, signed));
                        }
                    }
                    Ok(PutOutcome::Refused {
                        code,
                        message,
                        current,
                        replayed,
                    }) => {
                        if replayed {
                            self.health.counters.replays_suppressed += 1;
                        }
                        to_settle.push((
                            item,
                            Settle::Refused {
                                code,
                                message,
                                current,
                            },
                        ));
                    }
                    Err(e) if e.is_retryable() => {
                        self.health.counters.retries += 1;
                        let failures = item.attempts.saturating_add(1);
                        let at = self.config.backoff.next_attempt(
                            failures,
                            e.retry_after(),
                            now,
                            &mut self.rng,
                        );
                        outbox::mark_failed(&self.pool, item.idempotency_key, &e.to_string(), at)
                            .await?;
                        first_error.get_or_insert(e);
                    }
                    // Overrides any other error: nothing goes through until re-enrollment.
                    Err(SyncError::Unauthorized) => first_error = Some(SyncError::Unauthorized),
                    Err(e) => to_settle.push((item, Settle::Rejected(e))),
                }
            }
            // The version first: a crash before the acknowledgement means a replayed answer.
            self.remember_versions(&seen_versions, now).await?;
            // The signed form, kept as the proof of what this device decided.
            for (seq, signed) in &proofs {
                consentry_store::signed_changes::put(&self.pool, *seq, signed).await?;
            }
            outbox::mark_acked_many(&self.pool, &acked, now).await?;
            for (key, _) in &acked {
                if self.outgoing.in_flight.remove(key).is_some() {
                    self.outgoing.in_flight_dirty = true;
                }
            }
            progress |= !acked.is_empty() || !to_settle.is_empty();
            for (item, settle) in to_settle {
                self.settle(&item, settle, now).await?;
            }
            if matches!(first_error, Some(SyncError::Unauthorized)) || !progress {
                break;
            }
        }
        if self.outgoing.in_flight_dirty {
            self.persist_in_flight(now).await?;
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The request of each change: the stored one if it may have been sent already, else a
    /// new one on top of the known platform version, stored before anything is sent.
    async fn prepare(
        &mut self,
        items: &[OutboxItem],
        now: DateTime<Utc>,
    ) -> Result<Vec<(OutboxItem, InFlight)>, SyncError> {
        let mut requests = Vec::with_capacity(items.len());
        let mut new = false;
        for item in items {
            let flight = match self.outgoing.in_flight.get(&item.idempotency_key) {
                Some(flight) => flight.clone(),
                None => {
                    let flight = self.new_request(item, item.idempotency_key, 0)?;
                    self.outgoing
                        .in_flight
                        .insert(item.idempotency_key, flight.clone());
                    new = true;
                    flight
                }
            };
            requests.push((item.clone(), flight));
        }
        if new || self.outgoing.in_flight_dirty {
            self.persist_in_flight(now).await?;
        }
        Ok(requests)
    }

    /// A request for `item` on top of the known version of its grant.
    pub(crate) fn new_request(
        &self,
        item: &OutboxItem,
        wire_key: Uuid,
        generation: u32,
    ) -> Result<InFlight, SyncError> {
        let base_version = self.known_version(&item.entry.grant_id);
        let change = GrantChange::for_entry(&item.entry, base_version)
            .ok_or_else(|| SyncError::Internal("a local-only change reached the sender".into()))?;
        let device_id = self
            .enrollment
            .as_ref()
            .map(|e| e.device_id.clone())
            .ok_or(SyncError::NotEnrolled)?;
        let signed = self.sign(crate::change::statement_for(
            &item.entry,
            base_version,
            device_id,
        ))?;
        let body = crate::change::SignedBody {
            change: &change,
            signed: &signed,
        };
        Ok(InFlight {
            wire_key,
            grant_id: item.entry.grant_id.clone(),
            body: serde_json::to_string(&body).map_err(|e| SyncError::Internal(e.to_string()))?,
            base_version,
            generation,
        })
    }
}
