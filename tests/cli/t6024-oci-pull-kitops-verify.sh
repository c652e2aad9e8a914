#!/bin/sh
# t6024-oci-pull-kitops-verify: gpai pull --verify on a KitOps ModelKit
# (tar layers, built with tar and uploaded with curl as a KitOps client
# would) whose OMS signature was attached as an OCI 1.1 referrer in the
# referrers tag schema (the signature made by `gpai sign` of the same files
# in another registry): the signature is checked against the unpacked files
# and the version registers; another key, or no signature at all, registers
# nothing.
. "$GPAI_TOP/tests/cli/lib.sh"
. "$GPAI_TOP/tests/cli/oci_registry.sh"

if ! have_shared models/stories260K/stories260K.bin; then
	echo "not ok - $test_name: needs $GPAI_SHARED/models/stories260K"
	exit 1
fi
M=$GPAI_SHARED/models/stories260K
PY=/usr/bin/python3
KT=application/vnd.kitops.modelkit
registry_start

# put METHOD PATH FILE CONTENT_TYPE: one request to the registry, 201 wanted
put() {
	code=$(curl -sS -o /dev/null -w '%{http_code}' -X "$1" -H "Content-Type: $4" \
		--data-binary "@$3" "http://$REG$2")
	test "$code" = 201 || { echo "$1 $2: $code" >&2; return 1; }
}
# blob REPO FILE: monolithic upload (POST, PUT ?digest=)
blob() {
	d=sha256:$(sha256sum "$2" | cut -c1-64)
	loc=$(curl -sS -o /dev/null -D - -X POST "http://$REG/v2/$1/blobs/uploads/" |
		tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
	loc=${loc#http://$REG}
	case $loc in *\?*) sep='&' ;; *) sep='?' ;; esac
	put PUT "$loc${sep}digest=$d" "$2" application/octet-stream
}

test_expect_success 'setup: a ModelKit of the stories260K files and gpai signature of them' '
	mkdir stories260K && cp "$M"/* stories260K/ && chmod u+w stories260K/* &&
	(cd stories260K &&
	 tar --owner=1000 --group=0 --numeric-owner --mtime=@0 -czf ../model.tgz stories260K.bin stories260K.gguf &&
	 tar --owner=1000 --group=0 --numeric-owner --mtime=@0 -cf ../rest.tar tok512.bin SOURCE.md) &&
	printf "%s" "{\"manifestVersion\": \"1.0.0\", \"package\": {\"name\": \"stories260K\", \"version\": \"1\"}, \"model\": {\"name\": \"stories260K\", \"path\": \"stories260K.bin\"}}" >kitfile.json &&
	for f in kitfile.json model.tgz rest.tar; do blob kit/st "$f" || return 1; done &&
	$PY - <<-EOP &&
	import hashlib, json
	def desc(t, f):
	    b = open(f, "rb").read()
	    return {"mediaType": t, "digest": "sha256:" + hashlib.sha256(b).hexdigest(), "size": len(b)}
	m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
	     "config": desc("$KT.config.v1+json", "kitfile.json"),
	     "layers": [desc("$KT.model.v1.tar+gzip", "model.tgz"), desc("$KT.docs.v1.tar", "rest.tar")]}
	open("kit.json", "w").write(json.dumps(m))
	EOP
	put PUT /v2/kit/st/manifests/v1 kit.json application/vnd.oci.image.manifest.v1+json &&
	for f in kitfile.json model.tgz rest.tar; do blob kit/unsigned "$f" || return 1; done &&
	put PUT /v2/kit/unsigned/manifests/v1 kit.json application/vnd.oci.image.manifest.v1+json &&
	gpai --registry signer init -q &&
	gpai --registry signer add stories260K --name stories260K --version 1 -q &&
	gpai key generate --out k.pem -q &&
	gpai --registry signer sign stories260K@1 --key k.pem --signature sig.json -q &&
	gpai --registry signer show stories260K@1 --json >src.json
'

test_expect_success 'attach the signature as a referrer (referrers tag schema), as cosign or oras would' '
	printf "{}" >empty.json &&
	blob kit/st sig.json && blob kit/st empty.json &&
	$PY - <<-\EOP &&
	import hashlib, json
	def desc(t, b):
	    return {"mediaType": t, "digest": "sha256:" + hashlib.sha256(b).hexdigest(), "size": len(b)}
	ST = "application/vnd.dev.sigstore.bundle.v0.3+json"
	kit = open("kit.json", "rb").read()
	s = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
	     "artifactType": ST, "config": desc("application/vnd.oci.empty.v1+json", b"{}"),
	     "layers": [desc(ST, open("sig.json", "rb").read())],
	     "subject": desc("application/vnd.oci.image.manifest.v1+json", kit)}
	sb = json.dumps(s).encode()
	open("sigm.json", "wb").write(sb)
	d = desc("application/vnd.oci.image.manifest.v1+json", sb)
	d["artifactType"] = ST
	idx = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [d]}
	open("index.json", "w").write(json.dumps(idx))
	open("names", "w").write("%s sha256-%s\n" % (d["digest"], hashlib.sha256(kit).hexdigest()))
	EOP
	read sd tag <names &&
	put PUT "/v2/kit/st/manifests/$sd" sigm.json application/vnd.oci.image.manifest.v1+json &&
	put PUT "/v2/kit/st/manifests/$tag" index.json application/vnd.oci.image.index.v1+json
'

test_expect_success 'pull --verify checks the signature against the unpacked files' '
	gpai --registry ok init -q &&
	gpai --registry ok pull "oci://$REG/kit/st:v1" --insecure-http --verify --key k.pub.pem \
		--json >p.json &&
	test "$(json_get p.json "(j[\"artifact\"], j[\"verified\"], j[\"referrers\"])")" = \
		"('"'"'kitops'"'"', True, '"'"'tag'"'"')" &&
	test "$(json_get p.json "j[\"root_digest\"]")" = "$(json_get src.json "j[\"root_digest\"]")" &&
	gpai --registry ok verify stories260K@1 --key k.pub.pem >/dev/null
'

test_expect_success 'another key, or no signature: nothing registered' '
	gpai key generate --out other.pem -q &&
	gpai --registry no init -q &&
	test_expect_code 1 gpai --registry no pull "oci://$REG/kit/st:v1" --insecure-http \
		--verify --key other.pub.pem 2>err &&
	grep_q "signature of .oci://$REG/kit/st:v1. does not verify: refused" err &&
	test_expect_code 1 gpai --registry no pull "oci://$REG/kit/unsigned:v1" --insecure-http \
		--verify --key k.pub.pem 2>err &&
	grep_q "has no signature referrer" err &&
	gpai --registry no list --json >l.json && test "$(json_get l.json "len(j)")" -eq 0 &&
	test -z "$(ls -d no/pull-* 2>/dev/null)"
'

test_done
