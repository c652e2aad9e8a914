#!/bin/sh
# hash.sh - `gpai hash` and `gpai verify` throughput against one
# `openssl dgst -sha256` stream and `sha256sum` over the same files, warm
# page cache (DESIGN.md target: >= 1.8x the OpenSSL stream on 2 cores,
# resident memory independent of the model size).
#
#   BUILD=build sh bench/hash.sh          (make bench runs it)
#   BENCH_GIB=4 BENCH_DIR=build/bench/hash sh bench/hash.sh
#
# The model: 4 files of BENCH_GIB/8 GiB and one of BENCH_GIB/2 GiB
# (pseudo-random, AES-CTR keystream from openssl), made once and kept in
# BENCH_DIR.  Prints a Markdown table; copy it into bench/RESULTS.md with
# the machine and date.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
GPAI=$BUILD/gpai
GIB=${BENCH_GIB:-4}
DIR=${BENCH_DIR:-$BUILD/bench/hash}
MODEL=$DIR/model
MIB=1048576

small=$((GIB * 1024 / 8))   # MiB per small file
large=$((GIB * 1024 / 2))   # MiB of the large file
mkdir -p "$MODEL"

# gen NAME MiB: deterministic pseudo-random content (fast: AES-CTR).
gen() {
	f=$MODEL/$1
	want=$(($2 * MIB))
	if [ ! -f "$f" ] || [ "$(stat -c %s "$f")" -ne "$want" ]; then
		openssl enc -aes-128-ctr -nosalt -pass "pass:gpai-bench-$1" -pbkdf2 \
			</dev/zero 2>/dev/null | head -c "$want" >"$f"
	fi
}
for i in 1 2 3 4; do
	gen "shard-0000$i-of-00004.bin" "$small"
done
gen "model.gguf" "$large"
rm -f "$MODEL/model.sig"
bytes=$(cat "$MODEL"/* | wc -c)

# Warm the page cache.
cat "$MODEL"/* >/dev/null

# run LABEL CMD...: wall seconds, CPU seconds (user + system) and peak RSS
# (GNU time), one line.  On a shared machine the CPU seconds per byte show
# the efficiency when wall time is dominated by other load.
results=""
run() {
	label=$1
	shift
	/usr/bin/time -f "%e %U %S %M" -o "$DIR/time.out" "$@" >/dev/null 2>"$DIR/err.out" || {
		cat "$DIR/err.out" >&2
		echo "bench: $label failed" >&2
		exit 1
	}
	read -r secs usr sys rss <"$DIR/time.out"
	gbs=$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.2f", (s > 0 ? b / s / 1e9 : 0) }')
	cpu=$(awk -v u="$usr" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
	results="$results
$label|$secs|$gbs|$cpu|$rss"
}

run "openssl dgst -sha256 (one stream)" openssl dgst -sha256 "$MODEL"/*
run "sha256sum" sha256sum "$MODEL"/*
run "gpai hash --method files" "$GPAI" hash --quiet "$MODEL"
run "gpai hash --method shards" "$GPAI" hash --quiet --method shards "$MODEL"
run "gpai hash --method shards --hash blake2b" "$GPAI" hash --quiet --method shards --hash blake2b "$MODEL"
rm -f "$DIR/bench.pem" "$DIR/bench.pub.pem"
"$GPAI" key generate --curve p256 --out "$DIR/bench.pem" >/dev/null
"$GPAI" sign --quiet "$MODEL" --key "$DIR/bench.pem" --method shards >/dev/null
run "gpai verify (shards)" "$GPAI" verify --quiet "$MODEL" --key "$DIR/bench.pub.pem"
rm -f "$MODEL/model.sig"

base=$(echo "$results" | awk -F'|' 'NR == 2 { print $2 }')
echo "model: $(ls "$MODEL" | wc -l) files, $bytes bytes (largest $large MiB); warm cache; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| command | wall s | GB/s | x openssl | CPU s | peak RSS (KiB) |"
echo "|---|---|---|---|---|---|"
echo "$results" | awk -F'|' -v base="$base" 'NF == 5 {
	printf "| %s | %s | %s | %.2f | %s | %s |\n", $1, $2, $3, ($2 > 0 ? base / $2 : 0), $4, $5 }'
