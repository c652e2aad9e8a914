#!/bin/sh
# t1040-alias-log: aliases resolve wherever a version is taken; every move
# is an append-only event with who, when, from and to.
. "$GPAI_TOP/tests/cli/lib.sh"
SQ="'"
SAMPLE=$GPAI_SHARED/reference/signing/sample-models/sample_model
FILE=$GPAI_SHARED/reference/signing/sample-models/file_model

test_expect_success 'setup: two versions' '
	gpai init >/dev/null &&
	GPAI_NOW=2026-01-01T00:00:00Z gpai add "$SAMPLE" --name m >/dev/null &&
	GPAI_NOW=2026-01-01T00:00:01Z gpai add "$FILE" --name m >/dev/null
'

test_expect_success 'alias points at a version; NAME@ALIAS resolves in show, fact, export' '
	GPAI_NOW=2026-01-02T00:00:00Z GPAI_USER=alice gpai alias m@1 production >out &&
	grep_q "^production -> m@1$" out &&
	gpai --json show m@production >s.json &&
	test "$(json_get s.json "j[\"version\"], j[\"aliases\"]")" = "(${SQ}1${SQ}, [${SQ}production${SQ}])" &&
	gpai fact set m@production training.epochs 1 --source s >/dev/null &&
	gpai --quiet fact show m@1 training.epochs >out && test "$(cat out)" = 1 &&
	gpai export m@production exp >/dev/null && test -f exp/d0/f00
'

test_expect_success 'moving an alias is logged with from and to' '
	GPAI_NOW=2026-01-03T00:00:00Z GPAI_USER=bob gpai alias m@2 production >/dev/null &&
	gpai --json show m@production >s.json &&
	test "$(json_get s.json "j[\"version\"]")" = 2 &&
	gpai --json log m >log.json &&
	test "$(json_get log.json "[(e[\"event\"], e[\"alias\"], e[\"from\"], e[\"to\"], e[\"who\"], e[\"at\"]) for e in j]")" = \
		"[(${SQ}add${SQ}, None, None, ${SQ}1${SQ}, ${SQ}tester${SQ}, ${SQ}2026-01-01T00:00:00Z${SQ}), (${SQ}add${SQ}, None, None, ${SQ}2${SQ}, ${SQ}tester${SQ}, ${SQ}2026-01-01T00:00:01Z${SQ}), (${SQ}alias${SQ}, ${SQ}production${SQ}, None, ${SQ}1${SQ}, ${SQ}alice${SQ}, ${SQ}2026-01-02T00:00:00Z${SQ}), (${SQ}alias${SQ}, ${SQ}production${SQ}, ${SQ}1${SQ}, ${SQ}2${SQ}, ${SQ}bob${SQ}, ${SQ}2026-01-03T00:00:00Z${SQ})]"
'

test_expect_success 'log text shows when, who, event, alias and from -> to' '
	gpai log m >out &&
	grep_q "^2026-01-03T00:00:00Z  bob  *alias  production: 1 -> 2$" out &&
	grep_q "^2026-01-01T00:00:00Z  tester  *add  *- -> 1$" out
'

test_expect_success 'setting an alias to where it already points logs nothing' '
	gpai alias m@2 production >/dev/null &&
	test "$(gpai --json log m | json_get /dev/stdin "len(j)")" = 4
'

test_expect_success 'the event table is append-only in use: rm logs, never deletes events' '
	gpai add "$FILE" --name m --version 3 >/dev/null &&
	gpai alias m@3 staging >/dev/null &&
	gpai rm m@3 >/dev/null &&
	gpai --json log m >log.json &&
	test "$(json_get log.json "[(e[\"event\"], e[\"alias\"], e[\"from\"], e[\"to\"]) for e in j][-3:]")" = \
		"[(${SQ}alias${SQ}, ${SQ}staging${SQ}, None, ${SQ}3${SQ}), (${SQ}alias${SQ}, ${SQ}staging${SQ}, ${SQ}3${SQ}, None), (${SQ}rm${SQ}, None, ${SQ}3${SQ}, None)]" &&
	test_expect_code 1 gpai show m@staging 2>err
'

test_expect_success 'an alias cannot shadow a version; bad alias names are refused' '
	test_expect_code 1 gpai alias m@1 2 2>err &&
	grep_q "invalid alias .2." err &&
	gpai add "$FILE" --name m --version beta >/dev/null &&
	test_expect_code 1 gpai alias m@1 beta 2>err &&
	grep_q "alias .beta. would hide version .m@beta." err &&
	test_expect_code 1 gpai alias m@1 "a b" 2>err &&
	grep_q "invalid alias .a b." err
'

test_expect_success 'a version cannot be added under an alias name' '
	test_expect_code 1 gpai add "$FILE" --name m --version production 2>err &&
	grep_q ".m@production. already exists (as alias)" err
'

test_expect_success 'unknown model or version is refused; log of an unknown model too' '
	test_expect_code 1 gpai alias nosuch@1 prod 2>err &&
	grep_q "gpai: cannot set alias .prod.: no model .nosuch. in the registry" err &&
	test_expect_code 1 gpai alias m@9 prod 2>err &&
	grep_q "no version or alias .9. of model .m." err &&
	test_expect_code 1 gpai log nosuch 2>err &&
	grep_q "gpai: cannot read the log of .nosuch.: no model .nosuch. in the registry" err
'

test_expect_success 'usage errors' '
	test_expect_code 2 gpai alias m@1 2>err && grep_q "needs NAME@VER ALIAS" err &&
	test_expect_code 2 gpai log 2>err && grep_q "missing NAME" err &&
	test_expect_code 2 gpai log m extra 2>err && grep_q "unexpected argument" err
'

test_done
