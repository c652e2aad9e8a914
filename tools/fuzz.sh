#!/bin/sh
# fuzz.sh - builds the libFuzzer targets in tests/fuzz/ (clang, ASan+UBSan)
# and runs each for a bounded time on a seed corpus generated here.
#
#   make fuzz                          every target, FUZZ_SECONDS each
#   FUZZ_SECONDS=300 sh tools/fuzz.sh  longer runs
#   FUZZ_TARGETS="archive json" sh tools/fuzz.sh
#
# Output goes to build/fuzz/: lib/ (the instrumented libgpai.a), bin/ (the
# targets), corpus/<target>/ (seeds plus what libFuzzer found; kept between
# runs), crashes/<target>/ (inputs that crashed).  A target whose parser is
# not in libgpai.a yet (its "fuzz-requires:" symbol) is listed as absent.
# Exits 1 if any target crashed; never part of `make test`.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_TARGETS=${FUZZ_TARGETS:-}
out=$top/build/fuzz
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
PKGS="sqlite3 libcrypto libarchive libcjson"
# Debian's python3, not the first on PATH (seed files are built with it).
PY=/usr/bin/python3

say() { echo "fuzz: $*" >&2; }

# ---- clang with libFuzzer --------------------------------------------------
probe_clang() {
	mkdir -p "$out"
	printf '%s\n' '#include <stdint.h>' '#include <stddef.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
		>"$out/probe.c"
	clang -fsanitize=fuzzer -o "$out/probe" "$out/probe.c" >/dev/null 2>&1
}
if ! command -v clang >/dev/null 2>&1 || ! probe_clang; then
	pkgs=clang
	if command -v clang >/dev/null 2>&1; then
		major=$(clang -dumpversion | cut -d. -f1)
		pkgs="libclang-rt-$major-dev"
	fi
	if [ "$(id -u)" -ne 0 ]; then
		say "clang with libFuzzer is missing; run as root:"
		say "  apt-get update && apt-get install -y $pkgs"
		exit 1
	fi
	say "installing $pkgs"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 || true
	apt-get install -y -qq $pkgs >&2
	if ! probe_clang; then
		major=$(clang -dumpversion | cut -d. -f1)
		say "installing libclang-rt-$major-dev"
		apt-get install -y -qq "libclang-rt-$major-dev" >&2
		probe_clang || { say "clang cannot link -fsanitize=fuzzer"; exit 1; }
	fi
fi
sh tools/deps.sh build

# ---- the instrumented library -------------------------------------------
# The Makefile builds it, with clang and coverage instrumentation for the
# fuzzer (fuzzer-no-link: the targets link the fuzzer's main).
# A source file clang cannot compile does not stop the others (make -k):
# the library is then made of what compiled, and a target that needs the
# missing part fails to link and is reported.
lib=$out/lib/libgpai.a
status=0
summary=""
if ! make -s -k BUILD=build/fuzz/lib CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
	CFLAGS="-fsanitize=fuzzer-no-link $SAN -Wno-unknown-warning-option" \
	build/fuzz/lib/libgpai.a >"$out/lib.log" 2>&1; then
	grep -E 'error' "$out/lib.log" >&2 || true
	say "clang could not compile all of libgpai.a (log: $out/lib.log)"
	summary="$summary
  libgpai.a: incomplete under clang (log $out/lib.log)"
	status=1
	# Not under the name make builds: the next run tries the whole again.
	lib=$out/lib/libgpai-partial.a
	rm -f "$lib"
	ar rcs "$lib" $(find "$out/lib" -name '*.o' ! -path '*/cli/*' ! -path '*/tests/*')
fi
incs=""
for m in common signing inference compute_estimator registry dossier; do
	incs="$incs -I$m"
done
deplibs="$(pkg-config --libs $PKGS) -lm"
depcflags=$(pkg-config --cflags $PKGS)

# ---- seed corpora --------------------------------------------------------
seeds=$out/seeds
rm -rf "$seeds"
mkdir -p "$seeds/archive" "$seeds/json" "$seeds/model" "$seeds/config" "$seeds/tokenizer" "$seeds/engine" \
	"$seeds/bundle" "$seeds/statement" "$seeds/fact"

