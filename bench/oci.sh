#!/bin/sh
# oci.sh - `gpai push` and `gpai pull` throughput against the loopback CNCF
# distribution registry (Debian's docker-registry, storage on the same file
# system), compared with curl moving the same blobs in the same run:
# `curl -T` monolithic uploads (POST, then one PUT ?digest= per blob) and
# `curl -o` downloads of each blob.  The model: NFILES files, BENCH_BYTES
# in all (default 2 GiB), pseudo-random, in a temporary directory removed
# afterwards.  Each push goes to an emptied registry (no blob there yet).
# Prints a Markdown table and writes it, with the machine, the date and
# the load, into bench/RESULTS.md between the oci-bench markers.
#
#   BUILD=build sh bench/oci.sh            (make bench runs it)
#   BENCH_BYTES=536870912 sh bench/oci.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
GPAI=$BUILD/gpai
BYTES=${BENCH_BYTES:-2147483648}
NFILES=2
TIME=/usr/bin/time
REG_BIN=/usr/bin/docker-registry
results=$top/bench/RESULTS.md
[ -x "$REG_BIN" ] || { echo "bench: $REG_BIN is missing (apt-get install docker-registry)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/gpai-bench-oci-XXXXXX")
reg_pid=
stop_registry() {
	if [ -n "$reg_pid" ]; then
		kill "$reg_pid" 2>/dev/null || true
		wait "$reg_pid" 2>/dev/null || true
		reg_pid=
	fi
}
trap 'stop_registry; rm -rf "$work"' EXIT
trap 'exit 1' INT TERM HUP

# start_registry: an empty registry on a free loopback port (sets REG).
start_registry() {
	stop_registry
	rm -rf "$work/store"
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	REG=127.0.0.1:$port
	printf 'version: 0.1\nlog: {level: error}\nstorage:\n  filesystem: {rootdirectory: %s}\nhttp:\n  addr: %s\n  secret: gpai-bench\n' \
		"$work/store" "$REG" >"$work/registry.yml"
	"$REG_BIN" serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
	reg_pid=$!
	i=0
	until curl -s -o /dev/null "http://$REG/v2/"; do
		i=$((i + 1))
		[ $i -lt 100 ] || { cat "$work/registry.log" >&2; echo "bench: registry did not start" >&2; exit 1; }
		sleep 0.1
	done
}

mkdir "$work/model" "$work/curl-pull"
per=$((BYTES / NFILES))
i=0
while [ $i -lt $NFILES ]; do
	# Pseudo-random bytes (an AES-CTR keystream): incompressible, fast to make.
	openssl enc -aes-128-ctr -pass pass:gpai-bench-oci-$i -nosalt -pbkdf2 \
		</dev/zero 2>/dev/null | head -c "$per" >"$work/model/part$i.bin"
	i=$((i + 1))
