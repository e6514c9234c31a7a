//! Prints the platform's OpenAPI document:
//! `cargo run -p consentry-wire --bin gen-openapi > docs/platform/openapi.json`.

use std::io::Write as _;

fn main() -> std::io::Result<()> {
    std::io::stdout().write_all(consentry_wire::openapi::document_text().as_bytes())
}