# archive: each format, with a subdirectory, an empty file and a link
t=$(mktemp -d)
mkdir -p "$t/src/sub"
printf 'weights\n' >"$t/src/model.bin"
printf '{"dim": 8}\n' >"$t/src/sub/config.json"
: >"$t/src/sub/empty"
tar -cf "$seeds/archive/plain.tar" -C "$t/src" .
gzip -c "$seeds/archive/plain.tar" >"$seeds/archive/plain.tar.gz"
command -v zstd >/dev/null && zstd -q -c "$seeds/archive/plain.tar" >"$seeds/archive/plain.tar.zst"
command -v xz >/dev/null && xz -c "$seeds/archive/plain.tar" >"$seeds/archive/plain.tar.xz"
command -v bzip2 >/dev/null && bzip2 -c "$seeds/archive/plain.tar" >"$seeds/archive/plain.tar.bz2"
tar --format=pax -cf "$seeds/archive/pax.tar" -C "$t/src" .
tar --format=v7 -cf "$seeds/archive/v7.tar" -C "$t/src" model.bin
if command -v zip >/dev/null; then
	(cd "$t/src" && zip -q -r "$seeds/archive/deflate.zip" . && zip -q -0 -r "$seeds/archive/stored.zip" .)
fi
ln -s model.bin "$t/src/link"
tar -cf "$seeds/archive/link.tar" -C "$t/src" model.bin link
rm -rf "$t"

# json: the fact-file example of docs/facts.md and some edges
cat >"$seeds/json/facts.json" <<'EOF'
{"name": "llama-3.1-405b", "version": "1", "provider": "Meta",
 "license": "LicenseRef-Llama-3.1-Community", "access": "open-weight",
 "base": null, "relation": null,
 "facts": [{"field": "training.tokens", "value": "15.6e12", "source": "arXiv:2407.21783, section 3.1"},
           {"field": "training.stages", "value": [{"tokens": 1e12}], "source": "x"}]}
EOF
printf '[1, -2.5e300, "\\u00e9\\ud83d\\ude00", true, false, null, {}]' >"$seeds/json/values.json"
printf '{"a": {"b": [[[]]]}, "version": 3}' >"$seeds/json/nested.json"

