#!/usr/bin/env bash
# Fails when ui/src/ipc/generated.ts differs from what the Rust DTOs generate.
set -euo pipefail
cd "$(dirname "$0")/.."
fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT
cargo run --quiet --locked -p consentry-api --bin gen-bindings -- "$fresh"
if ! diff -u ui/src/ipc/generated.ts "$fresh"; then
  echo "ui/src/ipc/generated.ts is stale: run 'make bindings' and commit it." >&2
  exit 1
fi
