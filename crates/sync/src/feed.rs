//! Pulling the signed event feed: from the stored cursor, page by page; every delivery's
//! signature checked against the enrolled keys and its timestamp against the clock (see
//! `webhook.rs` for the tolerance); duplicates dropped; bodies decoded and validated with
//! the domain's `Event::from_json`; app events judged against the consent ledger; then the
//! events and the new cursor committed in one transaction.
//!
//! A delivery that fails its signature is fetched once more on its own (`GET
//! /v1/events/{id}`): a fresh, valid copy is kept; the failed delivery is quarantined either
//! way. A malformed body or an unknown type is quarantined too. Quarantined deliveries are
//! counted in the status; nothing is dropped silently and nothing crashes the sync.

use std::collections::HashSet;
use std::time::Duration;

use chrono::{DateTime, Utc};
use consentry_domain::{Event, EventDecodeError, EventPayload};
use consentry_store::events::{self, IncomingEvent};
use consentry_store::pan_guard::redact_card_numbers;
use consentry_store::quarantine;

use crate::client::PlatformClient;
use crate::consent::LedgerIndex;
use crate::engine::Engine;
use crate::enrollment;
use crate::error::SyncError;
use crate::sync_state::{self, FEED};
use crate::webhook::Verdict;
use crate::wire::{FeedItem, FeedPage};

/// How often a delivery that failed its checks is fetched again on its own.
const REFETCHES: usize = 3;
/// Recent quarantine rows looked at to avoid keeping the same delivery twice after a crash.
const QUARANTINE_LOOKBACK: u32 = 256;

/// The next page, fetched in the background; aborted if dropped unused.
struct Prefetch {
    after: u64,
    task: tokio::task::JoinHandle<Result<FeedPage, SyncError>>,
}

impl Prefetch {
    fn start(client: &PlatformClient, after: u64, size: u32) -> Prefetch {
        let client = client.clone();
        let task = tokio::spawn(async move { client.events(after, size, Duration::ZERO).await });
        Prefetch { after, task }
    }