done
total=$(cat "$work"/model/* | wc -c)
"$GPAI" --registry "$work/reg" init >/dev/null
"$GPAI" --registry "$work/reg" add "$work/model" --name bench --version 1 >/dev/null
# name and hex digest of each file, for curl
"$GPAI" --registry "$work/reg" show bench@1 --json |
	/usr/bin/python3 -c 'import json,sys; [print(f["path"], f["sha256"]) for f in json.load(sys.stdin)["files"]]' \
	>"$work/digests"

# measure NAME CMD...: appends "name|wall s|user s|sys s|peak RSS KiB".
: >"$work/rows"
measure() {
	name=$1
	shift
	# the same warm page cache for every run: the files curl sends and
	# the blobs gpai push sends (gpai add wrote them with O_DIRECT)
	cat "$work"/model/* >/dev/null
	find "$work/reg/objects" -type f -exec cat {} + >/dev/null
	$TIME -f "%e|%U|%S|%M" -o "$work/time" "$@" >/dev/null 2>"$work/err" ||
		{ cat "$work/err" >&2; exit 1; }
	printf "%s|%s\n" "$name" "$(tail -n 1 "$work/time")" >>"$work/rows"
}

# curl_push: each blob in one monolithic upload (POST, PUT ?digest= with curl -T).
cat >"$work/curl-push.sh" <<'SH'
set -eu
while read -r name hex; do
	loc=$(curl -s -f -X POST -D - -o /dev/null "http://$REG/v2/bench/curl/blobs/uploads/" |
		tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
	case $loc in http*) ;; *) loc=http://$REG$loc ;; esac
	case $loc in *\?*) sep='&' ;; *) sep='?' ;; esac
	curl -s -f -T "$MODEL/$name" -H "Content-Type: application/octet-stream" \
		"$loc${sep}digest=sha256:$hex" -o /dev/null
done <"$DIGESTS"
SH
# curl_pull: each blob with curl -o; with "check", then openssl's SHA-256
# of each file compared with its digest (the check gpai pull makes while
# streaming, done afterwards).
cat >"$work/curl-pull.sh" <<'SH'
set -eu
while read -r name hex; do
	rm -f "$OUT/$name"
	curl -s -f -o "$OUT/$name" "http://$REG/v2/bench/gpai/blobs/sha256:$hex"
	if [ "${1:-}" = check ]; then
		got=$(openssl dgst -sha256 -r "$OUT/$name" | cut -c1-64)
		[ "$got" = "$hex" ] || { echo "digest of $name differs" >&2; exit 1; }
	fi
done <"$DIGESTS"
SH
export MODEL="$work/model" DIGESTS="$work/digests" OUT="$work/curl-pull"

start_registry
export REG
measure "curl -T (monolithic PUT per blob)" sh "$work/curl-push.sh"
start_registry
export REG
measure "gpai push (HEAD, POST, PATCH chunks, PUT)" \
	"$GPAI" --registry "$work/reg" push bench@1 "oci://$REG/bench/gpai:v1" --insecure-http
measure "curl -o (one GET per blob)" sh "$work/curl-pull.sh"
measure "curl -o, then openssl dgst -sha256 of each file" sh "$work/curl-pull.sh" check
"$GPAI" --registry "$work/reg2" init >/dev/null
measure "gpai pull (GET, SHA-256 while streamed, fsync, register)" \
	"$GPAI" --registry "$work/reg2" pull "oci://$REG/bench/gpai:v1" --insecure-http
# the bytes arrived intact (checked outside the timings)
for f in "$work"/model/*; do
	cmp -s "$f" "$work/curl-pull/${f##*/}" || { echo "bench: curl -o got a different ${f##*/}" >&2; exit 1; }
done
"$GPAI" --registry "$work/reg2" show bench@1 --json >"$work/pulled.json"
"$GPAI" --registry "$work/reg" show bench@1 --json >"$work/pushed.json"
/usr/bin/python3 -c '
import json, sys
a, b = (json.load(open(p))["root_digest"] for p in sys.argv[1:3])
sys.exit(0 if a == b else "bench: the pulled root digest differs")' "$work/pushed.json" "$work/pulled.json"

cpu=$(grep -m1 "model name" /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
load=$(cut -d" " -f1-3 /proc/loadavg)
{
	printf "### %s — %s CPUs, %s, %s, %s\n\n" "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" \
		"$cpu" "$(curl --version | head -n 1 | cut -d" " -f1-2)" \
		"distribution $("$REG_BIN" --version 2>/dev/null | awk '{ print $NF; exit }')"
	printf "Model: %s files, %s bytes in all, pseudo-random; registry storage and gpai registry on\n" \
		"$NFILES" "$total"
	printf "the same file system, loopback HTTP. Load average at the end: %s. The registry\n" "$load"
	printf "process shares the CPUs with the client; CPU seconds are the client's only.\n\n"
	/usr/bin/python3 -c '
import sys
total = int(sys.argv[1])
rows = [l.split("|") for l in open(sys.argv[2]).read().splitlines() if l]
print("| direction | command | wall s | MB/s | x curl | client CPU s | peak RSS KiB |")
print("|---|---|---|---|---|---|---|")
base = {}
for name, wall, user, system, rss in rows:
    w = max(float(wall), 0.01); c = float(user) + float(system)
    d = "push" if ("push" in name or "-T" in name) else "pull"
    base.setdefault(d, w)
    print("| %s | %s | %.2f | %.0f | %.2f | %.2f | %s |" % (d, name, w, total / w / 1e6, base[d] / w, c, rss))
' "$total" "$work/rows"
	printf "\nx curl: the first row's wall time over this row's, per direction (1.00 = as fast as curl).\n"
	printf "curl -o neither hashes nor fsyncs; gpai pull hashes every byte while it streams, fsyncs\n"
	printf "and moves the files into its blob store; the openssl row adds the same digest check to\n"
	printf "curl, after the download. Both pushes start from an empty registry.\n"
} >"$work/report"
cat "$work/report"

[ -f "$results" ] || printf "# Benchmark results\n" >"$results"
/usr/bin/python3 "$top/bench/section.py" "$results" oci-bench \
	"OCI: gpai push and gpai pull against curl" bench/oci.sh "$work/report"
