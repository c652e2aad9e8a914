# lib.sh - shared helpers for the CLI tests (git's t/test-lib.sh, small).
#
# A test script sources this file, then runs steps:
#
#   test_expect_success 'what it checks' '
#           gpai init && gpai list
#   '
#
# Each script runs in a fresh temp directory ($TRASH) with a registry at
# $TRASH/.gpai; each step prints "ok - tNNNN: what" or "not ok - ...".
# $GPAI is the binary under test, $GPAI_SHARED the shared reference folder.
set -u
test_name=$(basename "$0" .sh)
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/gpai-cli-XXXXXX")
trap 'rm -rf "$TRASH"' EXIT
cd "$TRASH" || exit 1
test_failures=0
GPAI=${GPAI:-gpai}

gpai() { "$GPAI" "$@"; }
fixture() { "$GPAI_FIXTURE" "$@"; }

# have_shared REL: the shared reference folder has that file.
have_shared() { [ -e "$GPAI_SHARED/$1" ]; }

test_expect_success() {
	desc=$1
	body=$2
	if (set -e; eval "$body") >"$TRASH/.out" 2>&1; then
		echo "ok - $test_name: $desc"
	else
		echo "not ok - $test_name: $desc"
		sed 's/^/#   /' "$TRASH/.out" | tail -n 30
		test_failures=$((test_failures + 1))
	fi
}

# test_expect_code CODE CMD...: CMD exits with CODE.
test_expect_code() {
	want=$1
	shift
	set +e
	"$@"
	got=$?
	set -e
	if [ "$got" -ne "$want" ]; then
		echo "want exit $want, got $got: $*" >&2
		return 1
	fi
}

# grep_q PATTERN FILE: like grep -q, and shows the file on failure.
grep_q() {
	if ! grep -q -e "$1" "$2"; then
		echo "no match for '$1' in $2:" >&2
		cat "$2" >&2
		return 1
	fi
}

# json_get FILE EXPR: evaluate a Python expression over the JSON in FILE
# (bound to j) with Debian's python3; prints the result.
json_get() {
	/usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# published_greedy_text: llama2.c test_all.py's expected_stdout for
# stories260K (greedy, 200 steps), read in place from
# $GPAI_SHARED/notes/inference_refs.md, on stdout without a final newline.
published_greedy_text() {
	/usr/bin/python3 -c '
import ast, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("b\x27Once"):
        sys.stdout.buffer.write(ast.literal_eval(line.strip()))
        break
' "$GPAI_SHARED/notes/inference_refs.md"
}

test_done() {
	exit 0
}
