#!/bin/sh
# t1092-add-malformed: every malformed model file gpai-fixture writes (GGUF,
# safetensors, llama2.c: truncated, lengths past the end, absurd counts, bad
# UTF-8, duplicate tensor names, ...) makes gpai add fail naming the file
# with nothing registered; --opaque stores it as an opaque file instead.
. "$GPAI_TOP/tests/cli/lib.sh"

test_expect_success 'setup' '
	gpai init >/dev/null &&
	fixture bad list >kinds &&
	test "$(wc -l <kinds)" -ge 10
'

for kind in $("$GPAI_FIXTURE" bad list | cut -d" " -f1); do
	case $kind in
	gguf-*) file=m.gguf ;;
	safetensors-*) file=model.safetensors ;;
	*) file=m.bin ;;
	esac
	test_expect_success "$kind: refused naming the file, nothing stored; --opaque stores it" "
		rm -rf d && mkdir d && fixture bad $kind d/$file >/dev/null &&
		test_expect_code 1 gpai add d --name $kind 2>err &&
		grep_q 'gpai: cannot add .d.: malformed model file (add --opaque to store it as an opaque file): ' err &&
		grep_q 'd/$file.: offset [0-9]' err &&
		test_expect_code 1 gpai show $kind 2>/dev/null &&
		test -z \"\$(ls .gpai/tmp)\" &&
		gpai --json add d --name $kind --opaque >/dev/null &&
		gpai --json show $kind >s.json &&
		test \"\$(json_get s.json 'j[\"files\"][0][\"model\"][\"format\"]')\" = opaque &&
		json_get s.json 'j[\"files\"][0][\"model\"][\"note\"]' | grep -q '^stored as opaque (--opaque): '
	"
done

test_expect_success 'malformed files never left a blob behind before --opaque stored them' '
	gpai fsck >out && grep_q "^clean:" out && ! grep -q "^orphan" out
'

test_done
