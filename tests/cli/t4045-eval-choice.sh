#!/bin/sh
# t4045-eval-choice: `gpai eval run|claim|verify --task choice` (docs/eval.md).
# gpai's token ids, per-choice summed log-likelihoods, acc and acc_norm are
# compared with tests/llama_ref.py's independent numpy float64 pass (its own
# SentencePiece encoder and lm-evaluation-harness's _encode_pair): on a
# gpai-fixture Llama (GGUF with its vocabulary) and on stories260K with
# hand-written story items.  Claims whose expected accuracy is the
# reference's verify; a far-off claim and a tampered data blob fail; every
# bad input exits 1 naming the file and line.
. "$GPAI_TOP/tests/cli/lib.sh"

S=$GPAI_SHARED/models/stories260K
REF=$GPAI_TOP/tests/llama_ref.py
# Tolerance on each summed log-likelihood (nats): float32 engine against
# float64 reference over at most a dozen tokens.
TOL=1e-4

close() { /usr/bin/python3 -c 'import sys; sys.exit(abs(float(sys.argv[1]) - float(sys.argv[2])) > float(sys.argv[3]))' "$@"; }

# ref_value FILE NAME: "accuracy" or "acc_norm" from llama_ref's summary line.
ref_value() { sed -n "s/.* $2 \([0-9.e-]*\).*/\1/p" "$1"; }

# rejects FILE MESSAGE: `eval run --task choice --data FILE` exits 1 and its
# error names 'FILE' followed by MESSAGE (a grep pattern).
rejects() {
	test_expect_code 1 gpai eval run fx.gguf --task choice --data "$1" 2>err &&
	grep_q "'$1' $2" err
}

# The fixture's small vocabulary: pieces of "the", "a", "s", "t", "e", "o",
# "n", "h", "d", "r", a few byte tokens (é, !, ?, ",", "."); other letters are
# <unk>.  Item 2 has acc and acc_norm disagree; item 3 an empty context (BOS
# alone); item 5 trailing whitespace moved onto the choices and a non-ASCII
# choice (n_chars counts code points); item 6 a no-break space, which
# Python's rstrip() also moves.
cat >fx.jsonl <<'EOF'
{"context": "the hat sat on a", "choices": [" rose", " tree", " star"], "gold": 0}
{"context": "she had a hot ", "choices": ["tea", "heat", "nest"], "gold": 1}

{"context": "", "choices": ["the rat", "a doe"], "gold": 1}
{"context": "on the dot, ", "choices": ["no", "one hen is there"], "gold": 1, "note": "ignored"}
{"context": "é the  \t", "choices": ["sea", "thé"], "gold": 0}
{"context": "a hat\u00a0", "choices": ["set", "tea"], "gold": 0}
EOF

cat >story.jsonl <<'EOF'
{"context": "Once upon a time, there was a little girl named Lily. She loved to play", "choices": [" outside in the park.", " with a big truck engine oil.", " quantum chromodynamics."], "gold": 0}
{"context": "Lily went to the park with her mom. She saw a big", "choices": [" dog.", " xylophone theorem.", " tree."], "gold": 0}
{"context": "Tom had a red ball. He liked to", "choices": [" play with his ball.", " eat the moon."], "gold": 0}
{"context": "The sun was shining and the birds were", "choices": [" singing.", " taxes.", " purple."], "gold": 0}
{"context": "Lily was sad because she lost her toy. Her mom gave her a hug and she felt", "choices": [" happy again.", " a table.", " seven."], "gold": 0}
EOF

