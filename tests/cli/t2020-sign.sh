#!/bin/sh
# t2020-sign: `gpai key generate`, `gpai sign` and `gpai verify` round trips
# on each curve and with certificates; every bundle gpai writes is checked
# independently: against the OMS JSON schemas (python3-jsonschema) and by
# `openssl dgst -verify` over the DSSE PAE rebuilt here in shell.
. "$GPAI_TOP/tests/cli/lib.sh"

SCHEMAS=$GPAI_SHARED/reference/signing/oms-spec/schemas/v1.0

# schema_check BUNDLE: the bundle and its statement validate against the
# OMS v1.0 schemas.
schema_check() {
	/usr/bin/python3 - "$SCHEMAS" "$1" <<'PY'
import base64, json, os, sys, jsonschema
d, path = sys.argv[1], sys.argv[2]
store = {}
for f in os.listdir(d):
    s = json.load(open(os.path.join(d, f)))
    store[s["$id"]] = s
def check(name, inst):
    s = store["https://model_signing/%s/v1.0/schema" % name]
    r = jsonschema.RefResolver.from_schema(s, store=store)
    jsonschema.Draft202012Validator(s, resolver=r).validate(inst)
b = json.load(open(path))
check("bundle", b)
check("statement", json.loads(base64.b64decode(b["dsseEnvelope"]["payload"])))
PY
}

# openssl_check BUNDLE PUB.pem DIGEST: rebuild PAE(payloadType, payload)
# from the bundle and verify the signature with openssl.
openssl_check() {
	json_get "$1" "j[\"dsseEnvelope\"][\"payload\"]" | openssl base64 -d -A >payload.bin &&
	json_get "$1" "j[\"dsseEnvelope\"][\"signatures\"][0][\"sig\"]" | openssl base64 -d -A >sig.der &&
	t=application/vnd.in-toto+json &&
	{ printf "DSSEv1 %d %s %d " "${#t}" "$t" "$(wc -c <payload.bin)"; cat payload.bin; } >pae.bin &&
	openssl dgst "-$3" -verify "$2" -signature sig.der pae.bin
}

mkdir m m/sub
printf "weights" >m/w.bin
printf "config" >m/sub/config.json

