#!/usr/bin/env bash
# The committed OpenAPI document is what docs/platform/openapi.py generates.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 docs/platform/openapi.py | diff -u docs/platform/openapi.json - \
  || { echo "docs/platform/openapi.json is stale: regenerate it from openapi.py" >&2; exit 1; }
