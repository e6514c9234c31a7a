#!/usr/bin/env bash
# Fails when ui/src/ipc/generated.ts or src-tauri/capabilities/main.json differs from what the
# Rust command list generates.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Reuse the workspace build's binary when there is one (same artifacts as the tests).
if [ -x target/debug/gen-bindings ] && [ -z "${REBUILD_BINDINGS:-}" ]; then
  target/debug/gen-bindings "$dir/generated.ts" "$dir/main.json"
else
  cargo run --quiet --locked -p consentry-api --bin gen-bindings -- "$dir/generated.ts" "$dir/main.json"
fi
stale=0
if ! diff -u ui/src/ipc/generated.ts "$dir/generated.ts"; then
  echo "ui/src/ipc/generated.ts is stale: run 'make bindings' and commit it." >&2
  stale=1
fi
if ! diff -u src-tauri/capabilities/main.json "$dir/main.json"; then
  echo "src-tauri/capabilities/main.json is stale: run 'make bindings' and commit it." >&2
  stale=1
fi
exit "$stale"
