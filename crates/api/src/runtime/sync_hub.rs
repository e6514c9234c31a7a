//! The syncer of the unlocked wallet, kept running for the app's lifetime ([`SyncHub`]), and
//! the status it publishes ([`SyncStatusView`]: the status bar, Settings and
//! `consentry status` all read it).

use std::sync::{Arc, Mutex as StdMutex};

use chrono::{DateTime, Utc};
use consentry_sync::{EnrollRequest, EnrollmentSummary, SyncConfig, SyncError, SyncStatus, Syncer};
use serde::Serialize;
use sqlx::SqlitePool;
use tokio::sync::{watch, Mutex};
use ts_rs::TS;

use crate::{ApiError, ErrorCode};

/// The platform this wallet talks to, without any secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlatformView {
    pub url: String,
    pub cardholder_id: String,
    pub device_name: String,
    pub enrolled_at: DateTime<Utc>,
    /// Whether this wallet can show the credentials that add another device.
    pub can_add_devices: bool,
}

impl From<EnrollmentSummary> for PlatformView {
    fn from(summary: EnrollmentSummary) -> Self {
        Self {
            url: summary.platform_url,
            cardholder_id: summary.cardholder_id,
            device_name: summary.device_name,
            enrolled_at: summary.enrolled_at,
            can_add_devices: summary.can_add_devices,
        }
    }
}

/// Why the last sync failed: a stable code (`unreachable`, `timeout`, `rate_limited`, …) and
/// a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncProblem {
    pub code: String,
    pub message: String,
}

/// What the status bar, Settings and `consentry status` show about sync. Also pushed as the
/// `sync_status` event whenever it changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatusView {
    /// `false` while the wallet is locked (nothing syncs then).
    pub active: bool,
    pub enrolled: bool,
    pub syncing: bool,
    pub last_success_at: Option<DateTime<Utc>>,
    /// Consent changes recorded here and not yet acknowledged by the platform.
    pub pending_changes: u64,
    pub last_error: Option<SyncProblem>,
    pub next_retry_at: Option<DateTime<Utc>>,
    /// Deliveries set aside (bad signature, malformed, unknown type).
    pub quarantined: u64,
    /// Stored events that broke consent.
    pub violations: u64,
    /// Events stored since the wallet was unlocked: a change means new activity.
    pub events_received: u64,
    /// Conflicts with another device settled since the wallet was unlocked.
    pub conflicts: u64,
    /// This device's changes that another device's change beat, listed until dismissed.
    pub open_conflicts: u64,
    /// Stretches of the feed skipped because the platform served them unreadably; retried.
    pub feed_gaps: u64,
    /// Signing keys the platform lists that no key this wallet trusts endorsed (refused).
    pub unendorsed_keys: u64,
    /// Grant states the platform reported that no device of the cardholder signed.
    pub platform_claims: u64,
    /// This device is in the cardholder's device chain; `false` while it waits for pairing.
    pub paired: bool,
    pub platform: Option<PlatformView>,
}

impl SyncStatusView {
    /// The status while no syncer runs (wallet locked or not created).
    pub fn inactive() -> Self {
        Self::from_status(&SyncStatus::default(), None, false)
    }

    fn from_status(status: &SyncStatus, platform: Option<PlatformView>, active: bool) -> Self {
        Self {
            active,
            enrolled: status.enrolled,
            syncing: status.syncing,
            last_success_at: status.last_success_at,
            pending_changes: status.pending_outbox,
            last_error: status.last_error.as_ref().map(|e| SyncProblem {
                code: e.code.as_str().to_owned(),
                message: e.message.clone(),
            }),
            next_retry_at: status.next_retry_at,
            quarantined: status.quarantined,
            violations: status.violations,
            events_received: status.events_received,
            conflicts: status.conflicts,
            open_conflicts: status.open_conflicts,
            feed_gaps: status.feed_gaps,
            unendorsed_keys: status.unendorsed_keys,
            platform_claims: status.platform_claims,
            paired: status.paired,
            platform,
        }
    }
}

