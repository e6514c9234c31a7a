//! The export crate's integration tests: a real SQLCipher wallet in a temp dir holding every
//! event kind, exported in each format and read back by outside tools (Python's csv module,
//! check-jsonschema, ofxtools, the age command-line tool).

// Helpers outside `#[test]` functions fail loudly too: this is test code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "export/support.rs"]
mod support;

#[path = "export/tools.rs"]
mod tools;

#[path = "export/csv_format.rs"]
mod csv_format;

#[path = "export/json_format.rs"]
mod json_format;

#[path = "export/ofx_format.rs"]
mod ofx_format;

#[path = "export/archive_format.rs"]
mod archive_format;

#[path = "export/failures.rs"]
mod failures;

#[path = "export/progress.rs"]
mod progress;
