//! The `feed_page` fuzz target's corpus (`fuzz/corpus/feed_page/`: the seeds, what the fuzzer
//! kept, every crash found and fixed) replayed through the target's own code,
//! `consentry_sync::fuzzing::feed_page`, so the normal test suite covers it in seconds.

// Test code fails loudly.
#![allow(clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};

use consentry_sync::fuzzing::{feed_page, Reached};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus/feed_page")
}

fn run(seed: &str) -> Reached {
    feed_page(&std::fs::read(corpus_dir().join(seed)).unwrap())
}

#[test]
fn every_corpus_input_goes_through_without_a_broken_invariant() {
    let dir = corpus_dir();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "{} holds {} inputs: the corpus moved or was lost",
        dir.display(),
        files.len()
    );
    let mut admitted = 0;
    for file in &files {
        // A broken invariant panics, naming the input in the message below.
        let reached = std::panic::catch_unwind(|| feed_page(&std::fs::read(file).unwrap()))
            .unwrap_or_else(|_| panic!("{} breaks an invariant", file.display()));
        admitted += reached.admitted;
    }
    assert!(admitted > 0, "no input reaches the store's round trip");
}

#[test]
fn valid_deliveries_signed_with_sign_me_reach_the_round_trip() {
    let all = |n| Reached {
        deliveries: n,
        verified: n,
        decoded: n,
        admitted: n,
    };
    assert_eq!(run("valid_two_items.json"), all(2));
    assert_eq!(run("every_type.json"), all(13));
    assert_eq!(run("empty_page.json"), Reached::default());
    assert_eq!(run("not_a_page.json"), Reached::default());
}

#[test]
fn a_card_number_in_free_text_is_admitted_and_stored_masked() {
    assert_eq!(run("card_number_in_free_text.json").admitted, 1);
    assert_eq!(run("escaped_digits.json").admitted, 1);
}

#[test]
fn hostile_bodies_verify_and_decode_but_are_not_admitted() {
    for seed in [
        "card_number_in_number.json",
        "card_number_in_identifier.json",
        "bidi_control.json",
        "control_character.json",
        "oversize_text.json",
    ] {
        let reached = run(seed);
        assert_eq!((reached.decoded, reached.admitted), (1, 0), "{seed}");
    }
    let far = run("from_the_future_and_far_past.json");
    assert_eq!((far.decoded, far.admitted), (2, 0));
}

#[test]
fn unreadable_envelopes_bodies_and_forged_signatures_stop_early() {
    // The envelope with a string timestamp is set aside; the body with a numeric date does
    // not decode.
    let wrong_types = run("wrong_typed_timestamp.json");
    assert_eq!((wrong_types.deliveries, wrong_types.decoded), (1, 0));
    let unreadable = run("unreadable_deliveries.json");
    assert_eq!((unreadable.deliveries, unreadable.decoded), (3, 0));
    assert_eq!(run("number_out_of_range_and_float.json").admitted, 0);
    assert_eq!(run("receipt_that_does_not_add_up.json").decoded, 0);
    // A forged signature stops a delivery; a stale but validly signed one is decoded.
    let signatures = run("bad_signature_and_stale.json");
    assert_eq!((signatures.deliveries, signatures.verified), (3, 1));
}

/// Found by the fuzzer: masking a card number kept its last 4 digits, which started another
/// card number with the digits after them, and the store wrote that one in clear.
#[test]
fn masking_leaves_no_card_number_behind() {
    assert_eq!(
        run("regression_card_number_rebuilt_by_masking.json").admitted,
        1
    );
}

/// Deliveries validly signed with timestamps `i64::MIN` and `i64::MAX`: measuring how stale
/// they are overflowed. They are stale (the harness decodes stale deliveries too).
#[test]
fn extreme_delivery_timestamps_are_stale_not_a_crash() {
    assert_eq!(
        run("regression_extreme_timestamps.json"),
        Reached {
            deliveries: 2,
            verified: 2,
            decoded: 2,
            admitted: 2,
        }
    );
}
