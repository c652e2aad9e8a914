#!/bin/sh
# t1070-fsck: gpai fsck re-hashes every blob, checks the database and
# reports corrupt, missing and orphan blobs by digest (exit 1 if unclean).
. "$GPAI_TOP/tests/cli/lib.sh"
SQ="'"
SAMPLE=$GPAI_SHARED/reference/signing/sample-models/sample_model
F00=fdd8925354242a7fd1515e79534317b800015607a609cd306e0b4dcfe6c92249
F01=e16940b5e44ce981150bda37c4ba95881a749a521b4a297c5cdf97bdcfe965e6
blob() { echo ".gpai/objects/sha256/$(echo $1 | cut -c1-2)/$(echo $1 | cut -c3-)"; }

test_expect_success 'a fresh registry is clean' '
	gpai init >/dev/null && gpai add "$SAMPLE" --name m >/dev/null &&
	gpai fsck >out &&
	grep_q "^database: ok$" out &&
	grep_q "^clean: 10 blobs, 234 B checked$" out
'

test_expect_success 'fsck --json reports counts and empty lists' '
	gpai --json fsck >f.json &&
	test "$(json_get f.json "j[\"clean\"], j[\"database\"], j[\"blobs_checked\"], j[\"bytes_checked\"], j[\"corrupt\"], j[\"missing\"], j[\"orphans\"]")" = \
		"(True, ${SQ}ok${SQ}, 10, 234, [], [], [])"
'

test_expect_success 'a changed blob is reported corrupt by digest (exit 1)' '
	chmod u+w "$(blob $F00)" && echo tampered >"$(blob $F00)" &&
	test_expect_code 1 gpai fsck >out &&
	grep_q "^corrupt blob $F00 (content does not match its digest)$" out &&
	grep_q "^NOT CLEAN: 10 blobs" out
'

test_expect_success 'a missing blob is reported by digest (exit 1)' '
	rm -f "$(blob $F01)" &&
	test_expect_code 1 gpai --json fsck >f.json &&
	test "$(json_get f.json "j[\"clean\"], j[\"missing\"], j[\"corrupt\"]")" = \
		"(False, [${SQ}$F01${SQ}], [${SQ}$F00${SQ}])"
'

test_expect_success 'orphans are reported but do not fail the check' '
	rm -rf .gpai && gpai init >/dev/null && gpai add "$SAMPLE" --name m >/dev/null &&
	gpai rm m@1 >/dev/null &&
	gpai fsck >out &&
	grep_q "^orphan blob $F00 (unreferenced; .gpai gc. removes it)$" out &&
	grep_q "^clean: 10 blobs" out &&
	gpai gc >/dev/null && gpai --json fsck >f.json &&
	test "$(json_get f.json "j[\"orphans\"], j[\"blobs_checked\"]")" = "([], 0)"
'

test_expect_success 'a stray file in the store fails the check, named by path' '
	mkdir -p .gpai/objects/sha256/zz && echo x >.gpai/objects/sha256/zz/notablob &&
	test_expect_code 1 gpai fsck >out &&
	grep_q "^stray file .*objects/sha256/zz. in the blob store$" out &&
	rm -rf .gpai/objects/sha256/zz
'

test_expect_success 'a damaged database fails the check' '
	gpai add "$SAMPLE" --name m >/dev/null &&
	sqlite3 .gpai/catalogue.db "PRAGMA writable_schema=ON; UPDATE sqlite_master SET sql=replace(sql, ${SQ}files_by_digest${SQ}, ${SQ}files_by_digest${SQ}) WHERE 0;" &&
	/usr/bin/python3 -c "
import sqlite3
db = sqlite3.connect(\".gpai/catalogue.db\")
pg = db.execute(\"PRAGMA page_size\").fetchone()[0]
root = db.execute(\"SELECT rootpage FROM sqlite_master WHERE name=${SQ}files_by_digest${SQ}\").fetchone()[0]
db.close()
f = open(\".gpai/catalogue.db\", \"r+b\"); f.seek((root - 1) * pg + 8 + 4 * 2); f.write(b\"\\xff\\xff\"); f.close()
" &&
	test_expect_code 1 gpai fsck >out 2>&1 &&
	! grep -q "^database: ok$" out &&
	grep_q "^database: \*\*\* in database main \*\*\*" out && grep_q "^NOT CLEAN" out
'

test_expect_success 'usage error' '
	test_expect_code 2 gpai fsck --deep 2>err && grep_q "unknown option .--deep." err
'

test_done
