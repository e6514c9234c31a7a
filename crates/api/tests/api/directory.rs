//! Re-consent (`terms_diff`, accepting the new terms) and access transparency (`app_access`)
//! over a real SQLCipher wallet in a temp dir, with events stored the way sync stores them.

use chrono::{DateTime, Duration, TimeZone, Utc};
use consentry_api::views::ViolationReasonView;
use consentry_api::vocabulary::{Channel, GrantStatus as GrantStatusView, Scope, Trigger};
use consentry_api::EventKind;
use consentry_api::{
    app_access, grant_set, ledger_list, terms_diff, AppAccessRequest, Context, ErrorCode,
    GrantExpiry, GrantSetRequest, LedgerListRequest, LineChange, TermsDiffRequest,
};
use consentry_domain::{
    ConsentAction, ConsentChange, Currency, EventPayload, FeeModel, GrantKey, GrantRefusal,
    GrantStatus, Money, PointsAwarded, Sha256Digest, ViolationReason,
};
use consentry_store::apps::{self, AppListing};
use consentry_store::cards::{self};
use consentry_store::events::{self, IncomingEvent};
use consentry_store::grants;
use consentry_store::ledger::{self, ChangeOrigin};
use sqlx::SqlitePool;

const CARD: &str = "tok_card_a";
const APP: &str = "app_beans";
const OTHER_APP: &str = "app_receipts";

fn listing(id: &str, version: u32, text: &str, scopes: &[consentry_domain::Scope]) -> AppListing {
    AppListing {
        id: id.into(),
        name: format!("{id} name"),
        publisher: "Bean Ltd".into(),
        description: "Loyalty points".into(),
        requested_scopes: scopes.to_vec(),
        terms_version: version,
        terms_hash: Sha256Digest::of_terms(text),
        terms_text: text.into(),
        fee_model: FeeModel::Percent { bps: 150 },
    }
}

const V1: &str =
    "We award one point per euro.\nWe keep your points for a year.\nWe never share data.";
const V2: &str = "We award one point per euro.\nWe keep your points for two years.\nWe send you offers from partners.\nWe never share data.";

async fn wallet(dir: &std::path::Path) -> (Context, SqlitePool) {
    let (ctx, pool) = crate::support::new_wallet(dir).await;
    let now = Utc::now();
    let points = [consentry_domain::Scope::Points];
    apps::upsert(&pool, &listing(APP, 1, V1, &points), now)
        .await
        .unwrap();
    apps::upsert(&pool, &listing(OTHER_APP, 1, "Receipts.", &points), now)
        .await
        .unwrap();
    let card = consentry_testkit::visa(CARD, "4242");
    cards::insert(&pool, &card, now).await.unwrap();
    (ctx, pool)
}

fn points_grant(expiry: GrantExpiry) -> GrantSetRequest {
    GrantSetRequest {
        app_id: APP.into(),
        card_token: CARD.into(),
        scope: Scope::Points,
        channels: vec![Channel::Nfc, Channel::Card],
        trigger: Trigger::Settlement,
        min_purchase: None,
        expiry,
    }
}

/// The app publishes version 2 (asking for offers too) and the platform pauses the grant,
/// as sync records `app.terms_changed`.
async fn publish_v2(pool: &SqlitePool) {
    let now = Utc::now();
    let scopes = [
        consentry_domain::Scope::Points,
        consentry_domain::Scope::Offers,
    ];
    apps::upsert(pool, &listing(APP, 2, V2, &scopes), now)
        .await
        .unwrap();
    let key = GrantKey {
        app_id: APP.into(),
        card_token: CARD.into(),
        scope: consentry_domain::Scope::Points,
    };
    let grant = grants::get(pool, &key).await.unwrap().unwrap();
    let paused = grant.needs_reconsent(2, now).unwrap();
    let change = ConsentChange::recording(
        ConsentAction::NeedsReconsent,
        &paused,
        "dev_platform",
        Sha256Digest::of_terms(V2),
    );
    ledger::record(pool, change, Some(&paused), ChangeOrigin::Remote, now)
        .await
        .unwrap();
}

