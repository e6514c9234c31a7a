//! Finding full card numbers in text: a run of 12–19 digits, optionally grouped by single
//! spaces, dashes or dots, whose leading digits match a known card network's range and length
//! and which passes the Luhn check. Requiring a known network keeps timestamps and order
//! numbers untouched. The wallet and the platform share this one guard.

use std::borrow::Cow;

use crate::{luhn_valid, mask_last4, Brand};

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
    let Cow::Owned(mut masked) = mask_once(text) else {
        return Cow::Borrowed(text);
    };
    // The 4 digits a mask keeps can start another card number with the digits after them
    // ("4442221444888488888888"): mask until none is left. Each pass leaves fewer digits.
    loop {
        match mask_once(&masked) {
            Cow::Owned(again) => masked = again,
            Cow::Borrowed(_) => return Cow::Owned(masked),
        }
    }
}

/// `text` with the card numbers [`find`] sees masked.
fn mask_once(text: &str) -> Cow<'_, str> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_card_number_is_left_where_a_masked_one_met_the_digits_after_it() {
        // Masking the first card number here once leaves "•••• 4888488888888": its kept
        // last 4 and the digits after them make a 13-digit Visa number.
        let text = "4442221444888488888888";
        assert!(contains_card_number(text));
        let masked = redact_card_numbers(text);
        assert!(!contains_card_number(&masked), "{masked}");
        assert!(masked.starts_with("•••• "), "{masked}");
        assert_eq!(redact_card_numbers("no digits here"), "no digits here");
    }
}
