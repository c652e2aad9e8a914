/*
 * history.c - the dossiers generated for a registry version, each kept
 * with its version number (CoP Transparency Measure 1.1: previous versions
 * of the documentation are kept).
 *
 * Layout: <registry>/dossiers/<name>/<version>/<N>.json, one file per
 * generated dossier: {"number", "generated_at", "generated_by", "audience",
 * "format", "out", "sha256", "document"}.  A number is reserved by
 * creating its file with O_EXCL, so two concurrent runs never share one;
 * the record is then written atomically over the reservation.
 */
#include "dossier.h"
#include "registry.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#define HISTORY_MAX 100000
#define RECORD_MAX (64u << 20)

static char *version_dir(struct gpai_registry *reg, const char *name, const char *version)
{
	return gpai_asprintf("%s/dossiers/%s/%s", gpai_registry_dir(reg), name, version);
}

/* Highest N of N.json in dir (0 when none). */
static int highest(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int best = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char *dot = strrchr(e->d_name, '.');
		uint64_t v;
		char num[32];

		if (!dot || strcmp(dot, ".json") != 0 || (size_t)(dot - e->d_name) >= sizeof(num))
			continue;
		memcpy(num, e->d_name, (size_t)(dot - e->d_name));
		num[dot - e->d_name] = '\0';
		if (!gpai_parse_u64(num, &v) && v > 0 && v < HISTORY_MAX && (int)v > best)
			best = (int)v;
	}
	closedir(d);
	return best;
}

int gpai_dossier_history_reserve(struct gpai_registry *reg, const char *name,
				 const char *version, int *number, struct gpai_error *err)
{
	char *dir = version_dir(reg, name, version), *p = NULL;
	int rc, n, fd;

	if (!dir)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	rc = gpai_mkdir_p(dir, 0755, err);
	if (rc)
		goto out;
	for (n = highest(dir) + 1; n < HISTORY_MAX; n++) {
		free(p);
		p = gpai_asprintf("%s/%d.json", dir, n);
		if (!p) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			goto out;
		}
		fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (fd >= 0) {
			close(fd);
			*number = n;
			goto out;
		}
		if (errno != EEXIST) {
			rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot create '%s'", p);
			goto out;
		}
	}
	rc = gpai_error_set(err, GPAI_EIO, "'%s': too many dossiers", dir);
out:
	free(p);
	free(dir);
	return rc;
}

int gpai_dossier_history_store(struct gpai_registry *reg, const char *name, const char *version,
			       int number, const struct cJSON *doc, const char *format,
			       const char *out, const char *sha256, struct gpai_error *err)
{
	char *dir = version_dir(reg, name, version), *p = NULL, *text = NULL;
	char now[21], who[128];
	cJSON *rec = cJSON_CreateObject();
	int rc;

	if (!dir || !rec) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	gpai_now_iso8601(now);
	gpai_whoami(who, sizeof(who));
	cJSON_AddNumberToObject(rec, "number", number);
	cJSON_AddStringToObject(rec, "generated_at", now);
	cJSON_AddStringToObject(rec, "generated_by", who);
	cJSON_AddStringToObject(rec, "audience", gpai_json_str(doc, "audience") ?
				gpai_json_str(doc, "audience") : "");
	cJSON_AddStringToObject(rec, "format", format);
	cJSON_AddStringToObject(rec, "out", out ? out : "");
	cJSON_AddStringToObject(rec, "sha256", sha256 ? sha256 : "");
	cJSON_AddItemToObject(rec, "document", cJSON_Duplicate(doc, 1));
	text = cJSON_Print(rec);
	p = gpai_asprintf("%s/%d.json", dir, number);
	if (!text || !p) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	rc = gpai_write_file_atomic(p, text, strlen(text), 0644, err);
out:
	cJSON_Delete(rec);
	free(text);
	free(p);
	free(dir);
	return rc;
}

int gpai_dossier_history_list(struct gpai_registry *reg, const char *name, const char *version,
			      struct cJSON **out, struct gpai_error *err)
{
	char *dir = version_dir(reg, name, version);
	cJSON *arr = cJSON_CreateArray();
	int top, rc = GPAI_OK;

	*out = NULL;
	if (!dir || !arr) {
		free(dir);
		cJSON_Delete(arr);
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	}
	top = highest(dir);
	for (int n = 1; n <= top; n++) {
		char *p = gpai_asprintf("%s/%d.json", dir, n);
		cJSON *rec = NULL, *row;
		struct gpai_error e2;

		gpai_error_init(&e2);
		if (!p || !gpai_path_exists(p) || gpai_json_load(p, RECORD_MAX, &rec, &e2)) {
			free(p);
			continue; /* a reservation whose run failed */
		}
		free(p);
		row = cJSON_CreateObject();
		for (const char *const *k = (const char *const[]){ "generated_at", "generated_by",
				"audience", "format", "out", "sha256", NULL }; *k; k++)
			cJSON_AddStringToObject(row, *k, gpai_json_str(rec, *k) ? gpai_json_str(rec, *k) : "");
		cJSON_AddNumberToObject(row, "number", n);
		cJSON_AddItemToArray(arr, row);
		cJSON_Delete(rec);
	}
	free(dir);
	*out = arr;
	return rc;
}
