#!/bin/sh
# t3030-flops-classify-registry: `gpai flops NAME@VER` and `gpai classify
# NAME@VER` read facts, stages, files and lineage through the registry.
# References: Llama 3.1 405B facts (arXiv:2407.21783: 405B, 15.6T tokens,
# 30.84M H100-hours, MFU ~40 %), Guidelines s3.2 (one third of 3.8e25).
. "$GPAI_TOP/tests/cli/lib.sh"
S=$GPAI_SHARED/models/stories260K

r() { json_get "$1" "[x for x in j[\"results\"] if x[\"id\"] == \"$2\"][0][\"$3\"]"; }

test_expect_success 'setup: a frontier model and a fine-tune of it, by facts' '
	gpai init >/dev/null &&
	cat >base.json <<-JSON &&
	{"name": "llama-3.1-405b", "version": "1", "access": "open-weight", "facts": [
	 {"field": "model.parameters", "value": "405e9", "source": "arXiv:2407.21783"},
	 {"field": "training.tokens", "value": "15.6e12", "source": "arXiv:2407.21783 s3.1"},
	 {"field": "training.hardware.type", "value": "H100-SXM", "source": "arXiv:2407.21783 s3.3"},
	 {"field": "training.gpu_hours", "value": "30.84e6", "source": "model card"},
	 {"field": "training.precision", "value": "bf16", "source": "arXiv:2407.21783"},
	 {"field": "training.utilization", "value": "0.4", "source": "arXiv:2407.21783 Table 4"},
	 {"field": "model.modalities.output", "value": "text", "source": "model card"},
	 {"field": "training.time.start", "value": "2024-01-15", "source": "illustrative"}]}
	JSON
	gpai add --no-files --facts base.json >/dev/null &&
	cat >ft.json <<-JSON &&
	{"name": "ft", "version": "1", "base": "llama-3.1-405b@1", "relation": "finetune",
	 "access": "open-weight", "facts": [
	 {"field": "model.parameters", "value": "405e9", "source": "base"},
	 {"field": "training.tokens", "value": "6e12", "source": "training log"}]}
	JSON
	gpai add --no-files --facts ft.json >/dev/null
'

