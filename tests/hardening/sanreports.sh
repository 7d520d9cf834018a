#!/usr/bin/env bash
# sanreports.sh DIR COMMAND... - runs COMMAND (a scripted suite, as ctest does) with the
# sanitizer reports of every process it starts written to files DIR/report.PID instead
# of stderr (log_path in ASAN_OPTIONS, UBSAN_OPTIONS and LSAN_OPTIONS, appended so that
# it wins over an earlier log_path, and inherited by every child that keeps the
# environment). A report therefore cannot be lost to a `2>/dev/null`, a pipe whose
# status nobody reads, or a captured stderr shown only when the suite's own check fails:
# a leak reported at exit after a correct answer is the usual one. Afterwards every
# report is printed on stderr (ctest's FAIL_REGULAR_EXPRESSION sees it) and a report
# that is an error fails the run, whatever COMMAND's status was. DIR is emptied first
# and kept afterwards for a look. This covers ASan and LeakSanitizer; GCC's UBSan runtime
# (libubsan.so, apart from libasan.so) ignores log_path and reports on stderr, but with
# -fno-sanitize-recover=all its report ends the process with status 1, so a suite that
# checks statuses or lets stderr through still sees it (sanreports_test.sh checks both).
set -uo pipefail
dir=${1:?usage: sanreports.sh DIR COMMAND...}
shift
(($#)) || { echo "usage: sanreports.sh DIR COMMAND..." >&2; exit 2; }
case $dir in /*) ;; *) dir=$PWD/$dir ;; esac
rm -rf "$dir"
mkdir -p "$dir" || exit 2
# Processes that run as another user (the scratch cluster's) must be able to write here.
chmod 1777 "$dir"

for var in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
  export "$var=${!var:+${!var}:}log_path=$dir/report"
done

"$@"
status=$?

shopt -s nullglob
reports=("$dir"/report.*)
errors=0
for r in "${reports[@]}"; do
  if grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer' "$r"; then
    errors=$((errors + 1))
    echo "=== sanitizer report of pid ${r##*.} ($r):" >&2
  else
    echo "=== sanitizer output of pid ${r##*.} (not an error report; $r):" >&2
  fi
  head -c 20000 "$r" >&2
done
if ((errors)); then
  echo "sanreports.sh: $errors process(es) of '$*' reported sanitizer errors (above)" >&2
  exit 1
fi
exit $status
