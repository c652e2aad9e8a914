#!/bin/sh
# t6001-oci-resume: chunked uploads (PATCH) and a broken chunk.  The test
# hook GPAI_OCI_FAIL_AFTER_BYTES=N breaks the connection of the PATCH that
# carries blob offset N (once per process).  At a chunk boundary the
# registry keeps the session and push resumes at the offset it reports
# (GET upload status, Range); in the middle of a chunk distribution 2.8
# stores the partial bytes and then refuses the session (its signed _state
# no longer matches), so push starts that blob over.  (--no-mount: the
# blobs are in the registry already, under chunked/tiny.)  Either way the pulled
# model verifies.
. "$GPAI_TOP/tests/cli/lib.sh"
. "$GPAI_TOP/tests/cli/oci_registry.sh"

CHUNK=262144
registry_start
oci_model model

test_expect_success 'setup' '
	gpai init >/dev/null &&
	gpai add model --name tiny --version 1 >/dev/null &&
	gpai key generate --out signer.pem >/dev/null &&
	gpai sign tiny@1 --key signer.pem >/dev/null &&
	big=$(ls -S model | head -n 1) &&
	test "$(wc -c <"model/$big")" -gt $((2 * CHUNK))
'

# blob JSON entry of the largest file
big_entry() {
	big=$(ls -S model | head -n 1)
	json_get "$1" "[b for b in j[\"blobs\"] if b[\"path\"] == \"$big\"][0][\"$2\"]"
}
# sum of a counter over all blobs (the hook breaks the first chunked blob)
blob_sum() {
	json_get "$1" "sum(b[\"$2\"] for b in j[\"blobs\"])"
}

test_expect_success 'a blob larger than the chunk size goes up in PATCH chunks' '
	gpai push tiny@1 "oci://$REG/chunked/tiny:v1" --insecure-http --chunk-size $CHUNK \
		--json >p0.json &&
	size=$(wc -c <"model/$(ls -S model | head -n 1)") &&
	test "$(big_entry p0.json chunks)" -eq $(( (size + CHUNK - 1) / CHUNK )) &&
	test "$(big_entry p0.json resumed)" -eq 0 &&
	grep_q "PATCH /v2/chunked/tiny/blobs/uploads/" "$REG_LOG"
'

test_expect_success 'a PATCH broken at a chunk boundary resumes at the registry offset' '
	env GPAI_OCI_FAIL_AFTER_BYTES=$CHUNK "$GPAI" push tiny@1 "oci://$REG/resume/tiny:v1" \
		--insecure-http --chunk-size $CHUNK --no-mount --json >p1.json &&
	test "$(blob_sum p1.json resumed)" -eq 1 &&
	test "$(blob_sum p1.json restarted)" -eq 0 &&
	grep_q "client disconnected during blob PATCH" "$REG_LOG" &&
	gpai --registry r1 init >/dev/null &&
	gpai --registry r1 pull "oci://$REG/resume/tiny:v1" --insecure-http \
		--verify --key signer.pub.pem >/dev/null
'

test_expect_success 'a PATCH broken mid-chunk starts the blob over when the registry drops the session' '
	env GPAI_OCI_FAIL_AFTER_BYTES=100000 "$GPAI" push tiny@1 "oci://$REG/restart/tiny:v1" \
		--insecure-http --chunk-size $CHUNK --no-mount --json >p2.json &&
	test "$(blob_sum p2.json resumed)" -eq 0 &&
	test "$(blob_sum p2.json restarted)" -eq 1 &&
	gpai --registry r2 init >/dev/null &&
	gpai --registry r2 pull "oci://$REG/restart/tiny:v1" --insecure-http \
		--verify --key signer.pub.pem >/dev/null
'

test_expect_success '--chunk-size must be a positive number' '
	test_expect_code 2 gpai push tiny@1 "oci://$REG/x/tiny:v1" --chunk-size 0 2>err &&
	grep_q "positive number of bytes" err
'

test_done
