#!/usr/bin/env bash
# Linux packages of the app: build the .deb and .rpm with Tauri's bundler, validate their
# desktop entry and AppStream metadata, and try the .deb as a cardholder would get it.
# Usage: scripts/package.sh [build|validate|size|smoke|all]
#   build     release build + bundles (target/release/bundle/{deb,rpm}/)
#   validate  desktop-file-validate and appstreamcli on the files inside the .deb; lists both
#             packages' dependencies and sizes
#   size      the sizes of the packages last built (make bench reports them; target ≤ 15 MB)
#   smoke     apt-get install the .deb, start the installed binary under Xvfb with a throwaway
#             data dir, wait for its window, take a screenshot, then remove the package
set -euo pipefail
cd "$(dirname "$0")/.."

BUNDLE=${CARGO_TARGET_DIR:-target}/release/bundle
OUT=target/package
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

deb_file() { ls -t "$BUNDLE"/deb/*.deb 2>/dev/null | head -1; }
rpm_file() { ls -t "$BUNDLE"/rpm/*.rpm 2>/dev/null | head -1; }

build() {
  scripts/install-deps.sh system
  scripts/install-deps.sh package
  scripts/install-deps.sh npm
  rm -rf "$BUNDLE/deb" "$BUNDLE/rpm"
  # The CLI comes from npm (@tauri-apps/cli, a UI dev dependency): nothing is downloaded here.
  ui/node_modules/.bin/tauri build --bundles deb,rpm -- --locked
  echo "package: $(deb_file)"
  echo "package: $(rpm_file)"
}

validate() {
  local deb rpm tree
  deb=$(deb_file); rpm=$(rpm_file)
  [ -n "$deb" ] && [ -n "$rpm" ] || { echo "package: build first (make package)" >&2; exit 1; }
  tree=$(mktemp -d)
  trap 'rm -rf "$tree"' RETURN
  dpkg-deb -x "$deb" "$tree"
  desktop-file-validate "$tree"/usr/share/applications/*.desktop
  appstreamcli validate --no-net --pedantic "$tree"/usr/share/metainfo/org.consentry.app.metainfo.xml
  for size in 16x16 32x32 48x48 64x64 128x128 256x256 512x512; do
    ls "$tree"/usr/share/icons/hicolor/"$size"/apps/*.png >/dev/null \
      || { echo "package: no $size icon" >&2; exit 1; }
  done
  echo "package: $(basename "$deb") $(stat -c %s "$deb") bytes; depends: $(dpkg-deb -f "$deb" Depends); recommends: $(dpkg-deb -f "$deb" Recommends)"
  echo "package: $(basename "$rpm") $(stat -c %s "$rpm") bytes; requires: $(rpm -qp --requires "$rpm" 2>/dev/null | grep -v '^rpmlib' | tr '\n' ' ')"
}

size() {
  local deb rpm
  deb=$(deb_file); rpm=$(rpm_file)
  if [ -z "$deb" ]; then echo "package: no .deb built yet (make package)"; return; fi
  stat -c '%n %s' "$deb" ${rpm:+"$rpm"} \
    | awk '{ n = split($1, p, "/"); printf "package: %s %.2f MB (.deb target ≤ 15 MB)\n", p[n], $2 / 1e6 }'
}

smoke() {
  local deb name data shot
  deb=$(deb_file)
  [ -n "$deb" ] || { echo "package: build first (make package)" >&2; exit 1; }
  name=$(dpkg-deb -f "$deb" Package)
  mkdir -p "$OUT"
  data=$(mktemp -d)
  shot="$OUT/installed.png"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$(realpath "$deb")" >/dev/null
  # Always leave the machine as it was.
  trap 'as_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq "$name" >/dev/null; rm -rf "$data"' RETURN
  local bin
  bin=$(dpkg -L "$name" | grep '^/usr/bin/' | head -1)
  echo "package: installed $name ($bin)"
  scripts/xvfb.sh -s 1280x800x24 -l "$OUT/xvfb.log" dbus-run-session -- bash -c '
    set -euo pipefail
    "$1" --data-dir "$2" >"$2/app.log" 2>&1 &
    app=$!
    trap "kill $app 2>/dev/null || true" EXIT
    # Poll rather than `xdotool search --sync`: a window that vanishes while xdotool reads its
    # attributes (WebKit creates and destroys helper windows at start) aborts xdotool with an X
    # BadWindow error, so one failed look is only a reason to look again.
    for _ in $(seq 120); do
      xdotool search --onlyvisible --name Consentry >/dev/null 2>&1 && break
      kill -0 "$app" || { cat "$2/app.log" >&2; exit 1; }
      sleep 0.5
    done
    xdotool search --onlyvisible --name Consentry >/dev/null 2>&1 \
      || { echo "package: no Consentry window after 60 s" >&2; cat "$2/app.log" >&2; exit 1; }
    sleep 3
    import -window root "$3"
    kill -0 "$app"
  ' smoke "$bin" "$data" "$shot"
  # A window that shows something: the screenshot is not one flat colour.
  local colours
  colours=$(/usr/bin/convert "$shot" -format '%k' info:)
  [ "$colours" -gt 10 ] || { echo "package: the window looks empty ($colours colours)" >&2; exit 1; }
  echo "package: the installed app opened its window ($shot, $colours colours)"
}

case "${1:-all}" in
  build) build ;;
  validate) validate ;;
  size) size ;;
  smoke) smoke ;;
  all) build; validate; smoke ;;
  *) echo "usage: $0 [build|validate|size|smoke|all]" >&2; exit 2 ;;
esac
