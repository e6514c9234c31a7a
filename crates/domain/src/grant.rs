//! A grant is the cardholder's permission: app × card × scope, with channels, trigger,
//! optional minimum purchase and optional expiry — and the rules for changing it.
//!
//! Transitions return a new `Grant` (one more `version`) or a `GrantError`; they never
//! mutate in place, so the caller can record the change before adopting it.
//!
//! A revocation is never undone implicitly: renew, reconsent and expiry all refuse a
//! revoked grant. Only an explicit new grant ([`Grant::regrant`]) makes it active again.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Channel, Money, Scope, Trigger};

vocabulary! {
    /// Where a grant stands.
    GrantStatus, "grant status" {
        Active => "active",
        /// The cardholder said no. Sticky until an explicit new grant.
        Revoked => "revoked",
        /// Its `expires_at` passed; the cardholder may renew it.
        Expired => "expired",
        /// The app changed its terms; nothing is permitted until the cardholder reconsents.
        NeedsReconsent => "needs_reconsent",
    }
}

vocabulary! {
    /// One consent change, as recorded in the consent ledger.
    ConsentAction, "consent action" {
        Grant => "grant",
        Revoke => "revoke",
        Renew => "renew",
        Expire => "expire",
        NeedsReconsent => "needs_reconsent",
        Reconsent => "reconsent",
        /// Audit note that two devices changed the same grant concurrently. It changes no
        /// state: the resolution is always recorded as its own, ordinary entry.
        Conflict => "conflict",
    }
}

/// What identifies a grant: one app, one card, one scope.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct GrantKey {
    pub app_id: String,
    pub card_token: String,
    pub scope: Scope,
}

impl GrantKey {
    /// Whether the key is of this app (if one is given) and on this card (if one is given).
    pub fn matches(&self, app_id: Option<&str>, card_token: Option<&str>) -> bool {
        app_id.is_none_or(|a| a == self.app_id) && card_token.is_none_or(|c| c == self.card_token)
    }

    /// The name of the first field (`app_id`, `card_token`, `scope`) in which `other`
    /// differs; `None` when it is the same key.
    pub fn first_difference(&self, other: &GrantKey) -> Option<&'static str> {
        first_false(&[
            ("app_id", self.app_id == other.app_id),
            ("card_token", self.card_token == other.card_token),
            ("scope", self.scope == other.scope),
        ])
    }
}

fn first_false(fields: &[(&'static str, bool)]) -> Option<&'static str> {
    fields.iter().find(|(_, same)| !same).map(|(name, _)| *name)
}

/// What the cardholder chose when granting (everything except lifecycle bookkeeping).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GrantDetails {
    pub app_id: String,
    pub card_token: String,
    pub scope: Scope,
    pub channels: BTreeSet<Channel>,
    pub trigger: Trigger,
    pub min_purchase: Option<Money>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl GrantDetails {
    pub fn key(&self) -> GrantKey {
        GrantKey {
            app_id: self.app_id.clone(),
            card_token: self.card_token.clone(),
            scope: self.scope,
        }
    }

    /// The name of the first field, in declaration order, in which `other` differs; `None`
    /// when they are the same details.
    pub fn first_difference(&self, other: &GrantDetails) -> Option<&'static str> {
        self.key().first_difference(&other.key()).or_else(|| {
            first_false(&[
                ("channels", self.channels == other.channels),
                ("trigger", self.trigger == other.trigger),
                ("min_purchase", self.min_purchase == other.min_purchase),
                ("expires_at", self.expires_at == other.expires_at),
            ])
        })
    }
}

/// The current state of one grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub id: String,
    pub app_id: String,
    pub card_token: String,
    pub scope: Scope,
    pub channels: BTreeSet<Channel>,
    pub trigger: Trigger,
    pub min_purchase: Option<Money>,
    pub expires_at: Option<DateTime<Utc>>,
    pub status: GrantStatus,
    /// The app terms version the cardholder agreed to.
    pub terms_version: u32,
    /// Newer terms the app published and the cardholder has not yet accepted.
    pub pending_terms_version: Option<u32>,
    /// When the cardholder last granted it explicitly.
    pub granted_at: DateTime<Utc>,
    /// When the last consent change happened.
    pub changed_at: DateTime<Utc>,
    /// Starts at 1, +1 on every consent change.
    pub version: u64,
}

/// Why a grant could not be created or changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("choose at least one payment channel")]
    NoChannels,
    #[error("the expiry date must be in the future")]
    ExpiryNotInFuture,
    #[error("the minimum purchase cannot be negative")]
    NegativeMinimum,
    #[error("a new grant must be for the same app, card and scope")]
    KeyMismatch,
    #[error("cannot {action} a grant that is {from}")]
    InvalidTransition {
        action: ConsentAction,
        from: GrantStatus,
    },
    #[error("the grant has not reached its expiry date")]
    NotDue,
    #[error("the app changed its terms: reconsent before renewing")]
    ReconsentRequired,
    #[error("terms version {offered} is not newer than {current}")]
    TermsNotNewer { current: u32, offered: u32 },
}

impl Grant {
    /// A first grant for this app × card × scope.
    pub fn new(
        id: impl Into<String>,
        details: GrantDetails,
        terms_version: u32,
        now: DateTime<Utc>,
    ) -> Result<Grant, GrantError> {
        validate_details(&details, now)?;
        Ok(Grant::from_details(
            id.into(),
            details,
            terms_version,
            now,
            1,
        ))
    }

