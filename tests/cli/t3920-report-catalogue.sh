#!/bin/sh
# t3920-report-catalogue: `gpai report --catalogue` classifies each catalogue
# model as derived by hand in tests/data/catalogue_classification.tsv, names
# licence restrictions with their reasoning, reports insufficient information
# for undisclosed compute, and docs/catalogue.md holds the current table.
. "$GPAI_TOP/tests/cli/lib.sh"

DATE=2026-11-29
EXPECT=$GPAI_TOP/tests/data/catalogue_classification.tsv

test_expect_success 'every expected classification holds (table-driven)' '
	gpai report --catalogue --format json --date $DATE >r.json &&
	/usr/bin/python3 - r.json "$EXPECT" <<-EOF
	import json, sys
	rows = {m["name"]: m for m in json.load(open(sys.argv[1]))["models"]}
	bad = n = 0
	for line in open(sys.argv[2]):
	    if line.startswith("#") or not line.strip():
	        continue
	    model, check, want, why = line.rstrip("\n").split("\t")
	    m = rows[model]
	    if check == "flop":
	        got = m["flop"]["kind"]
	    elif check == "art53":
	        got = m["art53_2"]["status"]
	    else:
	        kind, rid = check.split(":")
	        c = [c for c in m["classification"] if c["id"] == rid]
	        if not c:
	            got = "unclassified"
	        elif kind == "rule":
	            got = c[0]["band"]
	        else:
	            got = "true" if c[0]["in_force"] else "false"
	    n += 1
	    if got != want:
	        bad += 1
	        print("%s %s: got %r, want %r (%s)" % (model, check, got, want, why))
	print("checked", n)
	sys.exit(1 if bad else 0)
	EOF
'

test_expect_success 'the Llama licence row names its restrictions and cites Recital 102 and the Guidelines' '
	json_get r.json "[m[\"art53_2\"][\"why\"] for m in j[\"models\"] if m[\"name\"] == \"llama-3.1-8b\"][0]" >why &&
	grep_q "700 million" why &&
	grep_q "Recital 102" why &&
	grep_q "C(2025) 5045, section 4.2.1" why &&
	grep_q "Acceptable Use Policy" why
'

test_expect_success 'a closed model with undisclosed compute reports insufficient information, no number' '
	json_get r.json "[m for m in j[\"models\"] if m[\"name\"] == \"claude-opus-4\"][0]" >c &&
	grep_q "insufficient information" c &&
	json_get r.json "[m[\"classification\"] for m in j[\"models\"] if m[\"name\"] == \"claude-opus-4\"][0]" >cls &&
	grep_q "^\[\]$" cls &&
	gpai report --catalogue --date $DATE >r.md &&
	grep "^| claude-opus-4@" r.md >row &&
	grep_q "insufficient information: need training.flop" row &&
	! grep -q "e2[0-9]" row
'

test_expect_success 'the modification row compares against one third of the base' '
	json_get r.json "[c for m in j[\"models\"] if m[\"name\"] == \"deepseek-r1\" for c in m[\"classification\"] if c[\"id\"] == \"eu-modification\"][0]" >mod &&
	/usr/bin/python3 -c "import ast, sys
c = ast.literal_eval(open(\"mod\").read())
assert abs(c[\"limit\"] - 3.4078e24 / 3) < 1e-6 * c[\"limit\"], c
assert abs(c[\"compared\"] - 6.1e23) < 1e-6 * 6.1e23, c"
'

test_expect_success 'the summary counts two open-weight models above 10^25' '
	grep_q "^Open-weight models above 10^25 FLOP: 2 of 17" r.md
'

test_expect_success 'html is a standalone page with one row per model, text escaped' '
	gpai report --catalogue --format html --date $DATE >r.html &&
	grep_q "^<!DOCTYPE html>" r.html &&
	test "$(grep -c "^<tr id=" r.html)" -eq "$(ls "$GPAI_TOP"/catalogue/*.json | wc -l)" &&
	grep_q "&quot;Built with Llama&quot;" r.html &&
	! grep -q "\"Built with Llama\"" r.html
'

test_expect_success '--out writes the report to a file' '
	gpai report --catalogue --date $DATE --out out.md &&
	cmp out.md r.md
'

test_expect_success 'docs/catalogue.md holds the current table (make catalogue-doc)' '
	cp "$GPAI_TOP/docs/catalogue.md" doc.md &&
	date=$(sed -n "s/^Rules judged on \([0-9-]*\)\..*/\1/p" doc.md) &&
	test -n "$date" &&
	cp doc.md fresh.md &&
	sh "$GPAI_TOP/tools/catalogue-doc.sh" "$GPAI" fresh.md "$date" &&
	cmp doc.md fresh.md
'

test_expect_success 'bad input: a bad date and an unparsable number fail naming them' '
	test_expect_code 1 gpai report --catalogue --date 2026-02-30 2>err &&
	grep_q "2026-02-30" err &&
	mkdir bad && cp "$GPAI_TOP/catalogue/gpt-4.json" bad/ &&
	/usr/bin/python3 -c "import json
p = \"bad/gpt-4.json\"
j = json.load(open(p))
[f for f in j[\"facts\"] if f[\"field\"] == \"training.flop\"][0][\"value\"] = \"lots\"
json.dump(j, open(p, \"w\"))" &&
	test_expect_code 1 gpai report --catalogue --dir bad 2>err &&
	grep_q "bad/gpt-4.json.: fact training.flop: .lots. is not a number" err
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 gpai report 2>err && grep_q "say what to report" err &&
	test_expect_code 2 gpai report --catalogue --format pdf 2>err &&
	grep_q "unknown format .pdf." err &&
	test_expect_code 2 gpai report --catalogue --frob 2>err && grep_q "unknown option .--frob." err &&
	test_expect_code 2 gpai report --catalogue --date 2>err && grep_q "needs a value" err
'

test_done
