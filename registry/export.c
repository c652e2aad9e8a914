/*
 * export.c - writing a version back out: its files, provenance.json and,
 * when the version is signed, its newest OMS signature as model.sig, into
 * a directory or an archive.
 *
 * Invariant: the exported files are byte-for-byte the blobs, so adding the
 * export again yields the same per-file digests and root digest (add skips
 * model.sig, an OMS default ignore, and a top-level provenance.json that
 * gpai wrote: it carries the member "gpai_provenance"), and `gpai verify`
 * of an exported directory checks model.sig against exactly the exported
 * model files (gpai sign NAME@VER records model.sig and provenance.json as
 * ignore paths).
 */
#include "registry_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "archive_private.h"
#include "signing.h"

#define COPY_CHUNK (1u << 20)

/* A document export writes beside the files: provenance.json and, for a
 * signed version, model.sig. */
#define EXPORT_DOCS_MAX 2
/* One such document: its name in the export and its text. */
struct export_doc {
	const char *name;
	const char *text;
};

static cJSON *str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

int gpai_registry_provenance(struct gpai_registry *reg,
			     const struct gpai_version *v, char **json,
			     struct gpai_error *err)
{
	struct gpai_file *files = NULL;
	struct gpai_fact *facts = NULL;
	size_t nfiles = 0, nfacts = 0;
	cJSON *root, *arr, *o;
	int rc;

	*json = NULL;
	if (v->has_files) {
		rc = gpai_registry_files(reg, v, &files, &nfiles, err);
		if (rc)
			return rc;
	}
	rc = gpai_registry_facts(reg, v, NULL, 0, &facts, &nfacts, err);
	if (rc) {
		gpai_files_free(files, nfiles);
		return rc;
	}
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "gpai_provenance", "1");
	cJSON_AddStringToObject(root, "name", v->name);
	cJSON_AddStringToObject(root, "version", v->version);
	cJSON_AddItemToObject(root, "provider", str_or_null(v->provider));
	cJSON_AddItemToObject(root, "license", str_or_null(v->license));
	cJSON_AddStringToObject(root, "access", v->access);
	if (v->base_name) {
		o = cJSON_AddObjectToObject(root, "base");
		cJSON_AddStringToObject(o, "name", v->base_name);
		cJSON_AddStringToObject(o, "version", v->base_version);
		cJSON_AddStringToObject(o, "relation", v->relation);
	} else {
		cJSON_AddNullToObject(root, "base");
	}
	o = cJSON_AddObjectToObject(root, "manifest");
	cJSON_AddStringToObject(o, "method", "files");
	cJSON_AddStringToObject(o, "hash_type", "sha256");
	cJSON_AddItemToObject(o, "root_digest",
			      v->has_files ? cJSON_CreateString(v->root_digest) : cJSON_CreateNull());
	arr = cJSON_AddArrayToObject(root, "files");
	for (size_t i = 0; i < nfiles; i++) {
		cJSON *f = cJSON_CreateObject();

		cJSON_AddStringToObject(f, "path", files[i].relpath);
		cJSON_AddNumberToObject(f, "size", (double)files[i].size);
		cJSON_AddStringToObject(f, "sha256", files[i].sha256);
		cJSON_AddItemToArray(arr, f);
	}
	arr = cJSON_AddArrayToObject(root, "facts");
	for (size_t i = 0; i < nfacts; i++) {
		cJSON *f = cJSON_CreateObject();

		cJSON_AddStringToObject(f, "field", facts[i].field);
		cJSON_AddStringToObject(f, "value", facts[i].value);
		cJSON_AddStringToObject(f, "source", facts[i].source);
		cJSON_AddStringToObject(f, "recorded_by", facts[i].recorded_by);
		cJSON_AddStringToObject(f, "recorded_at", facts[i].recorded_at);
		cJSON_AddItemToArray(arr, f);
	}
	gpai_files_free(files, nfiles);
	gpai_facts_free(facts, nfacts);
	*json = cJSON_Print(root);
	cJSON_Delete(root);
	if (!*json)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	return GPAI_OK;
}

/* Copies src to dst (created, must not exist), then fsyncs it. */
static int copy_file(const char *src, const char *dst, struct gpai_error *err)
{
	unsigned char *buf = malloc(COPY_CHUNK);
	int in = -1, out = -1, rc = GPAI_OK;

	if (!buf)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot open blob '%s'", src);
		goto out;
	}
	out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (out < 0) {
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot create '%s'", dst);
		goto out;
	}
	for (;;) {
		ssize_t got = read(in, buf, COPY_CHUNK), off = 0;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot read '%s'", src);
			goto out;
		}
		if (got == 0)
			break;
		while (off < got) {
			ssize_t w = write(out, buf + off, (size_t)(got - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot write '%s'", dst);
				goto out;
			}
			off += w;
		}
	}
	if (fsync(out) != 0)
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot sync '%s'", dst);
out:
	if (out >= 0 && close(out) != 0 && rc == GPAI_OK)
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot close '%s'", dst);
	if (in >= 0)
		close(in);
	free(buf);
	return rc;
}

/* mkdir -p of the directory part of rel under dir. */
static int make_parents(const char *dir, const char *rel, struct gpai_error *err)
{
	const char *slash = strrchr(rel, '/');
	char *sub, *p;
	int rc;

	if (!slash)
		return GPAI_OK;
	sub = malloc((size_t)(slash - rel) + 1);
	if (!sub)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	memcpy(sub, rel, (size_t)(slash - rel));
	sub[slash - rel] = '\0';
	p = gpai_path_join(dir, sub);
	free(sub);
	if (!p)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	rc = gpai_mkdir_p(p, 0777, err);
	free(p);
	return rc;
}

