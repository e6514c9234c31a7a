//! A hostile platform (the real one behind the hostile proxy, signing with its own key or
//! with keys the test chooses): poison values, equivocation, unreadable and oversized
//! deliveries, a stale delivery it keeps serving, unendorsed keys, back-dated events after an
//! acknowledged revocation. After each, the wallet still reads, sums and lists everything else.

use chrono::{Duration as TimeDelta, Utc};
use consentry_domain::{Event, EventPayload, PointsAwarded, Scope, ViolationReason};
use consentry_export::{ArchivePassword, ExportControl, ExportFilter, ExportFormat, ExportRequest};
use consentry_store::activity::{self, ActivityFilter, Direction};
use consentry_store::{events, feed_gaps, quarantine, reward_stats};
use consentry_sync::{ClientConfig, SyncConfig, SyncErrorCode};
use serde_json::{json, Value};

use crate::feed::{grant_everything, social_post};
use crate::proxy::{self, deliver, Proxy, Tamper};
use crate::support::{
    key, laptop_behind_proxy, platform, test_config, Device, Platform, ALL_CHANNELS,
};

const POSTS_APP: &str = "app_tastemaker";
const POINTS_APP: &str = "app_beanstamp";

/// A platform, a proxy in front of it, and a device enrolled through the proxy with a card.
struct Scene {
    platform: Platform,
    proxy: Proxy,
    device: Device,
    card: String,
}

impl Scene {
    fn of((platform, proxy, device, card): (Platform, Proxy, Device, String)) -> Scene {
        Scene {
            platform,
            proxy,
            device,
            card,
        }
    }

    /// A card purchase of `minor`, delivered with `tampers` applied to the page that carries it.
    async fn deliver(&self, minor: i64, tampers: impl IntoIterator<Item = Tamper>) {
        let (platform, proxy, device) = (&self.platform, &self.proxy, &self.device);
        deliver(platform, proxy, device, &self.card, minor, tampers).await;
    }

    /// The activity row of event `id`, which must have been kept.
    async fn kept(&self, id: &str) -> activity::ActivityRow {
        activity::by_id(&self.device.pool, id)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{id} is not kept"))
    }
}

/// A [`Scene`] whose card every app holds every scope on.
async fn scene(config: SyncConfig) -> Scene {
    let platform = platform().await;
    let proxy = proxy::start(&platform.url).await;
    let device = Device::with_config("laptop", config).await;
    device.enroll_at(&proxy.url, None).await;
    let card = device.link_card().await;
    grant_everything(&device, &card).await;
    Scene::of((platform, proxy, device, card))
}

/// [`scene`] as the four parts.
async fn behind_proxy(config: SyncConfig) -> (Platform, Proxy, Device, String) {
    let scene = scene(config).await;
    (scene.platform, scene.proxy, scene.device, scene.card)
}

fn points(id: &str, card: &str, delta: Value, balance: Value) -> String {
    let mut event = serde_json::to_value(Event {
        id: id.to_owned(),
        occurred_at: Utc::now(),
        card_token: card.to_owned(),
        app_id: Some(POINTS_APP.to_owned()),
        payload: EventPayload::PointsAwarded(PointsAwarded {
            program: "Bean Club".into(),
            delta: 1,
            balance: 1,
            payment: None,
        }),
    })
    .unwrap();
    event["delta"] = delta;
    event["balance"] = balance;
    event.to_string()
}

/// `social_post` with one field of the body replaced.
fn post_with(id: &str, card: &str, path: &[&str], value: Value) -> String {
    let mut event: Value = serde_json::from_str(&social_post(id, card, POSTS_APP)).unwrap();
    let mut at = &mut event;
    for step in &path[..path.len() - 1] {
        at = &mut at[*step];
    }
    at[path[path.len() - 1]] = value;
    event.to_string()
}

async fn reasons(device: &Device) -> Vec<String> {
    quarantine::recent(&device.pool, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|q| q.reason)
        .collect()
}

