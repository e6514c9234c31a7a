//! What a run found: one result per check, as a table for people or JSON for tools.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{json, Value};

/// How one check ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// What the contract expects and what came back.
    Fail(String),
    /// Not run, and why (e.g. no operator token).
    Skip(String),
}

impl Outcome {
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail(_) => "FAIL",
            Outcome::Skip(_) => "skip",
        }
    }

    fn detail(&self) -> &str {
        match self {
            Outcome::Pass => "",
            Outcome::Fail(detail) | Outcome::Skip(detail) => detail,
        }
    }
}

/// One check's result.
#[derive(Debug, Clone)]
pub struct CheckResult {
    pub name: &'static str,
    /// The part of the contract it proves.
    pub proves: &'static str,
    pub outcome: Outcome,
    pub duration: Duration,
}

/// Every result of a run.
#[derive(Debug, Clone)]
pub struct Report {
    pub url: String,
    pub results: Vec<CheckResult>,
    pub duration: Duration,
    /// Set when the run could not start (a bad URL).
    pub fatal: Option<String>,
}

impl Report {
    pub fn new(url: &str, results: Vec<CheckResult>, duration: Duration) -> Report {
        Report {
            url: url.to_owned(),
            results,
            duration,
            fatal: None,
        }
    }

    pub fn unreachable(url: &str, why: String) -> Report {
        Report {
            url: url.to_owned(),
            results: Vec::new(),
            duration: Duration::ZERO,
            fatal: Some(why),
        }
    }

    /// Whether at least one check ran and none failed.
    pub fn all_passed(&self) -> bool {
        self.fatal.is_none()
            && self.results.iter().any(|r| r.outcome == Outcome::Pass)
            && !self
                .results
                .iter()
                .any(|r| matches!(r.outcome, Outcome::Fail(_)))
    }

    pub fn result(&self, name: &str) -> Option<&CheckResult> {
        self.results.iter().find(|r| r.name == name)
    }

    /// The names of the failed checks.
    pub fn failed(&self) -> Vec<&'static str> {
        self.results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Fail(_)))
            .map(|r| r.name)
            .collect()
    }

    fn count(&self, word: &str) -> usize {
        self.results
            .iter()
            .filter(|r| r.outcome.word() == word)
            .count()
    }

    /// The pass/fail table, a summary line last.
    pub fn table(&self) -> String {
        let mut out = String::new();
        if let Some(fatal) = &self.fatal {
            let _ = writeln!(out, "cannot run against {}: {fatal}", self.url);
            return out;
        }
        let width = self
            .results
            .iter()
            .map(|r| r.name.len())
            .chain([5])
            .max()
            .unwrap_or(5);
        let _ = writeln!(out, "{:<width$}  result  {:>7}  detail", "check", "time");
        let _ = writeln!(out, "{:-<width$}  ------  -------  ------", "");
        for r in &self.results {
            let _ = writeln!(
                out,
                "{:<width$}  {:<6}  {:>5}ms  {}",
                r.name,
                r.outcome.word(),
                r.duration.as_millis(),
                r.outcome.detail()
            );
        }
        let _ = writeln!(
            out,
            "\n{} checks against {}: {} passed, {} failed, {} skipped in {:.1} s",
            self.results.len(),
            self.url,
            self.count("pass"),
            self.count("FAIL"),
            self.count("skip"),
            self.duration.as_secs_f64()
        );
        if self.results.is_empty() {
            out.push_str("no check was selected\n");
        }
        out
    }

    /// The results as JSON: `{url, passed, failed, skipped, duration_ms, checks: [...]}`.
    pub fn to_json(&self) -> Value {
        json!({
            "url": self.url,
            "ok": self.all_passed(),
            "error": self.fatal,
            "passed": self.count("pass"),
            "failed": self.count("FAIL"),
            "skipped": self.count("skip"),
            "duration_ms": u64::try_from(self.duration.as_millis()).unwrap_or(u64::MAX),
            "checks": self.results.iter().map(|r| json!({
                "name": r.name,
                "proves": r.proves,
                "result": r.outcome.word().to_ascii_lowercase(),
                "detail": match &r.outcome { Outcome::Pass => Value::Null, o => json!(o.detail()) },
                "duration_ms": u64::try_from(r.duration.as_millis()).unwrap_or(u64::MAX),
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn result(name: &'static str, outcome: Outcome) -> CheckResult {
        CheckResult {
            name,
            proves: "README",
            outcome,
            duration: Duration::from_millis(3),
        }
    }

    #[test]
    fn one_failure_fails_the_run_and_skips_do_not() {
        let passing = Report::new(
            "http://x",
            vec![
                result("a.one", Outcome::Pass),
                result("b.two", Outcome::Skip("no operator token".into())),
            ],
            Duration::from_secs(1),
        );
        assert!(passing.all_passed());
        let failing = Report::new(
            "http://x",
            vec![
                result("a.one", Outcome::Pass),
                result(
                    "b.two",
                    Outcome::Fail("expected 401: GET /v1/cards → 500".into()),
                ),
            ],
            Duration::from_secs(1),
        );
        assert!(!failing.all_passed());
        assert_eq!(failing.failed(), ["b.two"]);
        let table = failing.table();
        assert!(table.contains("b.two  FAIL"), "{table}");
        assert!(table.contains("expected 401: GET /v1/cards → 500"));
        assert!(table.contains("1 passed, 1 failed, 0 skipped"));
        let json = failing.to_json();
        assert_eq!(json["failed"], 1);
        assert_eq!(json["checks"][1]["result"], "fail");
        assert_eq!(json["checks"][0]["detail"], Value::Null);
        assert!(!Report::new("http://x", vec![], Duration::ZERO).all_passed());
    }
}