for c in p256:sha256 p384:sha384 p521:sha512; do
	curve=${c%%:*}
	md=${c#*:}
	test_expect_success "$curve: generate, sign, verify; checked by schema and openssl" "
		gpai key generate --curve $curve --out $curve.pem >out &&
		test \"\$(stat -c %a $curve.pem)\" = 600 &&
		grep_q 'hint ' out &&
		hint=\$(openssl pkey -pubin -in $curve.pub.pem | sha256sum | cut -d' ' -f1) &&
		grep_q \"hint \$hint\" out &&
		gpai sign m --key $curve.pem >out &&
		grep_q '^m/model.sig$' out &&
		test \"\$(json_get m/model.sig 'j[\"verificationMaterial\"][\"publicKey\"][\"hint\"]')\" = \"\$hint\" &&
		schema_check m/model.sig &&
		openssl_check m/model.sig $curve.pub.pem $md &&
		gpai verify m --key $curve.pub.pem >out &&
		grep_q \"^verified 'm': 2 resources match the signature (key \$hint)\" out
	"
done

test_expect_success 'the statement is the one gpai hash prints' '
	gpai sign m --key p256.pem >/dev/null &&
	json_get m/model.sig "j[\"dsseEnvelope\"][\"payload\"]" | openssl base64 -d -A >st.json &&
	gpai hash --json m >h.json &&
	/usr/bin/python3 -c "import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))" st.json h.json
'

test_expect_success 'a tampered signature, payload or wrong key fails' '
	gpai sign m --key p256.pem >/dev/null &&
	/usr/bin/python3 - <<-PY &&
	import json, base64
	b = json.load(open("m/model.sig"))
	s = bytearray(base64.b64decode(b["dsseEnvelope"]["signatures"][0]["sig"]))
	s[-1] ^= 1
	b["dsseEnvelope"]["signatures"][0]["sig"] = base64.b64encode(bytes(s)).decode()
	json.dump(b, open("badsig.json", "w"))
	b = json.load(open("m/model.sig"))
	p = base64.b64decode(b["dsseEnvelope"]["payload"]).replace(b"\"allow_symlinks\":false", b"\"allow_symlinks\":true")
	b["dsseEnvelope"]["payload"] = base64.b64encode(p).decode()
	json.dump(b, open("badpayload.json", "w"))
	PY
	test_expect_code 1 gpai verify m --signature badsig.json --key p256.pub.pem 2>err &&
	grep_q "badsig.json.: the signature does not verify with p256.pub.pem" err &&
	test_expect_code 1 gpai verify m --signature badpayload.json --key p256.pub.pem 2>err &&
	grep_q "the signature does not verify" err &&
	test_expect_code 1 gpai verify m --key p384.pub.pem 2>err &&
	grep_q "the signature does not verify with p384.pub.pem" err
'

test_expect_success 'tampered, extra and missing files are each named' '
	gpai sign m --key p384.pem >/dev/null &&
	cp -r m t && printf "Weights" >t/w.bin && echo x >t/sub/extra && rm t/sub/config.json &&
	test_expect_code 1 gpai verify t --key p384.pub.pem >out 2>err &&
	grep_q "^changed: w.bin$" out && grep_q "^extra: sub/extra$" out &&
	grep_q "^missing: sub/config.json$" out &&
	grep_q "verification of .t. failed: the model does not match its signature: 1 changed, 1 missing, 1 extra" err &&
	test_expect_code 1 gpai --json verify t --key p384.pub.pem >j &&
	test "$(json_get j "[j[\"verified\"], j[\"changed\"], j[\"missing\"], j[\"extra\"]] == [False, [\"w.bin\"], [\"sub/config.json\"], [\"sub/extra\"]]")" = True
'

test_expect_success '--ignore-unsigned-files checks only the signed files and says so' '
	cp -r m u && echo x >u/unsigned &&
	test_expect_code 1 gpai verify u --key p384.pub.pem >/dev/null 2>&1 &&
	gpai verify u --key p384.pub.pem --ignore-unsigned-files >out &&
	grep_q "only files named by the signature were checked" out
'

test_expect_success 'shards, blake2b and spec names round-trip; single files too' '
	cp -r m s && gpai sign s --key p256.pem --method shards --shard-size 3 --hash blake2b \
		--spec-names >/dev/null &&
	schema_check s/model.sig &&
	gpai verify s --key p256.pub.pem >out && grep_q "5 resources match" out &&
	echo x >s/unsigned && gpai verify s --key p256.pub.pem --ignore-unsigned-files >out &&
	grep_q "5 resources match" out && rm s/unsigned &&
	printf "single" >one.bin &&
	gpai sign one.bin --key p256.pem >out && grep_q "^one.bin.sig$" out &&
	gpai verify one.bin --key p256.pub.pem &&
	gpai sign one.bin --key p256.pem --spec-names --signature spec.sig >/dev/null &&
	json_get spec.sig "j[\"dsseEnvelope\"][\"payload\"]" | openssl base64 -d -A >st.json &&
	test "$(json_get st.json "j[\"predicate\"][\"resources\"][0][\"name\"]")" = one.bin &&
	gpai verify one.bin --signature spec.sig --key p256.pub.pem &&
	printf "singlE" >one.bin &&
	test_expect_code 1 gpai verify one.bin --key p256.pub.pem >out 2>&1 &&
	grep_q "^changed: .$" out
'

# A private CA: root, leaf for code signing, a leaf with the wrong usage
# and an expired leaf (openssl ca, dates set explicitly).
cat >ca.cnf <<'EOF2'
[ca]
default_ca = d
[d]
database = db/index.txt
serial = db/serial
new_certs_dir = db
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
[sign]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = codeSigning
[tls]
basicConstraints = CA:FALSE
keyUsage = critical, keyEncipherment
extendedKeyUsage = serverAuth
EOF2
mkdir db && : >db/index.txt && echo 01 >db/serial
mkcert() { # NAME EXT START END
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$1.key" \
		-out "$1.csr" -subj "/CN=$1" 2>/dev/null &&
	openssl ca -batch -config ca.cnf -cert root.pem -keyfile root.key -in "$1.csr" \
		-out "$1.pem" -extensions "$2" -startdate "$3" -enddate "$4" >/dev/null 2>&1
}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key \
	-out root.pem -subj /CN=root -days 3650 2>/dev/null

test_expect_success 'certificate method: sign with a leaf, verify against the CA' '
	mkcert leaf sign 20200101000000Z 20991231000000Z &&
	gpai sign m --key leaf.key --cert leaf.pem >/dev/null &&
	schema_check m/model.sig &&
	leafpub=$(mktemp) && openssl x509 -in leaf.pem -pubkey -noout >"$leafpub" &&
	openssl_check m/model.sig "$leafpub" sha384 &&
	gpai verify m --ca root.pem >out &&
	grep_q "(certificate /CN=leaf)" out
'

test_expect_success 'a leaf for the wrong usage, an expired leaf, a foreign key are rejected' '
	mkcert tls tls 20200101000000Z 20991231000000Z &&
	gpai sign m --key tls.key --cert tls.pem >/dev/null &&
	test_expect_code 1 gpai verify m --ca root.pem 2>err &&
	grep_q "certificate ./CN=tls. is not for signing" err &&
	mkcert old sign 20200101000000Z 20210101000000Z &&
	gpai sign m --key old.key --cert old.pem >/dev/null &&
	test_expect_code 1 gpai verify m --ca root.pem 2>err &&
	grep_q "certificate ./CN=old. is not trusted by .root.pem.: certificate has expired" err &&
	test_expect_code 1 gpai sign m --key p384.pem --cert leaf.pem 2>err &&
	grep_q "certificate .leaf.pem. is not for key .p384.pem." err
'

test_expect_success 'usage errors and unusable keys' '
	test_expect_code 2 gpai sign m 2>err && grep_q "missing --key" err &&
	test_expect_code 2 gpai verify m 2>err && grep_q "exactly one of --key" err &&
	test_expect_code 2 gpai verify m --key p256.pub.pem --method shards 2>err &&
	grep_q "serialization comes from the signature" err &&
	test_expect_code 2 gpai key generate --curve p192 --out x.pem 2>err &&
	grep_q "unknown curve .p192." err &&
	test_expect_code 1 gpai key generate --out p256.pem 2>err &&
	grep_q "already exists" err &&
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa.pem 2>/dev/null &&
	test_expect_code 1 gpai sign m --key rsa.pem 2>err &&
	grep_q "rsa.pem is a RSA key; OMS signatures use ECDSA" err &&
	mkdir empty && test_expect_code 1 gpai sign empty --key p256.pem 2>err &&
	grep_q "no files to sign" err &&
	echo garbage >nokey.pem && test_expect_code 1 gpai sign m --key nokey.pem 2>err &&
	grep_q "nokey.pem. is not a PEM private key" err
'

test_done