test_expect_success 'flops NAME@VER: both methods from facts, each input with its fact source' '
	gpai flops llama-3.1-405b@1 >out &&
	grep_q "fact training.tokens: arXiv:2407.21783 s3.1" out &&
	grep_q "fact training.gpu_hours: model card" out &&
	gpai --json flops llama-3.1-405b@1 >j &&
	test "$(json_get j "abs(j[\"operations\"][\"flop\"] / (6 * 405e9 * 15.6e12) - 1) < 1e-9")" = True &&
	test "$(json_get j "abs(j[\"hardware\"][\"flop\"] / (30.84e6 * 3600 * 989.4e12 * 0.4) - 1) < 1e-9")" = True &&
	test "$(json_get j "j[\"version\"]")" = llama-3.1-405b@1
'

test_expect_success 'classify NAME@VER: EU systemic risk with the deadline from training.time.start' '
	gpai --json classify llama-3.1-405b@1 --on 2026-11-29 >j &&
	test "$(r j eu-systemic-risk met)" = True &&
	test "$(r j eu-systemic-risk notification_deadline)" = 2024-01-29 &&
	test "$(r j eu-gpai met)" = True
'

test_expect_success 'classify a fine-tune: lineage gives the original for the one-third rule' '
	gpai --json classify ft@1 --on 2026-11-29 >j &&
	test "$(json_get j "abs([x for x in j[\"results\"] if x[\"id\"] == \"eu-modification\"][0][\"compared\"] / (6 * 405e9 * 6e12) - 1) < 1e-9")" = True &&
	test "$(json_get j "[x for x in j[\"results\"] if x[\"id\"] == \"eu-modification\"][0][\"threshold\"] > 1.2e25")" = True &&
	test "$(r j eu-modification band)" = within-band-above &&
	grep_q "is a finetune of llama-3.1-405b@1" j
'

test_expect_success 'a stages fact is used per scope' '
	cat >st.json <<-JSON &&
	{"name": "staged", "version": "1", "access": "api", "facts": [
	 {"field": "training.stages", "value": {"stages": [
	   {"kind": "pretraining", "flop": 9e24}, {"kind": "synthetic-data", "flop": 2e24},
	   {"kind": "evaluation", "flop": 5e24}]}, "source": "developer"}]}
	JSON
	gpai add --no-files --facts st.json >/dev/null &&
	gpai --json classify staged@1 --on 2026-11-29 >j &&
	test "$(r j eu-systemic-risk compared)" = 1.1e+25 &&
	test "$(r j eu-gpai compared)" = 9e+24 &&
	gpai flops staged@1 >out &&
	grep_q "excluded stages\[2\] evaluation" out
'

test_expect_success 'a version with files: parameters from its tensors' '
	have_shared models/stories260K/stories260K.bin &&
	mkdir m && cp "$S/stories260K.bin" m/ &&
	printf "{\"name\": \"tiny\", \"version\": \"1\", \"facts\": [{\"field\": \"training.tokens\", \"value\": \"5e8\", \"source\": \"example\"}]}" >t.json &&
	gpai add m --facts t.json >/dev/null &&
	gpai --json flops tiny@1 >j &&
	grep_q "tensor count of .stories260K.bin. of tiny@1" j &&
	test "$(json_get j "j[\"parameters\"][\"total\"]")" = 260032
'

test_expect_success 'modification.flop and the published training.flop interval are used' '
	cat >ft2.json <<-JSON &&
	{"name": "ft2", "version": "1", "base": "pub@1", "relation": "finetune",
	 "access": "open-weight", "facts": [
	 {"field": "modification.flop", "value": "2e24", "source": "our log"}]}
	JSON
	cat >pub.json <<-JSON &&
	{"name": "pub", "version": "1", "access": "open-weight", "facts": [
	 {"field": "training.flop", "value": "3.8e25", "source": "Epoch AI"},
	 {"field": "training.flop.low", "value": "3.5e25", "source": "Epoch AI"},
	 {"field": "training.flop.high", "value": "4.1e25", "source": "Epoch AI"}]}
	JSON
	gpai add --no-files --facts pub.json >/dev/null &&
	gpai add --no-files --facts ft2.json >/dev/null &&
	gpai --json flops pub@1 >j &&
	test "$(json_get j "j[\"estimate\"][\"low\"]")" = 3.5e+25 &&
	gpai --json classify ft2@1 --on 2026-11-29 >j &&
	test "$(r j eu-modification compared)" = 2e+24 &&
	test "$(r j eu-modification band)" = below &&
	test "$(json_get j "j[\"compute\"][\"flop\"] == 3.8e25 + 2e24")" = True
'

test_expect_success 'classify --record stores the result as a fact that gpai show lists' '
	gpai classify llama-3.1-405b@1 --record --on 2026-11-29 >/dev/null &&
	gpai show llama-3.1-405b@1 >out &&
	grep_q "eu-systemic-risk: above; met" out &&
	grep_q "computed: gpai classify llama-3.1-405b@1" out &&
	test_expect_code 2 gpai classify --flops 1e25 --record 2>err &&
	grep_q "record needs NAME@VER" err
'

test_expect_success 'missing facts: insufficient information naming the facts' '
	printf "{\"name\": \"bare\", \"version\": \"1\", \"access\": \"api\", \"facts\": []}" >b.json &&
	gpai add --no-files --facts b.json >/dev/null &&
	test_expect_code 1 gpai flops bare@1 2>err >/dev/null &&
	grep_q "insufficient information: .bare@1. needs facts model.parameters" err &&
	test_expect_code 1 gpai classify bare@1 2>err &&
	grep_q "insufficient information" err &&
	test_expect_code 1 gpai flops nosuch@1 2>err &&
	grep_q "nosuch" err &&
	test_expect_code 2 gpai flops bare@1 --tokens 5 2>err
'

test_done
