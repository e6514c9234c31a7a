//! The sync engine's state and the small operations every step shares: which client, the
//! known platform versions, the in-flight requests, and recording a change that came from
//! the platform. One engine per wallet, behind the [`crate::Syncer`]'s lock: one pass at a
//! time, so the persisted state has one writer.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, PoisonError, RwLock};

use chrono::{DateTime, Utc};
use consentry_domain::{ConsentAction, ConsentChange, Grant, GrantKey, Sha256Digest};
use consentry_store::ledger::{self, ChangeOrigin};
use consentry_store::outbox::{self, OutboxItem};
use consentry_store::{apps, conflicts, events, feed_gaps, grants, platform_claims, quarantine};
use rand::rngs::StdRng;
use rand::SeedableRng as _;
use sqlx::SqlitePool;

use crate::client::PlatformClient;
use crate::config::SyncConfig;
use crate::enrollment::{self, Enrollment};
use crate::error::SyncError;
use crate::state::{DeviceState, FeedState, Outgoing, PassHealth};
use crate::status::SyncStatus;
use crate::sync_state::{self, GRANT_VERSIONS, IN_FLIGHT};
use crate::webhook::FeedVerifier;

/// The device id written in ledger entries that record what the platform decided.
pub const PLATFORM_DEVICE: &str = "platform";

/// The current platform client, readable without the engine's lock.
#[derive(Clone, Default)]
pub(crate) struct ClientSlot(Arc<RwLock<Option<PlatformClient>>>);

impl ClientSlot {
    /// The client; `NotEnrolled` before enrollment.
    pub fn get(&self) -> Result<PlatformClient, SyncError> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or(SyncError::NotEnrolled)
    }

    fn set(&self, client: Option<PlatformClient>) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = client;
    }
}

pub(crate) struct Engine {
    pub pool: SqlitePool,
    pub config: SyncConfig,
    pub enrollment: Option<Enrollment>,
    /// The enrolled platform's client, shared with the syncer so that a caller who only needs
    /// to talk to the platform (link a card, list apps) does not wait for a sync pass.
    pub client: ClientSlot,
    pub rng: StdRng,
    /// Terms hashes by (app, version), as learned.
    pub terms_hashes: HashMap<(String, u32), Sha256Digest>,
    /// The drain's requests in flight and known versions.
    pub outgoing: Outgoing,
    /// The feed's trust and read position.
    pub feed: FeedState,
    /// This device's key and place in the chain.
    pub device: DeviceState,
    /// How the passes went.
    pub health: PassHealth,
}