/// The first page of Activity, of up to 500 rows.
async fn newest_500(device: &Device) -> activity::ActivityPage {
    let newest = Direction::Older(None);
    activity::page(&device.pool, &ActivityFilter::default(), newest, 500)
        .await
        .unwrap()
}

/// The amounts of the purchases Activity lists.
async fn purchase_amounts(device: &Device) -> Vec<i64> {
    let page = newest_500(device).await;
    page.rows
        .iter()
        .filter_map(|r| match &r.event.payload {
            EventPayload::TransactionAuthorized(t) => Some(t.amount.minor),
            _ => None,
        })
        .collect()
}

/// Activity lists every stored event, rewards sum, and every event decodes.
async fn wallet_still_works(device: &Device) {
    let stored = events::count(&device.pool).await.unwrap();
    let page = newest_500(device).await;
    assert_eq!(page.rows.len() as u64, stored.min(500));
    reward_stats::points_by_program(&device.pool, None)
        .await
        .unwrap();
    reward_stats::cashback_outcomes(&device.pool, None)
        .await
        .unwrap();
    // Every export format reads the whole history through.
    let out = tempfile::tempdir().unwrap();
    for format in ExportFormat::ALL {
        let request = ExportRequest {
            format: *format,
            destination: out.path().join(format.as_str()),
            filter: ExportFilter::default(),
            password: (*format == ExportFormat::Archive)
                .then(|| ArchivePassword::new("a long archive password".into())),
            now: Utc::now(),
        };
        let summary = consentry_export::export(&device.pool, &request, &ExportControl::default())
            .await
            .unwrap_or_else(|e| panic!("{} export after a hostile feed: {e}", format.as_str()));
        if *format != ExportFormat::Ofx {
            assert_eq!(summary.events, stored, "{}", format.as_str());
        }
    }
}

#[tokio::test]
async fn poison_in_any_field_is_quarantined_and_everything_else_flows() {
    let (platform, proxy, device, card) = behind_proxy(test_config("laptop")).await;
    let luhn_balance = json!(4_111_111_111_111_111_i64);
    let cases: Vec<(String, &str)> = vec![
        (
            points("evt_pan_number", &card, json!(5), luhn_balance),
            "card_number_in_number",
        ),
        (
            points(
                "evt_huge",
                &card,
                json!(9_000_000_000_000_000_000_i64),
                json!(1),
            ),
            "number_out_of_range",
        ),
        (
            points("evt_float", &card, json!(1.5), json!(1)),
            "malformed",
        ),
        (
            post_with(
                "evt_pan_id",
                &card,
                &["payment", "transaction_id"],
                json!("txn_4111111111111111"),
            ),
            "card_number_in_identifier",
        ),
        (
            post_with(
                "evt_bidi",
                &card,
                &["text"],
                json!("Paid \u{202E}05.4€ at Lumen"),
            ),
            "bidi_control",
        ),
        (
            post_with("evt_control", &card, &["network"], json!("Chirp\u{0007}")),
            "control_character",
        ),
        (
            post_with("evt_long", &card, &["text"], json!("a".repeat(5_000))),
            "text_too_long",
        ),
        (
            post_with("evt_odd_app", &card, &["app_id"], json!("app tastemaker")),
            "bad_identifier",
        ),
        (
            post_with(
                "evt_far_future",
                &card,
                &["occurred_at"],
                json!("2099-01-01T00:00:00Z"),
            ),
            "from_the_future",
        ),
        (
            post_with(
                "evt_wrong_type",
                &card,
                &["occurred_at"],
                json!(1_764_000_000),
            ),
            "malformed",
        ),
    ];
    let expected: Vec<&str> = cases.iter().map(|(_, code)| *code).collect();
    platform.purchase(&device, &card, 450, "nfc").await;
    proxy
        .hostility
        .lock()
        .unwrap()
        .next_page
        .extend(cases.into_iter().map(|(body, _)| Tamper::Inject(body)));
    device.settle(5).await;

    let reasons = reasons(&device).await;
    for code in expected {
        assert!(
            reasons.iter().any(|r| r.contains(code)),
            "{code}: {reasons:#?}"
        );
    }
    for id in [
        "evt_pan_number",
        "evt_huge",
        "evt_pan_id",
        "evt_bidi",
        "evt_long",
    ] {
        assert!(!events::exists(&device.pool, id).await.unwrap(), "{id}");
    }
    let kept = quarantine::recent(&device.pool, 100).await.unwrap();
    assert!(
        kept.iter().all(|q| !q.body.contains("4111111111111111")),
        "quarantine keeps card numbers masked"
    );
    // The purchase behind the poison arrived, and later ones still do.
    platform.purchase(&device, &card, 990, "card").await;
    device.settle(3).await;
    let amounts = purchase_amounts(&device).await;
    assert!(
        amounts.contains(&450) && amounts.contains(&990),
        "{amounts:?}"
    );
    wallet_still_works(&device).await;
}