test_expect_success 'fixture model: token ids, log-likelihoods, acc and acc_norm match the float64 reference' '
	fixture gguf fx.gguf &&
	gpai --json eval run fx.gguf --task choice --data fx.jsonl >fx.json 2>/dev/null &&
	test "$(json_get fx.json "j[\"n_items\"]")" = 6 &&
	test "$(json_get fx.json "[i[\"line\"] for i in j[\"items\"]]")" = "[1, 2, 4, 5, 6, 7]" &&
	test "$(json_get fx.json "j[\"items\"][4][\"n_chars\"]")" = "[3, 3]" &&
	test "$(json_get fx.json "j[\"items\"][2][\"context_tokens\"]")" = "[]" &&
	/usr/bin/python3 "$REF" --choice fx.gguf fx.jsonl fx.json $TOL >ref.out &&
	cat ref.out &&
	test "$(ref_value ref.out accuracy)" != "$(ref_value ref.out acc_norm)"
'

test_expect_success 'text output: accuracy and acc_norm with their counts, FLOP on stderr' '
	gpai eval run fx.gguf --task choice --data fx.jsonl >out 2>err &&
	n=$(json_get fx.json "j[\"n_correct\"]") && nn=$(json_get fx.json "j[\"n_correct_norm\"]") &&
	grep_q "^accuracy [0-9.]* ($n of 6), acc_norm [0-9.]* ($nn of 6)$" out &&
	grep_q "^inference FLOP: " err
'

test_expect_success 'the context KV cache is reused: FLOP of the context once per item, each choice after it' '
	/usr/bin/python3 -c "
import json, sys
j = json.load(open(\"fx.json\"))
# gpai-fixture defaults: 2 layers, dim 16; flop_at(pos) = per_token + 4 * 2 * 16 * pos
f = lambda p: j[\"flop_per_token\"] + 4 * 2 * 16 * p
want = 0
for it in j[\"items\"]:
    n = len(it[\"context_tokens\"])
    want += sum(f(p) for p in range(n + 1))
    for c in it[\"continuation_tokens\"]:
        want += sum(f(p) for p in range(n + 1, n + len(c)))
sys.exit(abs(j[\"flop\"] - want) > 0.5)
"
'

test_expect_success 'stories260K: hand-written story items against the reference, .bin and .gguf agree' '
	gpai --json eval run "$S/stories260K.gguf" --task choice --data story.jsonl >s.json 2>/dev/null &&
	/usr/bin/python3 "$REF" --choice "$S/stories260K.gguf" story.jsonl s.json $TOL >sref.out &&
	cat sref.out &&
	gpai --json eval run "$S/stories260K.bin" --tokenizer "$S/tok512.bin" --task choice \
		--data story.jsonl >b.json 2>/dev/null &&
	/usr/bin/python3 -c "
import json, sys
a, b = json.load(open(\"s.json\")), json.load(open(\"b.json\"))
for x, y in zip(a[\"items\"], b[\"items\"]):
    assert x[\"context_tokens\"] == y[\"context_tokens\"], (x, y)
    assert x[\"continuation_tokens\"] == y[\"continuation_tokens\"], (x, y)
    assert max(abs(p - q) for p, q in zip(x[\"loglik\"], y[\"loglik\"])) < 1e-6, (x, y)
assert a[\"accuracy\"] == b[\"accuracy\"] and a[\"acc_norm\"] == b[\"acc_norm\"]
"
'

test_expect_success 'stories260K: accuracy and acc_norm follow from the per-item numbers' '
	/usr/bin/python3 -c "
import json, sys
j = json.load(open(\"s.json\"))
docs = [json.loads(l) for l in open(\"story.jsonl\", encoding=\"utf-8\")]
acc = norm = 0
for d, it in zip(docs, j[\"items\"]):
    ll = it[\"loglik\"]
    pred = max(range(len(ll)), key=lambda k: (ll[k], -k))
    pn = max(range(len(ll)), key=lambda k: (ll[k] / len(d[\"choices\"][k]), -k))
    assert (pred, pn, d[\"gold\"]) == (it[\"pred\"], it[\"pred_norm\"], it[\"gold\"]), it
    acc += pred == d[\"gold\"]
    norm += pn == d[\"gold\"]
n = len(docs)
assert j[\"n_items\"] == n and j[\"n_correct\"] == acc and j[\"n_correct_norm\"] == norm
assert abs(j[\"accuracy\"] - acc / n) < 1e-15 and abs(j[\"acc_norm\"] - norm / n) < 1e-15
"
'

test_expect_success 'claims at the reference accuracy verify and each run is recorded' '
	acc=$(ref_value ref.out accuracy) && accn=$(ref_value ref.out acc_norm) &&
	test -n "$acc" && test -n "$accn" &&
	gpai init >/dev/null &&
	gpai add fx.gguf --name fx --version 1 >/dev/null &&
	gpai eval claim fx@1 --task choice --data fx.jsonl --expected "$acc" --tolerance 1e-9 \
		--source "tests/llama_ref.py float64 reference" >out &&
	grep_q "^fx@1: choice claim 1 recorded$" out &&
	gpai eval claim fx@1 --task choice --metric acc_norm --data fx.jsonl --expected "$accn" \
		--tolerance 1e-9 --source "tests/llama_ref.py float64 reference, acc_norm" >/dev/null &&
	gpai eval verify fx@1 >out &&
	grep_q "^claim 1 choice: pass (accuracy " out &&
	grep_q "^claim 2 choice: pass (accuracy " out &&
	data=$(sha256sum fx.jsonl | cut -d" " -f1) &&
	test "$(sqlite3 .gpai/catalogue.db "SELECT count(*) FROM eval_claims WHERE task = '\''choice'\'' AND data_digest = '\''$data'\''")" = 2 &&
	gpai --json eval verify fx@1 >v.json &&
	root=$(json_get v.json "j[\"root_digest\"]") &&
	test "$(json_get v.json "j[\"claims\"][0][\"data_digest\"]")" = "$data" &&
	close "$(json_get v.json "j[\"claims\"][1][\"measured\"]")" "$accn" 1e-12 &&
	test "$(sqlite3 .gpai/catalogue.db "SELECT count(*) FROM eval_runs WHERE passed = 1 AND root_digest = '\''$root'\'' AND data_digest = '\''$data'\'' AND flop > 0 AND engine_version != '\'''\'' AND run_at != '\'''\''")" = 4 &&
	close "$(sqlite3 .gpai/catalogue.db "SELECT measured FROM eval_runs WHERE claim_id = 1 LIMIT 1")" "$acc" 1e-12
'

test_expect_success 'gpai show lists the choice claims with their latest run' '
	gpai show fx@1 >out &&
	grep_q "^    claim 1 choice: pass (.* 2 runs)$" out &&
	grep_q "^      expected [0-9.]* +- 1e-09, measured [0-9.]*$" out &&
	gpai --json show fx@1 >s2.json &&
	test "$(json_get s2.json "j[\"evals\"][1][\"params\"][\"metric\"]")" = acc_norm &&
	test "$(json_get s2.json "j[\"evals\"][0][\"task\"]")" = choice
'

test_expect_success 'stories260K: a claim at the reference accuracy verifies' '
	gpai add "$S/stories260K.gguf" --name stories260K --version 1 >/dev/null &&
	gpai eval claim stories260K@1 --task choice --data story.jsonl \
		--expected "$(ref_value sref.out accuracy)" --tolerance 1e-9 --source "hand-written story items" >/dev/null &&
	gpai eval verify stories260K@1 >out &&
	grep_q "^claim 3 choice: pass" out
'

test_expect_success 'a claim far from the measured accuracy fails verify (exit 1)' '
	gpai add fx.gguf --name fx --version 2 >/dev/null &&
	far=$(/usr/bin/python3 -c "import sys; print(1 - float(sys.argv[1]))" "$(ref_value ref.out accuracy)") &&
	gpai eval claim fx@2 --task choice --data fx.jsonl --expected "$far" --tolerance 0.05 \
		--source "a wrong claim" >/dev/null &&
	test_expect_code 1 gpai eval verify fx@2 >out 2>err &&
	grep_q "^claim 4 choice: FAIL (accuracy " out &&
	close "$(sqlite3 .gpai/catalogue.db "SELECT measured FROM eval_runs WHERE claim_id = 4")" \
		"$(ref_value ref.out accuracy)" 1e-12 &&
	grep_q "1 of 1 claims failed" err
'

test_expect_success 'a tampered data blob in the registry is detected' '
	data=$(sha256sum fx.jsonl | cut -d" " -f1) &&
	blob=$(find .gpai -type f -name "*${data#??}*" | head -n 1) &&
	test -n "$blob" &&
	chmod u+w "$blob" &&
	sed "s/\"gold\": 0}/\"gold\": 1}/" fx.jsonl >"$blob" &&
	test_expect_code 1 gpai eval verify fx@1 >out 2>err &&
	grep_q "^claim 1 choice: FAIL (the data blob $data is damaged: its content hashes to " out &&
	grep_q "2 of 2 claims failed" err &&
	test "$(sqlite3 .gpai/catalogue.db "SELECT passed FROM eval_runs ORDER BY id DESC LIMIT 1")" = 0
'

test_expect_success 'bad input: each exits 1 naming the file and line' '
	printf "%s\n" "{\"context\": \"a\", \"choices\": [\"b\"], \"gold\": 0}" "{\"context\": \"a\", \"choices\": [\"b\"" >bad1.jsonl &&
	test_expect_code 1 gpai eval run fx.gguf --task choice --data bad1.jsonl 2>err &&
	grep_q "^gpai: .*'\''bad1.jsonl'\'' line 2: not valid JSON" err &&
	echo "{\"context\": \"a\", \"choices\": [\"b\", \"c\"], \"gold\": 2}" >bad2.jsonl &&
	rejects bad2.jsonl "line 1: \"gold\" 2 is out of range (2 choices: 0..1)" &&
	echo "{\"context\": \"a\", \"choices\": [], \"gold\": 0}" >bad3.jsonl &&
	rejects bad3.jsonl "line 1: \"choices\" is empty" &&
	/usr/bin/python3 -c "import json; print(json.dumps({\"context\": \"the hat \" * 40, \"choices\": [\"sat\"], \"gold\": 0}))" >bad4.jsonl &&
	rejects bad4.jsonl "line 1: choice 0 needs [0-9]* positions (BOS, [0-9]* context and [0-9]* continuation tokens, less the last), more than the context of 64" &&
	echo "{\"context\": \"a\", \"choices\": [\"b\", \"\"], \"gold\": 0}" >bad5.jsonl &&
	rejects bad5.jsonl "line 1: choice 1 is empty" &&
	echo "{\"choices\": [\"b\"], \"gold\": 0}" >bad6.jsonl &&
	rejects bad6.jsonl "line 1: \"context\" is missing" &&
	echo "{\"context\": \"a\", \"choices\": [\"b\"], \"gold\": 0.5}" >bad7.jsonl &&
	rejects bad7.jsonl "line 1: \"gold\" is not a whole number" &&
	echo "{\"context\": \"a\", \"choices\": \"b\", \"gold\": 0}" >bad8.jsonl &&
	rejects bad8.jsonl "line 1: \"choices\" is not an array" &&
	echo "[1, 2]" >bad9.jsonl &&
	rejects bad9.jsonl "line 1: not a JSON object" &&
	printf "\n  \n" >empty.jsonl &&
	rejects empty.jsonl "holds no items" &&
	printf "{\"context\": \"\\377\", \"choices\": [\"b\"], \"gold\": 0}\n" >bad10.jsonl &&
	rejects bad10.jsonl "is not valid UTF-8" &&
	echo "{\"context\": \"a\", \"choices\": [\"b\", 3], \"gold\": 0}" >bad11.jsonl &&
	rejects bad11.jsonl "line 1: choice 1 is not a string" &&
	test_expect_code 1 gpai eval run fx.gguf --task choice --data nosuch.jsonl 2>err &&
	grep_q "cannot read the data file" err
'

test_expect_success 'usage errors exit 2' '
	test_expect_code 2 gpai eval run fx.gguf --task choice 2>err && grep_q "needs --data" err &&
	test_expect_code 2 gpai eval claim fx@1 --task choice --data fx.jsonl --expected 0.5 \
		--source x 2>err && grep_q "a choice claim needs --tolerance" err &&
	test_expect_code 2 gpai eval claim fx@1 --task choice --data fx.jsonl --expected 0.5 \
		--tolerance 0.1 --metric f1 --source x 2>err && grep_q "metric is acc or acc_norm" err &&
	test_expect_code 2 gpai eval claim fx@1 --task perplexity --data fx.jsonl --expected 0.5 \
		--tolerance 0.1 --metric acc --source x 2>err && grep_q "for --task choice" err
'

test_done
