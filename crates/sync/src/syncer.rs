//! [`Syncer`]: the one handle the app holds per unlocked wallet. It serialises passes (one at
//! a time), publishes the [`SyncStatus`] on a watch channel, and runs the background loop.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use tokio::sync::{watch, Mutex, MutexGuard, Notify};

use crate::client::PlatformClient;
use crate::config::SyncConfig;
use crate::engine::{ClientSlot, Engine};
use crate::enrollment::{self, EnrollRequest, Enrollment};
use crate::error::{SyncError, SyncErrorCode};
use crate::state::PairingCode;
use crate::status::{SyncCounters, SyncReport, SyncStatus};
use crate::sync_state::{self, LAST_SUCCESS};

/// Which steps a pass runs.
#[derive(Debug, Clone, Copy)]
struct Steps {
    drain: bool,
    feed: bool,
    /// `None`: when due (`reconcile_every`); `Some(b)`: always / never.
    reconcile: Option<bool>,
}

struct Inner {
    engine: Mutex<Engine>,
    /// The engine's platform client, read without waiting for the engine.
    client: ClientSlot,
    status: watch::Sender<SyncStatus>,
    wake: Notify,
}

/// Syncs one wallet with its platform. Cheap to clone; every clone drives the same engine.
#[derive(Clone)]
pub struct Syncer {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Syncer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Syncer").finish_non_exhaustive()
    }
}

fn is_unreachable(e: &SyncError) -> bool {
    matches!(e, SyncError::Unreachable(_) | SyncError::Timeout)
}

impl Syncer {
    /// A syncer for the wallet behind `pool` (its enrollment and sync state are read from it).
    pub async fn new(pool: SqlitePool, config: SyncConfig) -> Result<Syncer, SyncError> {
        let engine = Engine::load(pool, config).await?;
        let status = engine.status(false).await?;
        let (sender, _) = watch::channel(status);
        let client = engine.client.clone();
        Ok(Syncer {
            inner: Arc::new(Inner {
                client,
                engine: Mutex::new(engine),
                status: sender,
                wake: Notify::new(),
            }),
        })
    }

    /// The status now.
    pub fn status(&self) -> SyncStatus {
        self.inner.status.borrow().clone()
    }

    /// Every new status (turn it into a Tauri event).
    pub fn subscribe(&self) -> watch::Receiver<SyncStatus> {
        self.inner.status.subscribe()
    }

    /// Asks the background loop for a pass now (call it after recording a consent change).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Enrolls this wallet with a platform (a new cardholder, or one more device of an
    /// existing one) and syncs with it from then on.
    pub async fn enroll(
        &self,
        request: &EnrollRequest,
        now: DateTime<Utc>,
    ) -> Result<Enrollment, SyncError> {
        let mut engine = self.inner.engine.lock().await;
        let client_config = engine.config.client.clone();
        let before = engine.enrollment.as_ref().map(|e| e.cardholder_id.clone());
        let enrollment = enrollment::enroll(&engine.pool, request, client_config, now).await?;
        if before.is_some_and(|id| id != enrollment.cardholder_id) {
            // Another cardholder's devices: theirs are listed at the next pass.
            consentry_store::devices::forget_all(&engine.pool).await?;
        }
        engine.reload().await?;
        // The first device of a cardholder roots its device chain at once; a later one waits
        // for a pairing code (`pair_with_code`).
        match engine.ensure_in_chain(now).await {
            Ok(()) | Err(SyncError::NotPaired) => {}
            Err(e) => tracing::warn!(error = %e, "the device chain could not be read yet"),
        }
        engine.health.forget_failures();
        self.publish(&engine, false).await;
        drop(engine);
        self.wake();
        Ok(enrollment)
    }

