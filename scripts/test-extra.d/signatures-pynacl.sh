#!/usr/bin/env bash
# An independent Ed25519 check (PyNaCl) of the committed vectors and of live events.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/platform-up.sh
.venv/bin/python docs/platform/verify_signatures.py "$PLATFORM_URL"
