//! What the wallet holds: `ledger list|verify`, `activity`, `rewards`, `requests list|create`.

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, ValueEnum};
use consentry_api::{
    ActivityListRequest, DataRequestCreateRequest, DataRequestKindDto, DataRequestsListRequest,
    EventKind, LedgerListRequest, LedgerVerifyRequest, RewardsSummaryRequest,
};

use super::wallet::serde_name;
use super::Run;
use crate::exit::{CliError, Status};

#[derive(Debug, Args)]
pub struct LedgerListArgs {
    /// Only this app.
    #[arg(long, value_name = "APP")]
    pub app: Option<String>,
    /// Only this card (its token).
    #[arg(long, value_name = "TOKEN")]
    pub card: Option<String>,
}

/// `consentry ledger list`.
pub async fn ledger_list(run: &Run<'_>, args: LedgerListArgs) -> Result<(), CliError> {
    let list = run
        .with_wallet(None, async |ctx| {
            let request = LedgerListRequest {
                app_id: args.app,
                card_token: args.card,
            };
            Ok(consentry_api::ledger_list(ctx, request).await?)
        })
        .await?;
    run.show(&list, |list| {
        let mut text = String::from("seq\tat\taction\tapp\tcard\tscope\n");
        for e in &list.entries {
            text.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\t{}\n",
                e.seq,
                e.at.to_rfc3339(),
                e.action,
                e.app_id,
                e.card_token,
                serde_name(&e.scope)
            ));
        }
        text
    })
}

/// `consentry ledger verify`: exit 1 when the chain is broken.
pub async fn ledger_verify(run: &Run<'_>) -> Result<(), CliError> {
    let result = run
        .with_wallet(None, async |ctx| {
            Ok(consentry_api::ledger_verify(ctx, LedgerVerifyRequest {}).await?)
        })
        .await?;
    run.show(&result, |r| {
        if r.intact {
            format!("ledger intact: {} entries\n", r.entries)
        } else {
            format!(
                "ledger BROKEN at entry {}: {}\n",
                r.broken_at.unwrap_or_default(),
                r.reason.as_deref().unwrap_or("")
            )
        }
    })?;
    if result.intact {
        Ok(())
    } else {
        Err(CliError::new(
            Status::Other,
            "the ledger's hash chain is broken",
        ))
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    Transaction,
    Receipt,
    Points,
    Cashback,
    Offer,
    Recommendation,
    Social,
    Consent,
    Terms,
    /// A card linked, renamed or unlinked on another device.
    Card,
}

#[derive(Debug, Args)]
pub struct ActivityArgs {
    /// Only this card (its token).
    #[arg(long, value_name = "TOKEN")]
    pub card: Option<String>,
    /// Only this app.
    #[arg(long, value_name = "APP")]
    pub app: Option<String>,
    /// Only this kind (repeat for several).
    #[arg(long, value_enum)]
    pub kind: Vec<KindArg>,
    /// Words to find in merchants, receipt lines and app names.
    #[arg(long, value_name = "WORDS")]
    pub search: Option<String>,
    /// Only events received outside your consent.
    #[arg(long)]
    pub violations: bool,
    /// From this day (YYYY-MM-DD, UTC), inclusive.
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// Until this day (YYYY-MM-DD, UTC), inclusive.
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Events per page, 1 to 200.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// The next page: the cursor the previous page printed.
    #[arg(long, value_name = "CURSOR")]
    pub cursor: Option<String>,
}

fn day(flag: &str, text: &str, add_days: i64) -> Result<DateTime<Utc>, CliError> {
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| CliError::usage(format!("{flag}: expected YYYY-MM-DD, got {text:?}")))?;
    let start = date
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .ok_or_else(|| CliError::usage(format!("{flag}: {text:?} is not a day")))?;
    Ok(start + chrono::Duration::days(add_days))
}

fn kind_of(kind: KindArg) -> Vec<EventKind> {
    use EventKind as K;
    match kind {
        KindArg::Transaction => vec![
            K::TransactionAuthorized,
            K::TransactionSettled,
            K::TransactionReversed,
        ],
        KindArg::Receipt => vec![K::ReceiptIssued],
        KindArg::Points => vec![K::PointsAwarded],
        KindArg::Cashback => vec![K::CashbackPending, K::CashbackPaid],
        KindArg::Offer => vec![K::OfferIssued, K::OfferRedeemed],
        KindArg::Recommendation => vec![K::RecommendationMade],
        KindArg::Social => vec![K::SocialPosted],
        KindArg::Consent => vec![K::ConsentChanged],
        KindArg::Terms => vec![K::AppTermsChanged],
        KindArg::Card => vec![K::CardChanged],
    }
}

