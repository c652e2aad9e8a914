#!/bin/sh
# t1051-add-archive: gpai add of an archive: the same digests as the
# directory it was made from; unsafe archives (absolute paths, "..", links,
# devices, damage) are refused naming the entry, and nothing is registered.
. "$GPAI_TOP/tests/cli/lib.sh"
SQ="'"
SAMPLE=$GPAI_SHARED/reference/signing/sample-models/sample_model
ROOT=143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7

nothing_added() {
	gpai --quiet list >l && test ! -s l && test -z "$(find .gpai/objects -type f)"
}

# mktar OUT KIND: a tar with one good file and one bad entry (Debian python3).
mktar() {
	/usr/bin/python3 - "$1" "$2" <<-\EOF
	import io, sys, tarfile
	out, kind = sys.argv[1], sys.argv[2]
	with tarfile.open(out, "w") as t:
	    good = tarfile.TarInfo("model/w.bin"); data = b"weights"
	    good.size = len(data); t.addfile(good, io.BytesIO(data))
	    bad = tarfile.TarInfo({"abs": "/etc/evil", "dotdot": "model/../../evil",
	                           "symlink": "model/link", "hardlink": "model/hard",
	                           "device": "model/dev", "fifo": "model/fifo"}[kind])
	    if kind in ("abs", "dotdot"):
	        bad.size = 4; t.addfile(bad, io.BytesIO(b"evil"))
	    else:
	        bad.type = {"symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE,
	                    "device": tarfile.CHRTYPE, "fifo": tarfile.FIFOTYPE}[kind]
	        bad.linkname = "../../etc/passwd" if kind == "symlink" else "model/w.bin"
	        t.addfile(bad)
	EOF
}

test_expect_success 'setup' '
	gpai init >/dev/null
'

test_expect_success 'a GNU tar.gz made from sample_model has the published root digest' '
	tar czf s.tar.gz -C "$SAMPLE" . &&
	gpai --json add s.tar.gz >a.json &&
	test "$(json_get a.json "j[\"name\"], j[\"root_digest\"], j[\"n_files\"]")" = \
		"(${SQ}s${SQ}, ${SQ}$ROOT${SQ}, 10)" &&
	gpai rm s@1 >/dev/null && gpai gc >/dev/null && nothing_added
'

test_expect_success 'a zip made by Info-ZIP gives the same' '
	(cd "$SAMPLE" && zip -qr "$TRASH/s.zip" .) &&
	gpai --json add s.zip --name z >a.json &&
	test "$(json_get a.json "j[\"root_digest\"]")" = "$ROOT" &&
	gpai rm z@1 >/dev/null && gpai gc >/dev/null
'

for kind in abs dotdot symlink hardlink device fifo; do
test_expect_success "an archive with a $kind entry is refused, nothing registered" "
	mktar bad-$kind.tar $kind &&
	test_expect_code 1 gpai add bad-$kind.tar 2>err &&
	grep_q 'gpai: cannot add .bad-$kind.tar.: ' err &&
	grep_q 'bad-$kind.tar' err &&
	nothing_added
"
done

test_expect_success 'the refused entry is named' '
	test_expect_code 1 gpai add bad-abs.tar 2>err && grep_q "/etc/evil" err &&
	test_expect_code 1 gpai add bad-symlink.tar 2>err && grep_q "model/link" err &&
	test_expect_code 1 gpai add bad-device.tar 2>err && grep_q "model/dev" err
'

test_expect_success 'a truncated tar.gz is refused, nothing registered' '
	head -c 300 s.tar.gz >trunc.tar.gz &&
	test_expect_code 1 gpai add trunc.tar.gz 2>err &&
	grep_q "trunc.tar.gz" err &&
	nothing_added
'

test_done
