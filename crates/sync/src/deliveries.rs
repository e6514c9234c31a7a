//! One page of deliveries → stored events. Each delivery goes through, in order:
//!
//! 1. its envelope (read on its own: an unreadable one is set aside, see `wire.rs`);
//! 2. its signature, against the trusted keys, and its timestamp, against the clock (see
//!    `webhook.rs`); a failed one is fetched once more on its own (`GET /v1/events/{id}`):
//!    a fresh, valid copy is kept; the failed delivery is quarantined either way;
//! 3. its body: decoded and validated with the domain's `Event::from_json`, bound to this
//!    cardholder (its signed `cardholder_id`), and admitted by the store (`store::admission`: everything reading,
//!    rendering, summing and exporting it will need);
//! 4. its id: a repeated id with the same body is a duplicate, with another body an
//!    **equivocation**, quarantined with both bodies;
//! 5. its meaning: app events judged against the consent ledger (`consent.rs`), marked late
//!    when they claim a time before the previous complete read of the feed;
//! 6. then the events, the quarantined deliveries and (for the main feed) the new cursor
//!    are committed, in one store transaction.
//!
//! Before step 5 the platform's own `consent.changed` and `app.terms_changed` events of the
//! page are applied to the wallet's grants (`consent.rs`), so the judging sees them.
//!
//! Nothing a delivery holds can stop the ones after it: whatever fails goes to quarantine
//! with a reason, and is counted in the status.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use consentry_domain::{Event, EventDecodeError, EventPayload};
use consentry_store::admission;
use consentry_store::events::{self, IncomingEvent};
use consentry_store::quarantine::{self, Refusal};

use crate::client::PlatformClient;
use crate::consent::LedgerIndex;
use crate::engine::Engine;
use crate::error::SyncError;
use crate::sync_state::FEED;
use crate::webhook::{CheckedAhead, Verdict};
use crate::wire::{FeedItem, FeedPage, UnreadableDelivery};

/// How often a delivery that failed its checks is fetched again on its own.
const REFETCHES: usize = 3;
/// Recent quarantine rows looked at to avoid keeping the same delivery twice after a crash.
const QUARANTINE_LOOKBACK: u32 = 256;
/// How far before the previous complete read of the feed an event may claim to have
/// happened before it is marked late (the platform makes an event when it happens and
/// publishes it at once; this covers clocks that differ and a slow commit).
pub(crate) const LATE_WINDOW: chrono::Duration = chrono::Duration::minutes(15);

/// A delivery that will not be stored as an event.
pub(crate) struct Refused {
    pub event_id: Option<String>,
    pub reason: String,
    pub body: String,
}

/// The outcome of checking one delivery's signature and timestamp.
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

/// Where a page's deliveries go once stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Destination {
    /// The main feed, read after `cursor`: the cursor moves with the events.
    Feed { cursor: u64 },
    /// A gap being retried: events are stored, the cursor stays where it is.
    Gap,
}

impl Destination {
    /// Where the page starts: the main feed's cursor, or 0 for a gap.
    fn start(self) -> u64 {
        match self {
            Self::Feed { cursor } => cursor,
            Self::Gap => 0,
        }
    }
}

/// What [`Engine::verify`] let through.
struct Verified {
    /// Deliveries whose signature and time are good (or a fresh copy's are), in order.
    accepted: Vec<FeedItem>,
    /// The furthest position checked.
    reached: u64,
    /// A stale delivery that stopped the page there.
    stop: Option<SyncError>,
}

