//! The languages the platform writes in — English (the default) and French — and how it picks
//! one: `Accept-Language` negotiation (RFC 9110 §12.5.4), and the language of each
//! cardholder as their latest authenticated request asked for it.
//!
//! A header that is absent, unreadable, malformed or longer than [`MAX_HEADER_BYTES`] is
//! ignored: the answer is in English, never an error.

use std::convert::Infallible;

use crate::db::Conn;
use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, CONTENT_LANGUAGE, VARY};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue};

use crate::error::ApiError;

/// A language the platform has texts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    /// Every language, the default first.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Fr];
    /// What the platform answers in when nothing else is asked for or possible.
    pub const DEFAULT: Lang = Lang::En;

    /// The language tag (`en`, `fr`).
    pub const fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The language of a tag as the platform stores it (`en`, `fr`); `None` for any other.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|lang| lang.code() == code)
    }
}

/// Longest `Accept-Language` read (all its lines together); a longer one is ignored.
pub const MAX_HEADER_BYTES: usize = 512;
/// Most language ranges read; a header listing more is ignored.
const MAX_RANGES: usize = 32;

/// The language to answer in, as the request's `Accept-Language` asks: `None` when there is
/// no such header or it cannot be read (malformed, too long); the default when it names no
/// language the platform has.
pub fn requested(headers: &HeaderMap) -> Option<Lang> {
    let mut text = String::new();
    for value in headers.get_all(ACCEPT_LANGUAGE) {
        let line = value.to_str().ok()?;
        if !text.is_empty() {
            text.push(',');
        }
        text.push_str(line);
        if text.len() > MAX_HEADER_BYTES {
            return None;
        }
    }
    if text.is_empty() {
        return None;
    }
    negotiate(&text)
}

/// One `language-range [weight]` of the header.
struct Range<'a> {
    tag: &'a str,
    /// Thousandths (q=0.5 → 500).
    q: u16,
}

fn parse(header: &str) -> Option<Vec<Range<'_>>> {
    let mut ranges = Vec::new();
    // Empty list elements are allowed (RFC 9110 §5.6.1).
    for element in header.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        if ranges.len() == MAX_RANGES {
            return None;
        }
        let mut parts = element.split(';').map(str::trim);
        let tag = parts.next()?;
        if !valid_range(tag) {
            return None;
        }
        let q = match parts.next() {
            None => 1000,
            Some(weight) => qvalue(weight.strip_prefix("q=").or(weight.strip_prefix("Q="))?)?,
        };
        if parts.next().is_some() {
            return None;
        }
        ranges.push(Range { tag, q });
    }
    Some(ranges)
}

/// `1*8ALPHA *("-" 1*8alphanum)` or `*`.
fn valid_range(tag: &str) -> bool {
    if tag == "*" {
        return true;
    }
    let mut subtags = tag.split('-');
    let primary_ok = subtags
        .next()
        .is_some_and(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphabetic()));
    primary_ok
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// `0[.ddd]` or `1[.000]`, in thousandths.
fn qvalue(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths: u16 = format!("{fraction:0<3}").parse().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// The platform's language the ranges prefer: for each language, the weight of the range that
/// names it (its primary subtag: `fr-CA` names French), else of `*`; the highest weight above
/// zero wins, ties going to the range listed first (then to the default).
fn negotiate(header: &str) -> Option<Lang> {
    let ranges = parse(header)?;
    let wildcard = ranges.iter().find(|r| r.tag == "*").map(|r| r.q);
    let mut best: Option<(u16, usize, Lang)> = None;
    for lang in Lang::ALL {
        let named = ranges.iter().enumerate().find(|(_, r)| {
            let primary = r.tag.split('-').next().unwrap_or_default();
            primary.eq_ignore_ascii_case(lang.code())
        });
        let (q, position) = match (named, wildcard) {
            (Some((position, range)), _) => (range.q, position),
            (None, Some(q)) => (q, usize::MAX),
            (None, None) => continue,
        };
        if q == 0 {
            continue;
        }
        let better = match best {
            None => true,
            Some((best_q, best_position, _)) => {
                q > best_q || (q == best_q && position < best_position)
            }
        };
        if better {
            best = Some((q, position, lang));
        }
    }
    Some(best.map_or(Lang::DEFAULT, |(_, _, lang)| lang))
}

/// The language negotiated from the request's `Accept-Language` (the default when it asks
/// for nothing readable). Never rejects a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated(pub Lang);

impl<S: Send + Sync> FromRequestParts<S> for Negotiated {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(Negotiated(
            requested(&parts.headers).unwrap_or(Lang::DEFAULT),
        ))
    }
}

