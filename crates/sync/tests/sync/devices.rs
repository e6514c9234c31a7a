//! Two devices of one cardholder: changes travel both ways, concurrent changes are settled by
//! the platform's order, a revocation is never undone, every conflict is in the ledger.

use chrono::{Duration, Utc};
use consentry_domain::{Channel, ConsentAction, GrantStatus, Scope};
use consentry_store::cards::{self, CardStatus};
use consentry_store::{devices, ledger};

use crate::checks::{assert_converged, audit, audit_devices, outbox_rows, platform_history};
use crate::support::{key, two_devices, Device, RECEIPTS_APP};

async fn actions(device: &Device) -> Vec<(ConsentAction, String)> {
    ledger::entries(&device.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, e.device_id))
        .collect()
}

async fn all_rows(a: &Device, b: &Device) -> Vec<crate::checks::OutboxRow> {
    let mut rows = outbox_rows(&a.pool).await;
    rows.extend(outbox_rows(&b.pool).await);
    rows
}

#[tokio::test]
async fn changes_travel_both_ways_as_remote_entries() {
    let (platform, a, b, card) = two_devices().await;
    let k = key(RECEIPTS_APP, &card, Scope::Receipts);
    a.grant(&k, &[Channel::Card, Channel::Nfc], Utc::now())
        .await;
    a.settle(5).await;
    b.settle(5).await;
    let on_b = b.grant_of(&k).await.expect("the phone learned the grant");
    assert_eq!(on_b.status, GrantStatus::Active);
    // Recorded as the laptop's decision: its signature verified against the device chain.
    assert_eq!(
        actions(&b).await,
        [(ConsentAction::Grant, a.enrollment().await.device_id)]
    );
    assert!(
        outbox_rows(&b.pool).await.is_empty(),
        "a remote change is not sent back"
    );

    b.revoke(&k, Utc::now()).await;
    b.settle(5).await;
    a.settle(5).await;
    assert_eq!(a.grant_of(&k).await.unwrap().status, GrantStatus::Revoked);
    assert_converged(&[&a, &b]).await;
    let audit = audit_devices(&platform, &[&a, &b]).await;
    assert_eq!((audit.applied, audit.double_applied, audit.lost), (2, 0, 0));
}

#[tokio::test]
async fn a_concurrent_revoke_wins_over_a_regrant() {
    let (platform, a, b, card) = two_devices().await;
    let k = key(RECEIPTS_APP, &card, Scope::Receipts);
    a.grant(&k, &[Channel::Card], Utc::now()).await;
    a.settle(5).await;
    b.settle(5).await;
    // Both offline: the laptop revokes, the phone grants again with other channels.
    a.revoke(&k, Utc::now()).await;
    b.grant(&k, &[Channel::Nfc, Channel::Voice], Utc::now())
        .await;
    b.settle(5).await; // the phone is first: version 2
    a.settle(5).await; // the laptop's revoke conflicts, is rebased, applied as version 3
    b.settle(5).await;
    assert_eq!(a.grant_of(&k).await.unwrap().status, GrantStatus::Revoked);
    assert_eq!(b.grant_of(&k).await.unwrap().status, GrantStatus::Revoked);
    assert_converged(&[&a, &b]).await;
    let laptop = actions(&a).await;
    assert!(
        laptop.contains(&(ConsentAction::Conflict, "laptop".to_owned())),
        "{laptop:?}"
    );
    assert_eq!(a.syncer.status().conflicts, 1);
    let history = platform_history(&platform, &a).await;
    let steps: Vec<&str> = history
        .values()
        .flatten()
        .map(|x| x.action.as_str())
        .collect();
    assert_eq!(steps, ["grant", "grant", "revoke"]);
    let audit = audit(&history, &all_rows(&a, &b).await);
    assert_eq!((audit.double_applied, audit.lost), (0, 0), "{audit:?}");
}

#[tokio::test]
async fn a_stale_renew_does_not_undo_a_remote_revoke() {
    let (platform, a, b, card) = two_devices().await;
    let k = key(RECEIPTS_APP, &card, Scope::Receipts);
    a.grant(&k, &[Channel::Card], Utc::now()).await;
    a.settle(5).await;
    b.settle(5).await;
    b.revoke(&k, Utc::now()).await;
    b.settle(5).await;
    a.renew(&k, Some(Utc::now() + Duration::days(30)), Utc::now())
        .await;
    a.settle(5).await;
    assert_eq!(a.grant_of(&k).await.unwrap().status, GrantStatus::Revoked);
    assert_converged(&[&a, &b]).await;
    let rows = outbox_rows(&a.pool).await;
    let renew = rows.iter().find(|r| r.action == "renew").unwrap();
    assert_eq!(renew.platform_version, Some(-1));
    assert!(
        renew
            .last_error
            .as_deref()
            .unwrap()
            .starts_with("not applied"),
        "{renew:?}"
    );
    let audit = audit_devices(&platform, &[&a, &b]).await;
    assert_eq!(
        (audit.double_applied, audit.lost, audit.not_applied),
        (0, 0, 1)
    );
}

