#!/bin/sh
# t2040-sign-registry: `gpai sign NAME@VER` re-hashes a version's blobs and
# stores the signature, `gpai show` lists it, `gpai verify NAME@VER` checks
# it against the blobs or a deployed copy (--path), and `gpai key
# import/trust/list` keep trusted keys for `gpai verify --trusted`.
. "$GPAI_TOP/tests/cli/lib.sh"

S=$GPAI_SHARED/reference/signing/sample-models
K=$GPAI_SHARED/reference/signing/model-transparency/keys

SQ="'"
gpai init >/dev/null
gpai add "$S/sample_model" --name sm --version 1 >/dev/null
gpai key generate --curve p384 --out k.pem >/dev/null

test_expect_success 'sign NAME@VER stores a signature that show lists' '
	gpai sign sm@1 --key k.pem >out &&
	grep_q "^signed .sm@1.: 10 resources, root sha256:143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7; stored in the registry$" out &&
	hint=$(gpai key hint k.pub.pem) &&
	gpai show sm@1 >show &&
	grep_q "^  signatures$" show &&
	grep_q "key $hint$" show &&
	gpai --json show sm@1 >j &&
	test "$(json_get j "j[\"signatures\"][0][\"root_digest\"]")" = \
		143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7
'

test_expect_success 'verify NAME@VER checks the stored signature against the blobs' '
	gpai verify sm@1 --key k.pub.pem >out &&
	grep_q "^verified .sm@1.: 10 resources match" out
'

test_expect_success 'the stored bundle is the one --signature writes, and model_signing-valid' '
	gpai sign sm@1 --key k.pem --signature sm.sig >/dev/null &&
	cp -r "$S/sample_model" deployed && chmod -R u+w deployed &&
	gpai verify deployed --signature sm.sig --key k.pub.pem &&
	gpai verify sm@1 --path deployed --key k.pub.pem >out &&
	grep_q "^verified .sm@1.: 10 resources match" out
'

test_expect_success 'an export verifies as deployed; the recorded ignores cover provenance.json' '
	gpai export sm@1 exported >/dev/null &&
	test -f exported/provenance.json &&
	gpai verify sm@1 --path exported --key k.pub.pem >out &&
	grep_q "^verified .sm@1.: 10 resources match" out &&
	gpai sign sm@1 --key k.pem --signature exported/model.sig >/dev/null &&
	gpai verify exported --key k.pub.pem >out &&
	grep_q "^verified .exported.: 10 resources match" out &&
	json_get exported/model.sig "j[\"dsseEnvelope\"][\"payload\"]" | openssl base64 -d -A >st.json &&
	test "$(json_get st.json "j[\"predicate\"][\"serialization\"][\"ignore_paths\"]")" = \
		"[${SQ}.git${SQ}, ${SQ}.gitattributes${SQ}, ${SQ}.github${SQ}, ${SQ}.gitignore${SQ}, ${SQ}model.sig${SQ}, ${SQ}provenance.json${SQ}]"
'

test_expect_success 'a changed deployed copy and a corrupted blob are caught' '
	printf X >>deployed/d0/f01 &&
	test_expect_code 1 gpai verify sm@1 --path deployed --key k.pub.pem >out 2>err &&
	grep_q "^changed: d0/f01$" out &&
	blob=$(find .gpai/objects -type f | head -n 1) &&
	chmod u+w "$blob" && printf "corrupt" | dd of="$blob" bs=1 seek=0 conv=notrunc 2>/dev/null &&
	test_expect_code 1 gpai verify sm@1 --key k.pub.pem >out 2>err &&
	grep_q "^changed: " out &&
	test_expect_code 1 gpai sign sm@1 --key k.pem 2>err &&
	grep_q "its blobs do not match the catalogue" err
'

test_expect_success 'key import, trust and verify --trusted' '
	gpai add "$S/deep_model" --name deep --version 1 >/dev/null &&
	gpai sign deep@1 --key k.pem >/dev/null &&
	gpai key import k.pub.pem >out &&
	grep_q "imported key .k. (ECDSA SHA384, " out &&
	test_expect_code 1 gpai verify deep@1 --trusted 2>err &&
	grep_q "no trusted key in the registry" err &&
	gpai key trust k &&
	gpai verify deep@1 --trusted >out &&
	grep_q "verified .deep@1." out &&
	gpai key import "$K/ca-cert.pem" --name testca --trust >/dev/null &&
	gpai key list >out &&
	grep_q "^k  *key trusted " out &&
	grep_q "^testca  *ca  *trusted .*CN=root-ca$" out &&
	gpai verify "$GPAI_SHARED/reference/signing/model-transparency/v1.1.0-certificate" \
		--trusted --ignore-paths ignore-me >out &&
	grep_q "(certificate /CN=intermediate-ca)" out &&
	gpai key trust k --revoke &&
	gpai key generate --out other.pem >/dev/null && gpai key import other.pub.pem --trust >/dev/null &&
	test_expect_code 1 gpai verify deep@1 --trusted 2>err &&
	grep_q "the signature does not verify with any of the 1 trusted keys" err
'

test_expect_success 'bad references, duplicates and non-keys fail clearly' '
	test_expect_code 1 gpai verify nosuch@1 --key k.pub.pem 2>err &&
	grep_q "no model .nosuch. in the registry" err &&
	gpai add "$S/file_model" --name fm --version 1 >/dev/null &&
	test_expect_code 1 gpai verify fm@1 --key k.pub.pem 2>err &&
	grep_q "has no stored signature" err &&
	test_expect_code 1 gpai key import k.pub.pem --name again 2>err &&
	grep_q "already in the registry" err &&
	echo junk >junk.pem &&
	test_expect_code 1 gpai key import junk.pem 2>err &&
	grep_q "junk.pem. is not a PEM public key or certificate" err &&
	test_expect_code 2 gpai verify deployed --path x --key k.pub.pem 2>err &&
	grep_q "path goes with a registry version" err &&
	test_expect_code 2 gpai sign sm@1 --key k.pem --ignore-paths x 2>err &&
	test_expect_code 1 gpai key trust nobody 2>err &&
	grep_q "no key named .nobody." err
'

test_expect_success 'a name that is neither a path nor a version, without registry' '
	mkdir elsewhere && cd elsewhere &&
	test_expect_code 1 gpai --registry none verify typo --key ../k.pub.pem 2>err &&
	grep_q "typo. is not a file or directory, nor a registry version" err
'

test_done
