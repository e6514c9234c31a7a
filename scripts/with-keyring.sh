#!/usr/bin/env bash
# Inside `dbus-run-session`: starts gnome-keyring's Secret Service with a fresh, unlocked
# login keyring kept in a temporary directory (an existing keyring with another password
# would make every call fail), then runs the given command.
set -euo pipefail
keyring_home=$(mktemp -d)
trap 'rm -rf "$keyring_home"' EXIT
# Only the daemon sees the temporary XDG_DATA_HOME; tests keep the real one, so the
# hermeticity check still sees any write to the user's default data directory.
eval "$(echo consentry-test | XDG_DATA_HOME="$keyring_home" gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
"$@"
