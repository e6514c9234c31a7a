//! The api crate against the real platform server on loopback: enrollment, card linking and
//! unlinking, grants reaching the platform, events arriving, and the sync status.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use consentry_api::vocabulary::{Channel, GrantStatus, Money, Scope, Trigger};
use consentry_api::{
    apps_list, apps_refresh, card_link, card_unlink, cards_list, data_request_create,
    data_requests_list, device_pairing_start, grant_revoke, grant_set, grants_list, ledger_list,
    platform_credentials, platform_enroll, purchase_simulate, sync_now, sync_status, wallet_create,
    wallet_lock, AppsListRequest, AppsRefreshRequest, CardLinkRequest, CardUnlinkRequest,
    CardsListRequest, Context, ContextOptions, DataRequestCreateRequest, DataRequestKindDto,
    DataRequestsListRequest, DevicePairingStartRequest, ErrorCode, GrantExpiry, GrantRevokeRequest,
    GrantSetRequest, GrantsListRequest, LedgerListRequest, PlatformCredentialsRequest,
    PlatformEnrollRequest, PurchaseSimulateRequest, SyncNowRequest, SyncStatusRequest,
    WalletCreateRequest, WalletLockRequest,
};
use consentry_platform::{DataLocation, PlatformConfig, RunningPlatform};
use consentry_store::KdfParams;
use tempfile::TempDir;

const VISA: &str = "4242 4242 4242 4242";
const VISA_DIGITS: &str = "4242424242424242";
const RECEIPTS_APP: &str = "app_quire";

async fn platform(dir: &TempDir) -> RunningPlatform {
    consentry_platform::serve(PlatformConfig {
        data: DataLocation::Directory(dir.path().join("platform")),
        signing_seed: Some(7),
        ..PlatformConfig::default()
    })
    .await
    .unwrap()
}

use consentry_api::native::{Answer, Asked, ScriptedNative};
use std::sync::Arc;

fn options(dir: &std::path::Path, platform_url: Option<String>) -> ContextOptions {
    let mut options = ContextOptions::new(dir.to_path_buf(), "0.0.0");
    options.kdf = KdfParams::INSECURE_FOR_TESTS;
    options.platform_url = platform_url;
    options.device_name = "test laptop".into();
    options
}

/// The reference platform in `dir`, and a new wallet beside it configured to use it.
async fn wallet_on_platform(dir: &TempDir) -> (RunningPlatform, Context) {
    let platform = platform(dir).await;
    let ctx = wallet(options(
        &dir.path().join("wallet"),
        Some(platform.base_url()),
    ))
    .await;
    (platform, ctx)
}

async fn wallet(options: ContextOptions) -> Context {
    let ctx = Context::new(options);
    wallet_create(
        &ctx,
        WalletCreateRequest {
            use_keyring: false,
            passphrase: Some("pass phrase".into()),
        },
    )
    .await
    .unwrap();
    ctx
}

fn link(number: &str) -> CardLinkRequest {
    CardLinkRequest {
        number: number.into(),
        exp_month: 12,
        exp_year: 2031,
        nickname: Some("Everyday".into()),
    }
}

fn receipts(card: &str) -> GrantSetRequest {
    GrantSetRequest {
        app_id: RECEIPTS_APP.into(),
        card_token: card.into(),
        scope: Scope::Receipts,
        channels: vec![Channel::Card, Channel::Nfc, Channel::Online, Channel::Voice],
        trigger: Trigger::Authorization,
        min_purchase: None,
        expiry: GrantExpiry::Never,
    }
}

fn coffee(card: &str) -> PurchaseSimulateRequest {
    PurchaseSimulateRequest {
        card_token: card.into(),
        amount: Money {
            minor: 450,
            currency: "EUR".into(),
        },
        merchant: "Corner Café".into(),
        channel: Channel::Nfc,
    }
}

/// A sync now, which must succeed: its status.
async fn sync(ctx: &Context) -> consentry_api::SyncStatusView {
    sync_now(ctx, SyncNowRequest {}).await.unwrap()
}

async fn grants_of(ctx: &Context) -> consentry_api::GrantList {
    grants_list(ctx, GrantsListRequest::default())
        .await
        .unwrap()
}

/// A €4.50 coffee on `card`, then a sync that brings what the apps made of it.
async fn buy_coffee(ctx: &Context, card: &str) {
    purchase_simulate(ctx, coffee(card)).await.unwrap();
    sync(ctx).await;
}

