//! Entry points for fuzz targets and their corpus regression test: what `fuzz/` runs under
//! libFuzzer, and `tests/fuzz_corpus.rs` runs on every saved input, is this same code.
//!
//! [`feed_page`] is the wallet's trust boundary with the platform, minus the network and the
//! database: a feed page read as the client reads it, then each delivery verified, decoded,
//! admitted, judged against a fixed consent ledger, and written and read back as the store
//! writes and reads it. No input may make it panic, except one that breaks the invariant it
//! exists to check: **an event the store admits can always be stored and read back** (the
//! same event, or, where the store masked a card number in free text, that masked event).
//!
//! The deliveries are verified with a fixed test key. A delivery whose signature is the
//! literal [`SIGN_ME`] gets a valid signature under that key first, so that mutated bodies
//! get past the signature check and on to the decoding (a fuzzer cannot forge Ed25519).

use std::sync::OnceLock;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use consentry_domain::{
    check_consent, contains_card_number, Channel, ConsentAction, ConsentChange, ConsentDecision,
    ConsentQuery, Currency, Event, GrantDetails, Ledger, Money, Scope, Sha256Digest, Trigger,
};
use consentry_store::{admission, events};
use ed25519_dalek::{Signer as _, SigningKey};
use sha2::{Digest as _, Sha256};

use crate::webhook::{FeedVerifier, Verdict, DEFAULT_TIMESTAMP_TOLERANCE};
use crate::wire;
use crate::wire::SigningKeyInfo;

/// A delivery signature that [`feed_page`] replaces by a valid one under [`test_key`].
pub const SIGN_ME: &str = "sign-me";

/// The clock of every check: 2026-12-01T12:00:00Z. Seeds sign deliveries near it.
pub const FIXED_NOW_UNIX: i64 = 1_796_126_400;

/// The card of the fixed ledger.
pub const CARD: &str = "tok_fuzz_card";

/// The fixed clock of [`feed_page`].
pub fn fixed_now() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH + TimeDelta::seconds(FIXED_NOW_UNIX)
}

/// The key the fuzzed platform signs with: Ed25519 from a fixed seed.
pub fn test_key() -> SigningKey {
    let seed: [u8; 32] = Sha256::digest(b"consentry fuzzing signing key").into();
    SigningKey::from_bytes(&seed)
}

/// `v1a,<base64>` over `{id}.{timestamp}.{body}` with [`test_key`].
pub fn sign(id: &str, timestamp: i64, body: &str) -> String {
    let content = format!("{id}.{timestamp}.{body}");
    let signature = fixture().key.sign(content.as_bytes());
    format!("v1a,{}", STANDARD.encode(signature.to_bytes()))
}

/// What every call shares, built once.
struct Fixture {
    key: SigningKey,
    verifier: FeedVerifier,
    ledger: Ledger,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let key = test_key();
        let info = SigningKeyInfo {
            key_id: "key_fuzz".to_owned(),
            public_key: format!("whpk_{}", STANDARD.encode(key.verifying_key().as_bytes())),
            status: "active".to_owned(),
            endorsement: None,
        };
        #[allow(
            clippy::expect_used,
            reason = "a fixed, valid key: failing here is a bug in this file"
        )]
        let verifier = FeedVerifier::new(&[info], DEFAULT_TIMESTAMP_TOLERANCE)
            .expect("the fixed test key is an Ed25519 key");
        Fixture {
            key,
            verifier,
            ledger: fixed_ledger(),
        }
    })
}

fn at(days_before_now: i64) -> DateTime<Utc> {
    fixed_now() - TimeDelta::days(days_before_now)
}

/// Three links on [`CARD`]: points granted to `app_beanstamp` (from €5, until 2027), social
/// posts granted to `app_tastemaker`, then revoked.
fn fixed_ledger() -> Ledger {
    let terms_hash = Sha256Digest::of_terms("Fuzzing terms, version 1.");
    let grant = |app_id: &str, scope, min_purchase, expires_at| GrantDetails {
        app_id: app_id.to_owned(),
        card_token: CARD.to_owned(),
        scope,
        channels: [Channel::Card, Channel::Nfc, Channel::Online].into(),
        trigger: Trigger::Authorization,
        min_purchase,
        expires_at,
    };
    let change = |action, grant_id: &str, grant, at| ConsentChange {
        action,
        grant_id: grant_id.to_owned(),
        grant,
        device_id: "dev_fuzz".to_owned(),
        at,
        terms_version: 1,
        terms_hash,
    };
    let points = grant(
        "app_beanstamp",
        Scope::Points,
        Some(Money::new(500, Currency::EUR)),
        Some(at(-31)),
    );
    let posts = grant("app_tastemaker", Scope::SocialPosts, None, None);
    let mut ledger = Ledger::new();
    ledger.append(change(ConsentAction::Grant, "grt_points", points, at(300)));
    ledger.append(change(
        ConsentAction::Grant,
        "grt_posts",
        posts.clone(),
        at(300),
    ));
    ledger.append(change(ConsentAction::Revoke, "grt_posts", posts, at(150)));
    ledger
}

