//! Requests that create something — a card link, an enrollment — whose answer is lost on the
//! way: the client sends them again under the same `Idempotency-Key`, and the platform
//! answers with what the first attempt did instead of doing it twice.

use consentry_domain::{CardNumber, Expiry};
use consentry_sync::{ClientConfig, PlatformClient, SyncErrorCode};

use crate::proxy;
use crate::support::{platform, Device, VISA};

/// The keys of the `POST`s to `path` the proxy saw.
fn keys_sent(proxy: &proxy::Proxy, path: &str) -> Vec<Option<String>> {
    proxy
        .hostility
        .lock()
        .unwrap()
        .posts
        .iter()
        .filter(|(p, _)| p == path)
        .map(|(_, key)| key.clone())
        .collect()
}

fn one_key_sent(keys: &[Option<String>], times: usize) -> String {
    assert_eq!(keys.len(), times, "{keys:?}");
    let key = keys[0].clone().expect("an Idempotency-Key");
    assert!(
        keys.iter().all(|k| k.as_deref() == Some(key.as_str())),
        "{keys:?}"
    );
    key
}

#[tokio::test]
async fn a_card_link_whose_answer_is_lost_is_retried_under_its_key_and_links_one_card() {
    let platform = platform().await;
    let proxy = proxy::start(&platform.url).await;
    let device = Device::new("laptop").await;
    let enrollment = device.enroll_at(&proxy.url, None).await;
    let client = PlatformClient::new(&proxy.url, ClientConfig::default())
        .unwrap()
        .with_token(enrollment.token.clone());
    let number = CardNumber::parse(VISA).unwrap();
    proxy.hostility.lock().unwrap().lose_answers = 1;
    let linked = client
        .link_card(&number, Expiry::new(12, 2031).unwrap(), Some("Everyday"))
        .await
        .unwrap();
    // The first attempt's answer, replayed: a new card (201), not "already linked" (200,
    // what a second link of the same number would say).
    assert!(!linked.already_linked);
    one_key_sent(&keys_sent(&proxy, "/v1/cards"), 2);
    let cards = client.cards().await.unwrap();
    assert_eq!(cards.len(), 1);
    assert_eq!(cards[0].token, linked.card.token);

    // Every answer lost: the client gives up after its attempts, the platform has one card.
    proxy.hostility.lock().unwrap().lose_answers = 10;
    let error = client
        .link_card(&number, Expiry::new(12, 2031).unwrap(), None)
        .await
        .unwrap_err();
    assert_eq!(error.code(), SyncErrorCode::Unreachable, "{error:?}");
    assert!(error.is_retryable());
    proxy.hostility.lock().unwrap().lose_answers = 0;
    let keys = keys_sent(&proxy, "/v1/cards");
    let second = one_key_sent(&keys[2..], 3);
    assert_ne!(Some(second), keys[0], "a new link, a new key");
    assert_eq!(client.cards().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_enrollment_whose_answer_is_lost_is_the_same_cardholder_and_device() {
    let platform = platform().await;
    let proxy = proxy::start(&platform.url).await;
    let laptop = Device::new("laptop").await;
    proxy.hostility.lock().unwrap().lose_answers = 1;
    let enrollment = laptop.enroll_at(&proxy.url, None).await;
    let key = one_key_sent(&keys_sent(&proxy, "/v1/enroll"), 2);
    assert!(key.len() >= 32, "{key}");
    // The token the retry brought back is the device's own: it works.
    let client = laptop.syncer.client().await.unwrap();
    let devices = client.devices().await.unwrap();
    assert_eq!(devices.len(), 1, "{devices:?}");
    assert_eq!(devices[0].device_id, enrollment.device_id);

    // A second device of the cardholder: one device, however often its answer is lost.
    let phone = Device::new("phone").await;
    proxy.hostility.lock().unwrap().lose_answers = 2;
    let phone_enrollment = phone.enroll_at(&proxy.url, enrollment.credentials()).await;
    let keys = keys_sent(&proxy, "/v1/enroll");
    one_key_sent(&keys[2..], 3);
    assert_eq!(phone_enrollment.cardholder_id, enrollment.cardholder_id);
    let devices = client.devices().await.unwrap();
    assert_eq!(devices.len(), 2, "{devices:?}");
    assert!(devices
        .iter()
        .any(|d| d.device_id == phone_enrollment.device_id));
}
