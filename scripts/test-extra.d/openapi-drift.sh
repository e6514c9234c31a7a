#!/usr/bin/env bash
# The committed OpenAPI document is what the wire types generate (crates/wire/tests/openapi.rs;
# it names the command that regenerates it).
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo test --locked -p consentry-wire --test openapi
