/* fuzz_fact.c - libFuzzer target for fact values (gpai fact set and every
 * fact of a --facts file go through gpai_fact_validate): the input is
 * "FIELD\nVALUE"; a known field's type check (int, number, date, url,
 * enum, list, json) gets arbitrary values.
 * fuzz-requires: gpai_fact_validate */
#include "registry.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpai_error err;
	char *text, *nl, *norm = NULL;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	nl = strchr(text, '\n');
	if (nl) {
		*nl = '\0';
		gpai_error_init(&err);
		if (gpai_fact_validate(text, nl + 1, &norm, &err) == GPAI_OK) {
			if (!norm)
				abort(); /* success gives the value to store */
		} else if (err.msg[0] == '\0') {
			abort(); /* every failure carries a message */
		}
		free(norm);
	}
	free(text);
	return 0;
}
