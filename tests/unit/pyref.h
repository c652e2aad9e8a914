/*
 * pyref.h - runs the independent Python header reader
 * (tests/data/model_header.py, Debian's /usr/bin/python3 + numpy) and
 * returns its JSON answer, so the C readers are checked against a reader
 * that shares no code with them.  Static functions: include from one test.
 */
#ifndef GPAI_TEST_PYREF_H
#define GPAI_TEST_PYREF_H

#include <stdio.h>
#include <stdlib.h>

#include <cJSON.h>

#define PYREF_PYTHON "/usr/bin/python3"

/* JSON from `model_header.py ARGS` (args are quoted by the caller), or
 * NULL when Python or the script could not run. */
static inline cJSON *pyref(const char *args)
{
	const char *top = getenv("GPAI_TOP");
	char cmd[4096], buf[1 << 16];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "%s '%s/tests/data/model_header.py' %s", PYREF_PYTHON,
		 top && *top ? top : ".", args);
	p = popen(cmd, "r");
	if (!p)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, p);
	if (pclose(p) != 0)
		return NULL;
	buf[n] = '\0';
	return cJSON_Parse(buf);
}

/* Integer member of a pyref answer; -1 when absent. */
static inline long long pyref_int(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : -1;
}

#endif
