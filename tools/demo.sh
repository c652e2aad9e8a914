#!/bin/sh
# demo.sh - the README's main job on the embedded default (`make demo`):
# in ./demo/ (removed and recreated) create a registry, add the tiny
# stories260K model (../shared/models/stories260K when present, else a small
# llama2.c model written by gpai-fixture), show it, export it to a tar.gz,
# add the export back to prove the digests survive, sign it (OpenSSF Model
# Signing) and verify the stored blobs, a deployed copy and a tampered copy
# (which must fail), and check the registry; then estimate and classify
# the training compute of the tiny model and of a frontier-scale model;
# then record llama2.c's published greedy output as an evaluation claim,
# verify it on the stored weights, and fail it on a copy with a damaged
# weight block (stories260K only).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
GPAI=$BUILD/gpai
FIXTURE=$BUILD/tests/gpai-fixture
: "${GPAI_SHARED:=$top/../shared}"
GPAI_SHARED=$(cd "$GPAI_SHARED" 2>/dev/null && pwd || echo "$GPAI_SHARED")
export GPAI_REGISTRY="$PWD/demo/.gpai"

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ gpai %s\n' "$*"; "$GPAI" "$@"; }

rm -rf demo
mkdir demo
cd demo

step "1. Create a registry: a SQLite catalogue and a content-addressed blob store"
run init

if [ -d "$GPAI_SHARED/models/stories260K" ]; then
	model=$GPAI_SHARED/models/stories260K
	step "2. Add the stories260K model ($model)"
	echo "   Each file is hashed (SHA-256) while it is copied into the store; the model's"
	echo "   OpenSSF Model Signing root digest is recorded with each file's tensor metadata."
	name=stories260K
	run add "$model" --name $name --provider "Andrej Karpathy (llama2.c)" --license MIT
	run fact set stories260K@1 license.url https://github.com/karpathy/llama2.c/blob/master/LICENSE \
		--source "models/stories260K/SOURCE.md (shared reference): llama2.c is MIT; the tinyllamas HF repo is MIT"
else
	model=$PWD/fixture-model
	step "2. Add a small llama2.c model written by gpai-fixture (no ../shared/models/stories260K here)"
	mkdir "$model"
	"$FIXTURE" llama2c "$model/model.bin" --tied
	"$FIXTURE" tokenizer "$model/tokenizer.bin"
	name=tiny-llama2c
	run add "$model" --name $name
fi

step "3. Show it: files, digests, parameters, facts with sources"
run show $name@1

step "4. Point the 'production' alias at it; every move is logged"
run alias $name@1 production
run log $name

step "5. Export it to a tar.gz with provenance.json, and add the archive back"
run export $name@production $name.tar.gz
run add $name.tar.gz --name $name-reimported
a=$("$GPAI" --json show $name@1 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["root_digest"])')
b=$("$GPAI" --json show $name-reimported | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["root_digest"])')
if [ "$a" = "$b" ]; then
	echo "   same root digest after the round trip: $a"
else
	echo "demo: the round trip changed the root digest ($a, $b)" >&2
	exit 1
fi

step "6. Sign it (OpenSSF Model Signing v1.0) with a new key, trusted in the registry"
run key generate --curve p256 --out demo-key.pem
run key import demo-key.pub.pem --trust
run sign $name@1 --key demo-key.pem
run verify $name@1 --trusted

step "7. Verify a deployed copy against the stored signature; a tampered copy fails"
run export $name@1 deployed
run verify $name@1 --path deployed --trusted
cp -r deployed tampered
f=$(ls -S tampered | grep -v provenance.json | head -n 1)
printf 'X' | dd of="tampered/$f" bs=1 seek=100 conv=notrunc 2>/dev/null
if run verify $name@1 --path tampered --trusted; then
	echo "demo: the tampered copy verified" >&2
	exit 1
fi
echo "   (expected: one changed byte in tampered/$f is caught)"

step "8. Check the registry: re-hash every blob, SQLite integrity check"
run fsck

step "9. Training compute of the tiny model (parameters from its tensors; 2.5e8 tokens is illustrative)"
if [ -f "$model/stories260K.bin" ]; then weights=$model/stories260K.bin; else weights=$model/model.bin; fi
run flops --model "$weights" --tokens 2.5e8
flop=$("$GPAI" flops --model "$weights" --tokens 2.5e8 --quiet)
run classify --flops "$flop" --quiet

