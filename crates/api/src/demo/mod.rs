//! The demo platform's controls: a simulated purchase (refused by a real platform), and, only
//! with the embedded demo platform's operator token, an app publishing new terms, ignoring
//! the cardholder's choices once, or keeping the cashback of a past purchase (so re-consent,
//! a violation and a missing-reward claim can be seen).

use chrono::{DateTime, Duration, Utc};
use consentry_domain::{Currency, Grant, GrantStatus};
use consentry_store::{apps, cards, grants, ledger};
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

/// The paragraph the demo adds to an app's terms.
const DEMO_PARAGRAPH: &str = "We may also share the total of each purchase with our partners, \
once a month, to suggest better offers.";
/// The same paragraph in French.
const DEMO_PARAGRAPH_FR: &str = "Nous pourrons aussi communiquer le total de chaque achat à nos \
partenaires, une fois par mois, pour vous proposer de meilleures offres.";

/// The demo's next terms: the current text with its first sentence reworded and one paragraph
/// added, so that the change shows word by word.
fn demo_terms(current: &str, version: u32) -> String {
    let reworded = current.replacen(". ", ", as updated in this version. ", 1);
    format!("{reworded}\n\n{DEMO_PARAGRAPH} (Version {version}.)")
}

/// [`demo_terms`] for the French text of the terms.
fn demo_terms_fr(current: &str, version: u32) -> String {
    let reworded = current.replacen(". ", ", selon cette nouvelle version. ", 1);
    format!("{reworded}\n\n{DEMO_PARAGRAPH_FR} (Version {version}.)")
}

/// The embedded demo platform's operator token and the app a control acts for: refused with
/// `refusal` against any other platform (before any call, the operator token never leaves for
/// it), not found when the directory has no such app.
async fn operated_app<'c>(
    ctx: &'c Context,
    app_id: &str,
    refusal: &str,
) -> Result<(&'c OperatorToken, apps::CachedApp), ApiError> {
    let Some(operator) = ctx.demo_operator() else {
        return Err(ApiError::invalid_input(refusal));
    };
    if ctx.sync().syncer().await.is_ok() && !ctx.on_demo_platform().await {
        return Err(ApiError::invalid_input(refusal));
    }
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
    let syncer = ctx.sync().enrolled_syncer().await?;
    let client = syncer.client().await?;
    // The new version in English and, when the platform has the current terms in French, in
    // French too: each cardholder reads the change in their language.
    let current =
        |list: Vec<consentry_sync::PlatformApp>| list.into_iter().find(|a| a.id == app.listing.id);
    let english = current(client.apps_in("en").await?).ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            format!("the platform lists no app {}", app.listing.id),
        )
    })?;
    let version = english.terms_version.saturating_add(1);
    let mut translations = std::collections::BTreeMap::new();
    if let Some(french) = current(client.apps_in("fr").await?) {
        if french.terms_language == "fr" && french.terms_version == english.terms_version {
            translations.insert("fr".to_owned(), demo_terms_fr(&french.terms_text, version));
        }
    }
    let text = demo_terms(&english.terms_text, version);
    let published = client
        .publish_terms(operator, &request.app_id, version, &text, &translations)
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

/// Demo platform only: the app keeps the cashback of a purchase made days ago, so Rewards
/// shows the claim pack a missing reward comes with.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DemoUnrewardedRequest {
    pub app_id: String,
    pub card_token: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DemoUnrewardedSent {
    pub transaction_id: String,
    pub merchant: String,
    pub amount: Money,
    /// When the purchase settled: [`DEMO_DAYS_AGO`] days back, or just after the app's
    /// cashback permission started when that is more recent.
    pub settled_at: DateTime<Utc>,
    /// Events the purchase produced (none of them from this app).
    pub events: u32,
}

/// How far back the demo dates a purchase the app did not reward.
pub const DEMO_DAYS_AGO: i64 = 3;
/// A merchant the reference platform knows, so receipt apps itemise the purchase.
const DEMO_MERCHANT: &str = "Marché Frais";
/// The amount, unless the permission's minimum is higher: €24.90 (or 24.90 in the card's
/// currency).
const DEMO_AMOUNT_MINOR: i64 = 2490;

/// When the demo's unrewarded purchase settles: [`DEMO_DAYS_AGO`] days back, but never
/// before the permission it owes cashback under was in force — by the wallet's ledger (the
/// cardholder's clock, which a claim is judged against) and by the platform's record (which
/// refuses an earlier date) — and never after `now`.
fn settlement_time(
    now: DateTime<Utc>,
    in_ledger_since: DateTime<Utc>,
    on_platform_since: DateTime<Utc>,
) -> DateTime<Utc> {
    let days_ago = now - Duration::days(DEMO_DAYS_AGO);
    let granted = in_ledger_since.max(on_platform_since) + Duration::seconds(1);
    days_ago.max(granted).min(now)
}

/// A purchase the permission covers: on its card channel if it has it (else its first), for
/// at least its minimum, in the minimum's currency, else the card's, else euros.
fn covered_purchase(
    grant: &Grant,
    card_currency: Option<Currency>,
) -> (consentry_domain::Channel, consentry_domain::Money) {
    let channel = if grant.channels.contains(&consentry_domain::Channel::Card) {
        consentry_domain::Channel::Card
    } else {
        grant
            .channels
            .iter()
            .next()
            .copied()
            .unwrap_or(consentry_domain::Channel::Card)
    };
    let amount = match grant.min_purchase {
        Some(minimum) => {
            consentry_domain::Money::new(minimum.minor.max(DEMO_AMOUNT_MINOR), minimum.currency)
        }
        None => {
            consentry_domain::Money::new(DEMO_AMOUNT_MINOR, card_currency.unwrap_or(Currency::EUR))
        }
    };
    (channel, amount)
}

