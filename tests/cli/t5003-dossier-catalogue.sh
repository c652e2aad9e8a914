#!/bin/sh
# t5003-dossier-catalogue: the real fact files of catalogue/ as input: every
# licence they use has a category, every dossier follows the schema, and
# the classifications match what the licences and published compute say
# (Llama 3.1 Community: user cap -> restricted; OLMo 2: all code and data
# open -> OSAID; GPT-4: API only -> closed; Llama 3.1 405B: 3.8e25 FLOP ->
# systemic risk, Annex XI s.2 and Art. 55).
. "$GPAI_TOP/tests/cli/lib.sh"

CAT=$GPAI_TOP/catalogue

test_expect_success 'every catalogue model classifies without unknown licences' '
	for f in "$CAT"/*.json; do
		gpai openness --facts "$f" >/dev/null 2>err || { cat err; exit 1; }
	done
'

test_expect_success 'every catalogue dossier validates against the schema, for every audience' '
	for f in "$CAT"/*.json; do
		b=$(basename "$f" .json)
		for a in aio nca dp public; do
			gpai dossier --facts "$f" --audience $a --format json --out "d-$b-$a.json" -q || exit 1
		done
	done &&
	/usr/bin/python3 - "$GPAI_TOP/docs/dossier-schema.json" d-*.json <<-PYEOF
	import json, sys, jsonschema
	v = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
	bad = [(p, e.message) for p in sys.argv[2:] for e in v.iter_errors(json.load(open(p)))]
	print(bad[:5]); print(len(sys.argv) - 2, "documents")
	sys.exit(1 if bad or len(sys.argv) < 10 else 0)
	PYEOF
'

level() { gpai --json openness --facts "$CAT/$1.json" >o.json && json_get o.json "(j[\"level\"], j[\"art53_2_exempt\"])"; }

test_expect_success 'classifications follow the licences' '
	level llama-3.1-405b >v && grep_q "open-weight (restricted licence).*False" v &&
	level gemma-3-4b >v && grep_q "open-weight (restricted licence).*False" v &&
	level olmo-2-7b >v && grep_q "open-source AI (OSAID 1.0).*True" v &&
	level gpt-4 >v && grep_q "closed-weight.*False" v &&
	level mistral-7b >v && grep_q "open-weight (open licence)" v
'

test_expect_success 'Llama 3.1 405B: systemic risk with section 2, Art. 55 and Art. 52 items' '
	gpai dossier --facts "$CAT/llama-3.1-405b.json" --format json --out l.json -q &&
	json_get l.json "j[\"status\"][\"systemic_risk\"]" >sr && grep_q "^True$" sr &&
	json_get l.json "[s[\"id\"] for s in j[\"sections\"]]" >ids &&
	grep_q "annex11.2" ids && grep_q "art55" ids && grep_q "art52" ids
'

test_done