    /// Keeps this wallet's enrollment but reaches its platform at `platform_url` from now on
    /// (the embedded demo platform came back on another port). `false` when not enrolled.
    pub async fn move_platform(
        &self,
        platform_url: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, SyncError> {
        let mut engine = self.inner.engine.lock().await;
        let moved = enrollment::move_platform(&engine.pool, platform_url, now).await?;
        if moved {
            engine.reload().await?;
        }
        Ok(moved)
    }

    /// A pairing code another device of this cardholder can join with (valid
    /// [`crate::PAIRING_CODE_LIFETIME`], once). This device must be in the chain.
    pub async fn start_pairing(&self, now: DateTime<Utc>) -> Result<PairingCode, SyncError> {
        let mut engine = self.inner.engine.lock().await;
        engine.ensure_paired(now).await?;
        let code = engine.start_pairing(now);
        drop(engine);
        self.wake();
        Ok(code)
    }

    /// Joins the cardholder's device chain with a code one of its devices shows: posts this
    /// device's key with a proof of the code. `true` once a device of the chain vouched for
    /// it (the next passes check again until then).
    pub async fn pair_with_code(&self, code: &str, now: DateTime<Utc>) -> Result<bool, SyncError> {
        let code = code.trim();
        if code.chars().filter(char::is_ascii_alphanumeric).count() < 8 {
            return Err(SyncError::invalid(
                "pairing code",
                "the code has ten letters",
            ));
        }
        let mut engine = self.inner.engine.lock().await;
        engine.set_join_code(code, now).await?;
        let paired = match engine.ensure_in_chain(now).await {
            Ok(()) => true,
            Err(SyncError::NotPaired) => false,
            Err(e) => return Err(e),
        };
        self.publish(&engine, false).await;
        drop(engine);
        self.wake();
        Ok(paired)
    }

    /// The stored enrollment, if any.
    pub async fn enrollment(&self) -> Option<Enrollment> {
        self.inner.engine.lock().await.enrollment.clone()
    }

    /// A client of the enrolled platform, authenticated as this device (cards, apps, …).
    pub async fn client(&self) -> Result<PlatformClient, SyncError> {
        self.inner.client.get()
    }

    /// Totals since the syncer started.
    pub async fn counters(&self) -> SyncCounters {
        self.inner.engine.lock().await.health.counters
    }

    /// A full pass: send pending consent changes, pull the feed, reconcile grants.
    pub async fn sync_once(&self, now: DateTime<Utc>) -> Result<SyncReport, SyncError> {
        self.pass(
            now,
            Steps {
                drain: true,
                feed: true,
                reconcile: Some(true),
            },
        )
        .await
    }

    /// Only sends pending consent changes.
    pub async fn drain_outbox(&self, now: DateTime<Utc>) -> Result<SyncReport, SyncError> {
        self.pass(
            now,
            Steps {
                drain: true,
                feed: false,
                reconcile: Some(false),
            },
        )
        .await
    }

    /// Only pulls the event feed.
    pub async fn pull_events(&self, now: DateTime<Utc>) -> Result<SyncReport, SyncError> {
        self.pass(
            now,
            Steps {
                drain: false,
                feed: true,
                reconcile: Some(false),
            },
        )
        .await
    }

    /// Only reconciles grants with `GET /v1/grants`.
    pub async fn reconcile(&self, now: DateTime<Utc>) -> Result<SyncReport, SyncError> {
        self.pass(
            now,
            Steps {
                drain: false,
                feed: false,
                reconcile: Some(true),
            },
        )
        .await
    }

    /// Caches the platform's app directory in the wallet; returns how many apps it lists.
    pub async fn refresh_directory(&self, now: DateTime<Utc>) -> Result<usize, SyncError> {
        self.inner.engine.lock().await.refresh_directory(now).await
    }

    async fn pass(&self, now: DateTime<Utc>, steps: Steps) -> Result<SyncReport, SyncError> {
        let mut engine = self.inner.engine.lock().await;
        self.publish(&engine, true).await;
        let before = engine.health.counters;
        engine.feed.keys_refreshed = false;
        let mut result = run_steps(&mut engine, steps, now).await;
        if result.is_ok() {
            result = sync_state::write(&engine.pool, LAST_SUCCESS, &now, now).await;
        }
        engine.note_outcome(result.as_ref().map(|_| ()), now);
        self.publish(&engine, false).await;
        result?;
        Ok(SyncReport {
            counters: engine.health.counters.since(&before),
            pending_outbox: self.inner.status.borrow().pending_outbox,
        })
    }

    async fn publish(&self, engine: &MutexGuard<'_, Engine>, syncing: bool) {
        match engine.status(syncing).await {
            Ok(status) => {
                self.inner.status.send_if_modified(|current| {
                    let changed = *current != status;
                    *current = status;
                    changed
                });
            }
            Err(e) => tracing::warn!(error = %e, "could not read the sync status"),
        }
    }

    /// The background loop: a pass, then a long-poll of the feed (woken early by
    /// [`Syncer::wake`], a change's retry time, or new events), again and again until
    /// `shutdown` completes or the wallet locks. Errors back off; none ends the loop.
    pub async fn run(&self, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let result = self
                .pass(
                    Utc::now(),
                    Steps {
                        drain: true,
                        feed: true,
                        reconcile: None,
                    },
                )
                .await;
            let wait = match &result {
                Err(SyncError::Store(consentry_store::StoreError::Locked)) => return,
                // Nothing to do until someone enrolls the wallet again (and wakes us).
                Err(SyncError::NotEnrolled | SyncError::Unauthorized) => None,
                Err(e) if e.is_retryable() => Some(
                    self.status()
                        .next_retry_at
                        .unwrap_or_else(|| Utc::now() + chrono::Duration::seconds(5)),
                ),
                Err(_) => Some(Utc::now() + chrono::Duration::minutes(5)),
                Ok(_) => {
                    if self.long_poll(&mut shutdown).await {
                        return;
                    }
                    continue;
                }
            };
            let sleep = match wait {
                Some(at) => (at - Utc::now()).to_std().unwrap_or(Duration::ZERO),
                None => Duration::from_secs(24 * 3600),
            };
            tokio::select! {
                () = &mut shutdown => return,
                () = self.inner.wake.notified() => {}
                () = tokio::time::sleep(sleep) => {}
            }
        }
    }

