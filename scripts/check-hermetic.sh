#!/usr/bin/env bash
# Proves that a test run left the user's own Consentry directories alone.
#   check-hermetic.sh snapshot FILE   records their state before the tests
#   check-hermetic.sh verify FILE     fails if anything there changed since
set -euo pipefail
id=org.consentry.app
dirs=("${XDG_DATA_HOME:-$HOME/.local/share}/$id" "${XDG_CONFIG_HOME:-$HOME/.config}/$id"
      "${XDG_CACHE_HOME:-$HOME/.cache}/$id"
      # "Start at login" (tauri-plugin-autostart writes here whatever XDG_CONFIG_HOME says).
      "$HOME/.config/autostart/Consentry.desktop")
state() {
  for d in "${dirs[@]}"; do
    if [ -e "$d" ]; then find "$d" -printf '%p %s %T@\n' | sort; else echo "absent $d"; fi
  done
}
case "${1:-}" in
  snapshot) state >"$2" ;;
  verify)
    if ! diff -u "$2" <(state); then
      echo "a test wrote to the user's default Consentry directories (above)" >&2
      exit 1
    fi ;;
  *) echo "usage: $0 snapshot|verify FILE" >&2; exit 2 ;;
esac
