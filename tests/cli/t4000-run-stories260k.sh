#!/bin/sh
# t4000-run-stories260k: `gpai run` on the real stories260K model against
# llama2.c test_all.py's expected_stdout (read in place from
# notes/inference_refs.md), --json ids, thread invariance, and bad input.
. "$GPAI_TOP/tests/cli/lib.sh"

S=$GPAI_SHARED/models/stories260K

# expected_stdout is a Python bytes literal on the line that starts "b'Once";
# run.c prints it plus a final newline (test_all.py strips that).
{ published_greedy_text; echo; } >expected

test_expect_success 'the reference text was found' '
	test -s expected && grep_q "^Lily didn.t want to help her mom, so she$" expected
'

test_expect_success 'greedy, no prompt, 200 steps prints expected_stdout byte for byte' '
	gpai run "$S/stories260K.bin" --tokenizer "$S/tok512.bin" --temperature 0 --steps 200 >out 2>err &&
	cmp expected out &&
	grep_q "^achieved tok/s: " err
'

test_expect_success 'two threads print the same text' '
	gpai --quiet run "$S/stories260K.bin" --tokenizer "$S/tok512.bin" --temperature 0 --steps 200 --threads 2 >out2 2>err2 &&
	cmp expected out2 &&
	test ! -s err2
'

test_expect_success '--json gives the ids; the prompt counts 18 tokens with BOS' '
	gpai --json run "$S/stories260K.bin" --tokenizer "$S/tok512.bin" --temperature 0 --steps 20 \
		--prompt "I believe the meaning of life is" >j.json &&
	test "$(json_get j.json "len(j[\"prompt_ids\"])")" = 18 &&
	test "$(json_get j.json "j[\"prompt_ids\"][0]")" = 1 &&
	test "$(json_get j.json "len(j[\"prompt_ids\"]) + len(j[\"ids\"])")" = 21 &&
	json_get j.json "j[\"text\"]" >text &&
	grep_q "^I believe the meaning of life is" text
'

test_expect_success 'a seeded sampled run is reproducible' '
	gpai run "$S/stories260K.bin" --tokenizer "$S/tok512.bin" --seed 42 --steps 64 >a 2>/dev/null &&
	gpai run "$S/stories260K.bin" --tokenizer "$S/tok512.bin" --seed 42 --steps 64 --threads 2 >b 2>/dev/null &&
	cmp a b
'

test_expect_success 'a truncated model fails naming the file' '
	head -c 500000 "$S/stories260K.bin" >short.bin &&
	test_expect_code 1 gpai run short.bin --tokenizer "$S/tok512.bin" 2>err &&
	grep_q "gpai: cannot load model .short.bin.: .short.bin.: offset 500000: file is 500000 bytes; its config" err
'

test_expect_success 'a truncated tokenizer fails naming the file and offset' '
	head -c 1000 "$S/tok512.bin" >tok.bin &&
	test_expect_code 1 gpai run "$S/stories260K.bin" --tokenizer tok.bin 2>err &&
	grep_q "tokenizer .tok.bin.: truncated at offset" err
'

test_expect_success 'a model without a tokenizer asks for one' '
	test_expect_code 1 gpai run "$S/stories260K.bin" 2>err &&
	grep_q "carries no tokenizer: give one with --tokenizer" err
'

test_expect_success 'a missing model file fails' '
	test_expect_code 1 gpai run nosuch.bin 2>err &&
	grep_q "cannot load model .nosuch.bin." err
'

test_expect_success 'bad options are usage errors' '
	test_expect_code 2 gpai run 2>err && grep_q "no model given" err &&
	test_expect_code 2 gpai run m --top-p 2 2>err && grep_q "top-p" err &&
	test_expect_code 2 gpai run m --steps x 2>err && grep_q "steps" err &&
	test_expect_code 2 gpai run m --bogus 2>err && grep_q "unknown option" err
'

test_expect_success 'a prompt longer than the steps is an error' '
	test_expect_code 1 gpai run "$S/stories260K.bin" --tokenizer "$S/tok512.bin" --steps 3 \
		--prompt "Once upon a time there was" 2>err &&
	grep_q "the prompt has .* tokens, more than the 3 steps" err
'

test_done
