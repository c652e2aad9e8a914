#!/bin/sh
# t1504-gc-dossier-bundles: gpai gc removes a file in the registry's
# dossier-bundles/ folder (where gpai pull keeps dossier bundles) that no
# kept dossier names as its output, and keeps one that a kept dossier
# names, until gpai rm removes that dossier with its version
# (docs/gc.md).  The named file here is a dossier written straight into
# the folder: the history records it by absolute path, as pull does.
. "$GPAI_TOP/tests/cli/lib.sh"
BIN=$GPAI_SHARED/models/stories260K/stories260K.bin

test_expect_success 'setup: a kept dossier inside dossier-bundles/ and an unnamed file beside it' '
	gpai init >/dev/null &&
	gpai add "$BIN" --name s >/dev/null &&
	mkdir .gpai/dossier-bundles &&
	gpai dossier s@1 --format md --out .gpai/dossier-bundles/kept.md -q &&
	echo "left by a pull killed before it recorded the bundle" >.gpai/dossier-bundles/sha256-0.tar.gz &&
	gpai --json dossier s@1 --history >h.json &&
	test "$(json_get h.json "j[0][\"out\"]")" = "$(cd .gpai/dossier-bundles && pwd -P)/kept.md"
'

test_expect_success 'gc removes the unnamed file and keeps the named one' '
	gpai --json gc >g.json &&
	test "$(json_get g.json "j[\"bundles_removed\"]")" = 1 &&
	test ! -e .gpai/dossier-bundles/sha256-0.tar.gz &&
	test -f .gpai/dossier-bundles/kept.md &&
	gpai gc >out && ! grep -q "dossier bundles" out
'

test_expect_success 'after rm of the version, gc removes its file too' '
	gpai rm s@1 >/dev/null &&
	gpai gc >out &&
	grep_q "^removed 1 pulled dossier bundles that no kept dossier names$" out &&
	test -z "$(ls -A .gpai/dossier-bundles)"
'

test_done
