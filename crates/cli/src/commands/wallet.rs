//! The subcommands that go through the api crate, exactly as the app does: `status`, `sync`,
//! `grants`, `grant`, `revoke`, `unlock`. Each opens the wallet, does one thing, and closes it
//! again (the CLI never leaves a wallet unlocked behind it).

use std::io::Write as _;
use std::path::Path;

use clap::{Args, ValueEnum};
use consentry_api::vocabulary::{Channel, Scope, Trigger};
use consentry_api::{
    ConflictList, ConflictResolveRequest, ConflictsListRequest, Context, ContextOptions,
    GrantExpiry, GrantList, GrantRevokeRequest, GrantSetRequest, GrantsListRequest,
    RecoveryKeyConfirmRequest, RecoveryKeyNewRequest, RevokeAllRequest, SyncNowRequest,
    SyncStatusRequest, SyncStatusView, WalletKeyringRequest, WalletLockRequest,
    WalletPassphraseRequest, WalletStatusRequest, WalletUnlockRequest,
};

use super::Run;
use crate::exit::CliError;
use crate::unlock::UnlockArgs;

/// A context over the wallet in `data_dir`, still locked; its questions are answered by what
/// the person typed on the command line.
pub(crate) fn context(data_dir: &Path, platform_url: Option<String>) -> Context {
    let mut options = ContextOptions::new(data_dir.to_owned(), env!("CARGO_PKG_VERSION"));
    options.platform_url = platform_url;
    options.native = std::sync::Arc::new(consentry_api::native::TypedCommand);
    Context::new(options)
}

/// The value of the environment variable `var`, named on the command line by `flag`.
pub(crate) fn env_secret(flag: &str, var: &str) -> Result<String, CliError> {
    std::env::var(var)
        .map_err(|_| CliError::usage(format!("{flag}: the variable {var} is not set")))
}

/// An unlocked context over the wallet in `data_dir`.
pub(crate) async fn open(
    data_dir: &Path,
    unlock: &UnlockArgs,
    platform_url: Option<String>,
) -> Result<Context, CliError> {
    let ctx = context(data_dir, platform_url);
    let request = match &unlock.passphrase_env {
        Some(var) => WalletUnlockRequest::Passphrase {
            passphrase: env_secret("--passphrase-env", var)?,
        },
        None => WalletUnlockRequest::Keyring,
    };
    consentry_api::wallet_unlock(&ctx, request).await?;
    Ok(ctx)
}

pub(crate) async fn close(ctx: &Context) {
    let _ = consentry_api::wallet_lock(ctx, WalletLockRequest {}).await;
}

pub(crate) fn print(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::new(crate::exit::Status::Io, format!("cannot write: {e}")))
}

pub(crate) fn describe_sync(status: &SyncStatusView) -> String {
    let mut text = String::new();
    match &status.platform {
        Some(p) => text.push_str(&format!("platform: {} ({})\n", p.url, p.device_name)),
        None => text.push_str("platform: not connected\n"),
    }
    let last = status
        .last_success_at
        .map_or_else(|| "never".to_owned(), |t| t.to_rfc3339());
    text.push_str(&format!("last sync: {last}\n"));
    text.push_str(&format!("pending changes: {}\n", status.pending_changes));
    if let Some(e) = &status.last_error {
        text.push_str(&format!("last error: {} ({})\n", e.message, e.code));
    }
    if let Some(at) = status.next_retry_at {
        text.push_str(&format!("next retry: {}\n", at.to_rfc3339()));
    }
    text.push_str(&format!(
        "violations: {}\nquarantined: {}\nopen conflicts: {}\n",
        status.violations, status.quarantined, status.open_conflicts
    ));
    text
}

