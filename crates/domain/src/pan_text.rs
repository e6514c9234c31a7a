//! Finding full card numbers in text, however they are spelled. The wallet and the platform
//! share this one guard.
//!
//! - **Digits** are the decimal digits of any script (`4`, `４`, `٤`, `४`, `𝟒`, …), each
//!   counting as its value. Other numerals (`²`, `½`, `①`) are no digits: they end a number
//!   like letters do.
//! - **Separators**: at most [`MAX_SEPARATORS`] visible characters stand between two digits of
//!   one number, and any character but a letter or a numeral may: spaces of every width,
//!   dashes, dots, commas, slashes, underscores, bullets, line breaks, the katakana long-vowel
//!   mark `ー` Japanese input gives for a dash. A few end a number instead, because they set
//!   one number apart from the next: colons (`13:51:18`), semicolons, plus signs (`+49`),
//!   brackets (`(0)30`), and a space after a comma or a full stop (`12, 34`), which ends a
//!   list item or a sentence. Characters that show nothing (zero-width and other format
//!   characters, combining marks, variation selectors, control characters) are skipped: they
//!   neither count as separators nor split a group.
//! - **Groups** are digits written one after another. A card number may start and end
//!   anywhere inside one group (`ref4242424242424242`, a number and its expiry typed without a
//!   space); one that spans separators starts where a group starts and ends where a group ends
//!   (`1. 4242 4242 4242 4242 12/27`), so the tail of one number and the head of the next
//!   (times, prices, ids) rarely pass as one.
//! - **A card number** is such a stretch of 12–19 digits whose leading digits are in a known
//!   network's range, whose length is one that network issues, and which passes the Luhn
//!   check. Requiring a known network keeps timestamps and order numbers untouched: a tenth
//!   of all digit strings pass Luhn, far fewer also start like a card of that length.
//! - **A UUID** (8-4-4-4-12 hex digits, a word of its own) is an id, never a number: the
//!   decimal digits across its dashes would otherwise spell one in about 1 UUID in 1,700.

use std::borrow::Cow;
use std::ops::Range;

use crate::digits::decimal_digit;
use crate::shown_text::{is_bidi_control, is_hidden_control};
use crate::{luhn_valid, mask_last4, Brand};

/// The fewest digits a card number has; the most is 19 ([`Brand::lengths`]).
const MIN_DIGITS: usize = 12;

/// The most visible separator characters between two digits of one number: enough for
/// `4242 - 4242`, `4242 / 4242` or a blank line of Windows text; columns of a table or
/// numbers a sentence apart stay apart.
const MAX_SEPARATORS: usize = 3;

/// What a character is to a number written across it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A decimal digit, with its value.
    Digit(u8),
    /// Shows nothing: skipped.
    Invisible,
    /// Between two groups of digits of one number.
    Separator,
    /// Ends a number: letters, other numerals, colons, semicolons, plus signs, brackets.
    Break,
}

fn role(c: char) -> Role {
    if c.is_ascii() {
        return match c {
            '0'..='9' => Role::Digit(c as u8 - b'0'),
            ':' | ';' | '+' | '(' | ')' | '[' | ']' | '{' | '}' => Role::Break,
            _ if c.is_ascii_alphabetic() => Role::Break,
            '\n' | '\t' => Role::Separator,
            _ if c.is_ascii_control() => Role::Invisible,
            _ => Role::Separator,
        };
    }
    if let Some(value) = decimal_digit(c) {
        Role::Digit(value)
    } else if is_invisible(c) {
        Role::Invisible
    } else if matches!(c, '\u{30FC}' | '\u{FF70}') {
        // The katakana long-vowel mark is a letter, but stands for a dash between digits.
        Role::Separator
    } else if c.is_alphanumeric() || is_number_delimiter(c) {
        Role::Break
    } else {
        Role::Separator
    }
}

/// Characters that show nothing, or only change the look of the character before them.
fn is_invisible(c: char) -> bool {
    is_hidden_control(c)
        || is_bidi_control(c)
        || matches!(c,
            '\u{AD}' // soft hyphen
            | '\u{300}'..='\u{36F}' // combining diacritical marks
            | '\u{483}'..='\u{489}'
            | '\u{61C}' // Arabic letter mark
            | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}' // Hangul fillers
            | '\u{17B4}' | '\u{17B5}'
            | '\u{180B}'..='\u{180F}' // Mongolian variation selectors
            | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' // more combining marks
            | '\u{200B}'..='\u{200F}' // zero-width space, joiners, direction marks
            | '\u{2060}'..='\u{206F}' // word joiner, invisible operators
            | '\u{20D0}'..='\u{20FF}' // combining marks for symbols (keycap `4⃣`)
            | '\u{FE00}'..='\u{FE0F}' | '\u{FE20}'..='\u{FE2F}' // variation selectors, half marks
            | '\u{FEFF}' // zero-width no-break space
            | '\u{E0000}'..='\u{E0FFF}' // tags, more variation selectors
        )
}

