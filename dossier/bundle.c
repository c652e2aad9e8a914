/*
 * bundle.c - the signed dossier bundle (`gpai dossier --out FILE.tar.gz`)
 * and its check (`gpai dossier verify`, and `gpai verify` on a bundle).
 *
 * A bundle is a flat tar.gz: the dossier in every format (dossier.json,
 * .md, .html, .cdx.json, and .pdf when Chromium rendered one), the file
 * model-root-digest ("sha256:<hex>\n", the OMS root digest of the model the
 * dossier describes), the model's own OMS signature model.sig when the
 * registry holds one, and dossier.sig: an OMS v1.0 signature (signing.h)
 * over every other file.  The signed statement thus carries the digest of
 * each dossier file next to the digest of model-root-digest: editing one
 * byte of a file breaks the signature check, and a dossier cannot be moved
 * onto other weights, because the bound root digest must equal the
 * dossier's own and, with --model, the model's re-computed one.
 *
 * Invariants: entries are written in name order with mtime 0, so the same
 * inputs give the same archive; reading accepts only plain files with
 * simple names (no directories, links, "/" or ".."), each at most
 * GPAI_BUNDLE_FILE_MAX bytes.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "dossier.h"
#include "signing.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cJSON.h>

#define BUNDLE_FILE_MAX (256u << 20) /* bytes per entry */
#define BUNDLE_MAX_FILES 16
#define ROOT_FILE "model-root-digest"
#define SIG_FILE "dossier.sig"

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static void rm_tree(const char *dir)
{
	if (dir)
		nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh private directory under $TMPDIR (default /tmp); malloc'd path,
 * NULL on failure (errno set). */
static char *make_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	char *tmpl = gpai_asprintf("%s/gpai-bundle-XXXXXX", t && *t ? t : "/tmp");

	if (tmpl && !mkdtemp(tmpl)) {
		free(tmpl);
		return NULL;
	}
	return tmpl;
}

static int name_ok(const char *n)
{
	return n && *n && !strchr(n, '/') && strcmp(n, ".") != 0 && strcmp(n, "..") != 0 &&
	       strlen(n) < 128;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(((const struct gpai_bundle_file *)a)->name,
		      ((const struct gpai_bundle_file *)b)->name);
}

int gpai_dossier_bundle_write(const char *path, const struct gpai_bundle_file *files, size_t n,
			      const char *key_path, struct gpai_error *err)
{
	char *dir = NULL, *p = NULL, *sig = NULL;
	struct gpai_bundle_file all[BUNDLE_MAX_FILES + 1];
	struct gpai_manifest m;
	struct archive *a = NULL;
	size_t na = 0;
	int rc = GPAI_OK;

	gpai_manifest_init(&m);
	if (n > BUNDLE_MAX_FILES)
		return gpai_error_set(err, GPAI_EMISUSE, "bundle: too many files (%zu)", n);
	for (size_t i = 0; i < n; i++) {
		if (!name_ok(files[i].name) || strcmp(files[i].name, SIG_FILE) == 0)
			return gpai_error_set(err, GPAI_EMISUSE, "bundle: bad file name '%s'",
					      files[i].name ? files[i].name : "");
		all[na++] = files[i];
	}
	if (key_path) {
		struct gpai_hash_options ho;
		struct gpai_sign_options so = { key_path, NULL, NULL };

		dir = make_tmpdir();
		if (!dir)
			return gpai_error_errno(err, GPAI_EIO, errno, "bundle: cannot make a temporary directory");
		for (size_t i = 0; i < n; i++) {
			p = gpai_path_join(dir, files[i].name);
			if (!p) {
				rc = gpai_error_set(err, GPAI_ENOMEM, "bundle: out of memory");
				goto out;
			}
			rc = gpai_write_file_atomic(p, files[i].data, files[i].len, 0644, err);
			free(p);
			p = NULL;
			if (rc)
				goto out;
		}
		memset(&ho, 0, sizeof(ho));
		ho.no_default_ignores = 1;
		ho.threads = 1;
		rc = gpai_oms_hash_model(dir, &ho, &m, err);
		if (!rc)
			rc = gpai_oms_sign(&m, &so, &sig, err);
		if (rc) {
			gpai_error_prefix(err, "bundle: cannot sign the dossier with '%s'", key_path);
			goto out;
		}
		all[na++] = (struct gpai_bundle_file){ SIG_FILE, sig, strlen(sig) };
	}
	qsort(all, na, sizeof(all[0]), cmp_names);

	a = archive_write_new();
	if (!a || archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
	    archive_write_set_format_pax_restricted(a) != ARCHIVE_OK) {
		rc = gpai_error_set(err, GPAI_EARCHIVE, "bundle: %s",
				    a ? archive_error_string(a) : "out of memory");
		goto out;
	}
	p = gpai_asprintf("%s.tmp", path);
	if (!p || archive_write_open_filename(a, p) != ARCHIVE_OK) {
		rc = gpai_error_set(err, GPAI_EARCHIVE, "cannot write '%s': %s", path,
				    p ? archive_error_string(a) : "out of memory");
		goto out;
	}
	for (size_t i = 0; i < na; i++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, all[i].name);
		archive_entry_set_size(e, (la_int64_t)all[i].len);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_mtime(e, 0, 0);
		if (archive_write_header(a, e) != ARCHIVE_OK ||
		    (all[i].len && archive_write_data(a, all[i].data, all[i].len) < 0)) {
			rc = gpai_error_set(err, GPAI_EARCHIVE, "cannot write '%s': %s", path,
					    archive_error_string(a));
			archive_entry_free(e);
			goto out;
		}
		archive_entry_free(e);
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		rc = gpai_error_set(err, GPAI_EARCHIVE, "cannot write '%s': %s", path,
				    archive_error_string(a));
		goto out;
	}
	if (rename(p, path) != 0)
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot write '%s'", path);
out:
	if (a)
		archive_write_free(a);
	if (p) {
		unlink(p);
		free(p);
	}
	free(sig);
	gpai_manifest_release(&m);
	rm_tree(dir);
	free(dir);
	return rc;
}

