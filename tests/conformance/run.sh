# run.sh - history conformance: retort's `history` text and heads against Alembic 1.8's
# on generated projects. Usage: bash run.sh RETORT_BIN BUILD_DIR
#
# For each project written by gen.py it compares `alembic history`, `history --verbose`,
# `history -r RANGE` (plain and verbose, ranges listed in the project's `ranges` file)
# and the set of `alembic heads` with retort's output. Both read the versions directory
# in os.listdir (readdir) order, which decides how branches interleave. Lists Alembic
# prints from Python sets (Branches into:, Branch names:, a revision's labels) are
# compared as sorted lists: their order changes from one alembic run to the next. A
# comparison where alembic itself crashes (a Python traceback) is counted as skipped.
set -u
RETORT_BIN=${1:?usage: run.sh RETORT_BIN BUILD_DIR}
case $RETORT_BIN in /*) ;; *) RETORT_BIN=$PWD/$RETORT_BIN ;; esac
BUILD_DIR=${2:?usage: run.sh RETORT_BIN BUILD_DIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
ALEMBIC=(/usr/bin/alembic)

if [ ! -x "$RETORT_BIN" ]; then
  echo "run.sh: retort binary not found: $RETORT_BIN" >&2
  exit 1
fi
if [ ! -x /usr/bin/alembic ]; then
  echo "run.sh: /usr/bin/alembic not found (apt-get install alembic)" >&2
  exit 1
fi

mkdir -p "$BUILD_DIR" && BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
WORK=$(mktemp -d "$BUILD_DIR/conformance.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
"$PY" "$HERE/gen.py" "$WORK/projects" || { echo "run.sh: gen.py failed" >&2; exit 1; }

# Sorts the comma lists that come from Python sets.
normalize() {
  "$PY" -c '
import re, sys
out = []
for line in sys.stdin.read().split("\n"):
    m = re.match(r"^(Branches into|Branch names): (.*)$", line)
    if m:
        line = "%s: %s" % (m.group(1), ", ".join(sorted(m.group(2).split(", "))))
    m = re.match(r"^(.* -> \S+|\S+) \(([^()]*, [^()]*)\)(.*)$", line)
    if m:
        line = "%s (%s)%s" % (m.group(1), ", ".join(sorted(m.group(2).split(", "))), m.group(3))
    out.append(line)
sys.stdout.write("\n".join(out))
'
}

pass=0
fail=0
skip=0

# sanitizer_check NAME FILE: a sanitizer report in retort's stderr (FILE) fails the
# comparison whatever its output was, and is printed on stderr, where ctest's
# FAIL_REGULAR_EXPRESSION sees it. Returns 1 then.
sanitizer_check() {
  if grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$2"; then
    echo "FAIL $1: retort reported a sanitizer error" >&2
    cat "$2" >&2
    return 1
  fi
  return 0
}

# alembic_may_print DIR TEXT ARGS...: true if some PYTHONHASHSEED makes alembic print TEXT.
alembic_may_print() {
  local dir=$1 want=$2 seed out
  shift 2
  for seed in 0 1 2 3 4 5 6 7 8 9; do
    out=$(cd "$dir" && PYTHONHASHSEED=$seed "${ALEMBIC[@]}" history "$@" 2>/dev/null | normalize)
    [ "$out" == "$want" ] && return 0
  done
  return 1
}

# check NAME DIR RANGE VERBOSE: alembic history [--rev-range=RANGE] [--verbose] in DIR
# against retort --project DIR history [-r RANGE] [--verbose] (RANGE "" = none).
check() {
  local name=$1 dir=$2 range=$3 verbose=$4
  local -a a_args=() r_args=()
  if [ -n "$range" ]; then
    a_args+=("--rev-range=$range") # argparse would take "-2:" for an option
    r_args+=(-r "$range")
  fi
  if [ "$verbose" = 1 ]; then
    a_args+=(--verbose)
    r_args+=(--verbose)
  fi
  local a_out a_err a_rc r_out r_err r_rc
  a_out=$(cd "$dir" && "${ALEMBIC[@]}" history "${a_args[@]}" 2>"$WORK/a_err")
  a_rc=$?
  a_err=$(cat "$WORK/a_err")
  r_out=$("$RETORT_BIN" --project "$dir" history "${r_args[@]}" 2>"$WORK/r_err")
  r_rc=$?
  r_err=$(cat "$WORK/r_err")
  if ! sanitizer_check "$name" "$WORK/r_err"; then
    fail=$((fail + 1))
    return
  fi
  if grep -q "^Traceback" <<<"$a_err"; then
    skip=$((skip + 1))
    echo "SKIP $name (alembic crashed: $(tail -1 <<<"$a_err"))"
    return
  fi
  if [ $a_rc -ne 0 ]; then
    # both must fail, with alembic's message
    local msg=${a_err##*FAILED: }
    if [ $r_rc -ne 0 ] && grep -qF -- "$msg" <<<"$r_err"; then
      pass=$((pass + 1))
    else
      fail=$((fail + 1))
      echo "FAIL $name: alembic failed (${a_err}), retort exit $r_rc: ${r_err}"
    fi
    return
  fi
  local an rn
  an=$(normalize <<<"$a_out")
  rn=$(normalize <<<"$r_out")
  if [ $r_rc -eq 0 ] && [ "$an" == "$rn" ]; then
    pass=$((pass + 1))
  elif [ $r_rc -eq 0 ] && alembic_may_print "$dir" "$rn" "${a_args[@]}"; then
    # Alembic orders a revision's dependencies through a Python set: with two or more
    # the walk can change with PYTHONHASHSEED. retort printed one of its outputs.
    pass=$((pass + 1))
    echo "NOTE $name: alembic's order depends on PYTHONHASHSEED here; retort matches one"
  else
    fail=$((fail + 1))
    echo "FAIL $name (retort exit $r_rc${r_err:+: $r_err})"
    diff -u --label "alembic history ${a_args[*]}" --label "retort history ${r_args[*]}" \
      <(printf '%s\n' "$an") <(printf '%s\n' "$rn") | head -60
  fi
}

# check_heads NAME DIR: `alembic heads` against `retort call status` (offline: the heads
# need no database). retort's exit status and stderr are checked, not thrown away.
check_heads() {
  local name=$1 dir=$2 a r r_rc
  a=$(cd "$dir" && "${ALEMBIC[@]}" heads 2>&1 | awk '{print $1}' | sort)
  "$RETORT_BIN" --project "$dir" call status '{"offline": true}' >"$WORK/h_out" 2>"$WORK/h_err"
  r_rc=$?
  if ! sanitizer_check "$name heads" "$WORK/h_err"; then
    fail=$((fail + 1))
    return
  fi
  r=$("$PY" -c '
import json, sys
heads = json.load(sys.stdin).get("heads") or []
for h in heads:
    print(h if isinstance(h, str) else h.get("revision", h))
' <"$WORK/h_out" | sort)
  if [ $r_rc -eq 0 ] && [ -n "$a" ] && [ "$a" == "$r" ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name heads (retort exit $r_rc)"
    sed 's/^/  stderr: /' "$WORK/h_err" | head -20
    diff -u --label "alembic heads" --label "retort status .heads" \
      <(printf '%s\n' "$a") <(printf '%s\n' "$r")
  fi
}

for dir in "$WORK"/projects/*/; do
  dir=${dir%/}
  p=$(basename "$dir")
  check "$p history" "$dir" "" 0
  check "$p history --verbose" "$dir" "" 1
  while IFS= read -r range; do
    [ -n "$range" ] || continue
    check "$p history -r $range" "$dir" "$range" 0
    check "$p history -r $range --verbose" "$dir" "$range" 1
  done <"$dir/ranges"
  check_heads "$p" "$dir"
done

echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
