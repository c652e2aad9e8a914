#!/bin/sh
# t1502-export-kill: gpai export to an archive writes a temporary file
# .gpai-archive.tmp-* in the destination directory and holds flock(2) on
# it until the rename (docs/archives.md, "Writing").  After a kill -9 during
# a large export the temporary file is left; the next export into that
# directory removes it, but never one that a live writer holds locked.
. "$GPAI_TOP/tests/cli/lib.sh"

tmps() { find out -maxdepth 1 -name '.gpai-archive.tmp-*' | sort; }

test_expect_success 'setup: a 24 MiB model of random bytes (slow to xz-compress)' '
	gpai init >/dev/null &&
	mkdir big small out &&
	head -c 25165824 /dev/urandom >big/weights.bin &&
	echo "{}" >big/config.json &&
	echo "small weights" >small/w.bin &&
	gpai add big --name big >/dev/null &&
	gpai add small --name small >/dev/null
'

test_expect_success 'kill -9 during an export leaves its temporary file and no archive' '
	"$GPAI" export big@1 out/big.tar.xz >/dev/null 2>&1 &
	pid=$! &&
	n=0 &&
	until [ -n "$(find out -maxdepth 1 -name ".gpai-archive.tmp-*" -size +0)" ]; do
		n=$((n + 1)) &&
		[ $n -lt 600 ] &&
		kill -0 $pid && sleep 0.1 || break
	done &&
	kill -9 $pid && { wait $pid || true; } &&
	tmps >left && test $(wc -l <left) -eq 1 &&
	test ! -e out/big.tar.xz
'

test_expect_success 'the next export into that directory removes the stale file, not a locked one' '
	: >out/.gpai-archive.tmp-live &&
	rm -f locked &&
	/usr/bin/python3 -c "import fcntl, sys, time; f = open(sys.argv[1]); fcntl.flock(f, fcntl.LOCK_EX); open(sys.argv[2], \"w\").close(); time.sleep(60)" out/.gpai-archive.tmp-live locked &
	holder=$! &&
	n=0 && until [ -e locked ] || [ $n -ge 600 ]; do n=$((n + 1)); sleep 0.1; done &&
	gpai export small@1 out/small.tar >/dev/null &&
	tmps >now &&
	echo out/.gpai-archive.tmp-live >want && cmp want now &&
	kill $holder && { wait $holder || true; } &&
	/usr/bin/python3 -c "import tarfile, sys; n = tarfile.open(sys.argv[1]).getnames(); assert sorted(n) == [\"provenance.json\", \"w.bin\"], n" out/small.tar
'

test_expect_success 'once its holder is gone, the next export removes that file too' '
	gpai export small@1 out/small.zip >/dev/null &&
	tmps >now && test ! -s now &&
	ls -A out >files && printf "small.tar\nsmall.zip\n" >want && cmp want files
'

test_expect_success 'an export into the directory of a killed export completes and verifies' '
	gpai export big@1 out/big.tar >/dev/null &&
	mkdir x && tar -xf out/big.tar -C x &&
	cmp big/weights.bin x/weights.bin && tmps >now && test ! -s now
'

test_done
