//! The last line of defence for the first non-negotiable: no full card number is ever written to
//! the wallet. Cardholder-typed text that contains one is refused with a clear error; text that
//! arrives from the platform (events, app directory) is kept with the number masked.
//!
//! A "card number" here is a run of 12–19 digits, optionally grouped by single spaces, dashes
//! or dots, whose leading digits match a known card network's range and length and which passes
//! the Luhn check. Requiring a known network keeps timestamps and order numbers untouched.

use std::borrow::Cow;

use consentry_domain::{luhn_valid, mask_last4, Brand};

use crate::error::StoreError;

const MIN_DIGITS: usize = 12;
const MAX_DIGITS: usize = 19;

fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '-' | '.' | '\u{a0}' | '\u{202f}' | '\t')
}

/// Byte ranges of the card numbers in `text` (each from its first to its last digit).
fn find(text: &str) -> Vec<std::ops::Range<usize>> {
    if text.bytes().filter(u8::is_ascii_digit).count() < MIN_DIGITS {
        return Vec::new();
    }
    let mut found = Vec::new();
    // (byte offset, digit) of the current grouped digit run.
    let mut run: Vec<(usize, u8)> = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c.is_ascii_digit() {
            run.push((at, c as u8));
            continue;
        }
        let continues = is_separator(c)
            && !run.is_empty()
            && chars.peek().is_some_and(|(_, next)| next.is_ascii_digit());
        if !continues {
            scan_run(&run, &mut found);
            run.clear();
        }
    }
    scan_run(&run, &mut found);
    found
}

fn scan_run(run: &[(usize, u8)], found: &mut Vec<std::ops::Range<usize>>) {
    if run.len() < MIN_DIGITS {
        return;
    }
    let digits: String = run.iter().map(|&(_, d)| char::from(d)).collect();
    let mut start = 0;
    'outer: while start + MIN_DIGITS <= run.len() {
        for len in (MIN_DIGITS..=MAX_DIGITS.min(run.len() - start)).rev() {
            let window = &digits[start..start + len];
            let brand = Brand::from_digits(window);
            if brand != Brand::Unknown && brand.lengths().contains(&len) && luhn_valid(window) {
                found.push(run[start].0..run[start + len - 1].0 + 1);
                start += len;
                continue 'outer;
            }
        }
        start += 1;
    }
}

/// Whether `text` contains what looks like a full card number.
pub fn contains_card_number(text: &str) -> bool {
    !find(text).is_empty()
}

/// `text` with every card number replaced by its masked form (`•••• 1234`).
pub fn redact_card_numbers(text: &str) -> Cow<'_, str> {
    let found = find(text);
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for range in found {
        out.push_str(&text[last..range.start]);
        let digits: String = text[range.clone()]
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        out.push_str(&mask_last4(&digits[digits.len().saturating_sub(4)..]));
        last = range.end;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Refuses cardholder text that contains a card number.
pub(crate) fn refuse(field: &'static str, text: &str) -> Result<(), StoreError> {
    if contains_card_number(text) {
        return Err(StoreError::CardNumberInText { field });
    }
    Ok(())
}

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
            map.values_mut()
                .fold(changed, |acc, v| redact_json(v) | acc)
        }
        Value::Null | Value::Bool(_) => false,
    }
}

/// Masks card numbers in a JSON document's text. One linear scan when there are none (the
/// common case); otherwise the document is parsed and only its values are masked, so its
/// structure stays valid. Text that is not JSON is masked as plain text.
pub fn redact_json_text(text: &str) -> Cow<'_, str> {
    // JSON escapes (\u0034) could spell digits the plain scan does not see.
    if !text.contains("\\u") && find(text).is_empty() {
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
}
