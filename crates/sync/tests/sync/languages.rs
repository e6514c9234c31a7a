//! The wallet's language on every request (`Accept-Language`): the platform answers the
//! directory in it, takes consent signed over the terms as the wallet showed them, and writes
//! the cardholder's events in the language of their latest request.

use chrono::Utc;
use consentry_domain::{Channel, Scope, Sha256Digest};
use consentry_store::apps::{self, ListingLanguages};
use consentry_store::ledger;

use crate::support::{key, platform, test_config, Device};

/// The text of the newest recommendation the wallet stored.
async fn last_recommendation(device: &Device) -> String {
    let payload: String = sqlx::query_scalar(
        "SELECT payload FROM events WHERE kind = 'recommendation.made' ORDER BY seq DESC LIMIT 1",
    )
    .fetch_one(&device.pool)
    .await
    .unwrap();
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    payload["text"].as_str().unwrap().to_owned()
}

fn languages(listing: &str, terms: &str) -> ListingLanguages {
    ListingLanguages {
        listing: Some(listing.to_owned()),
        terms: Some(terms.to_owned()),
    }
}

#[tokio::test]
async fn every_request_says_the_wallets_language_and_the_platform_answers_in_it() {
    let platform = platform().await;
    let config = test_config("laptop");
    let chosen = config.client.languages.clone();
    chosen.prefer("fr");
    let device = Device::with_config("laptop", config).await;
    device.enroll(&platform, None).await;
    let card = device.link_card().await;

    device.syncer.refresh_directory(Utc::now()).await.unwrap();
    let quire = apps::get(&device.pool, "app_quire").await.unwrap().unwrap();
    assert!(
        quire
            .listing
            .description
            .starts_with("Des reçus numériques"),
        "{}",
        quire.listing.description
    );
    assert!(quire.listing.terms_text.starts_with("Quire demande"));
    assert_eq!(quire.languages, languages("fr", "fr"));
    let french_terms = quire.listing.terms_hash;

    // Granted over the French text the wallet shows: the platform takes the signed change.
    let nudge = key("app_nudge", &card, Scope::Recommendations);
    device.grant(&nudge, &[Channel::Nfc], Utc::now()).await;
    device
        .grant(
            &key("app_quire", &card, Scope::Receipts),
            &[Channel::Nfc],
            Utc::now(),
        )
        .await;
    device.settle(10).await;
    assert_eq!(device.syncer.status().pending_outbox, 0);
    assert_eq!(device.syncer.status().last_error, None);
    let quire_grant = ledger::entries(&device.pool)
        .await
        .unwrap()
        .into_iter()
        .rfind(|e| e.grant.app_id == "app_quire")
        .unwrap();
    assert_eq!(quire_grant.terms_hash, french_terms);

    // A purchase by a client that says no language: written in the wallet's, as its
    // requests said it.
    platform.purchase(&device, &card, 450, "nfc").await;
    device.settle(10).await;
    let text = last_recommendation(&device).await;
    assert!(
        text.starts_with("Café Lumen vous a plu ? Essayez "),
        "{text}"
    );

    // English from now on: the next sync pass says it, and what follows is English.
    chosen.prefer("en");
    device.syncer.sync_once(Utc::now()).await.unwrap();
    platform.purchase(&device, &card, 450, "nfc").await;
    device.settle(10).await;
    let text = last_recommendation(&device).await;
    assert!(text.starts_with("Liked Café Lumen? Try "), "{text}");

    // The directory read again in English; the French text the grant was signed over stays
    // readable by its version, language and hash.
    device.syncer.refresh_directory(Utc::now()).await.unwrap();
    let quire = apps::get(&device.pool, "app_quire").await.unwrap().unwrap();
    assert!(quire.listing.description.starts_with("Itemised"));
    assert_eq!(quire.languages, languages("en", "en"));
    assert_ne!(quire.listing.terms_hash, french_terms);
    let kept = apps::terms_version(&device.pool, "app_quire", 3, Some("fr"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(Sha256Digest::of_terms(&kept.text), french_terms);
    assert_eq!(kept.language.as_deref(), Some("fr"));
    let english = apps::terms_version(&device.pool, "app_quire", 3, Some("en"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(english.hash, quire.listing.terms_hash);
    assert_eq!(
        apps::terms_versions(&device.pool, "app_quire")
            .await
            .unwrap(),
        [3]
    );

    // Revoking the grant signed over the French text, from the English wallet: taken.
    assert!(
        device
            .revoke(&key("app_quire", &card, Scope::Receipts), Utc::now())
            .await
    );
    device.settle(10).await;
    assert_eq!(device.syncer.status().pending_outbox, 0);
    assert_eq!(device.syncer.status().last_error, None);
}