/// A 90-day points grant on the app's terms v1, then v2 published.
async fn grant_then_publish_v2(ctx: &Context, pool: &SqlitePool) {
    grant_set(ctx, points_grant(GrantExpiry::Days { days: 90 }))
        .await
        .unwrap();
    publish_v2(pool).await;
}

fn diff_request(from: Option<u32>, to: Option<u32>) -> TermsDiffRequest {
    TermsDiffRequest {
        app_id: APP.into(),
        from_version: from,
        to_version: to,
    }
}

#[tokio::test]
async fn terms_diff_shows_the_changed_lines_and_scopes_of_the_pending_terms() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    grant_then_publish_v2(&ctx, &pool).await;

    let diff = terms_diff(&ctx, diff_request(None, None)).await.unwrap();
    assert_eq!((diff.from_version, diff.to_version), (1, 2));
    let marked: Vec<(LineChange, &str)> = diff
        .lines
        .iter()
        .map(|l| (l.change, l.text.as_str()))
        .collect();
    assert_eq!(
        marked,
        vec![
            (LineChange::Unchanged, "We award one point per euro."),
            (LineChange::Removed, "We keep your points for a year."),
            (LineChange::Added, "We keep your points for two years."),
            (LineChange::Added, "We send you offers from partners."),
            (LineChange::Unchanged, "We never share data."),
        ]
    );
    assert_eq!((diff.lines_added, diff.lines_removed), (2, 1));
    // The reworded line shows word by word what changed; a new line has no words of its own.
    let words = |line: usize| -> Vec<(LineChange, &str)> {
        diff.lines[line]
            .words
            .iter()
            .map(|w| (w.change, w.text.as_str()))
            .collect()
    };
    assert_eq!(
        words(1),
        vec![
            (LineChange::Unchanged, "We keep your points for "),
            (LineChange::Removed, "a year."),
        ]
    );
    assert_eq!(
        words(2),
        vec![
            (LineChange::Unchanged, "We keep your points for "),
            (LineChange::Added, "two years."),
        ]
    );
    assert!(diff.lines[3].words.is_empty() && diff.lines[0].words.is_empty());
    assert!(diff.scopes_known);
    assert_eq!(diff.scopes_added, vec![Scope::Offers]);
    assert!(diff.scopes_removed.is_empty());
    assert_eq!(diff.scopes_requested, vec![Scope::Points, Scope::Offers]);

    let json = serde_json::to_value(&diff).unwrap();
    assert_eq!(json["fromVersion"], 1);
    assert_eq!(json["lines"][1]["change"], "removed");
    assert_eq!(json["scopesAdded"][0], "offers");
}

#[tokio::test]
async fn accepting_regrants_with_the_same_options_under_the_new_terms() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    grant_then_publish_v2(&ctx, &pool).await;

    let accepted = grant_set(&ctx, points_grant(GrantExpiry::Days { days: 90 }))
        .await
        .unwrap();
    assert_eq!(accepted.status, GrantStatusView::Active);
    assert_eq!(accepted.terms_version, 2);
    assert_eq!(accepted.pending_terms_version, None);
    assert_eq!(accepted.channels, vec![Channel::Card, Channel::Nfc]);
    assert_eq!(accepted.trigger, Trigger::Settlement);
    // Reconfirmed for another 90 days, counted from this grant.
    let period = accepted.expires_at.unwrap() - accepted.granted_at;
    assert_eq!(period, Duration::days(90));

    let ledger = ledger_list(&ctx, LedgerListRequest::default())
        .await
        .unwrap();
    assert!(
        ledger
            .entries
            .iter()
            .any(|e| e.action == "grant" && e.terms_version == 2),
        "the acceptance is recorded under the new terms"
    );

    // Nothing is pending any more: the default diff is against the current version.
    let versions = terms_diff(&ctx, diff_request(None, None))
        .await
        .map(|d| (d.from_version, d.to_version));
    assert_eq!(
        versions.unwrap(),
        (1, 2),
        "the older cached version stays diffable"
    );
}

