//! The consent ledger, grants and outbox: written together, verified, drained in order.

use std::collections::BTreeSet;

use chrono::Duration;
use consentry_domain::{
    Channel, ConsentAction, ConsentChange, Grant, GrantDetails, GrantStatus, Scope, Sha256Digest,
    Trigger,
};
use consentry_store::ledger::{self, ChangeOrigin, LedgerCheck};
use consentry_store::{grants, outbox, StoreError};

use crate::support::{now, passphrase_wallet};

pub fn details(card: &str, scope: Scope) -> GrantDetails {
    GrantDetails {
        app_id: "app_receipts".into(),
        card_token: card.into(),
        scope,
        channels: BTreeSet::from([Channel::Card, Channel::Nfc]),
        trigger: Trigger::Settlement,
        min_purchase: None,
        expires_at: None,
    }
}

fn terms() -> Sha256Digest {
    Sha256Digest::of_terms("Terms v1")
}

#[tokio::test]
async fn grant_then_revoke_writes_ledger_grant_and_outbox_together() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let granted = Grant::new("g1", details("tok_a", Scope::Receipts), 1, now()).unwrap();
    let change = ConsentChange::recording(ConsentAction::Grant, &granted, "laptop", terms());
    let first = ledger::record(pool, change, Some(&granted), ChangeOrigin::Local, now())
        .await
        .unwrap();
    assert_eq!(first.entry.seq, 1);
    let later = now() + Duration::minutes(3);
    let revoked = granted.revoke(later).unwrap();
    let change = ConsentChange::recording(ConsentAction::Revoke, &revoked, "laptop", terms());
    let second = ledger::record(pool, change, Some(&revoked), ChangeOrigin::Local, later)
        .await
        .unwrap();
    assert_eq!(second.entry.prev_hash, first.entry.hash);
    let (k1, k2) = (first.outbox_key.unwrap(), second.outbox_key.unwrap());
    assert_eq!(k1.get_version_num(), 7);
    assert!(k1 < k2, "UUIDv7 keys sort like the changes");

    let stored = grants::get(pool, &granted.key()).await.unwrap().unwrap();
    assert_eq!(stored.status, GrantStatus::Revoked);
    assert_eq!(
        grants::for_card(pool, "tok_a").await.unwrap(),
        vec![revoked.clone()]
    );
    assert_eq!(
        ledger::verify(pool).await.unwrap(),
        LedgerCheck::Intact { entries: 2 }
    );

    // Drained in ledger order, and a failed head holds back the rest.
    let batch = outbox::next_batch(pool, later, 10).await.unwrap();
    assert_eq!(
        batch.iter().map(|i| i.idempotency_key).collect::<Vec<_>>(),
        [k1, k2]
    );
    assert_eq!(batch[1].entry, second.entry);
    outbox::mark_failed(pool, k1, "503 from platform", later + Duration::seconds(30))
        .await
        .unwrap();
    assert!(outbox::next_batch(pool, later, 10)
        .await
        .unwrap()
        .is_empty());
    let retry = outbox::next_batch(pool, later + Duration::seconds(30), 10)
        .await
        .unwrap();
    assert_eq!(retry[0].attempts, 1);
    assert!(outbox::mark_acked(pool, k1, 7, later).await.unwrap());
    assert!(
        !outbox::mark_acked(pool, k1, 7, later).await.unwrap(),
        "idempotent"
    );
    assert_eq!(outbox::pending_count(pool).await.unwrap(), 1);
    assert_eq!(
        outbox::next_batch(pool, later, 10).await.unwrap()[0].idempotency_key,
        k2
    );
}

#[tokio::test]
async fn remote_changes_are_recorded_but_not_sent_back() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let granted = Grant::new("g1", details("tok_a", Scope::Points), 1, now()).unwrap();
    let change = ConsentChange::recording(ConsentAction::Grant, &granted, "phone", terms());
    let recorded = ledger::record(pool, change, Some(&granted), ChangeOrigin::Remote, now())
        .await
        .unwrap();
    assert_eq!(recorded.outbox_key, None);
    assert_eq!(outbox::pending_count(pool).await.unwrap(), 0);
    assert_eq!(grants::list(pool).await.unwrap(), vec![granted]);
}

#[tokio::test]
async fn a_mismatched_grant_writes_nothing() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let granted = Grant::new("g1", details("tok_a", Scope::Points), 1, now()).unwrap();
    let other = Grant::new("g2", details("tok_b", Scope::Points), 1, now()).unwrap();
    let change = ConsentChange::recording(ConsentAction::Grant, &granted, "laptop", terms());
    let err = ledger::record(pool, change, Some(&other), ChangeOrigin::Local, now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid { .. }), "{err}");
    assert!(ledger::entries(pool).await.unwrap().is_empty());
    assert_eq!(outbox::pending_count(pool).await.unwrap(), 0);
}

