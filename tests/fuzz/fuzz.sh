#!/usr/bin/env bash
# fuzz.sh [SECONDS] [TARGET...] - builds the libFuzzer targets (clang, ASan + UBSan) in
# build-fuzz/ and fuzzes each TARGET (default: all) for SECONDS (default 600), one after
# another, starting from its committed corpus (tests/fuzz/corpus/TARGET, read-only) and
# its work corpus (build-fuzz/corpus/TARGET, kept between runs). Prints each target's
# exec count. A crash leaves its input in build-fuzz/crashes/ and fails the run: copy
# the input into tests/fuzz/corpus/TARGET/ once fixed, so every build replays it.
# `fuzz.sh merge TARGET...` minimises the work corpus into the committed one.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$root/build-fuzz
all=(framing json ini toml revision sql mcp lsp skill models mako)

merge=false
if [[ ${1:-} == merge ]]; then merge=true; shift; fi
seconds=600
if [[ ${1:-} =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")

bash "$root/tests/deps.sh"
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DRETORT_FUZZ=ON -DRETORT_TESTS=OFF >/dev/null
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >/dev/null

mkdir -p "$build/crashes"
status=0
for t in "${targets[@]}"; do
  work=$build/corpus/$t
  mkdir -p "$work"
  bin=$build/tests/fuzz/fuzz_$t
  if $merge; then
    "$bin" -merge=1 "$here/corpus/$t" "$work" 2>&1 | tail -n 1
    continue
  fi
  log=$build/fuzz_$t.log
  # -close_fd_mask=3: the targets' stdout/stderr (server logs) are noise here.
  if "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -close_fd_mask=3 \
      -print_final_stats=1 -artifact_prefix="$build/crashes/${t}-" "$work" "$here/corpus/$t" \
      >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  execs=$(grep -m1 '^stat::number_of_executed_units' "$log" | awk '{print $2}')
  cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | grep -o 'cov: [0-9]*' || true)
  echo "fuzz $t: ${seconds}s, ${execs:-?} execs, ${cov:-cov: ?}, corpus $(ls "$work" | wc -l) files: $result"
  [[ $result == ok ]] || grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -n 5
done
exit $status
