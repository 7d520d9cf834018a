#!/usr/bin/env bash
# noshell.sh - no child process of retort is ever started through a shell: the server
# and protocol sources call neither system() nor popen(), and name no shell binary.
# Child processes are started with an argv (fork + execv, posix_spawn).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
# Comments are allowed to talk about shells; code is not.
hits=$(grep -rnE '\b(system|popen|execl|execlp|execle)[[:space:]]*\(|"/bin/(ba|da)?sh"|"(ba|da)?sh"[[:space:]]*,[[:space:]]*"-c"' \
  server protocol --include='*.c' --include='*.h' | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(//|\*|/\*)' || true)
if [[ -n $hits ]]; then
  echo "FAIL a shell (or a shell-style call) in retort's sources:"
  echo "$hits"
  exit 1
fi
echo "no shell: no system(), popen(), exec*l*() or shell binary in server/ and protocol/"
