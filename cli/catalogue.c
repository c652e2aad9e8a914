/*
 * catalogue.c - loads the catalogue's fact files (built in, or from a
 * directory) for the `catalogue` and `report` commands.
 *
 * Invariant: every loaded model has a name, a version and a facts array,
 * and no two loaded models share NAME@VERSION; the array is sorted by file
 * name (the built-in files are embedded in sorted order by the Makefile's
 * wildcard, a directory is sorted here).
 */
#include "catalogue.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

/* A fact file is small text; anything bigger is not one. */
#define CATALOGUE_FILE_MAX ((size_t)4 << 20)
#define JSON_SUFFIX ".json"

static const char *opt_str(const cJSON *doc, const char *key)
{
	const char *s = gpai_json_str(doc, key);

	return s && *s ? s : NULL;
}

/* Parses text (from origin) into *m; takes ownership of path. */
static int parse_model(const char *origin, char *path, const char *text, size_t len,
		       struct catalogue_model *m, struct gpai_error *err)
{
	cJSON *doc = NULL;
	int rc;

	memset(m, 0, sizeof(*m));
	m->path = path;
	m->origin = gpai_strdup(origin);
	if (!m->origin)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	rc = gpai_json_parse(origin, text, len, &doc, err);
	if (rc)
		return rc;
	m->doc = doc;
	if (!cJSON_IsObject(doc))
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': the top level must be an object",
				      origin);
	m->name = opt_str(doc, "name");
	m->version = opt_str(doc, "version");
	m->facts = cJSON_GetObjectItemCaseSensitive(doc, "facts");
	if (!m->name || !m->version)
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': member '%s' is missing or empty",
				      origin, m->name ? "version" : "name");
	if (!cJSON_IsArray(m->facts))
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': member 'facts' must be an array",
				      origin);
	m->provider = opt_str(doc, "provider");
	m->license = opt_str(doc, "license");
	m->access = opt_str(doc, "access");
	m->base = opt_str(doc, "base");
	m->relation = opt_str(doc, "relation");
	return GPAI_OK;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted *.json file names of dir (malloc'd array of malloc'd names). */
static int list_dir(const char *dir, char ***names, size_t *n, struct gpai_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (!d)
		return gpai_error_errno(err, GPAI_EIO, errno, "cannot open catalogue directory '%s'",
					dir);
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len <= strlen(JSON_SUFFIX) || e->d_name[0] == '.' ||
		    strcmp(e->d_name + len - strlen(JSON_SUFFIX), JSON_SUFFIX) != 0)
			continue;
		if (*n == cap) {
			size_t ncap = cap ? 2 * cap : 32;
			char **nv = realloc(v, ncap * sizeof(*v));

			if (!nv)
				goto nomem;
			v = nv;
			cap = ncap;
		}
		v[*n] = gpai_strdup(e->d_name);
		if (!v[*n])
			goto nomem;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_str);
	*names = v;
	return GPAI_OK;
nomem:
	closedir(d);
	for (size_t i = 0; i < *n; i++)
		free(v[i]);
	free(v);
	*n = 0;
	return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
}

int catalogue_load(const char *dir, struct catalogue_model **out, size_t *n,
		   struct gpai_error *err)
{
	struct catalogue_model *v = NULL;
	char **names = NULL;
	size_t count = 0, done = 0;
	int rc = GPAI_OK;

	*out = NULL;
	*n = 0;
	if (dir) {
		rc = list_dir(dir, &names, &count, err);
		if (rc)
			return rc;
		if (count == 0)
			return gpai_error_set(err, GPAI_ENOTFOUND,
					      "catalogue directory '%s' has no .json files", dir);
	} else {
		count = catalogue_embedded_count;
	}
	v = calloc(count ? count : 1, sizeof(*v));
	if (!v) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		if (dir) {
			char *path = gpai_path_join(dir, names[i]);
			char *text = NULL;
			size_t len = 0;

			if (!path) {
				rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
				goto out;
			}
			rc = gpai_read_file(path, CATALOGUE_FILE_MAX, &text, &len, err);
			if (rc == GPAI_OK)
				rc = parse_model(path, path, text, len, &v[i], err);
			else
				free(path);
			free(text);
		} else {
			char *origin = gpai_asprintf("built-in:%s", catalogue_embedded[i].name);

			if (!origin) {
				rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
				goto out;
			}
			rc = parse_model(origin, NULL, catalogue_embedded[i].text,
					 catalogue_embedded[i].len, &v[i], err);
			free(origin);
		}
		done = i + 1;
		if (rc)
			goto out;
		for (size_t k = 0; k < i; k++)
			if (strcmp(v[k].name, v[i].name) == 0 &&
			    strcmp(v[k].version, v[i].version) == 0) {
				rc = gpai_error_set(err, GPAI_EEXIST,
						    "'%s' and '%s' both describe '%s@%s'",
						    v[k].origin, v[i].origin, v[i].name,
						    v[i].version);
				goto out;
			}
	}
out:
	for (size_t i = 0; i < count && names; i++)
		free(names[i]);
	free(names);
	if (rc) {
		catalogue_free(v, done);
		return rc;
	}
	*out = v;
	*n = count;
	return GPAI_OK;
}

void catalogue_free(struct catalogue_model *m, size_t n)
{
	if (!m)
		return;
	for (size_t i = 0; i < n; i++) {
		cJSON_Delete(m[i].doc);
		free(m[i].origin);
		free(m[i].path);
	}
	free(m);
}

const struct catalogue_model *catalogue_find(const struct catalogue_model *m,
					     size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].name, name) == 0)
			return &m[i];
	return NULL;
}

const char *catalogue_fact(const struct catalogue_model *m, const char *field,
			   char buf[64], const char **source)
{
	const cJSON *it, *found = NULL;

	cJSON_ArrayForEach(it, m->facts) {
		const char *f = gpai_json_str(it, "field");

		if (f && strcmp(f, field) == 0)
			found = it;
	}
	if (!found)
		return NULL;
	if (source)
		*source = gpai_json_str(found, "source");
	it = cJSON_GetObjectItemCaseSensitive(found, "value");
	if (cJSON_IsString(it))
		return it->valuestring;
	if (cJSON_IsNumber(it)) {
		snprintf(buf, 64, "%.15g", it->valuedouble);
		if (strtod(buf, NULL) != it->valuedouble)
			snprintf(buf, 64, "%.17g", it->valuedouble);
		return buf;
	}
	return NULL;
}
