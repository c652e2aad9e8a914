/*
 * history.c - the dossiers generated for a registry version, each kept
 * with its version number (CoP Transparency Measure 1.1: previous versions
 * of the documentation are kept).
 *
 * The records live in the registry's catalogue (table dossiers, schema 4;
 * registry.h, "kept dossiers"): one row per generated dossier with its
 * audience, format, output path and the SHA-256 of the output, and the
 * document itself (compact JSON) as a blob.  A number is reserved by
 * committing a row before the document is built, so two concurrent runs
 * never share one and the number can appear in the document.
 */
#include "dossier.h"
#include "registry.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

/* Looks name@version up into *v. */
static int lookup(struct gpai_registry *reg, const char *name, const char *version,
		  struct gpai_version *v, struct gpai_error *err)
{
	char *ref = gpai_asprintf("%s@%s", name, version);
	int rc;

	memset(v, 0, sizeof(*v));
	if (!ref)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	rc = gpai_registry_lookup(reg, ref, v, err);
	free(ref);
	return rc;
}

int gpai_dossier_history_reserve(struct gpai_registry *reg, const char *name,
				 const char *version, int *number, struct gpai_error *err)
{
	struct gpai_version v;
	int64_t n = 0;
	int rc;

	rc = lookup(reg, name, version, &v, err);
	if (rc == GPAI_OK)
		rc = gpai_registry_dossier_reserve(reg, &v, &n, err);
	gpai_version_release(&v);
	if (rc == GPAI_OK)
		*number = (int)n;
	return rc;
}

int gpai_dossier_history_store(struct gpai_registry *reg, const char *name, const char *version,
			       int number, const struct cJSON *doc, const char *format,
			       const char *out, const char *sha256, struct gpai_error *err)
{
	struct gpai_kept_dossier d;
	struct gpai_version v;
	const char *aud = gpai_json_str(doc, "audience");
	char *text;
	int rc;

	text = cJSON_PrintUnformatted(doc);
	if (!text)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	memset(&d, 0, sizeof(d));
	d.number = number;
	d.audience = (char *)(aud ? aud : "");
	d.format = (char *)format;
	d.out = (char *)(out ? out : "");
	d.out_sha256 = (char *)(sha256 ? sha256 : "");
	rc = lookup(reg, name, version, &v, err);
	if (rc == GPAI_OK)
		rc = gpai_registry_dossier_store(reg, &v, &d, text, strlen(text), err);
	gpai_version_release(&v);
	free(text);
	return rc;
}

int gpai_dossier_history_list(struct gpai_registry *reg, const char *name, const char *version,
			      struct cJSON **out, struct gpai_error *err)
{
	struct gpai_kept_dossier *d = NULL;
	struct gpai_version v;
	cJSON *arr = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	rc = lookup(reg, name, version, &v, err);
	if (rc == GPAI_OK)
		rc = gpai_registry_dossiers(reg, &v, &d, &n, err);
	gpai_version_release(&v);
	if (rc)
		return rc;
	arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < n; i++) {
		cJSON *row = cJSON_CreateObject();

		if (!row || !cJSON_AddItemToArray(arr, row)) {
			cJSON_Delete(row);
			cJSON_Delete(arr);
			arr = NULL;
			break;
		}
		cJSON_AddNumberToObject(row, "number", (double)d[i].number);
		cJSON_AddStringToObject(row, "generated_at", d[i].generated_at);
		cJSON_AddStringToObject(row, "generated_by", d[i].generated_by);
		cJSON_AddStringToObject(row, "audience", d[i].audience);
		cJSON_AddStringToObject(row, "format", d[i].format);
		cJSON_AddStringToObject(row, "out", d[i].out);
		cJSON_AddStringToObject(row, "sha256", d[i].out_sha256);
		cJSON_AddStringToObject(row, "document_sha256", d[i].document_digest);
		cJSON_AddNumberToObject(row, "document_size", (double)d[i].document_size);
	}
	gpai_kept_dossiers_free(d, n);
	if (!arr)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	*out = arr;
	return GPAI_OK;
}
