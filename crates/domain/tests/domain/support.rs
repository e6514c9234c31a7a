//! Shared fixtures: fixed instants (never the clock) and typical grant details.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeZone, Utc};
use consentry_domain::{
    Channel, ConsentAction, ConsentChange, Currency, Grant, GrantDetails, Money, Scope,
    Sha256Digest, Trigger,
};

/// 2025-01-01T00:00:00Z plus `days`.
pub fn day(days: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::days(days)
}

pub fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::EUR)
}

pub fn details(app: &str, card: &str, scope: Scope) -> GrantDetails {
    GrantDetails {
        app_id: app.to_owned(),
        card_token: card.to_owned(),
        scope,
        channels: BTreeSet::from([Channel::Card, Channel::Nfc]),
        trigger: Trigger::Settlement,
        min_purchase: Some(eur(500)),
        expires_at: Some(day(30)),
    }
}

pub fn terms_hash(version: u32) -> Sha256Digest {
    Sha256Digest::of_terms(&format!("Terms of the receipts app, version {version}."))
}

pub fn change(action: ConsentAction, grant: &Grant) -> ConsentChange {
    ConsentChange::recording(
        action,
        grant,
        "device-laptop",
        terms_hash(grant.terms_version),
    )
}
