/*
 * dossiers.c - the dossiers kept for each version (table dossiers, schema
 * 4): numbering, storing, listing, the fsck of the rows, and the import of
 * schema 3's dossiers/ folder.
 *
 * Each generated dossier is one row (version, number, audience, format,
 * where it was written and the SHA-256 of that file, who and when) whose
 * document, the dossier JSON, is a blob named document_digest.  The blob
 * store rather than a TEXT column: the document is re-hashed by fsck like
 * every blob, identical documents are stored once, gc drops a document
 * once no row names it (after rm), and the catalogue rows stay small.
 *
 * Invariants:
 *  - a number is reserved by committing a row without document, so two
 *    concurrent runs never share one, and numbers only grow per version;
 *  - a document blob is in place (written under the registry's write
 *    lock) before the row that names it commits, as for model files;
 *  - schema 3's files are imported in the migration's transaction and
 *    removed only after it commits (catalogue.c, migrate); a kill in
 *    between leaves files that are already imported: gc removes them.
 */
#include "registry_private.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <openssl/sha.h>

/* Highest dossier number a schema-3 file name may carry (history.c of
 * schema 3 numbered below it). */
#define LEGACY_NUMBER_MAX 100000
/* Largest schema-3 record or stored document read back (bytes). */
#define DOSSIER_READ_MAX ((size_t)256 << 20)

void gpai_kept_dossiers_free(struct gpai_kept_dossier *d, size_t n)
{
	if (!d)
		return;
	for (size_t i = 0; i < n; i++) {
		free(d[i].audience);
		free(d[i].format);
		free(d[i].out);
		free(d[i].out_sha256);
		free(d[i].generated_by);
	}
	free(d);
}

/* Inserts a row (inside the caller's transaction); doc_hex NULL for a
 * reservation.  Strings NULL are stored as "". */
static int insert_row(struct gpai_registry *reg, int64_t version_id, int64_t number,
		      const char *audience, const char *format, const char *out,
		      const char *out_sha256, const char *doc_hex, uint64_t doc_size,
		      const char *by, const char *at, struct gpai_error *err)
{
	sqlite3_stmt *st;
	int rc;

	rc = reg_prepare(reg, "INSERT INTO dossiers (version_id, number, audience, format, out,"
			 " out_sha256, document_digest, document_size, generated_by, generated_at)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, version_id);
	sqlite3_bind_int64(st, 2, number);
	sqlite3_bind_text(st, 3, audience ? audience : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, format ? format : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, out ? out : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, out_sha256 ? out_sha256 : "", -1, SQLITE_STATIC);
	if (doc_hex) {
		sqlite3_bind_text(st, 7, doc_hex, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, (sqlite3_int64)doc_size);
	}
	sqlite3_bind_text(st, 9, by, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, at, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? GPAI_OK
		: reg_db_error(reg, err, "cannot record a dossier");
	sqlite3_finalize(st);
	return rc;
}

int gpai_registry_dossier_reserve(struct gpai_registry *reg, const struct gpai_version *v,
				  int64_t *number, struct gpai_error *err)
{
	char who[128], now[21];
	sqlite3_stmt *st;
	int64_t next;
	int rc;

	rc = reg_write_begin(reg, err);
	if (rc)
		return rc;
	rc = reg_prepare(reg, "SELECT COALESCE(MAX(number), 0) + 1 FROM dossiers"
			 " WHERE version_id = ?", &st, err);
	if (rc)
		goto fail;
	sqlite3_bind_int64(st, 1, v->id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		rc = reg_db_error(reg, err, "cannot number the dossier");
		sqlite3_finalize(st);
		goto fail;
	}
	next = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	gpai_whoami(who, sizeof(who));
	gpai_now_iso8601(now);
	rc = insert_row(reg, v->id, next, NULL, NULL, NULL, NULL, NULL, 0, who, now, err);
	if (rc)
		goto fail;
	rc = reg_commit(reg, err);
	if (rc)
		goto fail;
	*number = next;
	return GPAI_OK;
fail:
	reg_rollback(reg);
	return rc;
}

int gpai_registry_dossier_store(struct gpai_registry *reg, const struct gpai_version *v,
				const struct gpai_kept_dossier *d, const char *document,
				size_t len, struct gpai_error *err)
{
	char hex[65], who[128], now[21];
	sqlite3_stmt *st;
	int rc;

	rc = reg_write_lock(reg, NULL, err);
	if (rc)
		return rc;
	/* The blob first: the row never names a missing document. */
	rc = reg_store_mem(reg, document, len, "dossier document", hex, err);
	if (rc)
		return rc;
	rc = reg_begin(reg, err);
	if (rc)
		return rc;
	rc = reg_prepare(reg, "UPDATE dossiers SET audience = ?1, format = ?2, out = ?3,"
			 " out_sha256 = ?4, document_digest = ?5, document_size = ?6,"
			 " generated_by = ?7, generated_at = ?8"
			 " WHERE version_id = ?9 AND number = ?10 AND document_digest IS NULL",
			 &st, err);
	if (rc)
		goto fail;
	gpai_whoami(who, sizeof(who));
	gpai_now_iso8601(now);
	sqlite3_bind_text(st, 1, d->audience ? d->audience : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, d->format ? d->format : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, d->out ? d->out : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, d->out_sha256 ? d->out_sha256 : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, hex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)len);
	sqlite3_bind_text(st, 7, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, v->id);
	sqlite3_bind_int64(st, 10, d->number);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = reg_db_error(reg, err, "cannot keep the dossier");
		sqlite3_finalize(st);
		goto fail;
	}
	sqlite3_finalize(st);
	if (sqlite3_changes(reg->db) != 1) {
		rc = gpai_error_set(err, GPAI_ENOTFOUND,
				    "no reserved dossier %lld of '%s@%s' to keep",
				    (long long)d->number, v->name, v->version);
		goto fail;
	}
	rc = reg_commit(reg, err);
	if (rc)
		goto fail;
	return GPAI_OK;
fail:
	reg_rollback(reg);
	return rc;
}

