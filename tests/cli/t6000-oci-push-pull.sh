#!/bin/sh
# t6000-oci-push-pull: gpai push / gpai pull against a real CNCF
# distribution registry (Debian's docker-registry on 127.0.0.1): the
# ModelPack layout checked with an independent reader (Python), the
# signature referrer (referrers tag schema: distribution 2.8 has no
# referrers API), the round trip's root digest, no second upload, and a
# tampered blob in the registry's storage refused on pull.
. "$GPAI_TOP/tests/cli/lib.sh"
. "$GPAI_TOP/tests/cli/oci_registry.sh"

registry_start
oci_model model

test_expect_success 'setup: a signed version in a local registry' '
	gpai init &&
	gpai add model --name tiny --version 1 --provider "Test Lab" --license MIT >/dev/null &&
	gpai fact set tiny@1 training.tokens 5e8 --source "test: made up" &&
	gpai key generate --out signer.pem >/dev/null &&
	gpai sign tiny@1 --key signer.pem >/dev/null
'

test_expect_success 'push uploads every file, the config and the signature' '
	gpai push tiny@1 "oci://$REG/team/tiny:v1" --insecure-http --json >push1.json &&
	n=$(ls model | wc -l) &&
	test "$(json_get push1.json "j[\"uploaded\"]")" -eq $((n + 3)) &&
	test "$(json_get push1.json "j[\"skipped\"]")" -eq 0 &&
	test "$(json_get push1.json "j[\"referrers\"]")" = tag
'

