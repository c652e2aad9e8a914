#!/bin/sh
# t5002-openness: `gpai openness --facts`: the ladder from closed-weight to
# open science, the MOF class and what the next needs, the Art. 53(2)
# decision with its reason, and unknown licences.
. "$GPAI_TOP/tests/cli/lib.sh"

comp() { printf '{"field": "openness.%s", "value": "%s", "source": "https://example.org/%s"}' "$1" "$2" "$1"; }

cat >open.json <<JSON
{"name": "openm", "version": "1", "license": "Apache-2.0", "access": "open-weight",
 "facts": [
  $(comp model_architecture "Apache-2.0 https://github.com/e/m"),
  $(comp model_parameters_final "Apache-2.0 https://huggingface.co/e/m"),
  $(comp technical_report "CC-BY-4.0 https://arxiv.org/abs/2401.00000"),
  $(comp evaluation_results "CC-BY-4.0 https://e.org/evals"),
  $(comp model_card "CC-BY-4.0 https://huggingface.co/e/m"),
  $(comp data_card "CC-BY-4.0 https://huggingface.co/e/m"),
  {"field": "training.flop", "value": "1.2e22", "source": "example"}
 ]}
JSON

test_expect_success 'open weights and docs under open licences: MOF class III, exempt' '
	gpai openness --facts open.json >out &&
	grep_q "^openm@1: open-weight (open licence)$" out &&
	grep_q "^MOF class: III (open model)$" out &&
	grep_q "^missing for MOF class II:$" out &&
	grep_q "Training code: not recorded" out &&
	grep_q "^Art. 53(2) exemption: applies$" out
'

test_expect_success 'json: components, licence category and reason' '
	gpai --json openness --facts open.json >o.json &&
	json_get o.json "(j[\"mof_class\"], j[\"license\"][\"category\"], j[\"art53_2_exempt\"], len(j[\"components\"]))" >v &&
	grep_q "^(3, .permissive., True, 17)$" v
'

test_expect_success 'a community licence with a user cap is restricted and not exempt' '
	sed "s/\"license\": \"Apache-2.0\"/\"license\": \"LicenseRef-Llama-3.1-Community\"/; s/\"Apache-2.0 https:\/\/huggingface.co\/e\/m\"/\"LicenseRef-Llama-3.1-Community https:\/\/huggingface.co\/e\/m\"/" open.json >llama.json &&
	gpai openness --facts llama.json >out &&
	grep_q "open-weight (restricted licence)" out &&
	grep_q "^Art. 53(2) exemption: does not apply$" out &&
	grep_q "700 million monthly active users" out
'

test_expect_success 'above 10^25 FLOP the exemption never applies' '
	sed "s/1.2e22/2.0e25/" open.json >sr.json &&
	gpai openness --facts sr.json >out &&
	grep_q "^Art. 53(2) exemption: does not apply$" out &&
	grep_q "systemic-risk models are never exempt" out
'

test_expect_success 'an unknown SPDX id is named and exits 1' '
	sed "s/CC-BY-4.0 https:\/\/e.org\/evals/Frobnicate-2.0 https:\/\/e.org\/evals/" open.json >unk.json &&
	test_expect_code 1 gpai openness --facts unk.json >out 2>err &&
	grep_q "openness.evaluation_results: licence .Frobnicate-2.0. is not a known SPDX id" err
'

test_expect_success 'no facts about the weights: closed-weight' '
	printf "{\"name\":\"c\",\"version\":\"1\",\"access\":\"api\"}" >c.json &&
	gpai openness --facts c.json >out &&
	grep_q "^c@1: closed-weight$" out
'

test_done
