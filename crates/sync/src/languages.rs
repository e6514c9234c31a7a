//! The cardholder's languages, sent as `Accept-Language` on every request to the platform:
//! the platform answers the directory in that language and writes the texts of the
//! cardholder's events in the language of their latest request.

use std::sync::{Arc, PoisonError, RwLock};

use reqwest::header::HeaderValue;

/// The `Accept-Language` every client built from one [`crate::ClientConfig`] sends. Clones share
/// the value, so the wallet's language setting reaches clients already made (the syncer's).
#[derive(Clone, Default)]
pub struct Languages(Arc<RwLock<Option<HeaderValue>>>);

impl Languages {
    /// Prefers the language `code` (`fr`), then English: `fr, en;q=0.5`; English alone is `en`.
    /// A code that is not a language subtag (1 to 8 ASCII letters) sends no header at all.
    pub fn prefer(&self, code: &str) {
        let valid = (1..=8).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphabetic());
        let value = valid.then(|| {
            let code = code.to_ascii_lowercase();
            let text = if code == "en" {
                code
            } else {
                format!("{code}, en;q=0.5")
            };
            HeaderValue::from_str(&text).ok()
        });
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = value.flatten();
    }

    /// The header's value, if a language was chosen.
    pub fn header(&self) -> Option<HeaderValue> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The header as text (`fr, en;q=0.5`), if a language was chosen.
    pub fn current(&self) -> Option<String> {
        self.header()
            .and_then(|value| value.to_str().ok().map(str::to_owned))
    }
}

impl std::fmt::Debug for Languages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Languages").field(&self.current()).finish()
    }
}

/// Configurations compare by the languages they send now.
impl PartialEq for Languages {
    fn eq(&self, other: &Self) -> bool {
        self.header() == other.header()
    }
}

impl Eq for Languages {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_language_then_english() {
        let languages = Languages::default();
        assert_eq!(languages.current(), None);
        languages.prefer("fr");
        assert_eq!(languages.current().as_deref(), Some("fr, en;q=0.5"));
        let clone = languages.clone();
        languages.prefer("EN");
        assert_eq!(clone.current().as_deref(), Some("en"), "clones share it");
        for bad in ["", "fr-CA", "fr, de", "français", "toolongcode", "f\r\nx"] {
            languages.prefer(bad);
            assert_eq!(languages.current(), None, "{bad:?}");
        }
    }
}
