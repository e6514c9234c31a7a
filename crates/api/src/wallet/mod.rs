//! Wallet commands: status, create, unlock, lock, integrity check; its language (`language`).

pub mod language;

use chrono::Utc;
use consentry_store::{
    integrity, settings, CreateOptions, Passphrase, RecoveryKey, Unlock, Wallet, WalletState,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ApiError, Context, ErrorCode};

/// Where the wallet stands (mirrors the store's open states).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum WalletStateDto {
    New,
    Unlocked,
    Locked,
    KeyMissing,
    KeyMismatch,
    Corrupted,
}

impl From<WalletState> for WalletStateDto {
    fn from(state: WalletState) -> Self {
        match state {
            WalletState::New => Self::New,
            WalletState::Unlocked => Self::Unlocked,
            WalletState::Locked => Self::Locked,
            WalletState::KeyMissing => Self::KeyMissing,
            WalletState::KeyMismatch => Self::KeyMismatch,
            WalletState::Corrupted => Self::Corrupted,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WalletStatus {
    pub state: WalletStateDto,
    pub wallet_id: Option<String>,
    /// Minutes of inactivity before the wallet locks itself; `null` = never.
    pub auto_lock_minutes: Option<u32>,
    /// The key is kept in the OS keyring (`null` while no key file is readable).
    pub keyring: Option<bool>,
    /// The key is sealed to a passphrase (`null` while no key file is readable).
    pub has_passphrase: Option<bool>,
}

fn status_of(ctx: &Context, wallet: &Wallet) -> WalletStatus {
    let auto_lock_minutes = wallet
        .autolock_limit()
        .and_then(|limit| ctx.minutes_of(limit));
    let homes = wallet.key_homes();
    WalletStatus {
        state: wallet.state().into(),
        wallet_id: wallet.wallet_id().map(|id| id.to_string()),
        auto_lock_minutes,
        keyring: homes.map(|(keyring, _)| keyring),
        has_passphrase: homes.map(|(_, passphrase)| passphrase),
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct WalletStatusRequest {}

pub async fn wallet_status(
    ctx: &Context,
    _request: WalletStatusRequest,
) -> Result<WalletStatus, ApiError> {
    Ok(status_of(ctx, &*ctx.wallet().read().await))
}

/// Create a wallet: its key in the OS keyring, or protected by a passphrase, or both.
#[derive(Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WalletCreateRequest {
    pub use_keyring: bool,
    pub passphrase: Option<String>,
}

impl std::fmt::Debug for WalletCreateRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalletCreateRequest")
            .field("use_keyring", &self.use_keyring)
            .field(
                "passphrase",
                &self.passphrase.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The new wallet, and its recovery key: shown once, stored nowhere.
#[derive(Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct WalletCreated {
    pub status: WalletStatus,
    pub recovery_key: String,
}

impl std::fmt::Debug for WalletCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalletCreated")
            .field("status", &self.status)
            .field("recovery_key", &"<redacted>")
            .finish()
    }
}

pub async fn wallet_create(
    ctx: &Context,
    request: WalletCreateRequest,
) -> Result<WalletCreated, ApiError> {
    let passphrase = request.passphrase.map(Passphrase::new);
    if !request.use_keyring && passphrase.is_none() {
        return Err(ApiError::invalid_input(
            "choose where the key lives: the system keyring, a passphrase, or both",
        ));
    }
    let options = CreateOptions {
        keyring: request.use_keyring.then(|| ctx.keystore()),
        passphrase: passphrase.as_ref(),
        kdf: ctx.kdf(),
    };
    let mut wallet = ctx.wallet().write().await;
    let created = wallet.create(options, Utc::now()).await?;
    apply_saved_auto_lock(ctx, &mut wallet).await?;
    let recovery_key = created.recovery_key.reveal().to_string();
    let status = status_of(ctx, &wallet);
    let pool = wallet.pool()?.clone();
    drop(wallet);
    ctx.start_sync(pool).await?;
    Ok(WalletCreated {
        status,
        recovery_key,
    })
}

/// How to unlock. (Internally tagged, so serde cannot deny unknown fields here.)
#[derive(Clone, Deserialize, TS)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum WalletUnlockRequest {
    Keyring,
    Passphrase {
        passphrase: String,
    },
    RecoveryKey {
        #[serde(rename = "recoveryKey")]
        #[ts(rename = "recoveryKey")]
        recovery_key: String,
    },
}

impl std::fmt::Debug for WalletUnlockRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let method = match self {
            Self::Keyring => "keyring",
            Self::Passphrase { .. } => "passphrase",
            Self::RecoveryKey { .. } => "recovery_key",
        };
        write!(f, "WalletUnlockRequest({method}, <redacted>)")
    }
}