async fn receipts_stored(ctx: &Context) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM events WHERE kind = 'receipt.issued'")
        .fetch_one(&ctx.pool().await.unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn link_grant_purchase_receipt_revoke_unlink() {
    let dir = tempfile::tempdir().unwrap();
    let (_platform, ctx) = wallet_on_platform(&dir).await;

    let status = sync_status(&ctx, SyncStatusRequest {}).await.unwrap();
    assert!(status.active && !status.enrolled, "{status:?}");

    // Linking enrolls with the configured platform on the way; only the token stays.
    let card = card_link(&ctx, link(VISA)).await.unwrap();
    assert_eq!(card.last4, "4242");
    assert_eq!(card.brand, "visa");
    assert!(
        !card.token.chars().any(|c| c.is_ascii_digit()),
        "{}",
        card.token
    );
    let listed =
        serde_json::to_string(&cards_list(&ctx, CardsListRequest {}).await.unwrap()).unwrap();
    assert!(!listed.contains(VISA_DIGITS), "{listed}");
    let status = sync_status(&ctx, SyncStatusRequest {}).await.unwrap();
    let platform_view = status.platform.expect("enrolled");
    assert_eq!(platform_view.device_name, "test laptop");

    let apps = apps_refresh(&ctx, AppsRefreshRequest {}).await.unwrap();
    assert!(apps.apps >= 5, "{apps:?}");
    let directory = apps_list(&ctx, AppsListRequest {}).await.unwrap();
    assert!(directory.apps.iter().any(|a| a.id == RECEIPTS_APP));

    // A grant is pending until a sync carries it; then the platform has it.
    let granted = grant_set(&ctx, receipts(&card.token)).await.unwrap();
    assert_eq!(
        granted.sync.state,
        consentry_api::consents::GrantSyncState::Pending
    );
    let after = sync(&ctx).await;
    assert_eq!(after.pending_changes, 0, "{after:?}");
    assert!(after.last_success_at.is_some());
    let grants = grants_of(&ctx).await;
    assert_eq!(
        grants.grants[0].sync.state,
        consentry_api::consents::GrantSyncState::Synced
    );

    // A purchase makes the receipts app issue a receipt, which arrives verified.
    buy_coffee(&ctx, &card.token).await;
    assert_eq!(receipts_stored(&ctx).await, 1);

    // Revoked: the next purchase yields no receipt.
    grant_revoke(
        &ctx,
        GrantRevokeRequest {
            app_id: RECEIPTS_APP.into(),
            card_token: card.token.clone(),
            scope: Scope::Receipts,
        },
    )
    .await
    .unwrap();
    sync(&ctx).await;
    purchase_simulate(&ctx, coffee(&card.token)).await.unwrap();
    let status = sync(&ctx).await;
    assert_eq!(receipts_stored(&ctx).await, 1, "no receipt after revoking");
    assert_eq!(status.violations, 0);

    // Unlink: its grants are revoked first, then the platform deletes the card.
    grant_set(&ctx, receipts(&card.token)).await.unwrap();
    let unlinked = card_unlink(
        &ctx,
        CardUnlinkRequest {
            token: card.token.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(unlinked.revoked, 1);
    assert!(cards_list(&ctx, CardsListRequest {})
        .await
        .unwrap()
        .cards
        .is_empty());
    sync(&ctx).await;
    let grants = grants_of(&ctx).await;
    assert!(grants
        .grants
        .iter()
        .all(|g| g.status == GrantStatus::Revoked));
    assert!(grants
        .grants
        .iter()
        .all(|g| g.sync.state == consentry_api::consents::GrantSyncState::Synced));
    let ledger = ledger_list(&ctx, LedgerListRequest::default())
        .await
        .unwrap();
    let actions: Vec<&str> = ledger.entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "grant").count(),
        2,
        "{actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "revoke").count(),
        2,
        "{actions:?}"
    );
}

#[tokio::test]
async fn a_details_change_reaches_the_platform_and_its_minimum_applies_to_the_next_purchase() {
    let dir = tempfile::tempdir().unwrap();
    let (_platform, ctx) = wallet_on_platform(&dir).await;
    let card = card_link(&ctx, link(VISA)).await.unwrap();
    assert_eq!(card.currency, None, "no purchase seen yet");
    apps_refresh(&ctx, AppsRefreshRequest {}).await.unwrap();
    grant_set(&ctx, receipts(&card.token)).await.unwrap();
    sync(&ctx).await;
    buy_coffee(&ctx, &card.token).await;
    assert_eq!(receipts_stored(&ctx).await, 1);
    let listed = cards_list(&ctx, CardsListRequest {}).await.unwrap();
    assert_eq!(
        listed.cards[0].currency.as_deref(),
        Some("EUR"),
        "the card's purchases are in euros"
    );

    // From €5 only: one ledger entry, one outbox row, carried to the platform by a sync.
    let before = ledger_list(&ctx, LedgerListRequest::default())
        .await
        .unwrap()
        .entries
        .len();
    let mut change = receipts(&card.token);
    change.min_purchase = Some(Money {
        minor: 500,
        currency: "EUR".into(),
    });
    change.expiry = GrantExpiry::Keep;
    let changed = grant_set(&ctx, change).await.unwrap();
    assert_eq!(
        changed.sync.state,
        consentry_api::consents::GrantSyncState::Pending
    );
    let entries = ledger_list(&ctx, LedgerListRequest::default())
        .await
        .unwrap()
        .entries;
    assert_eq!(entries.len(), before + 1);
    let status = sync(&ctx).await;
    assert_eq!(status.pending_changes, 0, "{status:?}");
    let grants = grants_of(&ctx).await;
    assert_eq!(
        grants.grants[0].sync.state,
        consentry_api::consents::GrantSyncState::Synced
    );

    // The platform applies it: a €4.50 coffee brings no receipt, a €6 lunch does.
    buy_coffee(&ctx, &card.token).await;
    assert_eq!(receipts_stored(&ctx).await, 1, "below the new minimum");
    let mut lunch = coffee(&card.token);
    lunch.amount.minor = 600;
    purchase_simulate(&ctx, lunch).await.unwrap();
    let status = sync(&ctx).await;
    assert_eq!(receipts_stored(&ctx).await, 2, "at or above the minimum");
    assert_eq!(status.violations, 0);
}

#[tokio::test]
async fn a_bad_card_number_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (_platform, ctx) = wallet_on_platform(&dir).await;
    for bad in ["4242 4242 4242 4241", "1234", "4242-4242-4242-424x"] {
        let error = card_link(&ctx, link(bad)).await.unwrap_err();
        assert_eq!(error.code, ErrorCode::InvalidInput, "{bad}: {error:?}");
        assert!(!error.message.contains("4242424242"), "{}", error.message);
    }
    let expired = CardLinkRequest {
        exp_year: 2020,
        ..link(VISA)
    };
    assert_eq!(
        card_link(&ctx, expired).await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
    assert!(cards_list(&ctx, CardsListRequest {})
        .await
        .unwrap()
        .cards
        .is_empty());
    // Nothing reached the platform either: the wallet never even enrolled.
    assert!(
        !sync_status(&ctx, SyncStatusRequest {})
            .await
            .unwrap()
            .enrolled
    );
}

#[tokio::test]
async fn offline_changes_wait_and_reach_the_platform_once_it_is_back() {
    let dir = tempfile::tempdir().unwrap();
    let platform = platform(&dir).await;
    let url = platform.base_url();
    let ctx = wallet(options(&dir.path().join("wallet"), Some(url.clone()))).await;
    let card = card_link(&ctx, link(VISA)).await.unwrap();
    apps_refresh(&ctx, AppsRefreshRequest {}).await.unwrap();
    platform.shutdown().await.unwrap();

    let granted = grant_set(&ctx, receipts(&card.token)).await.unwrap();
    assert_eq!(
        granted.status,
        GrantStatus::Active,
        "effective locally at once"
    );
    let error = sync_now(&ctx, SyncNowRequest {}).await.unwrap_err();
    assert_eq!(error.code, ErrorCode::PlatformUnavailable, "{error:?}");
    let status = sync_status(&ctx, SyncStatusRequest {}).await.unwrap();
    assert_eq!(status.pending_changes, 1);
    let problem = status.last_error.expect("the failure is shown");
    assert_eq!(problem.code, "unreachable");

    // The same address again (the demo platform's case): the queued change goes through.
    let addr: std::net::SocketAddr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap();
    let _back = consentry_platform::serve(PlatformConfig {
        listen: addr,
        data: DataLocation::Directory(dir.path().join("platform")),
        signing_seed: Some(7),
        ..PlatformConfig::default()
    })
    .await
    .unwrap();
    let status = sync(&ctx).await;
    assert_eq!(status.pending_changes, 0);
    assert!(status.last_error.is_none());
}

#[tokio::test]
async fn background_sync_sends_changes_and_stops_when_locked() {
    let dir = tempfile::tempdir().unwrap();
    let platform = platform(&dir).await;
    let mut opts = options(&dir.path().join("wallet"), Some(platform.base_url()));
    opts.background_sync = true;
    opts.sync.long_poll = Duration::from_secs(1);
    let ctx = wallet(opts).await;
    let mut updates = ctx.subscribe_sync();
    let card = card_link(&ctx, link(VISA)).await.unwrap();
    // The background task refreshes the directory once enrolled; wait for it, then grant.
    let wait = |what: &'static str| async move { panic!("timed out waiting for {what}") };
    let mut tries = 0;
    while apps_list(&ctx, AppsListRequest {})
        .await
        .unwrap()
        .apps
        .is_empty()
    {
        tries += 1;
        if tries > 100 {
            wait("the directory").await;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    grant_set(&ctx, receipts(&card.token)).await.unwrap();
    let synced = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let grants = grants_of(&ctx).await;
            if grants.grants[0].sync.state == consentry_api::consents::GrantSyncState::Synced {
                return;
            }
            let _ = tokio::time::timeout(Duration::from_millis(200), updates.changed()).await;
        }
    })
    .await;
    assert!(
        synced.is_ok(),
        "the background loop sent the grant without sync_now"
    );
    assert!(updates.borrow().enrolled && updates.borrow().active);

    wallet_lock(&ctx, WalletLockRequest {}).await.unwrap();
    tokio::time::timeout(Duration::from_secs(5), async {
        while updates.borrow_and_update().active {
            updates.changed().await.unwrap();
        }
    })
    .await
    .expect("the status goes inactive when the wallet locks");
    let status = sync_status(&ctx, SyncStatusRequest {}).await.unwrap();
    assert!(!status.active);
    assert_eq!(
        sync_now(&ctx, SyncNowRequest {}).await.unwrap_err().code,
        ErrorCode::WalletLocked
    );
}

