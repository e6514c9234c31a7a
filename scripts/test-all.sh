#!/usr/bin/env bash
# Runs every check and every test suite, keeps going after a failure, and ends with one line:
# "N passed, N failed" counting all suites (each lint/check counts as one).
# Called by `make test`; expects scripts/install-deps.sh to have run.
set -uo pipefail
cd "$(dirname "$0")/.."

RESULTS=target/test-results
mkdir -p "$RESULTS"
PASSED=0
FAILED=0
FAILURES=()
# What failed, said again in the last lines (a CI record may keep only the end of the output).
DETAILS=()
# What went wrong around a suite without failing it (printed at the end too).
NOTES=()
CARGO_FLAGS=(--workspace --all-targets --locked)
# Tests run every target but the benchmarks (those are `make bench`, in release); doc tests
# run as their own step.
# --no-fail-fast: a failing test binary must not hide the results of the others.
CARGO_TEST_FLAGS=(--workspace --lib --bins --tests --examples --locked --no-fail-fast)

record() { # name passed failed
  local p=${2:-} f=${3:-}
  # A count that is not a number means the runner itself broke: that suite fails.
  if ! [[ $p =~ ^[0-9]+$ && $f =~ ^[0-9]+$ ]]; then
    DETAILS+=("  $1: the runner could not count its results (passed '$p', failed '$f')")
    p=0 f=1
  fi
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
  if [ "$f" -gt 0 ]; then FAILURES+=("$1"); fi
  printf '==> %-22s %s passed, %s failed\n' "$1" "$p" "$f"
}

detail() { # name lines... : kept for the summary, at most 12 lines per suite
  local name=$1 line n=0; shift
  for line in "$@"; do
    [ -n "$line" ] || continue
    n=$((n + 1)); [ "$n" -le 12 ] || break
    DETAILS+=("  $name: ${line:0:220}")
  done
}

# The last lines of a failed suite's log, for the summary.
detail_tail() { # name log
  local lines; mapfile -t lines < <(grep -v '^[[:space:]]*$' "$2" | tail -n 4); detail "$1" "${lines[@]}"
}

check() { # name command... : one check, passes when the command does
  local name=$1; shift
  echo "==> $name: $*"
  if "$@" >"$RESULTS/$name.log" 2>&1; then record "$name" 1 0; else
    tail -n 40 "$RESULTS/$name.log"; record "$name" 0 1; detail_tail "$name" "$RESULTS/$name.log"; fi
}

# Sums cargo's "test result:" lines; a run that fails without any (a build error) counts 1 failed.
cargo_counts() { # log exit-code
  local p f
  p=$(grep -oE 'test result: [a-zA-Z]+\. [0-9]+ passed' "$1" | awk '{s+=$4} END {print s+0}')
  f=$(grep -oE '[0-9]+ failed' "$1" | awk '{s+=$1} END {print s+0}')
  if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  echo "$p $f"
}

# Why a cargo run failed: its failed tests, the first panics, and the test processes that did
# not exit cleanly (a crash after "test result: ok" fails the run with every test passed).
cargo_details() { # name log exit-code
  local lines
  mapfile -t lines < <(
    sed -nE 's/^test (.*) \.\.\. FAILED$/failed test: \1/p' "$2" | sort -u
    grep -m 3 -A 1 -E 'panicked at' "$2" | grep -v '^--$'
    grep -E "process didn't exit successfully" "$2" |
      sed -E "s|\`([^ \`]*/)?([^/ \`]+)[^\`]*\`|\2|"
    grep -E '^error: ' "$2" | grep -vE 'to rerun pass' | head -n 2
    echo "exit status $3")
  detail "$1" "${lines[@]}"
}

# The hermeticity guard: no test may write to the user's default directories.
scripts/check-hermetic.sh snapshot "$RESULTS/hermetic.before"

check rustfmt cargo fmt --all -- --check
check eslint npm --prefix ui run --silent lint
check svelte-check npm --prefix ui run --silent check
check ui-build npm --prefix ui run --silent build
check cargo-build cargo build "${CARGO_FLAGS[@]}"
check bindings-drift scripts/check-bindings.sh
check module-cycles-self-test python3 scripts/check-module-cycles.py --self-test
check module-cycles python3 scripts/check-module-cycles.py
check clippy cargo clippy "${CARGO_FLAGS[@]}" -- -D warnings

# Rust tests (unit, integration, end to end) in one run, inside a private D-Bus session with an
# unlocked gnome-keyring (the real Secret Service) and a virtual X display for the app window.
echo "==> cargo test (Xvfb + D-Bus + gnome-keyring)"
# The suite's result is cargo's own exit status, written down inside the wrappers (the display,
# the bus, the keyring): a wrapper failing in its clean-up after every test passed is reported,
# one failing before cargo ran fails the suite. The X server's messages go to xvfb.log.
rm -f "$RESULTS/cargo-test.exit"
CI_REQUIRE_E2E=1 CI_REQUIRE_KEYRING=1 CI_REQUIRE_PYTHON=1 \
  scripts/xvfb.sh -s 1280x800x24 -l "$RESULTS/xvfb.log" \
  dbus-run-session -- scripts/with-keyring.sh \
  bash -c 'cargo test "$@"; c=$?; echo "$c" >"$0"; exit "$c"' "$RESULTS/cargo-test.exit" \
  "${CARGO_TEST_FLAGS[@]}" -- --test-threads=2 >"$RESULTS/cargo-test.log" 2>&1
