#!/bin/sh
# t0000-basic: the command-line frame: help, --help, --version, exit codes.
. "$GPAI_TOP/tests/cli/lib.sh"

test_expect_success '--version prints the version' '
	gpai --version >out &&
	grep_q "^gpai [0-9][0-9.]*$" out
'

test_expect_success 'help lists every command in the table' '
	gpai help >out &&
	grep_q "^Commands:" out &&
	grep_q "^  help " out
'

test_expect_success 'help COMMAND and COMMAND --help print the same usage' '
	gpai help help >a &&
	gpai help --help >b &&
	cmp a b &&
	grep_q "^usage: gpai help" a
'

test_expect_success 'no command is a usage error (exit 2)' '
	test_expect_code 2 gpai 2>err &&
	grep_q "^usage: gpai" err
'

test_expect_success 'an unknown command is a usage error naming it' '
	test_expect_code 2 gpai frobnicate 2>err &&
	grep_q "gpai: .frobnicate. is not a gpai command" err
'

test_expect_success '--registry without a directory is a usage error' '
	test_expect_code 2 gpai help --registry 2>err &&
	grep_q "needs a directory" err
'

test_expect_success 'help for an unknown command is a usage error' '
	test_expect_code 2 gpai help nosuch 2>err &&
	grep_q "unknown command .nosuch." err
'

test_done
