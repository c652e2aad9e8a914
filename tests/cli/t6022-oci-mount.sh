#!/bin/sh
# t6022-oci-mount: a version already pushed to one repository of a registry
# goes to another repository of the same registry by cross-repository
# mount (POST /v2/B/blobs/uploads/?mount=DIGEST&from=A, which Debian's
# docker-registry 2.8 answers 201), sending no blob bytes: checked in
# gpai's counters and in the registry's own request log.  A source that
# cannot give the blob (202: an ordinary upload session) falls back to the
# upload; both pushed copies pull and verify.
. "$GPAI_TOP/tests/cli/lib.sh"
. "$GPAI_TOP/tests/cli/oci_registry.sh"

registry_start
oci_model model

# requests the registry completed for repository $1 with method $2 (its log)
reqs() { grep "response completed" "$REG_LOG" | grep "http.request.method=$2 " |
	grep -c "http.request.uri=\"/v2/$1/blobs/uploads/" || true; }

test_expect_success 'setup: a signed version with a dossier bundle, pushed to team/a' '
	gpai init -q &&
	gpai add model --name tiny --version 1 --license MIT -q &&
	gpai key generate --out k.pem -q &&
	gpai sign tiny@1 --key k.pem -q &&
	gpai dossier tiny@1 --out d.tar.gz --key k.pem -q &&
	gpai push tiny@1 "oci://$REG/team/a:v1" --insecure-http --json >a.json &&
	test "$(json_get a.json "j[\"mounted\"]")" -eq 0 &&
	test "$(json_get a.json "j[\"uploaded\"]")" -gt 0 &&
	grep_q "\"repo\":\"team/a\"" .gpai/oci-pushes.jsonl
'

test_expect_success 'the push to team/b mounts every blob from team/a: no bytes sent' '
	gpai push tiny@1 "oci://$REG/team/b:v1" --insecure-http --json >b.json &&
	test "$(json_get b.json "j[\"uploaded\"]")" -eq 0 &&
	test "$(json_get b.json "j[\"bytes_uploaded\"]")" -eq 0 &&
	test "$(json_get b.json "j[\"mounted\"]")" = "$(json_get a.json "j[\"uploaded\"]")" &&
	test "$(json_get b.json "sorted(set(x[\"mounted_from\"] for x in j[\"blobs\"] if x[\"mounted_from\"]))")" = "['"'"'team/a'"'"']" &&
	test "$(reqs team/b PATCH)" -eq 0 && test "$(reqs team/b PUT)" -eq 0 &&
	test "$(grep "response completed" "$REG_LOG" | grep "http.request.method=POST " |
		grep -c "http.request.uri=\"/v2/team/b/blobs/uploads/?mount=sha256:[0-9a-f]*&from=team/a\"")" = \
		"$(json_get b.json "j[\"mounted\"]")" &&
	test "$(reqs team/a PUT)" -eq "$(json_get a.json "j[\"uploaded\"]")"
'

test_expect_success '--mount-from mounts from a repository this gpai registry never pushed to' '
	gpai --registry other init -q &&
	gpai --registry other add model --name tiny --version 1 --license MIT -q &&
	gpai --registry other push tiny@1 "oci://$REG/team/c:v1" --insecure-http \
		--mount-from team/a --json >c.json &&
	test "$(json_get c.json "all(x[\"mounted_from\"] == \"team/a\" for x in j[\"blobs\"] if x[\"path\"] != \"(config)\")")" = True &&
	test "$(json_get c.json "j[\"mounted\"]")" -eq "$(ls model | wc -l)" &&
	: "the config differs (its createdAt): its mount answer 202 opened the session it went up in" &&
	test "$(json_get c.json "j[\"uploaded\"]")" -eq 1 &&
	test "$(json_get c.json "j[\"bytes_uploaded\"]")" = \
		"$(json_get c.json "[x[\"size\"] for x in j[\"blobs\"] if x[\"path\"] == \"(config)\"][0]")" &&
	test "$(reqs team/c POST)" -eq "$(json_get c.json "j[\"mounted\"] + j[\"uploaded\"]")" &&
	test "$(reqs team/c PUT)" -eq 1
'

test_expect_success 'a source without the blob: the 202 session is used for the upload' '
	gpai --registry fresh init -q &&
	gpai --registry fresh add model --name tiny --version 1 --license MIT -q &&
	gpai --registry fresh push tiny@1 "oci://$REG/team/d:v1" --insecure-http \
		--mount-from team/nosuch --json >d.json &&
	test "$(json_get d.json "j[\"mounted\"]")" -eq 0 &&
	test "$(json_get d.json "j[\"uploaded\"]")" -gt 0 &&
	test "$(reqs team/d POST)" -eq "$(json_get d.json "j[\"uploaded\"]")" &&
	test "$(reqs team/d PUT)" -eq "$(json_get d.json "j[\"uploaded\"]")"
'

test_expect_success 'the mounted and the uploaded copies pull and verify' '
	gpai show tiny@1 --json >src.json &&
	for r in b d; do
		gpai --registry "pull$r" init -q &&
		gpai --registry "pull$r" pull "oci://$REG/team/$r:v1" --insecure-http --json >p.json &&
		test "$(json_get p.json "j[\"root_digest\"]")" = "$(json_get src.json "j[\"root_digest\"]")" ||
		return 1
	done &&
	gpai --registry pullb2 init -q &&
	gpai --registry pullb2 pull "oci://$REG/team/b:v1" --insecure-http --verify --key k.pub.pem >/dev/null
'

test_expect_success '--no-mount sends the bytes although team/a has them' '
	gpai push tiny@1 "oci://$REG/team/f:v1" --insecure-http --no-mount --json >f.json &&
	test "$(json_get f.json "j[\"mounted\"]")" -eq 0 &&
	test "$(json_get f.json "j[\"uploaded\"]")" -eq "$(json_get a.json "j[\"uploaded\"]")" &&
	test "$(reqs team/f PUT)" -eq "$(json_get a.json "j[\"uploaded\"]")"
'

test_expect_success 'a bad --mount-from is a usage error' '
	test_expect_code 2 gpai push tiny@1 "oci://$REG/team/e:v1" --insecure-http \
		--mount-from "Team/A" 2>err &&
	grep_q "mount-from needs a repository name" err &&
	test_expect_code 2 gpai push tiny@1 "oci://$REG/team/e:v1" --mount-from 2>err &&
	test_expect_code 2 gpai push tiny@1 "oci://$REG/team/e:v1" --mount-from team/a \
		--no-mount 2>err &&
	grep_q "exclude each other" err
'

test_done