/// Full-width and other forms of the colon, semicolon, plus sign and brackets; the
/// ideographic comma and full stop.
fn is_number_delimiter(c: char) -> bool {
    matches!(
        c,
        '\u{FF1A}' | '\u{FE55}' | '\u{2236}' | '\u{A789}' | '\u{FF1B}' // ：﹕∶꞉；
            | '\u{3001}' | '\u{3002}' // 、。
            | '\u{FF0B}' | '\u{FE62}' | '\u{207A}' | '\u{208A}' // ＋﹢⁺₊
            | '\u{FF08}' | '\u{FF09}' | '\u{FF3B}' | '\u{FF3D}' | '\u{FF5B}' | '\u{FF5D}' // （）［］｛｝
    )
}

/// Whether some stretch of `text` holds [`MIN_DIGITS`] digits with no break among them and at
/// most [`MAX_SEPARATORS`] visible separators between two of them: what every run [`find`]
/// reads a card number from has, so text without one (most text, JSON full of dates and
/// amounts too) is done after one pass of byte comparisons. [`find`] makes breaks of a few
/// more characters (a UUID, a space after a comma), never fewer, so this never says no where
/// it finds a number.
fn may_hold_card_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (mut digits, mut separators) = (0, 0);
    let mut at = 0;
    while let Some(&b) = bytes.get(at) {
        let role = if b.is_ascii() {
            at += 1;
            role(char::from(b))
        } else {
            let Some(c) = text[at..].chars().next() else {
                break;
            };
            at += c.len_utf8();
            role(c)
        };
        match role {
            Role::Digit(_) => {
                digits += 1;
                separators = 0;
                if digits >= MIN_DIGITS {
                    return true;
                }
            }
            Role::Invisible => {}
            Role::Separator => {
                separators += 1;
                if separators > MAX_SEPARATORS {
                    digits = 0;
                }
            }
            Role::Break => digits = 0,
        }
    }
    false
}

/// The digits of one run: where each is in the text and which group it belongs to, and their
/// values as ASCII (what [`Brand::from_digits`] and [`luhn_valid`] read).
#[derive(Default)]
struct Run {
    bytes: Vec<Range<usize>>,
    groups: Vec<usize>,
    ascii: String,
}

impl Run {
    fn push(&mut self, bytes: Range<usize>, value: u8, joined: bool) {
        let group = match self.groups.last() {
            Some(&last) if joined => last,
            Some(&last) => last + 1,
            None => 0,
        };
        self.bytes.push(bytes);
        self.groups.push(group);
        self.ascii.push(char::from(b'0' + value));
    }

    fn is_empty(&self) -> bool {
        self.ascii.is_empty()
    }

    /// Adds the byte range of every card number in the run to `found` and empties the run.
    fn scan_into(&mut self, found: &mut Vec<Range<usize>>) {
        let mut start = 0;
        while start + MIN_DIGITS <= self.ascii.len() {
            match self.card_at(start) {
                Some(len) => {
                    found.push(self.bytes[start].start..self.bytes[start + len - 1].end);
                    start += len;
                }
                None => start += 1,
            }
        }
        self.bytes.clear();
        self.groups.clear();
        self.ascii.clear();
    }

    /// The length of the longest card number that starts at digit `start`.
    fn card_at(&self, start: usize) -> Option<usize> {
        let rest = &self.ascii[start..];
        let brand = Brand::from_digits(rest);
        if brand == Brand::Unknown {
            return None;
        }
        brand.lengths().iter().rev().copied().find(|&len| {
            len <= rest.len()
                && self.is_one_number(start, start + len - 1)
                && luhn_valid(&rest[..len])
        })
    }

    /// Whether digits `first..=last` may be one number: inside one group, or from the start
    /// of a group to the end of a group.
    fn is_one_number(&self, first: usize, last: usize) -> bool {
        let group = |i: Option<usize>| i.and_then(|i| self.groups.get(i));
        let (first_group, last_group) = (group(Some(first)), group(Some(last)));
        first_group == last_group
            || (first_group != group(first.checked_sub(1)) && last_group != group(Some(last + 1)))
    }
}

const UUID_LEN: usize = 36;