#[tokio::test]
async fn editing_a_stored_ledger_row_is_detected() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let mut grant = Grant::new("g1", details("tok_a", Scope::Offers), 1, now()).unwrap();
    let change = ConsentChange::recording(ConsentAction::Grant, &grant, "laptop", terms());
    ledger::record(pool, change, Some(&grant), ChangeOrigin::Local, now())
        .await
        .unwrap();
    for minutes in 1..4 {
        let at = now() + Duration::minutes(minutes);
        let (action, next) = if minutes % 2 == 1 {
            (ConsentAction::Revoke, grant.revoke(at).unwrap())
        } else {
            (
                ConsentAction::Grant,
                grant.regrant("g1", grant.details(), 1, at).unwrap(),
            )
        };
        let change = ConsentChange::recording(action, &next, "laptop", terms());
        ledger::record(pool, change, Some(&next), ChangeOrigin::Local, at)
            .await
            .unwrap();
        grant = next;
    }
    assert_eq!(
        ledger::verify(pool).await.unwrap(),
        LedgerCheck::Intact { entries: 4 }
    );

    // The ledger refuses edits outright...
    let refused = sqlx::query("UPDATE consent_ledger SET action = 'grant' WHERE seq = 2")
        .execute(pool)
        .await;
    assert!(refused.is_err());
    // ...and one who bypasses that (dropping the guard) is caught by verification, whether
    // they edit a column or the entry itself.
    sqlx::query("DROP TRIGGER consent_ledger_no_update")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE consent_ledger SET action = 'grant' WHERE seq = 2")
        .execute(pool)
        .await
        .unwrap();
    assert!(matches!(
        ledger::verify(pool).await.unwrap(),
        LedgerCheck::Broken { seq: 2, .. }
    ));
    sqlx::query("UPDATE consent_ledger SET action = 'revoke' WHERE seq = 2")
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE consent_ledger SET entry = json_set(entry, '$.action', 'revoke'), action = 'revoke'
         WHERE seq = 3",
    )
    .execute(pool)
    .await
    .unwrap();
    assert!(matches!(
        ledger::verify(pool).await.unwrap(),
        LedgerCheck::Broken { seq: 3, .. }
    ));
}

#[tokio::test]
async fn the_grant_projection_can_be_rebuilt_from_the_ledger() {
    let (_dir, wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap();
    let a = Grant::new("g1", details("tok_a", Scope::Receipts), 1, now()).unwrap();
    let b = Grant::new("g2", details("tok_b", Scope::Cashback), 1, now()).unwrap();
    for g in [&a, &b] {
        let change = ConsentChange::recording(ConsentAction::Grant, g, "laptop", terms());
        ledger::record(pool, change, Some(g), ChangeOrigin::Local, now())
            .await
            .unwrap();
    }
    let before = grants::list(pool).await.unwrap();
    sqlx::query("DELETE FROM grants")
        .execute(pool)
        .await
        .unwrap();
    assert_eq!(ledger::rebuild_grants(pool, now()).await.unwrap(), 2);
    assert_eq!(grants::list(pool).await.unwrap(), before);
}

#[tokio::test]
async fn a_conflict_is_kept_once_until_it_is_resolved_and_survives_a_restart() {
    use consentry_store::conflicts::{self, NewConflict, Resolution};
    let (dir, mut wallet, _) = passphrase_wallet().await;
    let pool = wallet.pool().unwrap().clone();
    let mine = Grant::new("grant_a", details("tok_a", Scope::Receipts), 1, now()).unwrap();
    let theirs = mine.revoke(now() + Duration::seconds(5)).unwrap();
    let key = uuid::Uuid::now_v7();
    let asked = details("tok_a", Scope::Receipts);
    let conflict = NewConflict {
        outbox_key: key,
        grant_id: &mine.id,
        asked_action: ConsentAction::Grant,
        asked: &asked,
        asked_at: now(),
        won: Some(&theirs),
        won_by: Some("dev_laptop"),
        reason: "version_conflict: changed by 4242 4242 4242 4242 first",
    };
    assert!(conflicts::record(&pool, &conflict, now()).await.unwrap());
    // The same change refused again (a crash, a replayed answer): still one.
    assert!(!conflicts::record(&pool, &conflict, now()).await.unwrap());
    let other = NewConflict {
        outbox_key: uuid::Uuid::now_v7(),
        won: None,
        won_by: None,
        ..conflict.clone()
    };
    assert!(
        conflicts::record(&pool, &other, now() + Duration::seconds(1))
            .await
            .unwrap()
    );
    assert_eq!(conflicts::count_open(&pool).await.unwrap(), 2);

    // A restart: the wallet is locked and opened again.
    wallet.lock().await;
    let wallet = crate::support::open_with_passphrase(dir.path().join("w")).await;
    let pool = wallet.pool().unwrap().clone();
    let open = conflicts::open(&pool).await.unwrap();
    assert_eq!(open.len(), 2);
    assert_eq!(open[0].won, None, "newest first");
    assert_eq!(open[1].asked, asked);
    assert_eq!(open[1].grant_id, "grant_a");
    assert_eq!(open[1].won_by.as_deref(), Some("dev_laptop"));
    assert_eq!(open[1].won.as_ref(), Some(&theirs));
    assert!(!open[1].reason.contains("4242 4242"), "{}", open[1].reason);

    let gone = conflicts::resolve(&pool, open[1].id, Resolution::Dismissed, now())
        .await
        .unwrap();
    assert_eq!(gone.map(|c| c.asked), Some(asked));
    assert!(
        conflicts::resolve(&pool, open[1].id, Resolution::Reapplied, now())
            .await
            .unwrap()
            .is_none()
    );
    assert!(conflicts::resolve(&pool, 999, Resolution::Dismissed, now())
        .await
        .unwrap()
        .is_none());
    assert_eq!(conflicts::count_open(&pool).await.unwrap(), 1);
}
