#!/bin/sh
# t5000-dossier-facts: `gpai dossier --facts`: the JSON validates against
# docs/dossier-schema.json (Debian's python3-jsonschema), every format is
# written, the completeness report's commands fill what they name,
# --strict, coarsening for national authorities, the Art. 52 deadline, and
# bad input.
. "$GPAI_TOP/tests/cli/lib.sh"

SCHEMA=$GPAI_TOP/docs/dossier-schema.json
PY=/usr/bin/python3

# validate DOC: exit 0 when DOC follows the schema; prints the errors.
validate() {
	$PY - "$SCHEMA" "$1" <<'PYEOF'
import json, sys, jsonschema
schema = json.load(open(sys.argv[1])); doc = json.load(open(sys.argv[2]))
jsonschema.Draft202012Validator.check_schema(schema)
errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
for e in errors[:10]:
    print(list(e.absolute_path), e.message)
sys.exit(1 if errors else 0)
PYEOF
}

# 405B parameters, 15.6T tokens (Llama 3.1 405B, arXiv:2407.21783): the
# published training compute is 3.8e25 FLOP.
cat >big.json <<'JSON'
{"name": "big", "version": "1", "provider": "Example AI",
 "license": "LicenseRef-Llama-3.1-Community", "access": "open-weight",
 "root_digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111",
 "facts": [
  {"field": "model.parameters", "value": 405e9, "source": "arXiv:2407.21783, table 3",
   "recorded_at": "2026-01-28T10:00:00Z"},
  {"field": "training.tokens", "value": "15.6e12", "source": "arXiv:2407.21783, section 3.1",
   "recorded_at": "2026-01-25T10:00:00Z"},
  {"field": "training.flop", "value": "3.8e25", "source": "arXiv:2407.21783, section 3.3.4",
   "recorded_at": "2026-01-25T10:00:00Z"},
  {"field": "release.date", "value": "2024-07-23", "source": "https://ai.meta.com/blog/meta-llama-3-1/"},
  {"field": "data.size_tokens", "value": "15.6e12", "source": "arXiv:2407.21783, section 3.1"},
  {"field": "training.time.start", "value": "2024-01-10", "source": "example"},
  {"field": "training.time.end", "value": "2024-04-20", "source": "example"}
 ]}
JSON

test_expect_success 'json output follows docs/dossier-schema.json for every audience' '
	for a in aio nca dp public; do
		gpai dossier --facts big.json --audience $a --format json --out $a.json --date 2026-02-01 >/dev/null &&
		validate $a.json || exit 1
	done
'

test_expect_success 'the schema check is not vacuous: a mutated document fails' '
	$PY -c "import json; d=json.load(open(\"aio.json\")); d[\"sections\"][0][\"items\"][0][\"status\"]=\"maybe\"; json.dump(d,open(\"bad.json\",\"w\"))" &&
	test_expect_code 1 validate bad.json >out &&
	grep_q "maybe" out
'

test_expect_success 'systemic risk: section 2 and Art. 55 items, deadline two weeks after the recorded date' '
	json_get aio.json "j[\"status\"][\"systemic_risk\"]" >sr && grep_q "^True$" sr &&
	json_get aio.json "[s[\"id\"] for s in j[\"sections\"]]" >ids &&
	grep_q "annex11.2" ids && grep_q "art55" ids && grep_q "art52" ids &&
	want=$($PY -c "import datetime; print(datetime.date(2026,1,28)+datetime.timedelta(days=14))") &&
	json_get aio.json "j[\"status\"][\"notification\"][\"deadline\"]" >got &&
	echo "$want" >want && cmp want got
'

test_expect_success 'national authorities get orders of magnitude and ranges' '
	json_get nca.json "[i[\"value\"] for s in j[\"sections\"] for i in s[\"items\"] if i[\"key\"]==\"form.7.2.training_flop\"][0]" >v &&
	grep_q "^order of 10^25 FLOP$" v &&
	json_get nca.json "[i[\"value\"] for s in j[\"sections\"] for i in s[\"items\"] if i[\"key\"]==\"form.7.1.training_time\"][0]" >t &&
	grep_q "^3-6 months$" t &&
	json_get aio.json "[i[\"value\"] for s in j[\"sections\"] for i in s[\"items\"] if i[\"key\"]==\"form.7.1.training_time\"][0]" >t &&
	grep_q "^101 days wall clock$" t &&
	! grep -q "3.8e+25" nca.json && grep_q "3.8e+25" aio.json
'

test_expect_success 'downstream providers and the public see no compute, energy or data counts' '
	for a in dp public; do
		! grep -q "3.8e+25" $a.json && ! grep -q "order of 10^" $a.json &&
		! grep -q "form.7" $a.json && ! grep -q "15.6e12" $a.json || exit 1
	done &&
	json_get public.json "[s[\"id\"] for s in j[\"sections\"]]" >ids &&
	grep_q "summary" ids && ! grep -q "form.1" ids