#[tokio::test]
async fn a_second_device_joins_with_the_credentials_and_sees_the_grants() {
    let dir = tempfile::tempdir().unwrap();
    let platform = platform(&dir).await;
    let first_says = Arc::new(ScriptedNative::default());
    let mut first_options = options(&dir.path().join("first"), Some(platform.base_url()));
    first_options.native = first_says.clone();
    let first = wallet(first_options).await;
    let card = card_link(&first, link(VISA)).await.unwrap();
    apps_refresh(&first, AppsRefreshRequest {}).await.unwrap();
    grant_set(&first, receipts(&card.token)).await.unwrap();
    sync_now(&first, SyncNowRequest {}).await.unwrap();
    // The secret is shown only after the person said yes in a native dialog.
    let refused = platform_credentials(&first, PlatformCredentialsRequest {})
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Cancelled);
    first_says.push(Answer::Accept);
    let credentials = platform_credentials(&first, PlatformCredentialsRequest {})
        .await
        .unwrap();
    assert!(!format!("{credentials:?}").contains(&credentials.cardholder_secret));
    assert!(matches!(&first_says.asked()[..], [Asked::Confirm(a), Asked::Confirm(b)] if a == b));

    // No default platform here: this device is connected by hand, as in Settings, and the
    // person confirms the platform's address in a native dialog each time it is not the
    // one the app was started with.
    let second_says = Arc::new(ScriptedNative::default());
    let mut second_options = options(&dir.path().join("second"), None);
    second_options.native = second_says.clone();
    let second = wallet(second_options).await;
    assert_eq!(
        sync_now(&second, SyncNowRequest {}).await.unwrap_err().code,
        ErrorCode::NotEnrolled
    );
    let half = PlatformEnrollRequest {
        platform_url: credentials.platform_url.clone(),
        device_name: Some("phone".into()),
        cardholder_id: Some(credentials.cardholder_id.clone()),
        cardholder_secret: None,
        pairing_code: None,
    };
    assert_eq!(
        platform_enroll(&second, half).await.unwrap_err().code,
        ErrorCode::InvalidInput
    );
    let wrong = PlatformEnrollRequest {
        platform_url: credentials.platform_url.clone(),
        device_name: Some("phone".into()),
        cardholder_id: Some(credentials.cardholder_id.clone()),
        cardholder_secret: Some("chs_wrong".into()),
        pairing_code: None,
    };
    // Declined: nothing is sent there.
    assert_eq!(
        platform_enroll(&second, wrong.clone())
            .await
            .unwrap_err()
            .code,
        ErrorCode::Cancelled
    );
    assert_eq!(
        sync_now(&second, SyncNowRequest {}).await.unwrap_err().code,
        ErrorCode::NotEnrolled
    );
    let Some(Asked::Confirm(question)) = second_says.asked().pop() else {
        panic!("no confirmation was asked");
    };
    assert!(
        question.message.contains(&credentials.platform_url),
        "{question:?}"
    );
    second_says.push(Answer::Accept);
    assert_eq!(
        platform_enroll(&second, wrong).await.unwrap_err().code,
        ErrorCode::PlatformUnauthorized
    );
    second_says.push(Answer::Accept);
    // The first device shows a pairing code; it is typed on the second.
    let code = device_pairing_start(&first, DevicePairingStartRequest {})
        .await
        .unwrap();
    assert!(!format!("{code:?}").contains(&code.code));
    let joined = platform_enroll(
        &second,
        PlatformEnrollRequest {
            platform_url: credentials.platform_url.clone(),
            device_name: Some("phone".into()),
            cardholder_id: Some(credentials.cardholder_id.clone()),
            cardholder_secret: Some(credentials.cardholder_secret.clone()),
            pairing_code: Some(code.code.clone()),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        joined.platform.as_ref().unwrap().cardholder_id,
        credentials.cardholder_id
    );
    assert!(
        !joined.paired,
        "paired only once the first device vouched for it"
    );
    assert_eq!(
        sync_now(&second, SyncNowRequest {}).await.unwrap_err().code,
        ErrorCode::PlatformUnauthorized,
        "not paired yet"
    );
    sync_now(&first, SyncNowRequest {}).await.unwrap();
    let status = sync_now(&second, SyncNowRequest {}).await.unwrap();
    assert!(status.paired);
    let seen = grants_list(&second, GrantsListRequest::default())
        .await
        .unwrap();
    assert_eq!(seen.grants.len(), 1, "{seen:?}");
    assert_eq!(seen.grants[0].status, GrantStatus::Active);
    assert_eq!(seen.grants[0].app_id, RECEIPTS_APP);

    // The second device learned the cardholder's card when it joined: its grant is on a
    // card it holds, not on a token it does not know.
    let learned = cards_list(&second, CardsListRequest {}).await.unwrap();
    assert_eq!(learned.cards.len(), 1, "{learned:?}");
    assert_eq!(learned.cards[0].token, card.token);
    assert_eq!(learned.cards[0].last4, "4242");
    // Linking the same card there is the first device's card: one token per card per
    // cardholder.
    let same = card_link(&second, link(VISA)).await.unwrap();
    assert_eq!(same.token, card.token);
    assert_eq!(seen.grants[0].card_token, same.token);
    // Linking it again on the first device changes nothing, and does not unlink it.
    let again = card_link(&first, link(VISA)).await.unwrap();
    assert_eq!(again.token, card.token);
    let listed = cards_list(&first, CardsListRequest {}).await.unwrap();
    assert_eq!(listed.cards.len(), 1, "{listed:?}");
    sync_now(&first, SyncNowRequest {}).await.unwrap();
    let after = grants_list(&first, GrantsListRequest::default())
        .await
        .unwrap();
    assert_eq!(after.grants[0].status, GrantStatus::Active, "still granted");
}

