#!/usr/bin/env bash
# Runs a command on a virtual X display of its own (Xvfb) and exits with the command's status.
#
# Usage: scripts/xvfb.sh [-s WxHxDEPTH] [-l LOG] [--] command [args...]
#   -s  the screen (default 1280x800x24)
#   -l  where the X server's own messages go (default: discarded)
#
# Why not xvfb-run: its clean-up runs under `set -e`, so when the X server is already gone at
# the end (it crashed, or exited with its last client) xvfb-run exits 1 although the command
# passed, and the X server's messages are thrown away unless asked for. Here the server picks
# a free display itself (-displayfd: no race between two runs choosing the same number), the
# command's status is the status, and a server that died early is said on stderr.
# Local connections only (-nolisten tcp); the display lives as long as the command.
set -euo pipefail
screen=1280x800x24
log=/dev/null
while [ $# -gt 0 ]; do
  case $1 in
    -s) screen=$2; shift 2 ;;
    -l) log=$2; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [-s WxHxDEPTH] [-l LOG] [--] command [args...]" >&2; exit 2; }

ready=$(mktemp)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -f "$ready"
}
trap cleanup EXIT

Xvfb -displayfd 3 -screen 0 "$screen" -nolisten tcp 3>"$ready" >>"$log" 2>&1 &
server=$!
# Xvfb writes the display number to fd 3 once it accepts connections.
display=
for _ in $(seq 300); do
  display=$(tr -dc '0-9' <"$ready")
  [ -n "$display" ] && break
  kill -0 "$server" 2>/dev/null || { echo "xvfb: Xvfb exited at start (log: $log)" >&2; exit 1; }
  sleep 0.1
done
[ -n "$display" ] || { echo "xvfb: Xvfb did not start within 30 s (log: $log)" >&2; exit 1; }

status=0
DISPLAY=:$display "$@" || status=$?
kill -0 "$server" 2>/dev/null ||
  echo "xvfb: the X server on :$display had exited before the command ended (log: $log)" >&2
exit "$status"
