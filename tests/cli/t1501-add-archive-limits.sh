#!/bin/sh
# t1501-add-archive-limits: gpai add --max-archive-bytes, --max-archive-entries
# and --max-archive-entry-bytes (docs/archives.md, "Limits").  An archive
# over a limit is refused with exit 1, naming the archive, the entry and
# the limit, and nothing is registered or stored; an archive exactly at a
# limit is accepted; a malformed limit is a usage error (exit 2).  The
# archives are built with Debian's python3 tarfile, independently of
# libarchive; sizes below are those of the generated files.
. "$GPAI_TOP/tests/cli/lib.sh"

# mktar OUT N SIZE: a tar of N files m/fK.bin of SIZE bytes each (distinct
# contents, so every file is a new blob).
mktar() {
	/usr/bin/python3 - "$1" "$2" "$3" <<-\EOF2
	import io, sys, tarfile
	out, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
	with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
	    for k in range(n):
	        data = (b"%d:" % k + b"w" * size)[:size]
	        ti = tarfile.TarInfo("m/f%d.bin" % k)
	        ti.size = len(data)
	        t.addfile(ti, io.BytesIO(data))
	EOF2
}
snapshot() {
	gpai list >"$1.list" 2>&1
	(cd .gpai && find objects tmp -type f 2>/dev/null | sort) >"$1.files"
}
unchanged() {
	snapshot after && cmp before.list after.list && cmp before.files after.files
}

test_expect_success 'setup: a registry and archives of 3 files of 1 MiB (3 MiB in all)' '
	gpai init >/dev/null &&
	mktar three.tar 3 1048576 &&
	/usr/bin/python3 -c "import tarfile; t = tarfile.open(\"three.tar\"); assert [m.size for m in t] == [1048576] * 3" &&
	snapshot before
'

test_expect_success 'more files than --max-archive-entries: exit 1 naming the archive, the entry and the limit' '
	test_expect_code 1 gpai add three.tar --max-archive-entries 2 2>err &&
	grep_q "cannot add .three.tar." err &&
	grep_q "unsafe entry .m/f2.bin. in archive .three.tar.: more than 2 files in the archive" err &&
	unchanged
'

test_expect_success 'a total over --max-archive-bytes: exit 1 naming the archive and the limit' '
	test_expect_code 1 gpai add three.tar --max-archive-bytes 2M 2>err &&
	grep_q "unsafe entry .m/f2.bin. in archive .three.tar.: archive total exceeds the limit of 2097152 bytes" err &&
	unchanged
'

test_expect_success 'a file over --max-archive-entry-bytes: exit 1 naming the entry and the limit' '
	test_expect_code 1 gpai add three.tar --max-archive-entry-bytes 1048575 2>err &&
	grep_q "unsafe entry .m/f0.bin. in archive .three.tar.: too large: 1048576 bytes, limit 1048575" err &&
	unchanged
'

test_expect_success 'an archive exactly at every limit is accepted' '
	gpai --json add three.tar --name at-limit --max-archive-entries 3 \
		--max-archive-bytes 3M --max-archive-entry-bytes 1024K >add.json &&
	test "$(json_get add.json "j[\"n_files\"], j[\"total_bytes\"]")" = "(3, 3145728)"
'

test_expect_success 'the default limits accept the archive' '
	gpai add three.tar --name defaults >/dev/null &&
	gpai show defaults@1 >show.out && grep_q "m/f2.bin" show.out
'

test_expect_success 'a limit that is not a positive size or count is a usage error (exit 2)' '
	for bad in 0 -1 1.5 12X K 99999999999999999999 20000000T; do
		test_expect_code 2 gpai add three.tar --max-archive-bytes "$bad" 2>err &&
		grep_q "max-archive-bytes .$bad. is not a size" err || return 1
	done &&
	test_expect_code 2 gpai add three.tar --max-archive-entries 1K 2>err &&
	grep_q "max-archive-entries .1K. is not a positive number of files" err &&
	test_expect_code 2 gpai add three.tar --max-archive-entry-bytes "" 2>err &&
	grep_q "max-archive-entry-bytes .. is not a size" err &&
	test_expect_code 2 gpai add three.tar --max-archive-entries 2>err
'

test_done
