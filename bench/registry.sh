#!/bin/sh
# registry.sh - `gpai add` and `gpai fsck` throughput against sha256sum and
# one `openssl dgst -sha256` stream over the same generated model (4 files,
# BENCH_BYTES in all, default 2 GB, pseudo-random, in a temporary directory
# removed afterwards), warm page cache.  Prints a Markdown table and writes
# it, with the machine and the date, into bench/RESULTS.md between the
# registry-bench markers.  Target (DESIGN.md, issue 2): add >= 0.8x openssl.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
GPAI=$BUILD/gpai
BYTES=${BENCH_BYTES:-2000000000}
NFILES=4
TIME=/usr/bin/time
results=$top/bench/RESULTS.md

work=$(mktemp -d "${TMPDIR:-/tmp}/gpai-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/model"
per=$((BYTES / NFILES))
i=0
while [ $i -lt $NFILES ]; do
	# Pseudo-random bytes (an AES-CTR keystream): incompressible, and far
	# faster to make than reading /dev/urandom.
	openssl enc -aes-128-ctr -pass pass:gpai-bench-$i -nosalt -pbkdf2 \
		</dev/zero 2>/dev/null | head -c "$per" >"$work/model/part$i.bin"
	i=$((i + 1))
done
total=$(cat "$work"/model/* | wc -c)

# measure NAME CMD...: appends "name|wall s|user s|sys s|peak RSS KiB".
: >"$work/rows"
measure() {
	name=$1
	shift
	cat "$work"/model/* >/dev/null # warm page cache for every run
	[ ! -d "$work/reg/objects" ] || find "$work/reg/objects" -type f -exec cat {} + >/dev/null
	$TIME -f "%e|%U|%S|%M" -o "$work/time" "$@" >/dev/null 2>"$work/err" ||
		{ cat "$work/err" >&2; exit 1; }
	printf "%s|%s\n" "$name" "$(tail -n 1 "$work/time")" >>"$work/rows"
}

measure "openssl dgst -sha256 (one stream)" openssl dgst -sha256 "$work"/model/*
measure "sha256sum" sha256sum "$work"/model/*
"$GPAI" --registry "$work/reg" init >/dev/null
measure "gpai add (hash + copy + fsync)" "$GPAI" --registry "$work/reg" add "$work/model" --name bench
measure "gpai fsck (re-hash every blob)" "$GPAI" --registry "$work/reg" fsck

cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
if grep -q -m1 sha_ni /proc/cpuinfo; then sha="with SHA-NI"; else sha="without SHA-NI"; fi
load=$(cut -d" " -f1-3 /proc/loadavg)
{
	printf "### %s — %s CPUs, %s %s, %s\n\n" "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" \
		"$cpu" "$sha" "$(openssl version | cut -d" " -f1-2)"
	printf "Model: %s files, %s bytes in all, pseudo-random, warm page cache; registry on the\n" \
		"$NFILES" "$total"
	printf "same file system. Load average at the end: %s. On a shared machine with more\n" "$load"
	printf "runnable processes than CPUs the wall-clock columns measure the other load too;\n"
	printf "CPU seconds do not.\n\n"
	/usr/bin/python3 -c '
import sys
total = int(sys.argv[1])
rows = [l.split("|") for l in open(sys.argv[2]).read().splitlines() if l]
bw = float(rows[0][1]); bc = float(rows[0][2]) + float(rows[0][3])
print("| command | wall s | GB/s | x openssl (wall) | CPU s | x openssl (CPU) | peak RSS KiB |")
print("|---|---|---|---|---|---|---|")
for name, wall, user, system, rss in rows:
    w = max(float(wall), 0.01); c = max(float(user) + float(system), 0.01)
    print("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s |" % (name, w, total / w / 1e9, bw / w, c, bc / c, rss))
' "$total" "$work/rows"
	printf "\ngpai add reads each file once: one thread reads and hashes, a second writes the copy\n"
	printf "(O_DIRECT where the file system allows it), which is then fsynced and renamed into the\n"
	printf "store. fsck runs with the blobs in the page cache. Target: add >= 0.8x one openssl stream.\n"
} >"$work/report"
cat "$work/report"

[ -f "$results" ] || printf "# Benchmark results\n" >"$results"
/usr/bin/python3 "$top/bench/section.py" "$results" registry-bench \
	"Registry: gpai add and gpai fsck" bench/registry.sh "$work/report"
