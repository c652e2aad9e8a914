#!/bin/sh
# t3900-catalogue-data: every catalogue/*.json is a valid fact file whose numbers carry sources,
# agrees with Epoch AI's table where it cites it, and is internally consistent (6ND against a
# published FLOP figure); the checker rejects each kind of bad file, naming file and fact.
. "$GPAI_TOP/tests/cli/lib.sh"

EPOCH=$GPAI_SHARED/reference/compute/epoch_ai_models_snapshot_2025-06.csv
CHECK="/usr/bin/python3 $GPAI_TOP/tools/catalogue-check.py --facts $GPAI_TOP/docs/facts.md"
CAT=$GPAI_TOP/catalogue

test_expect_success 'the Epoch reference table is present' '
	test -f "$EPOCH"
'

test_expect_success 'every catalogue file validates, with the Epoch cross-check' '
	$CHECK --epoch "$EPOCH" "$CAT"/*.json >out &&
	grep_q "^catalogue-check: [0-9]* files ok$" out
'

test_expect_success 'the catalogue holds the models the issue names' '
	for n in llama-3.1-405b llama-3.1-70b llama-3.1-8b llama-2-7b llama-2-70b llama-3.2-1b \
		deepseek-v3 deepseek-r1 mixtral-8x7b mistral-7b qwen3-235b-a22b gemma-3-4b falcon-180b \
		bloom-176b olmo-2-7b olmo-2-13b nemotron-4-340b gpt-3-175b gpt-4 gpt-4o claude-opus-4 gemini-1.0-ultra grok-3
	do
		test -f "$CAT/$n.json" || { echo "missing $n" >&2; exit 1; }
	done
'

# 6 x active parameters x tokens against a FLOP figure the file records: the two must agree
# within the EU Guidelines accuracy margin (Annex A.2: 30 %), which catches a mistyped
# parameter or token count.  Computed here, independently of the checker.
test_expect_success '6ND agrees with each recorded FLOP figure within 30 %' '
	/usr/bin/python3 - "$CAT" >out <<-EOF
	import glob, json, sys
	n = 0
	for p in sorted(glob.glob(sys.argv[1] + "/*.json")):
	    facts = {f["field"]: f["value"] for f in json.load(open(p))["facts"]}
	    need = ("model.active_parameters", "training.tokens", "training.flop")
	    if not all(k in facts for k in need):
	        continue
	    est = 6 * float(facts["model.active_parameters"]) * float(facts["training.tokens"])
	    got = float(facts["training.flop"])
	    if abs(est - got) > 0.30 * got:
	        print("mismatch", p, est, got)
	        sys.exit(1)
	    n += 1
	print("checked", n)
	EOF
	cat out &&
	grep_q "^checked 1[0-9]$" out
'

test_expect_success 'Mistral 7B records its tokens and compute as undisclosed' '
	json_get "$CAT/mistral-7b.json" \
		"[f[\"value\"] for f in j[\"facts\"] if f[\"field\"] == \"disclosure.undisclosed\"][0]" >out &&
	grep_q "training.tokens" out && grep_q "training.flop" out &&
	json_get "$CAT/mistral-7b.json" \
		"[f for f in j[\"facts\"] if f[\"field\"] in (\"training.tokens\", \"training.flop\")]" >out &&
	grep_q "^\[\]$" out
'

test_expect_success 'DeepSeek-R1 is a modification of DeepSeek-V3 with its modification compute' '
	json_get "$CAT/deepseek-r1.json" "j[\"base\"], j[\"relation\"]" >out &&
	grep_q "deepseek-v3@2024-12-26" out && grep_q "finetune" out &&
	json_get "$CAT/deepseek-r1.json" \
		"[f[\"value\"] for f in j[\"facts\"] if f[\"field\"] == \"modification.flop\"]" >out &&
	grep_q "6.1e23" out
'

# Bad files: each is a copy of a real entry with one defect.
bad() {	# bad NAME PY-EXPR-ON-j: write bad/NAME.json from gpt-4.json after applying the edit
	mkdir -p bad
	/usr/bin/python3 -c 'import json,sys
j = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(j, open(sys.argv[3], "w"))' "$CAT/$3.json" "$2" "bad/$1.json"
}
expect_bad() {	# expect_bad FILE MESSAGE-REGEX
	test_expect_code 1 $CHECK --epoch "$EPOCH" "$1" >out &&
	grep_q "^catalogue-check: $1: $2" out
}

test_expect_success 'malformed JSON is rejected naming the file' '
	mkdir -p bad && printf "{\"name\": \"x\",\n" >bad/x.json &&
	expect_bad bad/x.json "not valid JSON"
'

test_expect_success 'an unknown field is rejected naming the fact' '
	bad gpt-4 "j[\"facts\"][0][\"field\"] = \"model.colour\"" gpt-4 &&
	expect_bad bad/gpt-4.json "fact 0 (model.colour): field is not in docs/facts.md"
'

test_expect_success 'an empty source is rejected' '
	bad gpt-4 "j[\"facts\"][1][\"source\"] = \" \"" gpt-4 &&
	expect_bad bad/gpt-4.json "fact 1 (model.context_window): empty source"
'

test_expect_success 'a fact without a source is rejected' '
	bad gpt-4 "del j[\"facts\"][1][\"source\"]" gpt-4 &&
	expect_bad bad/gpt-4.json "fact 1: must be an object with exactly field, value, source"
'

test_expect_success 'a non-integer int value is rejected' '
	bad gpt-4 "j[\"facts\"][1][\"value\"] = \"8192.5\"" gpt-4 &&
	expect_bad bad/gpt-4.json "fact 1 (model.context_window): .8192.5. is not a non-negative integer"
'

test_expect_success 'a number that does not parse is rejected' '
	bad llama-3.1-405b "[f for f in j[\"facts\"] if f[\"field\"] == \"training.tokens\"][0][\"value\"] = \"15.6T\"" llama-3.1-405b &&
	expect_bad bad/llama-3.1-405b.json "fact [0-9]* (training.tokens): .15.6T. is not a finite number"
'

test_expect_success 'a word outside an enum is rejected' '
	bad gpt-4 "[f for f in j[\"facts\"] if f[\"field\"] == \"training.flop.confidence\"][0][\"value\"] = \"sure\"" gpt-4 &&
	expect_bad bad/gpt-4.json "fact [0-9]* (training.flop.confidence): .sure. is not one of"
'

test_expect_success 'a bad date is rejected' '
	bad gpt-4 "[f for f in j[\"facts\"] if f[\"field\"] == \"release.date\"][0][\"value\"] = \"14.03.2023\"" gpt-4 &&
	expect_bad bad/gpt-4.json "fact [0-9]* (release.date): .14.03.2023. is not YYYY-MM-DD"
'

test_expect_success 'an unknown top-level member is rejected' '
	bad gpt-4 "j[\"weights\"] = \"yes\"" gpt-4 &&
	expect_bad bad/gpt-4.json "unknown top-level member .weights."
'

test_expect_success 'a training FLOP that differs from the Epoch row it cites is rejected' '
	bad gpt-4 "[f for f in j[\"facts\"] if f[\"field\"] == \"training.flop\"][0][\"value\"] = \"2.2e25\"" gpt-4 &&
	expect_bad bad/gpt-4.json "fact [0-9]* (training.flop): 2.2e25 differs from Epoch row .GPT-4."
'

test_expect_success 'a confidence that differs from the Epoch row is rejected' '
	bad gpt-4 "[f for f in j[\"facts\"] if f[\"field\"] == \"training.flop.confidence\"][0][\"value\"] = \"likely\"" gpt-4 &&
	expect_bad bad/gpt-4.json "fact [0-9]* (training.flop.confidence): likely, Epoch row .GPT-4. says Speculative"
'

test_expect_success 'a developer figure far from the Epoch row it cites is rejected' '
	bad llama-3.1-405b "[f for f in j[\"facts\"] if f[\"field\"] == \"training.flop\"][0][\"value\"] = \"3.0e25\"" llama-3.1-405b &&
	expect_bad bad/llama-3.1-405b.json "fact [0-9]* (training.flop): 3.0e25 differs from Epoch row .Llama 3.1-405B."
'

test_expect_success 'a row name missing from the Epoch table is rejected' '
	bad gpt-4 "f = [f for f in j[\"facts\"] if f[\"field\"] == \"training.flop\"][0]; f[\"source\"] = f[\"source\"].replace(\"row \\\"GPT-4\\\"\", \"row \\\"GPT-9\\\"\")" gpt-4 &&
	expect_bad bad/gpt-4.json "fact [0-9]* (training.flop): Epoch row .GPT-9. is not in the CSV"
'

test_expect_success 'a key field neither recorded nor declared undisclosed is rejected' '
	bad mistral-7b "[f for f in j[\"facts\"] if f[\"field\"] == \"disclosure.undisclosed\"][0][\"value\"] = \"training.flop\"" mistral-7b &&
	expect_bad bad/mistral-7b.json "training.tokens neither recorded nor listed in disclosure.undisclosed"
'

test_expect_success 'an undisclosed list naming a non-field is rejected' '
	bad mistral-7b "[f for f in j[\"facts\"] if f[\"field\"] == \"disclosure.undisclosed\"][0][\"value\"] += \",secret.sauce\"" mistral-7b &&
	expect_bad bad/mistral-7b.json "disclosure.undisclosed names .secret.sauce."
'

test_expect_success 'a top-level licence that contradicts license.spdx is rejected' '
	bad mixtral-8x7b "j[\"license\"] = \"MIT\"" mixtral-8x7b &&
	expect_bad bad/mixtral-8x7b.json "top-level license .MIT. differs from fact license.spdx .Apache-2.0."
'

test_expect_success 'a closed model that claims released weights is rejected' '
	bad gpt-4 "[f for f in j[\"facts\"] if f[\"field\"] == \"openness.model_parameters_final\"][0][\"value\"] = \"MIT\"" gpt-4 &&
	expect_bad bad/gpt-4.json "access .api., but openness.model_parameters_final is .MIT."
'

test_expect_success 'a base that is not in the catalogue is rejected' '
	bad deepseek-r1 "j[\"base\"] = \"deepseek-v2@1\"" deepseek-r1 &&
	expect_bad bad/deepseek-r1.json "base .deepseek-v2@1. is not NAME@VERSION of a catalogue file"
'

test_expect_success 'no files is a usage error' '
	test_expect_code 2 $CHECK 2>err &&
	grep_q "^usage: catalogue-check.py" err
'

test_done
