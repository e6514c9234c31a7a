#!/usr/bin/env bash
# Sourced by checks that need a running reference platform: starts target/debug/consentry-platform
# on a free loopback port with an in-memory database, enrolls a device, and exports
# PLATFORM_URL, PLATFORM_TOKEN and PLATFORM_ADMIN_TOKEN. The server stops when the caller exits.
set -euo pipefail
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export PLATFORM_URL="http://127.0.0.1:$port"
export PLATFORM_ADMIN_TOKEN="admin-$RANDOM$RANDOM"
target/debug/consentry-platform --listen "127.0.0.1:$port" --admin-token "$PLATFORM_ADMIN_TOKEN" \
  >"${PLATFORM_LOG:-/dev/null}" 2>&1 &
platform_pid=$!
trap 'kill "$platform_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -fs "$PLATFORM_URL/healthz" >/dev/null && break; sleep 0.1; done
PLATFORM_TOKEN=$(curl -fsS -X POST "$PLATFORM_URL/v1/enroll" -H 'content-type: application/json' \
  -d '{"device_name":"schemathesis"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
export PLATFORM_TOKEN
