#!/usr/bin/env bash
# run.sh RETORT_BIN BUILD_DIR - hardening checks on the real binary:
#  - the bad-input catalogue: every malformed message answered correctly, the same
#    process alive after each one;
#  - create_migration end to end: nothing written outside the versions directory
#    whatever the message, rev_id or file_template say, symlinked versions directories;
#  - an MCP and an LSP session under valgrind memcheck (skipped for a sanitizer build);
#  - secrets: no password in any output, log or error (a real cluster, every way a URL
#    reaches retort, right and wrong passwords); the scan tests/run.sh runs over the
#    whole suite's output, tested on planted passwords;
#  - a long session: 100,000 requests on one connection with peak RSS flat (10,000 for a
#    sanitizer build, which is several times slower and has its own leak checker).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
retort=$1
requests=100000
grep -q __asan_init "$retort" && requests=10000
status=0
/usr/bin/python3 -u "$here/badinput.py" "$retort" || status=1
/usr/bin/python3 -u "$here/newrev_paths.py" "$retort" || status=1
/usr/bin/python3 -u "$here/valgrind.py" "$retort" || status=1
bash "$here/secrets.sh" "$retort" || status=1
bash "$here/scan_passwords_test.sh" || status=1
bash "$here/noshell.sh" || status=1
/usr/bin/python3 -u "$here/longsession.py" "$retort" "$requests" || status=1
exit $status
