#!/bin/sh
# t3020-flops-epoch: the estimator against Epoch AI's models table, read in
# place (tests/data/compute_validation.tsv lists the models, the inputs and
# their sources): 6ND from published architecture and tokens, and the
# hardware method from Epoch's own chip-hours and MFU, each within 30 % of
# Epoch's training compute unless the table gives a documented reason.
. "$GPAI_TOP/tests/cli/lib.sh"
EPOCH=$GPAI_SHARED/reference/compute/epoch_ai_models_snapshot_2025-06.csv

test_expect_success 'every row of the validation table agrees with Epoch AI' '
	have_shared reference/compute/epoch_ai_models_snapshot_2025-06.csv &&
	/usr/bin/python3 - "$EPOCH" "$GPAI_TOP/tests/data/compute_validation.tsv" \
		"$GPAI" "$GPAI_TOP/tests/data/configs" <<-PY
	import csv, json, subprocess, sys
	epoch = {r["Model"]: r for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8-sig"))}
	rows, fails, models = 0, [], set()
	for line in open(sys.argv[2]):
	    if line.startswith("#") or not line.strip():
	        continue
	    name, method, args, tol, why = line.rstrip("\n").split("\t")
	    ref = float(epoch[name]["Training compute (FLOP)"])
	    argv = [sys.argv[3], "--json", "flops"] + args.replace("CFG", sys.argv[4]).split()
	    out = json.loads(subprocess.run(argv, capture_output=True, text=True, check=True).stdout)
	    got = out["estimate"]["flop"]
	    assert out["estimate"]["method"] == ("hardware" if method == "hw" else "operations"), out
	    r = got / ref
	    if tol.startswith("!x"):
	        ok = max(r, 1 / r) > float(tol[2:])
	    elif tol.startswith("x"):
	        ok = max(r, 1 / r) <= float(tol[1:])
	    else:
	        ok = abs(r - 1) <= float(tol)
	    if not ok:
	        fails.append("%s (%s): %.3g vs Epoch %.3g, tolerance %s" % (name, method, got, ref, tol))
	    rows += 1
	    models.add(name)
	assert not fails, fails
	assert rows >= 40 and len(models) >= 25, (rows, len(models))
	print(rows, "rows", len(models), "models")
	PY
'

test_expect_success 'MoE: Qwen3-235B-A22B total params would wrongly cross 10^25, active does not' '
	gpai --json flops --config "$GPAI_TOP/tests/data/configs/qwen3-235b-a22b.json" --tokens 36e12 >j &&
	test "$(json_get j "j[\"estimate\"][\"flop\"] < 1e25 < 6 * j[\"parameters\"][\"total\"] * 36e12")" = True
'

test_expect_success 'undisclosed tokens (Mistral 7B: no Epoch figure) give insufficient information' '
	/usr/bin/python3 -c "import csv,sys; r=[x for x in csv.DictReader(open(sys.argv[1], newline=\"\", encoding=\"utf-8-sig\")) if x[\"Model\"] == \"Mistral 7B\"][0]; assert r[\"Training compute (FLOP)\"] == \"\"" "$EPOCH" &&
	test_expect_code 1 gpai flops --config "$GPAI_TOP/tests/data/configs/mistral-7b-v0.1.json" 2>err >/dev/null &&
	grep_q "insufficient information" err
'

test_expect_success 'threshold edges with Epoch figures: Inflection-2 straddles 10^25, OLMo-7B and Gemma 3 4B straddle 10^23' '
	ep() { /usr/bin/python3 -c "import csv,sys; print([x for x in csv.DictReader(open(sys.argv[1], newline=\"\", encoding=\"utf-8-sig\")) if x[\"Model\"] == sys.argv[2]][0][\"Training compute (FLOP)\"])" "$EPOCH" "$1"; } &&
	gpai --json classify --flops "$(ep Inflection-2)" --on 2026-11-29 >j &&
	test "$(json_get j "[x for x in j[\"results\"] if x[\"id\"] == \"eu-systemic-risk\"][0][\"band\"]")" = within-band-above &&
	gpai --json classify --flops "$(ep OLMo-7B)" --on 2026-11-29 >j &&
	test "$(json_get j "[x for x in j[\"results\"] if x[\"id\"] == \"eu-gpai\"][0][\"band\"]")" = within-band-above &&
	gpai --json classify --flops "$(ep "Gemma 3 4B")" --on 2026-11-29 >j &&
	test "$(json_get j "[x for x in j[\"results\"] if x[\"id\"] == \"eu-gpai\"][0][\"band\"]")" = within-band-below &&
	gpai --json classify --flops "$(ep Grok-3)" --on 2026-11-29 >j &&
	test "$(json_get j "[x for x in j[\"results\"] if x[\"id\"] == \"us-ca-sb53\"][0][\"band\"]")" = above
'

test_done