/// `consentry status`: the wallet, its platform and what waits to be sent.
pub async fn status(run: &Run<'_>) -> Result<(), CliError> {
    let ctx = open(run.data_dir, run.unlock, None).await?;
    let wallet = consentry_api::wallet_status(&ctx, WalletStatusRequest {}).await?;
    let sync = consentry_api::sync_status(&ctx, SyncStatusRequest {}).await?;
    let cards = consentry_api::cards_list(&ctx, consentry_api::CardsListRequest {}).await?;
    let grants = consentry_api::grants_list(&ctx, GrantsListRequest::default()).await?;
    close(&ctx).await;
    let active = grants
        .grants
        .iter()
        .filter(|g| g.status == consentry_api::vocabulary::GrantStatus::Active)
        .count();
    if run.json {
        let json = serde_json::json!({
            "wallet_id": wallet.wallet_id,
            "cards": cards.cards.len(),
            "active_grants": active,
            "sync": sync,
        });
        return print(&format!("{json:#}\n"));
    }
    let mut text = format!(
        "wallet: {}\ncards: {}\nactive permissions: {active}\n",
        wallet.wallet_id.unwrap_or_default(),
        cards.cards.len()
    );
    text.push_str(&describe_sync(&sync));
    print(&text)
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Connect to this platform first if the wallet is not connected yet (as a new
    /// cardholder).
    #[arg(long, value_name = "URL", env = "CONSENTRY_PLATFORM_URL")]
    pub platform_url: Option<String>,
}

/// `consentry sync`: send pending consent changes and fetch new events, now; then the open
/// conflicts, if any.
pub async fn sync(run: &Run<'_>, args: SyncArgs) -> Result<(), CliError> {
    let (status, open) = run
        .with_wallet(args.platform_url, async |ctx| {
            let status = consentry_api::sync_now(ctx, SyncNowRequest {}).await?;
            let open = consentry_api::conflicts_list(ctx, ConflictsListRequest {}).await?;
            Ok((status, open))
        })
        .await?;
    run.show(&status, |s| describe_sync(s) + &conflicts_text(&open))
}

/// The open conflicts, one per line, after a heading (nothing when there are none).
fn conflicts_text(list: &ConflictList) -> String {
    let mut text = String::new();
    if list.conflicts.is_empty() {
        return text;
    }
    text.push_str("set aside (another device changed the permission first):\n");
    for c in &list.conflicts {
        let by = match (&c.won_by, c.won_by_platform) {
            (Some(name), _) => format!(" (by {name})"),
            (None, true) => " (by the platform)".to_owned(),
            (None, false) => String::new(),
        };
        text.push_str(&format!(
            "  {}\tyou asked to {} {} for {} on {} ({})\tnow: {}{by}\n",
            c.id,
            c.asked,
            serde_name(&c.scope),
            c.app_id,
            c.card_token,
            c.asked_at.to_rfc3339(),
            c.won_status
                .as_ref()
                .map_or_else(|| "no such permission".to_owned(), serde_name)
        ));
    }
    text
}

#[derive(Debug, clap::Subcommand)]
pub enum ConflictsCommand {
    /// The open conflicts (the default).
    List,
    /// Keep the other device's change: the conflict leaves the list.
    Dismiss {
        /// The conflict's number (see `conflicts list`).
        id: i64,
    },
    /// Make your change again, on top of the other device's (sent at the next sync).
    Reapply {
        /// The conflict's number (see `conflicts list`).
        id: i64,
    },
}

/// `consentry conflicts [list|dismiss ID|reapply ID]`.
pub async fn conflicts(run: &Run<'_>, command: Option<ConflictsCommand>) -> Result<(), CliError> {
    let list = run
        .with_wallet(None, async |ctx| {
            Ok(match command.unwrap_or(ConflictsCommand::List) {
                ConflictsCommand::List => {
                    consentry_api::conflicts_list(ctx, ConflictsListRequest {}).await?
                }
                ConflictsCommand::Dismiss { id } => {
                    consentry_api::conflict_dismiss(ctx, ConflictResolveRequest { id }).await?
                }
                ConflictsCommand::Reapply { id } => {
                    consentry_api::conflict_reapply(ctx, ConflictResolveRequest { id }).await?
                }
            })
        })
        .await?;
    run.show(&list, |l| {
        if l.conflicts.is_empty() {
            "no open conflicts\n".to_owned()
        } else {
            conflicts_text(l)
        }
    })
}

#[derive(Debug, Args)]
pub struct GrantsArgs {
    /// Only this app.
    #[arg(long, value_name = "APP")]
    pub app: Option<String>,
    /// Only this card (its token).
    #[arg(long, value_name = "TOKEN")]
    pub card: Option<String>,
}

/// `consentry grants`: every permission, one per line (tab-separated).
pub async fn grants(run: &Run<'_>, args: GrantsArgs) -> Result<(), CliError> {
    let request = GrantsListRequest {
        app_id: args.app,
        card_token: args.card,
    };
    let list = run
        .with_wallet(None, async |ctx| {
            Ok(consentry_api::grants_list(ctx, request).await?)
        })
        .await?;
    run.show(&list, grants_text)
}

fn grants_text(list: &GrantList) -> String {
    let mut text = String::from("app\tcard\tscope\tstatus\tsync\texpires\n");
    for g in &list.grants {
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\n",
            g.app_id,
            g.card_token,
            serde_name(&g.scope),
            serde_name(&g.status),
            serde_name(&g.sync.state),
            g.expires_at
                .map_or_else(|| "never".to_owned(), |t| t.to_rfc3339()),
        ));
    }
    text
}

