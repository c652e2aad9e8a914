#!/bin/sh
# t1500-add-archive: gpai add of archives through registry/archive.c.
# Every unsafe or damaged archive is refused with exit 1, naming the archive
# and the entry, and leaves the registry exactly as it was (same `gpai list`,
# no new file under objects/ or tmp/), even when good files come before
# the bad entry.  Archives of one tree in every format (made by GNU tar,
# gzip, zstd, xz, Info-ZIP and by gpai export) give the same root digest as
# adding the tree itself.  Bad archives are built with Debian's python3
# (tarfile, zipfile), independently of libarchive.
. "$GPAI_TOP/tests/cli/lib.sh"

# The registry's files, to compare before and after a refused add.
snapshot() {
	gpai list >"$1.list" 2>&1
	(cd .gpai && find objects tmp -type f 2>/dev/null | sort) >"$1.files"
}
unchanged() {
	snapshot after &&
	cmp before.list after.list && cmp before.files after.files
}

# mkbad OUT KIND: an archive whose first entries are good, new files
# (content no blob has yet), followed by one bad entry.
mkbad() {
	/usr/bin/python3 - "$1" "$2" <<-\EOF
	import io, struct, sys, tarfile, zipfile
	out, kind = sys.argv[1], sys.argv[2]
	good = [("m/a.bin", b"fresh weights " + kind.encode() * 50),
	        ("m/b.txt", b"more fresh bytes " + kind.encode())]

	def tar(bad_members, fmt=tarfile.PAX_FORMAT, encoding="utf-8"):
	    with tarfile.open(out, "w", format=fmt, encoding=encoding,
	                      errors="surrogateescape") as t:
	        for name, data in good:
	            i = tarfile.TarInfo(name); i.size = len(data)
	            t.addfile(i, io.BytesIO(data))
	        for info, data in bad_members:
	            t.addfile(info, io.BytesIO(data) if data is not None else None)

	def reg(name, data):
	    i = tarfile.TarInfo(name); i.size = len(data); return (i, data)

	def zip_(extra, flag_utf8=True):
	    with zipfile.ZipFile(out, "w") as z:
	        for name, data in good:
	            z.writestr(name, data)
	        for zi, data in extra:
	            z.writestr(zi, data)

	if kind == "blockdev":
	    i = tarfile.TarInfo("m/blk"); i.type = tarfile.BLKTYPE
	    i.devmajor, i.devminor = 8, 0; tar([(i, None)])
	elif kind == "backslash":
	    tar([reg("m\\..\\..\\evil", b"evil")])
	elif kind == "nonutf8":
	    # ustar stores the raw bytes: Latin-1 "caf\xe9"
	    tar([reg("m/caf\udce9.bin", b"x")], fmt=tarfile.USTAR_FORMAT)
	elif kind == "duplicate":
	    tar([reg("./m/a.bin", b"other content")])
	elif kind == "filedir":
	    tar([reg("m/a.bin/inner", b"x")])
	elif kind == "zipdotdot":
	    zip_([(zipfile.ZipInfo("m/../../evil"), b"evil")])
	elif kind == "zipsocket":
	    zi = zipfile.ZipInfo("m/sock"); zi.create_system = 3
	    zi.external_attr = (0o140644) << 16
	    zip_([(zi, b"")])
	elif kind == "zipsymlink":
	    zi = zipfile.ZipInfo("m/link"); zi.create_system = 3
	    zi.external_attr = (0o120777) << 16
	    zip_([(zi, b"/etc/passwd")])
	elif kind == "zipcrc":
	    zip_([(zipfile.ZipInfo("m/c.bin"), b"C" * 3000)])
	    d = bytearray(open(out, "rb").read())
	    at = d.find(b"m/c.bin" + b"C" * 10)
	    d[at + len("m/c.bin") + 100] ^= 0x55  # stored: flip a data byte
	    open(out, "wb").write(bytes(d))
	elif kind == "tarlong":
	    # header says 1000 bytes, 3000 follow
	    tar([reg("m/long.bin", b"L" * 3000)], fmt=tarfile.USTAR_FORMAT)
	    d = bytearray(open(out, "rb").read())
	    h = d.find(b"m/long.bin\0")
	    d[h + 124:h + 136] = b"%011o\0" % 1000
	    d[h + 148:h + 156] = b"        "
	    d[h + 148:h + 156] = b"%06o\0 " % sum(d[h:h + 512])
	    open(out, "wb").write(bytes(d))
	elif kind == "tarshort":
	    tar([reg("m/cut.bin", b"S" * 20000)], fmt=tarfile.USTAR_FORMAT)
	    d = open(out, "rb").read()
	    h = d.find(b"m/cut.bin\0")
	    open(out, "wb").write(d[:h + 512 + 7000])
	EOF
}

