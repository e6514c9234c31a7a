//! Desktop notifications and the unread count.
//!
//! - The cardholder switches notifications per app ([`notification_prefs_get`] /
//!   [`notification_prefs_set`]); the choice lives in the wallet's settings table.
//! - [`poll_notices`] is what the shell calls when sync stored new events: the receipts and
//!   rewards (points, cashback, offers) that arrived since the last one notified, for the apps
//!   switched on, phrased without card numbers (the masked last 4 at most).
//! - "Unread" is every event received since the cardholder last opened Activity
//!   ([`activity_mark_seen`]); the shell shows it on the tray icon, following [`Context::subscribe_unread`].
//!
//! Marks are arrival numbers (`seq`), not occurrence times: a late delivery is still new.

use chrono::{DateTime, Utc};
use consentry_domain::{EventPayload, EventType};
use consentry_store::activity::ActivityRow;
use consentry_store::{apps, arrivals, settings};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use ts_rs::TS;

use crate::messages::{text, Arg, Lang};
use crate::notice_switches::enabled_map;
use crate::{ApiError, Context};

pub use crate::notice_switches::PREFS_KEY;
pub use crate::runtime::LOCALE_KEY;
/// Settings key: the `seq` of the last event considered for a notification.
pub const NOTIFIED_KEY: &str = "notifications.last_seq";
/// At most this many notifications per round; the rest are summed up in one.
pub const MAX_NOTICES_PER_ROUND: usize = 5;

const NOTIFIED_KINDS: [EventType; 6] = [
    EventType::ReceiptIssued,
    EventType::PointsAwarded,
    EventType::CashbackPending,
    EventType::CashbackPaid,
    EventType::OfferIssued,
    EventType::OfferRedeemed,
];
/// Events looked at per round (a first sync after weeks offline is summed up, not listed).
const ROUND_LIMIT: u32 = 200;

/// The language of notification texts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NoticeLocale {
    #[default]
    En,
    Fr,
}

#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields)]
pub struct NotificationPrefsGetRequest {}

/// Switches one app on or off, and/or sets the language of the texts.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NotificationPrefsSetRequest {
    pub app_id: Option<String>,
    pub enabled: Option<bool>,
    pub locale: Option<NoticeLocale>,
}

/// One app's switch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppNotificationPref {
    pub app_id: String,
    pub app_name: String,
    pub enabled: bool,
}

/// Every app of the directory with its switch, by name.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NotificationPrefs {
    pub apps: Vec<AppNotificationPref>,
    pub locale: NoticeLocale,
}

/// One desktop notification, ready to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub title: String,
    pub body: String,
    /// The event it is about (a click opens it in Activity); `None` for a summary of several.
    pub event_id: Option<String>,
}

/// Pushed to the window when the cardholder clicks a notification: show this event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OpenEvent {
    pub event_id: String,
}

async fn locale(pool: &SqlitePool) -> Result<NoticeLocale, ApiError> {
    Ok(match settings::get(pool, LOCALE_KEY).await?.as_deref() {
        Some("fr") => NoticeLocale::Fr,
        _ => NoticeLocale::En,
    })
}

async fn prefs(pool: &SqlitePool) -> Result<NotificationPrefs, ApiError> {
    let enabled = enabled_map(pool).await?;
    let mut apps: Vec<AppNotificationPref> = apps::list(pool)
        .await?
        .into_iter()
        .map(|app| AppNotificationPref {
            enabled: enabled.get(&app.listing.id).copied().unwrap_or(true),
            app_id: app.listing.id,
            app_name: app.listing.name,
        })
        .collect();
    apps.sort_by(|a, b| a.app_name.cmp(&b.app_name).then(a.app_id.cmp(&b.app_id)));
    Ok(NotificationPrefs {
        apps,
        locale: locale(pool).await?,
    })
}

/// `notification_prefs_get`: every app with its switch.
pub async fn notification_prefs_get(
    ctx: &Context,
    _request: NotificationPrefsGetRequest,
) -> Result<NotificationPrefs, ApiError> {
    prefs(&ctx.pool().await?).await
}