#[tokio::test]
async fn terms_diff_refuses_bad_versions_and_unknown_apps() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;

    // Only version 1 is known: nothing older to compare with.
    let err = terms_diff(&ctx, diff_request(None, None))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);

    apps::upsert(
        &pool,
        &listing(APP, 2, V2, &[consentry_domain::Scope::Points]),
        Utc::now(),
    )
    .await
    .unwrap();
    let err = terms_diff(&ctx, diff_request(Some(2), Some(1)))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidInput);
    let err = terms_diff(&ctx, diff_request(Some(1), Some(7)))
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    assert!(err.message.contains("refresh"), "{}", err.message);

    let err = terms_diff(
        &ctx,
        TermsDiffRequest {
            app_id: "app_nobody".into(),
            ..TermsDiffRequest::default()
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
}

#[tokio::test]
async fn scopes_of_a_version_cached_before_the_wallet_kept_them_are_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    // What the migration leaves for a version seen before it (no longer current).
    apps::upsert(
        &pool,
        &listing(APP, 2, V2, &[consentry_domain::Scope::Offers]),
        Utc::now(),
    )
    .await
    .unwrap();
    sqlx::query("UPDATE app_terms SET requested_scopes = NULL WHERE terms_version = 1")
        .execute(&pool)
        .await
        .unwrap();
    let diff = terms_diff(&ctx, diff_request(None, None)).await.unwrap();
    assert!(!diff.scopes_known);
    assert!(diff.scopes_added.is_empty() && diff.scopes_removed.is_empty());
    assert_eq!(diff.scopes_requested, vec![Scope::Offers]);
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
}

fn points_event(
    id: &str,
    app: &str,
    when: DateTime<Utc>,
    violation: Option<ViolationReason>,
) -> IncomingEvent {
    let payload = EventPayload::PointsAwarded(PointsAwarded {
        program: "Bean Club".into(),
        delta: 10,
        balance: 10,
        payment: None,
    });
    IncomingEvent {
        violation,
        ..crate::support::incoming(id, when, CARD, Some(app), payload)
    }
}

fn offer_event(id: &str, when: DateTime<Utc>) -> IncomingEvent {
    let mut event = points_event(id, APP, when, None);
    event.event.payload = EventPayload::CashbackPaid(consentry_domain::Cashback {
        amount: Money::new(120, Currency::new("EUR").unwrap()),
        destination: "FR76 •••• 1234".into(),
        payment: None,
    });
    event
}

#[tokio::test]
async fn app_access_counts_what_the_app_delivered_and_lists_its_latest_violations() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    let revoked = ViolationReason::Refused {
        refusal: GrantRefusal::NotActive {
            status: GrantStatus::Revoked,
        },
    };
    let mut batch = vec![
        points_event("evt_p1", APP, at(1, 9), None),
        points_event("evt_p2", APP, at(2, 9), None),
        offer_event("evt_c1", at(3, 9)),
        points_event("evt_other", OTHER_APP, at(28, 9), None),
    ];
    // Seven violations, one a day from the 10th; the latest is a never-granted one.
    for day in 10..16 {
        batch.push(points_event(
            &format!("evt_v{day}"),
            APP,
            at(day, 12),
            Some(revoked.clone()),
        ));
    }
    batch.push(points_event(
        "evt_v16",
        APP,
        at(16, 12),
        Some(ViolationReason::NeverGranted),
    ));
    events::ingest(&pool, &batch, Utc::now()).await.unwrap();

    let access = app_access(&ctx, AppAccessRequest { app_id: APP.into() })
        .await
        .unwrap();
    assert_eq!(access.total, 10);
    let counts: Vec<(EventKind, u32)> = access.counts.iter().map(|c| (c.kind, c.count)).collect();
    assert_eq!(
        counts,
        vec![(EventKind::PointsAwarded, 9), (EventKind::CashbackPaid, 1)]
    );
    assert_eq!(access.first_access, Some(at(1, 9)));
    assert_eq!(access.last_access, Some(at(16, 12)));
    assert_eq!(access.violation_count, 7);
    let latest: Vec<&str> = access
        .recent_violations
        .iter()
        .map(|v| v.event_id.as_str())
        .collect();
    assert_eq!(
        latest,
        vec!["evt_v16", "evt_v15", "evt_v14", "evt_v13", "evt_v12"]
    );
    let newest = &access.recent_violations[0];
    assert_eq!(newest.reason, ViolationReasonView::NeverGranted);
    assert_eq!(newest.kind, EventKind::PointsAwarded);
    assert_eq!(newest.scope, Some(Scope::Points));
    assert_eq!(newest.occurred_at, at(16, 12));
    assert_eq!(
        access.recent_violations[1].reason,
        ViolationReasonView::NotActive {
            status: GrantStatusView::Revoked
        }
    );

    let json = serde_json::to_value(&access).unwrap();
    assert_eq!(json["counts"][0]["kind"], "points.awarded");
    assert_eq!(json["recentViolations"][0]["eventId"], "evt_v16");
    assert_eq!(json["violationCount"], 7);
}

