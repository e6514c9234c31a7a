//! What the cardholder got back, and what the platform earned ([`rewards_summary`]): points per
//! program, cashback pending / paid / cancelled per currency, open offers by soonest expiry,
//! the apps that earned the cardholder most, monthly series per app for the charts, and the
//! platform's commission per app and per month.
//!
//! Money never mixes currencies: every total is per currency, in integer minor units.

pub mod claims;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use consentry_domain::{EventPayload, FeeModel};
use consentry_store::apps;
use consentry_store::reward_stats::{self, CashbackState};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::views::DiscountView;
use crate::vocabulary::Money;
use crate::{ApiError, Context, ErrorCode};

/// Months of series when the request names none.
pub const DEFAULT_MONTHS: u32 = 12;
/// Open offers listed.
pub const OFFERS_SHOWN: u32 = 20;
/// Apps in the "earned you most" list.
pub const TOP_APPS: usize = 5;

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RewardsSummaryRequest {
    /// Only this card.
    pub card_token: Option<String>,
    /// How many calendar months the series cover, this one included: 1 to 120, 12 when absent.
    pub months: Option<u32>,
}

/// An app named in the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppName {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProgramPointsView {
    pub program: String,
    pub app_id: Option<String>,
    /// The balance the program last reported.
    pub balance: i64,
    /// Points earned through the wallet's events (sum of awards).
    pub earned: i64,
    pub awards: u64,
}

/// Cashback in one currency: `pending` is announced and not settled yet, `cancelled` was
/// announced but the purchase settled or was reversed without a payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CashbackTotals {
    pub currency: String,
    pub pending: Money,
    pub paid: Money,
    pub cancelled: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OfferView {
    pub event_id: String,
    pub offer_id: String,
    pub code: String,
    pub description: String,
    pub discount: DiscountView,
    /// `null`: no expiry.
    pub expires_at: Option<DateTime<Utc>>,
    pub app_id: Option<String>,
    pub app_name: Option<String>,
    pub card_last4: Option<String>,
}

/// What one app earned the cardholder: cashback (paid and pending) per currency, and points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppEarnings {
    pub app_id: String,
    pub app_name: Option<String>,
    /// Largest first.
    pub cashback: Vec<Money>,
    pub points: i64,
}

/// One app's cashback in one month and currency: paid that month, and announced that month
/// and still pending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MonthlyCashback {
    /// `YYYY-MM` (UTC).
    pub month: String,
    pub app_id: Option<String>,
    pub paid: Money,
    pub pending: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MonthlyPoints {
    /// `YYYY-MM` (UTC).
    pub month: String,
    pub app_id: Option<String>,
    pub points: i64,
}