/// Whether `text` starts with a UUID (8-4-4-4-12 hex digits) that is a word of its own.
fn starts_with_uuid(text: &[u8]) -> bool {
    const SHAPE: &[u8; UUID_LEN] = b"xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
    text.len() >= SHAPE.len()
        && SHAPE.iter().zip(text).all(|(&shape, &b)| match shape {
            b'-' => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
        && text
            .get(SHAPE.len())
            .is_none_or(|b| !b.is_ascii_alphanumeric())
}

/// Byte ranges of the card numbers in `text` (each from its first to its last digit); only
/// the first one when `first_only`.
fn find(text: &str, first_only: bool) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    if !may_hold_card_number(text) {
        return found;
    }
    let mut run = Run::default();
    // Visible separators since the run's last digit.
    let mut separators = 0;
    // The last character that is not invisible.
    let mut previous = ' ';
    let mut uuid_end = 0;
    for (at, c) in text.char_indices() {
        if at < uuid_end {
            continue;
        }
        let role = match role(c) {
            // An id, whatever digits it holds.
            _ if c.is_ascii_hexdigit()
                && !previous.is_alphanumeric()
                && starts_with_uuid(&text.as_bytes()[at..]) =>
            {
                uuid_end = at + UUID_LEN;
                Role::Break
            }
            // ", " and ". " end a list item or a sentence, not a group of digits.
            Role::Separator if c.is_whitespace() && matches!(previous, ',' | '.' | '，' | '．') => {
                Role::Break
            }
            role => role,
        };
        if role != Role::Invisible {
            previous = c;
        }
        match role {
            Role::Digit(value) => {
                run.push(at..at + c.len_utf8(), value, separators == 0);
                separators = 0;
            }
            Role::Invisible => {}
            Role::Separator if !run.is_empty() => {
                separators += 1;
                if separators > MAX_SEPARATORS {
                    run.scan_into(&mut found);
                }
            }
            Role::Separator => {}
            Role::Break => run.scan_into(&mut found),
        }
        if first_only && !found.is_empty() {
            return found;
        }
    }
    run.scan_into(&mut found);
    found
}

/// Whether `text` contains what looks like a full card number.
pub fn contains_card_number(text: &str) -> bool {
    !find(text, true).is_empty()
}

/// `text` with every card number replaced by its masked form (`•••• 1234`, ASCII digits
/// whatever digits the number was written in).
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
    let found = find(text, false);
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for range in found {
        out.push_str(&text[last..range.start]);
        let digits: Vec<u8> = text[range.clone()]
            .chars()
            .filter_map(decimal_digit)
            .collect();
        let last4: String = digits[digits.len().saturating_sub(4)..]
            .iter()
            .map(|&d| char::from(b'0' + d))
            .collect();
        out.push_str(&mask_last4(&last4));
        // Marks on the last digit (a keycap, an underline) go with it.
        let rest = &text[range.end..];
        last = range.end
            + rest
                .char_indices()
                .find(|&(_, c)| role(c) != Role::Invisible)
                .map_or(rest.len(), |(at, _)| at);
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

    #[test]
    fn text_is_read_in_full_only_when_a_run_may_hold_a_card_number() {
        // Dates, times, amounts and ids: letters, colons and wide gaps split the digits.
        let json = r#"{"id":"evt_abc123","occurred_at":"2024-01-01T10:00:00.123Z","amount":{"minor":123456,"currency":"EUR"},"lines":[1200, 3400]}"#;
        assert!(!may_hold_card_number(json));
        assert!(!contains_card_number(json));
        for text in [
            r#"{"note":"card 4242 4242 4242 4242"}"#,
            "4242\u{200B}4242\u{200B}4242\u{200B}4242",
            "４２４２ ４２４２ ４２４２ ４２４２",
            "4242 - 4242 - 4242 - 4242",
        ] {
            assert!(may_hold_card_number(text), "{text}");
            assert!(contains_card_number(text), "{text}");
        }
        // Twelve digits with a fourth separator, or a letter, between two of them: no run.
        assert!(!may_hold_card_number("424242    42424242"));
        assert!(!may_hold_card_number("424242x424242"));
    }

    #[test]
    fn roles_of_characters() {
        for (c, expected) in [
            ('７', Role::Digit(7)),
            ('٧', Role::Digit(7)),
            ('\u{200B}', Role::Invisible),
            ('\u{20E3}', Role::Invisible),
            ('\u{FE0F}', Role::Invisible),
            ('\r', Role::Invisible),
            ('\n', Role::Separator),
            ('\u{3000}', Role::Separator),
            ('／', Role::Separator),
            ('ー', Role::Separator),
            ('•', Role::Separator),
            (':', Role::Break),
            ('：', Role::Break),
            ('+', Role::Break),
            ('(', Role::Break),
            ('x', Role::Break),
            ('я', Role::Break),
            ('²', Role::Break),
        ] {
            assert_eq!(role(c), expected, "{c:?}");
        }
    }

    #[test]
    fn a_number_across_groups_starts_and_ends_with_one() {
        // A Visa number from the 4 of "94" starts inside a group: no number.
        assert!(!contains_card_number("94 1111 1111 1111 1111 1"));
        assert!(contains_card_number("9 4111 1111 1111 1111 1"));
        // Inside one group, anywhere.
        assert!(contains_card_number("9941111111111111111199"));
    }
}
