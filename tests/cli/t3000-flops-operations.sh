#!/bin/sh
# t3000-flops-operations: 6 N D from flags and from config.json, epochs,
# the attention term, MoE active parameters, units, --json and --quiet.
# References: Epoch AI models table (Llama 3.1 405B 3.8e25), EU Guidelines
# C(2025) 5045 Annex A.3 (example G), model cards for parameter counts.
. "$GPAI_TOP/tests/cli/lib.sh"
CFG=$GPAI_TOP/tests/data/configs

test_expect_success 'Llama 3.1 405B: 6 x 405e9 x 15.6e12 is Epoch AI 3.8e25' '
	gpai flops --params 405e9 --tokens 15.6e12 >out &&
	grep_q "^estimate (operations): 3.8e25 FLOP  \[2.7e25, 4.9e25\]" out &&
	grep_q "one multiply-add = 2 FLOP" out &&
	gpai flops --params 405e9 --tokens 15.6e12 --quiet >q &&
	test "$(cat q)" = "3.8e25"
'

test_expect_success 'EU Guidelines example G: 2.6B x 61B tokens x 164 epochs = 1.5e23' '
	gpai --json flops --params 2.6e9 --tokens 61e9 --epochs 164 >j &&
	test "$(json_get j "abs(j[\"estimate\"][\"flop\"] / 1.5e23 - 1) < 0.05")" = True &&
	test "$(json_get j "j[\"operations\"][\"tokens\"] == 61e9 * 164")" = True
'

test_expect_success 'config count feeds 6 N D (Llama 3.1 8B, 8.03B published)' '
	gpai --json flops --config "$CFG/llama-3.1-8b.json" --tokens 15e12 >j &&
	test "$(json_get j "abs(j[\"parameters\"][\"total\"] / 8.03e9 - 1) < 0.005")" = True &&
	test "$(json_get j "abs(j[\"estimate\"][\"flop\"] / (6 * 8.03e9 * 15e12) - 1) < 0.005")" = True &&
	test "$(json_get j "j[\"parameters\"][\"breakdown\"][\"output_head\"] == 128256 * 4096")" = True
'

test_expect_success 'MoE: Mixtral 8x7B uses the 12.9B active, not the 46.7B total' '
	gpai --json flops --config "$CFG/mixtral-8x7b.json" --tokens 1e12 >j &&
	test "$(json_get j "abs(j[\"estimate\"][\"flop\"] / (6 * 12.9e9 * 1e12) - 1) < 0.01")" = True &&
	test "$(json_get j "abs(j[\"parameters\"][\"total\"] / 46.7e9 - 1) < 0.005")" = True &&
	gpai flops --config "$CFG/mixtral-8x7b.json" --tokens 1e12 >out &&
	grep_q "2 of 8 routed experts per token" out
'

test_expect_success '--active-params overrides the total for flags' '
	gpai --json flops --params 235e9 --active-params 22e9 --tokens 36e12 >j &&
	test "$(json_get j "abs(j[\"estimate\"][\"flop\"] / 4.75e24 - 1) < 0.01")" = True
'

test_expect_success '--detailed adds PaLM 12 L H Q T per token (GPT-2, T = 1024)' '
	gpai --json flops --config "$CFG/gpt2.json" --tokens 1e10 --detailed --context 1024 >j &&
	test "$(json_get j "abs(j[\"detailed\"][\"flop\"] - j[\"operations\"][\"flop\"] - 12 * 12 * 768 * 1024 * 1e10) < 1e6")" = True &&
	test "$(json_get j "j[\"estimate\"][\"method\"]")" = "operations (detailed)" &&
	gpai flops --config "$CFG/gpt2.json" --tokens 1e10 --detailed --context 1024 >out &&
	grep_q "^operation counting: 6 x N_active x D" out &&
	grep_q "^detailed (with attention" out
'

test_expect_success '--detailed without --context takes the config context and says so' '
	gpai flops --config "$CFG/gpt2.json" --tokens 1e10 --detailed >out &&
	grep_q "config max_position_embeddings" out
'

test_expect_success 'stories260K from its config: 260,032 parameters' '
	gpai --json flops --config "$CFG/stories260k.json" --tokens 1e9 >j &&
	test "$(json_get j "j[\"parameters\"][\"total\"]")" = "260032" &&
	test "$(json_get j "j[\"parameters\"][\"tied_embeddings\"]")" = True
'

test_done
