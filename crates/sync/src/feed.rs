//! Reading the signed event feed: from the stored cursor, page by page, each page checked and
//! stored by `deliveries.rs`. What the platform cannot serve readably is retried a bounded
//! number of times, then **skipped** so that the events behind it flow:
//!
//! - a page that cannot be read (too large, not JSON) is asked for again in halves, down to
//!   one delivery; one delivery that still cannot be read after [`MAX_TRIES`] passes is
//!   located (reads after positions before it fail, reads after it succeed) and skipped;
//! - a validly signed delivery whose timestamp stays outside the tolerance for [`MAX_TRIES`]
//!   passes (a stale delivery the platform keeps serving) is skipped.
//!
//! Every skipped stretch is recorded as a gap (`store::feed_gaps`: positions, error, tries),
//! counted in the status, shown, and retried every [`GAP_RETRY_EVERY`] until it is read.
//!
//! The end of a complete read (no more pages) is remembered: it dates "late" events and sets
//! the feed horizon of acknowledged revocations (see `consent.rs`).

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use consentry_store::{feed_gaps, outbox, settings};

use crate::client::PlatformClient;
use crate::deliveries::Destination;
use crate::engine::Engine;
use crate::enrollment;
use crate::error::{SyncError, SyncErrorCode};
use crate::sync_state::{self, FEED, FEED_READ_AT};
use crate::webhook::{CheckedAhead, FeedVerifier};
use crate::wire::FeedPage;

/// Passes a delivery may fail before it is skipped.
pub(crate) const MAX_TRIES: u32 = 3;
/// How often an open gap is tried again.
pub(crate) const GAP_RETRY_EVERY: chrono::Duration = chrono::Duration::minutes(10);
/// Gaps tried in one pass (each try is a request or two).
const GAPS_PER_PASS: usize = 8;
/// The furthest a search for an unreadable delivery looks past the cursor.
const MAX_PROBE: u64 = 1 << 48;

/// The next page, fetched in the background and its signatures checked there (while this
/// page is stored); aborted if dropped unused.
struct Prefetch {
    after: u64,
    size: u32,
    task: tokio::task::JoinHandle<Result<(FeedPage, Option<CheckedAhead>), SyncError>>,
}

impl Prefetch {
    fn start(
        client: &PlatformClient,
        after: u64,
        size: u32,
        verifier: Option<Arc<FeedVerifier>>,
        now: DateTime<Utc>,
    ) -> Prefetch {
        let client = client.clone();
        let task = tokio::spawn(async move {
            let page = client.events(after, size, Duration::ZERO).await?;
            let ahead = match verifier {
                Some(verifier) => Some(CheckedAhead::check(verifier, &page.items, now).await),
                None => None,
            };
            Ok((page, ahead))
        });
        Prefetch { after, size, task }
    }