'

test_expect_success 'markdown, html and cyclonedx are written' '
	gpai dossier --facts big.json --format md --out d.md >/dev/null &&
	grep_q "^# Compliance dossier: big@1" d.md &&
	grep_q "^## 1. General information" d.md &&
	grep_q "MISSING (required)" d.md &&
	gpai dossier --facts big.json --format html --out d.html >/dev/null &&
	grep_q "<!DOCTYPE html>" d.html && grep_q "@media print" d.html &&
	grep_q "class=\"missing\"" d.html &&
	gpai dossier --facts big.json --format cyclonedx --out d.cdx.json >/dev/null &&
	json_get d.cdx.json "(j[\"bomFormat\"], j[\"specVersion\"], j[\"components\"][0][\"type\"])" >c &&
	grep_q "(.CycloneDX., .1.6., .machine-learning-model.)" c &&
	json_get d.cdx.json "j[\"components\"][0][\"licenses\"][0][\"license\"][\"name\"]" >l &&
	grep_q "LicenseRef-Llama-3.1-Community" l
'

test_expect_success 'the completeness report names each missing field with its command; --strict fails' '
	test_expect_code 1 gpai dossier --facts big.json --audience public --out p.md --strict >rep 2>err &&
	grep_q "gpai fact set big@1 data.tdm_optout" rep &&
	grep_q "gpai fact set big@1 copyright.policy" rep &&
	grep_q "is incomplete" err
'

# fill FILE REPORT.json: adds a fact for every `gpai fact set` command of
# the report, with a value of the kind the command asks for.
fill() {
	$PY - "$1" "$2" <<'PYEOF'
import json, shlex, sys
facts = json.load(open(sys.argv[1])); rep = json.load(open(sys.argv[2]))
kinds = {"YYYY-MM-DD": "2025-01-15", "N": "1000000", "text": "text"}
for m in rep["completeness"]["missing"]:
    cmd = shlex.split(m["command"])
    assert cmd[:3] == ["gpai", "fact", "set"], cmd
    field, hint = cmd[4], cmd[5]
    facts["facts"].append({"field": field, "value": kinds.get(hint, "stated " + field),
                           "source": "https://example.org/filled"})
json.dump(facts, open(sys.argv[1], "w"))
PYEOF
}

test_expect_success 'recording what the report asks for completes the public and dp dossiers' '
	cp big.json full.json &&
	for a in public dp; do
		gpai --json dossier --facts full.json --audience $a --out x.md >rep.json &&
		fill full.json rep.json &&
		gpai dossier --facts full.json --audience $a --out x.md --strict >rep || exit 1
	done &&
	grep_q "required fields present" rep
'

test_expect_success 'bad input: fact without source, not JSON, wrong member type' '
	printf "{\"name\":\"m\",\"version\":\"1\",\"facts\":[{\"field\":\"release.date\",\"value\":\"2024-01-01\",\"source\":\"x\"},{\"field\":\"contact\",\"value\":\"a\"}]}" >nosrc.json &&
	test_expect_code 1 gpai dossier --facts nosrc.json 2>err &&
	grep_q "nosrc.json.: facts\[1\] (contact): every fact needs a non-empty .source." err &&
	printf "{\"name\": \"m\", " >broken.json &&
	test_expect_code 1 gpai dossier --facts broken.json 2>err &&
	grep_q "broken.json. is not valid JSON (byte offset" err &&
	printf "{\"name\":\"m\",\"version\":1}" >ver.json &&
	test_expect_code 1 gpai dossier --facts ver.json 2>err &&
	grep_q "ver.json.: member .version. must be a string" err &&
	test_expect_code 1 gpai dossier --facts nonexistent.json 2>err &&
	grep_q "nonexistent.json" err
'

test_expect_success 'inconsistent facts are listed, not rendered, and fail --strict' '
	cat >inc.json <<-JSON &&
	{"name": "m", "version": "1", "license": "Frobnicate-1.0",
	 "facts": [{"field": "release.date", "value": "2025-06-01", "source": "x"},
	           {"field": "release.eu_market_date", "value": "2025-01-01", "source": "x"}]}
	JSON
	test_expect_code 1 gpai dossier --facts inc.json --out inc.md --strict >rep 2>err &&
	grep_q "inconsistent: release.eu_market_date: 2025-01-01 is before the first release" rep &&
	grep_q "inconsistent: license.spdx: .Frobnicate-1.0. is not a known SPDX id" rep &&
	grep_q "INCONSISTENT (required)" inc.md
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 gpai dossier --facts big.json --audience press 2>err &&
	grep_q "unknown audience .press." err &&
	test_expect_code 2 gpai dossier --facts big.json --format docx 2>err &&
	grep_q "unknown format .docx." err &&
	test_expect_code 2 gpai dossier --facts big.json --format pdf 2>err &&
	grep_q "needs --out" err &&
	test_expect_code 2 gpai dossier 2>err
'

test_done
