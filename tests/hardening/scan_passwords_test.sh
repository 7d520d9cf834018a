#!/usr/bin/env bash
# scan_passwords_test.sh - the password scan tests/run.sh runs over the whole suite's
# output can fail: a planted password (percent-encoded, cut short, in a big file's last
# block) is found and named by its key without being printed; a clean log passes; no
# input fails. And the list is alive: every key of passwords.txt is read by a suite
# (password_of KEY) or its password is a literal of the unit tests.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
scan=("/usr/bin/python3" "$here/scan_passwords.py")
work=$(mktemp -d /tmp/retort-scan.XXXXXX)
trap 'rm -rf "$work"' EXIT
# shellcheck source=password.sh
source "$here/password.sh"
fails=0
no() { echo "FAIL $*"; fails=$((fails + 1)); }

pw=$(password_of secrets.good)
enc=$(/usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$pw")
mkdir "$work/clean" "$work/dirty" "$work/empty"
printf 'status: postgresql://canary:***@/canarydb ok\nsecrets: 71 runs, no password\n' >"$work/clean/log"
"${scan[@]}" "$work/clean" >"$work/out" 2>&1 || no "a clean log fails: $(cat "$work/out")"

check_dirty() { # NAME CONTENT: CONTENT in a 20 MB file's last block must be found
  local name=$1 content=$2 rc=0
  rm -f "$work/dirty/"*
  head -c $((20 << 20)) /dev/zero | tr '\0' 'x' >"$work/dirty/big.log"
  printf '\nline\n%s\n' "$content" >>"$work/dirty/big.log"
  "${scan[@]}" "$work/clean" "$work/dirty" >"$work/out" 2>&1 || rc=$?
  if ((rc != 1)); then
    no "$name: exit $rc, want 1"
  elif ! grep -q "big.log:3: the password secrets.good appears" "$work/out"; then
    no "$name: the hit is not named by file, line and key: $(head -c 400 "$work/out")"
  elif grep -qF -e "$pw" -e "$enc" -e "${pw%%@*}" "$work/out"; then
    no "$name: the scan printed the password it found"
  else
    echo "ok $name"
  fi
}
check_dirty "as written" "url postgresql://canary:$pw@/db"
check_dirty "percent-encoded" "DATABASE_URL=postgresql://canary:$enc@/db"
check_dirty "cut at the @" "password authentication failed for ${pw%%@*}"

rc=0
"${scan[@]}" "$work/empty" >"$work/out" 2>&1 || rc=$?
((rc == 2)) || no "nothing to scan: exit $rc, want 2"

# Every key is used: read by a suite, or a literal of the unit tests.
while read -r key value; do
  [[ -z $key || $key == \#* ]] && continue
  if grep -rqE --include='*.sh' --include='*.py' --include='*.mjs' "password_of[ (\"']+${key//./\\.}" "$root/tests"; then
    continue
  fi
  grep -rqF -- "$value" "$root/tests/unit" || no "passwords.txt: $key is used by no suite (stale?)"
done <"$here/passwords.txt"

echo "password scan self-test: $fails failures"
((fails == 0))