/// What storing a page did.
#[derive(Debug, Default)]
pub(crate) struct PageOutcome {
    /// New events stored.
    pub stored: u64,
    /// The main feed's cursor moved.
    pub advanced: bool,
    /// Every delivery of the page was stored, quarantined or found a duplicate.
    pub complete: bool,
    /// A stale delivery stopped the page before its end (retried on the next pass).
    pub stop: Option<SyncError>,
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

/// Decodes, binds and admits one delivery.
fn decode_one(
    item: FeedItem,
    cardholder: &str,
    now: DateTime<Utc>,
) -> Result<(u64, Event), Refused> {
    let reason = match Event::from_json_addressed(item.body.as_bytes()) {
        Ok((event, _)) if event.id != item.id => format!(
            "id_mismatch: delivered as {:?}, the body says {:?}",
            item.id, event.id
        ),
        Ok((_, addressed)) if addressed.as_deref() != Some(cardholder) => {
            "foreign_cardholder: the signed body does not name this cardholder".to_owned()
        }
        Ok((event, _)) => match admission::check(&event, now) {
            Ok(()) => return Ok((item.cursor, event)),
            Err(e) => format!("inadmissible: {e}"),
        },
        Err(e) => decode_reason(&e),
    };
    Err(Refused {
        event_id: Some(item.id),
        reason,
        body: item.body,
    })
}

/// Both bodies of an equivocation, as one quarantined text.
fn both_bodies(stored: &str, delivered: &str) -> String {
    serde_json::json!({ "stored": stored, "delivered": delivered }).to_string()
}

impl Engine {
    /// Checks, judges and stores one page read after `cursor`, in the steps of the module
    /// notes: receive, verify, decode, drop what is known, apply the platform's consent
    /// events, judge, commit.
    pub(crate) async fn process_page(
        &mut self,
        page: FeedPage,
        ahead: Option<CheckedAhead>,
        destination: Destination,
        now: DateTime<Utc>,
    ) -> Result<PageOutcome, SyncError> {
        let client = self.client()?;
        let start = destination.start();
        let (items, mut refused) = self.receive(page.items, page.unreadable);
        let verified = self
            .verify(&client, items, ahead, &mut refused, destination, now)
            .await?;
        let next = match &verified.stop {
            Some(_) => verified.reached,
            None => verified.reached.max(page.next_cursor),
        };
        let decoded = self.decode(verified.accepted, &mut refused, now);
        let decoded = self.drop_known(decoded, &mut refused).await?;
        self.apply_consent_events(&decoded, now).await?;
        let incoming = self.judge(decoded, now).await?;
        let stored = self
            .commit(&incoming, refused, destination, next, now)
            .await?;
        Ok(PageOutcome {
            stored,
            advanced: next > start,
            complete: verified.stop.is_none(),
            stop: verified.stop,
        })
    }

    /// Receive: the page's deliveries in cursor order, with its unreadable ones and the second
    /// delivery of an id set aside.
    fn receive(
        &mut self,
        mut items: Vec<FeedItem>,
        unreadable: Vec<UnreadableDelivery>,
    ) -> (Vec<FeedItem>, Vec<Refused>) {
        let mut refused: Vec<Refused> = unreadable
            .into_iter()
            .map(|bad| Refused {
                event_id: bad.id,
                reason: bad.error,
                body: bad.text,
            })
            .collect();
        items.sort_by_key(|i| i.cursor);
        self.health.counters.deliveries += (items.len() + refused.len()) as u64;
        self.set_aside_repeats(&mut items, &mut refused);
        (items, refused)
    }

    /// Verify: each delivery's signature and timestamp. A forged one is refused (its fresh
    /// copy kept, if the platform has one); a stale one stops the page there, unless the
    /// platform keeps serving it stale, then it becomes a gap to retry and the page goes on.
    async fn verify(
        &mut self,
        client: &PlatformClient,
        items: Vec<FeedItem>,
        ahead: Option<CheckedAhead>,
        refused: &mut Vec<Refused>,
        destination: Destination,
        now: DateTime<Utc>,
    ) -> Result<Verified, SyncError> {
        let verdicts = match &self.feed.verifier {
            Some(verifier) => match ahead {
                Some(ahead) => ahead.verdicts_for(verifier, &items, now).await,
                None => verifier.check_page(&items, now).await,
            },
            None => return Err(SyncError::NotEnrolled),
        };
        let mut verified = Verified {
            accepted: Vec::with_capacity(items.len()),
            reached: destination.start(),
            stop: None,
        };
        for (item, verdict) in items.into_iter().zip(verdicts) {
            let position = item.cursor;
            let id = item.id.clone();
            match self.check(client, item, verdict, now).await? {
                Checked::Valid(item) => verified.accepted.push(item),
                Checked::Forged {
                    delivery,
                    replacement,
                } => {
                    let reason = match (&replacement, self.unendorsed_signer(&delivery)) {
                        (Some(_), _) => "bad_signature: the delivery did not verify; a fresh copy did and was kept".to_owned(),
                        (None, Some(key_id)) => format!(
                            "unendorsed_key: signed with key {key_id:?}, which no key this wallet trusts endorsed"
                        ),
                        (None, None) => "bad_signature: neither the delivery nor a fresh copy verifies under the keys this wallet trusts".to_owned(),
                    };
                    refused.push(Refused {
                        event_id: Some(delivery.id),
                        reason,
                        body: delivery.body,
                    });
                    verified.accepted.extend(replacement);
                }
                Checked::Stale { offset_seconds } => {
                    let error = SyncError::ClockSkew {
                        offset_seconds,
                        tolerance_seconds: self.tolerance_seconds(),
                    };
                    match destination {
                        Destination::Feed { .. } if self.stale_again(&id) => {
                            // The platform keeps serving it stale: skip it, keep trying it.
                            self.open_gap(verified.reached, position, Some(&id), &error, now)
                                .await?;
                        }
                        _ => {
                            verified.stop = Some(error);
                            break;
                        }
                    }
                }
            }
            verified.reached = verified.reached.max(position);
        }
        Ok(verified)
    }

