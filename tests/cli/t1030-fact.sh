#!/bin/sh
# t1030-fact: gpai fact set/show/history: vocabulary and type checks,
# sources, append-only history with who and when.
. "$GPAI_TOP/tests/cli/lib.sh"
SQ="'"
FILE=$GPAI_SHARED/reference/signing/sample-models/file_model

test_expect_success 'setup' '
	gpai init >/dev/null && gpai add "$FILE" --name m >/dev/null
'

test_expect_success 'set then show prints the value and its source' '
	GPAI_NOW=2026-01-02T03:04:05Z gpai fact set m@1 training.tokens 15.6e12 \
		--source "arXiv:2407.21783, section 3.1" >out &&
	grep_q "^m@1: training.tokens recorded$" out &&
	gpai fact show m@1 training.tokens >out &&
	grep_q "^training.tokens = 15.6e12$" out &&
	grep_q "source: arXiv:2407.21783, section 3.1 (tester, 2026-01-02T03:04:05Z)" out
'

test_expect_success 'setting again appends; show is the newest, history has both' '
	GPAI_NOW=2026-02-01T00:00:00Z GPAI_USER=alice gpai fact set m@1 training.tokens 2e12 --source "erratum" &&
	gpai --quiet fact show m@1 training.tokens >out &&
	test "$(cat out)" = 2e12 &&
	gpai --json fact history m@1 training.tokens >h.json &&
	test "$(json_get h.json "[(f[\"value\"], f[\"recorded_by\"], f[\"recorded_at\"]) for f in j]")" = \
		"[(${SQ}15.6e12${SQ}, ${SQ}tester${SQ}, ${SQ}2026-01-02T03:04:05Z${SQ}), (${SQ}2e12${SQ}, ${SQ}alice${SQ}, ${SQ}2026-02-01T00:00:00Z${SQ})]" &&
	test "$(sqlite3 .gpai/catalogue.db "SELECT COUNT(*) FROM facts WHERE field=${SQ}training.tokens${SQ}")" = 2
'

test_expect_success 'values are normalised by type (int digits, list without spaces, json compact)' '
	gpai fact set m@1 model.parameters 2.6e5 --source computed: &&
	gpai fact set m@1 data.provenance "synthetic, web-crawl" --source "model card" &&
	gpai fact set m@1 training.stages "[ {\"name\": \"pre\", \"tokens\": 1e9} ]" --source doc &&
	gpai --json fact show m@1 >s.json &&
	test "$(json_get s.json "{f[\"field\"]: f[\"value\"] for f in j}[\"model.parameters\"]")" = 260000 &&
	test "$(json_get s.json "{f[\"field\"]: f[\"value\"] for f in j}[\"data.provenance\"]")" = "synthetic,web-crawl" &&
	test "$(json_get s.json "{f[\"field\"]: f[\"value\"] for f in j}[\"training.stages\"]")" = "[{\"name\":\"pre\",\"tokens\":1000000000}]"
'

test_expect_success 'accepted: dates of three precisions, fraction, url, enum, x. field' '
	gpai fact set m@1 release.date 2024-07-23 --source s &&
	gpai fact set m@1 data.cutoff 2023-12 --source s &&
	gpai fact set m@1 training.time.start 2024 --source s &&
	gpai fact set m@1 training.utilization 0.38 --source s &&
	gpai fact set m@1 license.url https://example.org/license --source s &&
	gpai fact set m@1 training.precision bf16 --source s &&
	gpai fact set m@1 x.internal_ticket "GOV-12" --source s
'

test_expect_success 'an unknown field is refused, naming it' '
	test_expect_code 1 gpai fact set m@1 training.tokenz 1 --source s 2>err &&
	grep_q "gpai: cannot set fact on .m@1.: unknown field .training.tokenz." err
'

test_expect_success 'bad values are refused with the expected type' '
	test_expect_code 1 gpai fact set m@1 model.parameters 12.5 --source s 2>err &&
	grep_q "field .model.parameters.: invalid value .12.5. (want a non-negative integer" err &&
	test_expect_code 1 gpai fact set m@1 model.parameters -3 --source s 2>err &&
	grep_q "invalid value .-3." err &&
	test_expect_code 1 gpai fact set m@1 training.tokens lots --source s 2>err &&
	grep_q "field .training.tokens.: invalid value .lots. (want a finite decimal number" err &&
	test_expect_code 1 gpai fact set m@1 training.tokens inf --source s 2>err &&
	test_expect_code 1 gpai fact set m@1 training.utilization 1.5 --source s 2>err &&
	grep_q "want a number between 0 and 1" err &&
	test_expect_code 1 gpai fact set m@1 release.date 2024-02-30 --source s 2>err &&
	grep_q "want a date YYYY-MM-DD" err &&
	test_expect_code 1 gpai fact set m@1 release.date 2023-02-29 --source s 2>err &&
	test_expect_code 1 gpai fact set m@1 license.url ftp://x --source s 2>err &&
	grep_q "want an http:// or https:// URL" err &&
	test_expect_code 1 gpai fact set m@1 training.precision fp64 --source s 2>err &&
	grep_q "want one of fp32|tf32|bf16|fp16|fp8" err &&
	test_expect_code 1 gpai fact set m@1 data.provenance "web-crawl,,x" --source s 2>err &&
	grep_q "want comma-separated words from" err &&
	test_expect_code 1 gpai fact set m@1 training.stages "{bad" --source s 2>err &&
	grep_q "want a JSON value" err &&
	test_expect_code 1 gpai fact set m@1 contact "$(printf "a\nb")" --source s 2>err &&
	grep_q "want one non-empty line" err
'

test_expect_success 'a missing or empty source is refused' '
	test_expect_code 2 gpai fact set m@1 training.epochs 1 2>err &&
	grep_q "needs --source" err &&
	test_expect_code 1 gpai fact set m@1 training.epochs 1 --source "  " 2>err &&
	grep_q "field .training.epochs.: a source is required" err
'

test_expect_success 'unknown NAME@VER is refused' '
	test_expect_code 1 gpai fact set nosuch@1 training.epochs 1 --source s 2>err &&
	grep_q "no model .nosuch. in the registry" err &&
	test_expect_code 1 gpai fact show m@7 2>err &&
	grep_q "no version or alias .7. of model .m." err
'

test_expect_success 'show of an unrecorded or unknown field fails naming it' '
	test_expect_code 1 gpai fact show m@1 training.epochs 2>err &&
	grep_q "no fact .training.epochs. recorded" err &&
	test_expect_code 1 gpai fact show m@1 nonsense 2>err &&
	grep_q "unknown field .nonsense." err
'

test_expect_success 'refused facts left no rows' '
	test "$(sqlite3 .gpai/catalogue.db "SELECT COUNT(*) FROM facts WHERE field IN (${SQ}training.epochs${SQ}, ${SQ}training.tokenz${SQ}, ${SQ}contact${SQ})")" = 0
'

test_expect_success 'usage errors' '
	test_expect_code 2 gpai fact 2>err && grep_q "missing set, show or history" err &&
	test_expect_code 2 gpai fact frob 2>err && grep_q "unknown subcommand .frob." err &&
	test_expect_code 2 gpai fact set m@1 x 2>err && grep_q "needs NAME@VER FIELD VALUE" err
'

test_expect_success 'a fact on a --no-files version works like any other' '
	gpai add --no-files --name api-only --access api >/dev/null &&
	gpai fact set api-only@1 training.flop 3.8e25 --source "https://epoch.ai" &&
	gpai fact show api-only@1 >out && grep_q "^training.flop = 3.8e25$" out
'

test_done
