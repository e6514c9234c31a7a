#!/usr/bin/env bash
# Checks scripts/results.sh, which counts `make test`'s results, on made-up logs: a runner that
# miscounts would report green while tests fail. Run by `make test` before the suites.
set -uo pipefail
cd "$(dirname "$0")/.."
RESULTS=$(mktemp -d)
trap 'rm -rf "$RESULTS"' EXIT
# shellcheck source=scripts/results.sh
source scripts/results.sh

problems=0
expect() { # what got wanted
  if [ "$2" != "$3" ]; then echo "FAIL $1: got [$2], wanted [$3]"; problems=$((problems + 1)); fi
}
contains() { # what haystack needle
  case $2 in *"$3"*) ;; *) echo "FAIL $1: [$3] missing from:"; echo "$2"; problems=$((problems + 1)) ;; esac
}

log=$RESULTS/cargo.log
cat >"$log" <<'EOF'
     Running tests/api.rs (target/debug/deps/api-4a2dbf82e9a8598e)
test a ... ok
test result: ok. 59 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 6.20s
     Running tests/store.rs (target/debug/deps/store-8e7511231104758c)
test result: ok. 62 passed; 0 failed; 4 ignored; 0 measured; 0 filtered out; finished in 13.34s
EOF
expect "a passing run" "$(cargo_counts "$log" 0)" "121 0"
expect "a run that failed without any result line (a build error)" \
  "$(cargo_counts /dev/null 101)" "0 1"

cat >"$log" <<'EOF'
test sync::background ... FAILED
test sync::other ... ok
failures:
---- sync::background stdout ----
thread 'sync::background' panicked at crates/sync/tests/sync/x.rs:10:5:
the receipt never came
test result: FAILED. 53 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out
error: test failed, to rerun pass `-p consentry-sync --test sync`
Caused by:
  process didn't exit successfully: `/w/target/debug/deps/sync-88c8 --test-threads=2` (exit status: 101)
error: 1 target failed:
EOF
expect "a failed test" "$(cargo_counts "$log" 101)" "53 1"
cargo_details cargo-test "$log" 101
got=$(printf '%s\n' "${DETAILS[@]}")
contains "the failed test is named" "$got" "cargo-test: failed test: sync::background"
contains "the panic's message is kept" "$got" "the receipt never came"
contains "the process line is short" "$got" "process didn't exit successfully: sync-88c8 (exit status: 101)"
contains "the status is said" "$got" "exit status 101"

# Every test passed, then a test process crashed on its way out.
cat >"$log" <<'EOF'
test result: ok. 18 passed; 0 failed; 3 ignored; 0 measured; 0 filtered out; finished in 82.51s
error: test failed, to rerun pass `-p consentry-tests --test e2e`
  process didn't exit successfully: `/w/target/debug/deps/e2e-1450 --test-threads=2` (signal: 11, SIGSEGV: invalid memory reference)
EOF
expect "a crash after every test passed" "$(cargo_counts "$log" 101)" "18 1"
DETAILS=()
cargo_details cargo-test "$log" 101
contains "the crash is named" "$(printf '%s\n' "${DETAILS[@]}")" "e2e-1450 (signal: 11, SIGSEGV"

# cargo_suite: a run in which no test ran fails, whatever cargo's status.
PASSED=0 FAILED=0 FAILURES=() DETAILS=()
: >"$log"
cargo_suite empty "$log" 0 >/dev/null
expect "a run with no test fails" "$PASSED $FAILED ${FAILURES[*]}" "0 1 empty"

# record: sums, and a count that is not a number fails its suite.
PASSED=0 FAILED=0 FAILURES=() DETAILS=()
record good 3 0 >/dev/null
record broken "" "" >/dev/null
record bad 5 1 >/dev/null
expect "the sums" "$PASSED $FAILED" "8 2"
expect "the failed suites" "${FAILURES[*]}" "broken bad"
contains "an uncountable suite is said" "${DETAILS[*]}" "broken: the runner could not count"

# check: a failing command fails its suite and its last lines reach the summary.
PASSED=0 FAILED=0 FAILURES=() DETAILS=() NOTES=()
check ok true >/dev/null
check sad bash -c 'echo first; echo "the last words"; exit 3' >/dev/null
NOTES+=("cargo-test: a note")
out=$(summary)
expect "the last line" "$(tail -n 1 <<<"$out")" "1 passed, 1 failed"
contains "the failed check is listed" "$out" "failed: sad"
contains "its last lines are shown" "$out" "sad: the last words"
contains "notes are shown" "$out" "note: cargo-test: a note"

if [ "$problems" -gt 0 ]; then echo "results-self-test: $problems problem(s)"; exit 1; fi
echo "results-self-test: every case counted as expected"