static int kept_row(struct gpai_registry *reg, sqlite3_stmt *st, void *row)
{
	struct gpai_kept_dossier *d = row;

	(void)reg;
	d->number = sqlite3_column_int64(st, 0);
	d->audience = reg_col_str(st, 1);
	d->format = reg_col_str(st, 2);
	d->out = reg_col_str(st, 3);
	d->out_sha256 = reg_col_str(st, 4);
	d->generated_by = reg_col_str(st, 5);
	reg_col_copy(st, 6, d->generated_at, sizeof(d->generated_at));
	reg_col_copy(st, 7, d->document_digest, sizeof(d->document_digest));
	d->document_size = (uint64_t)sqlite3_column_int64(st, 8);
	return d->audience && d->format && d->out && d->out_sha256 && d->generated_by
		? GPAI_OK : GPAI_ENOMEM;
}

int gpai_registry_dossiers(struct gpai_registry *reg, const struct gpai_version *v,
			   struct gpai_kept_dossier **out, size_t *n, struct gpai_error *err)
{
	sqlite3_stmt *st;
	void *rows = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	rc = reg_prepare(reg, "SELECT number, audience, format, out, out_sha256, generated_by,"
			 " generated_at, document_digest, document_size FROM dossiers"
			 " WHERE version_id = ? AND document_digest IS NOT NULL ORDER BY number",
			 &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, v->id);
	rc = reg_collect_rows(reg, st, sizeof(**out), kept_row, "cannot read the dossiers",
			      &rows, n, err);
	if (rc) {
		gpai_kept_dossiers_free(rows, *n);
		*n = 0;
		return rc;
	}
	*out = rows;
	return GPAI_OK;
}

/* Reads blob hex (expected size bytes) and checks its digest: GPAI_OK,
 * GPAI_ENOTFOUND (absent), GPAI_EVERIFY (content differs), GPAI_EIO. */
static int read_document(struct gpai_registry *reg, const char *hex, char **text,
			 size_t *len, struct gpai_error *err)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	char got[65], *path = reg_blob_path(reg, hex);
	int rc;

	*text = NULL;
	if (!path)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	if (!gpai_path_exists(path)) {
		rc = gpai_error_set(err, GPAI_ENOTFOUND, "document blob %s is missing", hex);
		goto out;
	}
	rc = gpai_read_file(path, DOSSIER_READ_MAX, text, len, err);
	if (rc)
		goto out;
	SHA256((const unsigned char *)*text, *len, md);
	gpai_hex_encode(md, sizeof(md), got);
	if (strcmp(got, hex) != 0) {
		free(*text);
		*text = NULL;
		rc = gpai_error_set(err, GPAI_EVERIFY,
				    "document blob %s does not match its digest (content %s)",
				    hex, got);
	}
out:
	free(path);
	return rc;
}

int gpai_registry_dossier_document(struct gpai_registry *reg, const struct gpai_version *v,
				   int64_t number, char **document, size_t *len,
				   struct gpai_error *err)
{
	sqlite3_stmt *st;
	char hex[65];
	int rc;