#[tokio::test]
async fn amounts_at_the_limit_still_sum() {
    let scene = scene(test_config("laptop")).await;
    let (device, card) = (&scene.device, &scene.card);
    let top = consentry_store::admission::MAX_MAGNITUDE as i64;
    let big = |i| points(&format!("evt_big{i}"), card, json!(top), json!(top));
    scene
        .deliver(100, (0..50).map(|i| Tamper::Inject(big(i))))
        .await;
    let programs = reward_stats::points_by_program(&device.pool, None)
        .await
        .unwrap();
    let club = programs.iter().find(|p| p.program == "Bean Club").unwrap();
    assert_eq!(club.net, 50 * top, "{programs:?}");
    wallet_still_works(device).await;
}

#[tokio::test]
async fn the_same_id_with_another_body_is_kept_as_an_equivocation() {
    let scene = scene(test_config("laptop")).await;
    let (device, card) = (&scene.device, &scene.card);
    let said = social_post("evt_said_once", card, POSTS_APP);
    scene.deliver(200, [Tamper::Inject(said.clone())]).await;
    let first = scene.kept("evt_said_once").await;
    // The platform now says something else under the same id (and twice in one page).
    let other = post_with("evt_said_once", card, &["text"], json!("Never went there."));
    let twin = post_with("evt_twin", card, &["text"], json!("one"));
    let twin_other = post_with("evt_twin", card, &["text"], json!("two"));
    // The very same body again first: a plain repeat, not an equivocation.
    scene.deliver(250, [Tamper::Inject(said)]).await;
    assert_eq!(device.syncer.counters().await.equivocations, 0);
    let changed = [other, twin, twin_other].map(Tamper::Inject);
    scene.deliver(300, changed).await;
    let again = scene.kept("evt_said_once").await;
    assert_eq!(again.event, first.event, "the first body stays");
    let kept = quarantine::recent(&device.pool, 20).await.unwrap();
    let equivocations: Vec<_> = kept
        .iter()
        .filter(|q| q.reason.starts_with("equivocation"))
        .collect();
    assert_eq!(equivocations.len(), 2, "{kept:#?}");
    let said: Value = serde_json::from_str(
        &equivocations
            .iter()
            .find(|q| q.event_id.as_deref() == Some("evt_said_once"))
            .unwrap()
            .body,
    )
    .unwrap();
    assert!(said["stored"].as_str().unwrap().contains("Café Lumen"));
    assert!(said["delivered"]
        .as_str()
        .unwrap()
        .contains("Never went there."));
    let counters = device.syncer.counters().await;
    assert_eq!(counters.equivocations, 2);
    wallet_still_works(device).await;
}