#[tokio::test]
async fn concurrent_edits_are_settled_by_the_platform_order() {
    let (platform, a, b, card) = two_devices().await;
    let k = key(RECEIPTS_APP, &card, Scope::Receipts);
    // Both create the same grant (same id on both devices) with different channels.
    a.grant(&k, &[Channel::Card], Utc::now()).await;
    b.grant(&k, &[Channel::Nfc], Utc::now()).await;
    a.settle(5).await;
    b.settle(5).await;
    a.settle(5).await;
    let grant = b.grant_of(&k).await.unwrap();
    assert_eq!(
        grant.channels.iter().copied().collect::<Vec<_>>(),
        [Channel::Card]
    );
    assert_converged(&[&a, &b]).await;
    // Then both renew with different dates: the first to arrive wins.
    let (early, late) = (
        Utc::now() + Duration::days(10),
        Utc::now() + Duration::days(20),
    );
    a.renew(&k, Some(early), Utc::now()).await;
    b.renew(&k, Some(late), Utc::now()).await;
    b.settle(5).await;
    a.settle(5).await;
    b.settle(5).await;
    assert_eq!(a.grant_of(&k).await.unwrap().expires_at, Some(late));
    assert_converged(&[&a, &b]).await;
    assert_eq!(b.syncer.status().conflicts + a.syncer.status().conflicts, 2);
    // Each set-aside change is listed in its wallet until the cardholder dismisses it: b's
    // first grant, a's renewal; they survive the syncer (it reads them from the store).
    let open_a = consentry_store::conflicts::open(&a.pool).await.unwrap();
    let open_b = consentry_store::conflicts::open(&b.pool).await.unwrap();
    assert_eq!((open_a.len(), open_b.len()), (1, 1));
    assert_eq!(
        open_b[0].asked.channels.iter().copied().collect::<Vec<_>>(),
        [Channel::Nfc]
    );
    // Each knows which device's change won (the one that signed it).
    let (laptop, phone) = (
        a.enrollment().await.device_id,
        b.enrollment().await.device_id,
    );
    assert_eq!(open_b[0].won_by.as_deref(), Some(laptop.as_str()));
    assert_eq!(open_a[0].won_by.as_deref(), Some(phone.as_str()));
    assert_eq!(open_a[0].asked.expires_at, Some(early));
    assert_eq!(
        open_a[0].won.as_ref().and_then(|g| g.expires_at),
        Some(late)
    );
    a.syncer.sync_once(Utc::now()).await.unwrap();
    assert_eq!(a.syncer.status().open_conflicts, 1);
    let audit = audit_devices(&platform, &[&a, &b]).await;
    assert_eq!(
        (audit.double_applied, audit.lost, audit.not_applied),
        (0, 0, 2)
    );
}

#[tokio::test]
async fn reconciliation_adopts_what_the_feed_did_not_bring() {
    let (_platform, a, b, card) = two_devices().await;
    let k = key(RECEIPTS_APP, &card, Scope::Receipts);
    a.grant(&k, &[Channel::Card], Utc::now()).await;
    a.settle(5).await;
    let report = b.syncer.reconcile(Utc::now()).await.unwrap();
    assert_eq!(report.counters.remote_changes, 1);
    assert_eq!(b.grant_of(&k).await.unwrap().status, GrantStatus::Active);
    // The feed's consent.changed for the same version then changes nothing.
    let report = b.syncer.pull_events(Utc::now()).await.unwrap();
    assert_eq!(report.counters.remote_changes, 0);
    assert_eq!(ledger::entries(&b.pool).await.unwrap().len(), 1);
    assert_converged(&[&a, &b]).await;
}

