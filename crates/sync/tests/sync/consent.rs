//! Consent violations: an app event with no active grant at its time is stored, flagged, and
//! comes with the grant history that proves it; new terms suspend an app until re-consent.

use chrono::Utc;
use consentry_domain::{
    Channel, ConsentAction, ConsentChange, ConsentDecision, Event, GrantRefusal, GrantStatus,
    Scope, ViolationReason,
};
use consentry_store::ledger::{self, ChangeOrigin};
use consentry_store::{apps, events};
use consentry_sync::consent_evidence;
use sqlx::Row;

use crate::feed::social_post;
use crate::proxy::Tamper;
use crate::support::{
    key, laptop_behind_proxy, one_device, Device, ALL_CHANNELS, RECEIPTS_APP, SOCIAL_APP,
};

async fn stored_event(device: &Device, id: &str) -> Event {
    let payload: String = sqlx::query("SELECT payload FROM events WHERE id = ?")
        .bind(id)
        .fetch_one(&device.pool)
        .await
        .unwrap()
        .get("payload");
    serde_json::from_str(&payload).unwrap()
}

async fn flagged(device: &Device) -> Vec<(String, String)> {
    sqlx::query("SELECT e.id, v.reason FROM violations v JOIN events e ON e.seq = v.event_seq")
        .fetch_all(&device.pool)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get("id"), r.get("reason")))
        .collect()
}

#[tokio::test]
async fn a_receipt_after_an_offline_revoke_is_a_violation_with_its_history() {
    let (platform, device, card) = one_device().await;
    let k = key(RECEIPTS_APP, &card, Scope::Receipts);
    device.grant(&k, ALL_CHANNELS, Utc::now()).await;
    device.settle(3).await;
    platform.purchase(&device, &card, 1500, "nfc").await;
    device.settle(3).await;
    assert_eq!(device.syncer.status().violations, 0, "covered by the grant");

    // Revoked here, but the platform has not heard yet: its receipts are violations.
    device.revoke(&k, Utc::now()).await;
    let step = platform.purchase(&device, &card, 2500, "nfc").await;
    device.settle(3).await;
    assert_eq!(device.syncer.status().violations, 1);
    let receipt_id = step["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["scope"] == "receipts")
        .unwrap()["event_ids"][0]
        .as_str()
        .unwrap();
    // As the store keeps it (a card-number-like run in a platform id is masked).
    let receipt_id = consentry_store::pan_guard::redact_card_numbers(receipt_id).into_owned();
    assert_eq!(flagged(&device).await[0].0, receipt_id);
    let event = stored_event(&device, &receipt_id).await;
    match consent_evidence(&device.pool, &event).await.unwrap() {
        ConsentDecision::Violation { reason, history } => {
            assert_eq!(
                reason,
                ViolationReason::Refused {
                    refusal: GrantRefusal::NotActive {
                        status: GrantStatus::Revoked
                    }
                }
            );
            let actions: Vec<ConsentAction> = history.iter().map(|e| e.action).collect();
            assert_eq!(actions, [ConsentAction::Grant, ConsentAction::Revoke]);
        }
        ConsentDecision::Allowed => panic!("not flagged"),
    }
    // After the revoke reached the platform, the app gets nothing more.
    platform.purchase(&device, &card, 3500, "nfc").await;
    device.settle(3).await;
    assert_eq!(device.syncer.status().violations, 1);
}

#[tokio::test]
async fn new_terms_suspend_the_app_until_reconsent() {
    let (platform, proxy, device, card) = laptop_behind_proxy().await;
    let k = key(SOCIAL_APP, &card, Scope::SocialPosts);
    device.grant(&k, &[Channel::Nfc], Utc::now()).await;
    device.settle(3).await;

    platform
        .publish_terms(SOCIAL_APP, 5, "We now also post on weekends.")
        .await;
    device.settle(3).await;
    let grant = device.grant_of(&k).await.unwrap();
    assert_eq!(grant.status, GrantStatus::NeedsReconsent);
    assert_eq!(grant.pending_terms_version, Some(5));
    let cached = apps::get(&device.pool, SOCIAL_APP).await.unwrap().unwrap();
    assert_eq!(
        cached.listing.terms_version, 5,
        "the new text is there to show"
    );

    // The app posts anyway (a misbehaving platform): a violation.
    proxy
        .hostility
        .lock()
        .unwrap()
        .next_page
        .push_back(Tamper::Inject(social_post("evt_rogue1", &card, SOCIAL_APP)));
    platform.purchase(&device, &card, 700, "card").await; // a page for the proxy to use
    device.settle(3).await;
    assert!(events::exists(&device.pool, "evt_rogue1").await.unwrap());
    let flags = flagged(&device).await;
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert_eq!(flags[0].0, "evt_rogue1");
    assert!(flags[0].1.contains("needs_reconsent"), "{flags:?}");

    // Re-consent: the app's posts are fine again.
    let (version, hash) = device.terms(SOCIAL_APP).await;
    let next = grant.reconsent(version, Utc::now()).unwrap();
    let change = ConsentChange::recording(ConsentAction::Reconsent, &next, "laptop", hash);
    ledger::record(
        &device.pool,
        change,
        Some(&next),
        ChangeOrigin::Local,
        Utc::now(),
    )
    .await
    .unwrap();
    device.settle(3).await;
    platform.purchase(&device, &card, 900, "nfc").await;
    device.settle(3).await;
    assert_eq!(device.syncer.status().violations, 1);
    let social: i64 =
        sqlx::query_scalar("SELECT count(*) FROM events WHERE kind = 'social.posted'")
            .fetch_one(&device.pool)
            .await
            .unwrap();
    assert_eq!(social, 2, "the rogue post and the one after re-consent");
}