#[tokio::test]
async fn an_unreadable_delivery_is_set_aside_and_an_oversized_one_skipped_then_retried() {
    let mut config = test_config("laptop");
    config.client = ClientConfig {
        max_response_bytes: 128 * 1024,
        ..ClientConfig::default()
    };
    let (platform, proxy, device, card) = behind_proxy(config).await;
    // A delivery with a field of the wrong type: set aside, the page goes on.
    proxy.hostility.lock().unwrap().next_page.push_back(Tamper::Raw(
        json!({"id": "evt_typo", "cursor": "1", "timestamp": "yesterday", "body": "{}", "signature": "v1a,AAAA"}),
    ));
    platform.purchase(&device, &card, 120, "card").await;
    device.settle(3).await;
    assert!(reasons(&device)
        .await
        .iter()
        .any(|r| r.starts_with("unreadable_delivery")));

    // A delivery the client cannot take (over its size cap), served every time.
    let before = events::count(&device.pool).await.unwrap();
    platform.purchase(&device, &card, 777, "card").await;
    let cursor = consentry_store::settings::sync_cursor(&device.pool, consentry_sync::FEED)
        .await
        .unwrap()
        .unwrap_or_default();
    let page = platform.feed_page(&device, &cursor).await;
    let new_ids: Vec<String> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert!(new_ids.len() >= 2, "{new_ids:?}");
    let poisoned = new_ids[0].clone();
    proxy
        .hostility
        .lock()
        .unwrap()
        .oversize_ids
        .push(poisoned.clone());
    for pass in 1..MAX_TRIES {
        let error = device.syncer.pull_events(Utc::now()).await.unwrap_err();
        assert_eq!(error.code(), SyncErrorCode::BadResponse, "pass {pass}");
    }
    device.syncer.pull_events(Utc::now()).await.unwrap();
    let gaps = feed_gaps::open_gaps(&device.pool).await.unwrap();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(device.syncer.status().feed_gaps, 1);
    assert!(!events::exists(&device.pool, &poisoned).await.unwrap());
    assert_eq!(
        events::count(&device.pool).await.unwrap(),
        before + new_ids.len() as u64 - 1,
        "everything behind it arrived"
    );
    // Not due yet: left alone. Due, still served oversized: tried, still open.
    device.syncer.pull_events(Utc::now()).await.unwrap();
    assert_eq!(
        feed_gaps::open_gaps(&device.pool).await.unwrap()[0].tries,
        1
    );
    retry_gaps_now(&device).await;
    let gap = &feed_gaps::open_gaps(&device.pool).await.unwrap()[0];
    assert_eq!(gap.tries, 2, "{gap:?}");
    // Served readably again: the retry reads it and closes the gap.
    proxy.hostility.lock().unwrap().oversize_ids.clear();
    retry_gaps_now(&device).await;
    assert!(events::exists(&device.pool, &poisoned).await.unwrap());
    assert!(feed_gaps::open_gaps(&device.pool).await.unwrap().is_empty());
    wallet_still_works(&device).await;
}

/// Passes a delivery may fail before it is skipped (sync's `feed::MAX_TRIES`).
const MAX_TRIES: u32 = 3;

/// Makes every open gap due for a retry and pulls. (Moving the clock instead would make the
/// retried deliveries look stale.)
async fn retry_gaps_now(device: &Device) {
    sqlx::query("UPDATE feed_gaps SET last_try_at_ms = 0")
        .execute(&device.pool)
        .await
        .unwrap();
    device.syncer.pull_events(Utc::now()).await.unwrap();
}

