#!/bin/sh
# t1081-concurrent: two gpai add processes at once both succeed (distinct
# versions, shared blobs stored once); gc run during an add never takes the
# add's blobs.
. "$GPAI_TOP/tests/cli/lib.sh"

mkdir model &&
for i in 0 1 2; do head -c 2000000 /dev/urandom >model/part$i.bin; done

test_expect_success 'two adds of the same name at once: both succeed, versions 1 and 2' '
	gpai init >/dev/null
	gpai add model --name m >a.out 2>a.err &
	pa=$!
	gpai add model --name m >b.out 2>b.err &
	pb=$!
	wait $pa && wait $pb || { cat a.err b.err; return 1; }
	gpai --quiet list >l &&
	printf "m@1\nm@2\n" >want && diff want l &&
	test "$(find .gpai/objects -type f | wc -l)" -eq 3 &&
	gpai fsck >/dev/null
'

test_expect_success 'two adds of different models at once: both listed, fsck clean' '
	cp -r model other && head -c 1000000 /dev/urandom >other/own.bin
	gpai add model --name x >/dev/null &
	pa=$!
	gpai add other --name y >/dev/null &
	pb=$!
	wait $pa && wait $pb &&
	gpai --quiet list | grep -q "^x@1$" &&
	gpai --quiet list | grep -q "^y@1$" &&
	gpai fsck >/dev/null
'

test_expect_success 'gc running beside adds never removes their blobs' '
	for i in 1 2 3; do
		head -c 1500000 /dev/urandom >model/part0.bin || return 1
		gpai add model --name z >/dev/null &
		pa=$!
		gpai gc >/dev/null &
		pg=$!
		wait $pa && wait $pg || return 1
	done &&
	gpai fsck >f.out && grep_q "^clean:" f.out &&
	test "$(gpai --quiet list | grep -c "^z@")" -eq 3
'

test_done
