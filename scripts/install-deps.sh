#!/usr/bin/env bash
# Installs what Consentry needs on Debian/Ubuntu, idempotently: system packages (apt-get,
# with sudo when not root), tauri-driver 2.x, and the UI's npm packages.
# Usage: scripts/install-deps.sh [system|package|driver|npm|python|all]
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  libwebkit2gtk-4.1-dev build-essential libssl-dev libayatana-appindicator3-dev librsvg2-dev
  libxdo-dev pkg-config xvfb xauth webkit2gtk-driver gnome-keyring dbus-x11 dbus-user-session
  libsecret-tools imagemagick x11-utils xdotool fonts-dejavu-core chromium age sqlite3 curl
  postgresql openssl
)

# What `make package` needs besides: validators for the desktop entry and AppStream metadata,
# and rpm to read the .rpm it builds.
PACKAGE_TOOLS=(desktop-file-utils appstream rpm)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  if ! command -v apt-get >/dev/null; then
    echo "install-deps: apt-get not found; install these yourself: ${missing[*]}" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

driver() {
  # A plain `cargo install tauri-driver` picks the 3.0 alpha; pin 2.x.
  if cargo install --list 2>/dev/null | grep -q '^tauri-driver v2\.'; then return 0; fi
  cargo install tauri-driver --version '^2' --locked --quiet
}

npm_packages() {
  # npm ci only when node_modules is missing or older than the lock file.
  if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

python_tools() {
  if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
  if ! .venv/bin/python -c 'import sqlcipher3, nacl' 2>/dev/null || [ requirements-dev.txt -nt .venv/.installed ]; then
    .venv/bin/pip install -q -r requirements-dev.txt && touch .venv/.installed
  fi
}

system() { apt_install "${APT_PACKAGES[@]}"; }

case "${1:-all}" in
  system) system ;;
  package) apt_install "${PACKAGE_TOOLS[@]}" ;;
  driver) driver ;;
  npm) npm_packages ;;
  python) python_tools ;;
  all) system; driver; npm_packages; [ -f requirements-dev.txt ] && python_tools; true ;;
  *) echo "usage: $0 [system|driver|npm|python|all]" >&2; exit 2 ;;
esac
