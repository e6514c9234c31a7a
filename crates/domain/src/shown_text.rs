//! Text from a remote party that a screen will show: stripped of what can make a screen show
//! something other than what is stored. Control characters (but line breaks and tabs) and the
//! bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) go; every
//! other character stays, so right-to-left names still read right.

use std::borrow::Cow;

/// Whether `c` is a bidirectional embedding, override or isolate.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `c` is a control character other than a line break or a tab.
pub fn is_hidden_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// `text` without hidden controls and bidirectional controls; borrowed when it has none.
pub fn neutralize(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| is_bidi_control(c) || is_hidden_control(c))
    {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter(|&c| !is_bidi_control(c) && !is_hidden_control(c))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_overrides_and_controls_keeps_the_rest() {
        assert_eq!(neutralize("Bean \u{202E}Club\u{2069}\u{7}"), "Bean Club");
        assert_eq!(
            neutralize("קפה Lumen\nline two\t!"),
            "קפה Lumen\nline two\t!"
        );
        assert!(matches!(neutralize("plain"), Cow::Borrowed(_)));
    }
}
