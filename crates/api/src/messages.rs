//! Texts the backend shows itself (desktop notifications, the tray, native dialogs), read from
//! the UI's own catalogue: the `native` section of `ui/src/locales/<lang>.json`. One catalogue
//! for the whole app; the UI's test keeps English and French key for key.
//!
//! Messages use the subset of ICU MessageFormat the UI uses: `{name}` and
//! `{name, plural, =0 {…} one {…} other {…}}` with `#` for the number. A key missing from a
//! language falls back to English, then to the key itself (never a panic); the tests render
//! every message the backend uses in both languages.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

/// A language of the app's texts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    /// The language of a settings value (`"fr"`, `"en"`); English for anything else.
    pub fn from_code(code: Option<&str>) -> Self {
        match code {
            Some("fr") => Self::Fr,
            _ => Self::En,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
        }
    }

    /// CLDR's cardinal category for whole numbers: French counts 0 and 1 as "one".
    fn plural_one(self, n: i64) -> bool {
        match self {
            Self::En => n == 1,
            Self::Fr => n == 0 || n == 1,
        }
    }
}

type Catalogue = HashMap<String, String>;

fn catalogue(lang: Lang) -> &'static Catalogue {
    static EN: OnceLock<Catalogue> = OnceLock::new();
    static FR: OnceLock<Catalogue> = OnceLock::new();
    match lang {
        Lang::En => EN.get_or_init(|| load(include_str!("../../../ui/src/locales/en.json"))),
        Lang::Fr => FR.get_or_init(|| load(include_str!("../../../ui/src/locales/fr.json"))),
    }
}

/// The `native` section, flattened to dotted keys (`notice.receipt.title`).
fn load(json: &str) -> Catalogue {
    let mut out = Catalogue::new();
    if let Ok(Value::Object(root)) = serde_json::from_str::<Value>(json) {
        if let Some(native) = root.get("native") {
            flatten("", native, &mut out);
        }
    }
    out
}

fn flatten(prefix: &str, value: &Value, out: &mut Catalogue) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                flatten(&format!("{prefix}{key}."), child, out);
            }
        }
        Value::String(text) => {
            out.insert(prefix.trim_end_matches('.').to_owned(), text.clone());
        }
        _ => {}
    }
}

