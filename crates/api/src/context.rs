//! The one context built at start-up and shared by every command.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use consentry_store::{KdfParams, KeyStore, KeyringStore, Wallet, WalletPaths};
use consentry_sync::SyncConfig;
use sqlx::SqlitePool;
use tokio::sync::{watch, RwLock};

use crate::runtime::sync_hub::{default_device_name, SyncHub, SyncStatusView};
use crate::ApiError;

/// What the shell or the CLI resolved at start-up.
#[derive(Clone)]
pub struct ContextOptions {
    pub data_dir: PathBuf,
    pub platform_url: Option<String>,
    /// The version of the binary that hosts this context (the app's or the CLI's).
    pub version: String,
    /// Where wallet keys are kept; `None` means the OS keyring.
    pub keystore: Option<Arc<dyn KeyStore>>,
    /// Argon2id cost for new passphrases (tests lower it).
    pub kdf: KdfParams,
    /// How the syncer behaves (tests shorten the long-poll and the backoff).
    pub sync: SyncConfig,
    /// Sync in the background while the wallet is unlocked (the app); the CLI syncs on demand.
    pub background_sync: bool,
    /// The name this device shows in the cardholder's device list.
    pub device_name: String,
    /// `platform_url` is the embedded demo platform.
    pub demo_platform: bool,
    /// The operator token of the embedded demo platform, for its demo controls (an app
    /// publishing new terms); `None` for any other platform.
    pub demo_operator: Option<consentry_sync::OperatorToken>,
    /// How long one minute of the auto-lock setting lasts (a minute; end-to-end tests
    /// shorten it to watch a "1 minute" auto-lock fire).
    pub auto_lock_minute: std::time::Duration,
    /// The person's own answers (save dialogs, confirmations); [`crate::native::NoNative`]
    /// declines everything.
    pub native: Arc<dyn crate::native::Native>,
    /// The desktop's tray, login entry and updater; [`crate::shell::NoDesktop`] has none.
    pub desktop: Arc<dyn crate::shell::Desktop>,
}

impl ContextOptions {
    /// Options for `data_dir` with the OS keyring and production KDF cost.
    pub fn new(data_dir: PathBuf, version: impl Into<String>) -> Self {
        Self {
            data_dir,
            platform_url: None,
            version: version.into(),
            keystore: None,
            kdf: KdfParams::default(),
            sync: SyncConfig::default(),
            background_sync: false,
            device_name: default_device_name(),
            demo_platform: false,
            demo_operator: None,
            native: Arc::new(crate::native::NoNative),
            desktop: Arc::new(crate::shell::NoDesktop),
            auto_lock_minute: std::time::Duration::from_secs(60),
        }
    }
}

impl std::fmt::Debug for ContextOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContextOptions")
            .field("data_dir", &self.data_dir)
            .field("platform_url", &self.platform_url)
            .field("version", &self.version)
            .field("background_sync", &self.background_sync)
            .field("device_name", &self.device_name)
            .finish_non_exhaustive()
    }
}

