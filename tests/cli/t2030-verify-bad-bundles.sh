#!/bin/sh
# t2030-verify-bad-bundles: hostile and truncated bundles are each rejected
# with exit 1 and a message naming the bundle and what is wrong.  The
# bundles are mutations of one gpai wrote (Debian's python3 edits the JSON
# and the base64 payload; statement checks run before the signature check,
# so a payload edit is named as such).
. "$GPAI_TOP/tests/cli/lib.sh"

K=$GPAI_SHARED/reference/signing/model-transparency/keys

mkdir m other
printf "weights" >m/w.bin
printf "other" >other/x.bin
gpai key generate --curve p256 --out k.pem >/dev/null
gpai sign m --key k.pem >/dev/null
gpai sign m --key k.pem --method shards --shard-size 4 --signature shards.sig >/dev/null
gpai sign other --key k.pem >/dev/null

/usr/bin/python3 - <<'PY'
import base64, copy, json
good = json.load(open("m/model.sig"))
shards = json.load(open("shards.sig"))
other = json.load(open("other/model.sig"))
def st(b):
    return json.loads(base64.b64decode(b["dsseEnvelope"]["payload"]))
def with_st(b, s):
    b = copy.deepcopy(b)
    b["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(s).encode()).decode()
    return b
def out(name, b):
    open(name + ".json", "w").write(b if isinstance(b, str) else json.dumps(b))
def edit(f, base=good):
    b = copy.deepcopy(base); f(b); return b
def sedit(f, base=good):
    s = st(base); f(s); return with_st(base, s)

out("media", edit(lambda b: b.update(mediaType="application/json")))
out("ptype", edit(lambda b: b["dsseEnvelope"].update(payloadType="text/plain")))
out("b64payload", edit(lambda b: b["dsseEnvelope"].update(payload="!!!not base64")))
out("b64sig", edit(lambda b: b["dsseEnvelope"]["signatures"][0].update(sig="%%%")))
out("twosigs", edit(lambda b: b["dsseEnvelope"]["signatures"].append(b["dsseEnvelope"]["signatures"][0])))
out("othersig", edit(lambda b: b["dsseEnvelope"].update(payload=other["dsseEnvelope"]["payload"])))
out("msgsig", edit(lambda b: (b.pop("dsseEnvelope"), b.update(messageSignature={}))))
out("twomaterials", edit(lambda b: b["verificationMaterial"].update(x509CertificateChain={"certificates": []})))
out("truncated", json.dumps(good)[:200])
out("notstatement", edit(lambda b: b["dsseEnvelope"].update(payload=base64.b64encode(b"[1,2").decode())))
out("twosubjects", sedit(lambda s: s["subject"].append(s["subject"][0])))
out("dotdot", sedit(lambda s: s["predicate"]["resources"][0].update(name="../w.bin")))
out("absolute", sedit(lambda s: s["predicate"]["resources"][0].update(name="/etc/passwd")))
out("duplicate", sedit(lambda s: s["predicate"]["resources"].append(s["predicate"]["resources"][0])))
out("halfshard", sedit(lambda s: s["predicate"]["serialization"].update(shard_size=3.5), shards))
out("badshardname", sedit(lambda s: s["predicate"]["resources"][0].update(name="w.bin:4:2"), shards))
out("md5", sedit(lambda s: s["predicate"]["serialization"].update(hash_type="md5")))
out("blake3", sedit(lambda s: s["predicate"]["serialization"].update(hash_type="blake3")))
out("algorithm", sedit(lambda s: s["predicate"]["resources"][0].update(algorithm="sha512")))
out("shortdigest", sedit(lambda s: s["predicate"]["resources"][0].update(digest="abcd")))
out("root", sedit(lambda s: s["subject"][0]["digest"].update(sha256="0" * 64)))
out("ignoreescape", sedit(lambda s: s["predicate"]["serialization"].update(ignore_paths=["../x"])))
out("type", sedit(lambda s: s.update(_type="https://in-toto.io/Statement/v0.1")))
PY

# check NAME MESSAGE: verify with that bundle fails (exit 1) naming it.
check() {
	test_expect_code 1 gpai verify m --signature "$1.json" --key k.pub.pem 2>err &&
	grep_q "$1.json" err &&
	grep_q "$2" err
}

test_expect_success 'bundle structure: media types, base64, signatures, material' '
	check media "mediaType is .application/json., expected .application/vnd.dev.sigstore.bundle.v0.3+json." &&
	check ptype "payloadType is .text/plain., expected .application/vnd.in-toto+json." &&
	check b64payload "dsseEnvelope.payload is missing or not base64" &&
	check b64sig "the DSSE signature is missing or not base64" &&
	check twosigs "must hold exactly one signature (it has 2)" &&
	check othersig "the signature does not verify with k.pub.pem" &&
	check msgsig "has no dsseEnvelope (it carries a messageSignature; OMS uses DSSE)" &&
	check twomaterials "must hold exactly one of publicKey, x509CertificateChain and certificate" &&
	check truncated "is not valid JSON (byte offset"
'

test_expect_success 'statement: subjects, names, duplicates, shard sizes, hashes, root' '
	check notstatement "statement: .notstatement.json. is not valid JSON" &&
	check twosubjects "statement has 2 subjects, expected exactly one" &&
	check dotdot "name .../w.bin. is not a valid relative path" &&
	check absolute "name ./etc/passwd. is not a valid relative path" &&
	check duplicate "resource .w.bin. appears twice" &&
	check halfshard "serialization.shard_size is missing or not a positive integer" &&
	check badshardname "name .w.bin:4:2. is not a valid PATH:START:END shard name" &&
	check md5 "unknown hash .md5." &&
	check blake3 "hash .blake3. is not supported" &&
	check algorithm "algorithm .sha512. does not match hash_type .sha256." &&
	check shortdigest "digest is not 64 hex digits" &&
	check root "subject digest does not match the root digest of the resources" &&
	check ignoreescape "ignore_paths entry 0 is not a relative path inside the model" &&
	check type "statement _type is .https://in-toto.io/Statement/v0.1."
'

test_expect_success 'RSA and Ed25519 keys are refused; keyid and hint are not trusted' '
	openssl genpkey -algorithm ed25519 -out ed.pem 2>/dev/null &&
	openssl pkey -in ed.pem -pubout -out ed.pub.pem &&
	test_expect_code 1 gpai verify m --key ed.pub.pem 2>err &&
	grep_q "ed.pub.pem is a ED25519 key; OMS signatures use ECDSA" err &&
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa.pem 2>/dev/null &&
	openssl pkey -in rsa.pem -pubout -out rsa.pub.pem &&
	test_expect_code 1 gpai verify m --key rsa.pub.pem 2>err &&
	grep_q "is a RSA key" err &&
	/usr/bin/python3 -c "
import json
b = json.load(open(\"m/model.sig\"))
b[\"verificationMaterial\"][\"publicKey\"][\"hint\"] = open(\"/dev/null\").read() or \"00\" * 32
b[\"dsseEnvelope\"][\"signatures\"][0][\"keyid\"] = \"someone-else\"
json.dump(b, open(\"hint.json\", \"w\"))" &&
	gpai verify m --signature hint.json --key k.pub.pem >/dev/null &&
	gpai key generate --out k2.pem >/dev/null &&
	test_expect_code 1 gpai verify m --signature hint.json --key k2.pub.pem 2>err &&
	grep_q "the signature does not verify with k2.pub.pem" err
'

test_expect_success 'a missing signature file is named' '
	test_expect_code 1 gpai verify m --signature nosuch.sig --key k.pub.pem 2>err &&
	grep_q "nosuch.sig" err
'

test_done