/// The running syncer of the unlocked wallet and the tasks that serve it.
struct Running {
    syncer: Syncer,
    /// Dropping it ends the background loop and the status forwarder.
    _stop: watch::Sender<()>,
}

/// Owns the syncer of the unlocked wallet and republishes its status, so that the shell can
/// subscribe once at start-up, whatever happens to wallets later.
pub(crate) struct SyncHub {
    config: SyncConfig,
    background: bool,
    default_platform: Option<String>,
    /// The default platform is the embedded demo: a wallet enrolled with it on an earlier
    /// port follows it to the new one.
    demo: bool,
    device_name: String,
    running: Mutex<Option<Running>>,
    status: Arc<watch::Sender<SyncStatusView>>,
    /// The enrollment as the status shows it, kept here so that publishing a status never
    /// waits for a running pass.
    platform: Arc<StdMutex<Option<PlatformView>>>,
}

impl SyncHub {
    pub(crate) fn new(
        config: SyncConfig,
        background: bool,
        default_platform: Option<String>,
        demo: bool,
        device_name: String,
    ) -> Self {
        let (status, _) = watch::channel(SyncStatusView::inactive());
        Self {
            config,
            background,
            default_platform,
            demo,
            device_name,
            running: Mutex::new(None),
            status: Arc::new(status),
            platform: Arc::new(StdMutex::new(None)),
        }
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<SyncStatusView> {
        self.status.subscribe()
    }

    /// The status as last published.
    pub(crate) fn current(&self) -> SyncStatusView {
        self.status.borrow().clone()
    }

    /// Starts syncing the wallet behind `pool` (a no-op when it already runs). With a default
    /// platform configured, a wallet that is not enrolled yet enrolls as a new cardholder.
    pub(crate) async fn start(&self, pool: SqlitePool, device_id: String) -> Result<(), ApiError> {
        let mut running = self.running.lock().await;
        if running.is_some() {
            return Ok(());
        }
        // The platform hears the wallet's language from the first request on.
        if let Ok(Some(code)) =
            consentry_store::settings::get(&pool, crate::runtime::LOCALE_KEY).await
        {
            self.prefer_language(&code);
        }
        let mut config = self.config.clone();
        config.local_device_id = device_id;
        let syncer = Syncer::new(pool, config).await?;
        if self.demo {
            if let Some(url) = &self.default_platform {
                follow_demo_platform(&syncer, url).await?;
            }
        }
        self.remember_enrollment(&syncer).await;
        let (stop, stopped) = watch::channel(());

        let mut updates = syncer.subscribe();
        let sender = Arc::clone(&self.status);
        let platform = Arc::clone(&self.platform);
        let mut until_stopped = stopped.clone();
        publish(&sender, &platform, &updates.borrow_and_update());
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    changed = updates.changed() => {
                        if changed.is_err() {
                            break;
                        }
                        let status = updates.borrow_and_update().clone();
                        publish(&sender, &platform, &status);
                    }
                    _ = until_stopped.changed() => break,
                }
            }
            sender.send_replace(SyncStatusView::inactive());
        });

        if self.background {
            let worker = syncer.clone();
            let default_platform = self.default_platform.clone();
            let device_name = self.device_name.clone();
            let platform = Arc::clone(&self.platform);
            let mut until_stopped = stopped;
            tokio::spawn(async move {
                if let Some(url) = default_platform {
                    match enroll_if_needed(&worker, &url, &device_name).await {
                        Ok(()) => remember(&platform, &worker).await,
                        Err(e) => {
                            tracing::warn!(error = %e, "could not connect to the platform yet")
                        }
                    }
                }
                if worker.enrollment().await.is_some() {
                    if let Err(e) = worker.refresh_directory(Utc::now()).await {
                        tracing::warn!(error = %e, "could not refresh the app directory");
                    }
                }
                worker
                    .run(async move {
                        let _ = until_stopped.changed().await;
                    })
                    .await;
            });
        }
        *running = Some(Running {
            syncer,
            _stop: stop,
        });
        Ok(())
    }

    /// Stops syncing (the wallet is locking).
    pub(crate) async fn stop(&self) {
        self.running.lock().await.take();
        *lock(&self.platform) = None;
    }

    /// Refreshes the enrollment the status shows (after enrolling).
    pub(crate) async fn remember_enrollment(&self, syncer: &Syncer) {
        remember(&self.platform, syncer).await;
        publish(&self.status, &self.platform, &syncer.status());
    }

    /// Asks the platform for texts in `code` (`fr`, then English) on every request of this
    /// wallet's clients from now on, the running syncer's included.
    pub(crate) fn prefer_language(&self, code: &str) {
        self.config.client.languages.prefer(code);
    }

    /// The syncer of the unlocked wallet.
    pub(crate) async fn syncer(&self) -> Result<Syncer, ApiError> {
        self.running
            .lock()
            .await
            .as_ref()
            .map(|r| r.syncer.clone())
            .ok_or_else(|| ApiError::new(ErrorCode::WalletLocked, "the wallet is locked"))
    }

    /// Publishes `status` (after a pass run on demand).
    /// The name this device shows in the cardholder's device list.
    pub(crate) fn device_name(&self) -> &str {
        &self.device_name
    }

    pub(crate) fn publish_status(&self, status: &SyncStatus) {
        publish(&self.status, &self.platform, status);
    }

    /// Asks the background loop to send pending changes now.
    pub(crate) async fn wake(&self) {
        if let Some(running) = self.running.lock().await.as_ref() {
            running.syncer.wake();
        }
    }

    /// The syncer, enrolled with the default platform first when it is not enrolled yet.
    pub(crate) async fn enrolled_syncer(&self) -> Result<Syncer, ApiError> {
        let syncer = self.syncer().await?;
        // Enrolled already: the platform's client is at hand without waiting for a running
        // sync pass (linking a card does not queue behind a slow feed).
        if syncer.client().await.is_ok() {
            return Ok(syncer);
        }
        if let Some(url) = &self.default_platform {
            enroll_if_needed(&syncer, url, &self.device_name).await?;
            self.remember_enrollment(&syncer).await;
        }
        Ok(syncer)
    }
}

