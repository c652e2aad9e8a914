/* fuzz_bundle.c - libFuzzer target for OMS signature bundles: the whole
 * bundle check (JSON, media types, base64, DSSE, statement, verification
 * material, X.509 chain, ECDSA) with a fixed trusted key and CA, then the
 * statement parser on the raw input.  Every failure must carry a message;
 * a bundle the fuzzer cannot sign must never verify.
 * fuzz-requires: gpai_oms_verify_bundle_text */
#include "signing.h"

#include <stdlib.h>
#include <string.h>

/* A P-256 key and a self-signed CA made for this target only (no private
 * half is kept anywhere). */
static const char *const trusted_key =
	"-----BEGIN PUBLIC KEY-----\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE2d4O1C41kxVttUwy3iPX2kTZV9Nx\n"
	"5k17cz2V9p1bWib9G0OT7Wik1X9435/qBnquAe0fUB4ktwCrb0B761hd6Q==\n"
	"-----END PUBLIC KEY-----\n";
static const char *const trusted_ca =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBezCCASGgAwIBAgIUZFSBwA5sjjLei2jS3IUBqqM9QvAwCgYIKoZIzj0EAwIw\n"
	"EjEQMA4GA1UEAwwHZnV6ei1jYTAgFw0yNjExMjkyMDIwMDNaGA8yMTI2MTEwNTIw\n"
	"MjAwM1owEjEQMA4GA1UEAwwHZnV6ei1jYTBZMBMGByqGSM49AgEGCCqGSM49AwEH\n"
	"A0IABNneDtQuNZMVbbVMMt4j19pE2VfTceZNe3M9lfadW1om/RtDk+1opNV/eN+f\n"
	"6gZ6rgHtH1AeJLcAq29Ae+tYXemjUzBRMB0GA1UdDgQWBBS37anRYH1OzmZ9B92n\n"
	"DmekJ6vt7TAfBgNVHSMEGDAWgBS37anRYH1OzmZ9B92nDmekJ6vt7TAPBgNVHRMB\n"
	"Af8EBTADAQH/MAoGCCqGSM49BAMCA0gAMEUCIQCSWNWk6CvIvuIiLhhUj7SlbYFa\n"
	"WZfk2nq2Ft6L2APC1wIgKMHMuydKglbw2NZp5GT4rCsq8ZV+BEu7j+RFw9nbn2E=\n"
	"-----END CERTIFICATE-----\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpai_verify_options vo;
	struct gpai_verify_report rep;
	struct gpai_manifest m;
	struct gpai_error err;
	int rc, legacy = 0;

	memset(&vo, 0, sizeof(vo));
	vo.key_pems = &trusted_key;
	vo.n_key_pems = 1;
	vo.ca_pems = &trusted_ca;
	vo.n_ca_pems = 1;
	gpai_error_init(&err);
	gpai_verify_report_init(&rep);
	rc = gpai_oms_verify_bundle_text("fuzz.sig", (const char *)data, size, &vo, &rep, &err);
	if (rc == GPAI_OK)
		abort(); /* nothing here holds the private keys */
	if (err.msg[0] == '\0')
		abort();
	gpai_verify_report_release(&rep);

	gpai_manifest_init(&m);
	gpai_error_init(&err);
	rc = gpai_oms_statement_parse("fuzz.json", (const char *)data, size, &m, &legacy, &err);
	if (rc != GPAI_OK && err.msg[0] == '\0')
		abort();
	gpai_manifest_release(&m);
	return 0;
}