/// `notification_prefs_set`: switches one app (`appId` + `enabled`) and/or sets the language.
pub async fn notification_prefs_set(
    ctx: &Context,
    request: NotificationPrefsSetRequest,
) -> Result<NotificationPrefs, ApiError> {
    let pool = ctx.pool().await?;
    let now = Utc::now();
    match (request.app_id, request.enabled) {
        (Some(app_id), Some(enabled)) => {
            if apps::get(&pool, &app_id).await?.is_none() {
                return Err(ApiError::new(
                    crate::ErrorCode::NotFound,
                    format!("no app {app_id:?} in the directory"),
                ));
            }
            let mut map = enabled_map(&pool).await?;
            map.insert(app_id, enabled);
            let json = serde_json::to_string(&map)
                .map_err(|e| ApiError::internal(format!("notification settings: {e}")))?;
            settings::put(&pool, PREFS_KEY, &json, now).await?;
        }
        (None, None) => {}
        _ => return Err(ApiError::invalid_input("appId and enabled go together")),
    }
    if let Some(locale) = request.locale {
        let code = match locale {
            NoticeLocale::En => "en",
            NoticeLocale::Fr => "fr",
        };
        crate::language::apply(ctx, &pool, code).await?;
    }
    prefs(&pool).await
}

/// What the shell does after sync stored events: the notifications to show (for the apps
/// switched on, at most [`MAX_NOTICES_PER_ROUND`], the rest summed up) and the new unread
/// count (also published to [`Context::subscribe_unread`]).
///
/// Does not count as activity for auto-lock. A wallet that has never notified starts from its
/// newest event, so unlocking an old wallet does not replay its history. A locked wallet:
/// nothing to show, and the unread count becomes unknown.
pub async fn poll_notices(ctx: &Context, now: DateTime<Utc>) -> Result<Vec<Notice>, ApiError> {
    let Some(pool) = ctx.pool_if_unlocked().await else {
        ctx.unread().publish(None);
        return Ok(Vec::new());
    };
    let notices = notices_since_mark(&pool, now).await?;
    ctx.unread()
        .publish(Some(crate::runtime::unread::count(&pool).await?));
    Ok(notices)
}

async fn notices_since_mark(
    pool: &SqlitePool,
    now: DateTime<Utc>,
) -> Result<Vec<Notice>, ApiError> {
    let Some(mark) = settings::get_i64(pool, NOTIFIED_KEY).await? else {
        let latest = arrivals::latest_seq(pool).await?;
        settings::put(pool, NOTIFIED_KEY, &latest.to_string(), now).await?;
        return Ok(Vec::new());
    };
    let rows = arrivals::after(pool, mark, &NOTIFIED_KINDS, ROUND_LIMIT).await?;
    let Some(last) = rows.last() else {
        return Ok(Vec::new());
    };
    // Past a full round, older news is not worth a notification each: skip to the newest.
    let new_mark = if rows.len() == ROUND_LIMIT as usize {
        arrivals::latest_seq(pool).await?
    } else {
        last.seq
    };
    settings::put(pool, NOTIFIED_KEY, &new_mark.to_string(), now).await?;
    let enabled = enabled_map(pool).await?;
    let locale = locale(pool).await?;
    let wanted: Vec<&ActivityRow> = rows
        .iter()
        .filter(|row| row.violation.is_none())
        .filter(|row| {
            row.event
                .app_id
                .as_ref()
                .is_some_and(|app| enabled.get(app).copied().unwrap_or(true))
        })
        .collect();
    Ok(phrase_round(&wanted, locale))
}

/// One round of notifications: at most [`MAX_NOTICES_PER_ROUND`], the newest, preceded by one
/// that sums up the rest.
pub fn phrase_round(rows: &[&ActivityRow], locale: NoticeLocale) -> Vec<Notice> {
    let lang = locale.into();
    let shown = rows.len().min(MAX_NOTICES_PER_ROUND);
    let skipped = rows.len() - shown;
    let mut notices: Vec<Notice> = rows[skipped..]
        .iter()
        .filter_map(|row| phrase(row, locale))
        .collect();
    if skipped > 0 {
        let count = i64::try_from(skipped).unwrap_or(i64::MAX);
        notices.insert(
            0,
            Notice {
                title: text(lang, "notice.more.title", &[("count", count.into())]),
                body: text(lang, "notice.more.body", &[]),
                event_id: None,
            },
        );
    }
    notices
}

