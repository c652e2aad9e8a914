#!/bin/sh
# t3003-flops-bad-input: every bad input exits 1 (usage errors 2) with a
# message naming the flag, file, stage or field and what is wrong.
. "$GPAI_TOP/tests/cli/lib.sh"
CFG=$GPAI_TOP/tests/data/configs

test_expect_success 'unknown accelerator' '
	test_expect_code 1 gpai flops --hardware H9000 --count 8 --hours 1 --precision bf16 2>err &&
	grep_q "^gpai: --hardware: unknown accelerator .H9000." err
'

test_expect_success 'a format the chip lacks is an error, not a guess (V100 bf16, A100 fp8)' '
	test_expect_code 1 gpai flops --hardware V100 --count 8 --hours 1 --precision bf16 2>err &&
	grep_q "V100-SXM2. has no dense bf16 peak" err &&
	test_expect_code 1 gpai flops --hardware A100 --count 8 --hours 1 --precision fp8 2>err &&
	grep_q "has no dense fp8 peak" err
'

test_expect_success 'unknown number format and missing --precision' '
	test_expect_code 1 gpai flops --hardware H100 --count 8 --hours 1 --precision int4 2>err &&
	grep_q "^gpai: --precision: unknown number format .int4." err &&
	test_expect_code 1 gpai flops --hardware H100 --count 8 --hours 1 2>err &&
	grep_q "insufficient information: need --precision" err
'

test_expect_success 'negative, zero, NaN and absurd numbers' '
	test_expect_code 1 gpai flops --params 7e9 --tokens -5 2>err &&
	grep_q "^gpai: --tokens: must be a positive number (got .-5.)" err &&
	test_expect_code 1 gpai flops --params 7e9 --tokens 0 2>err &&
	grep_q "^gpai: --tokens: must be a positive number" err &&
	test_expect_code 1 gpai flops --params nan --tokens 1e12 2>err &&
	grep_q "^gpai: --params: .nan. is not a number" err &&
	test_expect_code 1 gpai flops --params 1e20 --tokens 1e12 2>err &&
	grep_q "params is 1e+20, above the plausible maximum" err &&
	test_expect_code 1 gpai flops --hardware H100 --count 8 --hours 1 --precision bf16 --utilization 1.5 2>err &&
	grep_q "^gpai: --utilization: must be in (0, 1]" err &&
	test_expect_code 1 gpai flops --params 7e9 --active-params 8e9 --tokens 1e12 2>err &&
	grep_q "^gpai: --active-params: 8e9 is more than" err
'

test_expect_success 'missing inputs say what is needed (Mistral 7B: tokens undisclosed)' '
	test_expect_code 1 gpai flops --config "$CFG/mistral-7b-v0.1.json" >out 2>err &&
	grep_q "^gpai: insufficient information: need the tokens seen (--tokens)" err &&
	grep_q "7,241,732,096" out &&
	test_expect_code 1 gpai flops --hardware H100 --count 8 --precision bf16 2>err &&
	grep_q "insufficient information: need --count and --hours" err &&
	test_expect_code 1 gpai flops --params 7e9 --tokens 1e12 --detailed 2>err &&
	grep_q "insufficient information: --detailed needs the architecture" err
'

test_expect_success 'config problems name the file and the field' '
	printf "{\"model_type\": \"llama\", \"num_hidden_layers\": 2, \"num_attention_heads\": 2, \"vocab_size\": 10, \"intermediate_size\": 8}" >c.json &&
	test_expect_code 1 gpai flops --config c.json --tokens 1e9 2>err &&
	grep_q "^gpai: cannot count the parameters: .c.json.: missing field .hidden_size." err &&
	printf "{\"model_type\": \"rwkv\"}" >r.json &&
	test_expect_code 1 gpai flops --config r.json --tokens 1e9 2>err &&
	grep_q "unknown architecture .rwkv. (model_type): only a tensor count" err &&
	printf "{\"model_type\": " >m.json &&
	test_expect_code 1 gpai flops --config m.json --tokens 1e9 2>err &&
	grep_q ".m.json. is not valid JSON (byte offset" err &&
	test_expect_code 1 gpai flops --config nosuch.json --tokens 1e9 2>err &&
	grep_q "nosuch.json" err
'

test_expect_success 'malformed stages name the file, the stage index and the field' '
	printf "{\"stages\": [{\"kind\": \"pretraining\", \"flop\": 1e24}, {\"name\": \"sft\", \"kind\": \"sft\", \"params\": 7e9, \"tokens\": -1}]}" >s.json &&
	test_expect_code 1 gpai flops --stages s.json 2>err &&
	grep_q "^gpai: cannot read the stages: .s.json.: stages\[1\] (.sft.): field .tokens. must be a positive number (got -1)" err &&
	printf "{\"stages\": [{\"kind\": \"rl\", \"hardware\": [{\"accelerator\": \"H100\", \"count\": 8, \"hours\": 2}]}]}" >p.json &&
	test_expect_code 1 gpai flops --stages p.json 2>err &&
	grep_q "stages\[0\] (.rl.): missing field .hardware\[0\].precision." err &&
	printf "{\"stages\": [{\"kind\": \"magic\", \"flop\": 1}]}" >k.json &&
	test_expect_code 1 gpai flops --stages k.json 2>err &&
	grep_q "stages\[0\]: field .kind.: unknown stage kind .magic." err &&
	printf "{\"stages\": [{\"kind\": \"sft\"" >t.json &&
	test_expect_code 1 gpai flops --stages t.json 2>err &&
	grep_q ".t.json. is not valid JSON" err
'

test_expect_success 'options that need others, and bad context values' '
	test_expect_code 2 gpai flops --params 7e9 --epochs 2 2>err &&
	grep_q "epochs needs --tokens" err &&
	test_expect_code 2 gpai flops --active-params 1e9 --tokens 1e9 2>err &&
	grep_q "active-params needs --params or --model" err &&
	test_expect_code 2 gpai flops --hardware H100 --count 8 --hours 1 --chip-hours 8 --precision bf16 2>err &&
	grep_q "give --chip-hours or --count and --hours, not both" err &&
	test_expect_code 2 gpai flops --list-hardware --tokens 5 2>err &&
	test_expect_code 2 gpai flops --params 7e9 --model x 2>err &&
	test_expect_code 1 gpai flops --config "$CFG/gpt2.json" --tokens 1e9 --detailed --context 1.5 2>err &&
	grep_q "^gpai: --context: .1.5. is not a whole number" err &&
	test_expect_code 1 gpai flops --params 7e9 --tokens 1e9 --epochs -2 2>err &&
	grep_q "^gpai: --epochs: must be a positive number" err &&
	test_expect_code 1 gpai flops --hardware H100 --chip-hours inf --precision bf16 2>err &&
	grep_q "^gpai: --chip-hours: .inf. is not a number" err
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 gpai flops --frobnicate 2>err &&
	grep_q "unknown option .--frobnicate." err &&
	test_expect_code 2 gpai flops --tokens 2>err &&
	grep_q "needs a value" err &&
	test_expect_code 2 gpai flops --params 1e9 --config x.json 2>err &&
	test_expect_code 2 gpai flops --count 8 2>err &&
	grep_q "need --hardware" err &&
	test_expect_code 2 gpai flops --stages s.json --tokens 5 2>err
'

test_done