#[tokio::test]
async fn data_requests_reach_the_platform_with_a_due_date() {
    let dir = tempfile::tempdir().unwrap();
    let (_platform, ctx) = wallet_on_platform(&dir).await;
    apps_refresh(&ctx, AppsRefreshRequest {}).await.unwrap();
    let created = data_request_create(
        &ctx,
        DataRequestCreateRequest {
            app_id: RECEIPTS_APP.into(),
            kind: DataRequestKindDto::Deletion,
        },
    )
    .await
    .unwrap();
    assert_eq!(created.status, "received");
    assert!(created.due_at > created.created_at + chrono::Duration::days(27));
    let listed = data_requests_list(
        &ctx,
        DataRequestsListRequest {
            app_id: Some(RECEIPTS_APP.into()),
        },
    )
    .await
    .unwrap();
    assert_eq!(listed.requests.len(), 1);
    assert_eq!(listed.requests[0].id, created.id);
}

#[tokio::test]
async fn the_demo_controls_publish_new_terms_and_the_permission_waits_for_the_cardholder() {
    use consentry_api::{demo_terms_publish, DemoTermsPublishRequest, OperatorToken};
    let dir = tempfile::tempdir().unwrap();
    let (platform, ctx) = demo_wallet(&dir).await;
    let card = card_link(&ctx, link(VISA)).await.unwrap();
    apps_refresh(&ctx, AppsRefreshRequest {}).await.unwrap();
    let before = apps_list(&ctx, AppsListRequest {}).await.unwrap();
    let quire = before.apps.iter().find(|a| a.id == RECEIPTS_APP).unwrap();
    grant_set(&ctx, receipts(&card.token)).await.unwrap();
    sync(&ctx).await;

    let publish = |app_id: &str| DemoTermsPublishRequest {
        app_id: app_id.into(),
    };
    let published = demo_terms_publish(&ctx, publish(RECEIPTS_APP))
        .await
        .unwrap();
    assert_eq!(published.terms_version, quire.terms_version + 1);
    // The directory holds the new text at once; the permission waits once the feed says so.
    let after = apps_list(&ctx, AppsListRequest {}).await.unwrap();
    let now = after.apps.iter().find(|a| a.id == RECEIPTS_APP).unwrap();
    assert_eq!(now.terms_version, published.terms_version);
    assert!(now.terms_text.contains("share the total of each purchase"));
    sync(&ctx).await;
    let grants = grants_of(&ctx).await;
    assert_eq!(grants.grants[0].status, GrantStatus::NeedsReconsent);
    assert_eq!(
        grants.grants[0].pending_terms_version,
        Some(published.terms_version)
    );

    // Unknown app: not found, nothing published.
    let unknown = demo_terms_publish(&ctx, publish("app_nobody"))
        .await
        .unwrap_err();
    assert_eq!(unknown.code, ErrorCode::NotFound);

    // Against any platform but the embedded demo one, the control is refused before any call.
    let other = wallet(options(
        &dir.path().join("other"),
        Some(platform.base_url()),
    ))
    .await;
    card_link(&other, link(VISA)).await.unwrap();
    apps_refresh(&other, AppsRefreshRequest {}).await.unwrap();
    let refused = demo_terms_publish(&other, publish(RECEIPTS_APP))
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidInput);

    // A wrong operator token: the platform refuses, and the terms stay as they are.
    let mut forged = options(&dir.path().join("forged"), Some(platform.base_url()));
    forged.demo_platform = true;
    forged.demo_operator = Some(OperatorToken::new("op_guessed".into()));
    let forged = wallet(forged).await;
    card_link(&forged, link(VISA)).await.unwrap();
    apps_refresh(&forged, AppsRefreshRequest {}).await.unwrap();
    let denied = demo_terms_publish(&forged, publish(RECEIPTS_APP))
        .await
        .unwrap_err();
    assert_eq!(denied.code, ErrorCode::PlatformRejected, "{denied:?}");
    assert!(denied.message.contains("403"), "{denied:?}");
    apps_refresh(&forged, AppsRefreshRequest {}).await.unwrap();
    let kept = apps_list(&forged, AppsListRequest {}).await.unwrap();
    let kept = kept.apps.iter().find(|a| a.id == RECEIPTS_APP).unwrap();
    assert_eq!(kept.terms_version, published.terms_version);
}

