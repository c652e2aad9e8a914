#!/bin/sh
# t1010-add-dir: adding a model directory records the model_signing
# per-file digests and the OMS root digest (goldens from
# ../shared/reference/signing, read in place), stores identical blobs once,
# and honours the OMS default ignores.
. "$GPAI_TOP/tests/cli/lib.sh"
REF=$GPAI_SHARED/reference/signing
SAMPLE=$REF/sample-models/sample_model
GOLDEN=$REF/model-transparency/goldens/serialization-file/sample_model_folder

# show --json as "relpath:digest" lines, the golden file format.
files_as_golden() {
	/usr/bin/python3 -c 'import json,sys
for f in json.load(open(sys.argv[1]))["files"]: print("%s:%s" % (f["path"], f["sha256"]))' "$1"
}

test_expect_success 'sample_model: root digest is the published one' '
	gpai init >/dev/null &&
	gpai add "$SAMPLE" >out &&
	grep_q "^added sample_model@1: 10 files" out &&
	gpai --json show sample_model@1 >show.json &&
	test "$(json_get show.json "j[\"root_digest\"]")" = \
		143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7 &&
	grep_q "root digest (subject) = $(json_get show.json "j[\"root_digest\"]")" \
		"$REF/sample-models/EXPECTED.txt"
'

test_expect_success 'sample_model: per-file digests equal the model_signing golden' '
	files_as_golden show.json >got &&
	diff "$GOLDEN" got
'

test_expect_success 'each blob sits under objects/sha256/xx/rest with its own digest' '
	for d in $(cut -d: -f2 "$GOLDEN"); do
		b=.gpai/objects/sha256/$(echo $d | cut -c1-2)/$(echo $d | cut -c3-) &&
		test -f "$b" &&
		test "$(sha256sum "$b" | cut -d" " -f1)" = "$d" || return 1
	done
'

test_expect_success 'the next add of the same name gets the next integer version' '
	gpai add "$SAMPLE" >out &&
	grep_q "^added sample_model@2:" out &&
	test "$(find .gpai/objects -type f | wc -l)" -eq 10
'

test_expect_success '--name and --version are used; an existing version is refused' '
	gpai add "$SAMPLE" --name m --version v1.0 >out &&
	grep_q "^added m@v1.0:" out &&
	test_expect_code 1 gpai add "$SAMPLE" --name m --version v1.0 2>err &&
	grep_q "gpai: cannot add .*: .m@v1.0. already exists (as version)" err
'

test_expect_success 'after an explicit numbered version the default continues above it' '
	gpai add "$SAMPLE" --name n --version 7 >/dev/null &&
	gpai add "$SAMPLE" --name n >out &&
	grep_q "^added n@8:" out
'

test_expect_success 'OMS default ignores: .git, .gitattributes, .github, .gitignore, model.sig' '
	cp -r "$SAMPLE" ign && mkdir ign/.git ign/.github &&
	echo x >ign/.git/HEAD && echo y >ign/.github/w && echo z >ign/.gitignore &&
	echo a >ign/.gitattributes && echo sig >ign/model.sig &&
	gpai --json add ign >out.json &&
	test "$(json_get out.json "j[\"root_digest\"]")" = \
		143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7 &&
	test "$(json_get out.json "j[\"n_files\"]")" = 10
'

test_expect_success 'deep_model: digests equal the golden' '
	gpai add "$REF/sample-models/deep_model" >/dev/null &&
	gpai --json show deep_model >deep.json &&
	files_as_golden deep.json >got &&
	diff "$REF/model-transparency/goldens/serialization-file/deep_model_folder" got
'

test_expect_success 'a directory with an empty file records size 0 and the empty digest' '
	mkdir e && : >e/empty && echo hi >e/hi &&
	gpai --json add e >e.json &&
	gpai --json show e >e.json &&
	test "$(json_get e.json "[f[\"sha256\"] for f in j[\"files\"] if f[\"path\"]==\"empty\"][0]")" = \
		"$(sha256sum e/empty | cut -d" " -f1)"
'

test_expect_success 'no temporary files are left behind' '
	test -z "$(ls .gpai/tmp)"
'

test_expect_success '--quiet prints only NAME@VER' '
	gpai --quiet add "$SAMPLE" --name q >out &&
	test "$(cat out)" = q@1
'

test_done
