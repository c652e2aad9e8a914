#!/bin/sh
# t1091-progress: add and fsck draw progress on stderr only when it is a
# terminal (script(1) provides one), and never with --quiet or --json.
. "$GPAI_TOP/tests/cli/lib.sh"
SAMPLE=$GPAI_SHARED/reference/signing/sample-models/sample_model

test_expect_success 'setup' '
	gpai init >/dev/null
'

test_expect_success 'not a terminal: no progress at all' '
	gpai add "$SAMPLE" --name a >out 2>err &&
	test ! -s err &&
	gpai fsck >out 2>err && test ! -s err
'

test_expect_success 'a terminal: add and fsck draw progress to 100% and clear it' '
	script -qec "$GPAI add $SAMPLE --name b" /dev/null >tty.out &&
	grep_q "adding: 100% (234 B of 234 B)" tty.out &&
	grep_q "added b@1: 10 files" tty.out &&
	script -qec "$GPAI fsck" /dev/null >tty.out &&
	grep_q "checking: 100% (234 B of 234 B)" tty.out
'

test_expect_success 'a terminal with --quiet or --json: no progress' '
	script -qec "$GPAI --quiet add $SAMPLE --name c" /dev/null >tty.out &&
	! grep -q "adding:" tty.out &&
	script -qec "$GPAI --json fsck" /dev/null >tty.out &&
	! grep -q "checking:" tty.out
'

test_done
