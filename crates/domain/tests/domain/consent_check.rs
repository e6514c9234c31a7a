use consentry_domain::{
    check_consent, Channel, ConsentAction, ConsentDecision, ConsentQuery, Event, EventPayload,
    Grant, GrantKey, GrantRefusal, GrantStatus, Ledger, PaymentRef, PointsAwarded, Scope,
    ViolationReason,
};

use super::support::{change, day, details, eur};

fn key() -> GrantKey {
    details("app-a", "tok-1", Scope::Receipts).key()
}

/// Granted day 0 (expires day 30), revoked day 10, granted again day 20 (expires day 50).
fn ledger() -> Ledger {
    let mut ledger = Ledger::new();
    let g = Grant::new("g-1", details("app-a", "tok-1", Scope::Receipts), 1, day(0)).unwrap();
    ledger.append(change(ConsentAction::Grant, &g));
    let noise = Grant::new("g-9", details("app-b", "tok-1", Scope::Receipts), 1, day(1)).unwrap();
    ledger.append(change(ConsentAction::Grant, &noise));
    let g = g.revoke(day(10)).unwrap();
    ledger.append(change(ConsentAction::Revoke, &g));
    let mut again = details("app-a", "tok-1", Scope::Receipts);
    again.expires_at = Some(day(50));
    let g = g.regrant("g-2", again, 1, day(20)).unwrap();
    ledger.append(change(ConsentAction::Grant, &g));
    ledger
}

fn query(channel: Channel, minor: i64, at: i64) -> ConsentQuery {
    ConsentQuery {
        key: key(),
        channel: Some(channel),
        amount: Some(eur(minor)),
        at: day(at),
    }
}

fn reason(decision: ConsentDecision) -> ViolationReason {
    match decision {
        ConsentDecision::Violation { reason, history } => {
            assert_eq!(
                history.len(),
                3,
                "the app × card × scope history, nothing else"
            );
            assert!(history.iter().all(|e| e.key() == key()));
            reason
        }
        ConsentDecision::Allowed => panic!("expected a violation"),
    }
}

#[test]
fn allowed_while_granted() {
    let ledger = ledger();
    assert!(check_consent(ledger.entries(), &query(Channel::Card, 600, 5)).is_allowed());
    assert!(check_consent(ledger.entries(), &query(Channel::Nfc, 500, 25)).is_allowed());
}

#[test]
fn a_violation_after_revoke_names_the_revocation() {
    let decision = check_consent(ledger().entries(), &query(Channel::Card, 600, 12));
    assert_eq!(
        reason(decision),
        ViolationReason::Refused {
            refusal: GrantRefusal::NotActive {
                status: GrantStatus::Revoked
            }
        }
    );
}

#[test]
fn the_state_at_the_events_time_counts() {
    // A payment on day 9, reported late, was still covered.
    let mut late = query(Channel::Card, 600, 9);
    late.at = day(9);
    assert!(check_consent(ledger().entries(), &late).is_allowed());
    // Before any grant: never granted, even though a grant exists today.
    assert_eq!(
        reason(check_consent(
            ledger().entries(),
            &query(Channel::Card, 600, -1)
        )),
        ViolationReason::NeverGranted
    );
}

#[test]
fn channel_minimum_and_expiry_are_enforced() {
    let entries = ledger();
    assert_eq!(
        reason(check_consent(
            entries.entries(),
            &query(Channel::Voice, 600, 5)
        )),
        ViolationReason::Refused {
            refusal: GrantRefusal::ChannelNotGranted {
                channel: Channel::Voice
            }
        }
    );
    assert_eq!(
        reason(check_consent(
            entries.entries(),
            &query(Channel::Card, 499, 5)
        )),
        ViolationReason::Refused {
            refusal: GrantRefusal::BelowMinimum { minimum: eur(500) }
        }
    );
    assert_eq!(
        reason(check_consent(
            entries.entries(),
            &query(Channel::Card, 600, 50)
        )),
        ViolationReason::Refused {
            refusal: GrantRefusal::Expired {
                expires_at: day(50)
            }
        }
    );
}

#[test]
fn other_apps_and_scopes_are_not_covered() {
    let ledger = ledger();
    let mut other_scope = query(Channel::Card, 600, 5);
    other_scope.key.scope = Scope::SocialPosts;
    let decision = check_consent(ledger.entries(), &other_scope);
    assert!(matches!(
        decision,
        ConsentDecision::Violation { reason: ViolationReason::NeverGranted, ref history } if history.is_empty()
    ));
}

#[test]
fn queries_come_from_app_events() {
    let points = Event {
        id: "evt-1".into(),
        occurred_at: day(12),
        card_token: "tok-1".into(),
        app_id: Some("app-a".into()),
        payload: EventPayload::PointsAwarded(PointsAwarded {
            program: "club".into(),
            delta: 5,
            balance: 5,
            payment: Some(PaymentRef {
                transaction_id: "tx".into(),
                channel: Channel::Online,
                amount: eur(700),
            }),
        }),
    };
    let q = ConsentQuery::for_event(&points).unwrap();
    assert_eq!(
        q.key,
        GrantKey {
            app_id: "app-a".into(),
            card_token: "tok-1".into(),
            scope: Scope::Points
        }
    );
    assert_eq!(
        (q.channel, q.amount, q.at),
        (Some(Channel::Online), Some(eur(700)), day(12))
    );
    let mut platform_event = points.clone();
    platform_event.app_id = None;
    assert_eq!(ConsentQuery::for_event(&platform_event), None);
}

#[test]
fn decision_serializes_for_the_store() {
    let decision = check_consent(ledger().entries(), &query(Channel::Card, 600, 12));
    let json = serde_json::to_value(&decision).unwrap();
    assert_eq!(json["decision"], "violation");
    assert_eq!(json["reason"]["kind"], "refused");
    assert_eq!(json["reason"]["refusal"]["kind"], "not_active");
    let back: ConsentDecision = serde_json::from_value(json).unwrap();
    assert_eq!(back, decision);
}