	*document = NULL;
	rc = reg_prepare(reg, "SELECT document_digest FROM dossiers WHERE version_id = ?"
			 " AND number = ? AND document_digest IS NOT NULL", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, v->id);
	sqlite3_bind_int64(st, 2, number);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return gpai_error_set(err, GPAI_ENOTFOUND, "'%s@%s' has no dossier %lld",
				      v->name, v->version, (long long)number);
	}
	reg_col_copy(st, 0, hex, sizeof(hex));
	sqlite3_finalize(st);
	rc = read_document(reg, hex, document, len, err);
	if (rc)
		return gpai_error_prefix(err, "dossier %lld of '%s@%s'", (long long)number,
					 v->name, v->version);
	return GPAI_OK;
}

/* ---- pulled bundles -------------------------------------------------------- */

/* 1 if a kept dossier (or a reservation's row) names path as its out, 0 if
 * none, a negative code on a database error. */
static int bundle_named(struct gpai_registry *reg, const char *path, struct gpai_error *err)
{
	sqlite3_stmt *st;
	int rc, s;

	rc = reg_prepare(reg, "SELECT 1 FROM dossiers WHERE out = ? LIMIT 1", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, path, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	rc = s == SQLITE_ROW ? 1 : s == SQLITE_DONE ? 0
		: reg_db_error(reg, err, "cannot read the dossiers");
	sqlite3_finalize(st);
	return rc;
}

int reg_dossier_bundles_gc(struct gpai_registry *reg, uint64_t *removed,
			   struct gpai_error *err)
{
	char *dir = gpai_path_join(reg->dir, GPAI_REG_DOSSIER_BUNDLES), *real = NULL;
	struct dirent *de;
	DIR *d = NULL;
	int rc = GPAI_OK;

	if (!dir)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	/* The history records bundles by absolute path (pull resolves the
	 * registry directory). */
	if (!gpai_is_dir(dir) || !(real = realpath(dir, NULL)) || !(d = opendir(dir)))
		goto out;
	while (rc == GPAI_OK && (de = readdir(d)) != NULL) {
		char *abs, *p;
		struct stat st;
		int named;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		abs = gpai_path_join(real, de->d_name);
		p = gpai_path_join(dir, de->d_name);
		if (!abs || !p) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		} else if (lstat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			named = bundle_named(reg, abs, err);
			if (named < 0)
				rc = named;
			else if (!named && unlink(p) == 0)
				(*removed)++;
		}
		free(abs);
		free(p);
	}
out:
	if (d)
		closedir(d);
	free(real);
	free(dir);
	return rc;
}

/* ---- fsck ------------------------------------------------------------------ */

/* Appends "NAME@VER #N: why" to r->bad_dossiers. */
static int bad(struct gpai_fsck_report *r, sqlite3_stmt *st, const char *why)
{
	char *line = gpai_asprintf("%s@%s #%lld: %s", sqlite3_column_text(st, 0),
				   sqlite3_column_text(st, 1),
				   (long long)sqlite3_column_int64(st, 2), why);
	int rc = line ? reg_strv_push(&r->bad_dossiers, &r->n_bad_dossiers, line) : GPAI_ENOMEM;

	free(line);
	return rc;
}

/* Checks one kept document (row st: name, version, number, digest, size). */
static int fsck_one_dossier(struct gpai_registry *reg, sqlite3_stmt *st,
			    struct gpai_fsck_report *r)
{
	struct gpai_error e;
	char hex[65], *text = NULL, *why = NULL;
	uint64_t want = (uint64_t)sqlite3_column_int64(st, 4);
	size_t len = 0;
	cJSON *doc = NULL;
	int rc, problem = 1;

	gpai_error_init(&e);
	reg_col_copy(st, 3, hex, sizeof(hex));
	r->dossiers_checked++;
	rc = read_document(reg, hex, &text, &len, &e);
	if (rc == GPAI_ENOMEM)
		return rc;
	if (rc)
		return bad(r, st, gpai_errmsg(&e));
	if (len != want) {
		why = gpai_asprintf("document blob %s has %zu bytes, the catalogue says %llu",
				    hex, len, (unsigned long long)want);
	} else if (!(doc = cJSON_ParseWithLength(text, len))) {
		why = gpai_asprintf("document blob %s is not JSON (near byte %td)", hex,
				    cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - text : (ptrdiff_t)0);
	} else if (!cJSON_IsObject(doc) ||
		   !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(doc, "schema_version"))) {
		why = gpai_asprintf("document blob %s is not a dossier (a JSON object with "
				    "schema_version)", hex);
	} else {
		problem = 0;
	}
	cJSON_Delete(doc);
	free(text);
	if (problem && !why)
		return GPAI_ENOMEM;
	rc = why ? bad(r, st, why) : GPAI_OK;
	free(why);
	return rc;
}

