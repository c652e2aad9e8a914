/* fuzz_json.c - libFuzzer target for JSON parsing (fact files and every
 * other JSON gpai reads go through gpai_json_parse), then the lookups a
 * fact-file reader makes on the result.
 * fuzz-requires: gpai_json_parse */
#include "common.h"

#include <cJSON.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpai_error err;
	struct cJSON *root = NULL, *facts, *f;
	int64_t v;

	gpai_error_init(&err);
	if (gpai_json_parse("fuzz.json", (const char *)data, size, &root, &err) != GPAI_OK) {
		if (err.msg[0] == '\0')
			abort(); /* every failure carries a message */
		return 0;
	}
	(void)gpai_json_str(root, "name");
	(void)gpai_json_str(root, "version");
	(void)gpai_json_i64(root, "version", &v);
	facts = cJSON_GetObjectItemCaseSensitive(root, "facts");
	cJSON_ArrayForEach(f, facts) {
		(void)gpai_json_str(f, "field");
		(void)gpai_json_str(f, "value");
		(void)gpai_json_i64(f, "value", &v);
		(void)gpai_json_str(f, "source");
	}
	cJSON_Delete(root);
	return 0;
}