#[tokio::test]
async fn the_demo_violation_control_makes_an_app_break_consent_and_the_wallet_flags_it() {
    use consentry_api::{demo_violation, DemoViolationRequest};
    let dir = tempfile::tempdir().unwrap();
    let (platform, ctx) = demo_wallet(&dir).await;
    let card = card_link(&ctx, link(VISA)).await.unwrap();
    apps_refresh(&ctx, AppsRefreshRequest {}).await.unwrap();
    grant_set(&ctx, receipts(&card.token)).await.unwrap();
    sync(&ctx).await;
    let request = || DemoViolationRequest {
        app_id: RECEIPTS_APP.into(),
        card_token: card.token.clone(),
    };

    // Before any purchase there is nothing to react to: the platform says so.
    let early = demo_violation(&ctx, request()).await.unwrap_err();
    assert_eq!(early.code, ErrorCode::PlatformRejected, "{early:?}");

    buy_coffee(&ctx, &card.token).await;
    assert_eq!(receipts_stored(&ctx).await, 1, "the allowed receipt came");
    assert_eq!(violations_stored(&ctx).await, 0);

    // The app does something it holds no permission for (never its receipts): flagged.
    let sent = demo_violation(&ctx, request()).await.unwrap();
    assert_ne!(sent.scope, Scope::Receipts);
    assert_eq!(sent.events, 1);
    sync(&ctx).await;
    assert_eq!(violations_stored(&ctx).await, 1);

    // Against any platform but the embedded demo one, refused before any call.
    let other = wallet(options(
        &dir.path().join("other"),
        Some(platform.base_url()),
    ))
    .await;
    let refused = demo_violation(&other, request()).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidInput);
}

