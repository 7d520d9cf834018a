#!/usr/bin/env bash
# run.sh - the whole test suite: install what is missing, build a normal and a
# sanitizer (ASan + UBSan) tree, run ctest in both (unit tests; the transcripts,
# conformance, e2e, lsp, docs, sqlconf, db, hardening and autogen suites; the fuzz
# corpora replayed), then the checks outside ctest (examples/shop under the real alembic
# on a real PostgreSQL; the README's quick start; the history, review, upgrade and
# autogen benches in smoke mode, which fail only when retort's output differs from the
# reference's), then scan the whole run's output for the suites' passwords
# (tests/hardening/passwords.txt:
# ctest's LastTest.log of both builds, the logs the suites keep in RETORT_TEST_LOG_DIR,
# the output of the checks above; tests/hardening/scan_passwords.py), and end with one
# summary line "N passed, N failed": ctest tests of both builds plus those checks plus
# the scan; a build that fails counts as one failure. Exits non-zero on any failure.
# The kept output is removed after a clean run, else its directory is named.
# Used by .ci/run.
#   RETORT_BUILD_DIR / RETORT_ASAN_BUILD_DIR override build/ and build-asan/.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

bash tests/deps.sh || { echo "run.sh: tests/deps.sh failed"; echo "0 passed, 1 failed"; exit 1; }

build_dir=${RETORT_BUILD_DIR:-build}
asan_dir=${RETORT_ASAN_BUILD_DIR:-build-asan}
jobs=${RETORT_JOBS:-2}

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

passed=0
failed=0
status=0

# The suites' own logs (secrets.sh, db/run.sh) and the checks' output, for the scan.
logs=$(mktemp -d /tmp/retort-run-logs.XXXXXX)
export RETORT_TEST_LOG_DIR=$logs

# suite NAME DIR [CMAKE-ARGS...] - configure, build, ctest; add to the counters.
suite() {
  local name=$1 dir=$2
  shift 2
  echo "=== $name: configure + build in $dir"
  if ! cmake -S . -B "$dir" "$@" >/dev/null || ! cmake --build "$dir" -j"$jobs"; then
    echo "run.sh: $name: the build failed"
    failed=$((failed + 1))
    status=1
    return
  fi

  echo "=== $name: ctest"
  local out rc
  out=$(mktemp)
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  ((rc == 0)) || status=1

  # "100% tests passed, 0 tests failed out of 7"
  local line total nfail
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$out" | tail -n1)
  if [[ -n $line ]]; then
    total=${line##* out of }
    nfail=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
    passed=$((passed + total - nfail))
    failed=$((failed + nfail))
  elif ((rc != 0)); then
    failed=$((failed + 1))   # ctest itself failed before running anything
  fi
  rm -f "$out"

  # criterion's own counts, per unit test executable (they go to the test's stderr,
  # which ctest keeps in its log even when the test passed).
  local log=$dir/Testing/Temporary/LastTest.log
  if [[ -f $log ]]; then
    awk -v tag="$name" '
      / Testing: / { test = $0; sub(/^.* Testing: /, "", test) }
      /Synthesis: Tested:/ { line = $0; sub(/^.*\[====\] /, "", line); printf "%s %s: %s\n", tag, test, line }
    ' "$log" >&2
  fi
}

suite build "$build_dir" -DRETORT_TESTS=ON -DRETORT_SANITIZE=OFF
suite asan "$asan_dir" -DRETORT_TESTS=ON -DRETORT_SANITIZE=ON

# check NAME COMMAND... - one more pass or fail for the summary; the output is kept.
nchecks=0
check() {
  local name=$1
  shift
  echo "=== $name"
  nchecks=$((nchecks + 1))
  mkdir -p "$logs/checks"
  "$@" 2>&1 | tee "$logs/checks/$nchecks.log"
  if ((PIPESTATUS[0] == 0)); then
    passed=$((passed + 1))
  else
    echo "run.sh: $name: FAILED"
    failed=$((failed + 1))
    status=1
  fi
}

check "example project: alembic + PostgreSQL" bash tests/e2e/example_alembic.sh
check "quick start (examples/quickstart.sh)" env RETORT_BUILD_DIR="$build_dir" bash examples/quickstart.sh
check "history bench (smoke)" bash tests/bench/history.sh --smoke "$build_dir/retort"
check "review bench (smoke)" bash tests/bench/review.sh --smoke "$build_dir/retort"
check "upgrade bench (smoke)" bash tests/bench/upgrade.sh --smoke "$build_dir/retort"
check "autogen bench (smoke)" bash tests/bench/autogen.sh --smoke "$build_dir/retort"

# No password of the suites in anything they printed or kept.
echo "=== no password in the whole suite's output"
scan=("$logs")
for d in "$build_dir" "$asan_dir"; do
  [[ -f $d/Testing/Temporary/LastTest.log ]] && scan+=("$d/Testing/Temporary/LastTest.log")
done
if /usr/bin/python3 tests/hardening/scan_passwords.py "${scan[@]}"; then
  passed=$((passed + 1))
else
  echo "run.sh: the password scan: FAILED"
  failed=$((failed + 1))
  status=1
fi

if ((status == 0 && failed == 0)); then
  rm -rf "$logs"
else
  echo "run.sh: the suites' kept output is in $logs"
fi
echo "$passed passed, $failed failed"
((status == 0 && failed == 0))