pub async fn wallet_unlock(
    ctx: &Context,
    request: WalletUnlockRequest,
) -> Result<WalletStatus, ApiError> {
    let mut wallet = ctx.wallet().write().await;
    if wallet.state() == WalletState::Unlocked {
        let status = status_of(ctx, &wallet);
        let pool = wallet.pool()?.clone();
        drop(wallet);
        ctx.start_sync(pool).await?;
        return Ok(status);
    }
    let now = Utc::now();
    match request {
        WalletUnlockRequest::Keyring => wallet.unlock(Unlock::Keyring(ctx.keystore()), now).await?,
        WalletUnlockRequest::Passphrase { passphrase } => {
            let passphrase = Passphrase::new(passphrase);
            wallet.unlock(Unlock::Passphrase(&passphrase), now).await?;
        }
        WalletUnlockRequest::RecoveryKey { recovery_key } => {
            let key = RecoveryKey::parse(&recovery_key)?;
            wallet.unlock(Unlock::RecoveryKey(&key), now).await?;
        }
    }
    apply_saved_auto_lock(ctx, &mut wallet).await?;
    let status = status_of(ctx, &wallet);
    let pool = wallet.pool()?.clone();
    drop(wallet);
    ctx.start_sync(pool).await?;
    Ok(status)
}

/// Idle minutes before locking when the cardholder has not chosen: a password manager's habit.
pub const DEFAULT_AUTO_LOCK_MINUTES: u32 = 15;
/// The stored value meaning "never lock by itself".
const NEVER: &str = "never";

async fn apply_saved_auto_lock(ctx: &Context, wallet: &mut Wallet) -> Result<(), ApiError> {
    let saved = settings::get(wallet.pool()?, settings::AUTO_LOCK_MINUTES).await?;
    let minutes = match saved.as_deref() {
        Some(NEVER) => None,
        Some(text) => text.parse::<u32>().ok().or(Some(DEFAULT_AUTO_LOCK_MINUTES)),
        None => Some(DEFAULT_AUTO_LOCK_MINUTES),
    };
    wallet
        .autolock()
        .set_idle_limit(minutes.map(|m| ctx.auto_lock_minutes(m)));
    wallet.touch(Utc::now());
    Ok(())
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct WalletLockRequest {}

/// Sets or changes the passphrase. The person proves they own the wallet with its current
/// passphrase, or with the recovery key (when it has none yet, or it was forgotten): an open
/// window alone cannot change how the wallet opens.
#[derive(Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WalletPassphraseRequest {
    /// `passphrase` or `recovery_key` (the keyring proves nothing: it opens for the window).
    pub proof: WalletUnlockRequest,
    pub new_passphrase: String,
}

impl std::fmt::Debug for WalletPassphraseRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "WalletPassphraseRequest({:?}, <redacted>)", self.proof)
    }
}

/// Puts the key in the OS keyring, or takes it out (then the passphrase unlocks).
#[derive(Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WalletKeyringRequest {
    pub keep_in_keyring: bool,
    /// Needed to take the key out (the passphrase or the recovery key); not to put it in
    /// (the wallet is open: its key is at hand).
    pub proof: Option<WalletUnlockRequest>,
}

impl std::fmt::Debug for WalletKeyringRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "WalletKeyringRequest({}, {:?})",
            self.keep_in_keyring, self.proof
        )
    }
}

