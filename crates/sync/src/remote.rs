//! Adopting a grant state the platform reports (from `consent.changed` or `GET /v1/grants`):
//! only when it is newer than what this device knows, only when no local change of that
//! grant is still on its way (the drain settles those, see `resolve.rs`), and only when it
//! differs from the local state. Adopted states are written to the ledger as remote entries.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use consentry_domain::{ConsentAction, Grant, GrantKey, GrantStatus};

use consentry_store::{signed_changes, StoreError};

use crate::engine::{Engine, PLATFORM_DEVICE};
use crate::error::SyncError;
use crate::wire::RemoteGrant;

/// What happened to one remote grant state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Adoption {
    /// Recorded in the ledger.
    Recorded,
    /// Already this device's state; only its version was noted.
    Same,
    /// Not newer than what this device knows.
    Stale,
    /// A local change of this grant is pending: the drain decides.
    Pending,
    /// The wallet refused to record it (logged; the feed goes on).
    Refused,
    /// No device of the cardholder signed it: kept as the platform's claim, not recorded.
    Claimed,
}

/// Whether two states of a grant mean the same thing for the cardholder at `now`: same
/// status, and (unless revoked) same channels, trigger, minimum, expiry and terms.
pub(crate) fn same_state(a: &Grant, b: &Grant, now: DateTime<Utc>) -> bool {
    let status = a.status_at(now);
    if status != b.status_at(now) {
        return false;
    }
    if status == GrantStatus::Revoked {
        return true;
    }
    a.channels == b.channels
        && a.trigger == b.trigger
        && a.min_purchase == b.min_purchase
        && a.expires_at == b.expires_at
        && a.terms_version == b.terms_version
        && a.pending_terms_version == b.pending_terms_version
}

/// The ledger action that takes `local` to `remote`.
pub(crate) fn action_between(
    local: Option<&Grant>,
    remote: &Grant,
    now: DateTime<Utc>,
) -> ConsentAction {
    match remote.status_at(now) {
        GrantStatus::Revoked => ConsentAction::Revoke,
        GrantStatus::NeedsReconsent => ConsentAction::NeedsReconsent,
        GrantStatus::Expired => ConsentAction::Expire,
        GrantStatus::Active => match local {
            None => ConsentAction::Grant,
            Some(l) if l.status == GrantStatus::Revoked => ConsentAction::Grant,
            Some(l)
                if l.status == GrantStatus::NeedsReconsent
                    && remote.terms_version > l.terms_version =>
            {
                ConsentAction::Reconsent
            }
            Some(l)
                if l.channels != remote.channels
                    || l.trigger != remote.trigger
                    || l.min_purchase != remote.min_purchase
                    || l.granted_at != remote.granted_at =>
            {
                ConsentAction::Grant
            }
            Some(_) => ConsentAction::Renew,
        },
    }
}

impl Engine {
    /// Adopts `remote` if it is newer and nothing local is pending for it. `action` is the
    /// platform's own word for the change when known (`consent.changed`). `current`: `remote`
    /// is the platform's state right now (`GET /v1/grants`), so it is adopted whenever it
    /// differs, even at a version this device already knows.
    pub(crate) async fn adopt(
        &mut self,
        reported: &RemoteGrant,
        action: Option<ConsentAction>,
        current: bool,
        pending: &HashSet<GrantKey>,
        event_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Adoption, SyncError> {
        let remote = &reported.grant;
        if !current && remote.version <= self.known_version(&remote.id) {
            return Ok(Adoption::Stale);
        }
        let key = remote.key();
        if pending.contains(&key) {
            return Ok(Adoption::Pending);
        }
        let local = self.local_grant(&key).await?;
        let seen = [(remote.id.clone(), remote.version)];
        if local.as_ref().is_some_and(|l| same_state(l, remote, now)) {
            self.remember_versions(&seen, now).await?;
            return Ok(Adoption::Same);
        }
        // The cardholder may have changed it here meanwhile: theirs goes first, through the drain.
        if self.pending_keys().await?.contains(&key) {
            return Ok(Adoption::Pending);
        }
        // Only what a device of the cardholder signed is the cardholder's decision.
        let author = match self.vouched(remote, reported.signed.as_deref(), now).await {
            Ok(author) => author,
            Err(reason) => {
                self.claim(remote, &reason, event_id, now).await?;
                self.remember_versions(&seen, now).await?;
                return Ok(Adoption::Claimed);
            }
        };
        let terms_hash = reported
            .signed
            .as_ref()
            .filter(|s| s.statement.device_id == author)
            .map(|s| s.statement.terms_hash);
        let action = action
            .filter(|a| crate::change::is_sent(*a) || *a == ConsentAction::NeedsReconsent)
            .filter(|a| *a != ConsentAction::Renew || local.is_some())
            .unwrap_or_else(|| action_between(local.as_ref(), remote, now));
        match self
            .record_remote(action, remote, terms_hash, &author, now)
            .await
        {
            Ok(seq) => {
                let signed = reported
                    .signed
                    .as_ref()
                    .filter(|_| author != PLATFORM_DEVICE);
                if let Some(signed) = signed {
                    signed_changes::put(&self.pool, seq, signed).await?;
                }
            }
            // A state the wallet refuses to keep (an id that looks like a card number): it
            // must not stop the feed behind it. The event itself is stored (redacted).
            Err(SyncError::Store(
                e @ (StoreError::CardNumberInText { .. } | StoreError::Invalid { .. }),
            )) => {
                tracing::warn!(error = %e, grant = %remote.id, "a remote grant state was not recorded");
                return Ok(Adoption::Refused);
            }
            Err(e) => return Err(e),
        }
        self.remember_versions(&seen, now).await?;
        Ok(Adoption::Recorded)
    }
}
