#!/bin/sh
# t1090-add-model-meta: gpai add records tensor metadata read from the
# model-file headers (inference's readers) and show explains why the
# stories260K .bin and .gguf count parameters differently.  Expected values
# come from the llama2.c header arithmetic and from tests/data/model_header.py
# (an independent Python reader), never from gpai itself.
. "$GPAI_TOP/tests/cli/lib.sh"
SQ="'"
S=$GPAI_SHARED/models/stories260K
HDR="/usr/bin/python3 $GPAI_TOP/tests/data/model_header.py"

# llama2.c export.py: 7 int32 (dim, hidden, layers, heads, kv heads, vocab
# (negative = separate classifier), seq_len), then the weights.
bin_params() {
	/usr/bin/python3 - "$1" <<-\EOF
	import struct, sys
	dim, hid, L, h, kv, vocab, seq = struct.unpack("<7i", open(sys.argv[1], "rb").read(28))
	kvd = dim * kv // h
	layer = 2 * dim + 2 * dim * dim + 2 * dim * kvd + 3 * dim * hid
	n = abs(vocab) * dim + L * layer + dim + (abs(vocab) * dim if vocab < 0 else 0)
	print(n, L, dim, h, kv, abs(vocab))
	EOF
}

meta() { json_get show.json "{f[\"path\"]: f[\"model\"] for f in j[\"files\"]}[\"$1\"]$2"; }

test_expect_success 'setup' '
	have_shared models/stories260K/stories260K.gguf &&
	gpai init >/dev/null && gpai add "$S" >/dev/null &&
	gpai --json show stories260K >show.json
'

test_expect_success '.bin: llama2.c header arithmetic gives the parameter count (260,032)' '
	set -- $(bin_params "$S/stories260K.bin") &&
	test "$1" = 260032 &&
	test "$(meta stories260K.bin "[\"n_params\"]")" = "$1" &&
	test "$(meta stories260K.bin "[\"n_layers\"]")" = "$2" &&
	test "$(meta stories260K.bin "[\"hidden_size\"]")" = "$3" &&
	test "$(meta stories260K.bin "[\"n_heads\"]")" = "$4" &&
	test "$(meta stories260K.bin "[\"n_kv_heads\"]")" = "$5" &&
	test "$(meta stories260K.bin "[\"vocab_size\"]")" = "$6" &&
	test "$(meta stories260K.bin "[\"tied_embeddings\"]")" = 1
'

test_expect_success '.gguf: tensor count and elements equal the independent reader' '
	$HDR gguf "$S/stories260K.gguf" >ref.json &&
	test "$(meta stories260K.gguf "[\"n_tensors\"]")" = "$(json_get ref.json "j[\"n_tensors\"]")" &&
	test "$(meta stories260K.gguf "[\"n_params\"]")" = "$(json_get ref.json "j[\"n_params\"]")" &&
	test "$(meta stories260K.gguf "[\"dtypes\"]")" = "$(json_get ref.json "j[\"dtypes\"]")" &&
	test "$(meta stories260K.gguf "[\"format\"]")" = gguf
'

test_expect_success 'the GGUF output matrix repeats the embedding: distinct count = .bin count' '
	$HDR same "$S/stories260K.gguf" output.weight token_embd.weight >same.json &&
	test "$(json_get same.json "j[\"same\"]")" = 1 &&
	test "$(meta stories260K.gguf "[\"n_params_distinct\"]")" = 260032 &&
	test "$(json_get ref.json "j[\"n_params\"]")" -gt 260032
'

test_expect_success 'show explains the difference in a note' '
	gpai show stories260K >out &&
	grep_q "^      format llama2c, .*n_params 260032" out &&
	grep_q "^      format gguf, .*n_params 292800, n_params_distinct 260032" out &&
	grep_q "note: output.weight is a byte-identical copy of token_embd.weight" out &&
	grep_q "note: llama2.c v0 checkpoint: the classifier shares token_embd.weight" out
'

test_expect_success 'files that are no model have null metadata' '
	test "$(meta SOURCE.md "")" = None &&
	test "$(meta tok512.bin "")" = None
'

test_expect_success 'the version metadata is the directory model (GGUF preferred over .bin)' '
	test "$(json_get show.json "j[\"model\"][\"format\"], j[\"model\"][\"n_params_distinct\"]")" = \
		"(${SQ}gguf${SQ}, 260032)"
'

test_expect_success 'a malformed GGUF header is refused naming file and offset; nothing stored' '
	mkdir bad && head -c 100 "$S/stories260K.gguf" >bad/m.gguf &&
	test_expect_code 1 gpai add bad 2>err &&
	grep_q "gpai: cannot add .bad.: malformed model file (add --opaque to store it as an opaque file): .bad/m.gguf.: offset [0-9]" err &&
	test "$(gpai --quiet list)" = stories260K@1 &&
	test -z "$(ls .gpai/tmp)"
'

test_expect_success '--opaque stores it with the reason in the note' '
	gpai --json add bad --opaque >/dev/null &&
	gpai --json show bad >b.json &&
	test "$(json_get b.json "j[\"files\"][0][\"model\"][\"format\"]")" = opaque &&
	json_get b.json "j[\"files\"][0][\"model\"][\"note\"]" | grep -q "stored as opaque (--opaque): .bad/m.gguf.: offset"
'

test_expect_success 'an archive of the model gets the same metadata (read from the blobs)' '
	gpai export stories260K@1 s.tar.gz >/dev/null && gpai add s.tar.gz >/dev/null &&
	gpai --json show s >a.json &&
	test "$(json_get a.json "j[\"model\"]")" = "$(json_get show.json "j[\"model\"]")" &&
	test "$(json_get a.json "[f[\"model\"] for f in j[\"files\"]]")" = "$(json_get show.json "[f[\"model\"] for f in j[\"files\"]]")"
'

test_done
