#!/bin/sh
# t2010-verify-interop: `gpai verify` on the bundles model_signing wrote
# (v0.2.0 ... v1.1.0, key and certificate methods), verified the way the
# upstream test scripts do (--ignore-paths ignore-me); each must fail when
# one byte of signme-1 changes, a file is added or removed, or with the
# wrong key; the OMS spec test vectors; keyless bundles.
. "$GPAI_TOP/tests/cli/lib.sh"

R=$GPAI_SHARED/reference/signing/model-transparency
K=$R/keys
V=$GPAI_SHARED/reference/signing/oms-spec/test-vectors/v1.0

# trust DIR: the option naming the trusted key or CA for that bundle.
trust() {
	case $1 in
	*-elliptic-key) echo "--key $K/signing-key-pub.pem" ;;
	*-certificate) echo "--ca $K/ca-cert.pem" ;;
	esac
}

# Bundles from before 1.0.1 signed signme-1 alone (resource "."); the
# others signed the directory.
target() {
	case $1 in
	v0.3.1-elliptic-key|v1.0.0-elliptic-key) echo "$2/signme-1" ;;
	*) echo "$2" ;;
	esac
}

test_expect_success 'every key and certificate bundle of model_signing verifies' '
	n=0
	for d in "$R"/v*-elliptic-key "$R"/v*-certificate; do
		b=$(basename "$d")
		gpai verify $(target "$b" "$d") --signature "$d/model.sig" $(trust "$b") \
			--ignore-paths ignore-me >out || { cat out; exit 1; }
		grep_q "^verified " out
		n=$((n + 1))
	done
	test "$n" -eq 6
'

test_expect_success 'v0.2.0 verifies only through the compat PAE path' '
	gpai --json verify "$R/v0.2.0-certificate" --ca "$K/ca-cert.pem" >j &&
	test "$(json_get j "j[\"legacy_v0_2\"]")" = True &&
	gpai verify "$R/v0.2.0-certificate" --ca "$K/ca-cert.pem" >out &&
	grep_q "model_signing 0.2 compat signature" out
'

for d in "$R"/v*-elliptic-key "$R"/v*-certificate; do
	b=$(basename "$d")
	test_expect_success "$b: one changed byte, an added and a removed file fail" "
		rm -rf m && cp -r '$d' m && chmod -R u+w m &&
		printf X | dd of=m/signme-1 bs=1 seek=3 conv=notrunc 2>/dev/null &&
		test_expect_code 1 gpai verify \$(target $b m) --signature m/model.sig \$(trust $b) \
			--ignore-paths ignore-me >out 2>err &&
		grep_q '^changed: ' out &&
		grep_q 'does not match its signature: 1 changed' err &&
		rm -rf m && cp -r '$d' m && chmod -R u+w m &&
		if [ -d \"\$(target $b m)\" ]; then
			echo new >m/added &&
			test_expect_code 1 gpai verify m \$(trust $b) --ignore-paths ignore-me >out 2>err &&
			grep_q '^extra: added$' out &&
			rm m/added m/signme-2 &&
			test_expect_code 1 gpai verify m \$(trust $b) --ignore-paths ignore-me >out 2>err &&
			grep_q '^missing: signme-2$' out
		else
			rm m/signme-1 &&
			test_expect_code 1 gpai verify m/signme-1 --signature m/model.sig \$(trust $b) 2>err &&
			grep_q 'cannot open model .m/signme-1.' err
		fi
	"
done

test_expect_success 'a certificate PEM given as --key stands for its key' '
	gpai verify "$R/v1.1.0-elliptic-key" --key "$K/signing-key-cert.pem" --ignore-paths ignore-me
'

test_expect_success 'a wrong key or a wrong CA is rejected' '
	gpai key generate --curve p384 --out other.pem >/dev/null &&
	test_expect_code 1 gpai verify "$R/v1.1.0-elliptic-key" --key other.pub.pem 2>err &&
	grep_q "the signature does not verify with other.pub.pem" err &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key \
		-out otherca.pem -subj /CN=other -days 2 2>/dev/null &&
	test_expect_code 1 gpai verify "$R/v1.1.0-certificate" --ca otherca.pem 2>err &&
	grep_q "is not trusted by .otherca.pem." err &&
	test_expect_code 1 gpai verify "$R/v1.1.0-certificate" --key "$K/signing-key-pub.pem" 2>err &&
	grep_q "is signed with a certificate; give the trusted CA with --ca" err
'

# The OMS spec vectors sign signme-1/signme-2 (with ignore-me ignored).
mkdir spec && cp "$R/v1.1.0-elliptic-key/signme-1" "$R/v1.1.0-elliptic-key/signme-2" spec/ &&
	: >spec/ignore-me

test_expect_success 'OMS spec valid vectors: key and certificate verify' '
	gpai verify spec --signature "$V/valid/key.bundle.json" --key "$K/signing-key-pub.pem" &&
	gpai verify spec --signature "$V/valid/certificate.bundle.json" --ca "$K/ca-cert.pem"
'

test_expect_success 'keyless bundles are parsed and need a Sigstore trust root' '
	for s in "$V/valid/sigstore.bundle.json" "$R/v1.1.0-sigstore/model.sig" \
		 "$R/v1.0.0-sigstore/model.sig"; do
		test_expect_code 1 gpai verify spec --signature "$s" --key "$K/signing-key-pub.pem" 2>err
		grep_q "is a keyless Sigstore bundle: verifying it needs a Sigstore trust root" err
	done
'

test_expect_success 'OMS spec invalid vectors are each rejected with a reason' '
	check() {
		test_expect_code 1 gpai verify spec --signature "$V/$1" --key "$K/signing-key-pub.pem" 2>err
		grep_q "$2" err
	}
	check invalid/empty.bundle.json "empty.bundle.json. is not valid JSON" &&
	check invalid/missing-envelope.bundle.json "missing-envelope.bundle.json. has no dsseEnvelope" &&
	check invalid/missing-tlog-entries.bundle.json "has no transparency log entries" &&
	check invalid/missing-verification-material.bundle.json "has no verificationMaterial" &&
	check invalid-payload/wrong-predicate.bundle.json \
		"predicateType is .https://example.com/wrong-predicate/v1.0." &&
	test "$(ls "$V"/invalid/*.json "$V"/invalid-payload/*.json | wc -l)" -eq 5
'

test_done