/// Re-points a wallet enrolled with the embedded demo platform at its current address.
async fn follow_demo_platform(syncer: &Syncer, url: &str) -> Result<(), SyncError> {
    let Some(enrollment) = syncer.enrollment().await else {
        return Ok(());
    };
    let current = consentry_sync::parse_platform_url(url)?;
    let enrolled = consentry_sync::parse_platform_url(&enrollment.platform_url)?;
    let both_local = [&current, &enrolled]
        .iter()
        .all(|u| u.scheme() == "http" && u.host_str() == Some("127.0.0.1"));
    if both_local && current != enrolled {
        syncer.move_platform(url, Utc::now()).await?;
        tracing::info!(platform = %current, "the demo platform moved; following it");
    }
    Ok(())
}

async fn enroll_if_needed(syncer: &Syncer, url: &str, device_name: &str) -> Result<(), SyncError> {
    if syncer.enrollment().await.is_some() {
        return Ok(());
    }
    let request = EnrollRequest {
        platform_url: url.to_owned(),
        device_name: device_name.to_owned(),
        existing: None,
    };
    let enrollment = syncer.enroll(&request, Utc::now()).await?;
    tracing::info!(platform = %enrollment.platform_url, "connected to the platform");
    Ok(())
}

fn lock<T>(mutex: &StdMutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn remember(platform: &StdMutex<Option<PlatformView>>, syncer: &Syncer) {
    let view = syncer
        .enrollment()
        .await
        .map(|e| PlatformView::from(e.summary()));
    *lock(platform) = view;
}

fn publish(
    sender: &watch::Sender<SyncStatusView>,
    platform: &StdMutex<Option<PlatformView>>,
    status: &SyncStatus,
) {
    let view = SyncStatusView::from_status(status, lock(platform).clone(), true);
    sender.send_if_modified(|current| {
        let changed = *current != view;
        *current = view;
        changed
    });
}

/// The name this device shows in the cardholder's device list.
pub fn default_device_name() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty() && h.chars().count() <= 60);
    match host {
        Some(host) => format!("Consentry on {host}"),
        None => "Consentry desktop".to_owned(),
    }
}
