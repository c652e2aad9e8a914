#!/bin/sh
# t6021-oci-referrers-api: both ways of listing referrers.  Through
# tests/oci_referrers_proxy.py (an OCI 1.1 referrers API in front of
# Debian's docker-registry, which has none) push sees the OCI-Subject
# header and records "referrers": "api", creates no sha256-<hex> tag, and
# pull finds the signature and the dossier bundle through GET
# /v2/<name>/referrers/<digest>; pushed straight to docker-registry the
# referrers tag schema is used.  Both pulls verify.
. "$GPAI_TOP/tests/cli/lib.sh"
. "$GPAI_TOP/tests/cli/oci_registry.sh"

PY=/usr/bin/python3
DT=application/vnd.gpai.dossier.bundle.v1+tar+gzip
ST=application/vnd.dev.sigstore.bundle.v0.3+json

registry_start
proxy_start
oci_model model

# get HOSTPORT PATH [ACCEPT]: body to stdout, the headers to headers.txt
get() {
	$PY - "$1" "$2" "${3:-application/vnd.oci.image.index.v1+json}" <<'EOP'
import sys, urllib.request
r = urllib.request.urlopen(urllib.request.Request("http://%s%s" % (sys.argv[1], sys.argv[2]),
                           headers={"Accept": sys.argv[3]}), timeout=10)
open("headers.txt", "w").write("".join("%s: %s\n" % kv for kv in r.getheaders()))
sys.stdout.buffer.write(r.read())
EOP
}

test_expect_success 'setup: a signed version with a signed dossier bundle' '
	gpai init -q &&
	gpai add model --name tiny --version 1 --provider "Test Lab" --license MIT -q &&
	gpai key generate --out k.pem -q &&
	gpai sign tiny@1 --key k.pem -q &&
	gpai dossier tiny@1 --out d.tar.gz --key k.pem -q
'

test_expect_success 'push through the referrers API: "api", no sha256-<hex> tag in the registry' '
	gpai push tiny@1 "oci://$PROXY/team/tiny:v1" --insecure-http --json >push.json &&
	test "$(json_get push.json "j[\"referrers\"]")" = api &&
	test "$(json_get push.json "j[\"signature\"]")" != None &&
	test "$(json_get push.json "j[\"dossier\"]")" != None &&
	get "$REG" /v2/team/tiny/tags/list application/json >tags.json &&
	test "$(json_get tags.json "j[\"tags\"]")" = "[$(printf "%s" "'"'v1'"'")]" &&
	grep_q "^PUT /v2/team/tiny/manifests/$(json_get push.json "j[\"dossier\"]") 201$" "$PROXY_LOG" &&
	! grep -q "manifests/sha256-" "$PROXY_LOG"
'

test_expect_success 'the referrers API lists both, and filters by artifactType' '
	d=$(json_get push.json "j[\"manifest\"]") &&
	get "$PROXY" "/v2/team/tiny/referrers/$d" >all.json &&
	$PY - all.json "$(json_get push.json "j[\"signature\"]")" "$(json_get push.json "j[\"dossier\"]")" <<-EOP &&
	import json, sys
	j = json.load(open(sys.argv[1]))
	assert j["mediaType"] == "application/vnd.oci.image.index.v1+json", j
	got = [(x["artifactType"], x["digest"]) for x in j["manifests"]]
	assert got == [("$ST", sys.argv[2]), ("$DT", sys.argv[3])], got
	EOP
	get "$PROXY" "/v2/team/tiny/referrers/$d?artifactType=$(echo "$DT" | sed "s/+/%2B/g")" >dos.json &&
	grep_q "^OCI-Filters-Applied: artifactType" headers.txt &&
	test "$(json_get dos.json "[x[\"digest\"] for x in j[\"manifests\"]]")" = \
		"[$(printf "%s" "'"'$(json_get push.json "j[\"dossier\"]")'"'")]"
'

test_expect_success 'pull through the referrers API finds signature and dossier and verifies' '
	gpai show tiny@1 --json >src.json &&
	gpai --registry viaapi init -q &&
	gpai --registry viaapi pull "oci://$PROXY/team/tiny:v1" --insecure-http --verify \
		--key k.pub.pem --json >pa.json &&
	test "$(json_get pa.json "j[\"referrers\"]")" = api &&
	test "$(json_get pa.json "j[\"verified\"]")" = True &&
	test "$(json_get pa.json "j[\"dossier_verified\"]")" = True &&
	test "$(json_get pa.json "j[\"root_digest\"]")" = "$(json_get src.json "j[\"root_digest\"]")" &&
	grep_q "^GET /v2/team/tiny/referrers/$(json_get push.json "j[\"manifest\"]") 200$" "$PROXY_LOG"
'

test_expect_success 'push straight to docker-registry uses the referrers tag schema' '
	gpai push tiny@1 "oci://$REG/team/direct:v1" --insecure-http --json >pd.json &&
	test "$(json_get pd.json "j[\"referrers\"]")" = tag &&
	get "$REG" /v2/team/direct/tags/list application/json >tags.json &&
	d=$(json_get pd.json "j[\"manifest\"]") &&
	json_get tags.json "sorted(j[\"tags\"])" >got &&
	echo "['"'"'sha256-${d#sha256:}'"'"', '"'"'v1'"'"']" >want && cmp want got
'

test_expect_success 'pull straight from docker-registry finds them in the tag schema and verifies' '
	gpai --registry viatag init -q &&
	gpai --registry viatag pull "oci://$REG/team/direct:v1" --insecure-http --verify \
		--key k.pub.pem --json >pt.json &&
	test "$(json_get pt.json "j[\"referrers\"]")" = tag &&
	test "$(json_get pt.json "j[\"verified\"]")" = True &&
	test "$(json_get pt.json "j[\"dossier_verified\"]")" = True &&
	test "$(json_get pt.json "j[\"root_digest\"]")" = "$(json_get src.json "j[\"root_digest\"]")"
'

test_expect_success 'an API that lists none of them: pull falls back to the tag schema' '
	gpai --registry mixed init -q &&
	gpai --registry mixed pull "oci://$PROXY/team/direct:v1" --insecure-http --verify \
		--key k.pub.pem --json >pm.json &&
	test "$(json_get pm.json "j[\"referrers\"]")" = tag &&
	test "$(json_get pm.json "j[\"verified\"]")" = True
'

test_done
