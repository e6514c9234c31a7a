//! Consent is the cardholder's: a grant state counts only when a device of the cardholder's
//! device chain signed the change that produced it. The platform (behind the hostile proxy,
//! signing feed deliveries with its own key) tries to write consent, to plant a device, to
//! relay a change with a signature from outside the chain; the wallet keeps each as the
//! platform's claim, never in the ledger, and judges the app's events by its own ledger.

use chrono::Utc;
use consentry_domain::{
    pairing_receipt, Channel, ConsentAction, ConsentChanged, ConsentStatement, DeviceKey,
    DeviceLink, Event, EventPayload, Grant, GrantDetails, GrantStatus, Scope, Trigger,
};
use consentry_store::{ledger, outbox, platform_claims};
use consentry_sync::{grant_id_for, SyncErrorCode};
use serde_json::json;

use crate::feed::social_post;
use crate::proxy::{self, deliver, Tamper};
use crate::support::{
    join_with_code, key, laptop_behind_proxy, pair, platform, two_devices, Device, ALL_CHANNELS,
    SOCIAL_APP,
};

/// A `consent.changed` granting the social app on `card`, as the platform would relay it.
fn granted_elsewhere(card: &str, signed_by: Option<(&DeviceKey, &str)>) -> String {
    let k = key(SOCIAL_APP, card, Scope::SocialPosts);
    let now = Utc::now();
    let details = GrantDetails {
        app_id: k.app_id.clone(),
        card_token: k.card_token.clone(),
        scope: k.scope,
        channels: ALL_CHANNELS.iter().copied().collect(),
        trigger: Trigger::Authorization,
        min_purchase: None,
        expires_at: None,
    };
    let grant = Grant::new(grant_id_for(&k), details.clone(), 1, now).unwrap();
    let signed = signed_by.map(|(device_key, device_id)| {
        ConsentStatement {
            grant_id: grant.id.clone(),
            action: ConsentAction::Grant,
            app_id: details.app_id.clone(),
            card_token: details.card_token.clone(),
            scope: details.scope,
            channels: details.channels.clone(),
            trigger: details.trigger,
            min_purchase: None,
            expires_at: None,
            terms_version: 1,
            terms_hash: consentry_domain::Sha256Digest::ZERO,
            base_version: 0,
            at: now,
            device_id: device_id.to_owned(),
        }
        .sign(device_key)
        .map(Box::new)
        .unwrap()
    });
    serde_json::to_string(&Event {
        id: format!("evt_claim_{}", signed_by.map_or("unsigned", |(_, d)| d)),
        occurred_at: now,
        card_token: card.to_owned(),
        app_id: None,
        payload: EventPayload::ConsentChanged(ConsentChanged {
            action: ConsentAction::Grant,
            grant,
            signed,
        }),
    })
    .unwrap()
}

#[tokio::test]
async fn consent_the_platform_writes_is_only_its_claim() {
    let (platform, proxy, device, card) = laptop_behind_proxy().await;
    device.syncer.refresh_directory(Utc::now()).await.unwrap();
    device.settle(3).await;
    assert!(
        device.syncer.status().paired,
        "the first device roots the chain"
    );

    // Unsigned, then signed by a device the chain does not hold.
    let rogue = DeviceKey::from_seed(&[3u8; 32]);
    platform.purchase(&device, &card, 120, "card").await;
    proxy.hostility.lock().unwrap().next_page.extend([
        Tamper::Inject(granted_elsewhere(&card, None)),
        Tamper::Inject(granted_elsewhere(&card, Some((&rogue, "dev_planted")))),
    ]);
    device.settle(3).await;

    let k = key(SOCIAL_APP, &card, Scope::SocialPosts);
    assert!(device.grant_of(&k).await.is_none(), "nothing granted");
    assert!(ledger::entries(&device.pool).await.unwrap().is_empty());
    let claims = platform_claims::recent(&device.pool, 10).await.unwrap();
    assert_eq!(claims.len(), 1, "one claim per grant version: {claims:#?}");
    assert!(claims[0].reason.starts_with("unsigned"), "{claims:#?}");
    assert_eq!(device.syncer.status().platform_claims, 1);
    assert!(
        platform_claims::is_claim_event(&device.pool, "evt_claim_unsigned")
            .await
            .unwrap()
    );

    // The app's posts under that "grant" are still judged against the cardholder's ledger.
    deliver(
        &platform,
        &proxy,
        &device,
        &card,
        130,
        [Tamper::Inject(social_post(
            "evt_post_after_claim",
            &card,
            SOCIAL_APP,
        ))],
    )
    .await;
    let row = consentry_store::activity::by_id(&device.pool, "evt_post_after_claim")
        .await
        .unwrap()
        .unwrap();
    assert!(row.violation.is_some(), "flagged: {row:?}");
}

