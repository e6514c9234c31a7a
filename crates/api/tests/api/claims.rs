//! Missing-reward claims: a granted app that did not act is listed with its claim pack.

use crate::wallet_fixtures::*;

#[tokio::test]
async fn a_granted_app_that_did_not_act_within_n_days_is_listed_with_its_claim_pack() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, pool) = wallet(dir.path()).await;
    grant(
        &ctx,
        COFFEE_APP,
        Scope::Points,
        vec![Channel::Card, Channel::Nfc],
    )
    .await;
    grant(&ctx, COFFEE_APP, Scope::Cashback, vec![Channel::Nfc]).await;
    grant(&ctx, RECEIPTS_APP, Scope::Receipts, vec![Channel::Nfc]).await;
    // Offers are not a reward a cardholder can claim.
    let t0 = Utc::now() + Duration::minutes(1);
    let nfc = consentry_domain::Channel::Nfc;
    let batch = [
        // Receipts app acted, coffee app did not: one claim, with the receipt.
        settled("evt_s1", t0, "tx_1", "Café Rose", 880, nfc),
        receipt_event("evt_r1", t0, "tx_1", "Café Rose", 880),
        // Both acted: nothing to claim.
        settled(
            "evt_s2",
            t0 + Duration::minutes(1),
            "tx_2",
            "Book Nook",
            1200,
            nfc,
        ),
        receipt_event("evt_r2", t0, "tx_2", "Book Nook", 1200),
        event("evt_p2", t0, Some(COFFEE_APP), points("tx_2", 12)),
        // Reversed: nothing owed.
        settled(
            "evt_s3",
            t0 + Duration::minutes(2),
            "tx_3",
            "Shoe Shop",
            5000,
            nfc,
        ),
        event(
            "evt_v3",
            t0 + Duration::minutes(3),
            None,
            EventPayload::TransactionReversed(tx("tx_3", "Shoe Shop", 5000, nfc)),
        ),
        // A channel no grant covers: nothing owed.
        settled(
            "evt_s4",
            t0 + Duration::minutes(4),
            "tx_4",
            "Voice Pizza",
            2000,
            consentry_domain::Channel::Voice,
        ),
        // Before any grant existed: nothing owed.
        settled(
            "evt_s5",
            t0 - Duration::hours(1),
            "tx_5",
            "Early Bird",
            300,
            nfc,
        ),
    ];
    events::ingest(&pool, &batch, t0).await.unwrap();

    // Within N (3) days: still time for the apps.
    let soon = missing_rewards_at(&pool, t0 + Duration::days(2))
        .await
        .unwrap();
    assert_eq!(soon.days, 3);
    assert!(soon.items.is_empty(), "{:?}", soon.items);

    let later = missing_rewards_at(&pool, t0 + Duration::days(4))
        .await
        .unwrap();
    assert_eq!(later.items.len(), 1, "{:?}", later.items);
    let claim = &later.items[0];
    assert_eq!(claim.transaction_id, "tx_1");
    assert_eq!(claim.merchant, "Café Rose");
    assert_eq!(claim.amount.minor, 880);
    assert_eq!(claim.card_last4.as_deref(), Some("4242"));
    assert_eq!(claim.app_id, COFFEE_APP);
    assert_eq!(claim.app_name.as_deref(), Some("Bean Counter"));
    assert_eq!(claim.channel, Channel::Nfc);
    assert_eq!(claim.due_by, t0 + Duration::days(3));
    let scopes: Vec<_> = claim.grants.iter().map(|g| g.scope).collect();
    assert_eq!(scopes, [Scope::Points, Scope::Cashback]);
    assert!(claim
        .grants
        .iter()
        .all(|g| g.ledger_hash.len() == 64 && g.ledger_seq > 0));
    let receipt = claim.receipt.as_ref().unwrap();
    assert_eq!(receipt.app_id.as_deref(), Some(RECEIPTS_APP));
    assert_eq!(receipt.total.minor, 880);
    assert_eq!(receipt.lines.len(), 1);

    // N is a setting.
    settings::put(&pool, DAYS_KEY, "1", Utc::now())
        .await
        .unwrap();
    let one_day = missing_rewards_at(&pool, t0 + Duration::days(2))
        .await
        .unwrap();
    assert_eq!(one_day.days, 1);
    assert_eq!(one_day.items.len(), 1);

    // Points arriving late settle the claim.
    let late = event(
        "evt_p1",
        t0 + Duration::days(5),
        Some(COFFEE_APP),
        points("tx_1", 8),
    );
    events::ingest(&pool, &[late], t0 + Duration::days(5))
        .await
        .unwrap();
    let settled = missing_rewards_at(&pool, t0 + Duration::days(6))
        .await
        .unwrap();
    assert!(settled.items.is_empty());
}

#[tokio::test]
async fn a_claim_pack_saves_as_json_and_an_unknown_one_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let says = Arc::new(ScriptedNative::default());
    let (ctx, pool) = wallet_answering(dir.path(), says.clone()).await;
    grant(&ctx, COFFEE_APP, Scope::Points, vec![Channel::Nfc]).await;
    let t0 = Utc::now() + Duration::minutes(1);
    let settled = settled(
        "evt_s1",
        t0,
        "tx_1",
        "Café Rose",
        880,
        consentry_domain::Channel::Nfc,
    );
    events::ingest(&pool, &[settled], t0).await.unwrap();
    let when = t0 + Duration::days(4);
    let out = dir.path().join("claim.json");
    let request = MissingRewardSaveRequest {
        transaction_id: "tx_1".into(),
        app_id: COFFEE_APP.into(),
    };
    // Cancelled in the save dialog: nothing written.
    let err = missing_reward_save_at(&ctx, request.clone(), when)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::Cancelled);
    let [Asked::Save(dialog)] = &says.asked()[..] else {
        panic!("{:?}", says.asked());
    };
    assert_eq!(
        dialog.file_name,
        format!("claim-cafe-rose-{}-app_beans.json", t0.format("%Y-%m-%d"))
    );
    says.push(Answer::SaveAt(out.clone()));
    let saved = missing_reward_save_at(&ctx, request, when).await.unwrap();
    assert_eq!(saved.destination, out.display().to_string());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(json["format"], "consentry.claim-pack/1");
    assert_eq!(json["merchant"], "Café Rose");
    assert_eq!(json["cardLast4"], "4242");
    assert_eq!(json["grants"][0]["scope"], "points");
    assert!(json["receipt"].is_null());
    assert_eq!(saved.bytes, std::fs::metadata(&out).unwrap().len());
    assert!(!json.to_string().contains(PAN));

    let unknown = MissingRewardSaveRequest {
        transaction_id: "tx_nope".into(),
        app_id: COFFEE_APP.into(),
    };
    let err = missing_reward_save_at(&ctx, unknown, when)
        .await
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::NotFound);
    assert_eq!(says.asked().len(), 2, "nothing asked for an unknown claim");
}