#[tokio::test]
async fn a_stale_delivery_the_platform_keeps_serving_is_skipped_after_three_passes() {
    let (platform, proxy, device, card) = behind_proxy(test_config("laptop")).await;
    let stale = social_post("evt_stale_forever", &card, POSTS_APP);
    for pass in 1..=3 {
        platform.purchase(&device, &card, 100 + pass, "card").await;
        proxy
            .hostility
            .lock()
            .unwrap()
            .next_page
            .push_back(Tamper::InjectStale(stale.clone(), 2 * 3600));
        let result = device.syncer.pull_events(Utc::now()).await;
        if pass < 3 {
            assert_eq!(
                result.unwrap_err().code(),
                SyncErrorCode::ClockSkew,
                "pass {pass}"
            );
        } else {
            result.unwrap();
        }
    }
    let gaps = feed_gaps::open_gaps(&device.pool).await.unwrap();
    assert_eq!(gaps.len(), 1);
    assert_eq!(gaps[0].event_id.as_deref(), Some("evt_stale_forever"));
    assert!(gaps[0].error.contains("clock"), "{:?}", gaps[0]);
    // Every purchase got through.
    let amounts = purchase_amounts(&device).await;
    for minor in [101, 102, 103] {
        assert!(amounts.contains(&minor), "{amounts:?}");
    }
    // Retried later: the platform does not know that event (404), so the gap closes.
    retry_gaps_now(&device).await;
    assert!(feed_gaps::open_gaps(&device.pool).await.unwrap().is_empty());
    assert!(!events::exists(&device.pool, "evt_stale_forever")
        .await
        .unwrap());
}

fn whpk(key: &ed25519_dalek::SigningKey) -> String {
    use base64::Engine as _;
    format!(
        "whpk_{}",
        base64::engine::general_purpose::STANDARD.encode(key.verifying_key().as_bytes())
    )
}

/// The key refetch rule: deliveries that verify under no trusted key make the wallet read
/// `GET /v1/keys` once in that sync pass, whatever their number; still unverified, they are
/// rejected (quarantined, not stored), and the genuine deliveries beside them are kept.
#[tokio::test]
async fn unverified_deliveries_refetch_the_keys_once_then_are_rejected() {
    let (platform, proxy, device, card) = behind_proxy(test_config("laptop")).await;
    device.settle(3).await;
    let unknown_seed = [9u8; 32];
    {
        let mut hostility = proxy.hostility.lock().unwrap();
        hostility.keys_fetches = 0;
        for id in [
            "evt_unknown_key_1",
            "evt_unknown_key_2",
            "evt_unknown_key_3",
        ] {
            hostility.next_page.push_back(Tamper::SignedWith(
                unknown_seed,
                social_post(id, &card, POSTS_APP),
            ));
        }
    }
    let step = platform.purchase(&device, &card, 260, "card").await;
    device.syncer.sync_once(Utc::now()).await.unwrap();
    assert_eq!(proxy.hostility.lock().unwrap().keys_fetches, 1);
    for id in [
        "evt_unknown_key_1",
        "evt_unknown_key_2",
        "evt_unknown_key_3",
    ] {
        assert!(!events::exists(&device.pool, id).await.unwrap(), "{id}");
    }
    assert!(device.syncer.status().quarantined >= 3);
    let genuine = step["event_ids"].as_array().unwrap();
    assert!(!genuine.is_empty());
    for id in genuine {
        let id = id.as_str().unwrap();
        assert!(events::exists(&device.pool, id).await.unwrap(), "{id}");
    }
}