/// Checks that `proof` (a passphrase or the recovery key) opens the open wallet.
async fn require_proof(wallet: &Wallet, proof: &WalletUnlockRequest) -> Result<(), ApiError> {
    let proves = match proof {
        WalletUnlockRequest::Keyring => {
            return Err(ApiError::invalid_input(
                "proof: give the current passphrase or the recovery key",
            ))
        }
        WalletUnlockRequest::Passphrase { passphrase } => {
            let passphrase = Passphrase::new(passphrase.clone());
            wallet.proves(Unlock::Passphrase(&passphrase)).await?
        }
        WalletUnlockRequest::RecoveryKey { recovery_key } => {
            let key = RecoveryKey::parse(recovery_key)?;
            wallet.proves(Unlock::RecoveryKey(&key)).await?
        }
    };
    if proves {
        Ok(())
    } else {
        Err(ApiError::new(
            ErrorCode::KeyMismatch,
            "that passphrase or recovery key does not open this wallet; nothing was changed",
        ))
    }
}

/// `wallet_set_passphrase`: sets or changes the passphrase (one atomic replace of the key
/// file: a crash leaves the old or the new passphrase working).
pub async fn wallet_set_passphrase(
    ctx: &Context,
    request: WalletPassphraseRequest,
) -> Result<WalletStatus, ApiError> {
    let mut wallet = ctx.wallet().write().await;
    require_proof(&wallet, &request.proof).await?;
    let new = Passphrase::new(request.new_passphrase);
    wallet.change_passphrase(&new, ctx.kdf()).await?;
    Ok(status_of(ctx, &wallet))
}

/// `wallet_set_keyring`: keeps the key in the OS keyring or takes it out.
pub async fn wallet_set_keyring(
    ctx: &Context,
    request: WalletKeyringRequest,
) -> Result<WalletStatus, ApiError> {
    let mut wallet = ctx.wallet().write().await;
    if request.keep_in_keyring {
        wallet.save_key_to(ctx.keystore()).await?;
    } else {
        let proof = request.proof.as_ref().ok_or_else(|| {
            ApiError::invalid_input("proof: give the passphrase or the recovery key")
        })?;
        require_proof(&wallet, proof).await?;
        wallet.remove_key_from(ctx.keystore()).await?;
    }
    Ok(status_of(ctx, &wallet))
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct RecoveryKeyNewRequest {}

/// A new recovery key, shown once. It opens nothing until the cardholder types it back
/// (`wallet_recovery_key_confirm`); until then the current one keeps working.
#[derive(Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NewRecoveryKey {
    pub recovery_key: String,
}

impl std::fmt::Debug for NewRecoveryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewRecoveryKey(<redacted>)")
    }
}

/// `wallet_recovery_key_new`: after a native "yes" (the page cannot give it), makes a new
/// recovery key and shows it. Nothing changes in the wallet yet: the key waits in memory
/// (gone on lock) for the cardholder to type it back, which proves it was written down.
pub async fn wallet_recovery_key_new(
    ctx: &Context,
    _request: RecoveryKeyNewRequest,
) -> Result<NewRecoveryKey, ApiError> {
    ctx.pool().await?;
    let question = crate::native::texts::new_recovery_key(ctx.lang().await);
    if !ctx.native().confirm(question).await {
        return Err(ApiError::new(
            ErrorCode::Cancelled,
            "no new recovery key was made: it was not confirmed",
        ));
    }
    let key = RecoveryKey::generate();
    let shown = key.reveal();
    ctx.set_pending_recovery_key(Some(key));
    Ok(NewRecoveryKey {
        recovery_key: shown.as_str().to_owned(),
    })
}

/// The new recovery key, typed back by the cardholder.
#[derive(Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RecoveryKeyConfirmRequest {
    pub recovery_key: String,
}

impl std::fmt::Debug for RecoveryKeyConfirmRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryKeyConfirmRequest(<redacted>)")
    }
}