step "10. A frontier-scale model by flags: Llama 3.1 405B (arXiv:2407.21783: 15.6T tokens, 30.84M H100-hours, ~40 % MFU)"
run flops --params 405e9 --tokens 15.6e12 --hardware H100 --chip-hours 30.84e6 --precision bf16 --utilization 0.4
run classify --flops 4.1e25 --low 2.7e25 --high 5.7e25 --outputs text --known 2024-01-15

if [ -f "$model/stories260K.gguf" ]; then
	step "11. Re-run a published evaluation on the stored weights: llama2.c test_all.py's greedy text"
	/usr/bin/python3 -c '
import ast, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.startswith("b'"'"'Once"):
        sys.stdout.buffer.write(ast.literal_eval(line.strip()))
        break
' "$GPAI_SHARED/notes/inference_refs.md" >expected.txt
	run eval claim $name@1 --task greedy --steps 200 --expected expected.txt --file stories260K.gguf \
		--source "llama2.c test_all.py expected_stdout (github.com/karpathy/llama2.c)"
	run eval verify $name@1
	step "12. A copy with one damaged weight block fails the same claim"
	mkdir damaged
	cp "$model/stories260K.gguf" damaged/
	chmod u+w damaged/stories260K.gguf
	# 64 bytes (16 float32 weights) in the middle of the tensor data
	printf 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' |
		dd of=damaged/stories260K.gguf bs=1 seek=600000 conv=notrunc 2>/dev/null
	run add damaged --name $name-damaged
	run eval claim $name-damaged@1 --task greedy --steps 200 --expected expected.txt \
		--file stories260K.gguf --source "llama2.c test_all.py expected_stdout"
	if run eval verify $name-damaged@1; then
		echo "demo: the damaged copy passed the claim" >&2
		exit 1
	fi
	echo "   (expected: the damaged weights no longer reproduce the published text)"
fi

step "13. The compliance dossier of the tiny model, from facts recorded with their published sources"
if [ "$name" = stories260K ]; then
	llama2c=https://github.com/karpathy/llama2.c
	run fact set $name@1 model.architecture llama --source "$llama2c (doc/stories260K.md: Llama 2 architecture)"
	run fact set $name@1 model.context_window 512 --source "$llama2c (doc/stories260K.md: max_seq_len 512)"
	run fact set $name@1 model.modalities.input text --source "$llama2c (README: text generation)"
	run fact set $name@1 model.modalities.output text --source "$llama2c (README: text generation)"
	run fact set $name@1 data.modalities text --source "arXiv:2305.07759 (TinyStories)"
	run fact set $name@1 data.provenance synthetic,public-datasets --source "arXiv:2305.07759, section 2"
	run fact set $name@1 data.synthetic "TinyStories: short stories generated by GPT-3.5 and GPT-4" --source "arXiv:2305.07759, section 2"
	run fact set $name@1 data.public_datasets "TinyStories, https://huggingface.co/datasets/roneneldan/TinyStories" --source "$llama2c (README: trained on TinyStories)"
	run fact set $name@1 openness.model_parameters_final MIT --source "https://huggingface.co/karpathy/tinyllamas"
	run fact set $name@1 openness.model_architecture MIT --source "$llama2c/blob/master/model.py"
	run fact set $name@1 openness.training_code MIT --source "$llama2c/blob/master/train.py"
	run fact set $name@1 openness.inference_code MIT --source "$llama2c/blob/master/run.c"
fi
run openness $name@1
run dossier $name@1 --audience aio --format html --out $name-dossier.html
run dossier $name@1 --audience public --format md --out $name-public.md --quiet
run dossier $name@1 --out $name-dossier.tar.gz --key demo-key.pem --quiet
run dossier verify $name-dossier.tar.gz --key demo-key.pub.pem --ref $name@1
run dossier $name@1 --history
printf '\nOpen the HTML dossier in a browser: %s/%s-dossier.html\n' "$PWD" "$name"

printf '\nDone: the registry is in ./demo/.gpai, the export in ./demo/%s.tar.gz\n' "$name"