test_expect_success 'setup: a registry that already holds a model' '
	gpai init >/dev/null &&
	mkdir -p tree/sub/deep &&
	printf "weights one\n" >tree/w.bin &&
	head -c 70000 /dev/urandom >tree/sub/big.bin &&
	: >tree/sub/deep/empty &&
	printf "{\"dim\": 8}\n" >tree/config.json &&
	gpai --json add tree --name base >base.json &&
	json_get base.json "j[\"root_digest\"]" >root &&
	test -s root
'

# Each case: the archive, the entry that must be named and the reason given.
while read -r kind archive entry reason; do
test_expect_success "add refuses $kind ($archive): '$entry', $reason; registers nothing" "
	mkbad $archive $kind &&
	snapshot before &&
	test_expect_code 1 gpai add $archive --name bad 2>err &&
	grep_q '^gpai: ' err &&
	grep_q '$archive' err &&
	grep -F -q -e '$entry' err &&
	grep -F -q -e \"\$reason\" err &&
	unchanged
"
done <<EOF
blockdev bd.tar m/blk block device
backslash bs.tar evil backslash in path
nonutf8 nu.tar caf\\xe9.bin not valid UTF-8
duplicate dup.tar m/a.bin duplicate path
filedir fd.tar m/a.bin/inner which is a file
zipdotdot dd.zip m/../../evil '..' component
zipsocket so.zip m/sock socket
zipsymlink sl.zip m/link symbolic link
zipcrc crc.zip m/c.bin bad CRC
tarlong long.tar m/long.bin cannot read the next header
tarshort short.tar m/cut.bin Truncated tar archive
EOF

test_expect_success 'a refused archive compressed the same way is refused too' '
	mkbad dup2.tar duplicate && zstd -q dup2.tar -o dup2.tar.zst &&
	snapshot before &&
	test_expect_code 1 gpai add dup2.tar.zst --name bad 2>err &&
	grep_q "dup2.tar.zst" err && grep_q "m/a.bin" err &&
	unchanged
'

# Same tree, every archive format: the root digest of the directory.
same_root() {
	gpai --json add "$1" --name "$2" >"$2.json" &&
	test "$(json_get "$2.json" "j[\"root_digest\"]")" = "$(cat root)" &&
	test "$(json_get "$2.json" "j[\"n_files\"]")" = 4
}

test_expect_success 'tar from GNU tar: the directory root digest' '
	tar -cf t.tar -C tree . && same_root t.tar t-tar
'
test_expect_success 'tar.gz from GNU tar and gzip: the directory root digest' '
	tar -cf - -C tree . | gzip -c >t.tar.gz && same_root t.tar.gz t-tgz
'
test_expect_success 'tar.zst from zstd: the directory root digest' '
	tar -cf - -C tree . | zstd -q -o t.tar.zst && same_root t.tar.zst t-zst
'
test_expect_success 'tar.xz from xz: the directory root digest' '
	tar -cf - -C tree . | xz -c >t.tar.xz && same_root t.tar.xz t-xz
'
test_expect_success 'zip from Info-ZIP (deflated and stored): the directory root digest' '
	(cd tree && zip -q -r ../t.zip . && zip -q -0 -r ../t0.zip .) &&
	same_root t.zip t-zip && same_root t0.zip t-zip0
'
test_expect_success 'an archive without an archive ending is recognised by content' '
	cp t.tar.zst blob.data && same_root blob.data t-noext
'

for ext in tar tar.gz tar.zst tar.xz zip; do
test_expect_success "export to .$ext and add back: the same root digest" "
	gpai export base@1 out.$ext >/dev/null &&
	same_root out.$ext back-$(echo $ext | tr . -)
"
done

test_expect_success 'the refused adds left no blob: fsck is clean, gc frees nothing new' '
	gpai fsck >fsck.out 2>&1 &&
	snapshot final &&
	gpai gc >/dev/null &&
	snapshot after-gc && cmp final.files after-gc.files
'

test_done
