#!/bin/sh
# t4010-eval-run: `gpai eval run` on stories260K: perplexity of llama2.c's
# expected greedy text equals the derived teacher-forced NLL (read in place
# from notes/inference_refs.md), greedy match against that text, both model
# files, and bad input.
. "$GPAI_TOP/tests/cli/lib.sh"

S=$GPAI_SHARED/models/stories260K
REFS=$GPAI_SHARED/notes/inference_refs.md

published_greedy_text >expected.txt
want=$(sed -n 's/.*Teacher-forced mean NLL of those 200 targets: \([0-9.]*\) nats.*/\1/p' "$REFS")

close() { /usr/bin/python3 -c 'import sys; sys.exit(abs(float(sys.argv[1]) - float(sys.argv[2])) > float(sys.argv[3]))' "$@"; }

test_expect_success 'the reference values were found' '
	test -s expected.txt && test -n "$want"
'

test_expect_success 'perplexity of the greedy text is the derived NLL (.bin and .gguf)' '
	gpai --json eval run "$S/stories260K.bin" --tokenizer "$S/tok512.bin" --task perplexity \
		--data expected.txt >a.json &&
	close "$(json_get a.json "j[\"mean_nll\"]")" "$want" 1e-5 &&
	test "$(json_get a.json "j[\"n_scored\"]")" = 200 &&
	test "$(json_get a.json "j[\"n_positions\"]")" = 200 &&
	/usr/bin/python3 -c "import sys; sys.exit(not float(sys.argv[1]) > 0)" \
		"$(json_get a.json "j[\"positions_per_second\"]")" &&
	gpai --json eval run "$S/stories260K.gguf" --task perplexity --data expected.txt >b.json &&
	close "$(json_get b.json "j[\"mean_nll\"]")" "$want" 1e-5 &&
	close "$(json_get b.json "j[\"perplexity\"]")" "$(/usr/bin/python3 -c "import math; print(math.exp($want))")" 1e-4
'

test_expect_success 'shorter windows score the same 200 tokens with less context' '
	gpai --json eval run "$S/stories260K.bin" --tokenizer "$S/tok512.bin" --task perplexity \
		--data expected.txt --window 64 >w.json &&
	test "$(json_get w.json "j[\"n_scored\"]")" = 200 &&
	/usr/bin/python3 -c "import sys; sys.exit(not float(sys.argv[1]) > float(sys.argv[2]))" \
		"$(json_get w.json "j[\"mean_nll\"]")" "$want" &&
	gpai --json eval run "$S/stories260K.bin" --tokenizer "$S/tok512.bin" --task perplexity \
		--data expected.txt --window 64 --stride 63 >s.json &&
	test "$(json_get s.json "j[\"mean_nll\"]")" = "$(json_get w.json "j[\"mean_nll\"]")"
'

test_expect_success 'greedy 200 steps matches the published text' '
	gpai eval run "$S/stories260K.gguf" --task greedy --steps 200 --expected expected.txt >out 2>err &&
	grep_q "^matches expected: yes$" out &&
	grep_q "^inference FLOP: " err &&
	gpai eval run "$S/stories260K.gguf" --task greedy --steps 199 --expected expected.txt >out2 2>/dev/null &&
	grep_q "^matches expected: no$" out2
'

test_expect_success 'the FLOP of a run is counted per position' '
	gpai --json eval run "$S/stories260K.bin" --tokenizer "$S/tok512.bin" --task greedy --steps 10 >f.json &&
	/usr/bin/python3 -c "
import json, sys
j = json.load(open(\"f.json\"))
# 10 forwards at positions 0..9: 10 * per_token + 4 * 5 layers * 64 dim * (0 + ... + 9)
want = 10 * j[\"flop_per_token\"] + 4 * 5 * 64 * 45
sys.exit(abs(j[\"flop\"] - want) > 0.5)
"
'

test_expect_success 'bad input' '
	test_expect_code 2 gpai eval run "$S/stories260K.gguf" 2>err && grep_q "needs --task" err &&
	test_expect_code 2 gpai eval run "$S/stories260K.gguf" --task bogus 2>err && grep_q "unknown task" err &&
	test_expect_code 2 gpai eval run "$S/stories260K.gguf" --task perplexity 2>err && grep_q "needs --data" err &&
	test_expect_code 1 gpai eval run "$S/stories260K.gguf" --task perplexity --data nosuch 2>err &&
	grep_q "cannot read the data file" err &&
	test_expect_code 1 gpai eval run "$S/stories260K.bin" --tokenizer "$S/tok512.bin" --task perplexity \
		--data expected.txt --window 1000 2>err &&
	grep_q "window 1000 is longer than the context of 512" err &&
	test_expect_code 2 gpai eval frob 2>err && grep_q "unknown subcommand" err
'

test_done
