use super::pairing::hmac_hex;
use super::*;
use crate::{Channel, ConsentAction, Currency, Grant, Money, Scope, Sha256Digest, Trigger};
use chrono::TimeZone as _;

fn key(n: u8) -> DeviceKey {
    DeviceKey::from_seed(&[n; 32])
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap()
}

fn statement(device: &str) -> ConsentStatement {
    ConsentStatement {
        grant_id: "grt_abc".into(),
        action: ConsentAction::Grant,
        app_id: "app_quire".into(),
        card_token: "tok_card".into(),
        scope: Scope::Receipts,
        channels: [Channel::Nfc, Channel::Card].into_iter().collect(),
        trigger: Trigger::Authorization,
        min_purchase: Some(Money::new(500, Currency::EUR)),
        expires_at: None,
        terms_version: 1,
        terms_hash: Sha256Digest::of_terms("terms"),
        base_version: 0,
        at: at(),
        device_id: device.into(),
    }
}

#[test]
fn canonical_text_is_fixed() {
    let text = statement("dev_a").canonical().unwrap();
    assert!(text.starts_with("consentry.consent-change.v1\ngrant_id=grt_abc\naction=grant\n"));
    assert!(text.contains("\nchannels=card,nfc\n"), "{text}");
    assert!(
        text.contains("\nmin_purchase=500 EUR\nexpires_at=-\n"),
        "{text}"
    );
    assert!(
        text.ends_with("at=2026-12-02T10:00:00.000Z\ndevice_id=dev_a\n"),
        "{text}"
    );
    let mut forged = statement("dev_a");
    forged.app_id = "app\nscope=points".into();
    assert_eq!(forged.canonical(), Err(SigningError::UnsafeValue("app_id")));
}

#[test]
fn a_chain_vouches_for_its_devices_and_their_changes() {
    let (a, b) = (key(1), key(2));
    let root = DeviceLink::root("ch_1", "dev_a", &a, at()).unwrap();
    let second = DeviceLink::vouch("ch_1", "dev_b", &b.public_key(), "dev_a", &a, at()).unwrap();
    let chain = DeviceChain::verify(&[root.clone(), second.clone()], "ch_1").unwrap();
    assert_eq!(chain.root.as_deref(), Some("dev_a"));
    let signed = statement("dev_b").sign(&b).unwrap();
    signed.verify(&chain.keys).unwrap();

    // Altered after signing, signed by the wrong device, or by a device outside the chain.
    let mut altered = signed.clone();
    altered.statement.scope = Scope::Points;
    assert_eq!(altered.verify(&chain.keys), Err(SigningError::BadSignature));
    let wrong = statement("dev_a").sign(&b).unwrap();
    assert_eq!(wrong.verify(&chain.keys), Err(SigningError::BadSignature));
    let outsider = statement("dev_x").sign(&key(9)).unwrap();
    assert!(matches!(
        outsider.verify(&chain.keys),
        Err(SigningError::UnknownDevice(_))
    ));

    // A device the platform adds with its own key, or a link for another cardholder.
    let planted = DeviceLink::vouch(
        "ch_1",
        "dev_p",
        &key(7).public_key(),
        "dev_p",
        &key(7),
        at(),
    )
    .unwrap();
    assert!(matches!(
        DeviceChain::verify(&[root.clone(), planted], "ch_1"),
        Err(SigningError::UnknownSigner { .. })
    ));
    assert!(matches!(
        DeviceChain::verify(&[root.clone(), second.clone()], "ch_2"),
        Err(SigningError::OtherCardholder { .. })
    ));
    // A whole new chain with another root: refused once the root is pinned.
    let fake_root = DeviceLink::root("ch_1", "dev_f", &key(5), at()).unwrap();
    let fake_b =
        DeviceLink::vouch("ch_1", "dev_b", &b.public_key(), "dev_f", &key(5), at()).unwrap();
    assert!(DeviceChain::verify(&[fake_root.clone(), fake_b.clone()], "ch_1").is_ok());
    assert!(matches!(
        DeviceChain::verify_pinned(&[fake_root, fake_b], "ch_1", "dev_a"),
        Err(SigningError::OtherRoot { .. })
    ));
}

#[test]
fn a_statement_matches_only_the_state_it_produced() {
    let s = statement("dev_a");
    let grant = Grant::new(
        s.grant_id.clone(),
        crate::GrantDetails {
            app_id: s.app_id.clone(),
            card_token: s.card_token.clone(),
            scope: s.scope,
            channels: s.channels.clone(),
            trigger: s.trigger,
            min_purchase: s.min_purchase,
            expires_at: None,
        },
        1,
        at(),
    )
    .unwrap();
    assert!(s.produced(&grant), "{grant:?}");
    let mut wider = grant.clone();
    wider.channels.insert(Channel::Voice);
    assert!(!s.produced(&wider));
    let mut later = grant;
    later.version = 5;
    assert!(!s.produced(&later));
}

#[test]
fn pairing_proofs_need_the_code() {
    let proof = pairing_proof("ab12-cd34", "ch_1", "dev_b", "dpk_x");
    assert!(proofs_match(
        &proof,
        &pairing_proof("AB12CD34", "ch_1", "dev_b", "dpk_x")
    ));
    assert!(!proofs_match(
        &proof,
        &pairing_proof("AB12CD35", "ch_1", "dev_b", "dpk_x")
    ));
    assert!(!proofs_match(
        &proof,
        &pairing_proof("AB12CD34", "ch_1", "dev_b", "dpk_y")
    ));
    // A receipt binds the code to the root it names and to the joining device.
    let receipt = pairing_receipt("ab12-cd34", "ch_1", "dev_a", "dpk_a", "dev_b", "dpk_x");
    assert!(proofs_match(
        &receipt,
        &pairing_receipt("AB12CD34", "ch_1", "dev_a", "dpk_a", "dev_b", "dpk_x")
    ));
    for other in [
        pairing_receipt("AB12CD35", "ch_1", "dev_a", "dpk_a", "dev_b", "dpk_x"),
        pairing_receipt("AB12CD34", "ch_1", "dev_f", "dpk_a", "dev_b", "dpk_x"),
        pairing_receipt("AB12CD34", "ch_1", "dev_a", "dpk_f", "dev_b", "dpk_x"),
        pairing_receipt("AB12CD34", "ch_1", "dev_a", "dpk_a", "dev_b", "dpk_y"),
    ] {
        assert!(!proofs_match(&receipt, &other));
    }
    // A receipt is not a proof: one cannot stand for the other.
    assert!(!proofs_match(&receipt, &proof));
    // RFC 4231 test case 2.
    assert_eq!(
        hmac_hex(b"Jefe", "what do ya want for nothing?"),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
}