/// `wallet_recovery_key_confirm`: the typed key matches the one just shown, so the wallet is
/// re-encrypted under a new key sealed to it (see `Wallet::replace_recovery_key`): from then
/// on the old recovery key opens nothing, not even an old copy of the key file. Sync pauses
/// for the few seconds the re-encryption takes.
pub async fn wallet_recovery_key_confirm(
    ctx: &Context,
    request: RecoveryKeyConfirmRequest,
) -> Result<WalletStatus, ApiError> {
    let typed = RecoveryKey::parse(&request.recovery_key)?;
    let Some(pending) = ctx.take_pending_recovery_key_if(&typed) else {
        return Err(ApiError::new(
            ErrorCode::KeyMismatch,
            "that is not the new recovery key shown; nothing was changed (the current one still works)",
        ));
    };
    let mut wallet = ctx.wallet().write().await;
    wallet.pool()?;
    ctx.sync().stop().await;
    // The store uses the keystore only when the key file says the key lives there.
    let result = wallet
        .replace_recovery_key(&pending, Some(ctx.keystore()), &mut |_| {})
        .await;
    let status = status_of(ctx, &wallet);
    let pool = wallet.pool().ok().cloned();
    drop(wallet);
    if let Some(pool) = pool {
        ctx.start_sync(pool).await?;
    }
    result?;
    Ok(status)
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct WalletUserActiveRequest {}

/// The person is using the window (the page reports its input events, at most every few
/// seconds): postpones the auto-lock. Nothing else does — not the screens' background
/// refreshes, not sync — so a window left open on Activity still locks on time.
pub async fn wallet_user_active(
    ctx: &Context,
    _request: WalletUserActiveRequest,
) -> Result<WalletStatus, ApiError> {
    let mut wallet = ctx.wallet().write().await;
    if wallet.state() == consentry_store::WalletState::Unlocked {
        wallet.touch(Utc::now());
    }
    Ok(status_of(ctx, &wallet))
}

pub async fn wallet_lock(
    ctx: &Context,
    _request: WalletLockRequest,
) -> Result<WalletStatus, ApiError> {
    let mut wallet = ctx.wallet().write().await;
    ctx.sync().stop().await;
    wallet.lock().await;
    let status = status_of(ctx, &wallet);
    drop(wallet);
    ctx.announce_lock();
    Ok(status)
}

/// Set (or clear) the idle time after which the wallet locks itself.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WalletAutoLockRequest {
    /// 1 to 1440 minutes, or `null` for never.
    pub minutes: Option<u32>,
}

pub async fn wallet_set_auto_lock(
    ctx: &Context,
    request: WalletAutoLockRequest,
) -> Result<WalletStatus, ApiError> {
    if let Some(minutes) = request.minutes {
        if !(1..=1440).contains(&minutes) {
            return Err(ApiError::invalid_input(
                "auto-lock must be between 1 and 1440 minutes",
            ));
        }
    }
    let mut wallet = ctx.wallet().write().await;
    let now = Utc::now();
    let stored = request
        .minutes
        .map_or_else(|| NEVER.to_owned(), |m| m.to_string());
    settings::put(wallet.pool()?, settings::AUTO_LOCK_MINUTES, &stored, now).await?;
    let limit = request.minutes.map(|m| ctx.auto_lock_minutes(m));
    wallet.autolock().set_idle_limit(limit);
    wallet.touch(now);
    Ok(status_of(ctx, &wallet))
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct IntegrityCheckRequest {}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct IntegrityResult {
    pub intact: bool,
    /// What SQLCipher and SQLite reported, when not intact.
    pub problems: Vec<String>,
}

pub async fn wallet_check_integrity(
    ctx: &Context,
    _request: IntegrityCheckRequest,
) -> Result<IntegrityResult, ApiError> {
    let pool = ctx.pool().await?;
    let report = integrity::check(&pool).await?;
    let intact = report.is_intact();
    let problems = report
        .hmac_failures
        .into_iter()
        .chain(report.structural)
        .collect();
    Ok(IntegrityResult { intact, problems })
}
