#!/bin/sh
# t1020-list-show: gpai list and gpai show, text and --json (the shapes
# documented in docs/list.md and docs/show.md).
. "$GPAI_TOP/tests/cli/lib.sh"
SQ="'"
SAMPLE=$GPAI_SHARED/reference/signing/sample-models/sample_model
FILE=$GPAI_SHARED/reference/signing/sample-models/file_model

test_expect_success 'list on an empty registry prints nothing' '
	gpai init >/dev/null &&
	gpai list >out && test ! -s out &&
	gpai --json list >out.json && test "$(json_get out.json "len(j)")" = 0
'

test_expect_success 'list shows each version with files, size, access and root' '
	gpai add "$SAMPLE" --provider "OpenSSF" --license Apache-2.0 >/dev/null &&
	gpai add "$FILE" >/dev/null &&
	gpai add --no-files --name closed --access api >/dev/null &&
	gpai list >out &&
	grep_q "^MODEL  *FILES  *SIZE  *ACCESS  *ROOT  *ALIASES$" out &&
	grep_q "^sample_model@1  *10  *234 B  *open-weight  *143cc682e555 *$" out &&
	grep_q "^file_model@1  *1  *22 B  *open-weight  *" out &&
	grep_q "^closed@1  *0  *-  *api  *- *$" out
'

test_expect_success 'list --quiet prints NAME@VER sorted by name' '
	gpai --quiet list >out &&
	printf "closed@1\nfile_model@1\nsample_model@1\n" >want &&
	diff want out
'

test_expect_success 'list --json has the documented members' '
	gpai --json list >l.json &&
	test "$(json_get l.json "sorted(j[0].keys())")" = \
		"$(/usr/bin/python3 -c "print(sorted([\"ref\",\"name\",\"version\",\"provider\",\"license\",\"access\",\"has_files\",\"root_digest\",\"n_files\",\"total_bytes\",\"base\",\"aliases\",\"added_by\",\"added_at\"]))")" &&
	test "$(json_get l.json "[v[\"ref\"] for v in j]")" = \
		"[${SQ}closed@1${SQ}, ${SQ}file_model@1${SQ}, ${SQ}sample_model@1${SQ}]" &&
	test "$(json_get l.json "j[0][\"root_digest\"]")" = None &&
	test "$(json_get l.json "j[2][\"added_by\"]")" = tester
'

test_expect_success 'show prints provider, licence, root, files with digests, facts with sources' '
	gpai show sample_model@1 >out &&
	grep_q "^sample_model@1$" out &&
	grep_q "^  provider   OpenSSF$" out &&
	grep_q "^  license    Apache-2.0$" out &&
	grep_q "^  root       sha256:143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7$" out &&
	grep_q "^    fdd8925354242a7fd1515e79534317b800015607a609cd306e0b4dcfe6c92249  *23  d0/f00$" out &&
	grep_q "^    model.provider = OpenSSF$" out &&
	grep_q "source: gpai add --provider (tester, " out
'

test_expect_success 'show NAME is the latest version' '
	gpai add "$SAMPLE" --name sample_model --version 2 >/dev/null &&
	gpai --json show sample_model >s.json &&
	test "$(json_get s.json "j[\"version\"]")" = 2
'

test_expect_success 'show --json has version members plus model, files and facts' '
	gpai --json show sample_model@1 >s.json &&
	test "$(json_get s.json "len(j[\"files\"]), j[\"files\"][0][\"path\"], j[\"files\"][0][\"size\"]")" = \
		"(10, ${SQ}d0/f00${SQ}, 23)" &&
	test "$(json_get s.json "[(f[\"field\"], f[\"value\"], f[\"source\"]) for f in j[\"facts\"]]")" = \
		"[(${SQ}license.spdx${SQ}, ${SQ}Apache-2.0${SQ}, ${SQ}gpai add --license${SQ}), (${SQ}model.provider${SQ}, ${SQ}OpenSSF${SQ}, ${SQ}gpai add --provider${SQ})]" &&
	test "$(json_get s.json "\"model\" in j")" = True
'

test_expect_success 'show of a --no-files version says it has no files' '
	gpai show closed >out &&
	grep_q "^  files      none (registered with --no-files)$" out &&
	grep_q "^  access     api$" out
'

test_expect_success 'show of an unknown model or version fails naming it' '
	test_expect_code 1 gpai show nosuch 2>err &&
	grep_q "gpai: cannot show .nosuch.: no model .nosuch. in the registry" err &&
	test_expect_code 1 gpai show sample_model@9 2>err &&
	grep_q "gpai: cannot show .sample_model@9.: no version or alias .9. of model .sample_model." err &&
	test_expect_code 1 gpai show "sample_model@" 2>err &&
	grep_q "malformed reference .sample_model@." err
'

test_expect_success 'show and list usage errors' '
	test_expect_code 2 gpai show 2>err && grep_q "missing NAME" err &&
	test_expect_code 2 gpai list extra 2>err && grep_q "unexpected argument" err
'

test_done