impl Negotiated {
    /// The headers of an answer whose texts are in this language.
    pub fn headers(self) -> [(HeaderName, HeaderValue); 2] {
        [
            (CONTENT_LANGUAGE, HeaderValue::from_static(self.0.code())),
            (VARY, HeaderValue::from_static("Accept-Language")),
        ]
    }
}

/// The language the platform writes the cardholder's events in.
pub async fn of_cardholder(conn: &mut Conn, cardholder_id: &str) -> Result<Lang, ApiError> {
    let code: Option<Option<String>> =
        sqlx::query_scalar("SELECT language FROM cardholders WHERE id = $1")
            .bind(cardholder_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(code
        .flatten()
        .as_deref()
        .and_then(Lang::from_code)
        .unwrap_or(Lang::DEFAULT))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(header: &str) -> Option<Lang> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_LANGUAGE, HeaderValue::from_str(header).unwrap());
        requested(&headers)
    }

    #[test]
    fn the_preferred_language_the_platform_has_wins() {
        assert_eq!(lang("fr"), Some(Lang::Fr));
        assert_eq!(lang("fr, en;q=0.5"), Some(Lang::Fr));
        assert_eq!(lang("fr-CA"), Some(Lang::Fr));
        assert_eq!(lang("FR-be;Q=0.9"), Some(Lang::Fr));
        assert_eq!(lang("en-GB, fr;q=0.8"), Some(Lang::En));
        assert_eq!(lang("de, fr;q=0.3, en;q=0.2"), Some(Lang::Fr));
        assert_eq!(lang("en;q=0.4, fr;q=0.7"), Some(Lang::Fr));
        assert_eq!(
            lang("fr;q=0.5, en;q=0.5"),
            Some(Lang::Fr),
            "a tie: listed first"
        );
        assert_eq!(lang("en;q=0.5 , , fr ;q=0.5"), Some(Lang::En));
        assert_eq!(lang("*"), Some(Lang::En));
        assert_eq!(lang("*;q=0.1, fr;q=0"), Some(Lang::En));
        assert_eq!(lang("en;q=0, *"), Some(Lang::Fr));
    }

    #[test]
    fn nothing_the_platform_has_is_english() {
        assert_eq!(lang("de"), Some(Lang::En));
        assert_eq!(lang("fr;q=0"), Some(Lang::En));
        assert_eq!(lang("fr;q=0.000, en;q=0"), Some(Lang::En));
    }

    #[test]
    fn an_unreadable_header_is_ignored() {
        for bad in [
            "fr;q=2",
            "fr;q=1.5",
            "fr;q=0.1234",
            "fr;q=",
            "fr;x=1",
            "fr;q=0.5;q=0.4",
            "français",
            "fr_FR",
            "toolonglanguage",
            "fr-",
            "-fr",
            "fr;q=-1",
            "\"fr\"",
            "",
        ] {
            assert_eq!(lang(bad), None, "{bad:?}");
        }
        assert_eq!(
            lang(" , "),
            Some(Lang::En),
            "an empty list asks for nothing"
        );
        assert_eq!(requested(&HeaderMap::new()), None);
        let long = format!("fr, {}", "en;q=0.1, ".repeat(60));
        assert_eq!(lang(&long), None, "too long");
        let many = "de, ".repeat(40) + "fr";
        assert_eq!(lang(&many), None, "too many ranges");
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_LANGUAGE, HeaderValue::from_bytes(b"fr\xe9").unwrap());
        assert_eq!(requested(&headers), None, "not text");
    }

    #[test]
    fn several_header_lines_read_as_one_list() {
        let mut headers = HeaderMap::new();
        headers.append(ACCEPT_LANGUAGE, HeaderValue::from_static("de"));
        headers.append(ACCEPT_LANGUAGE, HeaderValue::from_static("fr;q=0.8"));
        assert_eq!(requested(&headers), Some(Lang::Fr));
    }

    #[test]
    fn codes_round_trip() {
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
        assert_eq!(Lang::from_code("FR"), None);
        assert_eq!(Lang::from_code("de"), None);
    }
}
