//! The device signature on every consent change: the `signed` field of
//! `PUT /v1/grants/{grant_id}`, a [`SignedConsent`] whose statement says exactly what the
//! change is and which device made it.
//!
//! The platform applies a change only when its statement is signed by the calling device
//! with a key in the cardholder's device chain, agrees with the request field by field, names
//! the terms the platform has under that version, and describes the very state the change
//! produced. It then keeps the signed change with the grant and relays it in
//! `consent.changed`, so every device can check that the cardholder made the change.

use crate::db::Conn;
use consentry_domain::{ConsentStatement, DeviceChain, Grant, SignedConsent};
use serde_json::Value;

use crate::apps;
use crate::error::ApiError;
use crate::extract::deny_unknown_keys;
use crate::grant_request::GrantChange;
use crate::grant_store::SIGNED_FIELD;

const SIGNED_FIELDS: &[&str] = &["statement", "signature"];
const STATEMENT_FIELDS: &[&str] = &[
    "grant_id",
    "action",
    "app_id",
    "card_token",
    "scope",
    "channels",
    "trigger",
    "min_purchase",
    "expires_at",
    "terms_version",
    "terms_hash",
    "base_version",
    "at",
    "device_id",
];

fn mismatch(what: &str) -> ApiError {
    ApiError::unprocessable(
        "statement_mismatch",
        format!("the signed statement's {what} is not the change's; sign the change you send"),
    )
}

/// Splits a request body into the change and its signature. A change that is itself
/// invalid is `invalid_body` whether signed or not; a valid one without `signed` (or with
/// `null`) is `unsigned_change`.
pub fn split(mut body: Value) -> Result<(GrantChange, SignedConsent), ApiError> {
    let signed = body.as_object_mut().and_then(|o| o.remove(SIGNED_FIELD));
    let change: GrantChange = serde_json::from_value(body)
        .map_err(|e| ApiError::unprocessable("invalid_body", e.to_string()))?;
    let signed = match signed {
        None | Some(Value::Null) => return Err(ApiError::unprocessable(
            "unsigned_change",
            "every consent change must carry `signed`: its statement signed by this device's key",
        )),
        Some(signed) => signed,
    };
    deny_unknown_keys(&signed, SIGNED_FIELDS)?;
    if let Some(statement) = signed.get("statement") {
        deny_unknown_keys(statement, STATEMENT_FIELDS)?;
    }
    let signed: SignedConsent = serde_json::from_value(signed)
        .map_err(|e| ApiError::unprocessable("invalid_body", format!("signed: {e}")))?;
    Ok((change, signed))
}

/// The calling device signed it, with the key its cardholder's chain holds for it.
pub fn check_author(
    signed: &SignedConsent,
    device_id: &str,
    chain: Option<&DeviceChain>,
) -> Result<(), ApiError> {
    if signed.statement.device_id != device_id {
        return Err(mismatch("device_id"));
    }
    let keys = chain
        .map(|c| &c.keys)
        .filter(|keys| keys.contains_key(device_id))
        .ok_or_else(|| {
            ApiError::unprocessable(
                "device_not_in_chain",
                "this device has no link in the cardholder's device chain: post its root link, or pair it with a device in the chain",
            )
        })?;
    signed.verify(keys).map_err(|e| {
        ApiError::unprocessable(
            "bad_consent_signature",
            format!("the signed statement does not verify under this device's key: {e}"),
        )
    })
}

/// The statement says what the request says: same grant, action and base version, and the
/// fields the action sets.
pub fn check_request(
    statement: &ConsentStatement,
    grant_id: &str,
    change: &GrantChange,
) -> Result<(), ApiError> {
    if statement.grant_id != grant_id {
        return Err(mismatch("grant_id"));
    }
    if statement.action != change.action() {
        return Err(mismatch("action"));
    }
    if statement.base_version != change.base_version() {
        return Err(mismatch("base_version"));
    }
    if let Some((details, terms_version)) = change.grant_details() {
        let differs = details
            .first_difference(&statement.details())
            .or((statement.terms_version != terms_version).then_some("terms_version"));
        return differs.map_or(Ok(()), |field| Err(mismatch(field)));
    }
    match change {
        GrantChange::Renew { expires_at, .. } if statement.expires_at != *expires_at => {
            Err(mismatch("expires_at"))
        }
        GrantChange::Reconsent { terms_version, .. }
            if statement.terms_version != *terms_version =>
        {
            Err(mismatch("terms_version"))
        }
        GrantChange::Grant { .. }
        | GrantChange::Revoke { .. }
        | GrantChange::Renew { .. }
        | GrantChange::Reconsent { .. } => Ok(()),
    }
}

/// A change to an existing grant names that grant's app, card and scope.
pub fn check_key(statement: &ConsentStatement, grant: &Grant) -> Result<(), ApiError> {
    statement
        .key()
        .first_difference(&grant.key())
        .map_or(Ok(()), |field| Err(mismatch(field)))
}

/// `terms_hash` is the hash of a text of the app's terms at `terms_version`, in any language
/// the platform has them in (the cardholder signs the text they read).
pub async fn check_terms(conn: &mut Conn, statement: &ConsentStatement) -> Result<(), ApiError> {
    let known = apps::terms_hashes_at(conn, &statement.app_id, statement.terms_version).await?;
    if known.contains(&statement.terms_hash) {
        Ok(())
    } else {
        Err(mismatch("terms_hash"))
    }
}

/// The statement describes the state the change produced (status, details, terms, version).
pub fn check_produced(statement: &ConsentStatement, next: &Grant) -> Result<(), ApiError> {
    if statement.produced(next) {
        Ok(())
    } else {
        Err(mismatch(
            "outcome (it does not describe the grant this change produces)",
        ))
    }
}
