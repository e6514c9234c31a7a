//! One consent change as the device that made it saw it, and its signature.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};

use super::keys::{verify_text, DeviceKey};
use super::{line, time, SigningError};
use crate::{
    Channel, ConsentAction, Grant, GrantDetails, GrantKey, GrantStatus, Money, Scope, Sha256Digest,
    Trigger,
};

const STATEMENT_CONTEXT: &str = "consentry.consent-change.v1";

/// One consent change as its device made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentStatement {
    pub grant_id: String,
    /// `grant`, `revoke`, `renew` or `reconsent`.
    pub action: ConsentAction,
    pub app_id: String,
    pub card_token: String,
    pub scope: Scope,
    pub channels: BTreeSet<Channel>,
    pub trigger: Trigger,
    pub min_purchase: Option<Money>,
    pub expires_at: Option<DateTime<Utc>>,
    pub terms_version: u32,
    pub terms_hash: Sha256Digest,
    /// The platform version of the grant this change builds on (0: none yet).
    pub base_version: u64,
    pub at: DateTime<Utc>,
    pub device_id: String,
}

impl ConsentStatement {
    /// The exact text that is signed.
    pub fn canonical(&self) -> Result<String, SigningError> {
        let mut out = String::with_capacity(512);
        out.push_str(STATEMENT_CONTEXT);
        out.push('\n');
        let channels: Vec<&str> = self.channels.iter().map(|c| c.as_str()).collect();
        let minimum = self.min_purchase.map_or_else(
            || "-".to_owned(),
            |m| format!("{} {}", m.minor, m.currency.code()),
        );
        line(&mut out, "grant_id", &self.grant_id)?;
        line(&mut out, "action", self.action.as_str())?;
        line(&mut out, "app_id", &self.app_id)?;
        line(&mut out, "card_token", &self.card_token)?;
        line(&mut out, "scope", self.scope.as_str())?;
        line(&mut out, "channels", &channels.join(","))?;
        line(&mut out, "trigger", self.trigger.as_str())?;
        line(&mut out, "min_purchase", &minimum)?;
        line(
            &mut out,
            "expires_at",
            &self
                .expires_at
                .as_ref()
                .map_or_else(|| "-".to_owned(), time),
        )?;
        line(&mut out, "terms_version", &self.terms_version.to_string())?;
        line(&mut out, "terms_hash", &self.terms_hash.to_string())?;
        line(&mut out, "base_version", &self.base_version.to_string())?;
        line(&mut out, "at", &time(&self.at))?;
        line(&mut out, "device_id", &self.device_id)?;
        Ok(out)
    }

    /// Signs it with `key`.
    pub fn sign(self, key: &DeviceKey) -> Result<SignedConsent, SigningError> {
        let signature = key.sign(&self.canonical()?);
        Ok(SignedConsent {
            statement: self,
            signature,
        })
    }

    /// The app, card and scope it is about.
    pub fn key(&self) -> GrantKey {
        self.details().key()
    }

    /// The grant's details as the statement gives them.
    pub fn details(&self) -> GrantDetails {
        GrantDetails {
            app_id: self.app_id.clone(),
            card_token: self.card_token.clone(),
            scope: self.scope,
            channels: self.channels.clone(),
            trigger: self.trigger,
            min_purchase: self.min_purchase,
            expires_at: self.expires_at,
        }
    }

    /// Whether `grant` is the state this change produced: same grant, status, details and
    /// terms (only the key for a revocation), one version after the one it built on.
    pub fn produced(&self, grant: &Grant) -> bool {
        let status = match self.action {
            ConsentAction::Revoke => GrantStatus::Revoked,
            ConsentAction::Grant | ConsentAction::Renew | ConsentAction::Reconsent => {
                GrantStatus::Active
            }
            _ => return false,
        };
        let same = if status == GrantStatus::Revoked {
            grant.key() == self.key()
        } else {
            grant.details() == self.details() && grant.terms_version == self.terms_version
        };
        grant.id == self.grant_id
            && grant.status == status
            && grant.version == self.base_version + 1
            && same
    }
}

/// A statement and its device's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedConsent {
    pub statement: ConsentStatement,
    /// `v1a,<base64>` over [`ConsentStatement::canonical`].
    pub signature: String,
}

impl SignedConsent {
    /// Checks the signature against the key of its device in `keys` (a verified chain).
    pub fn verify(&self, keys: &BTreeMap<String, VerifyingKey>) -> Result<(), SigningError> {
        let device = &self.statement.device_id;
        let key = keys
            .get(device)
            .ok_or_else(|| SigningError::UnknownDevice(device.clone()))?;
        if verify_text(key, &self.statement.canonical()?, &self.signature) {
            Ok(())
        } else {
            Err(SigningError::BadSignature)
        }
    }
}