#[tokio::test]
async fn a_change_signed_by_the_other_device_is_recorded_as_its_decision() {
    let (_platform, a, b, card) = two_devices().await;
    let k = key(SOCIAL_APP, &card, Scope::SocialPosts);
    a.grant(&k, &[Channel::Nfc], Utc::now()).await;
    a.settle(5).await;
    b.settle(5).await;
    assert_eq!(b.grant_of(&k).await.unwrap().status, GrantStatus::Active);
    let entries = ledger::entries(&b.pool).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].device_id, a.enrollment().await.device_id);
    assert_eq!(b.syncer.status().platform_claims, 0);
}

#[tokio::test]
async fn a_device_without_the_pairing_code_never_joins_and_its_changes_wait() {
    let platform = platform().await;
    let a = Device::new("laptop").await;
    let enrollment = a.enroll(&platform, None).await;
    let card = a.link_card().await;
    // Enrolled with the cardholder's credentials (the platform could do as much itself), but
    // with a guessed code: the laptop shows another one and never vouches for it.
    let intruder = Device::new("intruder").await;
    intruder.enroll(&platform, enrollment.credentials()).await;
    let _shown = a.syncer.start_pairing(Utc::now()).await.unwrap();
    assert!(!intruder
        .syncer
        .pair_with_code("ABCDE-FGHJK", Utc::now())
        .await
        .unwrap());
    a.settle(3).await;
    assert!(!intruder
        .syncer
        .pair_with_code("ABCDE-FGHJK", Utc::now())
        .await
        .unwrap());
    assert!(!intruder.syncer.status().paired);

    intruder.syncer.refresh_directory(Utc::now()).await.unwrap();
    let k = key(SOCIAL_APP, &card, Scope::SocialPosts);
    intruder.grant(&k, ALL_CHANNELS, Utc::now()).await;
    let error = intruder.syncer.sync_once(Utc::now()).await.unwrap_err();
    assert_eq!(error.code(), SyncErrorCode::NotPaired);
    assert_eq!(outbox::pending_count(&intruder.pool).await.unwrap(), 1);
    a.settle(3).await;
    assert!(a.grant_of(&k).await.is_none(), "nothing reached the laptop");

    // With the real code it joins, and its waiting change goes out signed.
    pair(&a, &intruder).await;
    intruder.settle(5).await;
    a.settle(5).await;
    assert_eq!(a.grant_of(&k).await.unwrap().status, GrantStatus::Active);
}

