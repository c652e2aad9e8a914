#!/bin/sh
# t4030-show-evals: `gpai show` lists a version's evaluation claims with
# their latest run (text and --json, docs/show.md): llama2.c test_all.py's
# greedy text on stories260K (read in place from notes/inference_refs.md)
# is claimed, shown as not verified, verified, then shown as passed.
. "$GPAI_TOP/tests/cli/lib.sh"

S=$GPAI_SHARED/models/stories260K

published_greedy_text >expected.txt

test_expect_success 'a version without claims shows no evals' '
	test -s expected.txt &&
	gpai init >/dev/null &&
	gpai add "$S/stories260K.gguf" --name stories260K --version 1 >/dev/null &&
	gpai show stories260K@1 >out &&
	! grep -q "^  evals" out &&
	gpai --json show stories260K@1 >s.json &&
	test "$(json_get s.json "len(j[\"evals\"])")" = 0
'

test_expect_success 'a claim not yet verified is shown as such' '
	gpai eval claim stories260K@1 --task greedy --steps 200 --expected expected.txt \
		--source "llama2.c test_all.py expected_stdout" >/dev/null &&
	gpai show stories260K@1 >out &&
	grep_q "^  evals$" out &&
	grep_q "^    claim 1 greedy: not verified$" out &&
	grep_q "^      source: llama2.c test_all.py expected_stdout (tester, " out &&
	gpai --json show stories260K@1 >s.json &&
	test "$(json_get s.json "j[\"evals\"][0][\"latest_run\"]")" = None &&
	test "$(json_get s.json "j[\"evals\"][0][\"n_runs\"]")" = 0
'

test_expect_success 'after verify the claim is listed with pass' '
	gpai eval verify stories260K@1 >/dev/null &&
	gpai show stories260K@1 >out &&
	grep_q "^    claim 1 greedy: pass (.* by tester, 1 run)$" out &&
	gpai --json show stories260K@1 >s.json &&
	e="j[\"evals\"][0]" &&
	test "$(json_get s.json "$e[\"claim\"]")" = 1 &&
	test "$(json_get s.json "$e[\"task\"]")" = greedy &&
	test "$(json_get s.json "$e[\"params\"][\"steps\"]")" = 200 &&
	/usr/bin/python3 -c "import json,sys; j=json.load(open(\"s.json\")); sys.exit(j[\"evals\"][0][\"expected\"] != open(\"expected.txt\", encoding=\"utf-8\").read())" &&
	test "$(json_get s.json "$e[\"latest_run\"][\"passed\"]")" = True &&
	test "$(json_get s.json "$e[\"latest_run\"][\"measured\"]")" = 1 &&
	test "$(json_get s.json "$e[\"latest_run\"][\"root_digest\"]")" = \
		"$(json_get s.json "j[\"root_digest\"]")" &&
	test "$(json_get s.json "$e[\"n_runs\"]")" = 1
'

test_expect_success 'a failing later run is what show reports' '
	printf "Once upon a time, nothing" >other.txt &&
	gpai eval claim stories260K@1 --task greedy --steps 20 --expected other.txt \
		--source "a wrong claim" >/dev/null &&
	test_expect_code 1 gpai eval verify stories260K@1 >/dev/null 2>&1 &&
	gpai show stories260K@1 >out &&
	grep_q "^    claim 1 greedy: pass (.* by tester, 2 runs)$" out &&
	grep_q "^    claim 2 greedy: FAIL (" out &&
	gpai --json show stories260K@1 >s.json &&
	test "$(json_get s.json "j[\"evals\"][1][\"latest_run\"][\"passed\"]")" = False
'

test_done