    /// An explicit new grant on an existing key, from any status: the only way to
    /// re-activate a revoked grant. Replaces the details and clears pending terms.
    pub fn regrant(
        &self,
        id: impl Into<String>,
        details: GrantDetails,
        terms_version: u32,
        now: DateTime<Utc>,
    ) -> Result<Grant, GrantError> {
        if details.key() != self.key() {
            return Err(GrantError::KeyMismatch);
        }
        validate_details(&details, now)?;
        Ok(Grant::from_details(
            id.into(),
            details,
            terms_version,
            now,
            self.version + 1,
        ))
    }

    pub fn revoke(&self, now: DateTime<Utc>) -> Result<Grant, GrantError> {
        self.require(
            ConsentAction::Revoke,
            &[
                GrantStatus::Active,
                GrantStatus::Expired,
                GrantStatus::NeedsReconsent,
            ],
        )?;
        let mut next = self.changed(GrantStatus::Revoked, now);
        next.pending_terms_version = None;
        Ok(next)
    }

    /// Extends (or removes, with `None`) the expiry of an active or expired grant.
    pub fn renew(
        &self,
        expires_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<Grant, GrantError> {
        self.require(
            ConsentAction::Renew,
            &[GrantStatus::Active, GrantStatus::Expired],
        )?;
        if self.pending_terms_version.is_some() {
            return Err(GrantError::ReconsentRequired);
        }
        if expires_at.is_some_and(|at| at <= now) {
            return Err(GrantError::ExpiryNotInFuture);
        }
        let mut next = self.changed(GrantStatus::Active, now);
        next.expires_at = expires_at;
        Ok(next)
    }

    /// Records that the expiry date has passed.
    pub fn expire(&self, now: DateTime<Utc>) -> Result<Grant, GrantError> {
        self.require(
            ConsentAction::Expire,
            &[GrantStatus::Active, GrantStatus::NeedsReconsent],
        )?;
        match self.expires_at {
            Some(at) if at <= now => Ok(self.changed(GrantStatus::Expired, now)),
            _ => Err(GrantError::NotDue),
        }
    }

    /// The app published terms `new_terms_version`: suspend until the cardholder reconsents.
    pub fn needs_reconsent(
        &self,
        new_terms_version: u32,
        now: DateTime<Utc>,
    ) -> Result<Grant, GrantError> {
        self.require(ConsentAction::NeedsReconsent, &[GrantStatus::Active])?;
        self.require_newer(new_terms_version)?;
        let mut next = self.changed(GrantStatus::NeedsReconsent, now);
        next.pending_terms_version = Some(new_terms_version);
        Ok(next)
    }

    /// The cardholder accepted terms `terms_version` (the pending ones, or newer).
    pub fn reconsent(&self, terms_version: u32, now: DateTime<Utc>) -> Result<Grant, GrantError> {
        self.require(ConsentAction::Reconsent, &[GrantStatus::NeedsReconsent])?;
        self.require_newer(terms_version)?;
        if let Some(pending) = self.pending_terms_version.filter(|p| terms_version < *p) {
            return Err(GrantError::TermsNotNewer {
                current: pending,
                offered: terms_version,
            });
        }
        let mut next = self.changed(GrantStatus::Active, now);
        next.terms_version = terms_version;
        next.pending_terms_version = None;
        Ok(next)
    }

    pub fn key(&self) -> GrantKey {
        GrantKey {
            app_id: self.app_id.clone(),
            card_token: self.card_token.clone(),
            scope: self.scope,
        }
    }

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

    pub(crate) fn from_details(
        id: String,
        details: GrantDetails,
        terms_version: u32,
        now: DateTime<Utc>,
        version: u64,
    ) -> Grant {
        let GrantDetails {
            app_id,
            card_token,
            scope,
            channels,
            trigger,
            min_purchase,
            expires_at,
        } = details;
        Grant {
            id,
            app_id,
            card_token,
            scope,
            channels,
            trigger,
            min_purchase,
            expires_at,
            status: GrantStatus::Active,
            terms_version,
            pending_terms_version: None,
            granted_at: now,
            changed_at: now,
            version,
        }
    }

    fn changed(&self, status: GrantStatus, now: DateTime<Utc>) -> Grant {
        Grant {
            status,
            changed_at: now,
            version: self.version + 1,
            ..self.clone()
        }
    }

    fn require(&self, action: ConsentAction, from: &[GrantStatus]) -> Result<(), GrantError> {
        if from.contains(&self.status) {
            Ok(())
        } else {
            Err(GrantError::InvalidTransition {
                action,
                from: self.status,
            })
        }
    }

    fn require_newer(&self, offered: u32) -> Result<(), GrantError> {
        if offered > self.terms_version {
            Ok(())
        } else {
            Err(GrantError::TermsNotNewer {
                current: self.terms_version,
                offered,
            })
        }
    }
}

fn validate_details(details: &GrantDetails, now: DateTime<Utc>) -> Result<(), GrantError> {
    if details.channels.is_empty() {
        return Err(GrantError::NoChannels);
    }
    if details.expires_at.is_some_and(|at| at <= now) {
        return Err(GrantError::ExpiryNotInFuture);
    }
    if details.min_purchase.is_some_and(|m| m.is_negative()) {
        return Err(GrantError::NegativeMinimum);
    }
    Ok(())
}