for f in catalogue/*.json; do
	[ -f "$f" ] && cp "$f" "$seeds/json/"
done

# model: the first byte picks the ending (0 .gguf, 1 .safetensors, 2 .bin)
"$PY" - "$seeds/model" <<'EOF'
import json, struct, sys
d = sys.argv[1]

def gstr(s):
    b = s.encode()
    return struct.pack('<Q', len(b)) + b

# GGUF v3: 5 metadata pairs, 1 tensor (8x4 F32), alignment 32
kv = [('general.architecture', 8, gstr('llama')),
      ('llama.block_count', 4, struct.pack('<I', 1)),
      ('llama.embedding_length', 4, struct.pack('<I', 8)),
      ('llama.attention.head_count', 4, struct.pack('<I', 2)),
      ('llama.context_length', 4, struct.pack('<I', 16))]
h = b'GGUF' + struct.pack('<IQQ', 3, 1, len(kv))
for k, t, v in kv:
    h += gstr(k) + struct.pack('<I', t) + v
h += gstr('token_embd.weight') + struct.pack('<I', 2) + struct.pack('<QQ', 8, 4)
h += struct.pack('<IQ', 0, 0)
h += b'\0' * (-len(h) % 32) + b'\0' * (8 * 4 * 4)
open(d + '/tiny.gguf', 'wb').write(b'\0' + h)

# safetensors: one 2x2 F32 tensor
hdr = json.dumps({'w': {'dtype': 'F32', 'shape': [2, 2], 'data_offsets': [0, 16]},
                  '__metadata__': {'format': 'pt'}}).encode()
open(d + '/tiny.safetensors', 'wb').write(b'\1' + struct.pack('<Q', len(hdr)) + hdr + b'\0' * 16)

# llama2.c: the 7-int header (dim, hidden, layers, heads, kv heads, vocab, seq)
# and zeros for weights
cfg = struct.pack('<7i', 8, 16, 1, 2, 2, 4, 4)
open(d + '/tiny.bin', 'wb').write(b'\2' + cfg + b'\0' * 4 * 1024)

# llama2.c v2 (runq.c): magic, version 2, the same config, shared flag 1,
# group size 4 at byte 37, zeros to 256; float32 norms (2 per layer + final);
# then per matrix int8 q[n] and float32 scale[n / 4] (all q 1, scales 0.5)
dim, hid, nl, kv, vocab, gs = 8, 16, 1, 8, 4, 4
h = struct.pack('<Ii', 0x616b3432, 2) + cfg + struct.pack('<Bi', 1, gs)
h += b'\0' * (256 - len(h)) + struct.pack('<f', 1.0) * (2 * nl * dim + dim)
for n in [vocab * dim] + nl * [dim * dim, kv * dim, kv * dim, dim * dim,
                           hid * dim, dim * hid, hid * dim]:
    h += b'\1' * n + struct.pack('<f', 0.5) * (n // gs)
open(d + '/tiny-v2.bin', 'wb').write(b'\2' + h)
EOF
shared=${GPAI_SHARED:-$top/../shared}
if [ -f "$shared/models/stories260K/stories260K.gguf" ]; then
	{ printf '\000'; cat "$shared/models/stories260K/stories260K.gguf"; } >"$seeds/model/stories260K.gguf"
	{ printf '\002'; cat "$shared/models/stories260K/stories260K.bin"; } >"$seeds/model/stories260K.bin"
fi

# bundle: model_signing's signatures and the OMS spec test vectors
mkdir -p "$seeds/bundle"
i=0
for f in "$shared"/reference/signing/model-transparency/v*/model.sig \
	 "$shared"/reference/signing/oms-spec/test-vectors/v1.0/*/*.json; do
	[ -f "$f" ] || continue
	i=$((i + 1))
	cp "$f" "$seeds/bundle/vector$i.json"
done

# gpai-fixture models: every format, type and llama2.c version, small
fx=$top/build/tests/gpai-fixture
if [ -x "$fx" ]; then
	t=$(mktemp -d)
	"$fx" gguf "$t/q8.gguf" --type q8_0 --dim 32 && "$fx" gguf "$t/q4.gguf" --type q4_0 --dim 32 &&
		"$fx" gguf "$t/f16.gguf" --type f16 && "$fx" safetensors "$t/st" --dtype bf16 &&
		"$fx" llama2c "$t/v1.bin" --version 1 && "$fx" llama2c "$t/v2.bin" --version 2 --tied &&
		"$fx" llama2c "$t/v2g8.bin" --version 2 --group 8 --dim 32 &&
		"$fx" llama2c "$t/v2straddle.bin" --version 2 --dim 32 --hidden 48 --vocab 16 ||
		{ say "gpai-fixture failed"; exit 1; }
	for f in q8.gguf q4.gguf f16.gguf; do
		{ printf '\000'; cat "$t/$f"; } >"$seeds/model/fixture-$f"
	done
	{ printf '\001'; cat "$t/st/model.safetensors"; } >"$seeds/model/fixture.safetensors"
	for f in v1.bin v2.bin v2g8.bin v2straddle.bin; do
		{ printf '\002'; cat "$t/$f"; } >"$seeds/model/fixture-$f"
	done
	cp "$t/st/config.json" "$seeds/config/fixture-config.json"
	rm -rf "$t"
fi

# engine: the model seeds (same first-byte convention)
cp "$seeds/model"/* "$seeds/engine/"

# statement: the statements inside model_signing's bundles (DSSE
# payloads), and its golden statements
ms=$shared/reference/signing/model-transparency
if [ -d "$ms" ]; then
	"$PY" - "$seeds/statement" "$ms"/*/model.sig <<'EOF'
import base64, json, os, sys
out = sys.argv[1]
for sig in sys.argv[2:]:
    try:
        env = json.load(open(sig))["dsseEnvelope"]
    except (KeyError, ValueError):
        continue
    name = os.path.basename(os.path.dirname(sig))
    open(os.path.join(out, name + ".json"), "wb").write(base64.b64decode(env["payload"]))