impl Engine {
    /// Loads the enrollment and the persisted sync state.
    pub async fn load(pool: SqlitePool, config: SyncConfig) -> Result<Engine, SyncError> {
        let rng = match config.rng_seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::from_entropy(),
        };
        let mut engine = Engine {
            pool,
            config,
            enrollment: None,
            client: ClientSlot::default(),
            rng,
            terms_hashes: HashMap::new(),
            outgoing: Outgoing::default(),
            feed: FeedState::default(),
            device: DeviceState::default(),
            health: PassHealth::default(),
        };
        engine.reload().await?;
        Ok(engine)
    }

    /// Re-reads everything persisted (after an enrollment).
    pub async fn reload(&mut self) -> Result<(), SyncError> {
        let enrollment = enrollment::load(&self.pool).await?;
        self.adopt_enrollment(enrollment)?;
        self.outgoing.in_flight = sync_state::read(&self.pool, IN_FLIGHT)
            .await?
            .unwrap_or_default();
        self.outgoing.in_flight_dirty = false;
        self.outgoing.versions = sync_state::read(&self.pool, GRANT_VERSIONS)
            .await?
            .unwrap_or_default();
        self.health.last_success_at =
            sync_state::read(&self.pool, sync_state::LAST_SUCCESS).await?;
        self.feed.read_at = sync_state::read(&self.pool, sync_state::FEED_READ_AT).await?;
        // Read again from the platform on the next pass (another cardholder, perhaps).
        self.device.chain = None;
        self.device.paired = false;
        Ok(())
    }

    pub fn adopt_enrollment(&mut self, enrollment: Option<Enrollment>) -> Result<(), SyncError> {
        let client = match &enrollment {
            Some(e) => Some(e.client(self.config.client.clone())?),
            None => None,
        };
        self.client.set(client);
        self.feed.verifier = match &enrollment {
            Some(e) => Some(std::sync::Arc::new(FeedVerifier::new(
                &e.signing_keys,
                self.config.timestamp_tolerance,
            )?)),
            None => None,
        };
        self.enrollment = enrollment;
        Ok(())
    }

    pub fn client(&self) -> Result<PlatformClient, SyncError> {
        self.client.get()
    }

    /// The platform version of `grant_id` as this device knows it (0: none).
    pub fn known_version(&self, grant_id: &str) -> u64 {
        self.outgoing.versions.get(grant_id).copied().unwrap_or(0)
    }

    /// Raises the known versions (never lowers them) and stores them before returning.
    pub async fn remember_versions(
        &mut self,
        seen: &[(String, u64)],
        now: DateTime<Utc>,
    ) -> Result<(), SyncError> {
        let mut changed = false;
        for (grant_id, version) in seen {
            let known = self.outgoing.versions.entry(grant_id.clone()).or_insert(0);
            if *version > *known {
                *known = *version;
                changed = true;
            }
        }
        if changed {
            sync_state::write(&self.pool, GRANT_VERSIONS, &self.outgoing.versions, now).await?;
        }
        Ok(())
    }

    /// Stores the in-flight requests (call before sending any new one).
    pub async fn persist_in_flight(&mut self, now: DateTime<Utc>) -> Result<(), SyncError> {
        sync_state::write(&self.pool, IN_FLIGHT, &self.outgoing.in_flight, now).await?;
        self.outgoing.in_flight_dirty = false;
        Ok(())
    }

    /// Every change not yet acknowledged, in ledger order, whatever its retry time.
    pub async fn all_pending(&self) -> Result<Vec<OutboxItem>, SyncError> {
        Ok(outbox::next_batch(&self.pool, DateTime::<Utc>::MAX_UTC, u32::MAX).await?)
    }

    /// The app × card × scope keys with changes waiting for the platform.
    pub async fn pending_keys(&self) -> Result<HashSet<GrantKey>, SyncError> {
        Ok(self
            .all_pending()
            .await?
            .iter()
            .map(|i| i.entry.key())
            .collect())
    }

    /// The hash of an app's terms `version`, from what the wallet has seen; else from the
    /// directory (cached in the wallet); `ZERO` when nobody can tell any more.
    pub async fn terms_hash(
        &mut self,
        app_id: &str,
        version: u32,
        now: DateTime<Utc>,
    ) -> Result<Sha256Digest, SyncError> {
        let cache_key = (app_id.to_owned(), version);
        if let Some(hash) = self.terms_hashes.get(&cache_key) {
            return Ok(*hash);
        }
        let mut found = apps::terms(&self.pool, app_id, version)
            .await?
            .map(|(_, hash)| hash);
        if found.is_none() {
            found = ledger::entries(&self.pool)
                .await?
                .iter()
                .rev()
                .find(|e| e.grant.app_id == app_id && e.terms_version == version)
                .map(|e| e.terms_hash);
        }
        if found.is_none() {
            self.refresh_directory(now).await?;
            found = apps::terms(&self.pool, app_id, version)
                .await?
                .map(|(_, hash)| hash);
        }
        let hash = found.unwrap_or(Sha256Digest::ZERO);
        self.terms_hashes.insert(cache_key, hash);
        Ok(hash)
    }

    /// Caches the platform's app directory in the wallet (new terms texts included).
    pub async fn refresh_directory(&mut self, now: DateTime<Utc>) -> Result<usize, SyncError> {
        let listed = self.client()?.apps().await?;
        let listings: Vec<_> = listed
            .iter()
            .map(|app| (app.listing(), app.languages()))
            .collect();
        apps::upsert_all_in(&self.pool, &listings, now).await?;
        for app in &listed {
            self.terms_hashes
                .insert((app.id.clone(), app.terms_version), app.terms_hash);
        }
        Ok(listed.len())
    }

    /// Records `target` — a grant state another device decided (`author`, verified), or a
    /// restriction the platform made ([`PLATFORM_DEVICE`]) — as a remote ledger entry (never
    /// queued for sending back), and makes it the current grant.
    pub async fn record_remote(
        &mut self,
        action: ConsentAction,
        target: &Grant,
        terms_hash: Option<Sha256Digest>,
        author: &str,
        now: DateTime<Utc>,
    ) -> Result<u64, SyncError> {
        let terms_version = match (action, target.pending_terms_version) {
            (ConsentAction::NeedsReconsent, Some(pending)) => pending,
            _ => target.terms_version,
        };
        let terms_hash = match terms_hash {
            Some(hash) => hash,
            None => self.terms_hash(&target.app_id, terms_version, now).await?,
        };
        let change = ConsentChange::recording(action, target, author, terms_hash);
        let recorded =
            ledger::record(&self.pool, change, Some(target), ChangeOrigin::Remote, now).await?;
        self.health.counters.remote_changes += 1;
        Ok(recorded.entry.seq)
    }

    /// The current local grant of `key`.
    pub async fn local_grant(&self, key: &GrantKey) -> Result<Option<Grant>, SyncError> {
        Ok(grants::get(&self.pool, key).await?)
    }
}

impl Engine {
    /// Records the outcome of a pass for the status and the backoff.
    pub(crate) fn note_outcome(&mut self, result: Result<(), &SyncError>, now: DateTime<Utc>) {
        self.health
            .note(result, now, &self.config.backoff, &mut self.rng);
    }

    /// The status as it stands.
    pub(crate) async fn status(&self, syncing: bool) -> Result<SyncStatus, SyncError> {
        let pending_outbox = outbox::pending_count(&self.pool).await?;
        let head_retry = if pending_outbox > 0 {
            outbox::next_batch(&self.pool, DateTime::<Utc>::MAX_UTC, 1)
                .await?
                .first()
                .filter(|i| i.attempts > 0)
                .map(|i| i.next_attempt_at)
        } else {
            None
        };
        let next_retry_at = match (head_retry, self.health.next_retry_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(SyncStatus {
            enrolled: self.enrollment.is_some(),
            syncing,
            last_success_at: self.health.last_success_at,
            pending_outbox,
            last_error: self.health.last_error.clone(),
            next_retry_at,
            quarantined: quarantine::count(&self.pool).await?,
            violations: events::violation_count(&self.pool).await?,
            events_received: self.health.counters.events_stored,
            conflicts: self.health.counters.conflicts,
            open_conflicts: conflicts::count_open(&self.pool).await?,
            feed_gaps: feed_gaps::open_count(&self.pool).await?,
            unendorsed_keys: self.feed.unendorsed_keys.len() as u64,
            platform_claims: platform_claims::count(&self.pool).await?,
            paired: self.device.paired,
        })
    }
}
