#!/bin/sh
# t1031-add-facts: gpai add --facts FILE.json (docs/facts.md): validated
# field by field before anything is written; errors name the file, the
# index of the fact and the field.  The project's catalogue/*.json files
# (sourced fact files) all load.
. "$GPAI_TOP/tests/cli/lib.sh"
SQ="'"
FILE=$GPAI_SHARED/reference/signing/sample-models/file_model

nothing_added() {
	gpai --quiet list >l && test ! -s l && test -z "$(find .gpai/objects -type f)"
}

test_expect_success 'setup' '
	gpai init >/dev/null &&
	cat >good.json <<-\EOF
	{
	  "name": "llama-x", "version": "3", "provider": "Meta",
	  "license": "LicenseRef-Llama-3.1-Community", "access": "open-weight",
	  "facts": [
	    {"field": "training.tokens", "value": "15.6e12", "source": "arXiv:2407.21783, section 3.1"},
	    {"field": "training.hardware.count", "value": 16384, "source": "arXiv:2407.21783, section 3.3"},
	    {"field": "training.stages", "value": [{"name": "pre", "tokens": 1}], "source": "doc"}
	  ]
	}
	EOF
'

test_expect_success 'a good file sets name, version, provider, licence and every fact' '
	gpai --json add "$FILE" --facts good.json >a.json &&
	test "$(json_get a.json "j[\"ref\"], j[\"provider\"], j[\"license\"]")" = \
		"(${SQ}llama-x@3${SQ}, ${SQ}Meta${SQ}, ${SQ}LicenseRef-Llama-3.1-Community${SQ})" &&
	gpai --json fact show llama-x@3 >f.json &&
	test "$(json_get f.json "{f[\"field\"]: (f[\"value\"], f[\"source\"]) for f in j}[\"training.hardware.count\"]")" = \
		"(${SQ}16384${SQ}, ${SQ}arXiv:2407.21783, section 3.3${SQ})" &&
	test "$(json_get f.json "{f[\"field\"]: f[\"value\"] for f in j}[\"training.stages\"]")" = \
		"[{\"name\":\"pre\",\"tokens\":1}]"
'

test_expect_success 'command-line options win over the file' '
	gpai --json add "$FILE" --facts good.json --version 4 --provider "Meta AI" >b.json &&
	test "$(json_get b.json "j[\"version\"], j[\"provider\"]")" = "(${SQ}4${SQ}, ${SQ}Meta AI${SQ})" &&
	gpai rm llama-x@4 >/dev/null && gpai rm llama-x@3 >/dev/null && gpai gc >/dev/null
'

check_bad() { # FILE-CONTENT EXPECTED-MESSAGE
	printf "%s\n" "$1" >bad.json &&
	test_expect_code 1 gpai add "$FILE" --facts bad.json 2>err &&
	grep_q "$2" err &&
	nothing_added
}

test_expect_success 'an unknown field names file, index and field' '
	check_bad "{\"facts\": [{\"field\": \"training.tokens\", \"value\": 1, \"source\": \"s\"},
	  {\"field\": \"training.tokenz\", \"value\": 1, \"source\": \"s\"}]}" \
	  "gpai: cannot add .*: .bad.json.: facts\[1\]: unknown field .training.tokenz."
'

test_expect_success 'a bad value type names file, index, field and the type' '
	check_bad "{\"facts\": [{\"field\": \"model.parameters\", \"value\": \"many\", \"source\": \"s\"}]}" \
	  ".bad.json.: facts\[0\]: field .model.parameters.: invalid value .many. (want a non-negative integer" &&
	check_bad "{\"facts\": [{\"field\": \"release.date\", \"value\": true, \"source\": \"s\"}]}" \
	  ".bad.json.: facts\[0\] (field .release.date.): value must be a string or a number"
'

test_expect_success 'a missing or empty source names file, index and field' '
	check_bad "{\"facts\": [{\"field\": \"training.epochs\", \"value\": 1}]}" \
	  ".bad.json.: facts\[0\]: field .training.epochs.: a source is required" &&
	check_bad "{\"facts\": [{\"field\": \"training.epochs\", \"value\": 1, \"source\": \"\"}]}" \
	  ".bad.json.: facts\[0\]: field .training.epochs.: a source is required"
'

test_expect_success 'a missing field or value member is named' '
	check_bad "{\"facts\": [{\"value\": 1, \"source\": \"s\"}]}" \
	  ".bad.json.: facts\[0\]: member .field. is missing" &&
	check_bad "{\"facts\": [{\"field\": \"training.epochs\", \"source\": \"s\"}]}" \
	  ".bad.json.: facts\[0\] (field .training.epochs.): member .value. is missing" &&
	check_bad "{\"facts\": [3]}" ".bad.json.: facts\[0\] is not an object"
'

test_expect_success 'malformed JSON names the file and the byte offset' '
	check_bad "{\"facts\": [ {\"field\": }" ".bad.json. is not valid JSON (byte offset 22)"
'

test_expect_success 'structural errors: top level, facts member, unknown member' '
	check_bad "[1]" ".bad.json.: the top level must be an object" &&
	check_bad "{\"name\": \"x\"}" ".bad.json.: member .facts. must be an array" &&
	check_bad "{\"facts\": [], \"colour\": \"red\"}" ".bad.json.: unknown member .colour." &&
	check_bad "{\"facts\": [], \"name\": [1]}" ".bad.json.: member .name. must be a string"
'

test_expect_success 'bad top-level values are checked like the options' '
	check_bad "{\"facts\": [], \"license\": \"not a licence!\"}" "invalid licence" &&
	check_bad "{\"facts\": [], \"access\": \"public\"}" "invalid access .public." &&
	check_bad "{\"facts\": [], \"base\": \"nosuch@1\", \"relation\": \"finetune\"}" \
	  "base model .nosuch@1.: no model .nosuch."
'

test_expect_success 'a missing facts file is named' '
	test_expect_code 1 gpai add "$FILE" --facts nosuch.json 2>err &&
	grep_q "cannot open .nosuch.json." err &&
	nothing_added
'

test_expect_success 'every catalogue/*.json loads as a --no-files version' '
	pending=$(ls "$GPAI_TOP"/catalogue/*.json) &&
	for round in 1 2 3; do
		left=
		for f in $pending; do
			gpai --quiet add --no-files --facts "$f" >/dev/null 2>err ||
			{ grep -q "base model" err || { cat err; exit 1; }; left="$left $f"; }
		done
		pending=$left
	done &&
	test -z "$pending" &&
	test "$(gpai --quiet list | wc -l)" -eq "$(ls "$GPAI_TOP"/catalogue/*.json | wc -l)"
'

test_done