    /// One long-poll. Returns `true` when it is time to stop.
    async fn long_poll(
        &self,
        shutdown: &mut std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
    ) -> bool {
        let (client, cursor, page_size, wait, retry_at) = {
            let engine = self.inner.engine.lock().await;
            let Ok(client) = engine.client() else {
                return false;
            };
            let Ok(cursor) = sync_state::cursor(&engine.pool).await else {
                return false;
            };
            (
                client,
                cursor,
                engine.config.page_size,
                engine.config.long_poll,
                self.status().next_retry_at,
            )
        };
        let started_at = Utc::now();
        let until_retry = retry_at
            .map(|at| (at - Utc::now()).to_std().unwrap_or(Duration::ZERO))
            .unwrap_or(wait + Duration::from_secs(60));
        tokio::select! {
            () = shutdown.as_mut() => true,
            () = self.inner.wake.notified() => false,
            () = tokio::time::sleep(until_retry) => false,
            page = client.events(cursor, page_size, wait) => {
                let mut engine = self.inner.engine.lock().await;
                let now = Utc::now();
                let result = match page {
                    Ok(page) if page.items.is_empty() && page.unreadable.is_empty() => {
                        engine.finish_read(started_at, cursor).await
                    }
                    Ok(page) => match sync_state::cursor(&engine.pool).await {
                        // Someone else read on meanwhile: the next pass reads from there.
                        Ok(current) if current != cursor => Ok(()),
                        Ok(_) => engine.long_polled(page, cursor, started_at, now).await,
                        Err(e) => Err(e),
                    },
                    // A page it cannot read: a whole pass retries it in smaller pieces.
                    Err(e) if e.code() == SyncErrorCode::BadResponse => {
                        engine.pull_feed(now).await.map(|_| ())
                    }
                    Err(e) => Err(e),
                };
                // What the page stored shows at once, not after the pass that follows.
                if result.is_ok() {
                    self.publish(&engine, false).await;
                }
                if let Err(e) = &result {
                    engine.note_outcome(Err(e), now);
                    self.publish(&engine, false).await;
                    let sleep = engine
                        .health.next_retry_at
                        .map(|at| (at - now).to_std().unwrap_or(Duration::ZERO))
                        .unwrap_or(Duration::from_secs(5));
                    drop(engine);
                    tokio::select! {
                        () = shutdown.as_mut() => return true,
                        () = self.inner.wake.notified() => {}
                        () = tokio::time::sleep(sleep) => {}
                    }
                }
                false
            }
        }
    }
}

async fn run_steps(engine: &mut Engine, steps: Steps, now: DateTime<Utc>) -> Result<(), SyncError> {
    let mut first_error = None;
    // Changes are signed by this device and the platform takes them only from a device of
    // the cardholder's chain: not paired yet, the feed still flows and changes wait.
    let paired = match engine.ensure_paired(now).await {
        Ok(()) => true,
        Err(e) if !e.is_retryable() && !matches!(e, SyncError::NotPaired) => return Err(e),
        Err(e) if is_unreachable(&e) => return Err(e),
        Err(e) => {
            first_error = Some(e);
            false
        }
    };
    if paired {
        engine.accept_pairings(now).await?;
        engine.sign_existing_grants(now).await?;
    }
    if steps.drain && paired {
        if let Err(e) = engine.drain(now).await {
            if !e.is_retryable() || is_unreachable(&e) {
                return Err(e);
            }
            first_error = Some(e);
        }
    }
    if steps.feed {
        if let Err(e) = engine.pull_feed(now).await {
            if !e.is_retryable() || is_unreachable(&e) {
                return Err(e);
            }
            first_error.get_or_insert(e);
        }
    }
    let reconcile = steps.reconcile.unwrap_or_else(|| {
        engine.health.last_reconcile_at.is_none_or(|at| {
            (now - at).to_std().unwrap_or(Duration::ZERO) >= engine.config.reconcile_every
        })
    });
    if reconcile {
        if let Err(e) = engine.reconcile(now).await {
            first_error.get_or_insert(e);
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}
