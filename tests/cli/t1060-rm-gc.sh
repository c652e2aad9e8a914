#!/bin/sh
# t1060-rm-gc: gpai rm removes a version in one step (blobs stay); gpai gc
# drops exactly the blobs no version references, and leftover tmp files.
. "$GPAI_TOP/tests/cli/lib.sh"
SQ="'"
SAMPLE=$GPAI_SHARED/reference/signing/sample-models/sample_model
FILE=$GPAI_SHARED/reference/signing/sample-models/file_model

nblobs() { find .gpai/objects -type f | wc -l; }

test_expect_success 'setup: two models sharing no blobs, one sharing all' '
	gpai init >/dev/null &&
	gpai add "$SAMPLE" --name a >/dev/null &&
	gpai add "$SAMPLE" --name b >/dev/null &&
	gpai add "$FILE" --name c >/dev/null &&
	gpai fact set a@1 training.epochs 2 --source s >/dev/null &&
	gpai alias a@1 prod >/dev/null &&
	test "$(nblobs)" -eq 11
'

test_expect_success 'rm removes the version, its facts and aliases; blobs stay' '
	gpai rm a@prod >out &&
	grep_q "^removed a@prod (run .gpai gc. to free unreferenced blobs)$" out &&
	test_expect_code 1 gpai show a@1 2>err &&
	test "$(sqlite3 .gpai/catalogue.db "SELECT COUNT(*) FROM facts f LEFT JOIN versions v ON v.id = f.version_id WHERE v.id IS NULL")" = 0 &&
	test "$(sqlite3 .gpai/catalogue.db "SELECT COUNT(*) FROM aliases")" = 0 &&
	test "$(nblobs)" -eq 11
'

test_expect_success 'gc keeps blobs another version still references' '
	gpai --json gc >g.json &&
	test "$(json_get g.json "j[\"blobs_removed\"], j[\"blobs_kept\"]")" = "(0, 11)"
'

test_expect_success 'gc drops the blobs of a removed version' '
	gpai rm b@1 >/dev/null &&
	gpai gc >out &&
	grep_q "^removed 10 blobs (234 B), kept 1; 0 temporary files removed$" out &&
	test "$(nblobs)" -eq 1 &&
	gpai fsck >/dev/null
'

test_expect_success 'gc removes leftover temporary files' '
	echo partial >.gpai/tmp/12345-0.blob &&
	gpai --json gc >g.json &&
	test "$(json_get g.json "j[\"tmp_removed\"]")" = 1 &&
	test -z "$(ls .gpai/tmp)"
'

test_expect_success 'any write (here fact set) cleans leftover tmp files' '
	echo partial >.gpai/tmp/999-1.blob &&
	gpai fact set c@1 training.epochs 1 --source s >/dev/null &&
	test -z "$(ls .gpai/tmp)"
'

test_expect_success 'rm of a base that another version names is refused' '
	gpai add "$FILE" --name d --base c@1 --relation quantized >/dev/null &&
	test_expect_code 1 gpai rm c@1 2>err &&
	grep_q "gpai: cannot remove .c@1.: .c@1. is the base of .d@1.; remove that first" err &&
	gpai rm d@1 >/dev/null && gpai rm c@1 >/dev/null
'

test_expect_success 'rm of an unknown version fails naming it; usage errors' '
	test_expect_code 1 gpai rm c@1 2>err &&
	grep_q "no version or alias .1. of model .c." err &&
	test_expect_code 2 gpai rm 2>err && grep_q "missing NAME@VER" err &&
	test_expect_code 2 gpai gc now 2>err && grep_q "unexpected argument .now." err
'

test_expect_success 'rm of a --no-files version works' '
	gpai add --no-files --name api --access api >/dev/null &&
	gpai rm api@1 >/dev/null &&
	test -z "$(gpai --quiet list)"
'

test_done
