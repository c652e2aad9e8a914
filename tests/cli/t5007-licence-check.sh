#!/bin/sh
# t5007-licence-check: a licence id the licence table cannot categorise is
# refused where it enters the registry, naming the id and docs/openness.md:
# `gpai add --license`, `gpai fact set NAME@VER license.spdx`; known ids,
# expressions of them and the catalogue's licences are accepted.
. "$GPAI_TOP/tests/cli/lib.sh"

SAMPLE=$GPAI_SHARED/reference/signing/sample-models/sample_model

test_expect_success 'setup' '
	gpai init -q &&
	gpai add "$SAMPLE" --name m --version 1 --license MIT -q
'

test_expect_success 'gpai add --license: an unknown id fails naming it, nothing is added' '
	test_expect_code 1 gpai add "$SAMPLE" --name u --license Frobnicate-1.0 2>err &&
	grep_q "unknown licence .Frobnicate-1.0." err && grep_q "docs/openness.md" err &&
	test_expect_code 1 gpai add "$SAMPLE" --name u --license "MIT OR Frobnicate-1.0" 2>err &&
	grep_q "unknown licence .Frobnicate-1.0. in .MIT OR Frobnicate-1.0." err &&
	test_expect_code 1 gpai add "$SAMPLE" --name u --license LicenseRef-My-Own-Terms 2>err &&
	grep_q "unknown licence .LicenseRef-My-Own-Terms." err &&
	test_expect_code 1 gpai show u@1 2>/dev/null &&
	gpai add "$SAMPLE" --name k --license "Apache-2.0 OR (MIT AND BSD-3-Clause)" -q &&
	gpai add "$SAMPLE" --name k2 --license "GPL-2.0-or-later WITH Classpath-exception-2.0" -q
'

test_expect_success 'fact set license.spdx: an unknown id fails naming it; a known one is stored' '
	test_expect_code 1 gpai fact set m@1 license.spdx Frobnicate-1.0 --source "x" 2>err &&
	grep_q "license.spdx" err && grep_q "unknown licence .Frobnicate-1.0." err &&
	grep_q "docs/openness.md" err &&
	gpai fact set m@1 license.spdx LicenseRef-Llama-3.1-Community --source "https://llama.com" -q &&
	gpai --json fact show m@1 license.spdx >f.json &&
	grep_q "LicenseRef-Llama-3.1-Community" f.json
'

test_expect_success 'every catalogue licence still imports into a fresh registry' '
	mkdir fresh && (cd fresh && gpai init -q && gpai catalogue import >out) &&
	test "$(grep -c "^added " fresh/out)" -eq "$(ls "$GPAI_TOP"/catalogue/*.json | wc -l)"
'

test_done
