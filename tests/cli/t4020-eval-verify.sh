#!/bin/sh
# t4020-eval-verify: `gpai eval claim` and `gpai eval verify` on stories260K:
# llama2.c test_all.py's greedy text and the derived perplexity (read in
# place from notes/inference_refs.md) pass on the real weights, each run is
# recorded with the root digest, and a copy with damaged weights fails.
. "$GPAI_TOP/tests/cli/lib.sh"

S=$GPAI_SHARED/models/stories260K
REFS=$GPAI_SHARED/notes/inference_refs.md

published_greedy_text >expected.txt
want=$(sed -n 's/.*Teacher-forced mean NLL of those 200 targets: \([0-9.]*\) nats.*/\1/p' "$REFS")

claims() { # REF
	gpai eval claim "$1" --task greedy --steps 200 --expected expected.txt \
		--source "llama2.c test_all.py expected_stdout (karpathy/llama2.c d9862069)" &&
	gpai eval claim "$1" --task perplexity --data expected.txt --expected "$want" \
		--tolerance 1e-5 --source "teacher-forced NLL, notes/inference_refs.md"
}

test_expect_success 'claims on the real weights verify' '
	test -n "$want" &&
	gpai init >/dev/null &&
	gpai add "$S/stories260K.gguf" --name stories260K --version 1 >/dev/null &&
	claims stories260K@1 >out &&
	grep_q "greedy claim 1 recorded" out &&
	gpai eval verify stories260K@1 >out &&
	grep_q "^claim 1 greedy: pass" out &&
	grep_q "^claim 2 perplexity: pass (mean NLL 0.4734" out
'

test_expect_success 'each run is recorded with the weights root digest and the FLOP' '
	gpai --json eval verify stories260K@1 >v.json &&
	test "$(json_get v.json "j[\"passed\"]")" = True &&
	root=$(json_get v.json "j[\"root_digest\"]") &&
	test "$(sqlite3 .gpai/catalogue.db "SELECT count(*) FROM eval_runs WHERE passed = 1 AND root_digest = '\''$root'\''")" = 4 &&
	test "$(sqlite3 .gpai/catalogue.db "SELECT count(*) FROM eval_runs WHERE flop > 0 AND engine_version != '\'''\''")" = 4 &&
	data=$(sha256sum expected.txt | cut -d" " -f1) &&
	test "$(sqlite3 .gpai/catalogue.db "SELECT data_digest FROM eval_claims WHERE task = '\''perplexity'\''")" = "$data"
'

test_expect_success 'the llama2.c file with its tokenizer verifies too' '
	mkdir l2c && cp "$S/stories260K.bin" "$S/tok512.bin" l2c/ &&
	gpai add l2c --opaque --name l2c --version 1 >/dev/null &&
	gpai eval claim l2c@1 --task greedy --steps 200 --expected expected.txt \
		--file stories260K.bin --tokenizer tok512.bin --source "llama2.c test_all.py" >/dev/null &&
	gpai eval verify l2c@1 >out &&
	grep_q "^claim 3 greedy: pass" out
'

test_expect_success 'gpai run NAME@VER runs the stored blobs' '
	gpai run stories260K@1 --temperature 0 --steps 200 >out 2>/dev/null &&
	printf "\n" >nl && cat expected.txt nl >want && cmp want out &&
	gpai run l2c@1 --file stories260K.bin --tokenizer tok512.bin --temperature 0 --steps 200 >out2 2>/dev/null &&
	cmp want out2 &&
	test_expect_code 1 gpai run nosuch@1 2>err && grep_q "cannot load model .nosuch@1." err &&
	test_expect_code 2 gpai run "$S/stories260K.gguf" --file x 2>err && grep_q "registry version" err
'

test_expect_success 'a copy with damaged weights fails verification (exit 1)' '
	cp "$S/stories260K.gguf" bad.gguf && chmod u+w bad.gguf &&
	/usr/bin/python3 -c "
import sys
f = open(\"bad.gguf\", \"r+b\")
f.seek(len(open(\"bad.gguf\", \"rb\").read()) // 2)
f.write(b\"\\x41\" * 4096)
" &&
	gpai add bad.gguf --name stories260K --version 2 >/dev/null &&
	claims stories260K@2 >/dev/null &&
	test_expect_code 1 gpai eval verify stories260K@2 >out 2>err &&
	grep_q "^claim .* greedy: FAIL" out &&
	grep_q "^claim .* perplexity: FAIL" out &&
	grep_q "2 of 2 claims failed" err
'

test_expect_success 'NaN weights fail with the reason' '
	cp "$S/stories260K.gguf" nan.gguf && chmod u+w nan.gguf &&
	/usr/bin/python3 -c "
f = open(\"nan.gguf\", \"r+b\")
f.seek(len(open(\"nan.gguf\", \"rb\").read()) // 2)
f.write(b\"\\xff\" * 4096)
" &&
	gpai add nan.gguf --name stories260K --version 3 >/dev/null &&
	gpai eval claim stories260K@3 --task greedy --steps 20 --expected expected.txt --source x >/dev/null &&
	test_expect_code 1 gpai eval verify stories260K@3 >out 2>/dev/null &&
	grep_q "FAIL (logit .* is not finite" out
'

test_expect_success 'gc keeps the data of a claim; rm removes claims and runs with the version' '
	gpai gc >/dev/null &&
	gpai eval verify stories260K@1 >out &&
	grep_q "^claim 2 perplexity: pass" out &&
	gpai rm stories260K@2 >/dev/null &&
	test "$(sqlite3 .gpai/catalogue.db "SELECT count(*) FROM eval_claims c JOIN versions v ON v.id = c.version_id WHERE v.version = '''2'''")" = 0 &&
	gpai eval verify stories260K@1 >/dev/null
'

test_expect_success 'bad input' '
	gpai add "$S/stories260K.gguf" --name noclaims --version 1 >/dev/null &&
	test_expect_code 1 gpai eval verify noclaims@1 2>err && grep_q "has no evaluation claims" err &&
	test_expect_code 1 gpai eval verify nosuch@1 2>err && grep_q "nosuch" err &&
	test_expect_code 2 gpai eval claim stories260K@1 --task greedy --expected expected.txt 2>err &&
	grep_q "needs --source" err &&
	test_expect_code 2 gpai eval claim stories260K@1 --task perplexity --data expected.txt \
		--expected 0.5 --source x 2>err && grep_q "needs --tolerance" err &&
	test_expect_code 2 gpai eval claim stories260K@1 --task perplexity --data expected.txt \
		--expected abc --tolerance 1 --source x 2>err && grep_q "is not a number" err &&
	test_expect_code 1 gpai eval claim stories260K@1 --task greedy --expected nosuch.txt --source x 2>err &&
	grep_q "cannot read the expected text" err
'

test_done
