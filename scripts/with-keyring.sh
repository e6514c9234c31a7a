#!/usr/bin/env bash
# Inside `dbus-run-session`: starts gnome-keyring's Secret Service with a fresh, unlocked
# login keyring kept in a temporary directory (an existing keyring with another password
# would make every call fail), then runs the given command and exits with its status.
set -euo pipefail
keyring_home=$(mktemp -d)
# Only the daemon sees the temporary XDG_DATA_HOME; tests keep the real one, so the
# hermeticity check still sees any write to the user's default data directory.
eval "$(echo consentry-test | XDG_DATA_HOME="$keyring_home" gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
status=0
"$@" || status=$?
# Clean-up never changes the command's status: the daemon lives until the session bus ends,
# after this script, and may still be writing its keyring file here; a directory that cannot
# be removed on a second try is only reported.
rm -rf "$keyring_home" 2>/dev/null || { sleep 1; rm -rf "$keyring_home" 2>/dev/null; } ||
  echo "with-keyring: could not remove $keyring_home" >&2
exit "$status"
