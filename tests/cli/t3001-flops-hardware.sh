#!/bin/sh
# t3001-flops-hardware: chips x time x dense peak x utilization against the
# EU Guidelines' examples B and H, the assumed-utilization report, the
# disagreement warning (Llama 3.2 1B), and --list-hardware against Epoch's
# chip CSV read in place with Python's csv module.
. "$GPAI_TOP/tests/cli/lib.sh"
CHIPS=$GPAI_SHARED/reference/compute/epoch_chip_dataset_snapshot_2025-11.csv

test_expect_success 'EU example H: 370,000 H100-hours x 989 TFLOP/s x 50 % = 6.59e23' '
	gpai --json flops --hardware H100 --chip-hours 370000 --precision bf16 \
		--utilization 0.5 >j &&
	test "$(json_get j "abs(j[\"estimate\"][\"flop\"] / 6.59e23 - 1) < 0.002")" = True &&
	test "$(json_get j "j[\"hardware\"][\"utilization_assumed\"]")" = False
'

test_expect_success 'EU example B: 1,000 A100 x 200 h at 50 % is 1.08e23 within 5 % (EU rounds 312 to 300)' '
	gpai --json flops --hardware A100 --count 1000 --hours 200 --precision bf16 \
		--utilization 0.5 >j &&
	test "$(json_get j "abs(j[\"estimate\"][\"flop\"] / 1.08e23 - 1) < 0.05")" = True
'

test_expect_success 'default utilization is printed as an assumption with its range' '
	gpai flops --hardware H100 --count 16384 --hours 1000 --precision bf16 >out &&
	grep_q "assumption: utilization 0.38" out &&
	grep_q "0.30-0.50" out &&
	gpai --json flops --hardware H100 --count 16384 --hours 1000 --precision bf16 >j &&
	test "$(json_get j "j[\"hardware\"][\"utilization_assumed\"]")" = True &&
	test "$(json_get j "abs(j[\"estimate\"][\"low\"] / j[\"estimate\"][\"flop\"] - 0.30 / 0.38) < 1e-9")" = True &&
	test "$(json_get j "abs(j[\"estimate\"][\"high\"] / j[\"estimate\"][\"flop\"] - 0.50 / 0.38) < 1e-9")" = True
'

test_expect_success 'FP8 uses the FP8 peak (DeepSeek-V3, 2.788M H800-hours)' '
	gpai --json flops --hardware H800 --chip-hours 2.788e6 --precision fp8 \
		--utilization 0.2 >j &&
	test "$(json_get j "abs(j[\"estimate\"][\"flop\"] / (2.788e6 * 3600 * 1979e12 * 0.2) - 1) < 1e-9")" = True
'

test_expect_success 'Llama 3.2 1B: the two methods differ tenfold and are flagged' '
	gpai flops --params 1.23e9 --tokens 9e12 --hardware H100 --chip-hours 370000 \
		--precision bf16 --utilization 0.5 >out &&
	grep_q "^warning: the two methods differ by a factor of" out &&
	grep_q "geometric mean" out &&
	gpai --json flops --params 1.23e9 --tokens 9e12 --hardware H100 \
		--chip-hours 370000 --precision bf16 --utilization 0.5 >j &&
	test "$(json_get j "j[\"methods_disagree\"]")" = True
'

test_expect_success 'methods within 30 % are not flagged (Llama 3.1 405B at 40 % MFU)' '
	gpai --json flops --params 405e9 --tokens 15.6e12 --hardware H100 \
		--chip-hours 30.84e6 --precision bf16 --utilization 0.4 >j &&
	test "$(json_get j "j[\"methods_disagree\"]")" = False
'

test_expect_success '--list-hardware figures equal Epoch AI chip table (Python csv)' '
	have_shared reference/compute/epoch_chip_dataset_snapshot_2025-11.csv &&
	gpai --json flops --list-hardware >j &&
	/usr/bin/python3 - "$CHIPS" j <<-PY
	import csv, json, sys
	rows = {r["Hardware name"]: r for r in csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8-sig"))}
	j = json.load(open(sys.argv[2]))
	need = {"V100-SXM2", "A100-SXM4-80GB", "A800-SXM", "H100-SXM", "H100-PCIe", "H800-SXM",
	        "H200-SXM", "H20", "B200", "GB200", "MI250X", "MI300X", "TPUv3", "TPUv4",
	        "TPUv5e", "TPUv5p", "TPUv6e", "Trainium2", "Gaudi3"}
	ids = {a["id"] for a in j["accelerators"]}
	assert need <= ids, need - ids
	n = 0
	for a in j["accelerators"]:
	    row = rows[a["epoch_name"]]
	    for fmt, v in a["dense_peak_flop_per_s"].items():
	        want = float(row[a["column"][fmt]])
	        assert abs(want - v) <= 1e-9 * want, (a["id"], fmt, v, want)
	        n += 1
	assert n >= 60, n
	assert "Epoch AI" in j["source"]
	PY
'

test_done
