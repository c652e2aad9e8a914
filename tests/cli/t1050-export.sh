#!/bin/sh
# t1050-export: gpai export to a directory and to each archive format, with
# provenance.json; adding the export again gives the same root digest.
. "$GPAI_TOP/tests/cli/lib.sh"
SQ="'"
SAMPLE=$GPAI_SHARED/reference/signing/sample-models/sample_model
ROOT=143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7

test_expect_success 'setup' '
	gpai init >/dev/null &&
	gpai add "$SAMPLE" --name m --provider OpenSSF --license Apache-2.0 >/dev/null &&
	gpai fact set m@1 training.tokens 1e9 --source "https://example.org/card" >/dev/null &&
	gpai add "$SAMPLE" --name d --base m@1 --relation finetune >/dev/null
'

test_expect_success 'export to a directory writes the files byte for byte' '
	gpai export m@1 out >msg &&
	grep_q "^exported m@1 to .out.$" msg &&
	diff -r "$SAMPLE" out -x provenance.json
'

test_expect_success 'provenance.json has name, version, provider, files, root, facts, lineage' '
	test "$(json_get out/provenance.json "j[\"name\"], j[\"version\"], j[\"provider\"], j[\"license\"], j[\"manifest\"][\"root_digest\"]")" = \
		"(${SQ}m${SQ}, ${SQ}1${SQ}, ${SQ}OpenSSF${SQ}, ${SQ}Apache-2.0${SQ}, ${SQ}$ROOT${SQ})" &&
	test "$(json_get out/provenance.json "len(j[\"files\"]), j[\"files\"][0]")" = \
		"(10, {${SQ}path${SQ}: ${SQ}d0/f00${SQ}, ${SQ}size${SQ}: 23, ${SQ}sha256${SQ}: ${SQ}fdd8925354242a7fd1515e79534317b800015607a609cd306e0b4dcfe6c92249${SQ}})" &&
	test "$(json_get out/provenance.json "[(f[\"field\"], f[\"value\"], f[\"source\"]) for f in j[\"facts\"] if f[\"field\"] == \"training.tokens\"]")" = \
		"[(${SQ}training.tokens${SQ}, ${SQ}1e9${SQ}, ${SQ}https://example.org/card${SQ})]" &&
	gpai export d@1 dout >/dev/null &&
	test "$(json_get dout/provenance.json "j[\"base\"]")" = \
		"{${SQ}name${SQ}: ${SQ}m${SQ}, ${SQ}version${SQ}: ${SQ}1${SQ}, ${SQ}relation${SQ}: ${SQ}finetune${SQ}}"
'

test_expect_success 'export then add: the same root digest (provenance.json is skipped)' '
	gpai --json add out --name back >b.json &&
	test "$(json_get b.json "j[\"root_digest\"], j[\"n_files\"]")" = "(${SQ}$ROOT${SQ}, 10)"
'

for ext in tar tar.gz tgz tar.zst tar.xz zip; do
test_expect_success "export to .$ext and add it back: same digests" "
	gpai export m@1 m.$ext >/dev/null &&
	gpai --json add m.$ext --name back-\$(echo $ext | tr . -) >a.json &&
	test \"\$(json_get a.json 'j[\"root_digest\"], j[\"n_files\"]')\" = \"(${SQ}$ROOT${SQ}, 10)\"
"
done

test_expect_success 'the tar.gz holds the files and provenance.json (read by GNU tar)' '
	tar tzf m.tar.gz | sort >names &&
	grep_q "^provenance.json$" names &&
	grep_q "^d1/f12$" names &&
	test "$(wc -l <names)" -eq 11 &&
	mkdir x && tar xzf m.tar.gz -C x && diff -r "$SAMPLE" x -x provenance.json
'

test_expect_success 'the zip is read by unzip' '
	mkdir z && (cd z && unzip -q ../m.zip) && diff -r "$SAMPLE" z -x provenance.json
'

test_expect_success 'a non-empty target directory is refused' '
	test_expect_code 1 gpai export m@1 out 2>err &&
	grep_q "gpai: cannot export .m@1.: .out. exists and is not empty" err
'

test_expect_success 'a --no-files version says it has no files' '
	gpai add --no-files --name api --access api >/dev/null &&
	test_expect_code 1 gpai export api@1 apiout 2>err &&
	grep_q "gpai: cannot export .api@1.: .api@1. has no files (registered with --no-files)" err &&
	test ! -e apiout
'

test_expect_success 'unknown NAME@VER is refused; usage errors' '
	test_expect_code 1 gpai export nosuch@1 o2 2>err &&
	grep_q "no model .nosuch." err &&
	test_expect_code 2 gpai export m@1 2>err && grep_q "needs NAME@VER OUT" err
'

test_expect_success 'a signed version exports its signature as model.sig' '
	gpai key generate --out k.pem >/dev/null &&
	gpai sign m@1 --key k.pem >/dev/null &&
	gpai export m@1 sdir >/dev/null &&
	test -s sdir/model.sig &&
	diff -r "$SAMPLE" sdir -x provenance.json -x model.sig &&
	gpai verify sdir --key k.pub.pem >vout &&
	grep_q "^verified .sdir.: 10 resources match the signature" vout &&
	gpai --json add sdir --name sback >a.json &&
	test "$(json_get a.json "j[\"root_digest\"], j[\"n_files\"]")" = "(${SQ}$ROOT${SQ}, 10)"
'

test_expect_success 'a signed version exported to .tar.gz carries model.sig, verified after extraction' '
	gpai export m@1 s.tar.gz >/dev/null &&
	tar tzf s.tar.gz | sort >names &&
	grep_q "^model.sig$" names &&
	test "$(wc -l <names)" -eq 12 &&
	mkdir sx && tar xzf s.tar.gz -C sx &&
	cmp sx/model.sig sdir/model.sig &&
	gpai verify sx --key k.pub.pem >vout &&
	grep_q "^verified .sx.: 10 resources match the signature" vout &&
	gpai --json add s.tar.gz --name sback-tgz >a.json &&
	test "$(json_get a.json "j[\"root_digest\"], j[\"n_files\"]")" = "(${SQ}$ROOT${SQ}, 10)"
'

test_expect_success 'verify of an export catches a changed, a missing and an extra file' '
	printf X >>sx/d0/f01 &&
	test_expect_code 1 gpai verify sx --key k.pub.pem >vout 2>err &&
	grep_q "^changed: d0/f01$" vout &&
	grep_q "verification of .sx. failed: the model does not match its signature: 1 changed, 0 missing, 0 extra" err &&
	rm sdir/d1/f12 && printf new >sdir/added &&
	test_expect_code 1 gpai verify sdir --key k.pub.pem >vout 2>err &&
	grep_q "^missing: d1/f12$" vout &&
	grep_q "^extra: added$" vout
'

test_expect_success 'an unsigned version exports no model.sig' '
	gpai export d@1 unsigned >/dev/null &&
	test ! -e unsigned/model.sig
'

test_done