/// Shared state for every command. The wallet sits behind an async RwLock: unlocking and
/// locking take it for writing; queries only clone its (already synchronised) pool.
pub struct Context {
    options: ContextOptions,
    keystore: Arc<dyn KeyStore>,
    wallet: RwLock<Wallet>,
    sync: SyncHub,
    unread: crate::runtime::unread::UnreadHub,
    exports: crate::runtime::exports::ExportHub,
    /// Counts the locks (by the cardholder or the idle timer) for whoever must forget with it.
    locks: watch::Sender<u64>,
    /// A new recovery key shown but not yet typed back (`wallet_recovery_key_new`); dropped
    /// (and zeroized) on lock.
    pending_recovery_key: std::sync::Mutex<Option<consentry_store::RecoveryKey>>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Context {
    pub fn new(options: ContextOptions) -> Self {
        let keystore = options
            .keystore
            .clone()
            .unwrap_or_else(|| Arc::new(KeyringStore::new()));
        let wallet = Wallet::new(WalletPaths::in_dir(&options.data_dir), None, Utc::now());
        let sync = SyncHub::new(
            options.sync.clone(),
            options.background_sync,
            options.platform_url.clone(),
            options.demo_platform,
            options.device_name.clone(),
        );
        Self {
            options,
            keystore,
            wallet: RwLock::new(wallet),
            sync,
            unread: Default::default(),
            exports: Default::default(),
            locks: watch::channel(0).0,
            pending_recovery_key: std::sync::Mutex::new(None),
        }
    }

    pub fn data_dir(&self) -> &Path {
        &self.options.data_dir
    }

    /// The embedded demo platform's operator token, when this app started one.
    pub(crate) fn demo_operator(&self) -> Option<&consentry_sync::OperatorToken> {
        self.options.demo_operator.as_ref()
    }

    /// The wallet talks to the embedded demo platform.
    pub fn is_demo(&self) -> bool {
        self.options.demo_platform
    }

    pub fn platform_url(&self) -> Option<&str> {
        self.options.platform_url.as_deref()
    }

    pub fn version(&self) -> &str {
        &self.options.version
    }

    /// `minutes` of the auto-lock setting as a duration (see `ContextOptions::auto_lock_minute`).
    pub(crate) fn auto_lock_minutes(&self, minutes: u32) -> chrono::Duration {
        chrono::Duration::from_std(self.options.auto_lock_minute * minutes)
            .unwrap_or(chrono::Duration::MAX)
    }

    /// A limit back in minutes of the auto-lock setting.
    pub(crate) fn minutes_of(&self, limit: chrono::Duration) -> Option<u32> {
        let minute = self.options.auto_lock_minute.as_millis().max(1);
        u32::try_from(limit.to_std().ok()?.as_millis() / minute).ok()
    }

    /// How often the shell should look whether the wallet sat idle past its limit.
    pub fn auto_lock_check_every(&self) -> std::time::Duration {
        (self.options.auto_lock_minute / 4).min(std::time::Duration::from_secs(15))
    }

    /// The dialogs only the person can answer.
    pub(crate) fn native(&self) -> &dyn crate::native::Native {
        self.options.native.as_ref()
    }

    pub(crate) fn desktop(&self) -> &dyn crate::shell::Desktop {
        self.options.desktop.as_ref()
    }

    /// The language of the backend's own texts (dialogs, notifications, the tray): the one
    /// the cardholder chose (the UI sets it with the notification preferences), English while
    /// locked.
    pub(crate) async fn lang(&self) -> crate::messages::Lang {
        let Some(pool) = self.pool_if_unlocked().await else {
            return crate::messages::Lang::En;
        };
        let code = consentry_store::settings::get(&pool, crate::runtime::LOCALE_KEY)
            .await
            .ok()
            .flatten();
        crate::messages::Lang::from_code(code.as_deref())
    }

    /// Asks the person, natively, whether to open `url` (a page the window tried to leave
    /// for) in the web browser. Only a yes opens it; the window itself never leaves the app.
    pub async fn ask_open_link(&self, url: &str) -> bool {
        let question = crate::native::texts::open_link(self.lang().await, url);
        self.native().confirm(question).await
    }

    pub(crate) fn keystore(&self) -> &dyn KeyStore {
        self.keystore.as_ref()
    }

    pub(crate) fn kdf(&self) -> KdfParams {
        self.options.kdf
    }

    pub(crate) fn wallet(&self) -> &RwLock<Wallet> {
        &self.wallet
    }

    /// Whether the wallet is connected to the embedded demo platform this app started (and
    /// not to another platform the person chose since): only then do the demo's rules and
    /// controls apply (the demo controls, and claims judged without a waiting period).
    pub(crate) async fn on_demo_platform(&self) -> bool {
        let (Some(_), Some(url)) = (self.demo_operator(), self.platform_url()) else {
            return false;
        };
        let Ok(syncer) = self.sync().syncer().await else {
            return false;
        };
        let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
        syncer
            .enrollment()
            .await
            .is_some_and(|e| same(&e.platform_url, url))
    }

    pub(crate) fn sync(&self) -> &SyncHub {
        &self.sync
    }

    /// Every new sync status (the shell turns them into `sync_status` events).
    pub fn subscribe_sync(&self) -> watch::Receiver<SyncStatusView> {
        self.sync.subscribe()
    }

    /// The unread count (events since Activity was last opened) each time it changes; `None`
    /// while the wallet is locked or before anyone asked. The shell shows it on the tray icon.
    pub fn subscribe_unread(&self) -> watch::Receiver<Option<u64>> {
        self.unread.subscribe()
    }

    pub(crate) fn unread(&self) -> &crate::runtime::unread::UnreadHub {
        &self.unread
    }

    /// Ticks after each lock. The shell drops the window's web process then (its memory held
    /// what the page showed and typed: the passphrase, the recovery key) and loads the page
    /// again in a new one.
    pub fn subscribe_locks(&self) -> watch::Receiver<u64> {
        self.locks.subscribe()
    }

    /// Tells the subscribers of [`Context::subscribe_locks`] that the wallet was just locked.
    pub(crate) fn announce_lock(&self) {
        self.set_pending_recovery_key(None);
        self.locks.send_modify(|n| *n += 1);
    }

    pub(crate) fn set_pending_recovery_key(&self, key: Option<consentry_store::RecoveryKey>) {
        *self
            .pending_recovery_key
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = key;
    }

    /// The pending new recovery key, taken out only when `typed` is the same key.
    pub(crate) fn take_pending_recovery_key_if(
        &self,
        typed: &consentry_store::RecoveryKey,
    ) -> Option<consentry_store::RecoveryKey> {
        let mut pending = self
            .pending_recovery_key
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if pending.as_ref().is_some_and(|p| p == typed) {
            pending.take()
        } else {
            None
        }
    }

    /// Progress of the running export (the shell turns it into `export_progress` events).
    pub fn subscribe_export_progress(
        &self,
    ) -> watch::Receiver<crate::runtime::exports::ExportProgress> {
        self.exports.subscribe()
    }

    pub(crate) fn exports(&self) -> &crate::runtime::exports::ExportHub {
        &self.exports
    }

    /// The pool if the wallet is unlocked.
    pub(crate) async fn pool_if_unlocked(&self) -> Option<SqlitePool> {
        self.pool().await.ok()
    }

    /// Starts syncing the wallet that was just unlocked or created.
    pub(crate) async fn start_sync(&self, pool: SqlitePool) -> Result<(), ApiError> {
        let device_id = crate::runtime::device::device_id(&pool, Utc::now()).await?;
        self.sync.start(pool, device_id).await
    }

    /// The unlocked wallet's connection pool (a cheap clone); `wallet_locked` when it is not
    /// open. Using it is not the person's activity: only `wallet_user_active` postpones the
    /// auto-lock.
    pub async fn pool(&self) -> Result<SqlitePool, ApiError> {
        Ok(self.wallet.read().await.pool()?.clone())
    }

    /// Locks the wallet if it has been idle past its limit; true when it did.
    pub async fn lock_if_idle(&self, now: DateTime<Utc>) -> bool {
        if !self.wallet.read().await.should_lock(now) {
            return false;
        }
        let mut wallet = self.wallet.write().await;
        if wallet.should_lock(now) {
            self.sync.stop().await;
            wallet.lock().await;
            tracing::info!("wallet locked after being idle");
            self.announce_lock();
            return true;
        }
        false
    }
}
