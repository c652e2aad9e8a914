/*
 * catalogue.h - the catalogue of real models (the catalogue/ folder, docs/catalogue.md)
 * as the `catalogue` and `report` commands see it: the fact files built into
 * the binary, or those of a directory given with --dir.
 *
 * A loaded model keeps its parsed JSON; the strings below point into it and
 * live as long as the array (catalogue_free).  Files are validated only as
 * far as these commands need (name, version, facts array); the registry
 * validates every fact when the model is imported.
 */
#ifndef GPAI_CLI_CATALOGUE_H
#define GPAI_CLI_CATALOGUE_H

#include <stddef.h>

#include "common.h"

struct cJSON;

/* One fact file built into the binary (tools/embed-catalogue.sh). */
struct catalogue_blob {
	const char *name;  /* file name without ".json" */
	const char *text;  /* the file's bytes, NUL-terminated */
	size_t len;
};
extern const struct catalogue_blob catalogue_embedded[];
extern const size_t catalogue_embedded_count;

/* One catalogue model. */
struct catalogue_model {
	const char *name, *version;          /* required */
	const char *provider, *license, *access, *base, *relation; /* NULL if absent */
	const struct cJSON *facts;           /* the "facts" array */
	char *origin;                        /* file path, or "built-in:NAME" */
	char *path;                          /* file on disk, or NULL when built in */
	struct cJSON *doc;                   /* owned */
};

/* Loads every *.json of dir (sorted by name), or the built-in files when dir
 * is NULL.  Errors name the file: GPAI_EIO unreadable, GPAI_EFORMAT bad JSON
 * or missing name/version/facts, GPAI_EEXIST two files with one NAME@VERSION.
 * *out is freed with catalogue_free. */
int catalogue_load(const char *dir, struct catalogue_model **out, size_t *n,
		   struct gpai_error *err);
void catalogue_free(struct catalogue_model *m, size_t n);

/* The model called name (any version; the first), or NULL. */
const struct catalogue_model *catalogue_find(const struct catalogue_model *m,
					     size_t n, const char *name);
/* The value of the last fact for field, as text (numbers formatted with
 * the shortest %.15g/%.17g text into buf[64]), or NULL when the file
 * has none.  *source (may be NULL) gets the fact's source. */
const char *catalogue_fact(const struct catalogue_model *m, const char *field,
			   char buf[64], const char **source);

#endif