/* Extracts the bundle into dir, checking every entry. */
static int extract(const char *path, const char *dir, struct gpai_error *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	char *buf = NULL;
	int rc = GPAI_OK, r, count = 0;

	if (!a)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", path);
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		rc = gpai_error_set(err, GPAI_EARCHIVE, "cannot read bundle '%s': %s", path,
				    archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		la_int64_t size = archive_entry_size(e);
		char *p;

		if (!name_ok(name) || archive_entry_filetype(e) != AE_IFREG) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "bundle '%s': entry '%s' is not a plain "
					    "file at the top level", path, name ? name : "");
			goto out;
		}
		if (size < 0 || (uint64_t)size > BUNDLE_FILE_MAX || ++count > BUNDLE_MAX_FILES + 1) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "bundle '%s': entry '%s' is too large or "
					    "there are too many entries", path, name);
			goto out;
		}
		buf = malloc((size_t)size + 1);
		if (!buf) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", path);
			goto out;
		}
		if (size && archive_read_data(a, buf, (size_t)size) != size) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "bundle '%s': entry '%s' is truncated or "
					    "damaged: %s", path, name, archive_error_string(a));
			goto out;
		}
		p = gpai_path_join(dir, name);
		if (!p) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", path);
			goto out;
		}
		if (gpai_path_exists(p)) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "bundle '%s': entry '%s' appears twice",
					    path, name);
			free(p);
			goto out;
		}
		rc = gpai_write_file_atomic(p, buf, (size_t)size, 0644, err);
		free(p);
		free(buf);
		buf = NULL;
		if (rc)
			goto out;
	}
	if (r != ARCHIVE_EOF)
		rc = gpai_error_set(err, GPAI_EFORMAT, "bundle '%s' is damaged: %s", path,
				    archive_error_string(a));
out:
	free(buf);
	archive_read_free(a);
	return rc;
}

int gpai_dossier_bundle_read(const char *path, const char *name, char **data, size_t *len,
			     struct gpai_error *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int rc = GPAI_OK, r, count = 0;

	*data = NULL;
	*len = 0;
	if (!a)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", path);
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 1 << 16) != ARCHIVE_OK) {
		rc = gpai_error_set(err, GPAI_EARCHIVE, "cannot read bundle '%s': %s", path,
				    archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK &&
	       count++ <= BUNDLE_MAX_FILES) {
		const char *n = archive_entry_pathname(e);
		la_int64_t size = archive_entry_size(e);

		if (!n || strcmp(n, name) != 0 || archive_entry_filetype(e) != AE_IFREG) {
			archive_read_data_skip(a);
			continue;
		}
		if (size < 0 || (uint64_t)size > BUNDLE_FILE_MAX) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "bundle '%s': entry '%s' is too large",
					    path, name);
			goto out;
		}
		if (!(*data = malloc((size_t)size + 1))) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", path);
			goto out;
		}
		if (size && archive_read_data(a, *data, (size_t)size) != size) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "bundle '%s': entry '%s' is truncated or "
					    "damaged: %s", path, name, archive_error_string(a));
			goto out;
		}
		(*data)[size] = '\0';
		*len = (size_t)size;
		goto out;
	}
	rc = r == ARCHIVE_OK || r == ARCHIVE_EOF
		? gpai_error_set(err, GPAI_ENOTFOUND, "bundle '%s' has no '%s'", path, name)
		: gpai_error_set(err, GPAI_EFORMAT, "bundle '%s' is damaged: %s", path,
				 archive_error_string(a));
out:
	if (rc) {
		free(*data);
		*data = NULL;
	}
	archive_read_free(a);
	return rc;
}

static void trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
}

int gpai_dossier_is_bundle(const char *path)
{
	struct archive *a;
	struct archive_entry *e;
	struct stat st;
	int found = 0, count = 0;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || !(a = archive_read_new()))
		return 0;
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_filename(a, path, 1 << 16) == ARCHIVE_OK) {
		while (!found && count++ <= BUNDLE_MAX_FILES &&
		       archive_read_next_header(a, &e) == ARCHIVE_OK) {
			const char *name = archive_entry_pathname(e);

			found = name && strcmp(name, SIG_FILE) == 0;
			archive_read_data_skip(a);
		}
	}
	archive_read_free(a);
	return found;
}

