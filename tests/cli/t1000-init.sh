#!/bin/sh
# t1000-init: gpai init creates the catalogue and blob store; other commands
# name a missing registry.
. "$GPAI_TOP/tests/cli/lib.sh"
SQ="'"

test_expect_success 'init creates catalogue, objects and tmp' '
	gpai init >out &&
	grep_q "created registry .\.gpai." out &&
	test -f .gpai/catalogue.db && test -d .gpai/objects/sha256 && test -d .gpai/tmp
'

test_expect_success 'the catalogue is WAL with the schema version set' '
	test "$(sqlite3 .gpai/catalogue.db "PRAGMA journal_mode")" = wal &&
	test "$(sqlite3 .gpai/catalogue.db "PRAGMA user_version")" = 4
'

test_expect_success 'init twice fails and names the registry' '
	test_expect_code 1 gpai init 2>err &&
	grep_q "gpai: cannot create registry .\.gpai.: .\.gpai. is already a registry" err
'

test_expect_success '--registry and $GPAI_REGISTRY choose the directory' '
	gpai --registry other init >/dev/null && test -f other/catalogue.db &&
	GPAI_REGISTRY=third gpai init >/dev/null && test -f third/catalogue.db
'

test_expect_success 'init --json reports the directory and schema version' '
	gpai --json --registry j init >out &&
	test "$(json_get out "j[\"registry\"], j[\"schema_version\"]")" = "(${SQ}j${SQ}, 4)"
'

test_expect_success 'a command on a missing registry says to run init' '
	test_expect_code 1 gpai --registry nowhere list 2>err &&
	grep_q "gpai: cannot open registry: .nowhere. is not a gpai registry (run .gpai init.)" err
'

test_expect_success 'a newer schema version is refused, not downgraded' '
	gpai --registry newer init >/dev/null &&
	sqlite3 newer/catalogue.db "PRAGMA user_version = 99" &&
	test_expect_code 1 gpai --registry newer list 2>err &&
	grep_q "schema version 99, newer than this gpai supports (4)" err
'

test_expect_success 'init with an extra argument is a usage error' '
	test_expect_code 2 gpai init extra 2>err &&
	grep_q "unexpected argument .extra." err
'

test_done