/// How far the deliveries of one [`feed_page`] input went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reached {
    /// Deliveries whose envelope read.
    pub deliveries: usize,
    /// ... and whose signature verified.
    pub verified: usize,
    /// ... and whose body decoded as a valid event.
    pub decoded: usize,
    /// ... and that the store admitted (then stored and read back).
    pub admitted: usize,
}

/// One feed page (`GET /v1/events` body), through every check the wallet makes before it
/// stores an event; see the module notes. Returns how far its deliveries went.
pub fn feed_page(data: &[u8]) -> Reached {
    let mut reached = Reached::default();
    let Ok(page) = wire::parse_feed_page(data) else {
        return reached;
    };
    let fixture = fixture();
    let now = fixed_now();
    reached.deliveries = page.items.len();
    for mut item in page.items {
        if item.signature == SIGN_ME {
            item.signature = sign(&item.id, item.timestamp, &item.body);
        }
        let verdict =
            fixture
                .verifier
                .check(&item.id, item.timestamp, &item.body, &item.signature, now);
        // A stale delivery is fetched again and its fresh copy (same body) decoded: decode
        // whatever is validly signed.
        if verdict == Verdict::BadSignature {
            continue;
        }
        reached.verified += 1;
        let Ok(event) = Event::from_json(item.body.as_bytes()) else {
            continue;
        };
        reached.decoded += 1;
        let admitted = admission::check(&event, now).is_ok();
        judge(&fixture.ledger, &event);
        if admitted {
            stores_and_reads_back(&event);
            reached.admitted += 1;
        }
    }
    reached
}

/// Judges `event` against `ledger`; a violation's evidence is the history of its own grant.
fn judge(ledger: &Ledger, event: &Event) {
    let Some(query) = ConsentQuery::for_event(event) else {
        return;
    };
    if let ConsentDecision::Violation { history, .. } = check_consent(ledger.entries(), &query) {
        assert!(
            history.iter().all(|entry| entry.key() == query.key),
            "a violation shows the history of another grant"
        );
    }
}

/// The invariant: an admitted event, written as the store writes it (card numbers masked),
/// reads back, holds no card number, and is the event; or, when free text was masked, the
/// same envelope and payment, still valid, exactly what was stored, with nothing left to mask.
#[allow(
    clippy::panic,
    reason = "a broken invariant is what the fuzzer looks for: it must crash"
)]
fn stores_and_reads_back(event: &Event) {
    let stored = match events::stored_payload(event) {
        Ok(stored) => stored,
        Err(e) => panic!("an admitted event cannot be stored: {e}\n{event:?}"),
    };
    let back: Event = match serde_json::from_str(&stored) {
        Ok(back) => back,
        Err(e) => panic!("an admitted event does not read back: {e}\nstored: {stored}"),
    };
    assert!(
        !contains_card_number(&stored),
        "the stored payload holds a card number: {stored}"
    );
    let plain = serde_json::to_string(event).unwrap_or_default();
    if stored == plain {
        assert_eq!(
            &back, event,
            "read back, the event differs\nstored: {stored}"
        );
        return;
    }
    // Card numbers were masked in free text: everything else is as it was.
    assert_eq!(
        (&back.id, back.occurred_at, &back.card_token, &back.app_id),
        (
            &event.id,
            event.occurred_at,
            &event.card_token,
            &event.app_id
        ),
        "masking changed the envelope\nstored: {stored}"
    );
    assert_eq!(back.event_type(), event.event_type());
    assert_eq!(back.payload.payment(), event.payload.payment());
    if let Err(e) = back.validate() {
        panic!("the masked event is no longer valid: {e}\nstored: {stored}");
    }
    // Nothing stored is lost on reading, and nothing is left to mask.
    let stored_value = serde_json::from_str::<serde_json::Value>(&stored).ok();
    assert_eq!(
        serde_json::to_value(&back).ok(),
        stored_value,
        "the event read back is not what was stored"
    );
    match events::stored_payload(&back) {
        Ok(again) => assert_eq!(
            Some(again),
            serde_json::to_string(&back).ok(),
            "the masked event is masked again"
        ),
        Err(e) => panic!("the masked event cannot be stored again: {e}"),
    }
}
