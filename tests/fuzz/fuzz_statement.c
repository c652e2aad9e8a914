/* fuzz_statement.c - libFuzzer target for the in-toto statement inside a
 * signature (the DSSE payload): gpai_oms_statement_parse checks the v1.0
 * and v0.1 predicates, resource names, digests and the root digest.  Past
 * the signature check in real use, so fuzzed directly here.
 * fuzz-requires: gpai_oms_statement_parse */
#include "signing.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpai_manifest m;
	struct gpai_error err;
	int legacy = 0;

	gpai_error_init(&err);
	gpai_manifest_init(&m);
	if (gpai_oms_statement_parse("fuzz.json", (const char *)data, size, &m, &legacy, &err) !=
		    GPAI_OK &&
	    err.msg[0] == '\0')
		abort(); /* every failure carries a message */
	gpai_manifest_release(&m);
	return 0;
}
