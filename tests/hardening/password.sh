# password.sh - sourced: password_of KEY prints the password KEY of
# tests/hardening/passwords.txt (the list scan_passwords.py looks for in the suite's
# output); fails when there is none.
password_of() {
  local list
  list="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/passwords.txt"
  awk -v k="$1" '$1 == k { sub(/^[^ ]+ +/, ""); print; found = 1; exit } END { exit !found }' "$list"
}
