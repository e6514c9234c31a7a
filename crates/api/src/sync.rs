//! Sync commands: connect this wallet to a platform, sync now, and the status the status bar
//! shows. The [`SyncHub`] inside the [`Context`] owns one `consentry_sync::Syncer` per
//! unlocked wallet: started on unlock or create, stopped on lock.

use std::sync::{Arc, Mutex as StdMutex};

use chrono::{DateTime, Utc};
use consentry_sync::{
    CardholderCredentials, CardholderSecret, EnrollRequest, EnrollmentSummary, SyncConfig,
    SyncError, SyncErrorCode, SyncStatus, Syncer,
};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use tokio::sync::{watch, Mutex};
use ts_rs::TS;

use crate::{ApiError, Context, ErrorCode};

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
            feed_gaps: status.feed_gaps,
            unendorsed_keys: status.unendorsed_keys,
            platform_claims: status.platform_claims,
            paired: status.paired,
            platform,
        }
    }
}

impl From<SyncError> for ApiError {
    fn from(error: SyncError) -> Self {
        let code = match error.code() {
            SyncErrorCode::NotEnrolled => ErrorCode::NotEnrolled,
            SyncErrorCode::InvalidInput => ErrorCode::InvalidInput,
            SyncErrorCode::Unreachable
            | SyncErrorCode::Timeout
            | SyncErrorCode::PlatformUnavailable
            | SyncErrorCode::RateLimited => ErrorCode::PlatformUnavailable,
            SyncErrorCode::Unauthorized
            | SyncErrorCode::InvalidCredentials
            | SyncErrorCode::NotPaired => ErrorCode::PlatformUnauthorized,
            SyncErrorCode::Rejected
            | SyncErrorCode::BadResponse
            | SyncErrorCode::ClockSkew
            | SyncErrorCode::Signing => ErrorCode::PlatformRejected,
            SyncErrorCode::Wallet => {
                if let SyncError::Store(store) = error {
                    return ApiError::from(store);
                }
                ErrorCode::Internal
            }
            SyncErrorCode::Internal => ErrorCode::Internal,
        };
        if code == ErrorCode::Internal {
            tracing::error!(error = %error, "sync error");
        }
        ApiError::new(code, error.to_string())
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
    async fn remember_enrollment(&self, syncer: &Syncer) {
        remember(&self.platform, syncer).await;
        publish(&self.status, &self.platform, &syncer.status());
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

    /// Asks the background loop to send pending changes now.
    pub(crate) async fn wake(&self) {
        if let Some(running) = self.running.lock().await.as_ref() {
            running.syncer.wake();
        }
    }

    /// The syncer, enrolled with the default platform first when it is not enrolled yet.
    pub(crate) async fn enrolled_syncer(&self) -> Result<Syncer, ApiError> {
        let syncer = self.syncer().await?;
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

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SyncStatusRequest {}

pub async fn sync_status(
    ctx: &Context,
    _request: SyncStatusRequest,
) -> Result<SyncStatusView, ApiError> {
    Ok(ctx.sync().current())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct SyncNowRequest {}

/// Sends pending consent changes, pulls new events and reconciles grants, now: changes
/// waiting for a retry are due at once, unless the platform itself asked us to slow down.
pub async fn sync_now(ctx: &Context, _request: SyncNowRequest) -> Result<SyncStatusView, ApiError> {
    let pool = ctx.pool().await?;
    let syncer = ctx.sync().enrolled_syncer().await?;
    let now = Utc::now();
    let rate_limited = syncer
        .status()
        .last_error
        .is_some_and(|e| e.code == SyncErrorCode::RateLimited);
    if !rate_limited {
        consentry_store::outbox::retry_now(&pool, now).await?;
    }
    let result = syncer.sync_once(now).await;
    publish(&ctx.sync().status, &ctx.sync().platform, &syncer.status());
    result?;
    Ok(ctx.sync().current())
}

/// Connect this wallet to a platform: as a new cardholder, or as one more device of an
/// existing one (both credential fields, from the other device's Settings).
#[derive(Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PlatformEnrollRequest {
    pub platform_url: String,
    pub device_name: Option<String>,
    pub cardholder_id: Option<String>,
    pub cardholder_secret: Option<String>,
    /// Joining an existing cardholder: the pairing code one of its devices shows. Without
    /// it the device reads but cannot change consent until it is paired.
    #[serde(default)]
    pub pairing_code: Option<String>,
}

impl std::fmt::Debug for PlatformEnrollRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformEnrollRequest")
            .field("platform_url", &self.platform_url)
            .field("device_name", &self.device_name)
            .field("cardholder_id", &self.cardholder_id)
            .field(
                "cardholder_secret",
                &self.cardholder_secret.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "pairing_code",
                &self.pairing_code.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// A platform other than the one the app was started with (`--platform-url`, or the demo)
/// is used only after the person said yes in a native dialog naming it: a page could
/// otherwise point the wallet at its own server before linking a card.
async fn confirm_platform(ctx: &Context, url: &str) -> Result<(), ApiError> {
    let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    if ctx
        .platform_url()
        .is_some_and(|configured| same(configured, url))
    {
        return Ok(());
    }
    let question = crate::native::texts::platform(ctx.dialog_locale().await, url);
    if ctx.native().confirm(question).await {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::Cancelled,
            "the platform was not changed: it was not confirmed",
        ))
    }
}

pub async fn platform_enroll(
    ctx: &Context,
    request: PlatformEnrollRequest,
) -> Result<SyncStatusView, ApiError> {
    ctx.pool().await?;
    let existing =
        match (request.cardholder_id, request.cardholder_secret) {
            (None, None) => None,
            (Some(id), Some(secret)) if !id.trim().is_empty() && !secret.trim().is_empty() => {
                Some(CardholderCredentials {
                    cardholder_id: id.trim().to_owned(),
                    secret: CardholderSecret::new(secret.trim().to_owned()),
                })
            }
            _ => return Err(ApiError::invalid_input(
                "to add this device to an existing cardholder, give both the cardholder id and \
                 its secret",
            )),
        };
    let device_name = request
        .device_name
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| ctx.sync().device_name.clone());
    let platform_url = request.platform_url.trim().to_owned();
    confirm_platform(ctx, &platform_url).await?;
    let syncer = ctx.sync().syncer().await?;
    let enroll = EnrollRequest {
        platform_url,
        device_name,
        existing,
    };
    let joining = enroll.existing.is_some();
    syncer.enroll(&enroll, Utc::now()).await?;
    if let Some(code) = request
        .pairing_code
        .filter(|c| joining && !c.trim().is_empty())
    {
        syncer.pair_with_code(&code, Utc::now()).await?;
    }
    ctx.sync().remember_enrollment(&syncer).await;
    Ok(ctx.sync().current())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct DevicePairingStartRequest {}

/// A code another device types to join this cardholder; shown once, good for a few minutes.
#[derive(Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DevicePairingCode {
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for DevicePairingCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevicePairingCode")
            .field("code", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Starts pairing another device: this device shows the code and, once the other device
/// typed it, vouches for that device's key in the cardholder's device chain.
pub async fn device_pairing_start(
    ctx: &Context,
    _request: DevicePairingStartRequest,
) -> Result<DevicePairingCode, ApiError> {
    ctx.pool().await?;
    let syncer = ctx.sync().enrolled_syncer().await?;
    let code = syncer.start_pairing(Utc::now()).await?;
    Ok(DevicePairingCode {
        code: code.code,
        expires_at: code.expires_at,
    })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct PlatformCredentialsRequest {}

/// What another device of this cardholder needs to connect: shown on request, like the
/// recovery key; never logged.
#[derive(Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PlatformCredentials {
    pub platform_url: String,
    pub cardholder_id: String,
    pub cardholder_secret: String,
}

impl std::fmt::Debug for PlatformCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlatformCredentials")
            .field("platform_url", &self.platform_url)
            .field("cardholder_id", &self.cardholder_id)
            .field("cardholder_secret", &"<redacted>")
            .finish()
    }
}

pub async fn platform_credentials(
    ctx: &Context,
    _request: PlatformCredentialsRequest,
) -> Result<PlatformCredentials, ApiError> {
    ctx.pool().await?;
    let syncer = ctx.sync().syncer().await?;
    let enrollment = syncer
        .enrollment()
        .await
        .ok_or_else(|| ApiError::new(ErrorCode::NotEnrolled, SyncError::NotEnrolled.to_string()))?;
    let credentials = enrollment.credentials().ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            "this device was added without the cardholder secret; show it on the first device",
        )
    })?;
    let question = crate::native::texts::reveal_credentials(ctx.dialog_locale().await);
    if !ctx.native().confirm(question).await {
        return Err(ApiError::new(
            ErrorCode::Cancelled,
            "the cardholder secret was not shown: it was not confirmed",
        ));
    }
    Ok(PlatformCredentials {
        platform_url: enrollment.platform_url.clone(),
        cardholder_id: credentials.cardholder_id,
        cardholder_secret: credentials.secret.expose_secret().to_owned(),
    })
}

/// The wallet's consent proof: its device chain and every signed change it holds, for an
/// app or a regulator to verify offline (`consentry export-consent`).
pub async fn consent_proof(ctx: &Context) -> Result<consentry_domain::ConsentProof, ApiError> {
    let pool = ctx.pool().await?;
    Ok(consentry_sync::consent_proof(&pool).await?)
}
