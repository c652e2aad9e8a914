#!/bin/sh
# t3002-flops-stages: a stages file cumulates per scope; what each rule
# counts and excludes is printed; totals are recomputed here with Python
# from the file's own inputs (6 N D, 2 N D for generation, chips x hours x
# peak x U with the Epoch peak).
. "$GPAI_TOP/tests/cli/lib.sh"

cat >stages.json <<'JSON'
{"stages": [
  {"name": "pre-training", "kind": "pretraining", "params": 70e9, "tokens": 15e12,
   "source": "example"},
  {"name": "long-context", "kind": "continued-pretraining", "params": 70e9,
   "tokens": 800e9},
  {"name": "sft", "kind": "sft", "hardware": [
     {"accelerator": "H100", "count": 512, "hours": 48, "precision": "bf16",
      "utilization": 0.4},
     {"accelerator": "H200", "chip_hours": 10000, "precision": "fp8"}]},
  {"name": "rl", "kind": "rl", "flop": 2e23, "source": "developer report"},
  {"name": "synthetic", "kind": "synthetic-data", "params": 400e9, "tokens": 50e9},
  {"name": "public-synthetic", "kind": "synthetic-data", "public": true, "flop": 1e22},
  {"name": "evals", "kind": "evaluation", "flop": 1e23},
  {"name": "reward", "kind": "reward-model", "flop": 5e22},
  {"name": "failed", "kind": "failed-run", "flop": 3e24}
]}
JSON

test_expect_success 'totals per scope equal an independent sum' '
	gpai --json flops --stages stages.json >j &&
	/usr/bin/python3 - j <<-PY
	import json, sys
	j = json.load(open(sys.argv[1]))
	pre = 6 * 70e9 * 15e12
	cont = 6 * 70e9 * 800e9
	sft = 512 * 48 * 3600 * 989.4e12 * 0.4 + 10000 * 3600 * 1979e12 * 0.38
	rl = 2e23
	syn = 2 * 400e9 * 50e9
	t = j["totals"]
	def near(a, b): return abs(a / b - 1) < 1e-9
	assert near(t["parameter-updates"]["flop"], pre + cont + sft + rl), t
	assert near(t["eu-cumulative"]["flop"], pre + cont + sft + rl + syn), t
	assert near(t["us-state"]["flop"], pre + cont + sft + rl), t
	s = {x["name"]: x for x in j["stages"]}
	assert s["sft"]["utilization_assumed"] is True
	assert s["evals"]["counted"]["eu-cumulative"] is False
	assert s["public-synthetic"]["counted"]["eu-cumulative"] is False
	assert s["synthetic"]["counted"]["eu-cumulative"] is True
	assert s["rl"]["method"] == "reported"
	PY
'

test_expect_success 'the text report lists what each rule counts and excludes' '
	gpai flops --stages stages.json >out &&
	grep_q "^EU systemic-risk presumption, Art. 51(2) (cumulative):" out &&
	grep_q "excluded stages\[6\] evals: evaluations and red-teaming are excluded" out &&
	grep_q "excluded stages\[8\] failed: failed runs" out &&
	grep_q "excluded stages\[7\] reward: training reward or value models is excluded" out &&
	grep_q "excluded stages\[5\] public-synthetic: synthetic data that is public" out &&
	grep_q "counted  stages\[4\] synthetic: non-public synthetic data generation" out &&
	grep_q "0.38 (assumed)" out
'

test_expect_success '--quiet prints the EU cumulative total only' '
	gpai flops --stages stages.json --quiet >q &&
	test "$(wc -l <q)" -eq 1 &&
	grep_q "^[0-9]\.[0-9]e2[0-9]$" q
'

test_done
