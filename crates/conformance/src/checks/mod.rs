//! The checks: each one rule of the contract, with its name and the part of `docs/platform`
//! it proves. Each check enrolls its own cardholder, so checks do not depend on each other.

mod auth;
mod cards;
mod enroll;
mod errors;
mod feed;
mod grants;
mod idempotency;
mod idempotent_posts;
mod limits;
mod meta;
mod signatures;

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use crate::failure::Checked;
use crate::http::Target;
use crate::report::{CheckResult, Outcome};

type CheckFuture<'a> = Pin<Box<dyn Future<Output = Checked> + Send + 'a>>;

/// One executable rule of the contract.
pub struct Check {
    /// `area.rule`, e.g. `idempotency.replay`.
    pub name: &'static str,
    /// The part of the contract it proves (file and section or operation).
    pub proves: &'static str,
    /// Whether it needs the operator token (it is skipped without one).
    pub needs_operator: bool,
    body: for<'a> fn(&'a Target) -> CheckFuture<'a>,
}

impl Check {
    /// Runs it against `target`, failing it when it takes longer than `limit`.
    pub(crate) async fn run(&self, target: &Target, limit: Duration) -> CheckResult {
        let started = Instant::now();
        let outcome = if self.needs_operator && target.admin_token().is_none() {
            Outcome::Skip("needs the operator token (--admin-token)".to_owned())
        } else {
            match tokio::time::timeout(limit, (self.body)(target)).await {
                Ok(Ok(())) => Outcome::Pass,
                Ok(Err(failure)) => Outcome::Fail(failure.to_string()),
                Err(_) => Outcome::Fail(format!(
                    "did not finish within {} s (a request hung?)",
                    limit.as_secs()
                )),
            }
        };
        CheckResult {
            name: self.name,
            proves: self.proves,
            outcome,
            duration: started.elapsed(),
        }
    }
}

macro_rules! check {
    ($name:literal, $proves:literal, $operator:expr, $body:path) => {{
        fn body(target: &Target) -> CheckFuture<'_> {
            Box::pin($body(target))
        }
        Check {
            name: $name,
            proves: $proves,
            needs_operator: $operator,
            body,
        }
    }};
}