int gpai_dossier_bundle_verify(const char *path, const struct gpai_bundle_trust *trust,
			       const char *model_root, struct gpai_bundle_check *out,
			       struct gpai_error *err)
{
	char *dir, *sig = NULL, *root = NULL, *json = NULL;
	struct gpai_verify_options vo;
	struct gpai_verify_report vr;
	char *text = NULL;
	size_t len;
	cJSON *doc = NULL;
	const char *docroot;
	static const char *const sig_ignore[] = { SIG_FILE };
	int rc;

	memset(out, 0, sizeof(*out));
	gpai_verify_report_init(&vr);
	dir = make_tmpdir();
	if (!dir)
		return gpai_error_errno(err, GPAI_EIO, errno, "cannot make a temporary directory");
	rc = extract(path, dir, err);
	if (rc)
		goto out;
	sig = gpai_path_join(dir, SIG_FILE);
	root = gpai_path_join(dir, ROOT_FILE);
	json = gpai_path_join(dir, "dossier.json");
	if (!sig || !root || !json) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	if (!gpai_path_exists(sig)) {
		rc = gpai_error_set(err, GPAI_EVERIFY, "bundle '%s' is not signed (no %s): nothing "
				    "binds the dossier to the model", path, SIG_FILE);
		goto out;
	}
	memset(&vo, 0, sizeof(vo));
	vo.key_path = trust->key_path;
	vo.key_pems = trust->key_pems;
	vo.n_key_pems = trust->n_key_pems;
	/* Hash exactly the bundle's files: model.sig is content here, not a
	 * signature to skip; only dossier.sig itself is left out. */
	vo.hash.no_default_ignores = 1;
	vo.hash.ignore = sig_ignore;
	vo.hash.n_ignore = 1;
	vo.hash.signature = sig;
	vo.hash.threads = 1;
	rc = gpai_oms_verify(dir, sig, &vo, &vr, err);
	gpai_strlcpy(out->signer, vr.signer, sizeof(out->signer));
	out->n_files = vr.n_checked;
	if (rc) {
		struct gpai_buf names;

		gpai_buf_init(&names);
		for (size_t i = 0; i < vr.n_changed; i++)
			gpai_buf_printf(&names, "%s%s", names.len ? ", " : "", vr.changed[i]);
		for (size_t i = 0; i < vr.n_missing; i++)
			gpai_buf_printf(&names, "%s%s (missing)", names.len ? ", " : "", vr.missing[i]);
		for (size_t i = 0; i < vr.n_extra; i++)
			gpai_buf_printf(&names, "%s%s (not signed)", names.len ? ", " : "", vr.extra[i]);
		if (names.len)
			gpai_error_set(err, GPAI_EVERIFY, "bundle '%s': files differ from the signed "
				       "dossier: %s", path, names.data);
		else
			gpai_error_prefix(err, "bundle '%s'", path);
		gpai_buf_release(&names);
		goto out;
	}
	out->signature_ok = 1;
	/* The bound root digest and the dossier's own must agree. */
	rc = gpai_read_file(root, 256, &text, &len, err);
	if (rc) {
		rc = gpai_error_set(err, GPAI_EVERIFY, "bundle '%s' has no %s", path, ROOT_FILE);
		goto out;
	}
	trim(text);
	gpai_strlcpy(out->root_digest, text, sizeof(out->root_digest));
	if (gpai_path_exists(json)) {
		rc = gpai_json_load(json, BUNDLE_FILE_MAX, &doc, err);
		if (rc)
			goto out;
		docroot = gpai_json_str(cJSON_GetObjectItemCaseSensitive(doc, "model"), "root_digest");
		if (strcmp(docroot ? docroot : "none", out->root_digest) != 0) {
			rc = gpai_error_set(err, GPAI_EVERIFY, "bundle '%s': dossier.json describes "
					    "root digest %s but the signature binds %s", path,
					    docroot ? docroot : "none", out->root_digest);
			goto out;
		}
		gpai_strlcpy(out->model, gpai_json_str(cJSON_GetObjectItemCaseSensitive(doc, "model"),
						       "name") ? gpai_json_str(cJSON_GetObjectItemCaseSensitive(doc, "model"), "name") : "",
			     sizeof(out->model));
	}
	if (model_root && strcmp(model_root, out->root_digest) != 0) {
		rc = gpai_error_set(err, GPAI_EVERIFY, "bundle '%s' describes a model with root digest "
				    "%s, but the model given has %s (other weights)", path,
				    out->root_digest, model_root);
		goto out;
	}
	out->model_ok = model_root != NULL;
out:
	free(text);
	cJSON_Delete(doc);
	free(sig);
	free(root);
	free(json);
	gpai_verify_report_release(&vr);
	rm_tree(dir);
	free(dir);
	return rc;
}
