#!/usr/bin/env bash
# Fails when ui/src/ipc/generated.ts differs from what the Rust DTOs generate.
set -euo pipefail
cd "$(dirname "$0")/.."
fresh=$(mktemp)
trap 'rm -f "$fresh"' EXIT
# Reuse the workspace build's binary when there is one (same artifacts as the tests).
if [ -x target/debug/gen-bindings ] && [ -z "${REBUILD_BINDINGS:-}" ]; then
  target/debug/gen-bindings "$fresh"
else
  cargo run --quiet --locked -p consentry-api --bin gen-bindings -- "$fresh"
fi
if ! diff -u ui/src/ipc/generated.ts "$fresh"; then
  echo "ui/src/ipc/generated.ts is stale: run 'make bindings' and commit it." >&2
  exit 1
fi