int reg_fsck_dossiers(struct gpai_registry *reg, struct gpai_fsck_report *r,
		      struct gpai_error *err)
{
	char *legacy = gpai_path_join(reg->dir, REG_LEGACY_DOSSIERS);
	sqlite3_stmt *st;
	int rc, s;

	if (!legacy)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	if (gpai_is_dir(legacy))
		r->legacy_dir = legacy;
	else
		free(legacy);
	rc = reg_prepare(reg, "SELECT m.name, v.version, d.number, d.document_digest,"
			 " d.document_size FROM dossiers d JOIN versions v ON v.id = d.version_id"
			 " JOIN models m ON m.id = v.model_id WHERE d.document_digest IS NOT NULL"
			 " ORDER BY m.name, v.version, d.number", &st, err);
	if (rc)
		return rc;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		rc = fsck_one_dossier(reg, st, r);
		if (rc) {
			sqlite3_finalize(st);
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		}
	}
	rc = s == SQLITE_DONE ? GPAI_OK : reg_db_error(reg, err, "cannot read the dossiers");
	sqlite3_finalize(st);
	return rc;
}

/* ---- schema 3's dossiers/ folder ------------------------------------------ */

/* The record's time stamp, else the file's modification time (UTC). */
static void record_time(const cJSON *rec, const struct stat *st, char at[21])
{
	const char *t = rec ? gpai_json_str(rec, "generated_at") : NULL;
	struct tm tm;
	time_t mt = st->st_mtime;

	if (t && strlen(t) == 20 && t[4] == '-' && t[10] == 'T' && t[19] == 'Z') {
		gpai_strlcpy(at, t, 21);
		return;
	}
	if (!gmtime_r(&mt, &tm) || strftime(at, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		gpai_strlcpy(at, "1970-01-01T00:00:00Z", 21);
}

static const char *rec_str(const cJSON *rec, const char *key)
{
	const char *s = rec ? gpai_json_str(rec, key) : NULL;

	return s ? s : "";
}

/* Imports one N.json of schema 3 for version_id: an empty file was a
 * reservation whose run failed (kept as one, so the number is not given
 * again); a record {"number", "generated_at", ..., "document"} keeps its
 * fields and stores its document; anything else is stored as it is (fsck
 * then reports it as not a dossier), so that nothing is lost. */
static int import_file(struct gpai_registry *reg, int64_t version_id, int64_t number,
		       const char *path, int check_only, struct gpai_error *err)
{
	struct stat sb;
	char *text = NULL, *doc_text = NULL, hex[65], at[21];
	const char *doc = NULL;
	size_t len = 0, doc_len = 0;
	cJSON *rec = NULL;
	int rc;

	if (stat(path, &sb) != 0)
		return gpai_error_errno(err, GPAI_EIO, errno, "cannot read '%s'", path);
	rc = gpai_read_file(path, DOSSIER_READ_MAX, &text, &len, err);
	if (rc || check_only)
		goto out;
	if (len == 0) {
		record_time(NULL, &sb, at);
		rc = insert_row(reg, version_id, number, NULL, NULL, NULL, NULL, NULL, 0, "",
				at, err);
		goto out;
	}
	rec = cJSON_ParseWithLength(text, len);
	if (cJSON_IsObject(rec) &&
	    cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(rec, "document"))) {
		doc_text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(rec, "document"));
		if (!doc_text) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			goto out;
		}
		doc = doc_text;
		doc_len = strlen(doc_text);
	} else {
		cJSON_Delete(rec);
		rec = NULL;
		doc = text;
		doc_len = len;
	}
	record_time(rec, &sb, at);
	rc = reg_store_mem(reg, doc, doc_len, path, hex, err);
	if (rc == GPAI_OK)
		rc = insert_row(reg, version_id, number, rec_str(rec, "audience"),
				rec_str(rec, "format"), rec_str(rec, "out"), rec_str(rec, "sha256"),
				hex, doc_len, rec_str(rec, "generated_by"), at, err);
out:
	cJSON_Delete(rec);
	free(doc_text);
	free(text);
	return rc;
}

/* Version id of name@version, 0 when the catalogue has none. */
static int64_t version_id(struct gpai_registry *reg, const char *name, const char *version,
			  struct gpai_error *err)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	int s;

	if (reg_prepare(reg, "SELECT v.id FROM versions v JOIN models m ON m.id = v.model_id"
			" WHERE m.name = ? AND v.version = ?", &st, err))
		return GPAI_EDB;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (s != SQLITE_DONE)
		id = reg_db_error(reg, err, "cannot look a version up");
	sqlite3_finalize(st);
	return id;
}

