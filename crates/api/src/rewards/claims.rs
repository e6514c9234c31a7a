//! Missing rewards: a settled card payment on which an app held an active grant for a rewards
//! scope (receipts, points, cashback) for that card and channel, yet no event from that app
//! about the payment arrived within N days (the `missing_rewards.days` setting, 3 by default).
//! Each comes with a claim pack — merchant, date, amount, card last 4, the app, the grant that
//! proves consent (its ledger entry and hash), the receipt if any app issued one — to copy or
//! save as JSON ([`missing_reward_save`]).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use consentry_domain::{
    check_consent, ConsentQuery, Event, EventPayload, GrantKey, LedgerEntry, Scope as DomainScope,
};
use consentry_store::{apps, claims, ledger, settings};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::vocabulary::{Channel, Money, Scope};
use crate::{ApiError, Context, ErrorCode};

/// Settings key: days an app has to act on a settled payment before it counts as missing.
pub const DAYS_KEY: &str = "missing_rewards.days";
/// The default of [`DAYS_KEY`].
pub const DEFAULT_DAYS: u32 = 3;
/// The wait on the embedded demo platform: none. A payment is owed only if the permission was
/// in force when it settled, by the wallet's own ledger, and a demo wallet's permissions are
/// minutes old: a wait of days could never pass there (see docs/decisions.md). Any other
/// platform gets the setting.
pub const DEMO_DAYS: u32 = 0;
/// How far back settlements are looked at: older claims are rarely honoured, and the bound
/// keeps the scan an index range.
pub const LOOKBACK_DAYS: i64 = 90;
/// Settlements judged per call, newest first.
pub const MAX_PAYMENTS: u32 = 500;
/// The `format` field of a saved claim pack.
pub const CLAIM_PACK_FORMAT: &str = "consentry.claim-pack/1";

const REWARD_SCOPES: [DomainScope; 3] = [
    DomainScope::Receipts,
    DomainScope::Points,
    DomainScope::Cashback,
];

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct MissingRewardsRequest {}

/// The grant that proves the cardholder consented, as the ledger recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ClaimGrant {
    pub grant_id: String,
    pub scope: Scope,
    pub channels: Vec<Channel>,
    pub granted_at: DateTime<Utc>,
    pub terms_version: u32,
    /// The ledger entry in force at the payment's time: its number and hash.
    pub ledger_seq: u64,
    pub ledger_hash: String,
}

/// One line of the receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ClaimReceiptLine {
    pub description: String,
    pub quantity: u32,
    pub total: Money,
}

/// A receipt some app issued for the payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ClaimReceipt {
    pub event_id: String,
    pub app_id: Option<String>,
    pub merchant: String,
    pub total: Money,
    pub lines: Vec<ClaimReceiptLine>,
}

/// A missing reward with its claim pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MissingReward {
    /// The platform's transaction id.
    pub transaction_id: String,
    /// The `transaction.settled` event.
    pub settled_event_id: String,
    pub merchant: String,
    pub settled_at: DateTime<Utc>,
    pub amount: Money,
    pub channel: Channel,
    pub card_token: String,
    /// Absent when the card is no longer in the wallet.
    pub card_last4: Option<String>,
    pub app_id: String,
    pub app_name: Option<String>,
    pub app_publisher: Option<String>,
    /// The app should have acted by then.
    pub due_by: DateTime<Utc>,
    /// One per rewards scope the app held on the card for that channel.
    pub grants: Vec<ClaimGrant>,
    pub receipt: Option<ClaimReceipt>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MissingRewards {
    /// N: the days an app has to act.
    pub days: u32,
    /// Newest payment first.
    pub items: Vec<MissingReward>,
}

/// Saves one claim pack as JSON where the person points the system's save dialog (the
/// backend shows it; the page names no path).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct MissingRewardSaveRequest {
    pub transaction_id: String,
    pub app_id: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ClaimPackSaved {
    pub destination: String,
    pub bytes: u64,
}

/// What a saved claim pack holds.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ClaimPackFile<'a> {
    format: &'static str,
    created_at: DateTime<Utc>,
    #[serde(flatten)]
    claim: &'a MissingReward,
}

/// The days setting (N), [`DEFAULT_DAYS`] when unset or unreadable.
async fn days(pool: &SqlitePool) -> Result<u32, ApiError> {
    Ok(settings::get(pool, DAYS_KEY)
        .await?
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|d| (1..=60).contains(d))
        .unwrap_or(DEFAULT_DAYS))
}