test_expect_success 'the manifest is a ModelPack artifact whose layers are the files (independent check)' '
	oci_get /v2/team/tiny/manifests/v1 >manifest.json &&
	/usr/bin/python3 - manifest.json model "$(json_get push1.json "j[\"manifest\"]")" <<-\PY
	import hashlib, json, os, sys
	raw = open(sys.argv[1], "rb").read()
	assert "sha256:" + hashlib.sha256(raw).hexdigest() == sys.argv[3], "manifest digest"
	m = json.loads(raw)
	assert m["schemaVersion"] == 2
	assert m["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
	assert m["artifactType"] == "application/vnd.cncf.model.manifest.v1+json"
	assert m["config"]["mediaType"] == "application/vnd.cncf.model.config.v1+json"
	want = {}
	for f in os.listdir(sys.argv[2]):
	    b = open(os.path.join(sys.argv[2], f), "rb").read()
	    want[f] = ("sha256:" + hashlib.sha256(b).hexdigest(), len(b))
	got = {}
	for l in m["layers"]:
	    assert l["mediaType"].startswith("application/vnd.cncf.model."), l
	    assert l["mediaType"].endswith(".v1.raw"), l
	    got[l["annotations"]["org.cncf.model.filepath"]] = (l["digest"], l["size"])
	assert got == want, (got, want)
	json.dump([l["digest"] for l in m["layers"]], open("layers.json", "w"))
	json.dump(m["config"]["digest"], open("config_digest.json", "w"))
	PY
'

test_expect_success 'the config has descriptor, config and modelfs with the layer digests' '
	oci_get "/v2/team/tiny/blobs/$(json_get config_digest.json j)" >config.json &&
	test "$(json_get config.json "j[\"descriptor\"][\"name\"]")" = tiny &&
	test "$(json_get config.json "j[\"descriptor\"][\"version\"]")" = 1 &&
	test "$(json_get config.json "j[\"descriptor\"][\"vendor\"]")" = "Test Lab" &&
	test "$(json_get config.json "j[\"descriptor\"][\"licenses\"][0]")" = MIT &&
	test "$(json_get config.json "j[\"modelfs\"][\"type\"]")" = layers &&
	/usr/bin/python3 -c "import json; assert json.load(open(\"config.json\"))[\"modelfs\"][\"diffIds\"] == json.load(open(\"layers.json\"))" &&
	test "$(json_get config.json "j[\"config\"][\"format\"]")" = gguf &&
	test "$(json_get config.json "j[\"config\"][\"architecture\"]")" = llama
'

test_expect_success 'the signature is a referrer in the sha256-<hex> tag index' '
	d=$(json_get push1.json "j[\"manifest\"]") &&
	oci_get "/v2/team/tiny/manifests/sha256-${d#sha256:}" application/vnd.oci.image.index.v1+json >index.json &&
	test "$(json_get index.json "j[\"manifests\"][0][\"artifactType\"]")" = \
		application/vnd.dev.sigstore.bundle.v0.3+json &&
	s=$(json_get index.json "j[\"manifests\"][0][\"digest\"]") &&
	test "$s" = "$(json_get push1.json "j[\"signature\"]")" &&
	oci_get "/v2/team/tiny/manifests/$s" >sig.json &&
	test "$(json_get sig.json "j[\"subject\"][\"digest\"]")" = "$d"
'

test_expect_success 'a second push uploads no blob' '
	gpai push tiny@1 "oci://$REG/team/tiny:v1" --insecure-http --json >push2.json &&
	test "$(json_get push2.json "j[\"uploaded\"]")" -eq 0 &&
	test "$(json_get push2.json "j[\"bytes_uploaded\"]")" -eq 0 &&
	test "$(json_get push2.json "j[\"manifest\"]")" = "$(json_get push1.json "j[\"manifest\"]")"
'

test_expect_success 'pull --verify into a fresh registry: same root digest, signature verifies' '
	gpai show tiny@1 --json >src.json &&
	gpai --registry fresh init >/dev/null &&
	gpai --registry fresh pull "oci://$REG/team/tiny:v1" --insecure-http \
		--verify --key signer.pub.pem --json >pull.json &&
	test "$(json_get pull.json "j[\"verified\"]")" = True &&
	test "$(json_get pull.json "j[\"root_digest\"]")" = "$(json_get src.json "j[\"root_digest\"]")" &&
	gpai --registry fresh show tiny@1 --json >dst.json &&
	test "$(json_get dst.json "j[\"provider\"]")" = "Test Lab" &&
	test "$(json_get dst.json "j[\"license\"]")" = MIT &&
	gpai --registry fresh verify tiny@1 --key signer.pub.pem >/dev/null &&
	/usr/bin/python3 - dst.json "oci://$REG/team/tiny@$(json_get push1.json "j[\"manifest\"]")" <<-\PY
	import json, sys
	j = json.load(open(sys.argv[1]))
	f = [x for x in j["facts"] if x["field"] == "training.tokens"]
	assert len(f) == 1 and float(f[0]["value"]) == 5e8, f
	assert f[0]["source"].startswith(sys.argv[2]), f
	assert "test: made up" in f[0]["source"], f
	PY
'

test_expect_success 'pull by digest with another name and version' '
	d=$(json_get push1.json "j[\"manifest\"]") &&
	gpai --registry fresh pull "oci://$REG/team/tiny@$d" --insecure-http \
		--name tiny-copy --version 7 >out &&
	grep_q "as tiny-copy@7" out &&
	gpai --registry fresh show tiny-copy@7 --json >c.json &&
	test "$(json_get c.json "j[\"root_digest\"]")" = "$(json_get src.json "j[\"root_digest\"]")"
'

test_expect_success 'pull --verify with the wrong key registers nothing' '
	gpai key generate --out other.pem >/dev/null &&
	gpai --registry wrongkey init >/dev/null &&
	test_expect_code 1 gpai --registry wrongkey pull "oci://$REG/team/tiny:v1" \
		--insecure-http --verify --key other.pub.pem 2>err &&
	grep_q "signature of .oci://$REG/team/tiny:v1. does not verify" err &&
	gpai --registry wrongkey list --json >l.json &&
	test "$(json_get l.json "len(j)")" -eq 0 &&
	test -z "$(ls -d wrongkey/pull-* 2>/dev/null)"
'

test_expect_success 'a tampered blob in the registry storage is refused, nothing registered' '
	big=$(ls -S model | head -n 1) &&
	hex=$(sha256sum "model/$big" | cut -c1-64) &&
	data="$REG_STORE/docker/registry/v2/blobs/sha256/$(echo $hex | cut -c1-2)/$hex/data" &&
	test -f "$data" &&
	/usr/bin/python3 -c "import sys; f=open(sys.argv[1],\"r+b\"); f.seek(1000); b=f.read(1); f.seek(1000); f.write(bytes([b[0]^1]))" "$data" &&
	gpai --registry tampered init >/dev/null &&
	test_expect_code 1 gpai --registry tampered pull "oci://$REG/team/tiny:v1" --insecure-http 2>err &&
	grep_q "layer .$big. from registry .$REG. has digest sha256:[0-9a-f]*, not sha256:$hex" err &&
	gpai --registry tampered list --json >l.json &&
	test "$(json_get l.json "len(j)")" -eq 0 &&
	test -z "$(ls -d tampered/pull-* 2>/dev/null)"
'

test_expect_success 'an unknown tag fails naming the registry and the manifest' '
	test_expect_code 1 gpai --registry fresh pull "oci://$REG/team/tiny:nosuch" --insecure-http 2>err &&
	grep_q "registry .$REG.: GET /v2/team/tiny/manifests/nosuch: status 404" err
'

test_expect_success '--insecure-http is refused for a non-loopback host' '
	test_expect_code 1 gpai push tiny@1 oci://registry.example.com/team/tiny:v1 --insecure-http 2>err &&
	grep_q "only allowed for loopback registries" err &&
	test_expect_code 1 gpai pull oci://10.1.2.3:5000/team/tiny:v1 --insecure-http 2>err &&
	grep_q "not .10.1.2.3:5000." err
'

test_expect_success 'malformed references are refused naming the part' '
	test_expect_code 1 gpai push tiny@1 "http://$REG/team/tiny:v1" 2>err &&
	grep_q "is not an OCI reference" err &&
	test_expect_code 1 gpai push tiny@1 "oci://$REG/Team/tiny:v1" 2>err &&
	grep_q "repository .Team/tiny. is not valid" err &&
	test_expect_code 1 gpai push tiny@1 "oci://$REG/team/tiny" --insecure-http 2>err &&
	grep_q "needs a tag" err &&
	test_expect_code 1 gpai pull "oci://$REG/team/tiny@sha256:abc" 2>err &&
	grep_q "digest .sha256:abc. is not" err &&
	test_expect_code 2 gpai push tiny@1 2>err &&
	test_expect_code 2 gpai pull "oci://$REG/team/tiny:v1" --key k.pem 2>err &&
	grep_q "go with --verify" err
'

test_expect_success 'the registry saw traffic only from 127.0.0.1' '
	grep_q "remoteaddr=\"127.0.0.1:" "$REG_LOG" &&
	! grep "remoteaddr=" "$REG_LOG" | grep -v "remoteaddr=\"127.0.0.1:" | grep -q .
'

test_done