    /// Apply: the platform's `consent.changed` and `app.terms_changed` events of the page,
    /// applied to the wallet's grants before anything is judged against them.
    async fn apply_consent_events(
        &mut self,
        decoded: &[(u64, Event)],
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        let platform_events: Vec<&Event> = decoded
            .iter()
            .map(|(_, event)| event)
            .filter(|event| {
                matches!(
                    event.payload,
                    EventPayload::ConsentChanged(_)
                        | EventPayload::AppTermsChanged(_)
                        | EventPayload::CardChanged(_)
                )
            })
            .collect();
        self.apply_platform_events(&platform_events, now).await
    }

    /// Judge: app events judged against the consent ledger, and marked late when they claim
    /// a time before the previous complete read of the feed.
    async fn judge(
        &mut self,
        decoded: Vec<(u64, Event)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<IncomingEvent>, SyncError> {
        let index = LedgerIndex::load(&self.pool).await?;
        let late_before = self.feed.read_at.map(|at| at - LATE_WINDOW);
        let incoming: Vec<IncomingEvent> = decoded
            .into_iter()
            .map(|(position, event)| {
                let violation = index.violation(&event, position);
                let late_by_ms = late_before
                    .filter(|before| event.occurred_at < *before)
                    .map(|_| (now - event.occurred_at).num_milliseconds());
                IncomingEvent {
                    event,
                    signature_verified: true,
                    violation,
                    late_by_ms,
                }
            })
            .collect();
        self.health.counters.late_events +=
            incoming.iter().filter(|e| e.late_by_ms.is_some()).count() as u64;
        Ok(incoming)
    }

    /// Commit: the events, the refused deliveries not already kept, and (for the main feed)
    /// the new cursor, in one store transaction. Returns the events stored.
    async fn commit(
        &mut self,
        incoming: &[IncomingEvent],
        refused: Vec<Refused>,
        destination: Destination,
        next: u64,
        now: DateTime<Utc>,
    ) -> Result<u64, SyncError> {
        let refusals = self.not_yet_kept(refused).await?;
        let next = next.to_string();
        let cursor = match destination {
            Destination::Feed { .. } => Some((FEED, next.as_str())),
            Destination::Gap => None,
        };
        let report = events::ingest_page(&self.pool, incoming, &refusals, cursor, now).await?;
        self.health.counters.quarantined += refusals.len() as u64;
        self.health.counters.events_stored += report.inserted;
        self.health.counters.duplicate_deliveries += report.duplicates;
        Ok(report.inserted)
    }

    /// Drops a page's second delivery of an id: a plain repeat when its body is the same,
    /// an equivocation (quarantined) when it is not.
    fn set_aside_repeats(&mut self, items: &mut Vec<FeedItem>, refused: &mut Vec<Refused>) {
        // Each id's first delivery, by its index in `kept`.
        let mut first: HashMap<String, usize> = HashMap::new();
        let mut kept: Vec<FeedItem> = Vec::with_capacity(items.len());
        for item in items.drain(..) {
            match first.get(&item.id) {
                None => {
                    first.insert(item.id.clone(), kept.len());
                    kept.push(item);
                }
                Some(&index) if kept[index].body == item.body => {
                    self.health.counters.duplicate_deliveries += 1;
                }
                Some(&index) => {
                    self.health.counters.equivocations += 1;
                    refused.push(Refused {
                        reason: format!(
                            "equivocation: event {:?} was delivered twice in one page with different bodies",
                            item.id
                        ),
                        body: both_bodies(&kept[index].body, &item.body),
                        event_id: Some(item.id),
                    });
                }
            }
        }
        *items = kept;
    }

    /// Decodes, binds and admits each accepted delivery; what fails is refused.
    fn decode(
        &mut self,
        accepted: Vec<FeedItem>,
        refused: &mut Vec<Refused>,
        now: DateTime<Utc>,
    ) -> Vec<(u64, Event)> {
        let cardholder = self
            .enrollment
            .as_ref()
            .map(|e| e.cardholder_id.clone())
            .unwrap_or_default();
        let mut decoded = Vec::with_capacity(accepted.len());
        for item in accepted {
            match decode_one(item, &cardholder, now) {
                Ok(event) => decoded.push(event),
                Err(bad) => refused.push(bad),
            }
        }
        decoded
    }

    /// Drops the events the wallet already holds: a repeat when the stored payload is what
    /// this delivery would store, an equivocation (quarantined with both bodies) otherwise.
    async fn drop_known(
        &mut self,
        decoded: Vec<(u64, Event)>,
        refused: &mut Vec<Refused>,
    ) -> Result<Vec<(u64, Event)>, SyncError> {
        let ids: Vec<&str> = decoded.iter().map(|(_, e)| e.id.as_str()).collect();
        let stored = events::stored_payloads(&self.pool, &ids).await?;
        if stored.is_empty() {
            return Ok(decoded);
        }
        let mut fresh = Vec::with_capacity(decoded.len());
        for (position, event) in decoded {
            let Some(before) = stored.get(&event.id) else {
                fresh.push((position, event));
                continue;
            };
            let now_stored = events::stored_payload(&event)?;
            if *before == now_stored {
                self.health.counters.duplicate_deliveries += 1;
                continue;
            }
            self.health.counters.equivocations += 1;
            refused.push(Refused {
                reason: format!(
                    "equivocation: event {:?} was delivered again with another body; the first one is kept",
                    event.id
                ),
                body: both_bodies(before, &now_stored),
                event_id: Some(event.id),
            });
        }
        Ok(fresh)
    }

    /// The id of the refused (unendorsed) key that signed `item`, if one did.
    fn unendorsed_signer(&self, item: &FeedItem) -> Option<String> {
        self.feed.unendorsed_keys.iter().find_map(|key| {
            let verifying = crate::wire::decode_public_key(&key.public_key).ok()?;
            crate::webhook::verify_any(
                &[verifying],
                &item.id,
                item.timestamp,
                &item.body,
                &item.signature,
            )
            .then(|| key.key_id.clone())
        })
    }

    fn tolerance_seconds(&self) -> i64 {
        self.feed
            .verifier
            .as_ref()
            .map_or(0, |verifier| verifier.tolerance_seconds())
    }

    fn verdict(&self, item: &FeedItem, now: DateTime<Utc>) -> Result<Verdict, SyncError> {
        let verifier = self.feed.verifier.as_ref().ok_or(SyncError::NotEnrolled)?;
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
        if verdict == Verdict::BadSignature && !self.feed.keys_refreshed {
            // The platform may have rotated to a key endorsed after we enrolled.
            self.refresh_keys(now).await?;
            verdict = self.verdict(&item, now)?;
        }
        let mut stale = match verdict {
            Verdict::Valid => return Ok(Checked::Valid(item)),
            Verdict::Stale { offset_seconds } => {
                self.health.counters.stale_deliveries += 1;
                Some(offset_seconds)
            }
            Verdict::BadSignature => None,
        };
        // Ask for fresh copies: a delivery spoiled on the way comes right; a forgery does not
        // exist on the platform (404).
        for _ in 0..REFETCHES {
            self.health.counters.refetched += 1;
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

    /// The refused deliveries to keep: one already kept with the same id and reason (before a
    /// crash, or on an earlier pass) is not kept twice.
    async fn not_yet_kept(&self, refused: Vec<Refused>) -> Result<Vec<Refusal>, SyncError> {
        if refused.is_empty() {
            return Ok(Vec::new());
        }
        let recent = quarantine::recent(&self.pool, QUARANTINE_LOOKBACK).await?;
        let mut kept: HashSet<(String, String)> = recent
            .into_iter()
            .filter_map(|q| q.event_id.map(|id| (id, q.reason)))
            .collect();
        Ok(refused
            .into_iter()
            .filter(|r| {
                r.event_id
                    .as_ref()
                    .is_none_or(|id| kept.insert((id.clone(), r.reason.clone())))
            })
            .map(|r| Refusal {
                event_id: r.event_id,
                reason: r.reason,
                body: r.body,
            })
            .collect())
    }
}