#[tokio::test]
async fn cards_linked_renamed_and_unlinked_on_one_device_follow_on_the_other() {
    let (_platform, a, b, card) = two_devices().await;
    b.settle(5).await;
    let held = cards::get(&b.pool, &card)
        .await
        .unwrap()
        .expect("the phone holds the card the laptop linked");
    assert_eq!(
        (held.last4.as_str(), held.nickname.as_deref()),
        ("4242", Some("Everyday"))
    );
    assert_eq!(held.status, CardStatus::Active);
    // The phone knows who linked it, by name.
    let laptop = a.enrollment().await.device_id;
    let names = devices::names(&b.pool).await.unwrap();
    assert_eq!(names.get(&laptop).map(String::as_str), Some("laptop"));

    let client = a.syncer.client().await.unwrap();
    client.rename_card(&card, Some("Groceries")).await.unwrap();
    b.settle(5).await;
    let renamed = cards::get(&b.pool, &card).await.unwrap().unwrap();
    assert_eq!(renamed.nickname.as_deref(), Some("Groceries"));

    client.remove_card(&card).await.unwrap();
    b.settle(5).await;
    let unlinked = cards::get(&b.pool, &card).await.unwrap().unwrap();
    assert_eq!(unlinked.status, CardStatus::Unlinked);
}

#[tokio::test]
async fn a_removed_device_changes_nothing_any_more() {
    let (_platform, a, b, card) = two_devices().await;
    let k = key(RECEIPTS_APP, &card, Scope::Receipts);
    a.grant(&k, &[Channel::Card], Utc::now()).await;
    a.settle(5).await;
    b.settle(5).await;
    let (laptop, phone) = (
        a.enrollment().await.device_id,
        b.enrollment().await.device_id,
    );
    let client = a.syncer.client().await.unwrap();
    let refused = client.remove_device(&laptop).await.unwrap_err();
    assert_eq!(refused.platform_code(), Some("cannot_remove_self"));
    let listed = client.remove_device(&phone).await.unwrap();
    let removed = listed.iter().find(|d| d.device_id == phone).unwrap();
    assert!(removed.removed_at.is_some() && !removed.this_device);
    // Removing it again is a retry: nothing changes.
    assert_eq!(client.remove_device(&phone).await.unwrap(), listed);

    // The phone's token no longer works: its revoke stays on the phone.
    b.revoke(&k, Utc::now()).await;
    let e = b.syncer.sync_once(Utc::now()).await.unwrap_err();
    assert_eq!(e.code(), consentry_sync::SyncErrorCode::Unauthorized, "{e}");
    a.settle(5).await;
    assert_eq!(a.grant_of(&k).await.unwrap().status, GrantStatus::Active);
    let kept = devices::list(&a.pool).await.unwrap();
    assert!(kept
        .iter()
        .any(|d| d.device_id == phone && d.removed_at.is_some()));
}

#[tokio::test]
async fn a_change_a_removed_device_dated_after_its_removal_is_refused() {
    // The phone signs a revoke dated an hour ahead and the platform takes it before the
    // phone is removed: once the laptop knows of the removal, that signature speaks for the
    // cardholder no more, whatever the platform relays.
    let (_platform, a, b, card) = two_devices().await;
    let k = key(RECEIPTS_APP, &card, Scope::Receipts);
    a.grant(&k, &[Channel::Card], Utc::now()).await;
    a.settle(5).await;
    b.settle(5).await;
    let later = Utc::now() + Duration::hours(1);
    b.revoke(&k, later).await;
    for _ in 0..5 {
        if b.syncer.sync_once(later).await.is_ok() && b.syncer.status().pending_outbox == 0 {
            break;
        }
    }
    assert_eq!(
        b.syncer.status().pending_outbox,
        0,
        "the platform took the revoke"
    );
    let phone = b.enrollment().await.device_id;
    a.syncer
        .client()
        .await
        .unwrap()
        .remove_device(&phone)
        .await
        .unwrap();
    a.syncer.reconcile(Utc::now()).await.unwrap();
    a.settle(5).await;
    assert_eq!(a.grant_of(&k).await.unwrap().status, GrantStatus::Active);
    assert!(a.syncer.counters().await.platform_claims >= 1);
}

#[tokio::test]
async fn joining_another_cardholder_forgets_the_devices_of_the_first() {
    let platform = crate::support::platform().await;
    let laptop = Device::new("laptop").await;
    let first = laptop.enroll(&platform, None).await;
    let desktop = Device::new("desktop").await;
    desktop.enroll(&platform, None).await;
    desktop.syncer.sync_once(Utc::now()).await.unwrap();
    assert_eq!(devices::list(&desktop.pool).await.unwrap().len(), 1);

    // The desktop joins the laptop's cardholder: only that cardholder's devices are listed.
    let joined = desktop.enroll(&platform, first.credentials()).await;
    desktop.syncer.sync_once(Utc::now()).await.ok();
    let listed: Vec<String> = devices::list(&desktop.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.device_id)
        .collect();
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.contains(&first.device_id) && listed.contains(&joined.device_id));
}