/* Number N of a file name "N.json" (1 <= N < LEGACY_NUMBER_MAX), else 0. */
static int64_t legacy_number(const char *fname)
{
	const char *dot = strrchr(fname, '.');
	char num[32];
	uint64_t v;

	if (!dot || strcmp(dot, ".json") != 0 || dot == fname ||
	    (size_t)(dot - fname) >= sizeof(num) || fname[0] < '1' || fname[0] > '9')
		return 0;
	memcpy(num, fname, (size_t)(dot - fname));
	num[dot - fname] = '\0';
	if (gpai_parse_u64(num, &v) || v >= LEGACY_NUMBER_MAX)
		return 0;
	return (int64_t)v;
}

/* Imports dir = dossiers/NAME/VERSION (with check_only, reads each record
 * and stores nothing). */
static int import_version_dir(struct gpai_registry *reg, const char *name,
			      const char *version, const char *dir, int check_only,
			      struct gpai_error *err)
{
	struct dirent *de;
	int64_t vid = version_id(reg, name, version, err);
	DIR *d;
	int rc = GPAI_OK;

	if (vid < 0)
		return (int)vid;
	if (vid == 0)
		return GPAI_OK; /* a version removed before the migration: dropped, as rm does now */
	d = opendir(dir);
	if (!d)
		return gpai_error_errno(err, GPAI_EIO, errno, "cannot open '%s'", dir);
	while (rc == GPAI_OK && (de = readdir(d)) != NULL) {
		int64_t n = legacy_number(de->d_name);
		char *p;

		if (!n)
			continue;
		p = gpai_path_join(dir, de->d_name);
		rc = p ? import_file(reg, vid, n, p, check_only, err)
			: gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		free(p);
	}
	closedir(d);
	return rc;
}

/* Imports every version folder root/NAME/VERSION. */
static int each_version_dir(struct gpai_registry *reg, const char *root, int check_only,
			    struct gpai_error *err)
{
	struct dirent *de, *ve;
	DIR *d = opendir(root), *vd;
	int rc = GPAI_OK;

	if (!d)
		return gpai_error_errno(err, GPAI_EIO, errno, "cannot open '%s'", root);
	while (rc == GPAI_OK && (de = readdir(d)) != NULL) {
		char *nd;

		if (de->d_name[0] == '.')
			continue;
		nd = gpai_path_join(root, de->d_name);
		if (!nd) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			break;
		}
		vd = gpai_is_dir(nd) ? opendir(nd) : NULL;
		while (vd && rc == GPAI_OK && (ve = readdir(vd)) != NULL) {
			char *p;

			if (ve->d_name[0] == '.')
				continue;
			p = gpai_path_join(nd, ve->d_name);
			if (!p)
				rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			else if (gpai_is_dir(p))
				rc = import_version_dir(reg, de->d_name, ve->d_name, p,
							check_only, err);
			free(p);
		}
		if (vd)
			closedir(vd);
		free(nd);
	}
	closedir(d);
	return rc;
}

int reg_legacy_dossiers_import(struct gpai_registry *reg, int *found,
			       struct gpai_error *err)
{
	char *root = gpai_path_join(reg->dir, REG_LEGACY_DOSSIERS);
	int rc;

	*found = 0;
	if (!root)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	if (!gpai_is_dir(root)) {
		free(root);
		return GPAI_OK;
	}
	*found = 1;
	/* Every record is read once before anything is stored, so that an
	 * unreadable one stops the migration without leaving blobs. */
	rc = each_version_dir(reg, root, 1, err);
	if (rc == GPAI_OK)
		rc = each_version_dir(reg, root, 0, err);
	if (rc)
		gpai_error_prefix(err, "cannot import the dossier history in '%s'", root);
	free(root);
	return rc;
}

/* Removes path and, if a directory, everything below it. */
static void remove_tree(const char *path, uint64_t *removed)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) == 0 && removed)
			(*removed)++;
		return;
	}
	d = opendir(path);
	while (d && (de = readdir(d)) != NULL) {
		char *p;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		p = gpai_path_join(path, de->d_name);
		if (p)
			remove_tree(p, removed);
		free(p);
	}
	if (d)
		closedir(d);
	rmdir(path);
}

void reg_legacy_dossiers_remove(struct gpai_registry *reg, uint64_t *removed)
{
	char *root = gpai_path_join(reg->dir, REG_LEGACY_DOSSIERS);

	if (root && gpai_is_dir(root))
		remove_tree(root, removed);
	free(root);
}