/// What the platform earned on the cardholder's purchases through one app (`appId` null:
/// purchases no app acted on), in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppCommission {
    pub app_id: Option<String>,
    pub app_name: Option<String>,
    pub amount: Money,
    /// Purchases it was earned on.
    pub purchases: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MonthlyCommission {
    /// `YYYY-MM` (UTC).
    pub month: String,
    pub app_id: Option<String>,
    pub amount: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RewardsSummary {
    /// The months the series cover, oldest first (every month, with or without data).
    pub months: Vec<String>,
    /// Names of the apps the summary mentions.
    pub apps: Vec<AppName>,
    pub points: Vec<ProgramPointsView>,
    /// All time, per currency.
    pub cashback: Vec<CashbackTotals>,
    /// Open offers, soonest expiry first.
    pub offers: Vec<OfferView>,
    /// The apps that earned the cardholder most (all time), most first.
    pub top_apps: Vec<AppEarnings>,
    pub cashback_by_month: Vec<MonthlyCashback>,
    pub points_by_month: Vec<MonthlyPoints>,
    /// Over the series' months, per app and currency, largest first.
    pub commission_by_app: Vec<AppCommission>,
    pub commission_by_month: Vec<MonthlyCommission>,
}

/// The first instant of the month `back` months before `now`'s, and of the month after `now`'s.
fn series_range(now: DateTime<Utc>, months: u32) -> (DateTime<Utc>, DateTime<Utc>, Vec<String>) {
    let this_month = NaiveDate::from_ymd_opt(now.year(), now.month(), 1).unwrap_or_default();
    let first = this_month
        .checked_sub_months(Months::new(months.saturating_sub(1)))
        .unwrap_or(this_month);
    let end = this_month
        .checked_add_months(Months::new(1))
        .unwrap_or(this_month);
    let mut labels = Vec::with_capacity(months as usize);
    let mut month = first;
    while month < end {
        labels.push(month.format("%Y-%m").to_string());
        month = month.checked_add_months(Months::new(1)).unwrap_or(end);
    }
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    (midnight(first), midnight(end), labels)
}

fn month_of(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m")
        .to_string()
}

fn money(minor: i64, currency: &str) -> Money {
    Money {
        minor,
        currency: currency.to_owned(),
    }
}

/// Adds `amount` to `total`. A total past what 64 bits hold is a clear error, never a wrapped
/// or panicking sum (the wallet admits amounts up to 10¹³ each; only a platform sending about
/// a million of them could get there).
fn add(total: &mut i64, amount: i64) -> Result<(), ApiError> {
    *total = total.checked_add(amount).ok_or_else(|| {
        ApiError::new(
            ErrorCode::PlatformRejected,
            "a rewards total is larger than the wallet can count: the platform sent amounts no account holds",
        )
    })?;
    Ok(())
}

async fn cashback_part(
    pool: &SqlitePool,
    card: Option<&str>,
    range: (i64, i64),
) -> Result<
    (
        Vec<CashbackTotals>,
        Vec<MonthlyCashback>,
        BTreeMap<String, BTreeMap<String, i64>>,
    ),
    ApiError,
> {
    let outcomes = reward_stats::cashback_outcomes(pool, card).await?;
    // currency → (pending, paid, cancelled)
    let mut totals: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    // (month, app, currency) → (paid, pending)
    let mut monthly: BTreeMap<(String, Option<String>, String), (i64, i64)> = BTreeMap::new();
    // app → currency → earned (paid + pending)
    let mut by_app: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let in_range = |ms: i64| ms >= range.0 && ms < range.1;
    for o in outcomes {
        let t = totals.entry(o.currency.clone()).or_default();
        match o.state {
            CashbackState::Pending => add(&mut t.0, o.amount_minor)?,
            CashbackState::Paid => add(&mut t.1, o.amount_minor)?,
            CashbackState::Cancelled => add(&mut t.2, o.amount_minor)?,
        }
        if o.state != CashbackState::Cancelled {
            if let Some(app) = &o.app_id {
                add(
                    by_app
                        .entry(app.clone())
                        .or_default()
                        .entry(o.currency.clone())
                        .or_default(),
                    o.amount_minor,
                )?;
            }
        }
        let (at, paid) = match (o.state, o.paid_at_ms) {
            (CashbackState::Paid, Some(paid_at)) => (paid_at, true),
            (CashbackState::Pending, _) => (o.earned_at_ms, false),
            _ => continue,
        };
        if !in_range(at) {
            continue;
        }
        let m = monthly
            .entry((month_of(at), o.app_id.clone(), o.currency.clone()))
            .or_default();
        add(if paid { &mut m.0 } else { &mut m.1 }, o.amount_minor)?;
    }
    let totals = totals
        .into_iter()
        .map(|(currency, (pending, paid, cancelled))| CashbackTotals {
            pending: money(pending, &currency),
            paid: money(paid, &currency),
            cancelled: money(cancelled, &currency),
            currency,
        })
        .collect();
    let monthly = monthly
        .into_iter()
        .map(
            |((month, app_id, currency), (paid, pending))| MonthlyCashback {
                month,
                app_id,
                paid: money(paid, &currency),
                pending: money(pending, &currency),
            },
        )
        .collect();
    Ok((totals, monthly, by_app))
}

async fn commission_part(
    pool: &SqlitePool,
    card: Option<&str>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    fees: &HashMap<String, FeeModel>,
) -> Result<(Vec<AppCommission>, Vec<MonthlyCommission>), ApiError> {
    let purchases = reward_stats::commissions(pool, card, from, until).await?;
    let mut by_app: BTreeMap<(Option<String>, String), (i64, u64)> = BTreeMap::new();
    let mut by_month: BTreeMap<(String, Option<String>, String), i64> = BTreeMap::new();
    for purchase in &purchases {
        let month = month_of(purchase.at_ms);
        for (app, minor) in consentry_domain::attribute_commission(
            purchase.amount_minor,
            &purchase.currency,
            purchase.commission_minor,
            &purchase.actions,
            fees,
        ) {
            let a = by_app
                .entry((app.clone(), purchase.currency.clone()))
                .or_default();
            add(&mut a.0, minor)?;
            a.1 += 1;
            add(
                by_month
                    .entry((month.clone(), app, purchase.currency.clone()))
                    .or_default(),
                minor,
            )?;
        }
    }
    let mut per_app: Vec<AppCommission> = by_app
        .into_iter()
        .map(|((app_id, currency), (minor, purchases))| AppCommission {
            app_id,
            app_name: None,
            amount: money(minor, &currency),
            purchases,
        })
        .collect();
    per_app.sort_by_key(|c| std::cmp::Reverse(c.amount.minor));
    let per_month = by_month
        .into_iter()
        .map(|((month, app_id, currency), minor)| MonthlyCommission {
            month,
            app_id,
            amount: money(minor, &currency),
        })
        .collect();
    Ok((per_app, per_month))
}

/// Ranks apps by cashback in the currency the cardholder earned most in, then by points.
fn top_apps(
    cashback: &BTreeMap<String, BTreeMap<String, i64>>,
    points: &[ProgramPointsView],
) -> Vec<AppEarnings> {
    let mut per_currency: BTreeMap<&str, i64> = BTreeMap::new();
    for amounts in cashback.values() {
        for (currency, minor) in amounts {
            // Ranking only, as below.
            let total = per_currency.entry(currency).or_default();
            *total = total.saturating_add(*minor);
        }
    }
    let main = per_currency
        .iter()
        .max_by_key(|(_, minor)| **minor)
        .map(|(c, _)| (*c).to_owned());
    let mut apps: BTreeMap<String, AppEarnings> = BTreeMap::new();
    for (app, amounts) in cashback {
        let mut money_list: Vec<Money> = amounts.iter().map(|(c, m)| money(*m, c)).collect();
        money_list.sort_by_key(|m| std::cmp::Reverse(m.minor));
        apps.insert(
            app.clone(),
            AppEarnings {
                app_id: app.clone(),
                app_name: None,
                cashback: money_list,
                points: 0,
            },
        );
    }
    for p in points {
        let Some(app) = &p.app_id else { continue };
        let earnings = apps.entry(app.clone()).or_insert_with(|| AppEarnings {
            app_id: app.clone(),
            app_name: None,
            cashback: Vec::new(),
            points: 0,
        });
        // Ranking only: the totals shown are summed with `add`.
        earnings.points = earnings.points.saturating_add(p.earned);
    }
    let in_main = |e: &AppEarnings| {
        e.cashback
            .iter()
            .find(|m| Some(&m.currency) == main.as_ref())
            .map_or(0, |m| m.minor)
    };
    let mut ranked: Vec<AppEarnings> = apps.into_values().collect();
    ranked.sort_by(|a, b| {
        in_main(b)
            .cmp(&in_main(a))
            .then(b.points.cmp(&a.points))
            .then(a.app_id.cmp(&b.app_id))
    });
    ranked.truncate(TOP_APPS);
    ranked
}

/// The summary as of `now`; see [`RewardsSummary`].
pub async fn summarize(
    pool: &SqlitePool,
    request: &RewardsSummaryRequest,
    now: DateTime<Utc>,
) -> Result<RewardsSummary, ApiError> {
    let months = request.months.unwrap_or(DEFAULT_MONTHS);
    if !(1..=120).contains(&months) {
        return Err(ApiError::invalid_input("months: 1 to 120"));
    }
    let card = request
        .card_token
        .as_deref()
        .filter(|c| !c.trim().is_empty());
    let (from, until, month_labels) = series_range(now, months);
    let directory = apps::list(pool).await?;
    let names: HashMap<String, String> = directory
        .iter()
        .map(|a| (a.listing.id.clone(), a.listing.name.clone()))
        .collect();
    let fees: HashMap<String, FeeModel> = directory
        .iter()
        .map(|a| (a.listing.id.clone(), a.listing.fee_model.clone()))
        .collect();
    let name_of = |id: &Option<String>| id.as_ref().and_then(|i| names.get(i)).cloned();

    let points: Vec<ProgramPointsView> = reward_stats::points_by_program(pool, card)
        .await?
        .into_iter()
        .map(|p| ProgramPointsView {
            program: p.program,
            app_id: p.app_id,
            balance: p.latest_balance,
            earned: p.net,
            awards: p.awards,
        })
        .collect();
    let range = (from.timestamp_millis(), until.timestamp_millis());
    let (cashback, cashback_by_month, cashback_by_app) = cashback_part(pool, card, range).await?;
    let points_by_month = reward_stats::points_by_app_month(pool, card, from, until)
        .await?
        .into_iter()
        .map(|p| MonthlyPoints {
            month: p.month,
            app_id: p.app_id,
            points: p.net,
        })
        .collect();
    let offers = reward_stats::open_offers(pool, card, now, OFFERS_SHOWN)
        .await?
        .into_iter()
        .filter_map(|o| match &o.event.payload {
            EventPayload::OfferIssued(offer) => Some(OfferView {
                event_id: o.event.id.clone(),
                offer_id: offer.offer_id.clone(),
                code: offer.code.clone(),
                description: offer.description.clone(),
                discount: DiscountView::from(&offer.discount),
                expires_at: offer.expires_at,
                app_id: o.event.app_id.clone(),
                app_name: o.app_name.clone(),
                card_last4: o.card_last4.clone(),
            }),
            _ => None,
        })
        .collect();
    let (mut commission_by_app, commission_by_month) =
        commission_part(pool, card, from, until, &fees).await?;
    for c in &mut commission_by_app {
        c.app_name = name_of(&c.app_id);
    }
    let mut top = top_apps(&cashback_by_app, &points);
    for t in &mut top {
        t.app_name = names.get(&t.app_id).cloned();
    }

    let mut mentioned: Vec<AppName> = names
        .iter()
        .map(|(id, name)| AppName {
            id: id.clone(),
            name: name.clone(),
        })
        .collect();
    mentioned.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(RewardsSummary {
        months: month_labels,
        apps: mentioned,
        points,
        cashback,
        offers,
        top_apps: top,
        cashback_by_month,
        points_by_month,
        commission_by_app,
        commission_by_month,
    })
}

/// The rewards screen's numbers; see [`RewardsSummary`].
pub async fn rewards_summary(
    ctx: &Context,
    request: RewardsSummaryRequest,
) -> Result<RewardsSummary, ApiError> {
    let pool = ctx.pool().await?;
    summarize(&pool, &request, Utc::now()).await
}
