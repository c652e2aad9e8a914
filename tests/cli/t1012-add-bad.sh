#!/bin/sh
# t1012-add-bad: every bad input to gpai add fails with exit 1 (2 for
# usage), names what is wrong, and registers nothing.
. "$GPAI_TOP/tests/cli/lib.sh"
SAMPLE=$GPAI_SHARED/reference/signing/sample-models/sample_model

nothing_added() {
	gpai --quiet list >l && test ! -s l &&
	test -z "$(find .gpai/objects -type f)" && test -z "$(ls .gpai/tmp)"
}

test_expect_success 'setup' '
	gpai init >/dev/null
'

test_expect_success 'a missing path names it' '
	test_expect_code 1 gpai add nosuch 2>err &&
	grep_q "gpai: cannot add .nosuch.: cannot open .nosuch.: No such file" err &&
	nothing_added
'

test_expect_success 'a symbolic link inside the model is refused, naming it' '
	mkdir m1 && echo a >m1/a && ln -s a m1/link &&
	test_expect_code 1 gpai add m1 2>err &&
	grep_q "gpai: cannot add .m1.: .m1/link. is a symbolic link" err &&
	nothing_added
'

test_expect_success 'a FIFO inside the model is refused, naming it' '
	mkdir m2 && echo a >m2/a && mkfifo m2/pipe &&
	test_expect_code 1 gpai add m2 2>err &&
	grep_q ".m2/pipe. is not a regular file or directory" err &&
	nothing_added
'

test_expect_success 'a non-UTF-8 file name is refused, shown escaped' '
	mkdir m3 && echo a >m3/a && echo b >"m3/$(printf "bad\377name")" &&
	test_expect_code 1 gpai add m3 2>err &&
	grep_q ".m3/bad\\\\xffname.: file name is not valid UTF-8" err &&
	nothing_added
'

test_expect_success 'a file name with a control character is refused' '
	mkdir m4 && echo b >"m4/$(printf "tab\tname")" &&
	test_expect_code 1 gpai add m4 2>err &&
	grep_q ".m4/tab\\\\x09name.: file name has a control character" err &&
	nothing_added
'

test_expect_success 'an empty directory is refused' '
	mkdir m5 &&
	test_expect_code 1 gpai add m5 2>err &&
	grep_q ".m5. holds no files" err &&
	nothing_added
'

test_expect_success 'a bad --name is refused' '
	test_expect_code 1 gpai add "$SAMPLE" --name "a b" 2>err &&
	grep_q "invalid model name .a b." err &&
	test_expect_code 1 gpai add "$SAMPLE" --name "x@y" 2>err &&
	grep_q "invalid model name .x@y." err &&
	nothing_added
'

test_expect_success 'a bad --version is refused' '
	test_expect_code 1 gpai add "$SAMPLE" --version "-1" 2>err &&
	grep_q "invalid version .-1." err &&
	nothing_added
'

test_expect_success 'a bad --license is refused; SPDX expressions are fine' '
	test_expect_code 1 gpai add "$SAMPLE" --license "MIT;rm" 2>err &&
	grep_q "invalid licence .MIT;rm." err &&
	test_expect_code 1 gpai add "$SAMPLE" --license "MIT OR" 2>err &&
	grep_q "invalid licence .MIT OR." err &&
	test_expect_code 1 gpai add "$SAMPLE" --license "(MIT" 2>err &&
	nothing_added &&
	gpai add "$SAMPLE" --name lic1 --license "Apache-2.0 OR (MIT AND BSD-3-Clause)" >/dev/null &&
	gpai add "$SAMPLE" --name lic2 --license "LicenseRef-Llama-3.1-Community" >/dev/null &&
	gpai add "$SAMPLE" --name lic3 --license "GPL-2.0+ WITH Classpath-exception-2.0" >/dev/null
'

test_expect_success 'a licence is recorded as given and as the license.spdx fact' '
	gpai --json show lic3 >s.json &&
	test "$(json_get s.json "j[\"license\"]")" = "GPL-2.0+ WITH Classpath-exception-2.0" &&
	test "$(json_get s.json "[f[\"source\"] for f in j[\"facts\"] if f[\"field\"]==\"license.spdx\"][0]")" = "gpai add --license"
'

test_expect_success 'a bad --relation is refused' '
	gpai add "$SAMPLE" --name base >/dev/null &&
	test_expect_code 1 gpai add "$SAMPLE" --name d --base base@1 --relation fork 2>err &&
	grep_q "invalid relation .fork. (want finetune, quantized, merge, adapter or distilled)" err
'

test_expect_success 'an unknown --base is refused, naming it' '
	test_expect_code 1 gpai add "$SAMPLE" --name d --base nosuch@1 --relation finetune 2>err &&
	grep_q "base model .nosuch@1.: no model .nosuch. in the registry" err &&
	test_expect_code 1 gpai add "$SAMPLE" --name d --base base@9 --relation finetune 2>err &&
	grep_q "base model .base@9.: no version or alias .9. of model .base." err
'

test_expect_success '--base without --relation and the reverse are refused' '
	test_expect_code 1 gpai add "$SAMPLE" --name d --base base@1 2>err &&
	grep_q "base needs --relation" err &&
	test_expect_code 1 gpai add "$SAMPLE" --name d --relation merge 2>err &&
	grep_q "relation needs --base" err
'

test_expect_success 'a bad --access is refused; --no-files needs --name and --access' '
	test_expect_code 1 gpai add "$SAMPLE" --name d --access public 2>err &&
	grep_q "invalid access .public." err &&
	test_expect_code 1 gpai add --no-files --access api 2>err &&
	grep_q "no-files needs --name" err &&
	test_expect_code 1 gpai add --no-files --name d 2>err &&
	grep_q "no-files needs --access" err
'

test_expect_success 'usage errors: unknown option, no path, option without value' '
	test_expect_code 2 gpai add "$SAMPLE" --frob 2>err &&
	grep_q "unknown option .--frob." err &&
	test_expect_code 2 gpai add 2>err &&
	grep_q "missing PATH" err &&
	test_expect_code 2 gpai add "$SAMPLE" --name 2>err &&
	grep_q "\-\-name needs a value" err &&
	test_expect_code 2 gpai add a b 2>err &&
	grep_q "unexpected argument .b." err
'

test_expect_success 'nothing but the valid adds was registered' '
	gpai --quiet list >l &&
	printf "base@1\nlic1@1\nlic2@1\nlic3@1\n" >want &&
	diff want l
'

test_done
