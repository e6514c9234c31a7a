//! What "exactly once", "no revocation lost" and "converged" mean, checked against the
//! platform (its `consent.changed` history and `GET /v1/grants`) and the wallets' rows.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Utc;
use consentry_domain::{Grant, GrantStatus};
use consentry_store::grants;
use serde_json::Value;
use sqlx::{Row, SqlitePool};

use crate::support::{Device, Platform};

/// One applied change as the platform announced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub version: u64,
    pub action: String,
    pub status: String,
}

/// Every `consent.changed` of the cardholder's feed, by grant id, in feed order.
pub async fn platform_history(
    platform: &Platform,
    device: &Device,
) -> BTreeMap<String, Vec<Applied>> {
    let mut history: BTreeMap<String, Vec<Applied>> = BTreeMap::new();
    let mut after = "0".to_owned();
    loop {
        let page = platform.feed_page(device, &after).await;
        let mut seen = BTreeSet::new();
        for item in page["events"].as_array().unwrap() {
            if !seen.insert(item["id"].as_str().unwrap().to_owned()) {
                continue;
            }
            let body: Value = serde_json::from_str(item["body"].as_str().unwrap()).unwrap();
            if body["type"] == "consent.changed" {
                history
                    .entry(body["grant"]["id"].as_str().unwrap().to_owned())
                    .or_default()
                    .push(Applied {
                        version: body["grant"]["version"].as_u64().unwrap(),
                        action: body["action"].as_str().unwrap().to_owned(),
                        status: body["grant"]["status"].as_str().unwrap().to_owned(),
                    });
            }
        }
        after = page["next_cursor"].as_str().unwrap().to_owned();
        if page["has_more"] != true {
            return history;
        }
    }
}

/// One outbox row with the ledger entry it carries.
#[derive(Debug, Clone)]
pub struct OutboxRow {
    pub grant_id: String,
    pub action: String,
    pub acked: bool,
    pub platform_version: Option<i64>,
    pub last_error: Option<String>,
}

pub async fn outbox_rows(pool: &SqlitePool) -> Vec<OutboxRow> {
    sqlx::query(
        "SELECT l.grant_id, l.action, o.acked_at_ms IS NOT NULL AS acked, o.platform_version,
                o.last_error
         FROM outbox o JOIN consent_ledger l ON l.seq = o.ledger_seq ORDER BY o.ledger_seq",
    )
    .fetch_all(pool)
    .await
    .unwrap()
    .iter()
    .map(|row| OutboxRow {
        grant_id: row.get("grant_id"),
        action: row.get("action"),
        acked: row.get("acked"),
        platform_version: row.get("platform_version"),
        last_error: row.get("last_error"),
    })
    .collect()
}

/// The audit of one run.
#[derive(Debug, Default, Clone, Copy)]
pub struct Audit {
    /// Consent changes recorded on the devices (to be sent).
    pub changes: usize,
    /// Changes the platform applied (versions in its history).
    pub applied: usize,
    /// Platform versions no outbox row accounts for: a change applied twice.
    pub double_applied: usize,
    /// Changes never acknowledged, or revokes not in effect.
    pub lost: usize,
    /// Changes settled as not applied (concurrent edits lost to the platform's order).
    pub not_applied: usize,
}

/// What the platform applied (as the first of `devices` reads it), audited against every
/// device's outbox.
pub async fn audit_devices(platform: &Platform, devices: &[&Device]) -> Audit {
    let mut rows = Vec::new();
    for device in devices {
        rows.extend(outbox_rows(&device.pool).await);
    }
    audit(&platform_history(platform, devices[0]).await, &rows)
}

/// Checks exactly-once and no-lost-revocation over the rows of all devices.
pub fn audit(history: &BTreeMap<String, Vec<Applied>>, rows: &[OutboxRow]) -> Audit {
    let mut audit = Audit::default();
    let mut claimed = BTreeSet::new();
    for row in rows {
        if !matches!(
            row.action.as_str(),
            "grant" | "revoke" | "renew" | "reconsent"
        ) {
            continue;
        }
        audit.changes += 1;
        match (row.acked, row.platform_version) {
            (false, _) => audit.lost += 1,
            (true, Some(v)) if v > 0 => {
                claimed.insert((row.grant_id.clone(), v as u64));
                if row.action == "revoke" {
                    let in_effect = history.get(&row.grant_id).is_some_and(|h| {
                        h.iter()
                            .any(|a| a.version == v as u64 && a.status == "revoked")
                    });
                    if !in_effect {
                        audit.lost += 1;
                    }
                }
            }
            (true, _) if row.action == "revoke" => audit.lost += 1,
            (true, _) => audit.not_applied += 1,
        }
    }
    for (grant_id, applied) in history {
        let versions: Vec<u64> = applied.iter().map(|a| a.version).collect();
        let expected: Vec<u64> = (1..=versions.len() as u64).collect();
        assert_eq!(
            versions, expected,
            "{grant_id}: versions with a gap or a repeat"
        );
        audit.applied += versions.len();
        audit.double_applied += versions
            .iter()
            .filter(|v| !claimed.contains(&(grant_id.clone(), **v)))
            .count();
    }
    audit
}

/// The meaning of a grant (what the cardholder sees), for comparing devices and platform.
fn meaning(g: &Grant) -> String {
    let now = Utc::now();
    match g.status_at(now) {
        GrantStatus::Revoked => format!("{} revoked", g.id),
        status => format!(
            "{} {status} {:?} {:?} {:?} {:?} t{} p{:?}",
            g.id,
            g.channels,
            g.trigger,
            g.min_purchase,
            g.expires_at,
            g.terms_version,
            g.pending_terms_version
        ),
    }
}

/// Asserts that every device's grants mean what the platform's grants mean.
pub async fn assert_converged(devices: &[&Device]) {
    let platform: BTreeSet<String> = devices[0]
        .syncer
        .client()
        .await
        .unwrap()
        .grants()
        .await
        .unwrap()
        .iter()
        .map(meaning)
        .collect();
    for device in devices {
        let local: BTreeSet<String> = grants::list(&device.pool)
            .await
            .unwrap()
            .iter()
            .map(meaning)
            .collect();
        assert_eq!(local, platform, "{} has not converged", device.name);
    }
}
