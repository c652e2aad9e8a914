#!/bin/sh
# t1011-add-file: a single file is a one-file model named by its basename;
# its digest is model_signing's golden and its root digest is SHA-256 over
# that digest (computed here independently with Debian's python3).
. "$GPAI_TOP/tests/cli/lib.sh"
REF=$GPAI_SHARED/reference/signing
GOLD=$REF/model-transparency/goldens/serialization-file

test_expect_success 'file_model: digest equals the golden; root = sha256(digest)' '
	gpai init >/dev/null &&
	gpai --json add "$REF/sample-models/file_model" >add.json &&
	gpai --json show file_model@1 >show.json &&
	want=$(cut -d: -f2 "$GOLD/sample_model_file") &&
	test "$(json_get show.json "j[\"files\"][0][\"sha256\"]")" = "$want" &&
	test "$(json_get show.json "j[\"files\"][0][\"path\"]")" = file_model &&
	root=$(/usr/bin/python3 -c "import hashlib,sys; print(hashlib.sha256(bytes.fromhex(sys.argv[1])).hexdigest())" "$want") &&
	test "$(json_get show.json "j[\"root_digest\"]")" = "$root" &&
	test "$(json_get add.json "j[\"root_digest\"]")" = "$root"
'

test_expect_success 'an empty file is a model too (the empty-file golden digest)' '
	: >empty.bin &&
	gpai --json add empty.bin >e.json &&
	test "$(json_get e.json "j[\"name\"]")" = empty.bin &&
	gpai --json show empty.bin >e.json &&
	test "$(json_get e.json "j[\"files\"][0][\"sha256\"]")" = "$(cut -d: -f2 "$GOLD/empty_model_file")"
'

test_expect_success 'stories260K.bin: digest equals sha256sum and openssl' '
	gpai --json add "$GPAI_SHARED/models/stories260K/stories260K.bin" --name s >s.json &&
	gpai --json show s >s.json &&
	d=$(json_get s.json "j[\"files\"][0][\"sha256\"]") &&
	test "$d" = "$(sha256sum "$GPAI_SHARED/models/stories260K/stories260K.bin" | cut -d" " -f1)" &&
	openssl dgst -sha256 "$GPAI_SHARED/models/stories260K/stories260K.bin" | grep -q "$d" &&
	test "$(json_get s.json "j[\"total_bytes\"]")" = "$(wc -c <"$GPAI_SHARED/models/stories260K/stories260K.bin")"
'

test_expect_success 'a file added twice under two names is stored once' '
	gpai add "$GPAI_SHARED/models/stories260K/stories260K.bin" --name s2 >/dev/null &&
	test "$(find .gpai/objects -type f | wc -l)" -eq 3
'

test_expect_success 'a symbolic link given as PATH is followed (the model is its target)' '
	ln -s "$REF/sample-models/file_model" link_model &&
	gpai --json add link_model >l.json &&
	test "$(json_get l.json "j[\"root_digest\"]")" = "$(json_get add.json "j[\"root_digest\"]")"
'

test_done
