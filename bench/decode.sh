#!/bin/sh
# decode.sh - decode speed of the reference engine against the memory-
# bandwidth bound (docs/inference.md, Speed).  Writes 15M- and 110M-shaped
# random Llama models (llama2.c stories15M/110M shapes, tied classifier,
# 32000 vocab) with gpai-fixture as GGUF F32 and Q8_0, measures greedy
# decode tokens/s at 2 threads (best of 3 runs of 64 steps), measures the
# machine's copy bandwidth (bench/stream.c, STREAM "Copy" convention), and
# prints a Markdown section (recorded by hand in bench/RESULTS.md).  Bound = bandwidth / weight bytes
# per token (every weight is read once per token; the KV cache is ignored).
#
#   BUILD=build sh bench/decode.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
GPAI=$BUILD/gpai
FIX=$BUILD/tests/gpai-fixture
THREADS=${THREADS:-2}
STEPS=64
work=$(mktemp -d "${TMPDIR:-/tmp}/gpai-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT

${CC:-cc} -O2 -pthread -o "$work/stream" "$top/bench/stream.c"
bw=$("$work/stream" "$THREADS" 512 | sed -n 's/^copy_gbps //p')

row() { # NAME SHAPE TYPE
	"$FIX" gguf "$work/m.gguf" --type "$3" $2 --tied --seed 1
	best=0
	bytes=0
	for i in 1 2 3; do
		"$GPAI" --json run "$work/m.gguf" --temperature 0 --steps $STEPS --threads "$THREADS" >"$work/r.json"
		set -- "$1" "$2" "$3" $(/usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["tokens_per_second"], int(j["weight_bytes"]))' "$work/r.json")
		best=$(/usr/bin/python3 -c 'import sys; print(max(float(sys.argv[1]), float(sys.argv[2])))' "$best" "$4")
		bytes=$5
		set -- "$1" "$2" "$3"
	done
	/usr/bin/python3 -c '
import sys
name, typ, tps, nbytes, bw = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
bound = bw * 1e9 / nbytes
print("| %s | %s | %.1f MB | %.1f | %.1f | %.0f %% |" % (name, typ.upper(), nbytes / 1e6, tps, bound, 100 * tps / bound))
' "$1" "$3" "$best" "$bytes" "$bw"
}

S15="--dim 288 --hidden 768 --layers 6 --heads 6 --kv-heads 6 --vocab 32000 --seq 256"
S110="--dim 768 --hidden 2048 --layers 12 --heads 12 --kv-heads 12 --vocab 32000 --seq 1024"
{
	echo
	echo "## decode, $(date -u +%Y-%m-%dT%H:%MZ)"
	echo
	echo "Machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) CPUs online," \
		"load average $(cut -d' ' -f1-3 /proc/loadavg) at the start; $THREADS threads; gpai $("$GPAI" --version | cut -d' ' -f2)."
	echo "Copy bandwidth ($THREADS threads, bench/stream.c): $bw GB/s."
	echo
	echo "| model | weights | bytes/token | tok/s | bound tok/s | of bound |"
	echo "|---|---|---|---|---|---|"
	row 15M "$S15" f32
	row 15M "$S15" q8_0
	row 110M "$S110" f32
	row 110M "$S110" q8_0
}