async fn violations_stored(ctx: &Context) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM violations")
        .fetch_one(&ctx.pool().await.unwrap())
        .await
        .unwrap()
}

/// The reference platform in `dir` with an operator token, and a wallet using it as the
/// embedded demo platform (the shell hands it that token).
async fn demo_wallet(dir: &TempDir) -> (RunningPlatform, Context) {
    let platform = consentry_platform::serve(PlatformConfig {
        data: DataLocation::Directory(dir.path().join("platform")),
        admin_token: Some("op_demo".into()),
        ..PlatformConfig::default()
    })
    .await
    .unwrap();
    let mut demo = options(&dir.path().join("wallet"), Some(platform.base_url()));
    demo.demo_platform = true;
    demo.demo_operator = Some(consentry_api::OperatorToken::new("op_demo".into()));
    (platform, wallet(demo).await)
}

const CASHBACK_APP: &str = "app_cashcove";
const POINTS_APP: &str = "app_greenleaf";

fn reward(app: &str, card: &str, scope: Scope) -> GrantSetRequest {
    GrantSetRequest {
        app_id: app.into(),
        scope,
        ..receipts(card)
    }
}

#[tokio::test]
async fn the_demo_unrewarded_purchase_puts_a_claim_pack_in_rewards_for_the_app_that_owed_cashback()
{
    use consentry_api::rewards::claims::missing_rewards_at;
    use consentry_api::{
        demo_unrewarded_purchase, missing_rewards, DemoUnrewardedRequest, MissingRewardsRequest,
    };
    let dir = tempfile::tempdir().unwrap();
    let (platform, ctx) = demo_wallet(&dir).await;
    let card = card_link(&ctx, link(VISA)).await.unwrap();
    apps_refresh(&ctx, AppsRefreshRequest {}).await.unwrap();
    grant_set(&ctx, receipts(&card.token)).await.unwrap();
    let request = |app: &str| DemoUnrewardedRequest {
        app_id: app.into(),
        card_token: card.token.clone(),
    };

    // No cashback permission on the card: nothing the app could owe, nothing is sent.
    let refused = demo_unrewarded_purchase(&ctx, request(CASHBACK_APP))
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidInput, "{refused:?}");
    let unknown = demo_unrewarded_purchase(&ctx, request("app_nope"))
        .await
        .unwrap_err();
    assert_eq!(unknown.code, ErrorCode::NotFound, "{unknown:?}");

    // A cashback permission given just now (not yet sent: the control sends it first).
    grant_set(&ctx, reward(CASHBACK_APP, &card.token, Scope::Cashback))
        .await
        .unwrap();
    let none = missing_rewards(&ctx, MissingRewardsRequest {})
        .await
        .unwrap();
    assert_eq!(none.days, 0, "the demo does not wait");
    assert!(none.items.is_empty());
    let sent = demo_unrewarded_purchase(&ctx, request(CASHBACK_APP))
        .await
        .unwrap();
    assert_eq!(sent.merchant, "Marché Frais");
    assert_eq!(sent.amount.minor, 2490);
    assert!(sent.settled_at < chrono::Utc::now());
    // A permission given later owed nothing on that purchase, though its app did nothing.
    grant_set(&ctx, reward(POINTS_APP, &card.token, Scope::Points))
        .await
        .unwrap();
    sync(&ctx).await;

    let list = missing_rewards(&ctx, MissingRewardsRequest {})
        .await
        .unwrap();
    assert_eq!(list.items.len(), 1, "{:?}", list.items);
    let claim = &list.items[0];
    assert_eq!(claim.app_id, CASHBACK_APP);
    assert_eq!(claim.transaction_id, sent.transaction_id);
    assert_eq!(claim.merchant, "Marché Frais");
    assert_eq!(
        claim.settled_at.timestamp_millis(),
        sent.settled_at.timestamp_millis()
    );
    assert_eq!(claim.card_last4.as_deref(), Some("4242"));
    let scopes: Vec<Scope> = claim.grants.iter().map(|g| g.scope).collect();
    assert_eq!(scopes, [Scope::Cashback]);
    assert_eq!(claim.grants[0].ledger_hash.len(), 64);
    // The receipts app, allowed since before, did its part: its receipt is in the pack.
    let receipt = claim.receipt.as_ref().expect("the receipt app's receipt");
    assert_eq!(receipt.app_id.as_deref(), Some(RECEIPTS_APP));
    assert_eq!(receipt.total.minor, 2490);

    // The rule for any other platform is unchanged: this purchase is minutes old, not days.
    let pool = ctx.pool().await.unwrap();
    let real = missing_rewards_at(&pool, chrono::Utc::now()).await.unwrap();
    assert_eq!(real.days, 3);
    assert!(real.items.is_empty(), "{:?}", real.items);
    let in_four_days = missing_rewards_at(&pool, chrono::Utc::now() + chrono::Duration::days(4))
        .await
        .unwrap();
    assert_eq!(in_four_days.items.len(), 1);

    // An ordinary purchase pays its cashback: no new claim.
    let mut paid = coffee(&card.token);
    paid.channel = Channel::Card;
    purchase_simulate(&ctx, paid).await.unwrap();
    sync(&ctx).await;
    let still = missing_rewards(&ctx, MissingRewardsRequest {})
        .await
        .unwrap();
    assert_eq!(still.items.len(), 1, "{:?}", still.items);

    // Against any platform but the embedded demo one: refused, and judged with the setting.
    let other = wallet(options(
        &dir.path().join("other"),
        Some(platform.base_url()),
    ))
    .await;
    let refused = demo_unrewarded_purchase(&other, request(CASHBACK_APP))
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidInput);
    let judged = missing_rewards(&other, MissingRewardsRequest {})
        .await
        .unwrap();
    assert_eq!(judged.days, 3);
}