/// Every check, in the order they run. `errors.shape` comes last: besides its own probes it
/// audits every error answer the run received before it.
pub fn catalogue() -> Vec<Check> {
    vec![
        check!(
            "meta.health",
            "openapi.json: health, getOpenApi",
            false,
            meta::health
        ),
        check!(
            "enroll.new_cardholder",
            "openapi.json: enroll (Enrollment, PublicKey)",
            false,
            enroll::new_cardholder
        ),
        check!(
            "enroll.further_device",
            "openapi.json: enroll with cardholder_id + cardholder_secret; 401 on a wrong secret",
            false,
            enroll::further_device
        ),
        check!(
            "auth.missing_token",
            "openapi.json info: every device endpoint takes `Authorization: Bearer`; Error `unauthorized`",
            false,
            auth::missing_token
        ),
        check!(
            "auth.forged_token",
            "openapi.json info + securitySchemes.deviceToken: only a token from POST /v1/enroll",
            false,
            auth::forged_token
        ),
        check!(
            "auth.revoked_token",
            "openapi.json: removeDevice (a removed device's token is refused)",
            false,
            auth::revoked_token
        ),
        check!(
            "auth.cardholder_isolation",
            "openapi.json: getEvent (404 not in this cardholder's feed), simulateSettle, removeCard",
            false,
            auth::cardholder_isolation
        ),
        check!(
            "auth.operator_endpoints",
            "openapi.json: securitySchemes.adminToken (operator endpoints refuse device tokens)",
            false,
            auth::operator_endpoints
        ),
        check!(
            "cards.link_and_list",
            "openapi.json: linkCard, listCards; README: no card number outside POST /v1/cards",
            false,
            cards::link_and_list
        ),
        check!(
            "cards.refused_numbers",
            "openapi.json: linkCard codes; README: card_number_in_text",
            false,
            cards::refused_numbers
        ),
        check!(
            "grants.versions",
            "openapi.json: applyConsentChange, Grant.version (1 on creation, +1 per change)",
            false,
            grants::versions
        ),
        check!(
            "grants.stale_version",
            "openapi.json: applyConsentChange 409 `version_conflict` with `current`",
            false,
            grants::stale_version
        ),
        check!(
            "grants.signed_changes",
            "README: Signed consent changes (unsigned_change, bad_consent_signature, statement_mismatch, device_not_in_chain)",
            false,
            grants::signed_changes
        ),
        check!(
            "grants.consent_rule",
            "openapi.json: simulatePurchase (apps react only under an active matching grant)",
            false,
            grants::consent_rule
        ),
        check!(
            "idempotency.replay",
            "openapi.json: applyConsentChange (same key + same request → stored answer, Idempotent-Replayed)",
            false,
            idempotency::replay
        ),
        check!(
            "idempotency.replay_same_json_value",
            "openapi.json: applyConsentChange (a request is its method, path and JSON value)",
            false,
            idempotency::replay_same_json_value
        ),
        check!(
            "idempotency.conflict",
            "openapi.json: applyConsentChange (same key + another request → 409 `idempotency_key_reused`)",
            false,
            idempotency::conflict
        ),
        check!(
            "idempotency.key_required",
            "openapi.json: applyConsentChange 400 (`idempotency_key_missing`, `idempotency_key_invalid`)",
            false,
            idempotency::key_required
        ),
        check!(
            "idempotency.creating_posts",
            "openapi.json: enroll, linkCard, simulatePurchase (Idempotency-Key: replay, 409 `idempotency_key_reused`)",
            false,
            idempotent_posts::creating_posts
        ),
        check!(
            "idempotency.per_cardholder",
            "openapi.json: OptionalIdempotencyKey (keys are the cardholder's own)",
            false,
            idempotent_posts::per_cardholder
        ),
        check!(
            "idempotency.errors_not_stored",
            "openapi.json: simulatePurchase (successful answers are stored; errors are not)",
            false,
            idempotent_posts::errors_not_stored
        ),
        check!(
            "feed.cursor_pages",
            "openapi.json: listEvents, FeedPage (ordered, resumable, no gaps, no duplicates)",
            false,
            feed::cursor_pages
        ),
        check!(
            "feed.long_poll_wakes",
            "openapi.json: listEvents `wait` (held open until an event arrives)",
            false,
            feed::long_poll_wakes
        ),
        check!(
            "feed.long_poll_holds",
            "openapi.json: listEvents `wait` (an empty result is held for `wait` seconds)",
            false,
            feed::long_poll_holds
        ),
        check!(
            "feed.bad_parameters",
            "openapi.json: listEvents 400 (bad cursor or parameter; limit 1–500, wait 0–30)",
            false,
            feed::bad_parameters
        ),
        check!(
            "signatures.feed",
            "README: The wire (v1a over {id}.{timestamp}.{body}); FeedItem; EventEnvelope.cardholder_id",
            false,
            signatures::feed
        ),
        check!(
            "signatures.single_event",
            "openapi.json: getEvent (webhook-id, webhook-timestamp, webhook-signature headers)",
            false,
            signatures::single_event
        ),
        check!(
            "keys.published",
            "README: Signing keys and their endorsements; openapi.json: listKeys, PublicKey, KeyEndorsement",
            false,
            signatures::keys_published
        ),
        check!(
            "keys.rotation",
            "README: Signing keys (rotation: active → retired, next → active, new next endorsed; the retired key co-signs until signs_until); rotateKeys",
            true,
            signatures::rotation
        ),
        check!(
            "limits.body_size",
            "README: bodies ≤ 64 KiB (413 `payload_too_large`, never 5xx)",
            false,
            limits::body_size
        ),
        check!(
            "limits.field_bounds",
            "openapi.json: EnrollRequest, LinkCardRequest, PurchaseRequest, grant_id bounds (4xx, never 5xx)",
            false,
            limits::field_bounds
        ),
        check!(
            "limits.currencies",
            "openapi.json: listCurrencies, Money.currency, PurchaseAmount (the published bounds are the enforced ones)",
            false,
            limits::currencies
        ),
        check!(
            "limits.integer_forms",
            "README: The wire (an integer may be written 1.0, as JSON Schema reads it; 1.5 is refused)",
            false,
            limits::integer_forms
        ),
        check!(
            "errors.shape",
            "openapi.json: Error, responses.Error (every error is {code, message}, 4xx, documented code)",
            false,
            errors::shape
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_dotted() {
        let checks = catalogue();
        let mut names: Vec<&str> = checks.iter().map(|c| c.name).collect();
        assert!(names.iter().all(|n| n.split_once('.').is_some()));
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), checks.len());
        assert_eq!(checks.last().map(|c| c.name), Some("errors.shape"));
    }
}
