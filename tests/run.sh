#!/bin/sh
# run.sh - runs every unit-test binary and every CLI test script, prints
# their ok/not ok lines, and ends with one "N passed, N failed" line.
#
#   BUILD=build sh tests/run.sh [PATTERN]
#
# PATTERN (a shell glob on the file name) narrows the run.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
pattern=${1:-*}
: "${GPAI_SHARED:=$top/../shared}"
GPAI_SHARED=$(cd "$GPAI_SHARED" 2>/dev/null && pwd || echo "$GPAI_SHARED")
export GPAI_SHARED BUILD
export GPAI="$BUILD/gpai" GPAI_FIXTURE="$BUILD/tests/gpai-fixture" GPAI_TOP="$top"
export GPAI_USER=tester LC_ALL=C
unset GPAI_REGISTRY

log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$BUILD"/tests/unit/test_*; do
	[ -x "$t" ] || continue
	case ${t##*/} in $pattern) ;; *) continue ;; esac
	"$t" >>"$log" 2>&1 || echo "not ok - ${t##*/} exited with status $?" >>"$log"
done
for t in "$top"/tests/cli/t[0-9]*.sh; do
	[ -f "$t" ] || continue
	case ${t##*/} in $pattern) ;; *) continue ;; esac
	(cd "$top" && sh "$t") >>"$log" 2>&1 ||
		echo "not ok - ${t##*/} exited with status $?" >>"$log"
done
cat "$log"
pass=$(grep -c '^ok ' "$log")
fail=$(grep -c '^not ok ' "$log")
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
