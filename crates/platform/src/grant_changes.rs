//! One consent change sent by a device (`PUT /v1/grants/{grant_id}`): grant, revoke,
//! renew or reconsent, at the version the device last saw, signed by that device. The state
//! transitions are the domain's ([`consentry_domain::Grant`]); this module checks what only
//! the platform knows (the app, its terms, the card, the grant's current state), that the
//! signed statement agrees with it ([`crate::consent_signatures`]), and records the result
//! with its signature.

use crate::db::Conn;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use consentry_domain::{ConsentAction, Grant, GrantError, SignedConsent};

use crate::consent_signatures as signatures;
use crate::error::ApiError;
use crate::events;
use crate::grant_request::GrantChange;
use crate::grant_store::StoredGrant;
use crate::{apps, cards, grant_store};

/// What a change produced: the HTTP status and the grant to return.
pub struct Applied {
    pub status: StatusCode,
    pub grant: Grant,
}

/// The 409 for a stale `base_version`, carrying the current state with its signed change
/// (or `null`).
pub fn version_conflict(current: Option<&StoredGrant>) -> Result<ApiError, ApiError> {
    let current_json = current.map(StoredGrant::to_json).transpose()?;
    let version = current.map_or(0, |g| g.grant.version);
    Ok(ApiError::conflict(
        "version_conflict",
        format!("the grant is at version {version}; fetch it, re-apply your change and send it with that base_version"),
    )
    .with_current(current_json))
}

fn grant_error(error: &GrantError, current: Option<&StoredGrant>) -> Result<ApiError, ApiError> {
    let (status, code) = match error {
        GrantError::NoChannels => (StatusCode::UNPROCESSABLE_ENTITY, "no_channels"),
        GrantError::ExpiryNotInFuture => (StatusCode::UNPROCESSABLE_ENTITY, "expiry_not_in_future"),
        GrantError::NegativeMinimum => (StatusCode::UNPROCESSABLE_ENTITY, "negative_minimum"),
        GrantError::KeyMismatch => (StatusCode::UNPROCESSABLE_ENTITY, "grant_key_mismatch"),
        GrantError::TermsNotNewer { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "terms_not_newer"),
        GrantError::InvalidTransition { .. } => (StatusCode::CONFLICT, "invalid_transition"),
        GrantError::ReconsentRequired => (StatusCode::CONFLICT, "reconsent_required"),
        GrantError::NotDue => (StatusCode::CONFLICT, "not_due"),
    };
    let mut api = ApiError::new(status, code, error.to_string());
    if let Some(stored) = current {
        api = api.with_current(Some(stored.to_json()?));
    }
    Ok(api)
}

fn not_found() -> ApiError {
    ApiError::not_found(
        "grant_not_found",
        "no grant with this id; create it with action \"grant\"",
    )
}

/// Applies `change` to the grant `id` inside the caller's transaction, emitting
/// `consent.changed` when the state changed. `signed` has been checked against its author
/// and the request ([`signatures::check_author`], [`signatures::check_request`]); here it
/// is checked against the grant and the terms, and stored and relayed with the new state.
/// Errors are the final answer to the request.
pub async fn apply(
    conn: &mut Conn,
    cardholder_id: &str,
    device_id: &str,
    id: &str,
    change: GrantChange,
    signed: &SignedConsent,
    now: DateTime<Utc>,
) -> Result<Applied, ApiError> {
    let stored = grant_store::find(conn, cardholder_id, id).await?;
    if change.base_version() != stored.as_ref().map_or(0, |g| g.grant.version) {
        return Err(version_conflict(stored.as_ref())?);
    }
    let statement = &signed.statement;
    let current = stored.as_ref().map(|s| &s.grant);
    // Revoke, renew and reconsent act on the grant as it is: the statement must name it.
    let existing = |current: Option<&Grant>| -> Result<Grant, ApiError> {
        let grant = current.ok_or_else(not_found)?;
        signatures::check_key(statement, grant)?;
        Ok(grant.clone())
    };
    let (action, next) = match &change {
        GrantChange::Grant { .. } => {
            let (details, terms_version) = change
                .grant_details()
                .ok_or_else(|| ApiError::internal("a grant change without its details"))?;
            let app = apps::find(conn, &details.app_id).await?.ok_or_else(|| {
                ApiError::unprocessable("app_not_found", "no app with this app_id")
            })?;
            if cards::find_active(conn, cardholder_id, &details.card_token)
                .await?
                .is_none()
            {
                return Err(ApiError::unprocessable(
                    "card_not_found",
                    "no linked card with this card_token",
                ));
            }
            if !app.requested_scopes.contains(&details.scope) {
                return Err(ApiError::unprocessable(
                    "scope_not_requested",
                    format!("{} does not ask for the {} scope", app.name, details.scope),
                ));
            }
            if terms_version != app.terms.version {
                return Err(terms_outdated(app.terms.version));
            }
            signatures::check_terms(conn, statement).await?;
            let next = match current {
                None => Grant::new(id, details, terms_version, now),
                Some(grant) => grant.regrant(id, details, terms_version, now),
            };
            (ConsentAction::Grant, next)
        }
        GrantChange::Revoke { .. } => {
            let grant = existing(current)?;
            // A revocation is never refused over terms: it produces no terms, and a wallet
            // that no longer has the text it agreed to must still be able to say no.
            if grant.status == consentry_domain::GrantStatus::Revoked {
                // Already in the desired state: nothing changes, nothing is emitted, and the
                // signed change that revoked it stays the grant's.
                return Ok(Applied {
                    status: StatusCode::OK,
                    grant,
                });
            }
            (ConsentAction::Revoke, grant.revoke(now))
        }
        GrantChange::Renew { expires_at, .. } => {
            let grant = existing(current)?;
            signatures::check_terms(conn, statement).await?;
            (ConsentAction::Renew, grant.renew(*expires_at, now))
        }
        GrantChange::Reconsent { terms_version, .. } => {
            let grant = existing(current)?;
            let app = apps::find(conn, &grant.app_id)
                .await?
                .ok_or_else(|| ApiError::internal("a grant names an unknown app"))?;
            if *terms_version != app.terms.version {
                return Err(terms_outdated(app.terms.version));
            }
            signatures::check_terms(conn, statement).await?;
            (
                ConsentAction::Reconsent,
                grant.reconsent(*terms_version, now),
            )
        }
    };
    let next = next.map_err(|e| grant_error(&e, stored.as_ref()).unwrap_or_else(|e| e))?;
    signatures::check_produced(statement, &next)?;
    grant_store::save(conn, cardholder_id, &next, device_id, Some(signed)).await?;
    events::emit_change(conn, cardholder_id, action, &next, Some(signed), now).await?;
    let status = if current.is_none() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(Applied {
        status,
        grant: next,
    })
}

fn terms_outdated(current: u32) -> ApiError {
    ApiError::unprocessable(
        "terms_outdated",
        format!("the app's current terms are version {current}; show them and send that version"),
    )
    .with_current_terms_version(current)
}
