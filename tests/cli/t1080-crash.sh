#!/bin/sh
# t1080-crash: kill -9 at varied moments of add, rm and gc leaves a registry
# that fsck calls clean, that never lists a version with a missing blob, and
# whose leftover temporary files the next write removes.
. "$GPAI_TOP/tests/cli/lib.sh"

# A generated multi-MB model: 4 files of 3 MB.
mkdir model &&
for i in 0 1 2 3; do head -c 3000000 /dev/urandom >model/part$i.bin; done

# check_clean: fsck exits 0 (no corrupt, missing or stray blob; database
# ok), and every listed version's blobs exist with their recorded sizes.
check_clean() {
	gpai fsck >fsck.out 2>&1 || { cat fsck.out; return 1; }
	gpai --quiet list >listed &&
	/usr/bin/python3 - <<-\EOF
	import os, sqlite3
	db = sqlite3.connect(".gpai/catalogue.db")
	listed = set(open("listed").read().split())
	for name, ver, path, digest, size in db.execute(
	        "SELECT m.name, v.version, f.relpath, f.sha256, f.size FROM files f"
	        " JOIN versions v ON v.id = f.version_id JOIN models m ON m.id = v.model_id"):
	    assert "%s@%s" % (name, ver) in listed, (name, ver)
	    blob = ".gpai/objects/sha256/%s/%s" % (digest[:2], digest[2:])
	    assert os.path.getsize(blob) == size, (name, ver, path)
	EOF
}

# killed DELAY ARGS...: runs the gpai binary itself (not the shell function,
# so that the signal reaches it) in the background and kills it with
# SIGKILL after DELAY seconds (it may have finished by then).
killed() {
	d=$1; shift
	"$GPAI" "$@" >/dev/null 2>&1 &
	pid=$!
	sleep "$d"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	return 0
}

DELAYS="0 0.005 0.01 0.02 0.04 0.06 0.08 0.12"

test_expect_success 'setup' '
	gpai init >/dev/null
'

test_expect_success 'kill -9 during add at varied moments: fsck clean every time' '
	for d in $DELAYS; do
		killed $d add model --name m &&
		check_clean || { echo "after add killed at ${d}s" >&2; return 1; }
	done
'

test_expect_success 'the next write removes leftover temporary files' '
	echo partial >.gpai/tmp/4242-0.blob &&
	gpai add model --name m >/dev/null &&
	test -z "$(ls .gpai/tmp)" &&
	check_clean
'

test_expect_success 'kill -9 during rm at varied moments: fsck clean every time' '
	for d in $DELAYS; do
		gpai add model --name r >/dev/null &&
		v=$(gpai --quiet list | grep "^r@" | tail -n 1) &&
		killed $d rm "$v" &&
		check_clean || { echo "after rm killed at ${d}s" >&2; return 1; }
	done
'

test_expect_success 'kill -9 during gc at varied moments: fsck clean every time' '
	for d in $DELAYS; do
		gpai add model --name g --version "v$d" >/dev/null &&
		head -c 2000000 /dev/urandom >model/extra.bin &&
		gpai add model --name g2 >/dev/null && rm -f model/extra.bin &&
		for v in $(gpai --quiet list | grep "^g2@"); do gpai rm "$v" >/dev/null; done &&
		killed $d gc &&
		check_clean || { echo "after gc killed at ${d}s" >&2; return 1; }
	done
'

test_expect_success 'after all that, gc and fsck leave exactly the referenced blobs' '
	gpai gc >/dev/null &&
	gpai --json fsck >f.json &&
	test "$(json_get f.json "j[\"clean\"], j[\"orphans\"]")" = "(True, [])"
'

test_done