#[tokio::test]
async fn a_key_nobody_trusted_endorsed_is_refused_and_an_endorsed_one_followed() {
    let (platform, proxy, device, card) = behind_proxy(test_config("laptop")).await;
    platform.purchase(&device, &card, 240, "card").await;
    let rogue_seed = [7u8; 32];
    let rogue = ed25519_dalek::SigningKey::from_bytes(&rogue_seed);
    {
        let mut hostility = proxy.hostility.lock().unwrap();
        hostility
            .extra_keys
            .push(json!({"key_id": "key_rogue", "algorithm": "ed25519",
            "scheme": "v1a", "public_key": whpk(&rogue), "status": "active",
            "created_at": "2026-12-01T00:00:00Z", "endorsement": null}));
        hostility.next_page.push_back(Tamper::SignedWith(
            rogue_seed,
            social_post("evt_rogue", &card, POSTS_APP),
        ));
    }
    device.settle(3).await;
    assert!(!events::exists(&device.pool, "evt_rogue").await.unwrap());
    let reasons = reasons(&device).await;
    assert!(
        reasons
            .iter()
            .any(|r| r.starts_with("unendorsed_key") && r.contains("key_rogue")),
        "{reasons:#?}"
    );
    assert_eq!(device.syncer.status().unendorsed_keys, 1);
    assert!(!device
        .enrollment()
        .await
        .signing_keys
        .iter()
        .any(|k| k.key_id == "key_rogue"));

    // A new key endorsed by the platform's trusted key is followed.
    let trusted = proxy::platform_key();
    let trusted_id = device
        .enrollment()
        .await
        .signing_keys
        .iter()
        .find(|k| k.public_key == whpk(&trusted))
        .unwrap()
        .key_id
        .clone();
    let fresh_seed = [8u8; 32];
    let fresh = ed25519_dalek::SigningKey::from_bytes(&fresh_seed);
    let statement = consentry_sync::endorsement_content("key_fresh", &whpk(&fresh));
    let signature = {
        use base64::Engine as _;
        use ed25519_dalek::Signer as _;
        format!(
            "v1a,{}",
            base64::engine::general_purpose::STANDARD
                .encode(trusted.sign(statement.as_bytes()).to_bytes())
        )
    };
    {
        let mut hostility = proxy.hostility.lock().unwrap();
        hostility
            .extra_keys
            .push(json!({"key_id": "key_fresh", "algorithm": "ed25519",
            "scheme": "v1a", "public_key": whpk(&fresh), "status": "next",
            "created_at": "2026-12-01T00:00:00Z",
            "endorsement": {"signed_by": trusted_id, "signature": signature}}));
        hostility.next_page.push_back(Tamper::SignedWith(
            fresh_seed,
            social_post("evt_fresh_key", &card, POSTS_APP),
        ));
    }
    platform.purchase(&device, &card, 250, "card").await;
    device.settle(3).await;
    assert!(events::exists(&device.pool, "evt_fresh_key").await.unwrap());
    assert!(device
        .enrollment()
        .await
        .signing_keys
        .iter()
        .any(|k| k.key_id == "key_fresh"));
}