/// A value for a placeholder.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Text(&'a str),
    Number(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Self {
        Self::Text(text)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(text: &'a String) -> Self {
        Self::Text(text)
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Self::Number(n)
    }
}

/// The message `key` of the `native` section in `lang`, with `args` in place.
pub fn text(lang: Lang, key: &str, args: &[(&str, Arg<'_>)]) -> String {
    let template = catalogue(lang)
        .get(key)
        .or_else(|| catalogue(Lang::En).get(key));
    match template {
        Some(template) => format(template, lang, args, None),
        None => key.to_owned(),
    }
}

/// Renders `template`; `hash` is the number `#` stands for inside a plural branch.
fn format(template: &str, lang: Lang, args: &[(&str, Arg<'_>)], hash: Option<i64>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        match c {
            '{' => {
                let Some(end) = matching_brace(rest) else {
                    out.push_str(rest);
                    break;
                };
                out.push_str(&placeholder(&rest[1..end], lang, args));
                rest = &rest[end + 1..];
            }
            '#' if hash.is_some() => {
                out.push_str(&hash.unwrap_or_default().to_string());
                rest = &rest[1..];
            }
            _ => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// The index of the `}` closing the `{` that `text` starts with.
fn matching_brace(text: &str) -> Option<usize> {
    let mut depth = 0_usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

fn placeholder(inner: &str, lang: Lang, args: &[(&str, Arg<'_>)]) -> String {
    let mut parts = inner.splitn(3, ',');
    let name = parts.next().unwrap_or_default().trim();
    let value = args.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
    match (parts.next().map(str::trim), parts.next(), value) {
        (Some("plural"), Some(branches), Some(Arg::Number(n))) => {
            plural(branches, n, lang, args).unwrap_or_else(|| n.to_string())
        }
        (_, _, Some(Arg::Text(text))) => text.to_owned(),
        (_, _, Some(Arg::Number(n))) => n.to_string(),
        // An argument the caller did not give stays visible rather than vanishing.
        (_, _, None) => format!("{{{name}}}"),
    }
}

/// The branch of `{n, plural, …}` for `n`, rendered.
fn plural(branches: &str, n: i64, lang: Lang, args: &[(&str, Arg<'_>)]) -> Option<String> {
    let mut found: HashMap<&str, &str> = HashMap::new();
    let mut rest = branches.trim_start();
    while !rest.is_empty() {
        let open = rest.find('{')?;
        let selector = rest[..open].trim();
        let close = matching_brace(&rest[open..])? + open;
        found.insert(selector, &rest[open + 1..close]);
        rest = rest[close + 1..].trim_start();
    }
    let exact = format!("={n}");
    let branch = found
        .get(exact.as_str())
        .or_else(|| lang.plural_one(n).then(|| found.get("one")).flatten())
        .or_else(|| found.get("other"))?;
    Some(format(branch, lang, args, Some(n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_plurals_follow_each_language() {
        let t = "{count, plural, =0 {none} one {# thing for {who}} other {# things}}";
        let who = [("who", Arg::Text("Ana"))];
        for (lang, n, want) in [
            (Lang::En, 0, "none"),
            (Lang::En, 1, "1 thing for Ana"),
            (Lang::En, 2, "2 things"),
            (Lang::Fr, 1, "1 thing for Ana"),
            (Lang::Fr, 5, "5 things"),
        ] {
            let args = [who[0], ("count", Arg::Number(n))];
            assert_eq!(format(t, lang, &args, None), want, "{lang:?} {n}");
        }
        // French's "one" covers 0 when there is no =0 branch.
        let t = "{count, plural, one {# chose} other {# choses}}";
        assert_eq!(
            format(t, Lang::Fr, &[("count", Arg::Number(0))], None),
            "0 chose"
        );
        assert_eq!(
            format(t, Lang::En, &[("count", Arg::Number(0))], None),
            "0 choses"
        );
    }

    #[test]
    fn hostile_values_and_broken_templates_never_panic() {
        // A value is inserted as is, never read as a template.
        let args = [("app", Arg::Text("{count, plural, other {#}} #"))];
        assert_eq!(
            format("From {app}", Lang::En, &args, None),
            "From {count, plural, other {#}} #"
        );
        for broken in [
            "{",
            "}",
            "{a, plural, one {x}",
            "{a, plural, one x}",
            "{{}}",
            "é{",
        ] {
            let _ = format(broken, Lang::Fr, &[("a", Arg::Number(1))], None);
        }
        assert_eq!(format("{missing}", Lang::En, &[], None), "{missing}");
        assert_eq!(text(Lang::Fr, "no.such.key", &[]), "no.such.key");
    }

    #[test]
    fn every_native_message_renders_whole_in_both_languages() {
        for lang in [Lang::En, Lang::Fr] {
            for (key, template) in catalogue(lang) {
                let names: Vec<&str> = template
                    .split('{')
                    .skip(1)
                    .map(|p| p.split([',', '}']).next().unwrap_or_default().trim())
                    .collect();
                let args: Vec<(&str, Arg<'_>)> = names
                    .iter()
                    .map(|n| {
                        (
                            *n,
                            if *n == "count" {
                                Arg::Number(2)
                            } else {
                                Arg::Text("x")
                            },
                        )
                    })
                    .collect();
                let out = text(lang, key, &args);
                assert!(!out.contains(['{', '}']), "{lang:?} {key}: {out}");
                assert!(!out.trim().is_empty(), "{lang:?} {key}");
            }
        }
    }

    #[test]
    fn both_catalogues_have_the_same_native_keys() {
        let mut en: Vec<_> = catalogue(Lang::En).keys().collect();
        let mut fr: Vec<_> = catalogue(Lang::Fr).keys().collect();
        en.sort();
        fr.sort();
        assert!(!en.is_empty(), "the native section is missing from en.json");
        assert_eq!(en, fr);
    }
}
