use std::collections::BTreeSet;

use consentry_domain::{
    Channel, ConsentAction, Currency, Grant, GrantError, GrantRefusal, GrantStatus, Money, Scope,
};

use super::support::{day, details, eur};

fn active() -> Grant {
    Grant::new(
        "g-1",
        details("app-receipts", "tok-1", Scope::Receipts),
        1,
        day(0),
    )
    .unwrap()
}

#[test]
fn a_new_grant_is_active_at_version_one() {
    let grant = active();
    assert_eq!(grant.status, GrantStatus::Active);
    assert_eq!(grant.version, 1);
    assert_eq!(grant.granted_at, day(0));
    assert_eq!(
        grant.key(),
        details("app-receipts", "tok-1", Scope::Receipts).key()
    );
}

#[test]
fn a_new_grant_is_validated() {
    let mut no_channels = details("a", "t", Scope::Points);
    no_channels.channels = BTreeSet::new();
    assert_eq!(
        Grant::new("g", no_channels, 1, day(0)).unwrap_err(),
        GrantError::NoChannels
    );
    let past = details("a", "t", Scope::Points);
    assert_eq!(
        Grant::new("g", past, 1, day(31)).unwrap_err(),
        GrantError::ExpiryNotInFuture
    );
    let mut negative = details("a", "t", Scope::Points);
    negative.min_purchase = Some(eur(-1));
    assert_eq!(
        Grant::new("g", negative, 1, day(0)).unwrap_err(),
        GrantError::NegativeMinimum
    );
}

#[test]
fn revoke_is_sticky() {
    let revoked = active().revoke(day(1)).unwrap();
    assert_eq!(revoked.status, GrantStatus::Revoked);
    assert_eq!(revoked.version, 2);
    assert_eq!(revoked.changed_at, day(1));
    let invalid = |action| GrantError::InvalidTransition {
        action,
        from: GrantStatus::Revoked,
    };
    assert_eq!(
        revoked.revoke(day(2)).unwrap_err(),
        invalid(ConsentAction::Revoke)
    );
    assert_eq!(
        revoked.renew(Some(day(60)), day(2)).unwrap_err(),
        invalid(ConsentAction::Renew)
    );
    assert_eq!(
        revoked.expire(day(40)).unwrap_err(),
        invalid(ConsentAction::Expire)
    );
    assert_eq!(
        revoked.needs_reconsent(2, day(2)).unwrap_err(),
        invalid(ConsentAction::NeedsReconsent)
    );
    assert_eq!(
        revoked.reconsent(2, day(2)).unwrap_err(),
        invalid(ConsentAction::Reconsent)
    );
}

#[test]
fn only_an_explicit_new_grant_reactivates() {
    let revoked = active().revoke(day(1)).unwrap();
    let again = revoked
        .regrant(
            "g-2",
            details("app-receipts", "tok-1", Scope::Receipts),
            1,
            day(2),
        )
        .unwrap();
    assert_eq!(again.status, GrantStatus::Active);
    assert_eq!(again.version, 3);
    assert_eq!(again.granted_at, day(2));
    assert_eq!(again.id, "g-2");
    let other_card = details("app-receipts", "tok-2", Scope::Receipts);
    assert_eq!(
        revoked.regrant("g-3", other_card, 1, day(2)).unwrap_err(),
        GrantError::KeyMismatch
    );
}

#[test]
fn expire_only_once_due_and_renew_after() {
    let grant = active();
    assert_eq!(grant.expire(day(29)).unwrap_err(), GrantError::NotDue);
    let expired = grant.expire(day(30)).unwrap();
    assert_eq!(expired.status, GrantStatus::Expired);
    assert_eq!(
        expired.renew(Some(day(30)), day(31)).unwrap_err(),
        GrantError::ExpiryNotInFuture
    );
    let renewed = expired.renew(Some(day(90)), day(31)).unwrap();
    assert_eq!(renewed.status, GrantStatus::Active);
    assert_eq!(renewed.expires_at, Some(day(90)));
    assert_eq!(renewed.version, 3);
    let forever = renewed.renew(None, day(32)).unwrap();
    assert_eq!(forever.expires_at, None);
    assert_eq!(forever.expire(day(1000)).unwrap_err(), GrantError::NotDue);
}