fn paid(mut event: IncomingEvent, card: &str, transaction: &str) -> IncomingEvent {
    let payment = consentry_domain::PaymentRef {
        transaction_id: transaction.into(),
        channel: consentry_domain::Channel::Nfc,
        amount: Money::new(450, Currency::new("EUR").unwrap()),
    };
    event.event.card_token = card.into();
    match &mut event.event.payload {
        EventPayload::PointsAwarded(p) => p.payment = Some(payment),
        EventPayload::CashbackPaid(c) => c.payment = Some(payment),
        _ => unreachable!("points or cashback"),
    }
    event
}

#[tokio::test]
async fn app_access_says_what_the_app_received_on_each_card_and_when_it_last_acted() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    let gone = consentry_testkit::visa("tok_gone", "0005");
    cards::insert(&pool, &gone, Utc::now()).await.unwrap();
    cards::set_status(&pool, "tok_gone", cards::CardStatus::Unlinked, Utc::now())
        .await
        .unwrap();
    let batch = vec![
        // One purchase brought points and cashback: one purchase received, not two.
        paid(points_event("evt_1", APP, at(1, 9), None), CARD, "txn_1"),
        paid(offer_event("evt_2", at(1, 9)), CARD, "txn_1"),
        paid(points_event("evt_3", APP, at(4, 9), None), CARD, "txn_2"),
        // A top-up with no purchase behind it.
        points_event("evt_4", APP, at(5, 9), None),
        paid(
            points_event("evt_5", APP, at(2, 9), None),
            "tok_gone",
            "txn_3",
        ),
        paid(
            points_event("evt_6", APP, at(3, 9), None),
            "tok_never",
            "txn_4",
        ),
        // Another app's purchases are not this one's.
        paid(
            points_event("evt_7", OTHER_APP, at(9, 9), None),
            CARD,
            "txn_5",
        ),
    ];
    events::ingest(&pool, &batch, Utc::now()).await.unwrap();

    let access = app_access(&ctx, AppAccessRequest { app_id: APP.into() })
        .await
        .unwrap();
    let cards: Vec<(&str, Option<&str>, bool, u32)> = access
        .by_card
        .iter()
        .map(|c| {
            (
                c.card_token.as_str(),
                c.card_last4.as_deref(),
                c.card_gone,
                c.purchases,
            )
        })
        .collect();
    assert_eq!(
        cards,
        [
            (CARD, Some("4242"), false, 2),
            ("tok_never", None, true, 1),
            ("tok_gone", Some("0005"), true, 1),
        ],
        "most recent first"
    );
    let on_card = &access.by_card[0];
    assert_eq!(on_card.last_access, at(5, 9));
    assert_eq!(
        on_card
            .last_by_scope
            .iter()
            .map(|u| (u.scope, u.at))
            .collect::<Vec<_>>(),
        [(Scope::Points, at(5, 9)), (Scope::Cashback, at(1, 9))]
    );
    // What it sent is still counted by kind, across cards.
    assert_eq!(access.total, 6);
    assert_eq!(access.counts[0].kind, EventKind::PointsAwarded);
    assert_eq!(access.counts[0].count, 5);
}

