#!/bin/sh
# t3925-classify-report-agree: for every catalogue model, `gpai classify
# NAME@VER` (after `gpai catalogue import`) and `gpai report --catalogue`
# judge the same training-compute figure and reach the same EU systemic-risk
# result; and, independently of gpai's numbers, Llama 3.1 405B is judged on
# Meta's published 3.8e25 FLOP (arXiv:2407.21783, section 1) and
# DeepSeek-R1 on DeepSeek-V3's Epoch AI estimate plus its published
# modification compute (EU cumulative compute, Guidelines Annex A.1).
. "$GPAI_TOP/tests/cli/lib.sh"

DATE=2026-11-29

test_expect_success 'import the catalogue; classify every model' '
	gpai init >/dev/null &&
	gpai catalogue import >/dev/null &&
	gpai report --catalogue --format json --date $DATE >r.json &&
	gpai catalogue list --quiet >refs &&
	test "$(wc -l <refs)" -eq "$(ls "$GPAI_TOP"/catalogue/*.json | wc -l)" &&
	while read ref; do
		if gpai classify "$ref" --json --on $DATE >"c-$ref.json" 2>"e-$ref"; then :; else
			echo "$?" >"rc-$ref"; fi
	done <refs
'

test_expect_success 'classify and the report give the same figure and EU systemic-risk result' '
	/usr/bin/python3 - r.json <<-EOF
	import json, os, sys
	bad = n = 0
	for m in json.load(open(sys.argv[1]))["models"]:
	    ref = m["name"] + "@" + m["version"]
	    f = m["flop"]
	    if f["kind"] == "none":
	        # insufficient information: classify must refuse too
	        if not os.path.exists("rc-" + ref) or open("rc-" + ref).read().strip() != "1":
	            print(ref, "report has no figure but classify gave one"); bad += 1
	        elif "insufficient information" not in open("e-" + ref).read():
	            print(ref, "classify refused without saying insufficient information"); bad += 1
	        n += 1
	        continue
	    if os.path.exists("rc-" + ref):
	        print(ref, "classify failed:", open("e-" + ref).read()); bad += 1
	        continue
	    c = json.load(open("c-" + ref + ".json"))
	    rep, cla = f["estimate"], c["compute"]
	    for k in ("flop", "low", "high"):
	        if abs(rep[k] - cla[k]) > 1e-9 * rep[k]:
	            print(ref, k, "report", rep[k], "classify", cla[k]); bad += 1
	    if c["figure"]["kind"] != f["kind"]:
	        print(ref, "kind: report", f["kind"], "classify", c["figure"]["kind"]); bad += 1
	    rs = [x for x in m["classification"] if x["id"] == "eu-systemic-risk"][0]
	    cs = [x for x in c["results"] if x["id"] == "eu-systemic-risk"][0]
	    cmet = {True: 1, False: 0, None: -1}[cs["met"]]
	    if rs["met"] != cmet or abs(rs["compared"] - cs["compared"]) > 1e-9 * cs["compared"]:
	        print(ref, "eu-systemic-risk: report", rs, "classify", cs); bad += 1
	    n += 1
	print("compared", n)
	sys.exit(1 if bad or n < 10 else 0)
	EOF
'

test_expect_success 'Llama 3.1 405B is judged on the published 3.8e25 FLOP (arXiv:2407.21783)' '
	/usr/bin/python3 -c "import json
c = json.load(open(\"c-llama-3.1-405b@2024-07-23.json\"))
assert c[\"figure\"][\"kind\"] == \"reported\", c[\"figure\"]
assert abs(c[\"compute\"][\"flop\"] - 3.8e25) < 1e-9 * 3.8e25, c[\"compute\"]
assert c[\"compute\"][\"reported\"] == \"3.8e25\"
own = c[\"figure\"][\"own_estimate\"][\"flop\"]
assert own != c[\"compute\"][\"flop\"]  # gpai own estimate kept as the cross-check" &&
	gpai classify llama-3.1-405b@2024-07-23 --on $DATE >out &&
	grep_q "figure used for llama-3.1-405b@2024-07-23: reported" out &&
	grep_q "cross-check, gpai.s own estimate" out &&
	grep_q "^compute (cumulative): 3.8e25 FLOP" out
'

test_expect_success 'DeepSeek-R1: base DeepSeek-V3 (Epoch 3.4078e24) + modification.flop 6.1e23' '
	/usr/bin/python3 -c "import json
c = json.load(open(\"c-deepseek-r1@2025-01-20.json\"))
want = 3.4078e24 + 6.1e23
assert c[\"figure\"][\"kind\"] == \"cumulative\", c[\"figure\"]
assert abs(c[\"compute\"][\"flop\"] - want) < 1e-6 * want, c[\"compute\"]
s = [x for x in c[\"results\"] if x[\"id\"] == \"eu-systemic-risk\"][0]
assert s[\"met\"] is False, s"
'

test_expect_success 'catalogue list prints FLOP with two significant figures' '
	gpai catalogue list >list &&
	/usr/bin/python3 -c "import re
rows = open(\"list\").read().splitlines()[1:]
assert rows
for r in rows:
    f = r.split()[-1]
    assert f == \"-\" or re.fullmatch(r\"[1-9]\\.[0-9]e[0-9]+\", f), r
assert [r for r in rows if r.startswith(\"llama-3.1-405b@\")][0].endswith(\" 3.8e25\")"
'

test_done
