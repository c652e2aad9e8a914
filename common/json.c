/*
 * json.c - cJSON helpers that name the file and offset on a parse error.
 */
#include "common.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

int gpai_json_parse(const char *what, const char *text, size_t len,
		    struct cJSON **out, struct gpai_error *err)
{
	const char *end = NULL;
	cJSON *j;

	j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!j) {
		size_t off = end && end >= text ? (size_t)(end - text) : 0;

		return gpai_error_set(err, GPAI_EFORMAT,
				      "'%s' is not valid JSON (byte offset %zu)", what, off);
	}
	*out = j;
	return GPAI_OK;
}

int gpai_json_load(const char *path, size_t max, struct cJSON **out,
		   struct gpai_error *err)
{
	size_t len;
	char *text;
	int rc;

	rc = gpai_read_file(path, max, &text, &len, err);
	if (rc)
		return rc;
	if (!gpai_utf8_valid(text, len)) {
		free(text);
		return gpai_error_set(err, GPAI_EFORMAT, "'%s' is not valid UTF-8", path);
	}
	rc = gpai_json_parse(path, text, len, out, err);
	free(text);
	return rc;
}

const char *gpai_json_str(const struct cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int gpai_json_i64(const struct cJSON *obj, const char *key, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	double d;

	if (!v)
		return GPAI_ENOTFOUND;
	if (!cJSON_IsNumber(v))
		return GPAI_EFORMAT;
	d = v->valuedouble;
	if (d != floor(d) || fabs(d) > 9007199254740992.0)
		return GPAI_EFORMAT;
	*out = (int64_t)d;
	return GPAI_OK;
}
