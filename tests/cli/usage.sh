#!/usr/bin/env bash
# The command line's contract: help exits 0, usage errors print one line and exit 2.
set -u
nilm="$1"
fails=0
check() {  # check NAME EXPECTED_CODE CMD...
  local name=$1 want=$2; shift 2
  out=$("$@" 2>&1); got=$?
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit $got, want $want; output: $out"; fails=$((fails + 1))
  fi
}
check "help" 0 "$nilm" --help
check "no subcommand" 2 "$nilm"
check "unknown subcommand" 2 "$nilm" frobnicate
check "unknown option" 2 "$nilm" info --no-such-option
# Every subcommand documents itself.
for sub in $("$nilm" --help | awk '/^Subcommands:/{s=1;next} s&&NF{print $1}'); do
  check "$sub --help" 0 "$nilm" "$sub" --help
done
# A usage error is exactly one line.
lines=$("$nilm" info --no-such-option 2>&1 | wc -l)
[ "$lines" = 1 ] || { echo "FAIL usage error printed $lines lines"; fails=$((fails + 1)); }
[ "$fails" = 0 ] && echo "cli usage: all checks passed"
exit "$fails"