/// `consentry activity`: one page, newest first, a purchase on one line; the next page's
/// cursor is printed last.
pub async fn activity(run: &Run<'_>, args: ActivityArgs) -> Result<(), CliError> {
    let request = ActivityListRequest {
        card_token: args.card,
        app_id: args.app,
        kinds: args.kind.into_iter().flat_map(kind_of).collect(),
        from: args
            .from
            .as_deref()
            .map(|d| day("--from", d, 0))
            .transpose()?,
        until: args.to.as_deref().map(|d| day("--to", d, 1)).transpose()?,
        violations_only: args.violations,
        search: args.search,
        cursor: args.cursor,
        newer_than: None,
        limit: Some(args.limit),
    };
    let page = run
        .with_wallet(None, async |ctx| {
            Ok(consentry_api::activity_list(ctx, request).await?)
        })
        .await?;
    run.show(&page, |page| {
        // A purchase is one line (its state, merchant and amount, how many events it holds
        // and how many arrived without consent); any other event is a line of its own.
        let mut text = String::from("when\tkind\tcard\tapp\tmerchant\tamount\tflag\tevents\n");
        for item in &page.items {
            let (kind, merchant, amount, flagged, events) = match &item.group {
                Some(group) => (
                    match &group.state {
                        Some(state) => format!("purchase.{}", serde_name(state)),
                        None => "purchase".to_owned(),
                    },
                    group.merchant.as_deref(),
                    group.amount.as_ref(),
                    group.violation_count,
                    group.event_count,
                ),
                None => (
                    serde_name(&item.kind),
                    item.merchant.as_deref(),
                    item.amount.as_ref(),
                    u32::from(item.violation),
                    1,
                ),
            };
            text.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                item.occurred_at.to_rfc3339(),
                kind,
                item.card_last4.as_deref().unwrap_or(&item.card_token),
                item.app_name
                    .as_deref()
                    .or(item.app_id.as_deref())
                    .unwrap_or(""),
                merchant.unwrap_or(""),
                amount.map(money).unwrap_or_default(),
                match flagged {
                    0 => String::new(),
                    1 => "VIOLATION".to_owned(),
                    n => format!("VIOLATION x{n}"),
                },
                events
            ));
        }
        if let Some(next) = &page.next_cursor {
            text.push_str(&format!("more: --cursor {next}\n"));
        }
        text
    })
}

#[derive(Debug, Args)]
pub struct RewardsArgs {
    /// Only this card (its token).
    #[arg(long, value_name = "TOKEN")]
    pub card: Option<String>,
    /// Months the series cover, this one included (1 to 120).
    #[arg(long, default_value_t = 12)]
    pub months: u32,
}

/// `consentry rewards`.
pub async fn rewards(run: &Run<'_>, args: RewardsArgs) -> Result<(), CliError> {
    let summary = run
        .with_wallet(None, async |ctx| {
            let request = RewardsSummaryRequest {
                card_token: args.card,
                months: Some(args.months),
            };
            Ok(consentry_api::rewards_summary(ctx, request).await?)
        })
        .await?;
    run.show(&summary, |s| {
        let mut text = String::from("points\n");
        for p in &s.points {
            text.push_str(&format!(
                "  {}\tbalance {}\tearned {} in {} awards\n",
                p.program, p.balance, p.earned, p.awards
            ));
        }
        text.push_str("cashback\n");
        for c in &s.cashback {
            text.push_str(&format!(
                "  {}\tpaid {}\tpending {}\tcancelled {}\n",
                c.currency,
                money(&c.paid),
                money(&c.pending),
                money(&c.cancelled)
            ));
        }
        text.push_str(&format!(
            "platform commission, last {} months\n",
            s.months.len()
        ));
        for c in &s.commission_by_app {
            text.push_str(&format!(
                "  {}\t{}\ton {} purchases\n",
                c.app_name
                    .as_deref()
                    .or(c.app_id.as_deref())
                    .unwrap_or("(no app)"),
                money(&c.amount),
                c.purchases
            ));
        }
        text
    })
}

/// An amount as the domain writes it (`€4.50`); an unknown currency as minor units and code.
fn money(m: &consentry_api::vocabulary::Money) -> String {
    consentry_domain::Currency::new(&m.currency).map_or_else(
        |_| format!("{} {}", m.minor, m.currency),
        |currency| consentry_domain::Money::new(m.minor, currency).to_string(),
    )
}

#[derive(Debug, Args)]
pub struct RequestsListArgs {
    /// Only this app's requests.
    #[arg(long, value_name = "APP")]
    pub app: Option<String>,
}

/// `consentry requests list`.
pub async fn requests(run: &Run<'_>, args: RequestsListArgs) -> Result<(), CliError> {
    let list = run
        .with_wallet(None, async |ctx| {
            let request = DataRequestsListRequest { app_id: args.app };
            Ok(consentry_api::data_requests_list(ctx, request).await?)
        })
        .await?;
    run.show(&list, |list| {
        let mut text = String::from("id\tapp\tkind\tstatus\tdue\n");
        for r in &list.requests {
            text.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\n",
                r.id,
                r.app_id,
                serde_name(&r.kind),
                r.status,
                r.due_at.to_rfc3339()
            ));
        }
        text
    })
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RequestKindArg {
    /// A copy of what the app holds about you.
    Access,
    /// The deletion of what it holds.
    Deletion,
}

#[derive(Debug, Args)]
pub struct RequestCreateArgs {
    /// The app.
    pub app: String,
    /// What you ask for.
    #[arg(value_enum)]
    pub kind: RequestKindArg,
}

/// `consentry requests create APP access|deletion`.
pub async fn request_create(run: &Run<'_>, args: RequestCreateArgs) -> Result<(), CliError> {
    let created = run
        .with_wallet(None, async |ctx| {
            let request = DataRequestCreateRequest {
                app_id: args.app,
                kind: match args.kind {
                    RequestKindArg::Access => DataRequestKindDto::Access,
                    RequestKindArg::Deletion => DataRequestKindDto::Deletion,
                },
            };
            Ok(consentry_api::data_request_create(ctx, request).await?)
        })
        .await?;
    run.show(&created, |r| {
        format!(
            "request {} sent to {}; due by {}\n",
            r.id,
            r.app_id,
            r.due_at.to_rfc3339()
        )
    })
}
