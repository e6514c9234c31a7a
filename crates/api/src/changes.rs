//! Recording a consent change made on this device: the change signed off with the device id
//! and the terms it was given under, one ledger entry plus one outbox row (the store writes
//! both together). Granting, revoking and unlinking a card all record through here.

use crate::ApiError;
use chrono::{DateTime, Utc};
use consentry_domain::{ConsentAction, ConsentChange, Grant, GrantDetails};
use consentry_store::apps::{self, AppListing};
use consentry_store::grants;
use consentry_store::ledger::{self, ChangeOrigin};
use sqlx::SqlitePool;

pub(crate) fn refused(e: consentry_domain::GrantError) -> ApiError {
    ApiError::invalid_input(e.to_string())
}

pub(crate) async fn record(
    pool: &SqlitePool,
    action: ConsentAction,
    grant: &Grant,
    terms_hash: &consentry_domain::Sha256Digest,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let device = crate::runtime::device::device_id(pool, now).await?;
    let change = ConsentChange::recording(action, grant, device, *terms_hash);
    ledger::record(pool, change, Some(grant), ChangeOrigin::Local, now).await?;
    Ok(())
}

/// The terms hash recorded with a revocation: the terms the grant was given under.
pub(crate) async fn terms_hash_of(
    pool: &SqlitePool,
    grant: &Grant,
) -> Result<consentry_domain::Sha256Digest, ApiError> {
    Ok(apps::terms(pool, &grant.app_id, grant.terms_version)
        .await?
        .map(|(_, hash)| hash)
        .unwrap_or(consentry_domain::Sha256Digest::ZERO))
}

/// Grants (or grants again, with these details) under the app's current terms.
pub(crate) async fn grant_one(
    pool: &SqlitePool,
    details: GrantDetails,
    app: &AppListing,
    now: DateTime<Utc>,
) -> Result<Grant, ApiError> {
    let grant = match grants::get(pool, &details.key()).await? {
        // Derived from app × card × scope, so every device names this grant the same.
        None => {
            let id = consentry_sync::grant_id_for(&details.key());
            Grant::new(id, details, app.terms_version, now).map_err(refused)?
        }
        // The same id for the life of the key, so the platform sees one grant's history.
        Some(current) => current
            .regrant(current.id.clone(), details, app.terms_version, now)
            .map_err(refused)?,
    };
    record(pool, ConsentAction::Grant, &grant, &app.terms_hash, now).await?;
    Ok(grant)
}

pub(crate) async fn revoke_one(
    pool: &SqlitePool,
    grant: &Grant,
    now: DateTime<Utc>,
) -> Result<Grant, ApiError> {
    let revoked = grant.revoke(now).map_err(refused)?;
    let hash = terms_hash_of(pool, grant).await?;
    record(pool, ConsentAction::Revoke, &revoked, &hash, now).await?;
    Ok(revoked)
}