pub async fn demo_unrewarded_purchase(
    ctx: &Context,
    request: DemoUnrewardedRequest,
) -> Result<DemoUnrewardedSent, ApiError> {
    let (operator, _app) = operated_app(
        ctx,
        &request.app_id,
        "only the demo platform lets an app keep a cashback on purpose",
    )
    .await?;
    let pool = ctx.pool().await?;
    let key = consentry_domain::GrantKey {
        app_id: request.app_id.clone(),
        card_token: request.card_token.clone(),
        scope: consentry_domain::Scope::Cashback,
    };
    let now = Utc::now();
    let grant = grants::get(&pool, &key)
        .await?
        .filter(|g| g.status_at(now) == GrantStatus::Active)
        .ok_or_else(|| {
            ApiError::invalid_input("this app has no cashback permission on this card to owe under")
        })?;
    // Since when the wallet's ledger shows the permission as it stands.
    let in_ledger_since = ledger::entries(&pool)
        .await?
        .iter()
        .rev()
        .find(|e| e.grant.key() == key)
        .map_or(grant.granted_at, |e| e.at);
    let syncer = ctx.sync().enrolled_syncer().await?;
    // A permission given a moment ago reaches the platform first.
    syncer.drain_outbox(now).await?;
    let client = syncer.client().await?;
    let on_platform_since = client
        .grants()
        .await?
        .into_iter()
        .find(|g| g.key() == key && g.status == GrantStatus::Active)
        .map(|g| g.granted_at)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::PlatformUnavailable,
                "the platform does not have this cashback permission yet; try again in a moment",
            )
        })?;
    let card_currency = cards::purchase_currency(&pool, &request.card_token)
        .await?
        .and_then(|code| Currency::new(&code).ok());
    let (channel, amount) = covered_purchase(&grant, card_currency);
    let settled_at = settlement_time(Utc::now(), in_ledger_since, on_platform_since);
    let recorded = client
        .unrewarded_purchase(
            operator,
            &request.app_id,
            &consentry_sync::UnrewardedPurchase {
                card_token: request.card_token.clone(),
                amount,
                merchant: DEMO_MERCHANT.to_owned(),
                channel,
                settled_at,
            },
        )
        .await?;
    // Bring the purchase in now, so Rewards lists the claim when the cardholder looks.
    if let Err(e) = syncer.pull_events(Utc::now()).await {
        tracing::warn!(error = %e, "the demo purchase will arrive with the next sync");
        syncer.wake();
    }
    Ok(DemoUnrewardedSent {
        transaction_id: recorded.transaction_id,
        merchant: DEMO_MERCHANT.to_owned(),
        amount: Money::from(&amount),
        settled_at,
        events: u32::try_from(recorded.event_ids.len()).unwrap_or(u32::MAX),
    })
}

#[cfg(test)]
mod tests {
    use super::{
        covered_purchase, demo_terms, demo_terms_fr, settlement_time, unallowed_scope,
        DEMO_DAYS_AGO,
    };
    use chrono::{Duration, TimeZone, Utc};
    use consentry_domain::{Channel, Currency, Grant, GrantDetails, Money, Scope, Trigger};

    #[test]
    fn the_unrewarded_purchase_is_days_old_but_never_older_than_its_permission() {
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap();
        let old = now - Duration::days(30);
        // An old permission: three days back.
        assert_eq!(
            settlement_time(now, old, old + Duration::minutes(1)),
            now - Duration::days(DEMO_DAYS_AGO)
        );
        // A recent one: just after the later of the wallet's and the platform's start.
        let ledger = now - Duration::hours(2);
        let platform = ledger + Duration::milliseconds(300);
        assert_eq!(
            settlement_time(now, ledger, platform),
            platform + Duration::seconds(1)
        );
        assert_eq!(
            settlement_time(now, platform, ledger),
            platform + Duration::seconds(1)
        );
        // Given this very second: now, never in the future.
        assert_eq!(settlement_time(now, now, now), now);
    }

    #[test]
    fn the_unrewarded_purchase_is_one_the_permission_covers() {
        let details = |channels: &[Channel], min: Option<Money>| GrantDetails {
            app_id: "app_cashcove".into(),
            card_token: "tok_1".into(),
            scope: Scope::Cashback,
            channels: channels.iter().copied().collect(),
            trigger: Trigger::Authorization,
            min_purchase: min,
            expires_at: None,
        };
        let at = Utc::now();
        let grant = |d| Grant::new("grt_1", d, 1, at).unwrap();
        let usd = Currency::new("USD").unwrap();
        let plain = grant(details(&[Channel::Nfc, Channel::Card], None));
        assert_eq!(
            covered_purchase(&plain, Some(usd)),
            (Channel::Card, Money::new(2490, usd))
        );
        assert_eq!(
            covered_purchase(&plain, None),
            (Channel::Card, Money::new(2490, Currency::EUR))
        );
        let nfc_high = grant(details(
            &[Channel::Nfc],
            Some(Money::new(5000, Currency::EUR)),
        ));
        let (channel, amount) = covered_purchase(&nfc_high, Some(usd));
        assert_eq!(channel, Channel::Nfc);
        assert_eq!(amount, Money::new(5000, Currency::EUR));
        assert!(nfc_high.permits(channel, &amount, at));
    }

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
        let next = demo_terms_fr("Nous gardons vos reçus. Nous ne les vendons jamais.", 4);
        assert!(next.starts_with("Nous gardons vos reçus, selon cette nouvelle version. Nous"));
        assert!(next.ends_with("de meilleures offres. (Version 4.)"));
    }
}
