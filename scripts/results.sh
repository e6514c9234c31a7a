# The results of `make test`'s suites: counting, and saying what failed at the end.
# Sourced by scripts/test-all.sh; scripts/results-self-test.sh feeds it made-up logs.

PASSED=0
FAILED=0
FAILURES=()
# What failed, said again in the last lines (a CI record may keep only the end of the output).
DETAILS=()
# What went wrong around a suite without failing it (printed at the end too).
NOTES=()

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

# One cargo run as a suite: counts its log, fails it when no test ran (a cluster or a test
# binary not found), shows the end of the log and records why when it failed.
cargo_suite() { # name log exit-code
  local p f
  read -r p f < <(cargo_counts "$2" "$3")
  [ "$p" -eq 0 ] && f=$((f + 1))
  [ "$f" -gt 0 ] && tail -n 40 "$2"
  record "$1" "$p" "$f"
  [ "$f" -gt 0 ] && cargo_details "$1" "$2" "$3"
  return 0
}

# The summary: notes, what failed and why, then one line "N passed, N failed".
summary() {
  echo
  [ ${#NOTES[@]} -gt 0 ] && printf 'note: %s\n' "${NOTES[@]}"
  [ ${#FAILURES[@]} -gt 0 ] && echo "failed: ${FAILURES[*]}" && printf '%s\n' "${DETAILS[@]}"
  echo "$PASSED passed, $FAILED failed"
}