#[tokio::test]
async fn app_access_of_a_quiet_app_is_empty_and_an_unknown_app_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, _pool) = wallet(dir.path()).await;
    let access = app_access(&ctx, AppAccessRequest { app_id: APP.into() })
        .await
        .unwrap();
    assert!(access.counts.is_empty());
    assert_eq!(access.total, 0);
    assert_eq!(access.first_access, None);
    assert_eq!(access.last_access, None);
    assert_eq!(access.violation_count, 0);
    assert!(access.recent_violations.is_empty());

    let err = app_access(
        &ctx,
        AppAccessRequest {
            app_id: "app_nobody".into(),
        },
    )
    .await
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
}

const V1_FR: &str = "Nous attribuons un point par euro.\nNous gardons vos points un an.\nNous ne partageons jamais vos données.";
const V2_FR: &str = "Nous attribuons un point par euro.\nNous gardons vos points deux ans.\nNous ne partageons jamais vos données.";

/// Version `version` of the app's terms as the platform served it in `language`.
async fn seen_in(pool: &SqlitePool, version: u32, text: &str, language: &str) {
    let languages = apps::ListingLanguages {
        listing: Some(language.into()),
        terms: Some(language.into()),
    };
    let points = [consentry_domain::Scope::Points];
    apps::upsert_all_in(
        pool,
        &[(listing(APP, version, text, &points), languages)],
        Utc::now(),
    )
    .await
    .unwrap();
}

fn changed_lines(diff: &consentry_api::TermsDiff) -> Vec<(LineChange, String)> {
    diff.lines
        .iter()
        .filter(|l| l.change != LineChange::Unchanged)
        .map(|l| (l.change, l.text.clone()))
        .collect()
}

#[tokio::test]
async fn terms_diff_compares_two_texts_of_one_language() {
    use consentry_api::{wallet_set_language, Language, WalletLanguageRequest};
    let dir = tempfile::tempdir().unwrap();
    // Version 1 in English (cached before the platform said languages) and in French; version
    // 2 in English, then in French (the directory as read last).
    let (ctx, pool) = wallet(dir.path()).await;
    seen_in(&pool, 1, V1_FR, "fr").await;
    seen_in(&pool, 2, V2, "en").await;
    seen_in(&pool, 2, V2_FR, "fr").await;
    let diff = |language| {
        let ctx = &ctx;
        async move {
            wallet_set_language(ctx, WalletLanguageRequest { language })
                .await
                .unwrap();
            terms_diff(ctx, diff_request(Some(1), Some(2)))
                .await
                .unwrap()
        }
    };

    let french = diff(Language::Fr).await;
    assert_eq!(
        changed_lines(&french),
        [
            (
                LineChange::Removed,
                "Nous gardons vos points un an.".to_owned()
            ),
            (
                LineChange::Added,
                "Nous gardons vos points deux ans.".to_owned()
            ),
        ]
    );
    let english = diff(Language::En).await;
    assert_eq!(
        changed_lines(&english),
        [
            (
                LineChange::Removed,
                "We keep your points for a year.".to_owned()
            ),
            (
                LineChange::Added,
                "We keep your points for two years.".to_owned()
            ),
            (
                LineChange::Added,
                "We send you offers from partners.".to_owned()
            ),
        ]
    );
    // The cached app is the text read last (French), with the hash of that text.
    let app = apps::get(&pool, APP).await.unwrap().unwrap();
    assert_eq!(app.listing.terms_text, V2_FR);
    assert_eq!(app.listing.terms_hash, Sha256Digest::of_terms(V2_FR));
    assert_eq!(app.languages.terms.as_deref(), Some("fr"));
    assert_eq!(apps::terms_versions(&pool, APP).await.unwrap(), [1, 2]);
}