#[tokio::test]
async fn a_demo_app_moved_to_another_platform_has_no_demo_controls_and_the_usual_wait() {
    use consentry_api::{
        demo_unrewarded_purchase, demo_violation, missing_rewards, DemoUnrewardedRequest,
        DemoViolationRequest, MissingRewardsRequest,
    };
    let dir = tempfile::tempdir().unwrap();
    let (demo, _) = demo_wallet(&dir).await;
    // Another platform that would take the same operator token.
    let elsewhere = consentry_platform::serve(PlatformConfig {
        data: DataLocation::Directory(dir.path().join("elsewhere")),
        admin_token: Some("op_demo".into()),
        ..PlatformConfig::default()
    })
    .await
    .unwrap();
    let says = Arc::new(ScriptedNative::default());
    let mut moved = options(&dir.path().join("moved"), Some(demo.base_url()));
    moved.demo_platform = true;
    moved.demo_operator = Some(consentry_api::OperatorToken::new("op_demo".into()));
    moved.native = says.clone();
    let ctx = wallet(moved).await;
    // The person connects this wallet to the other platform (and confirms its address).
    says.push(Answer::Accept);
    platform_enroll(
        &ctx,
        PlatformEnrollRequest {
            platform_url: elsewhere.base_url(),
            device_name: Some("laptop".into()),
            cardholder_id: None,
            cardholder_secret: None,
            pairing_code: None,
        },
    )
    .await
    .unwrap();
    let card = card_link(&ctx, link(VISA)).await.unwrap();
    apps_refresh(&ctx, AppsRefreshRequest {}).await.unwrap();
    grant_set(&ctx, reward(CASHBACK_APP, &card.token, Scope::Cashback))
        .await
        .unwrap();

    // The operator token never leaves for it: refused before any call.
    let unrewarded = demo_unrewarded_purchase(
        &ctx,
        DemoUnrewardedRequest {
            app_id: CASHBACK_APP.into(),
            card_token: card.token.clone(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(unrewarded.code, ErrorCode::InvalidInput, "{unrewarded:?}");
    let violation = demo_violation(
        &ctx,
        DemoViolationRequest {
            app_id: CASHBACK_APP.into(),
            card_token: card.token.clone(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(violation.code, ErrorCode::InvalidInput, "{violation:?}");
    // And its claims wait the usual days.
    let list = missing_rewards(&ctx, MissingRewardsRequest {})
        .await
        .unwrap();
    assert_eq!(list.days, 3);
}

#[path = "platform/languages.rs"]
mod languages;
