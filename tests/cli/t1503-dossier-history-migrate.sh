#!/bin/sh
# t1503-dossier-history-migrate: the dossier history lives in the catalogue
# (table dossiers, schema 4; docs/registry.md).  A schema-3 registry, whose
# history was files dossiers/NAME/VER/N.json, is written by this test:
# schema 3 is schema 4 without the dossiers table (the 3 -> 4 migration
# only adds it), so a registry made by gpai has that table dropped and
# user_version set to 3 with Debian's python3 sqlite3, and the record files
# are written in schema 3's format.  Opening it imports the records in one
# transaction and removes the folder after the commit; a record that cannot
# be read stops the migration and changes nothing.  Then fsck checks every
# kept document, rm removes a version's history and gc its documents.
. "$GPAI_TOP/tests/cli/lib.sh"
PY=/usr/bin/python3
BIN=$GPAI_SHARED/models/stories260K/stories260K.bin

# sql QUERY: one value from the catalogue.
sql() {
	$PY -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' \
		.gpai/catalogue.db "$1"
}
# blob HEX: path of a blob.
blob() { echo ".gpai/objects/sha256/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-)"; }

test_expect_success 'setup: a schema-3 registry with dossier records as files' '
	gpai --registry scratch init >/dev/null &&
	gpai --registry scratch add "$BIN" --name s >/dev/null &&
	gpai --registry scratch dossier s@1 --format json --out doc1.json -q &&
	gpai --registry scratch dossier s@1 --audience public --format json --out doc2.json -q &&
	gpai init >/dev/null &&
	gpai add "$BIN" --name s >/dev/null &&
	gpai add "$BIN" --name s >/dev/null &&
	$PY - <<-\EOF &&
	import hashlib, json, os, sqlite3
	c = sqlite3.connect(".gpai/catalogue.db")
	c.execute("DROP TABLE dossiers")
	c.execute("PRAGMA user_version = 3")
	c.commit()
	assert c.execute("SELECT count(*) FROM sqlite_master WHERE name LIKE ?", ("dossiers%",)).fetchone()[0] == 0
	def rec(n, aud, fmt, src):
	    return {"number": n, "generated_at": "2026-01-0%dT03:04:05Z" % n, "generated_by": "alice",
	            "audience": aud, "format": fmt, "out": "/x/" + src,
	            "sha256": hashlib.sha256(open(src, "rb").read()).hexdigest(),
	            "document": json.load(open(src))}
	for d in ("s/1", "s/2", "gone/1"):
	    os.makedirs(".gpai/dossiers/" + d)
	json.dump(rec(1, "aio", "json", "doc1.json"), open(".gpai/dossiers/s/1/1.json", "w"), indent=2)
	open(".gpai/dossiers/s/1/2.json", "w").close()
	json.dump(rec(3, "public", "md", "doc2.json"), open(".gpai/dossiers/s/1/3.json", "w"), indent=2)
	open(".gpai/dossiers/s/1/notes.txt", "w").write("not a record\n")
	open(".gpai/dossiers/s/2/1.json", "w").write("{\"number\": 1, broken")
	json.dump(rec(1, "aio", "json", "doc1.json"), open(".gpai/dossiers/gone/1/1.json", "w"))
	EOF
	test "$(sql "PRAGMA user_version")" = 3
'

test_expect_success 'a record that cannot be read stops the migration and changes nothing' '
	(cd .gpai && find dossiers objects -type f | sort) >before &&
	mkdir .gpai/dossiers/s/1/4.json &&
	test_expect_code 1 gpai list 2>err &&
	grep_q "cannot migrate the catalogue" err &&
	grep_q "dossiers/s/1/4.json" err &&
	test "$(sql "PRAGMA user_version")" = 3 &&
	test "$(sql "SELECT count(*) FROM sqlite_master WHERE name = '"'"'dossiers'"'"'")" = 0 &&
	rmdir .gpai/dossiers/s/1/4.json &&
	(cd .gpai && find dossiers objects -type f | sort) >after &&
	cmp before after
'

