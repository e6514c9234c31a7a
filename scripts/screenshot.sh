#!/usr/bin/env bash
# Starts the real app under Xvfb (in a private D-Bus session with an unlocked keyring),
# waits for its window, prints how long the window took to map, and saves a screenshot.
# Usage: scripts/screenshot.sh [OUT.png]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/screenshot.png}
app=${CONSENTRY_APP_BIN:-target/debug/consentry-app}
mkdir -p "$(dirname "$out")"

if [ -z "${INSIDE_XVFB:-}" ]; then
  exec env INSIDE_XVFB=1 scripts/xvfb.sh -s 1280x820x24 \
    dbus-run-session -- scripts/with-keyring.sh "$0" "$@"
fi

work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; cp "$work/app.log" /tmp/screenshot-app.log 2>/dev/null; rm -rf "$work"' EXIT
start=$(date +%s.%N)
XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache CONSENTRY_DATA_DIR=$work/data \
  "$app" >"$work/app.log" 2>&1 &
pid=$!
wid=$(xdotool search --sync --onlyvisible --name '^Consentry$' | head -n 1)
mapped=$(date +%s.%N)
awk -v a="$start" -v b="$mapped" 'BEGIN { printf "window mapped after %.2f s\n", b - a }'
sleep "${SETTLE_SECONDS:-4}"
# ImageMagick's own import/convert from the system bin directory.
/usr/bin/import -window "$wid" "$out"
echo "wrote $out"