/// The platform cannot make the chain a joining device pins: the receipt of the pairing code
/// on its link names the root, and only a device that saw the code can make one.
#[tokio::test]
async fn a_chain_the_platform_made_is_never_pinned_by_a_joining_device() {
    let platform = platform().await;
    let proxy = proxy::start(&platform.url).await;
    let a = Device::new("laptop").await;
    let enrollment = a.enroll(&platform, None).await;
    a.settle(2).await;
    let b = Device::new("phone").await;
    b.enroll_at(&proxy.url, enrollment.credentials()).await;
    let code = a.syncer.start_pairing(Utc::now()).await.unwrap();
    assert!(!b
        .syncer
        .pair_with_code(&code.code, Utc::now())
        .await
        .unwrap());
    let request = proxy
        .hostility
        .lock()
        .unwrap()
        .pairing_request
        .clone()
        .unwrap();
    let b_key = request["public_key"].as_str().unwrap().to_owned();
    let b_id = b.enrollment().await.device_id;

    // A root of the platform's own making vouches for the phone, without a receipt, then
    // with one made up, then with a receipt made for the real root (replayed under the fake).
    let fake = DeviceKey::from_seed(&[7u8; 32]);
    let root =
        DeviceLink::root(&enrollment.cardholder_id, "dev_planted", &fake, Utc::now()).unwrap();
    let vouched = DeviceLink::vouch(
        &enrollment.cardholder_id,
        &b_id,
        &b_key,
        "dev_planted",
        &fake,
        Utc::now(),
    )
    .unwrap();
    let real_root = platform_chain_root(&a).await;
    let replayed = pairing_receipt(
        &code.code,
        &enrollment.cardholder_id,
        &real_root.device_id,
        &real_root.public_key,
        &b_id,
        &b_key,
    );
    for receipt in [None, Some("ab".repeat(32)), Some(replayed)] {
        let mut link = vouched.clone();
        link.pairing_receipt = receipt;
        proxy.hostility.lock().unwrap().chain = Some(json!({ "links": [root, link] }));
        pairing_refused(&b, &code.code, "receipt").await;
        assert!(!b.syncer.status().paired);
    }

    // The real chain, with the receipt the laptop makes, is pinned (after a restart of the
    // pairing screen: the typed code was kept).
    proxy.hostility.lock().unwrap().chain = None;
    join_with_code(&a, &b, &code.code).await;
    assert!(b.syncer.status().paired);
    // Pinned now: the platform's chain is refused for its root.
    proxy.hostility.lock().unwrap().chain = Some(json!({ "links": [root, vouched] }));
    pairing_refused(&b, &code.code, "pinned").await;
}

/// `code` typed on `b` is refused for a signature, the error naming `why`.
async fn pairing_refused(b: &Device, code: &str, why: &str) {
    let error = b.syncer.pair_with_code(code, Utc::now()).await.unwrap_err();
    assert_eq!(error.code(), SyncErrorCode::Signing, "{error}");
    assert!(error.to_string().contains(why), "{error}");
}

/// The root of the chain as the platform really holds it.
async fn platform_chain_root(device: &Device) -> DeviceLink {
    let client = device.syncer.client().await.unwrap();
    client.device_chain().await.unwrap().remove(0)
}

/// A typed code is good for as long as the code lives on the device that showed it: a chain
/// that answers later is not pinned (that bounds the time to guess a code), until the
/// cardholder types the code again.
#[tokio::test]
async fn a_pairing_receipt_that_comes_after_the_code_expired_is_refused() {
    let platform = platform().await;
    let a = Device::new("laptop").await;
    let enrollment = a.enroll(&platform, None).await;
    a.settle(2).await;
    let b = Device::new("phone").await;
    b.enroll(&platform, enrollment.credentials()).await;
    let code = a.syncer.start_pairing(Utc::now()).await.unwrap();
    let typed_at = Utc::now() - chrono::Duration::minutes(11);
    assert!(!b.syncer.pair_with_code(&code.code, typed_at).await.unwrap());
    a.syncer.sync_once(Utc::now()).await.unwrap();
    let error = b.syncer.sync_once(Utc::now()).await.unwrap_err();
    assert_eq!(error.code(), SyncErrorCode::Signing, "{error}");
    assert!(!b.syncer.status().paired);
    assert!(b
        .syncer
        .pair_with_code(&code.code, Utc::now())
        .await
        .unwrap());
    assert!(b.syncer.status().paired);
}