    async fn page(mut self) -> Result<(FeedPage, Option<CheckedAhead>), SyncError> {
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

fn unreadable(error: &SyncError) -> bool {
    error.code() == SyncErrorCode::BadResponse
}

impl Engine {
    /// Pulls every page there is (no waiting), then retries the gaps that are due. Returns
    /// how many events were stored.
    pub(crate) async fn pull_feed(&mut self, now: DateTime<Utc>) -> Result<u64, SyncError> {
        let client = self.client()?;
        let full = self.config.page_size.max(1);
        let mut size = full;
        let mut stored = 0;
        let mut cursor = sync_state::cursor(&self.pool).await?;
        let mut prefetched: Option<Prefetch> = None;
        loop {
            let fetched = match prefetched.take() {
                Some(next) if next.after == cursor && next.size == size => next.page().await,
                _ => client
                    .events(cursor, size, Duration::ZERO)
                    .await
                    .map(|page| (page, None)),
            };
            let (page, ahead) = match fetched {
                Ok(page) => page,
                Err(e) if unreadable(&e) && size > 1 => {
                    size /= 2;
                    continue;
                }
                Err(e) if unreadable(&e) => {
                    if self.unreadable_again(cursor) {
                        cursor = self.skip_unreadable(&client, cursor, &e, now).await?;
                        continue;
                    }
                    return Err(e);
                }
                Err(e) => return Err(e),
            };
            self.feed.unreadable_at = None;
            let has_more = page.has_more;
            if has_more && page.next_cursor > cursor {
                // The platform serves (and signs) the next page while we check this one.
                prefetched = Some(Prefetch::start(
                    &client,
                    page.next_cursor,
                    size,
                    self.feed.verifier.clone(),
                    now,
                ));
            }
            let outcome = self
                .process_page(page, ahead, Destination::Feed { cursor }, now)
                .await?;
            stored += outcome.stored;
            if let Some(stop) = outcome.stop {
                return Err(stop);
            }
            cursor = sync_state::cursor(&self.pool).await?;
            if !has_more || !outcome.advanced {
                if !has_more {
                    self.finish_read(now, cursor).await?;
                }
                stored += self.retry_gaps(&client, now).await?;
                return Ok(stored);
            }
            size = size.saturating_mul(2).min(full);
        }
    }

    /// Stores a page a long poll that started at `started_at` brought, read after `cursor`.
    pub(crate) async fn long_polled(
        &mut self,
        page: FeedPage,
        cursor: u64,
        started_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        let has_more = page.has_more;
        let outcome = self
            .process_page(page, None, Destination::Feed { cursor }, now)
            .await?;
        if let Some(stop) = outcome.stop {
            return Err(stop);
        }
        if !has_more {
            let reached = sync_state::cursor(&self.pool).await?;
            self.finish_read(started_at, reached).await?;
        }
        Ok(())
    }

    /// A complete read of the feed that started at `started_at` reached `cursor`.
    pub(crate) async fn finish_read(
        &mut self,
        started_at: DateTime<Utc>,
        cursor: u64,
    ) -> Result<(), SyncError> {
        outbox::set_feed_horizons(&self.pool, started_at, cursor).await?;
        sync_state::write(&self.pool, FEED_READ_AT, &started_at, started_at).await?;
        self.feed.read_at = Some(started_at);
        Ok(())
    }

    /// Counts one more pass that could not read the delivery after `cursor`; `true` once
    /// it is time to skip it.
    fn unreadable_again(&mut self, cursor: u64) -> bool {
        let tries = match self.feed.unreadable_at {
            Some((at, tries)) if at == cursor => tries + 1,
            _ => 1,
        };
        self.feed.unreadable_at = Some((cursor, tries));
        tries >= MAX_TRIES
    }

    /// Counts one more pass stopped by the stale delivery `id`; `true` once it is time to
    /// skip it.
    pub(crate) fn stale_again(&mut self, id: &str) -> bool {
        let tries = self.feed.stale_tries.entry(id.to_owned()).or_insert(0);
        *tries += 1;
        if *tries >= MAX_TRIES {
            self.feed.stale_tries.remove(id);
            return true;
        }
        false
    }

    /// Records positions `after` < p <= `until` as a gap.
    pub(crate) async fn open_gap(
        &mut self,
        after: u64,
        until: u64,
        event_id: Option<&str>,
        error: &SyncError,
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        tracing::warn!(after, until, error = %error, "skipping part of the feed");
        feed_gaps::open(&self.pool, after, until, event_id, &error.to_string(), now).await?;
        self.health.counters.gaps_opened += 1;
        Ok(())
    }

    /// Finds the unreadable delivery right after `cursor`, records it as a gap and moves the
    /// cursor past it. Reads after a position before it fail; reads after it succeed.
    async fn skip_unreadable(
        &mut self,
        client: &PlatformClient,
        cursor: u64,
        error: &SyncError,
        now: DateTime<Utc>,
    ) -> Result<u64, SyncError> {
        let readable_after = |after: u64| {
            let client = client.clone();
            async move {
                match client.events(after, 1, Duration::ZERO).await {
                    Ok(_) => Ok(true),
                    Err(e) if unreadable(&e) => Ok(false),
                    Err(e) => Err(e),
                }
            }
        };
        let mut low = cursor;
        let mut step = 1u64;
        let mut high = loop {
            let probe = cursor.saturating_add(step);
            if step > MAX_PROBE || probe > i64::MAX as u64 {
                return Err(SyncError::bad_response(error.to_string()));
            }
            if readable_after(probe).await? {
                break probe;
            }
            low = probe;
            step = step.saturating_mul(2);
        };
        while high - low > 1 {
            let middle = low + (high - low) / 2;
            if readable_after(middle).await? {
                high = middle;
            } else {
                low = middle;
            }
        }
        self.open_gap(cursor, high, None, error, now).await?;
        settings::set_sync_cursor(&self.pool, FEED, &high.to_string(), now).await?;
        self.feed.unreadable_at = None;
        Ok(high)
    }

    /// Tries again the open gaps that are due; closes those now read. Returns the events
    /// stored. A gap that still fails stays open (its tries and error updated).
    pub(crate) async fn retry_gaps(
        &mut self,
        client: &PlatformClient,
        now: DateTime<Utc>,
    ) -> Result<u64, SyncError> {
        let due: Vec<_> = feed_gaps::open_gaps(&self.pool)
            .await?
            .into_iter()
            .filter(|g| now - g.last_try_at >= GAP_RETRY_EVERY)
            .take(GAPS_PER_PASS)
            .collect();
        let mut stored = 0;
        for gap in due {
            let page = match &gap.event_id {
                Some(id) => client.event(id).await.map(|copy| FeedPage {
                    items: copy
                        .map(|mut item| {
                            item.cursor = gap.until_cursor;
                            item
                        })
                        .into_iter()
                        .collect(),
                    unreadable: Vec::new(),
                    next_cursor: gap.until_cursor,
                    has_more: false,
                }),
                None => client
                    .events(gap.after_cursor, 1, Duration::ZERO)
                    .await
                    .map(|mut page| {
                        page.items.retain(|i| i.cursor <= gap.until_cursor);
                        page
                    }),
            };
            let outcome = match page {
                Ok(page) => self.process_page(page, None, Destination::Gap, now).await,
                Err(e) => Err(e),
            };
            match outcome {
                Ok(outcome) if outcome.complete => {
                    stored += outcome.stored;
                    feed_gaps::close(&self.pool, gap.id, now).await?;
                    self.health.counters.gaps_closed += 1;
                }
                Ok(outcome) => {
                    let error = outcome.stop.map_or_else(String::new, |e| e.to_string());
                    feed_gaps::retried(&self.pool, gap.id, &error, now).await?;
                }
                Err(e) if e.code() == SyncErrorCode::Wallet => return Err(e),
                Err(e) => feed_gaps::retried(&self.pool, gap.id, &e.to_string(), now).await?,
            }
        }
        Ok(stored)
    }

    /// Re-reads the platform's published keys; trusts a new one only when a key this wallet
    /// already trusts endorsed it (see `webhook.rs`).
    pub(crate) async fn refresh_keys(&mut self, now: DateTime<Utc>) -> Result<(), SyncError> {
        self.feed.keys_refreshed = true;
        let listed = self.client()?.signing_keys().await?;
        let Some(mut enrollment) = self.enrollment.clone() else {
            return Ok(());
        };
        let (trusted, refused) = crate::webhook::extend_trust(&enrollment.signing_keys, &listed);
        if !refused.is_empty() {
            tracing::warn!(keys = ?refused, "the platform lists signing keys no trusted key endorsed");
            self.feed.unendorsed_keys = refused;
        }
        if trusted != enrollment.signing_keys {
            enrollment.signing_keys = trusted;
            enrollment::save(&self.pool, &enrollment, now).await?;
            self.adopt_enrollment(Some(enrollment))?;
        }
        Ok(())
    }
}