EOF
	for g in "$ms"/goldens/payload/*.json; do
		[ -f "$g" ] && cp "$g" "$seeds/statement/golden-$(basename "$g")"
	done
fi

# fact: "FIELD\nVALUE" for every fact of the catalogue
"$PY" - "$seeds/fact" catalogue/*.json <<'EOF'
import json, os, sys
out, n = sys.argv[1], 0
for path in sys.argv[2:]:
    try:
        facts = json.load(open(path)).get("facts", [])
    except (OSError, ValueError):
        continue
    for f in facts:
        v = f.get("value")
        v = v if isinstance(v, str) else json.dumps(v)
        open(os.path.join(out, "%04d" % n), "w").write(f.get("field", "") + "\n" + v)
        n += 1
EOF

# tokenizer: two bytes of vocabulary size (little-endian), then the file
"$PY" - "$seeds/tokenizer" <<'EOF'
import struct, sys
d = sys.argv[1]
# max_token_length, then per piece: float score, int32 length, bytes
pieces = [b'<unk>', b'<s>', b'</s>'] + [b'<0x%02X>' % i for i in range(256)] + \
         [b'\xe2\x96\x81a', b'\xe2\x96\x81t', b'on', b'ce']
body = struct.pack('<i', 8)
for i, p in enumerate(pieces):
    body += struct.pack('<fi', -float(i), len(p)) + p
open(d + '/tiny.bin', 'wb').write(struct.pack('<H', len(pieces)) + body)
EOF
if [ -f "$shared/models/stories260K/tok512.bin" ]; then
	{ printf '\000\002'; cat "$shared/models/stories260K/tok512.bin"; } >"$seeds/tokenizer/tok512.bin"
fi

# config: HF config.json shapes
cat >"$seeds/config/llama.json" <<'EOF'
{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096,
 "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
 "num_key_value_heads": 8, "vocab_size": 128256, "max_position_embeddings": 131072,
 "tie_word_embeddings": false}
EOF
cat >"$seeds/config/mixtral.json" <<'EOF'
{"model_type": "mixtral", "hidden_size": 4096, "num_hidden_layers": 32,
 "num_local_experts": 8, "num_experts_per_tok": 2, "vocab_size": 32000}
EOF
cat >"$seeds/config/gpt2.json" <<'EOF'
{"model_type": "gpt2", "n_embd": 768, "n_layer": 12, "n_head": 12, "n_positions": 1024,
 "vocab_size": 50257}
EOF

# ---- build and run -------------------------------------------------------
mkdir -p "$out/bin" "$out/tmp"
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	short=${name#fuzz_}
	if [ -n "$FUZZ_TARGETS" ]; then
		case " $FUZZ_TARGETS " in *" $short "*) ;; *) continue ;; esac
	fi
	missing=""
	for need in $(sed -n 's/.*fuzz-requires:\([A-Za-z0-9_ ]*\).*/\1/p' "$src" | head -n 1); do
		nm "$lib" 2>/dev/null | grep -q " T $need\$" || missing="$missing $need"
	done
	if [ -n "$missing" ]; then
		say "$name: absent (not in libgpai.a yet:$missing)"
		summary="$summary
  $name: absent (not in libgpai.a:$missing)"
		continue
	fi
	if ! clang -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer $SAN $incs $depcflags \
		-o "$out/bin/$name" "$src" "$lib" $deplibs >"$out/$short.build.log" 2>&1; then
		cat "$out/$short.build.log" >&2
		say "$name: cannot be built"
		summary="$summary
  $name: NOT BUILT (log $out/$short.build.log)"
		status=1
		continue
	fi
	corpus=$out/corpus/$short
	crashes=$out/crashes/$short
	mkdir -p "$corpus" "$crashes"
	[ -d "$seeds/$short" ] && cp "$seeds/$short"/* "$corpus"/ 2>/dev/null || true
	say "$name: ${FUZZ_SECONDS}s on $(ls "$corpus" | wc -l) inputs"
	if TMPDIR=$out/tmp "$out/bin/$name" -max_total_time="$FUZZ_SECONDS" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$crashes/" "$corpus" >"$out/$short.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$short.log")
		summary="$summary
  $name: ok (${runs:-?} runs)"
	else
		status=1
		say "$name: FAILED; see $out/$short.log and $crashes/"
		tail -n 40 "$out/$short.log" >&2
		summary="$summary
  $name: FAILED (log $out/$short.log, inputs in $crashes/)"
	fi
done
echo "fuzz summary:$summary"
exit $status