#[derive(Debug, Args)]
pub struct RevokeAllArgs {
    /// Every permission of this app.
    #[arg(long, value_name = "APP")]
    pub app: Option<String>,
    /// Every permission on this card (its token).
    #[arg(long, value_name = "TOKEN")]
    pub card: Option<String>,
}

/// `consentry revoke-all --app APP | --card TOKEN`.
pub async fn revoke_all(run: &Run<'_>, args: RevokeAllArgs) -> Result<(), CliError> {
    let request = RevokeAllRequest {
        card_token: args.card,
        app_id: args.app,
    };
    let result = run
        .with_wallet(None, async |ctx| {
            Ok(consentry_api::revoke_all(ctx, request).await?)
        })
        .await?;
    run.show(&result, |r| {
        format!("revoked {} permissions\n", r.revoked.len())
    })
}

/// The wire name of a snake_case enum.
pub(crate) fn serde_name(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ScopeArg {
    Receipts,
    Points,
    Cashback,
    Offers,
    Recommendations,
    SocialPosts,
}

impl From<ScopeArg> for Scope {
    fn from(scope: ScopeArg) -> Self {
        match scope {
            ScopeArg::Receipts => Scope::Receipts,
            ScopeArg::Points => Scope::Points,
            ScopeArg::Cashback => Scope::Cashback,
            ScopeArg::Offers => Scope::Offers,
            ScopeArg::Recommendations => Scope::Recommendations,
            ScopeArg::SocialPosts => Scope::SocialPosts,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ChannelArg {
    Card,
    Nfc,
    Voice,
    Online,
}

impl From<ChannelArg> for Channel {
    fn from(channel: ChannelArg) -> Self {
        match channel {
            ChannelArg::Card => Channel::Card,
            ChannelArg::Nfc => Channel::Nfc,
            ChannelArg::Voice => Channel::Voice,
            ChannelArg::Online => Channel::Online,
        }
    }
}

#[derive(Debug, Args)]
pub struct GrantArgs {
    /// The app id (see the app's directory).
    pub app: String,
    /// The card token (see `consentry grants` or the app's card list).
    pub card: String,
    /// What the app may do.
    #[arg(value_enum)]
    pub scope: ScopeArg,
    /// Payment channels it applies to (repeat; default: all).
    #[arg(long, value_enum)]
    pub channel: Vec<ChannelArg>,
    /// Act only once the payment settles (default: in real time).
    #[arg(long)]
    pub at_settlement: bool,
    /// Ends after this many days (default: never).
    #[arg(long, value_name = "DAYS")]
    pub days: Option<u32>,
}

/// `consentry grant APP CARD SCOPE`: record a permission (sent to the platform at the next
/// sync).
pub async fn grant(data_dir: &Path, unlock: &UnlockArgs, args: GrantArgs) -> Result<(), CliError> {
    let channels = if args.channel.is_empty() {
        vec![Channel::Card, Channel::Nfc, Channel::Voice, Channel::Online]
    } else {
        args.channel.into_iter().map(Channel::from).collect()
    };
    let request = GrantSetRequest {
        app_id: args.app,
        card_token: args.card,
        scope: args.scope.into(),
        channels,
        trigger: if args.at_settlement {
            Trigger::Settlement
        } else {
            Trigger::Authorization
        },
        min_purchase: None,
        expiry: args
            .days
            .map_or(GrantExpiry::Never, |days| GrantExpiry::Days { days }),
    };
    let ctx = open(data_dir, unlock, None).await?;
    let result = consentry_api::grant_set(&ctx, request).await;
    close(&ctx).await;
    let grant = result?;
    print(&format!(
        "granted {} to {} on {} (pending until the next sync)\n",
        serde_name(&grant.scope),
        grant.app_id,
        grant.card_token
    ))
}

#[derive(Debug, Args)]
pub struct RevokeArgs {
    pub app: String,
    pub card: String,
    #[arg(value_enum)]
    pub scope: ScopeArg,
}

/// `consentry revoke APP CARD SCOPE`: effective in the wallet at once, sent at the next sync.
pub async fn revoke(
    data_dir: &Path,
    unlock: &UnlockArgs,
    args: RevokeArgs,
) -> Result<(), CliError> {
    let request = GrantRevokeRequest {
        app_id: args.app,
        card_token: args.card,
        scope: args.scope.into(),
    };
    let ctx = open(data_dir, unlock, None).await?;
    let result = consentry_api::grant_revoke(&ctx, request).await;
    close(&ctx).await;
    let grant = result?;
    print(&format!(
        "revoked {} for {} on {}\n",
        serde_name(&grant.scope),
        grant.app_id,
        grant.card_token
    ))
}

/// `consentry unlock`: checks that the wallet opens with the keyring or the passphrase
/// (exit 0), or says why not (exit 3). The CLI keeps nothing unlocked afterwards.
pub async fn unlock(data_dir: &Path, unlock: &UnlockArgs) -> Result<(), CliError> {
    let ctx = open(data_dir, unlock, None).await?;
    let status = consentry_api::wallet_status(&ctx, WalletStatusRequest {}).await?;
    close(&ctx).await;
    print(&format!(
        "wallet {} opens\n",
        status.wallet_id.unwrap_or_default()
    ))
}

/// What proves the person owns the wallet before its passphrase or keyring entry changes.
#[derive(Debug, Args)]
pub struct ProofArgs {
    /// The environment variable holding the proof: the current passphrase, or the recovery
    /// key with `--proof-is-recovery-key`.
    #[arg(long, value_name = "VAR")]
    pub proof_env: Option<String>,
    /// The proof is the recovery key (the only proof before a passphrase exists).
    #[arg(long)]
    pub proof_is_recovery_key: bool,
}

impl ProofArgs {
    fn request(&self) -> Result<Option<WalletUnlockRequest>, CliError> {
        let Some(var) = &self.proof_env else {
            return Ok(None);
        };
        let text = env_secret("--proof-env", var)?;
        Ok(Some(if self.proof_is_recovery_key {
            WalletUnlockRequest::RecoveryKey { recovery_key: text }
        } else {
            WalletUnlockRequest::Passphrase { passphrase: text }
        }))
    }
}

#[derive(Debug, Args)]
pub struct SetPassphraseArgs {
    /// The environment variable holding the new passphrase (8 characters or more).
    #[arg(long, value_name = "VAR")]
    pub new_env: String,
    #[command(flatten)]
    pub proof: ProofArgs,
}

/// `set-passphrase`: sets or changes the passphrase.
pub async fn set_passphrase(
    data_dir: &Path,
    unlock: &UnlockArgs,
    args: &SetPassphraseArgs,
) -> Result<(), CliError> {
    let proof = args
        .proof
        .request()?
        .ok_or_else(|| CliError::usage("--proof-env: name the variable holding the proof"))?;
    let new_passphrase = env_secret("--new-env", &args.new_env)?;
    let ctx = open(data_dir, unlock, None).await?;
    let result = consentry_api::wallet_set_passphrase(
        &ctx,
        WalletPassphraseRequest {
            proof,
            new_passphrase,
        },
    )
    .await;
    close(&ctx).await;
    result?;
    print("passphrase saved: the old one no longer opens the wallet\n")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyringChoice {
    /// Keep the key in the OS keyring.
    Keep,
    /// Take it out (needs a passphrase, and the proof).
    Remove,
}

#[derive(Debug, Args)]
pub struct KeyringArgs {
    pub choice: KeyringChoice,
    #[command(flatten)]
    pub proof: ProofArgs,
}

/// `keyring keep|remove`: puts the key in the OS keyring or takes it out.
pub async fn keyring(
    data_dir: &Path,
    unlock: &UnlockArgs,
    args: &KeyringArgs,
) -> Result<(), CliError> {
    let keep = args.choice == KeyringChoice::Keep;
    let proof = args.proof.request()?;
    let ctx = open(data_dir, unlock, None).await?;
    let result = consentry_api::wallet_set_keyring(
        &ctx,
        WalletKeyringRequest {
            keep_in_keyring: keep,
            proof,
        },
    )
    .await;
    close(&ctx).await;
    result?;
    print(if keep {
        "the key is kept in the OS keyring\n"
    } else {
        "the key is no longer in the OS keyring: unlock with --passphrase-env\n"
    })
}

/// `new-recovery-key`: prints a new recovery key, then switches the wallet to it. The key is
/// printed (and flushed) before anything changes, so a crash at any point leaves a key the
/// person has: the old one until the re-encryption commits, the printed one after.
pub async fn new_recovery_key(data_dir: &Path, unlock: &UnlockArgs) -> Result<(), CliError> {
    let ctx = open(data_dir, unlock, None).await?;
    let result = async {
        let new = consentry_api::wallet_recovery_key_new(&ctx, RecoveryKeyNewRequest {}).await?;
        print(&format!(
            "new recovery key (write it down; it is shown only now):\n{}\n",
            new.recovery_key
        ))?;
        consentry_api::wallet_recovery_key_confirm(
            &ctx,
            RecoveryKeyConfirmRequest {
                recovery_key: new.recovery_key,
            },
        )
        .await?;
        Ok::<_, CliError>(())
    }
    .await;
    close(&ctx).await;
    result?;
    print("the new recovery key is active: the old one no longer opens the wallet\n")
}
