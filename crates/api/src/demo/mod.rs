//! The demo platform's controls: a simulated purchase (refused by a real platform), and, only
//! with the embedded demo platform's operator token, an app publishing new terms or ignoring
//! the cardholder's choices once (so re-consent and a violation can be seen).

use chrono::Utc;
use consentry_domain::GrantStatus;
use consentry_store::{apps, grants};
use consentry_sync::OperatorToken;

use crate::vocabulary::{Channel, Money, Scope};
use crate::{ApiError, Context, ErrorCode};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Demo platform only: pretend a card was just used, so the apps you allowed react.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PurchaseSimulateRequest {
    pub card_token: String,
    pub amount: Money,
    pub merchant: String,
    pub channel: Channel,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PurchaseSimulated {
    pub transaction_id: String,
    /// Events the purchase produced at once (the authorization and real-time reactions).
    pub events: u32,
}

pub async fn purchase_simulate(
    ctx: &Context,
    request: PurchaseSimulateRequest,
) -> Result<PurchaseSimulated, ApiError> {
    let amount = consentry_domain::Money::try_from(&request.amount)?;
    ctx.pool().await?;
    let syncer = ctx.sync().enrolled_syncer().await?;
    let client = syncer.client().await?;
    let done = client
        .simulate_purchase(
            &request.card_token,
            &amount,
            &request.merchant,
            request.channel.into(),
            Some(2_000),
        )
        .await?;
    // Pull what it produced now rather than at the next long-poll.
    syncer.wake();
    Ok(PurchaseSimulated {
        transaction_id: done.transaction_id,
        events: u32::try_from(done.event_ids.len()).unwrap_or(u32::MAX),
    })
}

/// Demo platform only: the app publishes new terms, so the cardholder sees what re-consent
/// looks like (its permissions wait for their answer).
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DemoTermsPublishRequest {
    pub app_id: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DemoTermsPublished {
    pub app_id: String,
    pub terms_version: u32,
}

/// The paragraph the demo adds to an app's terms (the platform's texts are English).
const DEMO_PARAGRAPH: &str = "We may also share the total of each purchase with our partners, \
once a month, to suggest better offers.";

/// The demo's next terms: the current text with its first sentence reworded and one paragraph
/// added, so that the change shows word by word.
fn demo_terms(current: &str, version: u32) -> String {
    let reworded = current.replacen(". ", ", as updated in this version. ", 1);
    format!("{reworded}\n\n{DEMO_PARAGRAPH} (Version {version}.)")
}

/// The embedded demo platform's operator token and the app a control acts for: refused with
/// `refusal` against any other platform (before any call), not found when the directory has
/// no such app.
async fn operated_app<'c>(
    ctx: &'c Context,
    app_id: &str,
    refusal: &str,
) -> Result<(&'c OperatorToken, apps::CachedApp), ApiError> {
    let Some(operator) = ctx.demo_operator() else {
        return Err(ApiError::invalid_input(refusal));
    };
    let app = apps::get(&ctx.pool().await?, app_id)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                format!("no app {app_id} in the directory"),
            )
        })?;
    Ok((operator, app))
}

pub async fn demo_terms_publish(
    ctx: &Context,
    request: DemoTermsPublishRequest,
) -> Result<DemoTermsPublished, ApiError> {
    let (operator, app) = operated_app(
        ctx,
        &request.app_id,
        "only the demo platform lets an app change its terms from here",
    )
    .await?;
    let version = app.listing.terms_version.saturating_add(1);
    let text = demo_terms(&app.listing.terms_text, version);
    let syncer = ctx.sync().enrolled_syncer().await?;
    let published = syncer
        .client()
        .await?
        .publish_terms(operator, &request.app_id, version, &text)
        .await?;
    // The new text now, and the grants' hold as soon as the feed brings it.
    syncer.refresh_directory(Utc::now()).await?;
    syncer.wake();
    Ok(DemoTermsPublished {
        app_id: published.id,
        terms_version: published.terms_version,
    })
}

/// Demo platform only: the app reacts to the card's latest purchase in a way the cardholder
/// did not allow, so the Activity screen shows how a violation is flagged.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DemoViolationRequest {
    pub app_id: String,
    pub card_token: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DemoViolationSent {
    /// What the app did without the cardholder's permission.
    pub scope: Scope,
    /// Events the app sent.
    pub events: u32,
}

/// A scope the app may not use on the card: one it asks for and does not hold (active), else
/// one it never asked for. `None` when it holds every scope there is.
fn unallowed_scope(
    requested: &[consentry_domain::Scope],
    active: &[consentry_domain::Scope],
) -> Option<consentry_domain::Scope> {
    requested
        .iter()
        .chain(consentry_domain::Scope::ALL)
        .find(|scope| !active.contains(scope))
        .copied()
}

pub async fn demo_violation(
    ctx: &Context,
    request: DemoViolationRequest,
) -> Result<DemoViolationSent, ApiError> {
    let (operator, app) = operated_app(
        ctx,
        &request.app_id,
        "only the demo platform lets an app misbehave on purpose",
    )
    .await?;
    let pool = ctx.pool().await?;
    let active: Vec<consentry_domain::Scope> = grants::for_card(&pool, &request.card_token)
        .await?
        .into_iter()
        .filter(|g| g.app_id == request.app_id && g.status == GrantStatus::Active)
        .map(|g| g.scope)
        .collect();
    let scope = unallowed_scope(&app.listing.requested_scopes, &active).ok_or_else(|| {
        ApiError::invalid_input("this app may already do everything on this card")
    })?;
    let syncer = ctx.sync().enrolled_syncer().await?;
    let events = syncer
        .client()
        .await?
        .rogue_event(operator, &request.app_id, &request.card_token, scope)
        .await?;
    syncer.wake();
    Ok(DemoViolationSent {
        scope: scope.into(),
        events: u32::try_from(events.len()).unwrap_or(u32::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::{demo_terms, unallowed_scope};
    use consentry_domain::Scope;

    #[test]
    fn a_violation_uses_a_scope_the_app_does_not_hold() {
        let asked = [Scope::Receipts, Scope::Points];
        assert_eq!(
            unallowed_scope(&asked, &[Scope::Receipts]),
            Some(Scope::Points)
        );
        // Everything it asked for is allowed: it does something it never asked for.
        let other = unallowed_scope(&asked, &asked).unwrap();
        assert!(!asked.contains(&other));
        assert_eq!(unallowed_scope(&asked, Scope::ALL), None);
    }

    #[test]
    fn the_demo_terms_reword_a_sentence_and_add_a_paragraph() {
        let next = demo_terms("We keep receipts. We never sell them.", 4);
        assert!(next.starts_with("We keep receipts, as updated in this version. We never"));
        assert!(next.ends_with("to suggest better offers. (Version 4.)"));
    }
}