/// The text of one notification; `None` for kinds that are not notified. Names the card by its
/// masked last 4 only, never its number.
pub fn phrase(row: &ActivityRow, locale: NoticeLocale) -> Option<Notice> {
    let lang = Lang::from(locale);
    let app = row
        .app_name
        .clone()
        .or_else(|| row.event.app_id.clone())
        .unwrap_or_default();
    let card = row
        .card_last4
        .as_deref()
        .filter(|l| l.len() == 4 && l.bytes().all(|b| b.is_ascii_digit()))
        .map(|l| text(lang, "notice.card", &[("last4", l.into())]))
        .unwrap_or_default();
    let (kind, args): (&str, Vec<(&str, String)>) = match &row.event.payload {
        EventPayload::ReceiptIssued(r) => (
            "receipt",
            vec![
                ("merchant", r.receipt.merchant.clone()),
                ("total", r.receipt.total.to_string()),
            ],
        ),
        EventPayload::PointsAwarded(p) => (
            "points",
            vec![
                ("delta", format!("{:+}", p.delta)),
                ("program", p.program.clone()),
                ("balance", p.balance.to_string()),
            ],
        ),
        EventPayload::CashbackPending(c) => {
            ("cashbackPending", vec![("amount", c.amount.to_string())])
        }
        EventPayload::CashbackPaid(c) => (
            "cashbackPaid",
            vec![
                ("amount", c.amount.to_string()),
                ("destination", c.destination.to_string()),
            ],
        ),
        EventPayload::OfferIssued(o) => (
            "offerIssued",
            vec![
                ("description", o.description.clone()),
                ("code", o.code.clone()),
            ],
        ),
        EventPayload::OfferRedeemed(o) => ("offerRedeemed", vec![("code", o.code.clone())]),
        _ => return None,
    };
    let mut all: Vec<(&str, Arg<'_>)> = vec![("app", (&app).into()), ("card", (&card).into())];
    all.extend(args.iter().map(|(name, value)| (*name, Arg::from(value))));
    // Free text from the platform passes the same card-number guard as everything stored.
    let clean = |s: String| consentry_store::pan_guard::redact_card_numbers(&s).into_owned();
    Some(Notice {
        title: clean(text(lang, &format!("notice.{kind}.title"), &all)),
        body: clean(text(lang, &format!("notice.{kind}.body"), &all)),
        event_id: Some(row.event.id.clone()),
    })
}

impl From<NoticeLocale> for Lang {
    fn from(locale: NoticeLocale) -> Self {
        match locale {
            NoticeLocale::En => Self::En,
            NoticeLocale::Fr => Self::Fr,
        }
    }
}

/// The tray's label: "Consentry — 3 new", or just "Consentry", in the cardholder's language.
pub async fn tray_label(ctx: &Context, unread: Option<u64>) -> String {
    let count = unread.map_or(0, |n| i64::try_from(n).unwrap_or(i64::MAX));
    // The count stops at the cap: at it, there are at least that many.
    let key = if count >= i64::from(crate::runtime::unread::UNREAD_CAP) {
        "tray.labelAtLeast"
    } else {
        "tray.label"
    };
    text(ctx.lang().await, key, &[("count", count.into())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_round_is_summed_up_in_the_cardholders_language() {
        for (locale, one, many) in [
            (
                NoticeLocale::En,
                "1 more receipt or reward",
                "7 more receipts and rewards",
            ),
            (
                NoticeLocale::Fr,
                "1 autre reçu ou récompense",
                "7 autres reçus et récompenses",
            ),
        ] {
            let lang = Lang::from(locale);
            assert_eq!(text(lang, "notice.more.title", &[("count", 1.into())]), one);
            assert_eq!(
                text(lang, "notice.more.title", &[("count", 7.into())]),
                many
            );
        }
        assert_eq!(
            text(Lang::En, "tray.label", &[("count", 0.into())]),
            "Consentry"
        );
        assert_eq!(
            text(Lang::En, "tray.label", &[("count", 3.into())]),
            "Consentry — 3 new"
        );
        assert_eq!(
            text(Lang::Fr, "tray.label", &[("count", 3.into())]),
            "Consentry — 3 nouveaux"
        );
    }
}