test_expect_success 'opening migrates: each record becomes a row, the folder goes' '
	gpai list >/dev/null &&
	test "$(sql "PRAGMA user_version")" = 4 &&
	test ! -e .gpai/dossiers &&
	gpai --json dossier s@1 --history >h.json &&
	test "$(json_get h.json "[(e[\"number\"], e[\"generated_at\"], e[\"generated_by\"], e[\"audience\"], e[\"format\"], e[\"out\"]) for e in j]")" = \
		"[(1, '"'"'2026-01-01T03:04:05Z'"'"', '"'"'alice'"'"', '"'"'aio'"'"', '"'"'json'"'"', '"'"'/x/doc1.json'"'"'), (3, '"'"'2026-01-03T03:04:05Z'"'"', '"'"'alice'"'"', '"'"'public'"'"', '"'"'md'"'"', '"'"'/x/doc2.json'"'"')]" &&
	test "$(json_get h.json "j[0][\"sha256\"]")" = "$(sha256sum doc1.json | cut -d" " -f1)" &&
	test "$(json_get h.json "j[1][\"sha256\"]")" = "$(sha256sum doc2.json | cut -d" " -f1)" &&
	test "$(sql "SELECT count(*) FROM dossiers d JOIN versions v ON v.id = d.version_id WHERE v.version = '"'"'1'"'"' AND d.number = 2 AND d.document_digest IS NULL")" = 1
'

test_expect_success 'each imported document is a blob that hashes to its digest and equals the record' '
	for k in 0 1; do
		h=$(json_get h.json "j[$k][\"document_sha256\"]") &&
		test "$(sha256sum "$(blob "$h")" | cut -d" " -f1)" = "$h" &&
		test "$(json_get h.json "j[$k][\"document_size\"]")" = "$(wc -c <"$(blob "$h")")" &&
		$PY -c "import json, sys; assert json.load(open(sys.argv[1])) == json.load(open(sys.argv[2]))" \
			"$(blob "$h")" "doc$((k + 1)).json" || return 1
	done
'

test_expect_success 'numbers go on after the highest imported one, the failed reservation included' '
	gpai dossier s@1 --format json --out d4.json -q &&
	gpai --json dossier s@1 --history >h2.json &&
	test "$(json_get h2.json "[e[\"number\"] for e in j]")" = "[1, 3, 4]" &&
	test "$(json_get d4.json "j[\"document\"][\"version\"]")" = 4 &&
	h=$(json_get h2.json "j[2][\"document_sha256\"]") &&
	$PY -c "import json, sys; assert json.load(open(sys.argv[1])) == json.load(open(sys.argv[2]))" "$(blob "$h")" d4.json
'

test_expect_success 'fsck names the record that was not JSON as a bad dossier (exit 1)' '
	h=$(sql "SELECT document_digest FROM dossiers d JOIN versions v ON v.id = d.version_id WHERE v.version = '"'"'2'"'"'") &&
	test "$(cat "$(blob "$h")")" = "{\"number\": 1, broken" &&
	test_expect_code 1 gpai fsck >out &&
	grep_q "^bad dossier s@2 #1: document blob $h is not JSON" out &&
	grep_q "^NOT CLEAN: .*, 4 kept dossiers$" out &&
	test_expect_code 1 gpai --json fsck >f.json &&
	test "$(json_get f.json "j[\"clean\"], j[\"dossiers_checked\"], len(j[\"bad_dossiers\"]), j[\"legacy_dossiers\"]")" = "(False, 4, 1, None)"
'

test_expect_success 'fsck names a kept document whose blob changed, and one whose blob is gone' '
	h=$(json_get h2.json "j[0][\"document_sha256\"]") && b=$(blob "$h") &&
	cp "$b" saved && chmod u+w "$b" && printf " " >>"$b" &&
	test_expect_code 1 gpai fsck >out &&
	grep_q "^corrupt blob $h" out &&
	grep_q "^bad dossier s@1 #1: document blob $h does not match its digest" out &&
	rm -f "$b" &&
	test_expect_code 1 gpai fsck >out &&
	grep_q "^missing blob $h" out &&
	grep_q "^bad dossier s@1 #1: document blob $h is missing" out &&
	cp saved "$b" && chmod 0444 "$b" &&
	test_expect_code 1 gpai fsck >out && ! grep -q "s@1 #" out
'

test_expect_success 'rm removes the version'"'"'s history; gc then drops its documents' '
	bad=$(sql "SELECT document_digest FROM dossiers d JOIN versions v ON v.id = d.version_id WHERE v.version = '"'"'2'"'"'") &&
	gpai rm s@2 >/dev/null &&
	gpai fsck >out && grep_q "^clean: .*, 3 kept dossiers$" out &&
	test -e "$(blob "$bad")" &&
	gpai --json gc >g.json && test "$(json_get g.json "j[\"blobs_removed\"]")" = 1 &&
	test ! -e "$(blob "$bad")" &&
	json_get h2.json "\" \".join(e[\"document_sha256\"] for e in j)" >docs &&
	gpai rm s@1 >/dev/null &&
	test "$(sql "SELECT count(*) FROM dossiers")" = 0 &&
	gpai gc >/dev/null &&
	for h in $(cat docs); do test ! -e "$(blob "$h")" || return 1; done &&
	gpai fsck >out && grep_q "^clean: 0 blobs" out
'

test_expect_success 'a folder left by a migration killed after its commit: fsck notes it, gc removes it' '
	mkdir -p .gpai/dossiers/x/1 && echo "{}" >.gpai/dossiers/x/1/1.json &&
	gpai fsck >out && grep_q "^leftover folder .*dossiers. (already imported" out &&
	gpai --json gc >g.json && test "$(json_get g.json "j[\"legacy_removed\"]")" = 1 &&
	test ! -e .gpai/dossiers && gpai --json fsck >f.json &&
	test "$(json_get f.json "j[\"legacy_dossiers\"]")" = None
'

test_expect_success 'a new registry keeps its dossiers in the catalogue, not in files' '
	gpai --registry fresh init >/dev/null &&
	gpai --registry fresh add "$BIN" --name t >/dev/null &&
	gpai --registry fresh dossier t@1 --format md --out t.md -q &&
	test ! -e fresh/dossiers &&
	gpai --registry fresh --json dossier t@1 --history >t.json &&
	test "$(json_get t.json "[(e[\"number\"], e[\"format\"], e[\"sha256\"]) for e in j]")" = \
		"[(1, '"'"'md'"'"', '"'"'$(sha256sum t.md | cut -d" " -f1)'"'"')]"
'

test_done
