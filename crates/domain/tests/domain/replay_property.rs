//! Random consent histories: replaying the ledger must give exactly the state that the
//! transitions produced step by step, and the consent check must agree with it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use consentry_domain::{
    check_consent, Channel, ConsentAction, ConsentDecision, ConsentQuery, Grant, GrantDetails,
    GrantKey, Ledger, Scope, Trigger,
};
use proptest::prelude::*;

use super::support::{change, day, eur};

#[derive(Debug, Clone)]
enum Op {
    Grant {
        channels: Vec<Channel>,
        expires_in_hours: Option<i64>,
        min: Option<i64>,
    },
    Revoke,
    Renew {
        expires_in_hours: Option<i64>,
    },
    Expire,
    NeedsReconsent {
        bump: u32,
    },
    Reconsent,
    Conflict,
}

fn op() -> impl Strategy<Value = Op> {
    let channels = proptest::sample::subsequence(Channel::ALL.to_vec(), 0..=4);
    prop_oneof![
        3 => (channels, proptest::option::of(1i64..200), proptest::option::of(0i64..2_000))
            .prop_map(|(channels, expires_in_hours, min)| Op::Grant { channels, expires_in_hours, min }),
        2 => Just(Op::Revoke),
        2 => proptest::option::of(1i64..200).prop_map(|expires_in_hours| Op::Renew { expires_in_hours }),
        2 => Just(Op::Expire),
        1 => (1u32..3).prop_map(|bump| Op::NeedsReconsent { bump }),
        1 => Just(Op::Reconsent),
        1 => Just(Op::Conflict),
    ]
}

/// Two apps × two cards × two scopes, so keys interleave in one ledger.
fn key(index: usize) -> GrantKey {
    GrantKey {
        app_id: ["app-a", "app-b"][index % 2].into(),
        card_token: ["tok-1", "tok-2"][(index / 2) % 2].into(),
        scope: [Scope::Receipts, Scope::Cashback][(index / 4) % 2],
    }
}

/// Returns the transition's action and new state, or `None` when it is refused.
fn step(
    current: Option<&Grant>,
    key: &GrantKey,
    op: &Op,
    now: chrono::DateTime<chrono::Utc>,
    n: usize,
) -> Option<(ConsentAction, Grant)> {
    let hours = |h: &Option<i64>| h.map(|h| now + Duration::hours(h));
    match (op, current) {
        (
            Op::Grant {
                channels,
                expires_in_hours,
                min,
            },
            current,
        ) => {
            let details = GrantDetails {
                app_id: key.app_id.clone(),
                card_token: key.card_token.clone(),
                scope: key.scope,
                channels: channels.iter().copied().collect::<BTreeSet<_>>(),
                trigger: Trigger::Authorization,
                min_purchase: min.map(eur),
                expires_at: hours(expires_in_hours),
            };
            let id = format!("g-{n}");
            let next = match current {
                None => Grant::new(id, details, 1, now),
                Some(grant) => grant.regrant(id, details, grant.terms_version, now),
            };
            next.ok().map(|g| (ConsentAction::Grant, g))
        }
        (_, None) => None,
        (Op::Revoke, Some(g)) => g.revoke(now).ok().map(|g| (ConsentAction::Revoke, g)),
        (Op::Renew { expires_in_hours }, Some(g)) => g
            .renew(hours(expires_in_hours), now)
            .ok()
            .map(|g| (ConsentAction::Renew, g)),
        (Op::Expire, Some(g)) => g.expire(now).ok().map(|g| (ConsentAction::Expire, g)),
        (Op::NeedsReconsent { bump }, Some(g)) => g
            .needs_reconsent(g.terms_version + bump, now)
            .ok()
            .map(|g| (ConsentAction::NeedsReconsent, g)),
        (Op::Reconsent, Some(g)) => {
            let offered = g.pending_terms_version.unwrap_or(g.terms_version + 1);
            g.reconsent(offered, now)
                .ok()
                .map(|g| (ConsentAction::Reconsent, g))
        }
        (Op::Conflict, Some(_)) => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn replay_equals_incremental_state(
        steps in proptest::collection::vec((0usize..8, 0i64..72, op()), 1..60),
        probe_channel in proptest::sample::select(Channel::ALL.to_vec()),
        probe_minor in 0i64..3_000,
    ) {
        let mut ledger = Ledger::new();
        let mut state: BTreeMap<GrantKey, Grant> = BTreeMap::new();
        let mut now = day(0);
        for (n, (key_index, advance_hours, op)) in steps.iter().enumerate() {
            now += Duration::hours(*advance_hours);
            let key = key(*key_index);
            if let (Op::Conflict, Some(grant)) = (op, state.get(&key)) {
                let mut note = change(ConsentAction::Conflict, grant);
                note.at = now;
                ledger.append(note);
                continue;
            }
            if let Some((action, next)) = step(state.get(&key), &key, op, now, n) {
                ledger.append(change(action, &next));
                state.insert(key, next);
            }
        }

        prop_assert_eq!(Ledger::verify(ledger.entries()), Ok(()));
        prop_assert_eq!(Ledger::replay(ledger.entries()), state.clone());

        // The consent check at "now" agrees with the incremental state.
        for index in 0..8 {
            let query = ConsentQuery {
                key: key(index),
                channel: Some(probe_channel),
                amount: Some(eur(probe_minor)),
                at: now,
            };
            let expected = state
                .get(&query.key)
                .is_some_and(|g| g.permits(probe_channel, &eur(probe_minor), now));
            let decision = check_consent(ledger.entries(), &query);
            prop_assert_eq!(decision.is_allowed(), expected, "{:?}", decision);
            if let ConsentDecision::Violation { history, .. } = decision {
                prop_assert_eq!(history.len(), ledger.history(&query.key).count());
            }
        }
    }
}