/* Refuses a model file that has the name of a document the export adds. */
static int check_clash(const struct gpai_file *f, const struct export_doc *docs, size_t ndocs,
		       struct gpai_error *err)
{
	for (size_t k = 0; k < ndocs; k++)
		if (strcmp(f->relpath, docs[k].name) == 0)
			return gpai_error_set(err, GPAI_EEXIST,
					      "the model has its own '%s'; it would clash with "
					      "the export's", docs[k].name);
	return GPAI_OK;
}

static int export_dir(const char *out, struct gpai_file *files, size_t n,
		      const struct export_doc *docs, size_t ndocs, struct gpai_error *err)
{
	struct stat st;
	char *p;
	int rc;

	if (stat(out, &st) == 0) {
		if (!S_ISDIR(st.st_mode))
			return gpai_error_set(err, GPAI_EEXIST, "'%s' exists and is not a directory", out);
		if (rmdir(out) != 0)
			return gpai_error_set(err, GPAI_EEXIST, "'%s' exists and is not empty", out);
	}
	rc = gpai_mkdir_p(out, 0777, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if ((rc = check_clash(&files[i], docs, ndocs, err)))
			return rc;
		rc = make_parents(out, files[i].relpath, err);
		if (rc)
			return rc;
		p = gpai_path_join(out, files[i].relpath);
		if (!p)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		rc = copy_file(files[i].blob_path, p, err);
		free(p);
		if (rc)
			return rc;
	}
	for (size_t k = 0; k < ndocs; k++) {
		p = gpai_path_join(out, docs[k].name);
		if (!p)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		rc = gpai_write_file_atomic(p, docs[k].text, strlen(docs[k].text), 0644, err);
		free(p);
		if (rc)
			return rc;
	}
	return gpai_fsync_dir(out, err);
}

/* An archive: the blobs under their paths plus the documents, which are
 * staged in the registry's tmp/ (we hold the write lock, so no cleaner
 * removes them while the archive is written). */
static int export_archive(struct gpai_registry *reg, const char *out,
			  struct gpai_file *files, size_t n, const struct export_doc *docs,
			  size_t ndocs, struct gpai_error *err)
{
	const char **names = calloc(n + ndocs, sizeof(*names));
	const char **paths = calloc(n + ndocs, sizeof(*paths));
	char *tmp[EXPORT_DOCS_MAX] = { NULL };
	size_t staged = 0;
	int rc = GPAI_OK;

	if (!names || !paths) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if ((rc = check_clash(&files[i], docs, ndocs, err)))
			goto out;
		names[i] = files[i].relpath;
		paths[i] = files[i].blob_path;
	}
	for (; staged < ndocs; staged++) {
		tmp[staged] = gpai_asprintf("%s/%s/%ld-%u.%s", reg->dir, REG_TMP,
					    (long)getpid(), reg->tmp_seq++, docs[staged].name);
		if (!tmp[staged]) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			goto out;
		}
		rc = gpai_write_file_atomic(tmp[staged], docs[staged].text,
					    strlen(docs[staged].text), 0644, err);
		if (rc) {
			free(tmp[staged]);
			tmp[staged] = NULL;
			goto out;
		}
		names[n + staged] = docs[staged].name;
		paths[n + staged] = tmp[staged];
	}
	rc = reg_archive_write(out, names, paths, (unsigned long)(n + ndocs), err);
out:
	for (size_t k = 0; k < staged; k++) {
		unlink(tmp[k]);
		free(tmp[k]);
	}
	free(names);
	free(paths);
	return rc;
}

int gpai_registry_export(struct gpai_registry *reg, const char *ref,
			 const char *out, struct gpai_error *err)
{
	struct gpai_file *files = NULL;
	struct gpai_signature *sigs = NULL;
	struct export_doc docs[EXPORT_DOCS_MAX];
	size_t ndocs = 0;
	struct gpai_version v;
	size_t n = 0, nsigs = 0;
	char *prov = NULL;
	int rc;

	rc = gpai_registry_lookup(reg, ref, &v, err);
	if (rc)
		return rc;
	/* Shared lock: gc cannot drop blobs while we copy them. */
	rc = reg_write_lock(reg, NULL, err);
	if (rc)
		goto out;
	rc = gpai_registry_files(reg, &v, &files, &n, err);
	if (rc)
		goto out;
	rc = gpai_registry_provenance(reg, &v, &prov, err);
	if (rc)
		goto out;
	docs[ndocs++] = (struct export_doc){ REG_PROVENANCE, prov };
	rc = gpai_registry_signatures(reg, &v, &sigs, &nsigs, err);
	if (rc)
		goto out;
	if (nsigs > 0) /* newest first */
		docs[ndocs++] = (struct export_doc){ GPAI_OMS_SIGNATURE_NAME, sigs[0].bundle };
	if (reg_archive_is_archive_name(out))
		rc = export_archive(reg, out, files, n, docs, ndocs, err);
	else
		rc = export_dir(out, files, n, docs, ndocs, err);
out:
	free(prov);
	gpai_signatures_free(sigs, nsigs);
	gpai_files_free(files, n);
	gpai_version_release(&v);
	return rc;
}
