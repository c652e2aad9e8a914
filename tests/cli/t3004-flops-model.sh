#!/bin/sh
# t3004-flops-model: --model counts from tensor headers (stories260K, read
# in place) and reconciles with a config.json; 260,032 parameters.
. "$GPAI_TOP/tests/cli/lib.sh"
S=$GPAI_SHARED/models/stories260K

test_expect_success 'llama2.c .bin: 260,032 parameters' '
	have_shared models/stories260K/stories260K.bin &&
	gpai --json flops --model "$S/stories260K.bin" --tokens 1e9 >j &&
	test "$(json_get j "j[\"parameters\"][\"total\"]")" = 260032 &&
	test "$(json_get j "abs(j[\"estimate\"][\"flop\"] - 6 * 260032 * 1e9) < 1")" = True
'

test_expect_success 'GGUF: the classifier stored twice is counted once, and said so' '
	gpai flops --model "$S/stories260K.gguf" --tokens 1e9 >out &&
	grep_q "260032 distinct parameters" out &&
	grep_q "tensor count" out
'

test_expect_success 'a directory with config.json: config and tensor counts agree' '
	mkdir m && cp "$GPAI_TOP/tests/data/configs/stories260k.json" m/config.json &&
	ln -s "$S/stories260K.gguf" m/model.gguf &&
	gpai --json flops --model m --tokens 1e9 --detailed --context 512 >j &&
	grep_q "config count 260032 equals the tensor count 260032" j &&
	test "$(json_get j "j[\"parameters\"][\"breakdown\"][\"embedding\"]")" = 32768
'

test_expect_success 'unknown architecture falls back to the tensor count and says so' '
	mkdir u && printf "{\"model_type\": \"rwkv\"}" >u/config.json &&
	ln -s "$S/stories260K.bin" u/model.bin &&
	gpai flops --model u --tokens 1e9 >out &&
	grep_q "unknown architecture .rwkv." out &&
	grep_q "from the tensor count instead" out
'

test_expect_success 'bad --model paths' '
	test_expect_code 1 gpai flops --model nosuch --tokens 1e9 2>err &&
	grep_q "nosuch" err &&
	printf "GGUF\003\000\000\000" >bad.gguf &&
	test_expect_code 1 gpai flops --model bad.gguf --tokens 1e9 2>err &&
	grep_q "bad.gguf" err
'

test_done
