#!/bin/sh
# t3910-catalogue-import: `gpai catalogue list` shows the built-in fact files;
# `gpai catalogue import` registers them without files, bases first, is
# idempotent, and records a newer catalogue's changes as new facts.
. "$GPAI_TOP/tests/cli/lib.sh"

CAT=$GPAI_TOP/catalogue

# Number of fact rows for FIELD of NAME in the registry's database (history).
fact_rows() {
	sqlite3 .gpai/catalogue.db "SELECT count(*) FROM facts f JOIN versions v ON f.version_id = v.id
		JOIN models m ON v.model_id = m.id WHERE m.name = '$1' AND f.field = '$2'"
}

test_expect_success 'list shows every built-in file, one per line' '
	gpai --quiet catalogue list >out &&
	for f in "$CAT"/*.json; do
		n=$(json_get "$f" "j[\"name\"] + \"@\" + j[\"version\"]") &&
		grep_q "^$n$" out || exit 1
	done &&
	test "$(wc -l <out)" -eq "$(ls "$CAT"/*.json | wc -l)"
'

test_expect_success 'list --json carries the recorded FLOP and its confidence from the files' '
	gpai --json catalogue list >out.json &&
	json_get out.json "[m[\"training_flop\"] for m in j if m[\"name\"] == \"llama-3.1-405b\"][0]" >got &&
	json_get "$CAT/llama-3.1-405b.json" \
		"[f[\"value\"] for f in j[\"facts\"] if f[\"field\"] == \"training.flop\"][0]" >want &&
	cmp got want &&
	json_get out.json "[m[\"training_flop_confidence\"] for m in j if m[\"name\"] == \"gpt-4\"][0]" >got &&
	grep_q "^speculative$" got &&
	json_get out.json "[m[\"training_flop\"] for m in j if m[\"name\"] == \"mistral-7b\"][0]" >got &&
	grep_q "^None$" got
'

test_expect_success 'import registers every model without files, bases first' '
	gpai init >/dev/null &&
	gpai catalogue import >out &&
	test "$(grep -c "^added " out)" -eq "$(ls "$CAT"/*.json | wc -l)" &&
	v3=$(grep -n "deepseek-v3@" out | cut -d: -f1) &&
	r1=$(grep -n "deepseek-r1@" out | cut -d: -f1) &&
	test "$v3" -lt "$r1" &&
	gpai --json show deepseek-r1 >r1.json &&
	json_get r1.json "j[\"base\"]" >base && grep_q "deepseek-v3" base &&
	gpai --json show gpt-4 >g.json &&
	json_get g.json "j[\"has_files\"]" >hf && grep_q "False\|0" hf
'

test_expect_success 'every fact of a file is current in the registry with its source' '
	gpai --json show llama-3.1-405b >s.json &&
	/usr/bin/python3 - "$CAT/llama-3.1-405b.json" s.json <<-EOF
	import json, sys
	want = {f["field"]: f for f in json.load(open(sys.argv[1]))["facts"]}
	got = {f["field"]: f for f in json.load(open(sys.argv[2]))["facts"]}
	for k, f in want.items():
	    assert k in got, k
	    assert got[k]["source"] == f["source"], k
	    a, b = str(f["value"]), str(got[k]["value"])
	    try:
	        assert abs(float(a) - float(b)) <= 1e-9 * abs(float(a)), (k, a, b)
	    except ValueError:
	        assert a == b, (k, a, b)
	EOF
'

test_expect_success 'a second import changes nothing' '
	before=$(sqlite3 .gpai/catalogue.db "SELECT count(*) FROM facts") &&
	gpai catalogue import >out &&
	! grep -v "^unchanged " out &&
	after=$(sqlite3 .gpai/catalogue.db "SELECT count(*) FROM facts") &&
	test "$before" -eq "$after"
'

test_expect_success 'a newer catalogue is recorded as new facts, history kept' '
	cp -r "$CAT" newer &&
	/usr/bin/python3 -c "import json
p = \"newer/mixtral-8x7b.json\"
j = json.load(open(p))
for f in j[\"facts\"]:
    if f[\"field\"] == \"training.flop.confidence\":
        f[\"value\"] = \"likely\"
        f[\"source\"] = \"a later Epoch AI snapshot (test edit)\"
json.dump(j, open(p, \"w\"))" &&
	gpai catalogue import --dir newer mixtral-8x7b >out &&
	grep_q "^updated   mixtral-8x7b@2023-12-11 (1 new facts)$" out &&
	test "$(fact_rows mixtral-8x7b training.flop.confidence)" -eq 2 &&
	gpai --json show mixtral-8x7b >m.json &&
	json_get m.json "[f[\"value\"] for f in j[\"facts\"] if f[\"field\"] == \"training.flop.confidence\"][0]" >v &&
	grep_q "^likely$" v &&
	gpai catalogue import --dir newer mixtral-8x7b >out &&
	grep_q "^unchanged mixtral-8x7b@2023-12-11$" out &&
	test "$(fact_rows mixtral-8x7b training.flop.confidence)" -eq 2
'

test_expect_success 'import --json reports a status per model' '
	rm -rf .gpai && gpai init >/dev/null &&
	gpai --json catalogue import llama-3.2-1b >out.json &&
	json_get out.json "[(m[\"name\"], m[\"status\"]) for m in j]" >got &&
	grep_q "(.llama-3.1-8b., .added.), (.llama-3.2-1b., .added.)" got
'

test_expect_success 'an unknown model name fails naming it' '
	test_expect_code 1 gpai catalogue import no-such-model 2>err &&
	grep_q "no model .no-such-model. in the catalogue" err
'

test_expect_success 'a bad fact in a catalogue file fails naming file and fact, registers nothing' '
	rm -rf .gpai && gpai init >/dev/null &&
	mkdir bad && cp "$CAT/gpt-4.json" bad/ &&
	/usr/bin/python3 -c "import json
p = \"bad/gpt-4.json\"
j = json.load(open(p))
j[\"facts\"][1][\"value\"] = \"eight thousand\"
json.dump(j, open(p, \"w\"))" &&
	test_expect_code 1 gpai catalogue import --dir bad 2>err &&
	grep_q "bad/gpt-4.json.*facts\[1\]" err &&
	grep_q "model.context_window" err &&
	gpai --quiet list >l && test ! -s l
'

test_expect_success 'unreadable catalogue input fails naming the directory or file' '
	test_expect_code 1 gpai catalogue list --dir nowhere 2>err &&
	grep_q "cannot open catalogue directory .nowhere." err &&
	mkdir broken && printf "{\"name\": " >broken/x.json &&
	test_expect_code 1 gpai catalogue list --dir broken 2>err &&
	grep_q "broken/x.json" err &&
	mkdir nover && echo "{\"name\": \"a\", \"facts\": []}" >nover/a.json &&
	test_expect_code 1 gpai catalogue list --dir nover 2>err &&
	grep_q "nover/a.json.: member .version. is missing" err &&
	mkdir twice && cp "$CAT/gpt-4.json" twice/a.json && cp "$CAT/gpt-4.json" twice/b.json &&
	test_expect_code 1 gpai catalogue list --dir twice 2>err &&
	grep_q "both describe .gpt-4@2023-03-14." err
'

test_expect_success 'import without a registry fails' '
	rm -rf .gpai &&
	test_expect_code 1 gpai catalogue import gpt-4 2>err &&
	grep_q "cannot open registry" err
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 gpai catalogue 2>err && grep_q "missing subcommand" err &&
	test_expect_code 2 gpai catalogue frob 2>err && grep_q "unknown subcommand .frob." err &&
	test_expect_code 2 gpai catalogue list --frob 2>err && grep_q "unknown option .--frob." err &&
	test_expect_code 2 gpai catalogue import --dir 2>err && grep_q "needs a directory" err
'

test_done
