#!/bin/sh
# t5005-dossier-eval: evaluation claims and their latest re-run reach the
# dossier, and the run's inference FLOP fills Form 8.1 (benchmarked
# inference compute) with its source; NCAs get its order of magnitude.
. "$GPAI_TOP/tests/cli/lib.sh"

S=$GPAI_SHARED/models/stories260K

published_greedy_text >expected.txt

item() { # FILE KEY FIELD
	json_get "$1" "[i[\"$3\"] for s in j[\"sections\"] for i in s[\"items\"] if i[\"key\"]==\"$2\"][0]"
}

test_expect_success 'a verified greedy claim and its run FLOP appear with their sources' '
	gpai init -q &&
	gpai add "$S/stories260K.gguf" --name s --version 1 -q &&
	gpai eval claim s@1 --task greedy --steps 200 --expected expected.txt \
		--source "llama2.c test_all.py expected_stdout" >/dev/null &&
	gpai --json eval verify s@1 >v.json &&
	flop=$(json_get v.json "j[\"claims\"][0][\"flop\"]") &&
	gpai dossier s@1 --format json --out d.json -q &&
	item d.json evaluation.claims value >e && grep_q "verified" e &&
	grep_q "llama2.c test_all.py expected_stdout" e &&
	want=$(/usr/bin/python3 -c "import sys; print(\"%.1e FLOP\" % float(sys.argv[1]))" "$flop") &&
	item d.json form.8.1.inference_flop value >f && echo "$want" >w && cmp w f &&
	item d.json form.8.1.inference_flop source >src && grep_q "measured: gpai eval run" src &&
	gpai dossier s@1 --audience nca --format json --out n.json -q &&
	item n.json form.8.1.inference_flop value >f && grep_q "^order of 10^" f
'

test_done
