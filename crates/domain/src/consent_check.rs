//! Did the cardholder allow this? Whether a grant covers a payment ([`Grant::check`]),
//! and, from the consent ledger, whether an app event was covered by a grant when it
//! happened — or is a consent violation to flag ([`check_consent`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Channel, Event, Grant, GrantKey, GrantStatus, Ledger, LedgerEntry, Money, Scope};

/// Why a grant does not cover a payment or event; see [`Grant::check`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GrantRefusal {
    #[error("the grant is {status}")]
    NotActive { status: GrantStatus },
    #[error("the grant expired at {expires_at}")]
    Expired { expires_at: DateTime<Utc> },
    #[error("the grant was made at {granted_at}, after this happened")]
    NotYetGranted { granted_at: DateTime<Utc> },
    #[error("the {channel} channel is not granted")]
    ChannelNotGranted { channel: Channel },
    #[error("the purchase is below the minimum of {minimum}")]
    BelowMinimum { minimum: Money },
    #[error("the minimum purchase is in {}, not {}", minimum.currency, found.currency)]
    CurrencyMismatch { minimum: Money, found: Money },
}

impl Grant {
    /// The status as of `at`: an active grant past its expiry counts as expired even
    /// before its `Expire` change is recorded.
    pub fn status_at(&self, at: DateTime<Utc>) -> GrantStatus {
        let past_expiry = self.expires_at.is_some_and(|expiry| expiry <= at);
        if self.status == GrantStatus::Active && past_expiry {
            GrantStatus::Expired
        } else {
            self.status
        }
    }

    /// Whether this grant covers a payment of `amount` over `channel` at `at`.
    pub fn permits(&self, channel: Channel, amount: &Money, at: DateTime<Utc>) -> bool {
        self.check(Some(channel), Some(amount), at).is_ok()
    }

    /// Like [`Grant::permits`] but says why not. `channel`/`amount` are `None` for events
    /// not tied to a payment (e.g. a points top-up): only status and dates apply then.
    pub fn check(
        &self,
        channel: Option<Channel>,
        amount: Option<&Money>,
        at: DateTime<Utc>,
    ) -> Result<(), GrantRefusal> {
        if self.status != GrantStatus::Active {
            return Err(GrantRefusal::NotActive {
                status: self.status,
            });
        }
        if let Some(expires_at) = self.expires_at.filter(|expiry| *expiry <= at) {
            return Err(GrantRefusal::Expired { expires_at });
        }
        if at < self.granted_at {
            return Err(GrantRefusal::NotYetGranted {
                granted_at: self.granted_at,
            });
        }
        if let Some(channel) = channel.filter(|c| !self.channels.contains(c)) {
            return Err(GrantRefusal::ChannelNotGranted { channel });
        }
        if let (Some(minimum), Some(found)) = (self.min_purchase, amount) {
            if minimum.currency != found.currency {
                return Err(GrantRefusal::CurrencyMismatch {
                    minimum,
                    found: *found,
                });
            }
            if found.minor < minimum.minor {
                return Err(GrantRefusal::BelowMinimum { minimum });
            }
        }
        Ok(())
    }
}

/// What an app did: app × card × scope, over which channel, for how much, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentQuery {
    pub key: GrantKey,
    /// `None` when the event is not tied to a payment; channels are not checked then.
    pub channel: Option<Channel>,
    /// `None` when the event is not tied to a payment; the minimum is not checked then.
    pub amount: Option<Money>,
    pub at: DateTime<Utc>,
}

impl ConsentQuery {
    /// The query for an app event; `None` for platform events (no app or no scope),
    /// which need no consent.
    pub fn for_event(event: &Event) -> Option<ConsentQuery> {
        let scope: Scope = event.scope()?;
        let app_id = event.app_id.clone()?;
        let payment = event.payload.payment();
        Some(ConsentQuery {
            key: GrantKey {
                app_id,
                card_token: event.card_token.clone(),
                scope,
            },
            channel: payment.map(|p| p.channel),
            amount: payment.map(|p| p.amount),
            at: event.occurred_at,
        })
    }
}

/// Why an event was not covered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ViolationReason {
    #[error("the app had no permission for this on this card at that time")]
    NeverGranted,
    #[error("{refusal}")]
    Refused { refusal: GrantRefusal },
    /// The cardholder revoked the grant at `revoked_at` and the platform acknowledged it; the
    /// event was made after that, whatever time it claims (it lies past the feed position
    /// the platform had reached when it acknowledged).
    #[error("the permission was revoked at {revoked_at} and the platform knew it; this was delivered after")]
    DeliveredAfterRevocation { revoked_at: DateTime<Utc> },
}

/// The verdict on one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum ConsentDecision {
    Allowed,
    /// Keep the event, flag it, and show `history` (every ledger entry for this
    /// app × card × scope) so the cardholder can see what they had decided.
    Violation {
        reason: ViolationReason,
        history: Vec<LedgerEntry>,
    },
}

impl ConsentDecision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, ConsentDecision::Allowed)
    }
}

/// Judges `query` against the grant as it stood at `query.at`.
///
/// `history` may be the whole ledger (in chain order); entries for other grants are
/// ignored. The state at the event's own time is what counts: a receipt for a payment
/// made before a revoke is fine, one made after it is a violation, however late either
/// arrives.
pub fn check_consent<'a>(
    history: impl IntoIterator<Item = &'a LedgerEntry>,
    query: &ConsentQuery,
) -> ConsentDecision {
    let relevant: Vec<&LedgerEntry> = history
        .into_iter()
        .filter(|entry| entry.grant.key() == query.key)
        .collect();
    let state_then = Ledger::replay(relevant.iter().copied().filter(|e| e.at <= query.at));
    let refusal = match state_then.get(&query.key) {
        None => ViolationReason::NeverGranted,
        Some(grant) => match grant.check(query.channel, query.amount.as_ref(), query.at) {
            Ok(()) => return ConsentDecision::Allowed,
            Err(refusal) => ViolationReason::Refused { refusal },
        },
    };
    ConsentDecision::Violation {
        reason: refusal,
        history: relevant.into_iter().cloned().collect(),
    }
}
