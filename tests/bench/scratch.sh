#!/usr/bin/env bash
# scratch.sh [--smoke] [RETORT_BIN|BUILD_DIR] [RUNS] - times the scratch cluster's first
# start (initdb, or a copy of the template), restart and joining a running cluster
# (tests/bench/scratch.c, built here against the build directory's libraries: the one
# holding RETORT_BIN, default build/). --smoke: one run of each. Never fails on time,
# only when the cluster cannot be started.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
runs=5
if [[ ${1:-} == --smoke ]]; then
  runs=1
  shift
fi
build=${1:-$src/build}
[[ -f $build ]] && build=$(dirname "$build")  # the retort binary: its build directory
runs=${2:-$runs}
for lib in retort_db retort_core retort_base; do
  [[ -f $build/lib$lib.a ]] || { echo "scratch.sh: $build/lib$lib.a is missing: build first" >&2; exit 2; }
done
bin=$(mktemp /tmp/retort-scratch-bench-bin.XXXXXX)
trap 'rm -f "$bin"' EXIT
cc -std=c11 -D_GNU_SOURCE -O2 -I"$src" -I"$(pg_config --includedir)" "$here/scratch.c" \
  "$build/libretort_db.a" "$build/libretort_core.a" "$build/libretort_base.a" \
  -lpq -lpthread -o "$bin"
echo "scratch cluster ($(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1), load $(cut -d' ' -f1-3 /proc/loadavg))"
"$bin" "$runs"
# For reference: initdb alone, which is most of a first start without the template.
pgbin=${RETORT_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)}
ref=$(mktemp -d /tmp/retort-scratch-bench-ref.XXXXXX)
chmod 755 "$ref"
as=()
if ((EUID == 0)); then chown postgres: "$ref"; as=(runuser -u postgres --); fi
t0=$(date +%s%N)
"${as[@]}" "$pgbin/initdb" --no-sync -A trust -U postgres -E UTF8 --locale=C -D "$ref/data" >/dev/null
t1=$(date +%s%N)
rm -rf "$ref"
printf '%-44s %7.1f ms\n' "initdb alone (reference)" "$(( (t1 - t0) / 100000 ))e-1"
