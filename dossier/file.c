/*
 * file.c - a model description read from a fact file (docs/facts.md
 * format), so that a dossier can be drawn up without a registry: name,
 * version, provider, license, access, base, relation and facts, plus the
 * optional members root_digest, signer, base_flop, base_systemic and
 * doc_date, and an optional recorded_at per fact.
 *
 * Invariant: every string the input view points to is owned by the
 * struct gpai_dossier_file, so the view lives exactly as long as it.
 */
#include "dossier.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

/* Fact files are small; a bigger one is a mistake. */
#define FACT_FILE_MAX (16u << 20)

struct gpai_dossier_file {
	cJSON *json;                     /* owns the strings */
	struct gpai_dossier_input in;
	struct gpai_dossier_fact *facts;
	char **owned;                    /* strings made from numbers */
	size_t n_owned;
	char *path;
};

static const char *keep(struct gpai_dossier_file *f, char *s)
{
	char **p;

	if (!s)
		return NULL;
	p = realloc(f->owned, (f->n_owned + 1) * sizeof(*p));
	if (!p) {
		free(s);
		return NULL;
	}
	f->owned = p;
	f->owned[f->n_owned++] = s;
	return s;
}

static int opt_str(struct gpai_dossier_file *f, const char *key, const char **out,
		   struct gpai_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(f->json, key);

	*out = NULL;
	if (!v || cJSON_IsNull(v))
		return GPAI_OK;
	if (!cJSON_IsString(v))
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': member '%s' must be a string",
				      f->path, key);
	*out = v->valuestring;
	return GPAI_OK;
}

int gpai_dossier_file_load(const char *path, struct gpai_dossier_file **out,
			   struct gpai_error *err)
{
	struct gpai_dossier_file *f;
	const cJSON *facts, *v;
	const char *lic = NULL, *access = NULL;
	size_t n, extra;
	int rc;

	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f || !(f->path = gpai_strdup(path))) {
		free(f);
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", path);
	}
	gpai_dossier_input_init(&f->in);
	rc = gpai_json_load(path, FACT_FILE_MAX, &f->json, err);
	if (rc)
		goto fail;
	if (!cJSON_IsObject(f->json)) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': a fact file is a JSON object", path);
		goto fail;
	}
	if ((rc = opt_str(f, "name", &f->in.name, err)) ||
	    (rc = opt_str(f, "version", &f->in.version, err)) ||
	    (rc = opt_str(f, "provider", &f->in.provider, err)) ||
	    (rc = opt_str(f, "license", &lic, err)) ||
	    (rc = opt_str(f, "access", &access, err)) ||
	    (rc = opt_str(f, "base", &f->in.base, err)) ||
	    (rc = opt_str(f, "relation", &f->in.relation, err)) ||
	    (rc = opt_str(f, "root_digest", &f->in.root_digest, err)) ||
	    (rc = opt_str(f, "signer", &f->in.signer, err)) ||
	    (rc = opt_str(f, "doc_date", &f->in.doc_date, err)))
		goto fail;
	if (!f->in.name || !f->in.version) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': member '%s' is missing", path,
				    f->in.name ? "version" : "name");
		goto fail;
	}
	v = cJSON_GetObjectItemCaseSensitive(f->json, "base_flop");
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 0) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': member 'base_flop' must be a "
					    "non-negative number", path);
			goto fail;
		}
		f->in.base_flop = v->valuedouble;
	}
	v = cJSON_GetObjectItemCaseSensitive(f->json, "base_systemic");
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsBool(v)) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': member 'base_systemic' must be "
					    "true or false", path);
			goto fail;
		}
		f->in.base_systemic = cJSON_IsTrue(v);
	}
	facts = cJSON_GetObjectItemCaseSensitive(f->json, "facts");
	if (facts && !cJSON_IsArray(facts)) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': member 'facts' must be an array", path);
		goto fail;
	}
	n = (size_t)cJSON_GetArraySize(facts);
	extra = (lic ? 1 : 0) + (access ? 1 : 0);
	f->facts = calloc(n + extra + 1, sizeof(*f->facts));
	if (!f->facts) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", path);
		goto fail;
	}
	/* Top-level members first, so that a fact of the same field wins. */
	if (lic)
		f->facts[f->in.n_facts++] = (struct gpai_dossier_fact){
			"license.spdx", lic, keep(f, gpai_asprintf("fact file %s: license", path)), NULL };
	if (access)
		f->facts[f->in.n_facts++] = (struct gpai_dossier_fact){
			"model.access", access, keep(f, gpai_asprintf("fact file %s: access", path)), NULL };
	for (size_t i = 0; i < n; i++) {
		const cJSON *e = cJSON_GetArrayItem(facts, (int)i), *val;
		struct gpai_dossier_fact *d = &f->facts[f->in.n_facts];

		d->field = gpai_json_str(e, "field");
		d->source = gpai_json_str(e, "source");
		d->recorded_at = gpai_json_str(e, "recorded_at");
		val = cJSON_GetObjectItemCaseSensitive(e, "value");
		if (!cJSON_IsObject(e) || !d->field || !*d->field) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': facts[%zu]: 'field' is missing "
					    "or not a string", path, i);
			goto fail;
		}
		if (!d->source || !*d->source) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': facts[%zu] (%s): every fact needs "
					    "a non-empty 'source'", path, i, d->field);
			goto fail;
		}
		if (cJSON_IsString(val)) {
			d->value = val->valuestring;
		} else if (cJSON_IsNumber(val)) {
			d->value = keep(f, gpai_asprintf("%.17g", val->valuedouble));
		} else if (val && (cJSON_IsArray(val) || cJSON_IsObject(val))) {
			d->value = keep(f, cJSON_PrintUnformatted(val));
		} else {
			rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': facts[%zu] (%s): 'value' must be "
					    "a string or a number", path, i, d->field);
			goto fail;
		}
		if (!d->value) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", path);
			goto fail;
		}
		f->in.n_facts++;
	}
	f->in.facts = f->facts;
	*out = f;
	return GPAI_OK;

fail:
	gpai_dossier_file_free(f);
	return rc;
}

struct gpai_dossier_input *gpai_dossier_file_input(struct gpai_dossier_file *f)
{
	return &f->in;
}

void gpai_dossier_file_free(struct gpai_dossier_file *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n_owned; i++)
		free(f->owned[i]);
	free(f->owned);
	free(f->facts);
	cJSON_Delete(f->json);
	free(f->path);
	free(f);
}
