//! The platform contract of `docs/platform` (the README and `openapi.json`) as executable
//! checks, run over HTTP against any platform's base URL.
//!
//! The suite speaks only HTTP and reads only JSON: it shares no code with the reference
//! platform, so a check proves what the contract says rather than what one server happens to
//! do. Signatures are verified here from the documented signing strings (Ed25519, `v1a`), and
//! consent changes are signed here as a device would sign them.
//!
//! ```no_run
//! # async fn demo() {
//! let options = consentry_conformance::Options::new("http://127.0.0.1:8787", Some("operator-token".into()));
//! let report = consentry_conformance::run(&options).await;
//! assert!(report.all_passed(), "{}", report.table());
//! # }
//! ```

pub mod checks;
mod contract;
mod device;
mod failure;
mod http;
mod report;
mod wallet;
mod webhook;

use std::time::{Duration, Instant};

pub use checks::{catalogue, Check};
pub use failure::Failure;
pub use report::{CheckResult, Outcome, Report};

/// What to run, against which platform.
#[derive(Debug, Clone)]
pub struct Options {
    /// The platform's base URL, e.g. `http://127.0.0.1:8787` (no trailing `/v1`).
    pub url: String,
    /// The operator token (`--admin-token` of the reference platform): checks that need the
    /// operator API are skipped without it.
    pub admin_token: Option<String>,
    /// Run only the checks whose name contains this text.
    pub only: Option<String>,
    /// The longest any one request may take (a long-poll holds up to 30 s).
    pub request_timeout: Duration,
    /// The longest one check may take, all its requests included.
    pub check_timeout: Duration,
}

impl Options {
    /// Every check against `url`, with the default timeouts.
    pub fn new(url: &str, admin_token: Option<String>) -> Options {
        Options {
            url: url.trim_end_matches('/').to_owned(),
            admin_token,
            only: None,
            request_timeout: Duration::from_secs(40),
            check_timeout: Duration::from_secs(120),
        }
    }
}

/// Runs the selected checks one after the other (a check may rotate the platform's keys or
/// hold a long-poll open: they must not overlap) and reports each.
pub async fn run(options: &Options) -> Report {
    let started = Instant::now();
    let target = match http::Target::new(options) {
        Ok(target) => target,
        Err(failure) => {
            return Report::unreachable(&options.url, failure.to_string());
        }
    };
    let mut results = Vec::new();
    for check in catalogue() {
        if let Some(only) = &options.only {
            if !check.name.contains(only.as_str()) {
                continue;
            }
        }
        results.push(check.run(&target, options.check_timeout).await);
    }
    Report::new(&options.url, results, started.elapsed())
}
