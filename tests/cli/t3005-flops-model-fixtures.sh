#!/bin/sh
# t3005-flops-model-fixtures: on models gpai-fixture writes (HF layouts:
# sharded safetensors with an index, GPT-2 safetensors), the config.json
# count (compute_estimator's family formulas) equals the tensor count read
# from the headers (inference's readers) - two independent computations.
. "$GPAI_TOP/tests/cli/lib.sh"

check_agree() {
	gpai --json flops --model "$1" --tokens 1e6 >j &&
	json_get j "j[\"parameters\"][\"count_note\"]" >note &&
	grep_q "^config count \([0-9]*\) equals the tensor count \1 " note
}

test_expect_success 'Llama, 3 safetensors shards with an index, untied' '
	fixture safetensors a --shards 3 --dim 16 --hidden 64 --layers 2 --heads 4 --kv-heads 2 --vocab 32 &&
	check_agree a
'

test_expect_success 'Llama, one safetensors file, tied, MHA, other shape' '
	fixture safetensors b --dim 32 --hidden 96 --layers 3 --heads 4 --kv-heads 4 --vocab 48 --tied &&
	check_agree b
'

test_expect_success 'GPT-2 safetensors: learned positions, biases, LayerNorm, tied head' '
	fixture gpt2-safetensors c &&
	check_agree c &&
	test "$(json_get j "j[\"parameters\"][\"breakdown\"][\"biases\"] > 0")" = True
'

test_done
