#!/usr/bin/env bash
# Runs every check and every test suite, keeps going after a failure, and ends with one line:
# "N passed, N failed" counting all suites (each lint/check counts as one).
# Called by `make test`; expects scripts/install-deps.sh to have run.
set -uo pipefail
cd "$(dirname "$0")/.."

RESULTS=target/test-results
mkdir -p "$RESULTS"
# shellcheck source=scripts/results.sh
source scripts/results.sh
CARGO_FLAGS=(--workspace --all-targets --locked)
# Tests run every target but the benchmarks (those are `make bench`, in release); doc tests
# run as their own step.
# --no-fail-fast: a failing test binary must not hide the results of the others.
CARGO_TEST_FLAGS=(--workspace --lib --bins --tests --examples --locked --no-fail-fast)

# The hermeticity guard: no test may write to the user's default directories.
scripts/check-hermetic.sh snapshot "$RESULTS/hermetic.before"

check rustfmt cargo fmt --all -- --check
check eslint npm --prefix ui run --silent lint
check svelte-check npm --prefix ui run --silent check
check ui-build npm --prefix ui run --silent build
check cargo-build cargo build "${CARGO_FLAGS[@]}"
check bindings-drift scripts/check-bindings.sh
check results-self-test scripts/results-self-test.sh
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
cargo_suite cargo-test "$RESULTS/cargo-test.log" "$code"

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
cargo_suite postgres "$RESULTS/postgres.log" "$code"

echo "==> doc tests"
cargo test --workspace --doc --locked >"$RESULTS/doc-test.log" 2>&1
code=$?
cargo_suite doc-test "$RESULTS/doc-test.log" "$code"

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

summary
[ "$FAILED" -eq 0 ]
