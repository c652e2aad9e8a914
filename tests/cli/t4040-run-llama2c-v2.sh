#!/bin/sh
# t4040-run-llama2c-v2: `gpai run` and `gpai eval run` on a llama2.c
# version 2 (grouped int8) checkpoint: the real stories260K exported with
# export.py's algorithm by tests/llama2c_export.py (numpy); greedy ids
# against the numpy reference (tests/llama_ref.py --greedy) wherever the
# reference's top-2 margin is at least 4e-2 of the largest logit (twice the
# 2e-2 logit tolerance of the unit tests); the same text and NLL for 1 and
# 2 threads; bad files.
. "$GPAI_TOP/tests/cli/lib.sh"

S=$GPAI_SHARED/models/stories260K
PY=/usr/bin/python3

test_expect_success 'stories260K exports to v2 (group size 64)' '
	$PY "$GPAI_TOP/tests/llama2c_export.py" "$S/stories260K.bin" s2.bin &&
	gpai --json run s2.bin --tokenizer "$S/tok512.bin" --temperature 0 --steps 2 >j.json &&
	test "$(json_get j.json "j[\"dtype\"]")" = Q8_GROUP
'

test_expect_success 'greedy ids agree with the numpy reference where margins allow' '
	gpai --json run s2.bin --tokenizer "$S/tok512.bin" --temperature 0 --steps 24 >g.json &&
	ids=$(json_get g.json "\" \".join(map(str, j[\"ids\"]))") &&
	$PY "$GPAI_TOP/tests/llama_ref.py" --greedy s2.bin "$ids" 4e-2 16
'

test_expect_success 'one and two threads give the same text and NLL' '
	gpai --quiet run s2.bin --tokenizer "$S/tok512.bin" --temperature 0 --steps 200 >a &&
	gpai --quiet run s2.bin --tokenizer "$S/tok512.bin" --temperature 0 --steps 200 --threads 2 >b &&
	cmp a b &&
	gpai --json eval run s2.bin --tokenizer "$S/tok512.bin" --task perplexity --data a >p1.json &&
	gpai --json eval run s2.bin --tokenizer "$S/tok512.bin" --task perplexity \
		--data a --threads 2 >p2.json &&
	test "$(json_get p1.json "repr(j[\"mean_nll\"])")" = "$(json_get p2.json "repr(j[\"mean_nll\"])")"
'

test_expect_success 'a truncated v2 file fails naming the file' '
	size=$(wc -c <s2.bin) &&
	head -c $((size - 1)) s2.bin >short.bin &&
	test_expect_code 1 gpai run short.bin --tokenizer "$S/tok512.bin" 2>err &&
	grep_q "gpai: cannot load model .short.bin.: .short.bin.: offset $((size - 1)): file is $((size - 1)) bytes; its config (dim 64, 5 layers, vocab 512) needs $size" err
'

test_expect_success 'a group size of 0 or one that does not divide dim fails naming the file' '
	fixture bad llama2c-v2-group-zero g0.bin &&
	test_expect_code 1 gpai run g0.bin --tokenizer "$S/tok512.bin" 2>err &&
	grep_q ".g0.bin.: offset 37: group size 0 is not positive" err &&
	fixture bad llama2c-bad-group g3.bin &&
	test_expect_code 1 gpai run g3.bin --tokenizer "$S/tok512.bin" 2>err &&
	grep_q ".g3.bin.: offset 37: group size 3 does not divide dim 16" err
'

test_done
