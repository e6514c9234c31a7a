//! The platform under test, reached over HTTP only: requests, their answers, and a record of
//! every error answer the run received (each must have the documented shape).

use std::sync::Mutex;

use reqwest::header::{HeaderMap, CONTENT_TYPE};
use reqwest::Method;
use serde_json::Value;

use crate::contract;
use crate::failure::{ensure, Checked, Failure};
use crate::Options;

/// One error answer seen during the run.
#[derive(Debug, Clone)]
pub struct SeenError {
    pub what: String,
    pub problems: Vec<String>,
}

/// The platform at a base URL, with the operator token when one was given.
pub struct Target {
    client: reqwest::Client,
    base: String,
    admin: Option<String>,
    seen_errors: Mutex<Vec<SeenError>>,
}

impl Target {
    pub fn new(options: &Options) -> Result<Target, Failure> {
        let client = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(options.request_timeout)
            .user_agent(concat!("consentry-conformance/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Failure::new(format!("cannot make an HTTP client: {e}")))?;
        let base = options.url.trim_end_matches('/').to_owned();
        ensure!(
            base.starts_with("http://") || base.starts_with("https://"),
            "the URL must start with http:// or https://, got {base:?}"
        );
        Ok(Target {
            client,
            base,
            admin: options.admin_token.clone(),
            seen_errors: Mutex::new(Vec::new()),
        })
    }

    /// The operator token, if the run was given one.
    pub fn admin_token(&self) -> Option<&str> {
        self.admin.as_deref()
    }

    /// A request to `path` (starting with `/`).
    pub fn call(&self, method: Method, path: &str) -> Call<'_> {
        let url = format!("{}{path}", self.base);
        Call {
            target: self,
            what: format!("{method} {}", shorten(path)),
            builder: self.client.request(method, url),
        }
    }

    /// Error answers seen so far whose shape is not the documented one.
    pub fn malformed_errors(&self) -> Vec<SeenError> {
        self.seen_errors
            .lock()
            .map(|seen| {
                seen.iter()
                    .filter(|e| !e.problems.is_empty())
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How many error answers were seen so far.
    pub fn errors_seen(&self) -> usize {
        self.seen_errors.lock().map(|seen| seen.len()).unwrap_or(0)
    }

    fn record(&self, reply: &Reply) {
        if reply.status >= 400 {
            let problems = contract::error_problems(
                reply.status,
                reply.header("content-type").unwrap_or_default(),
                &reply.json,
            );
            if let Ok(mut seen) = self.seen_errors.lock() {
                seen.push(SeenError {
                    what: reply.what.clone(),
                    problems,
                });
            }
        }
    }
}

/// A path as the table shows it: long ids and query strings kept short.
fn shorten(path: &str) -> String {
    if path.len() > 80 {
        let cut = path
            .char_indices()
            .take_while(|(i, _)| *i < 77)
            .last()
            .map_or(0, |(i, c)| i + c.len_utf8());
        format!("{}...", &path[..cut])
    } else {
        path.to_owned()
    }
}

/// A request being built.
pub struct Call<'t> {
    target: &'t Target,
    what: String,
    builder: reqwest::RequestBuilder,
}

impl Call<'_> {
    #[must_use]
    pub fn bearer(mut self, token: &str) -> Self {
        self.builder = self.builder.bearer_auth(token);
        self
    }

    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }

    #[must_use]
    pub fn json(mut self, body: &Value) -> Self {
        self.builder = self.builder.json(body);
        self
    }

    /// `body` as it is, with this `Content-Type` (none when `None`).
    #[must_use]
    pub fn raw(mut self, body: impl Into<String>, content_type: Option<&str>) -> Self {
        if let Some(content_type) = content_type {
            self.builder = self.builder.header(CONTENT_TYPE, content_type);
        }
        self.builder = self.builder.body(body.into());
        self
    }

    pub async fn send(self) -> Result<Reply, Failure> {
        let what = self.what;
        let response = self
            .builder
            .send()
            .await
            .map_err(|e| Failure::new(format!("{what}: no answer ({})", error_chain(&e))))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response
            .text()
            .await
            .map_err(|e| Failure::new(format!("{what}: the body could not be read ({e})")))?;
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        let reply = Reply {
            what,
            status,
            headers,
            text,
            json,
        };
        self.target.record(&reply);
        Ok(reply)
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// One answer: status, headers, the body's text and its JSON (`Null` when it is not JSON).
#[derive(Debug, Clone)]
pub struct Reply {
    /// `METHOD /path`, for details.
    pub what: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    /// `METHOD /path → status body…`, the body cut short.
    pub fn describe(&self) -> String {
        format!("{} → {} {}", self.what, self.status, excerpt(&self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The JSON body when the status is `status`.
    pub fn expect(&self, status: u16) -> Result<&Value, Failure> {
        ensure!(
            self.status == status,
            "expected {status}: {}",
            self.describe()
        );
        Ok(&self.json)
    }

    /// The JSON body when the status is one of `statuses`.
    pub fn expect_any(&self, statuses: &[u16]) -> Result<&Value, Failure> {
        ensure!(
            statuses.contains(&self.status),
            "expected {statuses:?}: {}",
            self.describe()
        );
        Ok(&self.json)
    }

    /// A documented error: this status, this `code`, and the error's documented shape.
    pub fn expect_error(&self, status: u16, code: &str) -> Checked {
        ensure!(
            self.status == status && self.json["code"] == code,
            "expected {status} `{code}`: {}",
            self.describe()
        );
        let problems = contract::error_problems(
            self.status,
            self.header("content-type").unwrap_or_default(),
            &self.json,
        );
        ensure!(
            problems.is_empty(),
            "{}: the error body is not the documented one: {}",
            self.what,
            problems.join("; ")
        );
        Ok(())
    }

    /// A documented error with this status and any of `codes`.
    pub fn expect_error_any(&self, status: u16, codes: &[&str]) -> Checked {
        let code = self.json["code"].as_str().unwrap_or_default();
        ensure!(
            self.status == status && codes.contains(&code),
            "expected {status} with one of {codes:?}: {}",
            self.describe()
        );
        self.expect_error(status, code)
    }
}

/// The first 240 characters of a body, on one line.
pub fn excerpt(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() > 240 {
        let cut: String = one_line.chars().take(240).collect();
        format!("{cut}…")
    } else if one_line.is_empty() {
        "(empty body)".to_owned()
    } else {
        one_line
    }
}
