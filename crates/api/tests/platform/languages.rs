//! The wallet's language reaches the platform: the directory, the terms a grant signs and the
//! texts the platform writes into events come in it, and follow a change of language.

use consentry_api::{wallet_set_language, AppList, AppView, Language, WalletLanguageRequest};
use consentry_domain::Sha256Digest;

use super::*;

fn quire(list: &AppList) -> AppView {
    list.apps
        .iter()
        .find(|a| a.id == RECEIPTS_APP)
        .unwrap()
        .clone()
}

/// The text of the newest recommendation the wallet stored.
async fn last_recommendation(ctx: &Context) -> String {
    let payload: String = sqlx::query_scalar(
        "SELECT payload FROM events WHERE kind = 'recommendation.made' ORDER BY seq DESC LIMIT 1",
    )
    .fetch_one(&ctx.pool().await.unwrap())
    .await
    .unwrap();
    let payload: serde_json::Value = serde_json::from_str(&payload).unwrap();
    payload["text"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_french_wallet_reads_the_platform_in_french_and_signs_the_french_terms() {
    let dir = tempfile::tempdir().unwrap();
    let (_platform, ctx) = wallet_on_platform(&dir).await;
    let card = card_link(&ctx, link(VISA)).await.unwrap();
    apps_refresh(&ctx, AppsRefreshRequest {}).await.unwrap();
    let english = quire(&apps_list(&ctx, AppsListRequest {}).await.unwrap());
    assert!(english.description.starts_with("Itemised digital receipts"));
    assert_eq!(english.language.as_deref(), Some("en"));

    let set = |language| wallet_set_language(&ctx, WalletLanguageRequest { language });
    let changed = set(Language::Fr).await.unwrap();
    assert!(changed.directory_refreshed);
    let french = quire(&apps_list(&ctx, AppsListRequest {}).await.unwrap());
    assert!(
        french
            .description
            .starts_with("Des reçus numériques détaillés"),
        "{}",
        french.description
    );
    assert!(french.terms_text.starts_with("Quire demande"));
    assert_eq!(french.language.as_deref(), Some("fr"));
    assert_eq!(french.terms_language.as_deref(), Some("fr"));
    assert_eq!(french.terms_version, english.terms_version);
    assert!(
        !set(Language::Fr).await.unwrap().directory_refreshed,
        "read in French already"
    );

    // Granted over the French text the cardholder read: the platform takes the signed change.
    grant_set(&ctx, receipts(&card.token)).await.unwrap();
    let nudge = GrantSetRequest {
        app_id: "app_nudge".into(),
        scope: Scope::Recommendations,
        ..receipts(&card.token)
    };
    grant_set(&ctx, nudge).await.unwrap();
    let status = sync(&ctx).await;
    assert_eq!(status.pending_changes, 0, "{status:?}");
    assert!(status.last_error.is_none(), "{status:?}");
    let ledger = ledger_list(&ctx, LedgerListRequest::default())
        .await
        .unwrap();
    let signed = ledger
        .entries
        .iter()
        .find(|e| e.app_id == RECEIPTS_APP)
        .unwrap();
    assert_eq!(
        signed.terms_hash,
        Sha256Digest::of_terms(&french.terms_text).to_string()
    );

    // The platform writes this cardholder's events in French ...
    buy_coffee(&ctx, &card.token).await;
    assert_eq!(
        last_recommendation(&ctx).await,
        "Les adresses comme Corner Café ont la cote près de chez vous."
    );

    // ... and in English once the wallet is: the directory is read again, the next events are.
    assert!(set(Language::En).await.unwrap().directory_refreshed);
    let again = quire(&apps_list(&ctx, AppsListRequest {}).await.unwrap());
    assert_eq!(again.description, english.description);
    assert_eq!(again.terms_language.as_deref(), Some("en"));
    buy_coffee(&ctx, &card.token).await;
    assert_eq!(
        last_recommendation(&ctx).await,
        "Places like Corner Café are popular with people near you."
    );
    // The grant signed over the French text is still active on both sides.
    let grants = grants_of(&ctx).await;
    assert!(grants
        .grants
        .iter()
        .all(|g| g.status == GrantStatus::Active));
}

#[tokio::test]
async fn the_demos_new_terms_come_in_french_and_a_french_wallet_reconsents_over_them() {
    use consentry_api::{
        demo_terms_publish, terms_diff, DemoTermsPublishRequest, LineChange, TermsDiffRequest,
    };
    let dir = tempfile::tempdir().unwrap();
    let (_platform, ctx) = demo_wallet(&dir).await;
    let card = card_link(&ctx, link(VISA)).await.unwrap();
    wallet_set_language(
        &ctx,
        WalletLanguageRequest {
            language: Language::Fr,
        },
    )
    .await
    .unwrap();
    apps_refresh(&ctx, AppsRefreshRequest {}).await.unwrap();
    grant_set(&ctx, receipts(&card.token)).await.unwrap();
    sync(&ctx).await;

    let published = demo_terms_publish(
        &ctx,
        DemoTermsPublishRequest {
            app_id: RECEIPTS_APP.into(),
        },
    )
    .await
    .unwrap();
    let now = quire(&apps_list(&ctx, AppsListRequest {}).await.unwrap());
    assert_eq!(now.terms_version, published.terms_version);
    assert_eq!(now.terms_language.as_deref(), Some("fr"));
    assert!(
        now.terms_text
            .contains("fiscal allemand), selon cette nouvelle version. Les reçus"),
        "{}",
        now.terms_text
    );
    assert!(now
        .terms_text
        .contains("Nous pourrons aussi communiquer le total"));
    sync(&ctx).await;
    let grants = grants_of(&ctx).await;
    assert_eq!(grants.grants[0].status, GrantStatus::NeedsReconsent);

    // The change, French against French.
    let diff = terms_diff(
        &ctx,
        TermsDiffRequest {
            app_id: RECEIPTS_APP.into(),
            from_version: None,
            to_version: None,
        },
    )
    .await
    .unwrap();
    let changed: Vec<&str> = diff
        .lines
        .iter()
        .filter(|l| l.change != LineChange::Unchanged)
        .map(|l| l.text.as_str())
        .collect();
    assert!(
        changed.iter().all(|l| !l.contains("receipts")),
        "{changed:?}"
    );
    assert!(
        changed.iter().any(|l| l.contains("Nous pourrons aussi")),
        "{changed:?}"
    );

    // Accepted over the French text: the platform takes it and the permission is back.
    grant_set(&ctx, receipts(&card.token)).await.unwrap();
    let status = sync(&ctx).await;
    assert_eq!(status.pending_changes, 0, "{status:?}");
    assert!(status.last_error.is_none(), "{status:?}");
    let grants = grants_of(&ctx).await;
    assert_eq!(grants.grants[0].status, GrantStatus::Active);
    assert_eq!(grants.grants[0].terms_version, published.terms_version);
}
