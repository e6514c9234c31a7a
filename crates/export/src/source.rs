//! The export's filter resolved against the wallet, and the directory of cards and apps it
//! names. The events themselves are read through the store (`selection`, `event_stream`).

use std::collections::HashMap;

use consentry_domain::EventType;
pub(crate) use consentry_store::selection::EventSelection as Selection;
use consentry_store::{apps, cards, selection};
use sqlx::SqlitePool;

use crate::error::ExportError;
use crate::options::ExportFilter;

/// Resolves `filter`: a 4-digit card is every card with those last digits; a card or app
/// must be known to the wallet (a typo would otherwise export nothing, silently).
pub(crate) async fn resolve(
    pool: &SqlitePool,
    filter: &ExportFilter,
) -> Result<Selection, ExportError> {
    let linked = cards::list(pool).await?;
    let mut tokens = Vec::new();
    for wanted in &filter.cards {
        let wanted = wanted.trim();
        let by_last4: Vec<&str> = if wanted.len() == 4 && wanted.bytes().all(|b| b.is_ascii_digit())
        {
            linked
                .iter()
                .filter(|c| c.last4 == wanted)
                .map(|c| c.token.as_str())
                .collect()
        } else {
            Vec::new()
        };
        if !by_last4.is_empty() {
            tokens.extend(by_last4.into_iter().map(str::to_owned));
        } else if linked.iter().any(|c| c.token == wanted)
            || selection::any_event_on_card(pool, wanted).await?
        {
            tokens.push(wanted.to_owned());
        } else {
            return Err(ExportError::UnknownCard(wanted.to_owned()));
        }
    }
    let mut app_ids = Vec::new();
    for wanted in &filter.apps {
        let wanted = wanted.trim();
        if apps::get(pool, wanted).await?.is_some()
            || selection::any_event_from_app(pool, wanted).await?
        {
            app_ids.push(wanted.to_owned());
        } else {
            return Err(ExportError::UnknownApp(wanted.to_owned()));
        }
    }
    tokens.sort_unstable();
    tokens.dedup();
    app_ids.sort_unstable();
    app_ids.dedup();
    let kinds = filter.kinds_or_all();
    Ok(Selection {
        from: filter.from,
        until: filter.until,
        cards: tokens,
        apps: app_ids,
        kinds: if kinds.len() == EventType::ALL.len() {
            Vec::new()
        } else {
            kinds
        },
    })
}

/// Cards and apps by id, for the `card_last4` columns and the JSON document's directory.
#[derive(Debug, Default)]
pub(crate) struct Directory {
    pub cards: Vec<cards::Card>,
    pub apps: Vec<apps::CachedApp>,
    last4: HashMap<String, String>,
}

impl Directory {
    pub async fn load(pool: &SqlitePool) -> Result<Self, ExportError> {
        let cards = cards::list(pool).await?;
        let apps = apps::list(pool).await?;
        let last4 = cards
            .iter()
            .map(|c| (c.token.clone(), c.last4.clone()))
            .collect();
        Ok(Self { cards, apps, last4 })
    }

    /// The last 4 digits of a linked card, `""` for a token the wallet no longer knows.
    pub fn last4(&self, token: &str) -> &str {
        self.last4.get(token).map_or("", String::as_str)
    }
}
