#!/bin/sh
# t6020-oci-dossier-referrer: the newest signed dossier bundle travels as an
# OCI referrer of the model manifest (artifactType
# application/vnd.gpai.dossier.bundle.v1+tar+gzip) through Debian's
# docker-registry (referrers tag schema); gpai pull keeps it in the registry
# and its dossier history, and pull --verify checks it like
# `gpai verify BUNDLE` (a bundle signed by another key is refused and
# nothing is registered).  Digests are checked with Python's hashlib.
. "$GPAI_TOP/tests/cli/lib.sh"
. "$GPAI_TOP/tests/cli/oci_registry.sh"

PY=/usr/bin/python3
DT=application/vnd.gpai.dossier.bundle.v1+tar+gzip
ST=application/vnd.dev.sigstore.bundle.v0.3+json
sha() { $PY -c 'import hashlib,sys; print("sha256:"+hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"; }

registry_start
oci_model model

test_expect_success 'setup: a signed version with two dossier bundles' '
	gpai init -q &&
	gpai add model --name tiny --version 1 --provider "Test Lab" --license MIT -q &&
	gpai key generate --out k.pem -q &&
	gpai sign tiny@1 --key k.pem -q &&
	gpai dossier tiny@1 --out d1.tar.gz --key k.pem -q &&
	mkdir sub && (cd sub && gpai --registry ../.gpai dossier tiny@1 --audience dp --out d2.tar.gz --key ../k.pem -q)
'

test_expect_success 'push sends the newest bundle as a referrer beside the signature' '
	gpai push tiny@1 "oci://$REG/team/tiny:v1" --insecure-http --json >push.json &&
	test "$(json_get push.json "j[\"referrers\"]")" = tag &&
	test "$(json_get push.json "j[\"dossier_number\"]")" = 2 &&
	b=$(json_get push.json "[x for x in j[\"blobs\"] if x[\"path\"] == \"(dossier)\"][0][\"digest\"]") &&
	test "$b" = "$(sha sub/d2.tar.gz)" &&
	d=$(json_get push.json "j[\"manifest\"]") &&
	oci_get "/v2/team/tiny/manifests/sha256-${d#sha256:}" application/vnd.oci.image.index.v1+json >index.json &&
	$PY - index.json "$(json_get push.json "j[\"signature\"]")" "$(json_get push.json "j[\"dossier\"]")" <<-EOP
	import json, sys
	m = json.load(open(sys.argv[1]))["manifests"]
	got = sorted((x["artifactType"], x["digest"]) for x in m)
	assert got == sorted([("$ST", sys.argv[2]), ("$DT", sys.argv[3])]), got
	EOP
'

test_expect_success 'the dossier referrer manifest (independent check)' '
	oci_get "/v2/team/tiny/manifests/$(json_get push.json "j[\"dossier\"]")" >dm.json &&
	$PY - dm.json "$(json_get push.json "j[\"dossier\"]")" "$(json_get push.json "j[\"manifest\"]")" "$(sha sub/d2.tar.gz)" <<-EOP
	import hashlib, json, sys
	raw = open(sys.argv[1], "rb").read()
	assert "sha256:" + hashlib.sha256(raw).hexdigest() == sys.argv[2]
	m = json.loads(raw)
	assert m["artifactType"] == "$DT", m
	assert m["config"]["mediaType"] == "application/vnd.oci.empty.v1+json", m
	assert m["subject"]["digest"] == sys.argv[3], m
	assert [(l["mediaType"], l["digest"]) for l in m["layers"]] == [("$DT", sys.argv[4])], m
	assert m["annotations"]["dev.gpai.dossier.audience"] == "dp", m
	EOP
'

test_expect_success 'pull --verify keeps the verified bundle in the registry and its history' '
	gpai --registry fresh init -q &&
	gpai --registry fresh pull "oci://$REG/team/tiny:v1" --insecure-http --verify \
		--key k.pub.pem --json >pull.json &&
	test "$(json_get pull.json "j[\"dossier_verified\"]")" = True &&
	test "$(json_get pull.json "j[\"dossier\"]")" = "$(json_get push.json "j[\"dossier\"]")" &&
	p=$(json_get pull.json "j[\"dossier_path\"]") &&
	cmp "$p" sub/d2.tar.gz &&
	case $p in "$PWD"/fresh/*) ;; *) false ;; esac &&
	gpai --registry fresh dossier tiny@1 --history --json >h.json &&
	test "$(json_get h.json "len(j)")" = 1 &&
	test "$(json_get h.json "j[0][\"format\"]")" = bundle &&
	test "sha256:$(json_get h.json "j[0][\"sha256\"]")" = "$(sha sub/d2.tar.gz)" &&
	test "$(json_get h.json "j[0][\"audience\"]")" = dp &&
	gpai verify "$p" --key k.pub.pem >/dev/null
'

test_expect_success 'pull --verify --trusted checks the bundle with the trusted keys' '
	gpai --registry trusted init -q &&
	gpai --registry trusted key import k.pub.pem --trust >/dev/null &&
	gpai --registry trusted pull "oci://$REG/team/tiny:v1" --insecure-http --verify \
		--trusted >out &&
	grep_q "dossier bundle sha256:[0-9a-f]* kept as dossier 1 of tiny@1 .*; verified" out
'

test_expect_success 'a bundle signed by another key: pull --verify refuses, nothing registered' '
	gpai key generate --out other.pem -q &&
	gpai dossier tiny@1 --out d3.tar.gz --key other.pem -q &&
	gpai push tiny@1 "oci://$REG/team/tiny:other" --insecure-http --json >p3.json &&
	test "$(json_get p3.json "j[\"dossier_number\"]")" = 3 &&
	gpai --registry refused init -q &&
	test_expect_code 1 gpai --registry refused pull "oci://$REG/team/tiny:other" \
		--insecure-http --verify --key k.pub.pem 2>err &&
	grep_q "dossier bundle referrer of .oci://$REG/team/tiny:other. does not verify: refused" err &&
	gpai --registry refused list --json >l.json &&
	test "$(json_get l.json "len(j)")" -eq 0 &&
	test -z "$(ls refused/dossier-bundles 2>/dev/null)" &&
	gpai --registry refused pull "oci://$REG/team/tiny:other" --insecure-http --json >u.json &&
	test "$(json_get u.json "j[\"dossier_verified\"]")" = False &&
	cmp "$(json_get u.json "j[\"dossier_path\"]")" d3.tar.gz
'

test_expect_success 'a bundle changed since it was written is passed over for the one before' '
	echo x >>d3.tar.gz &&
	gpai push tiny@1 "oci://$REG/team/tiny:changed" --insecure-http --json >p4.json &&
	test "$(json_get p4.json "j[\"dossier_number\"]")" = 2
'

test_expect_success '--no-dossier pushes the signature only' '
	gpai push tiny@1 "oci://$REG/team/plain:v1" --insecure-http --no-dossier --json >p5.json &&
	test "$(json_get p5.json "j[\"dossier\"]")" = None &&
	test "$(json_get p5.json "j[\"referrers\"]")" = tag &&
	gpai --registry plain init -q &&
	gpai --registry plain pull "oci://$REG/team/plain:v1" --insecure-http --verify \
		--key k.pub.pem --json >pl.json &&
	test "$(json_get pl.json "j[\"dossier\"]")" = None
'

test_done
