//! The app directory as the platform publishes it: listing, refreshing, each app's terms
//! (`terms`) and what an app actually did on the cardholder's cards (`access`).

pub mod access;
pub mod terms;

use chrono::Utc;
use consentry_store::apps;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::vocabulary::{Money, Scope};
use crate::{ApiError, Context};

/// An app from the platform's directory (as last fetched).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppView {
    pub id: String,
    pub name: String,
    pub publisher: String,
    pub description: String,
    /// The language of `description` as the platform served it (`null`: not said).
    pub language: Option<String>,
    pub requested_scopes: Vec<Scope>,
    pub terms_version: u32,
    pub terms_text: String,
    /// The language of `termsText` (`null`: not said).
    pub terms_language: Option<String>,
    /// What the platform earns when this app acts on a purchase, in plain English (the CLI's
    /// wording; the UI words `feeModel` in the cardholder's language).
    pub fee: String,
    pub fee_model: FeeModelView,
}

/// What the platform earns when this app acts on a purchase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeeModelView {
    /// A share of each purchase, in basis points (150 = 1.5 %).
    Percent { bps: u32 },
    /// A fixed amount for each event of one scope.
    PerEvent { amount: Money, per: Scope },
    /// Nothing.
    None,
}

impl From<&consentry_domain::FeeModel> for FeeModelView {
    fn from(fee: &consentry_domain::FeeModel) -> Self {
        match fee {
            consentry_domain::FeeModel::Percent { bps } => Self::Percent { bps: *bps },
            consentry_domain::FeeModel::PerEvent { amount, per } => Self::PerEvent {
                amount: Money::from(amount),
                per: (*per).into(),
            },
            consentry_domain::FeeModel::None => Self::None,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct AppsListRequest {}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AppList {
    pub apps: Vec<AppView>,
}

pub async fn apps_list(ctx: &Context, _request: AppsListRequest) -> Result<AppList, ApiError> {
    let pool = ctx.pool().await?;
    let apps = apps::list(&pool)
        .await?
        .into_iter()
        .map(|cached| {
            let app = cached.listing;
            AppView {
                language: cached.languages.listing,
                terms_language: cached.languages.terms,
                fee: app.fee_model.describe(),
                fee_model: FeeModelView::from(&app.fee_model),
                requested_scopes: app.requested_scopes.iter().map(|s| (*s).into()).collect(),
                id: app.id,
                name: app.name,
                publisher: app.publisher,
                description: app.description,
                terms_version: app.terms_version,
                terms_text: consentry_domain::neutralize(&app.terms_text).into_owned(),
            }
        })
        .collect();
    Ok(AppList { apps })
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, TS)]
#[serde(deny_unknown_fields)]
pub struct AppsRefreshRequest {}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppsRefreshed {
    /// How many apps the platform lists.
    pub apps: u32,
}

/// Fetches the platform's app directory (names, scopes, terms, fees) into the wallet, in the
/// wallet's language.
pub async fn apps_refresh(
    ctx: &Context,
    _request: AppsRefreshRequest,
) -> Result<AppsRefreshed, ApiError> {
    ctx.pool().await?;
    let syncer = ctx.sync().enrolled_syncer().await?;
    let count = syncer.refresh_directory(Utc::now()).await?;
    Ok(AppsRefreshed {
        apps: u32::try_from(count).unwrap_or(u32::MAX),
    })
}