#[tokio::test]
async fn an_event_made_after_an_acknowledged_revocation_is_flagged_whatever_time_it_claims() {
    let scene = Scene::of(laptop_behind_proxy().await);
    let (device, card) = (&scene.device, &scene.card);
    device.syncer.refresh_directory(Utc::now()).await.unwrap();
    let posts = key(POSTS_APP, card, Scope::SocialPosts);
    let granted_at = Utc::now();
    device.grant(&posts, ALL_CHANNELS, granted_at).await;
    device.settle(3).await;
    let revoked_at = Utc::now();
    assert!(device.revoke(&posts, revoked_at).await);
    device.settle(3).await; // acknowledged, then a complete read of the feed
    device.settle(3).await;

    // Back-dated into the granted period, made after the platform knew.
    let inside = granted_at + (revoked_at - granted_at) / 2;
    let at = json!(inside.to_rfc3339());
    let event = post_with("evt_backdated", card, &["occurred_at"], at);
    scene.deliver(640, [Tamper::Inject(event)]).await;
    let row = scene.kept("evt_backdated").await;
    assert!(
        matches!(
            row.violation,
            Some(ViolationReason::DeliveredAfterRevocation { .. })
        ),
        "{:?}",
        row.violation
    );
    // It also claims a time before the previous complete read by more than the window: late.
    let at = json!((Utc::now() - TimeDelta::hours(3)).to_rfc3339());
    let old = post_with("evt_held_back", card, &["occurred_at"], at);
    scene.deliver(641, [Tamper::Inject(old)]).await;
    let late = events::late_by_ms(&device.pool, "evt_held_back")
        .await
        .unwrap();
    assert!(
        late.is_some_and(|ms| ms >= 3 * 3_600_000 - 60_000),
        "{late:?}"
    );
    assert_eq!(
        events::late_by_ms(&device.pool, "evt_backdated")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn a_delivery_signed_for_another_cardholder_is_refused() {
    let scene = scene(test_config("laptop")).await;
    let (platform, device) = (&scene.platform, &scene.device);
    // Another cardholder of the same platform, and one of its real, validly signed deliveries.
    let other = Device::new("stranger").await;
    other.enroll(platform, None).await;
    let other_card = other.link_card().await;
    platform.purchase(&other, &other_card, 999, "card").await;
    let page = platform.feed_page(&other, "0").await;
    let mut captured = page["events"][0].clone();
    let captured_id = captured["id"].as_str().unwrap().to_owned();
    captured["cursor"] = json!("1");
    let body: Value = serde_json::from_str(captured["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body["cardholder_id"],
        json!(other.enrollment().await.cardholder_id)
    );

    scene.deliver(555, [Tamper::Raw(captured)]).await;
    assert!(!events::exists(&device.pool, &captured_id).await.unwrap());
    let kept = quarantine::recent(&device.pool, 10).await.unwrap();
    assert!(
        kept.iter()
            .any(|q| q.event_id.as_deref() == Some(captured_id.as_str())
                && q.reason.starts_with("foreign_cardholder")),
        "{kept:#?}"
    );
    wallet_still_works(device).await;
}

#[tokio::test]
async fn a_card_list_with_a_token_the_wallet_cannot_keep_still_adds_the_others() {
    let (_platform, proxy, device, card) = behind_proxy(test_config("laptop")).await;
    let listed = |token: &str, last4: &str| {
        json!({"token": token, "brand": "visa", "last4": last4,
               "expiration": {"month": 12, "year": 2031}, "nickname": null,
               "status": "active", "created_at": "2026-11-27T12:00:00.000Z"})
    };
    proxy.hostility.lock().unwrap().extra_cards = vec![
        // A token holding a card number: the store's guard refuses it.
        listed("card_4242424242424242", "4242"),
        // A card linked on another device: kept.
        listed("card_fromthephone", "5556"),
    ];
    device.syncer.reconcile(Utc::now()).await.unwrap();
    let held: Vec<String> = consentry_store::cards::list(&device.pool)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.token)
        .collect();
    assert!(held.contains(&card), "{held:?}");
    assert!(held.contains(&"card_fromthephone".to_owned()), "{held:?}");
    assert!(
        !held.iter().any(|t| t.contains("4242424242424242")),
        "{held:?}"
    );
    // And the next pass goes on as usual.
    device.settle(5).await;
}

#[tokio::test]
async fn a_slow_feed_does_not_hold_up_talking_to_the_platform() {
    let (_platform, proxy, device, _card) = behind_proxy(test_config("laptop")).await;
    proxy.hostility.lock().unwrap().feed_delay = Some(std::time::Duration::from_secs(5));
    let syncer = device.syncer.clone();
    let pass = tokio::spawn(async move { syncer.sync_once(Utc::now()).await });
    // The pass is now waiting on the feed, holding the engine.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let client = tokio::time::timeout(std::time::Duration::from_secs(2), device.syncer.client())
        .await
        .expect("the client is at hand while a pass waits on the feed")
        .unwrap();
    let cards = tokio::time::timeout(std::time::Duration::from_secs(2), client.cards())
        .await
        .expect("listing cards does not queue behind the pass")
        .unwrap();
    assert_eq!(cards.len(), 1);
    assert!(
        !pass.is_finished(),
        "the pass was still waiting on the feed"
    );
    proxy.hostility.lock().unwrap().feed_delay = None;
    pass.await.unwrap().unwrap();
}