    async fn page(mut self) -> Result<FeedPage, SyncError> {
        (&mut self.task)
            .await
            .map_err(|e| SyncError::Internal(e.to_string()))?
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A delivery that will not be stored as an event.
struct Refused {
    event_id: Option<String>,
    reason: String,
    body: String,
}

/// The outcome of checking one delivery.
enum Checked {
    Valid(FeedItem),
    /// Failed its signature; a fresh valid copy, if the platform gave one.
    Forged {
        delivery: FeedItem,
        replacement: Option<FeedItem>,
    },
    Stale {
        offset_seconds: i64,
    },
}

fn decode_reason(error: &EventDecodeError) -> String {
    match error {
        EventDecodeError::UnknownType { .. } => format!("unknown_type: {error}"),
        EventDecodeError::MissingType | EventDecodeError::Malformed { .. } => {
            format!("malformed: {error}")
        }
        EventDecodeError::Invalid(_) => format!("invalid: {error}"),
    }
}

impl Engine {
    /// Pulls every page there is (no waiting). Returns how many events were stored.
    pub(crate) async fn pull_feed(&mut self, now: DateTime<Utc>) -> Result<u64, SyncError> {
        let client = self.client()?;
        let size = self.config.page_size;
        let mut stored = 0;
        let mut cursor = sync_state::cursor(&self.pool).await?;
        let mut prefetched: Option<Prefetch> = None;
        loop {
            let page = match prefetched.take() {
                Some(next) if next.after == cursor => next.page().await?,
                _ => client.events(cursor, size, Duration::ZERO).await?,
            };
            let has_more = page.has_more;
            if has_more && page.next_cursor > cursor {
                // The platform serves (and signs) the next page while we check this one.
                prefetched = Some(Prefetch::start(&client, page.next_cursor, size));
            }
            let (count, advanced) = self.process_page(cursor, page, now).await?;
            stored += count;
            if !has_more || !advanced {
                return Ok(stored);
            }
            cursor = sync_state::cursor(&self.pool).await?;
        }
    }

    /// Checks, judges and stores one page read after `cursor`. Returns the events stored and
    /// whether the cursor moved. A clock-skew stop is an error, after what came before it
    /// was stored.
    pub(crate) async fn process_page(
        &mut self,
        cursor: u64,
        page: FeedPage,
        now: DateTime<Utc>,
    ) -> Result<(u64, bool), SyncError> {
        let client = self.client()?;
        let mut items = page.items;
        items.sort_by_key(|i| i.cursor);
        self.counters.deliveries += items.len() as u64;
        let mut ids = HashSet::new();
        let before = items.len();
        items.retain(|i| ids.insert(i.id.clone()));
        self.counters.duplicate_deliveries += (before - items.len()) as u64;

        let verdicts = match &self.verifier {
            Some(verifier) => verifier.check_page(&items, now).await,
            None => return Err(SyncError::NotEnrolled),
        };
        let mut accepted = Vec::with_capacity(items.len());
        let mut refused = Vec::new();
        let mut stop = None;
        let mut reached = cursor;
        for (item, verdict) in items.into_iter().zip(verdicts) {
            let position = item.cursor;
            match self.check(&client, item, verdict, now).await? {
                Checked::Valid(item) => accepted.push(item),
                Checked::Forged {
                    delivery,
                    replacement,
                } => {
                    let reason = if replacement.is_some() {
                        "bad_signature: the delivery did not verify; a fresh copy did and was kept"
                    } else {
                        "bad_signature: neither the delivery nor a fresh copy verifies under the platform's keys"
                    };
                    refused.push(Refused {
                        event_id: Some(delivery.id),
                        reason: reason.to_owned(),
                        body: delivery.body,
                    });
                    accepted.extend(replacement);
                }
                Checked::Stale { offset_seconds } => {
                    stop = Some(SyncError::ClockSkew {
                        offset_seconds,
                        tolerance_seconds: self.tolerance_seconds(),
                    });
                    break;
                }
            }
            reached = reached.max(position);
        }
        let next = match &stop {
            Some(_) => reached,
            None => reached.max(page.next_cursor),
        };

        let mut decoded = Vec::with_capacity(accepted.len());
        for item in accepted {
            match Event::from_json(item.body.as_bytes()) {
                Ok(event) if event.id == item.id => decoded.push(event),
                Ok(event) => refused.push(Refused {
                    event_id: Some(item.id.clone()),
                    reason: format!(
                        "id_mismatch: delivered as {:?}, the body says {:?}",
                        item.id, event.id
                    ),
                    body: item.body,
                }),
                Err(e) => refused.push(Refused {
                    event_id: Some(item.id),
                    reason: decode_reason(&e),
                    body: item.body,
                }),
            }
        }

        let mut platform_events = Vec::new();
        for event in &decoded {
            let special = matches!(
                event.payload,
                EventPayload::ConsentChanged(_) | EventPayload::AppTermsChanged(_)
            );
            // The store keeps ids with anything card-number-like masked: look up that form.
            let stored_id = redact_card_numbers(&event.id);
            if special && !events::exists(&self.pool, &stored_id).await? {
                platform_events.push(event);
            }
        }
        self.apply_platform_events(&platform_events, now).await?;

        let index = LedgerIndex::load(&self.pool).await?;
        let incoming: Vec<IncomingEvent> = decoded
            .into_iter()
            .map(|event| {
                let violation = index.violation(&event);
                IncomingEvent {
                    event,
                    signature_verified: true,
                    violation,
                }
            })
            .collect();
        self.quarantine_all(refused, now).await?;
        let report =
            events::ingest_with_cursor(&self.pool, &incoming, FEED, &next.to_string(), now).await?;
        self.counters.events_stored += report.inserted;
        self.counters.duplicate_deliveries += report.duplicates;
        match stop {
            Some(e) => Err(e),
            None => Ok((report.inserted, next > cursor)),
        }
    }

    fn tolerance_seconds(&self) -> i64 {
        self.verifier
            .as_ref()
            .map_or(0, crate::webhook::FeedVerifier::tolerance_seconds)
    }

    fn verdict(&self, item: &FeedItem, now: DateTime<Utc>) -> Result<Verdict, SyncError> {
        let verifier = self.verifier.as_ref().ok_or(SyncError::NotEnrolled)?;
        Ok(verifier.check(&item.id, item.timestamp, &item.body, &item.signature, now))
    }

    async fn check(
        &mut self,
        client: &PlatformClient,
        item: FeedItem,
        mut verdict: Verdict,
        now: DateTime<Utc>,
    ) -> Result<Checked, SyncError> {
        if verdict == Verdict::BadSignature {
            // Judged before a key refresh earlier in this page? Judge again with today's keys.
            verdict = self.verdict(&item, now)?;
        }
        if verdict == Verdict::BadSignature && !self.keys_refreshed {
            // The platform may have rotated to a key published after we enrolled.
            self.refresh_keys(now).await?;
            verdict = self.verdict(&item, now)?;
        }
        let mut stale = match verdict {
            Verdict::Valid => return Ok(Checked::Valid(item)),
            Verdict::Stale { offset_seconds } => {
                self.counters.stale_deliveries += 1;
                Some(offset_seconds)
            }
            Verdict::BadSignature => None,
        };
        // Ask for fresh copies: a delivery spoiled on the way comes right; a forgery does not
        // exist on the platform (404).
        for _ in 0..REFETCHES {
            self.counters.refetched += 1;
            let Some(mut copy) = client.event(&item.id).await? else {
                break;
            };
            copy.cursor = item.cursor;
            if copy.id != item.id {
                break;
            }
            match self.verdict(&copy, now)? {
                Verdict::Valid if verdict != Verdict::BadSignature => {
                    return Ok(Checked::Valid(copy));
                }
                Verdict::Valid => {
                    return Ok(Checked::Forged {
                        delivery: item,
                        replacement: Some(copy),
                    })
                }
                // Validly signed by the platform, only too old or too new for our clock.
                Verdict::Stale { offset_seconds } => stale = Some(offset_seconds),
                Verdict::BadSignature => {}
            }
        }
        match stale {
            Some(offset_seconds) => Ok(Checked::Stale { offset_seconds }),
            None => Ok(Checked::Forged {
                delivery: item,
                replacement: None,
            }),
        }
    }

    /// Re-reads the platform's published keys and trusts them from now on.
    async fn refresh_keys(&mut self, now: DateTime<Utc>) -> Result<(), SyncError> {
        self.keys_refreshed = true;
        let keys = self.client()?.signing_keys().await?;
        if let Some(mut enrollment) = self.enrollment.clone() {
            if enrollment.signing_keys != keys {
                enrollment.signing_keys = keys;
                enrollment::save(&self.pool, &enrollment, now).await?;
                self.adopt_enrollment(Some(enrollment))?;
            }
        }
        Ok(())
    }

    /// Keeps refused deliveries, skipping one already kept with the same id and reason.
    async fn quarantine_all(
        &mut self,
        refused: Vec<Refused>,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        if refused.is_empty() {
            return Ok(());
        }
        let recent = quarantine::recent(&self.pool, QUARANTINE_LOOKBACK).await?;
        for r in refused {
            let kept = recent
                .iter()
                .any(|q| q.event_id.is_some() && q.event_id == r.event_id && q.reason == r.reason);
            if kept {
                continue;
            }
            quarantine::put(
                &self.pool,
                r.event_id.as_deref(),
                &r.reason,
                r.body.as_bytes(),
                now,
            )
            .await?;
            self.counters.quarantined += 1;
        }
        Ok(())
    }
}
