#!/bin/sh
# t3010-classify: per-jurisdiction results with margin, band and deadline.
# References: AI Act Art. 51(2) (> 10^25, strictly), Art. 52(1) (two weeks),
# Guidelines C(2025) 5045 s2.1 (10^23 + modality) and s3.2 (one third;
# 3.33e24 / 3.33e22 when the original is unknown; 1.27e25 for a Llama 3.1
# 405B fine-tune), SB 53 and RAISE (> 10^26), EO 14110 (revoked 2025-01-20).
. "$GPAI_TOP/tests/cli/lib.sh"

# r FILE ID KEY: one field of one result of `gpai --json classify`.
r() { json_get "$1" "[x for x in j[\"results\"] if x[\"id\"] == \"$2\"][0][\"$3\"]"; }

test_expect_success 'Llama 3.1 405B (3.8e25): systemic risk, not a US frontier model' '
	gpai --json classify --flops 3.8e25 --outputs text --on 2026-11-29 \
		--known 2025-12-25 >j &&
	test "$(r j eu-systemic-risk band)" = above &&
	test "$(r j eu-systemic-risk met)" = True &&
	test "$(r j eu-systemic-risk notification_deadline)" = 2026-01-08 &&
	test "$(json_get j "abs([x for x in j[\"results\"] if x[\"id\"] == \"eu-systemic-risk\"][0][\"log10_ratio\"] - 0.5798) < 1e-3")" = True &&
	test "$(r j eu-gpai met)" = True &&
	test "$(r j us-ca-sb53 band)" = below &&
	test "$(r j us-ny-raise in_force)" = False &&
	test "$(r j us-eo-14110 in_force)" = False &&
	test "$(r j eu-modification band)" = not-applicable
'

test_expect_success 'exactly 10^25 is not greater than 10^25; Inflection-2 straddles' '
	gpai --json classify --flops 1e25 --low 1e25 --high 1e25 --on 2026-11-29 >j &&
	test "$(r j eu-systemic-risk band)" = below &&
	gpai --json classify --flops 1.0e25 --on 2026-11-29 >j &&
	test "$(r j eu-systemic-risk band)" = within-band-below &&
	gpai classify --flops 1.0e25 --on 2026-11-29 >out &&
	grep_q "within band (point estimate below)" out &&
	grep_q "the interval reaches the threshold" out
'

test_expect_success 'Gemma 3 4B (9.6e22) is just under the GPAI indicator' '
	gpai --json classify --flops 9.6e22 --outputs text,image --on 2026-11-29 >j &&
	test "$(r j eu-gpai band)" = within-band-below &&
	test "$(r j eu-gpai met)" = False
'

test_expect_success 'the GPAI criterion needs a generative modality' '
	gpai --json classify --flops 5e23 --on 2026-11-29 >j &&
	test "$(r j eu-gpai met)" = None &&
	gpai --json classify --flops 5e23 --outputs other --on 2026-11-29 >j &&
	test "$(r j eu-gpai met)" = False
'

test_expect_success 'modification of Llama 3.1 405B: more than 1.27e25 needed' '
	gpai --json classify --flops 2e25 --low 1.5e25 --high 2.5e25 --base-flops 3.8e25 \
		--on 2026-11-29 >j &&
	test "$(json_get j "abs([x for x in j[\"results\"] if x[\"id\"] == \"eu-modification\"][0][\"threshold\"] / 1.2667e25 - 1) < 1e-3")" = True &&
	test "$(r j eu-modification band)" = above &&
	test "$(json_get j "abs(j[\"compute\"][\"flop\"] - 5.8e25) < 1e20")" = True
'

test_expect_success 'unknown original: 10^25/3 for systemic risk, 10^23/3 otherwise' '
	gpai --json classify --flops 1e24 --base-unknown systemic --on 2026-11-29 >j &&
	test "$(r j eu-modification band)" = below &&
	test "$(json_get j "abs([x for x in j[\"results\"] if x[\"id\"] == \"eu-modification\"][0][\"threshold\"] - 1e25 / 3) < 1e12")" = True &&
	gpai --json classify --flops 1e24 --base-unknown gpai --on 2026-11-29 >j &&
	test "$(r j eu-modification band)" = above
'

test_expect_success 'US: > 10^26 with SB 53 revenue and RAISE cost conditions' '
	gpai --json classify --flops 4.64e26 --revenue 1e9 --cost 5e8 --on 2027-06-01 >j &&
	test "$(r j us-ca-sb53 met)" = True &&
	test "$(r j us-ny-raise met)" = True &&
	test "$(r j us-ny-raise in_force)" = True &&
	gpai classify --flops 4.64e26 --revenue 1e9 --on 2027-06-01 >out &&
	grep_q "large frontier developer" out &&
	gpai --json classify --flops 4.64e26 --cost 5e7 --on 2027-06-01 >j &&
	test "$(r j us-ny-raise met)" = False &&
	gpai --json classify --flops 4.64e26 --on 2024-06-01 >j &&
	test "$(r j us-eo-14110 in_force)" = True
'

test_expect_success 'stages: each rule counts its scope; init-model is the original' '
	cat >st.json <<-JSON
	{"stages": [
	  {"name": "base", "kind": "init-model", "flop": 3.8e25},
	  {"name": "ft", "kind": "sft", "flop": 1e24},
	  {"name": "synth", "kind": "synthetic-data", "flop": 2e24},
	  {"name": "evals", "kind": "evaluation", "flop": 1e25}]}
	JSON
	gpai --json classify --stages st.json --on 2026-11-29 >j &&
	test "$(r j eu-modification band)" = below &&
	test "$(json_get j "abs(j[\"compute\"][\"flop\"] - (3.8e25 + 1e24 + 2e24)) < 1e19")" = True &&
	test "$(json_get j "abs([x for x in j[\"results\"] if x[\"id\"] == \"us-ca-sb53\"][0][\"compared\"] - 3.9e25) < 1e19")" = True
'

test_expect_success '--list shows every rule with source and validity' '
	gpai classify --list >out &&
	grep_q "^eu-systemic-risk  EU     > 1.0e25 FLOP" out &&
	grep_q "in force: 2023-10-30 to 2025-01-20" out &&
	gpai --json classify --list >j &&
	test "$(json_get j "len(j)")" -ge 6 &&
	test "$(json_get j "all(x[\"source\"] for x in j)")" = True
'

test_expect_success '--quiet prints one word per rule' '
	gpai classify --flops 3.8e25 --outputs text --quiet --on 2026-11-29 >q &&
	grep_q "^eu-systemic-risk met$" q &&
	grep_q "^eu-modification n/a$" q
'

test_done
