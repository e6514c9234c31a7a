//! The last line of defence for the first non-negotiable: no full card number is ever written to
//! the wallet. Cardholder-typed text that contains one is refused with a clear error; text that
//! arrives from the platform (events, app directory) is kept with the number masked.
//!
//! What a "card number" is: [`consentry_domain::contains_card_number`].

use std::borrow::Cow;

pub use consentry_domain::{contains_card_number, redact_card_numbers};

use crate::error::StoreError;

/// Refuses cardholder text that contains a card number.
pub(crate) fn refuse(field: &'static str, text: &str) -> Result<(), StoreError> {
    if contains_card_number(text) {
        return Err(StoreError::CardNumberInText { field });
    }
    Ok(())
}

/// The field of an event that holds a SHA-256 digest (`app.terms_changed`'s `terms_hash`):
/// never masked. A digest of the app's terms text is no card number, yet one in a couple of
/// hundred holds a digit run the guard would mask, and a masked digest no longer reads back.
/// Admission (`store::admission`) only admits 64 lowercase hex digits there.
pub const DIGEST_FIELD: &str = "terms_hash";

/// Masks card numbers anywhere in a JSON value: in strings, in object keys, and in numbers
/// that spell one (replaced by the masked string). Returns whether anything changed.
pub fn redact_json(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::String(s) => match redact_card_numbers(s) {
            Cow::Borrowed(_) => false,
            Cow::Owned(masked) => {
                *s = masked;
                true
            }
        },
        Value::Number(n) => {
            let text = n.to_string();
            match redact_card_numbers(&text) {
                Cow::Borrowed(_) => false,
                Cow::Owned(masked) => {
                    *value = Value::String(masked);
                    true
                }
            }
        }
        Value::Array(items) => items.iter_mut().fold(false, |acc, v| redact_json(v) | acc),
        Value::Object(map) => {
            let mut changed = false;
            if map.keys().any(|k| contains_card_number(k)) {
                let entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
                for (k, v) in entries {
                    map.insert(redact_card_numbers(&k).into_owned(), v);
                }
                changed = true;
            }
            map.iter_mut()
                .filter(|(k, v)| !is_digest(k, v))
                .fold(changed, |acc, (_, v)| redact_json(v) | acc)
        }
        Value::Null | Value::Bool(_) => false,
    }
}

/// Whether `text` is a SHA-256 digest as events carry it: 64 lowercase hex digits.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Whether `value`, under `key`, is a digest kept as it is (see [`DIGEST_FIELD`]).
fn is_digest(key: &str, value: &serde_json::Value) -> bool {
    key == DIGEST_FIELD && value.as_str().is_some_and(is_sha256_hex)
}

/// Masks card numbers in a JSON document's text. One linear scan when there are none (the
/// common case); otherwise the document is parsed and only its values are masked, so its
/// structure stays valid. Text that is not JSON is masked as plain text.
pub fn redact_json_text(text: &str) -> Cow<'_, str> {
    // JSON escapes (\u0034) could spell digits the plain scan does not see.
    if !text.contains("\\u") && !contains_card_number(text) {
        return Cow::Borrowed(text);
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(mut value) => {
            if redact_json(&mut value) {
                Cow::Owned(value.to_string())
            } else {
                Cow::Borrowed(text)
            }
        }
        Err(_) => redact_card_numbers(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_plain_spaced_dashed_numbers() {
        for text in [
            "4111111111111111",
            "card 4111 1111 1111 1111 please",
            "4111-1111-1111-1111",
            "3782 822463 10005",
            "x5555555555554444y",
        ] {
            assert!(contains_card_number(text), "{text}");
        }
    }

    #[test]
    fn leaves_timestamps_and_short_numbers() {
        for text in [
            "1764251478000",
            "4111 1111",
            "order 1234567890123",
            "4111111111111112",
            "2026-11-27T13:51:18Z",
        ] {
            assert!(!contains_card_number(text), "{text}");
        }
    }

    #[test]
    fn redacts_in_text_and_json() {
        assert_eq!(
            redact_card_numbers("pay 4111 1111 1111 1111 now"),
            "pay •••• 1111 now"
        );
        let json =
            r#"{"note":"4111111111111111","n":5555555555554444,"k":[1,2],"ts":1764251478000}"#;
        let masked = redact_json_text(json);
        assert!(!masked.contains("4111111111111111"));
        assert!(!masked.contains("5555555555554444"));
        assert!(masked.contains("•••• 4444"));
        assert!(masked.contains("1764251478000"));
        let escaped = r#"{"note":"\u0034111111111111111"}"#;
        assert!(!redact_json_text(escaped).contains("111111111111111"));
    }

    #[test]
    fn a_digest_stays_whole_and_anything_else_under_its_name_is_masked() {
        let digest = format!("4111111111111111{}", "a".repeat(48));
        let json = format!(r#"{{"terms_hash":"{digest}","note":"4111111111111111"}}"#);
        let masked = redact_json_text(&json);
        assert!(masked.contains(&digest), "{masked}");
        assert!(masked.contains("•••• 1111"));
        let not_a_digest = r#"{"terms_hash":"card 4111111111111111"}"#;
        assert!(!redact_json_text(not_a_digest).contains("4111111111111111"));
    }
}