#[test]
fn new_terms_suspend_until_reconsent() {
    let grant = active();
    assert_eq!(
        grant.needs_reconsent(1, day(1)).unwrap_err(),
        GrantError::TermsNotNewer {
            current: 1,
            offered: 1
        }
    );
    let suspended = grant.needs_reconsent(3, day(1)).unwrap();
    assert_eq!(suspended.status, GrantStatus::NeedsReconsent);
    assert_eq!(
        (suspended.terms_version, suspended.pending_terms_version),
        (1, Some(3))
    );
    assert!(!suspended.permits(Channel::Card, &eur(1000), day(2)));
    assert_eq!(
        suspended
            .renew(Some(day(90)), day(2))
            .unwrap_err()
            .to_string(),
        "cannot renew a grant that is needs_reconsent"
    );
    assert_eq!(
        suspended.reconsent(2, day(2)).unwrap_err(),
        GrantError::TermsNotNewer {
            current: 3,
            offered: 2
        }
    );
    let back = suspended.reconsent(3, day(2)).unwrap();
    assert_eq!(back.status, GrantStatus::Active);
    assert_eq!((back.terms_version, back.pending_terms_version), (3, None));
    assert!(back.permits(Channel::Card, &eur(1000), day(2)));
}

#[test]
fn an_expired_grant_with_pending_terms_needs_reconsent_not_renewal() {
    let expired = active()
        .needs_reconsent(2, day(1))
        .unwrap()
        .expire(day(30))
        .unwrap();
    assert_eq!(expired.status, GrantStatus::Expired);
    assert_eq!(
        expired.renew(Some(day(90)), day(31)).unwrap_err(),
        GrantError::ReconsentRequired
    );
}

#[test]
fn permits_checks_status_time_channel_and_minimum() {
    let grant = active();
    assert!(grant.permits(Channel::Nfc, &eur(500), day(1)));
    assert!(
        !grant.permits(Channel::Voice, &eur(500), day(1)),
        "channel not granted"
    );
    assert!(
        !grant.permits(Channel::Nfc, &eur(499), day(1)),
        "below minimum"
    );
    assert!(
        !grant.permits(Channel::Nfc, &Money::new(900, Currency::USD), day(1)),
        "currency"
    );
    assert!(
        !grant.permits(Channel::Nfc, &eur(500), day(30)),
        "expired at expires_at"
    );
    assert!(
        !grant.permits(Channel::Nfc, &eur(500), day(-1)),
        "before the grant"
    );
    assert_eq!(grant.status_at(day(30)), GrantStatus::Expired);
    assert_eq!(grant.status_at(day(29)), GrantStatus::Active);
    assert_eq!(
        grant.check(Some(Channel::Online), None, day(1)),
        Err(GrantRefusal::ChannelNotGranted {
            channel: Channel::Online
        })
    );
    assert_eq!(
        grant.check(Some(Channel::Card), Some(&eur(1)), day(1)),
        Err(GrantRefusal::BelowMinimum { minimum: eur(500) })
    );
    assert_eq!(grant.check(None, None, day(1)), Ok(()));
    let revoked = grant.revoke(day(2)).unwrap();
    assert!(!revoked.permits(Channel::Nfc, &eur(500), day(3)));
    assert_eq!(
        revoked.check(None, None, day(3)),
        Err(GrantRefusal::NotActive {
            status: GrantStatus::Revoked
        })
    );
}

#[test]
fn grant_serde_roundtrips_with_snake_case() {
    let grant = active().needs_reconsent(2, day(1)).unwrap();
    let json = serde_json::to_value(&grant).unwrap();
    assert_eq!(json["status"], "needs_reconsent");
    assert_eq!(json["scope"], "receipts");
    assert_eq!(json["channels"], serde_json::json!(["card", "nfc"]));
    assert_eq!(json["trigger"], "settlement");
    assert_eq!(serde_json::from_value::<Grant>(json).unwrap(), grant);
}

#[test]
fn first_difference_names_the_first_field_that_differs() {
    let base = details("app-receipts", "tok-1", Scope::Receipts);
    assert_eq!(base.first_difference(&base.clone()), None);
    assert_eq!(base.key().first_difference(&base.key()), None);
    let other_card = details("app-receipts", "tok-2", Scope::Receipts);
    assert_eq!(base.first_difference(&other_card), Some("card_token"));
    assert_eq!(
        base.key().first_difference(&other_card.key()),
        Some("card_token")
    );
    let mut fewer_channels = base.clone();
    fewer_channels.channels = BTreeSet::from([Channel::Online]);
    assert_eq!(base.first_difference(&fewer_channels), Some("channels"));
    let mut later = fewer_channels.clone();
    later.expires_at = Some(day(60));
    // Channels come before the expiry: the first difference is named, not the last.
    assert_eq!(base.first_difference(&later), Some("channels"));
    let mut scope_and_minimum = details("app-receipts", "tok-1", Scope::Points);
    scope_and_minimum.min_purchase = Some(eur(100));
    assert_eq!(base.first_difference(&scope_and_minimum), Some("scope"));
}