/// The wait this wallet's claims are judged with: [`DEMO_DAYS`] on the embedded demo
/// platform, else the setting.
async fn wait(ctx: &Context, pool: &SqlitePool) -> Result<u32, ApiError> {
    if ctx.on_demo_platform().await {
        Ok(DEMO_DAYS)
    } else {
        days(pool).await
    }
}

/// `missing_rewards`: the list as of now.
pub async fn missing_rewards(
    ctx: &Context,
    _request: MissingRewardsRequest,
) -> Result<MissingRewards, ApiError> {
    let pool = ctx.pool().await?;
    let days = wait(ctx, &pool).await?;
    judge(&pool, Utc::now(), days).await
}

/// The list as of `now`, with the wait the setting gives.
pub async fn missing_rewards_at(
    pool: &SqlitePool,
    now: DateTime<Utc>,
) -> Result<MissingRewards, ApiError> {
    judge(pool, now, days(pool).await?).await
}

/// The list as of `now` when apps have `days` to act.
async fn judge(
    pool: &SqlitePool,
    now: DateTime<Utc>,
    days: u32,
) -> Result<MissingRewards, ApiError> {
    let entries: Vec<LedgerEntry> = ledger::entries(pool)
        .await?
        .into_iter()
        .filter(|e| REWARD_SCOPES.contains(&e.grant.scope))
        .collect();
    if entries.is_empty() {
        return Ok(MissingRewards {
            days,
            items: Vec::new(),
        });
    }
    // Every rewards grant ever recorded, by card.
    let mut keys_by_card: BTreeMap<&str, Vec<GrantKey>> = BTreeMap::new();
    for entry in &entries {
        let keys = keys_by_card.entry(&entry.grant.card_token).or_default();
        let key = entry.grant.key();
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let until = now - Duration::days(i64::from(days));
    let from = now - Duration::days(LOOKBACK_DAYS);
    let payments = claims::settled_payments(pool, from, until, MAX_PAYMENTS).await?;
    let directory: BTreeMap<String, apps::CachedApp> = apps::list(pool)
        .await?
        .into_iter()
        .map(|a| (a.listing.id.clone(), a))
        .collect();

    let mut items = Vec::new();
    for payment in payments {
        let settled = &payment.event;
        let EventPayload::TransactionSettled(tx) = &settled.payload else {
            continue;
        };
        let Some(keys) = keys_by_card.get(settled.card_token.as_str()) else {
            continue;
        };
        // The grants in force then, per app.
        let mut owed: BTreeMap<&str, Vec<ClaimGrant>> = BTreeMap::new();
        for key in keys {
            let query = ConsentQuery {
                key: key.clone(),
                channel: Some(tx.channel),
                amount: Some(tx.amount),
                at: settled.occurred_at,
            };
            if !check_consent(&entries, &query).is_allowed() {
                continue;
            }
            if let Some(grant) = proof(&entries, key, settled.occurred_at) {
                owed.entry(key.app_id.as_str()).or_default().push(grant);
            }
        }
        if owed.is_empty() {
            continue;
        }
        let related = claims::app_events_for_payment(
            pool,
            &settled.card_token,
            &tx.transaction_id,
            settled.occurred_at,
        )
        .await?;
        let receipt = related.iter().find_map(receipt_of);
        for (app_id, grants) in owed {
            let acted = related.iter().any(|e| e.app_id.as_deref() == Some(app_id));
            if acted {
                continue;
            }
            let app = directory.get(app_id);
            items.push(MissingReward {
                transaction_id: tx.transaction_id.clone(),
                settled_event_id: settled.id.clone(),
                merchant: tx.merchant.clone(),
                settled_at: settled.occurred_at,
                amount: Money::from(&tx.amount),
                channel: tx.channel.into(),
                card_token: settled.card_token.clone(),
                card_last4: payment.card_last4.clone(),
                app_id: app_id.to_owned(),
                app_name: app.map(|a| a.listing.name.clone()),
                app_publisher: app.map(|a| a.listing.publisher.clone()),
                due_by: settled.occurred_at + Duration::days(i64::from(days)),
                grants,
                receipt: receipt.clone(),
            });
        }
    }
    Ok(MissingRewards { days, items })
}

/// The ledger entry in force for `key` at `at`, and the grant it made.
fn proof(entries: &[LedgerEntry], key: &GrantKey, at: DateTime<Utc>) -> Option<ClaimGrant> {
    let relevant: Vec<&LedgerEntry> = entries
        .iter()
        .filter(|e| e.grant.key() == *key && e.at <= at)
        .collect();
    let entry = relevant.last()?;
    let grant = consentry_domain::Ledger::replay(relevant.iter().copied()).remove(key)?;
    Some(ClaimGrant {
        grant_id: grant.id,
        scope: grant.scope.into(),
        channels: grant.channels.into_iter().map(Channel::from).collect(),
        granted_at: grant.granted_at,
        terms_version: grant.terms_version,
        ledger_seq: entry.seq,
        ledger_hash: entry.hash.to_hex(),
    })
}

fn receipt_of(event: &Event) -> Option<ClaimReceipt> {
    let EventPayload::ReceiptIssued(issued) = &event.payload else {
        return None;
    };
    let receipt = &issued.receipt;
    Some(ClaimReceipt {
        event_id: event.id.clone(),
        app_id: event.app_id.clone(),
        merchant: receipt.merchant.clone(),
        total: Money::from(&receipt.total),
        lines: receipt
            .lines
            .iter()
            .map(|l| ClaimReceiptLine {
                description: l.description.clone(),
                quantity: l.quantity,
                total: Money::from(&l.total),
            })
            .collect(),
    })
}

/// `missing_reward_save`: writes one claim pack as JSON to a new file.
pub async fn missing_reward_save(
    ctx: &Context,
    request: MissingRewardSaveRequest,
) -> Result<ClaimPackSaved, ApiError> {
    missing_reward_save_at(ctx, request, Utc::now()).await
}

/// The same, judging the claim as of `now`.
pub async fn missing_reward_save_at(
    ctx: &Context,
    request: MissingRewardSaveRequest,
    now: DateTime<Utc>,
) -> Result<ClaimPackSaved, ApiError> {
    let pool = ctx.pool().await?;
    let list = judge(&pool, now, wait(ctx, &pool).await?).await?;
    let claim = list
        .items
        .iter()
        .find(|c| c.transaction_id == request.transaction_id && c.app_id == request.app_id)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                "no missing reward for this payment and app (it may have arrived since)",
            )
        })?;
    let file = ClaimPackFile {
        format: CLAIM_PACK_FORMAT,
        created_at: now,
        claim,
    };
    let mut json = serde_json::to_vec_pretty(&file)
        .map_err(|e| ApiError::internal(format!("claim pack: {e}")))?;
    json.push(b'\n');
    let dialog = crate::native::texts::save_claim_pack(ctx.lang().await, claim_file_name(claim));
    let destination: PathBuf = ctx.native().save(dialog).await.ok_or_else(|| {
        ApiError::new(
            ErrorCode::Cancelled,
            "the claim pack was not saved: the save dialog was cancelled",
        )
    })?;
    let bytes = json.len() as u64;
    let path = destination.clone();
    tokio::task::spawn_blocking(move || write_new(&path, &json))
        .await
        .map_err(|e| ApiError::internal(format!("claim pack: {e}")))?
        .map_err(|e| {
            ApiError::invalid_input(format!("cannot write {}: {e}", destination.display()))
        })?;
    Ok(ClaimPackSaved {
        destination: destination.display().to_string(),
        bytes,
    })
}

/// `claim-cafe-rose-2026-11-27-app_bean.json`: merchant, day of the payment, app.
fn claim_file_name(claim: &MissingReward) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    let slug = |text: &str| {
        let mut out = String::new();
        for c in text.nfd().filter(|c| !('\u{300}'..='\u{36f}').contains(c)) {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || c == '_' {
                out.push(c);
            } else if !out.ends_with('-') {
                out.push('-');
            }
        }
        let out: String = out.trim_matches('-').chars().take(40).collect();
        let out = out.trim_end_matches('-').to_owned();
        if out.is_empty() {
            "payment".to_owned()
        } else {
            out
        }
    };
    format!(
        "claim-{}-{}-{}.json",
        slug(&claim.merchant),
        claim.settled_at.format("%Y-%m-%d"),
        slug(&claim.app_id)
    )
}

/// Writes beside the destination and renames, so a failure leaves nothing half written. The
/// save dialog already asked before replacing an existing file.
fn write_new(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a file name"))?;
    let tmp = dir
        .map(|d| d.join(format!(".{}.part", name.to_string_lossy())))
        .unwrap_or_else(|| PathBuf::from(format!(".{}.part", name.to_string_lossy())));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