wrapper=$?
code=$(cat "$RESULTS/cargo-test.exit" 2>/dev/null || echo "$wrapper")
[ "$code" = 0 ] && [ "$wrapper" != 0 ] &&
  NOTES+=("cargo-test: cargo passed; xvfb.sh/dbus-run-session/with-keyring exited $wrapper after")
grep -E '^test .* (FAILED|ok)$|test result:|panicked|^failures:|didn.t exit successfully' \
  "$RESULTS/cargo-test.log" | grep -vE ' ok$' | tail -n 40
read -r p f < <(cargo_counts "$RESULTS/cargo-test.log" "$code")
[ "${p:-0}" = 0 ] && f=$((${f:-0} + 1)) # no test ran
record cargo-test "$p" "$f"
[ "$f" -gt 0 ] && cargo_details cargo-test "$RESULTS/cargo-test.log" "$code"

# The reference platform on PostgreSQL: a throwaway cluster (scripts/pg-cluster.sh, removed
# after), then the contract suite again with every platform on a database of its own there
# (and two instances sharing one) and the conformance suite through two instances taking
# turns. The test binaries are the ones the step above built; each runs in its package.
echo "==> PostgreSQL: contract and conformance suites on a throwaway cluster"
postgres_suites() {
  local dir url code=0 manifest bin
  dir=$(mktemp -d "${TMPDIR:-/tmp}/consentry-pg.XXXXXX")
  if ! url=$(scripts/pg-cluster.sh start "$dir"); then scripts/pg-cluster.sh stop "$dir"; return 1; fi
  while read -r manifest bin; do
    (cd "$(dirname "$manifest")" && CONSENTRY_TEST_POSTGRES=$url CI_REQUIRE_POSTGRES=1 \
      "$bin" --test-threads=2) || code=1
  done < <(cargo test "${CARGO_TEST_FLAGS[@]}" --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    t = m.get("target", {})
    if m.get("executable") and t.get("name") in ("contract", "conformance") and "test" in t.get("kind", []):
        print(m["manifest_path"], m["executable"])')
  scripts/pg-cluster.sh stop "$dir"
  return $code
}
postgres_suites >"$RESULTS/postgres.log" 2>&1
code=$?
read -r p f < <(cargo_counts "$RESULTS/postgres.log" "$code")
[ "$p" -eq 0 ] && f=$((f + 1)) # no test ran: the cluster or the binaries were not found
[ "$f" -gt 0 ] && tail -n 40 "$RESULTS/postgres.log"
record postgres "$p" "$f"
[ "$f" -gt 0 ] && cargo_details postgres "$RESULTS/postgres.log" "$code"

echo "==> doc tests"
cargo test --workspace --doc --locked >"$RESULTS/doc-test.log" 2>&1
code=$?
read -r p f < <(cargo_counts "$RESULTS/doc-test.log" "$code")
[ "$f" -gt 0 ] && tail -n 40 "$RESULTS/doc-test.log"
record doc-test "$p" "$f"
[ "$f" -gt 0 ] && cargo_details doc-test "$RESULTS/doc-test.log" "$code"

echo "==> vitest"
(cd ui && npx vitest run --reporter=default --reporter=json --outputFile=test-results/unit.json) \
  >"$RESULTS/vitest.log" 2>&1
code=$?
read -r p f < <(node -e 'try{const r=require("./ui/test-results/unit.json");console.log(r.numPassedTests,r.numFailedTests)}catch{console.log("0 1")}')
[ "$code" -ne 0 ] && [ "$f" -eq 0 ] && f=1
[ "$f" -gt 0 ] && tail -n 40 "$RESULTS/vitest.log"
record vitest "$p" "$f"
[ "$f" -gt 0 ] && detail_tail vitest "$RESULTS/vitest.log"

echo "==> playwright page tests"
PAGES_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(cd ui && PAGES_PORT=$PAGES_PORT npx playwright test) >"$RESULTS/playwright.log" 2>&1
code=$?
read -r p f < <(node -e 'try{const r=require("./ui/test-results/pages.json");console.log(r.stats.expected,r.stats.unexpected+r.stats.flaky)}catch{console.log("0 1")}')
[ "$code" -ne 0 ] && [ "$f" -eq 0 ] && f=1
[ "$f" -gt 0 ] && tail -n 40 "$RESULTS/playwright.log"
record playwright "$p" "$f"
[ "$f" -gt 0 ] && detail_tail playwright "$RESULTS/playwright.log"

for extra in scripts/test-extra.d/*.sh; do
  [ -e "$extra" ] || continue
  check "$(basename "$extra" .sh)" "$extra"
done

check hermetic scripts/check-hermetic.sh verify "$RESULTS/hermetic.before"

echo
[ ${#NOTES[@]} -gt 0 ] && printf 'note: %s\n' "${NOTES[@]}"
[ ${#FAILURES[@]} -gt 0 ] && echo "failed: ${FAILURES[*]}" && printf '%s\n' "${DETAILS[@]}"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
