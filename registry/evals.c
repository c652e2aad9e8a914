/*
 * evals.c - evaluation claims (published results recorded with their
 * source and protocol) and runs (re-measurements on the registry's blobs),
 * tables eval_claims and eval_runs (schema 3).
 *
 * Invariants: claims and runs are append-only; a perplexity or choice
 * claim's data file is in the blob store under data_digest before the claim row commits
 * (same order as gpai add: blob first, then the row), so a claim never
 * names a missing blob.
 */
#include "registry_private.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void gpai_eval_claims_free(struct gpai_eval_claim *c, size_t n)
{
	if (!c)
		return;
	for (size_t i = 0; i < n; i++) {
		free(c[i].task);
		free(c[i].params);
		free(c[i].expected_text);
		free(c[i].data_digest);
		free(c[i].source);
		free(c[i].recorded_by);
	}
	free(c);
}

void gpai_eval_runs_free(struct gpai_eval_run *r, size_t n)
{
	if (!r)
		return;
	for (size_t i = 0; i < n; i++) {
		free(r[i].measured_text);
		free(r[i].data_digest);
		free(r[i].engine_version);
		free(r[i].run_by);
	}
	free(r);
}

char *gpai_registry_blob_path(struct gpai_registry *reg, const char *hex)
{
	char *p;

	if (!hex || strlen(hex) != 64 || strspn(hex, "0123456789abcdef") != 64)
		return NULL;
	p = reg_blob_path(reg, hex);
	if (p && !gpai_path_exists(p)) {
		free(p);
		return NULL;
	}
	return p;
}

int gpai_registry_eval_claim_add(struct gpai_registry *reg, const char *ref,
				 const struct gpai_eval_claim *c, const char *data_path,
				 int64_t *id, struct gpai_error *err)
{
	struct gpai_version v;
	char hex[65] = "", who[128], now[21];
	uint64_t size;
	sqlite3_stmt *st = NULL;
	int greedy, rc;

	if (!c->task || (strcmp(c->task, "greedy") != 0 && strcmp(c->task, "perplexity") != 0 &&
			 strcmp(c->task, "choice") != 0))
		return gpai_error_set(err, GPAI_EFORMAT,
				      "unknown evaluation task '%s' (greedy, perplexity, choice)",
				      c->task ? c->task : "");
	greedy = strcmp(c->task, "greedy") == 0;
	if (!c->source || !*c->source)
		return gpai_error_set(err, GPAI_EFORMAT, "an evaluation claim needs its source");
	if (!c->params)
		return gpai_error_set(err, GPAI_EFORMAT, "an evaluation claim needs its protocol");
	if (greedy && !c->expected_text)
		return gpai_error_set(err, GPAI_EFORMAT, "a greedy claim needs the expected text");
	if (!greedy && !data_path)
		return gpai_error_set(err, GPAI_EFORMAT, "a %s claim needs its data file", c->task);
	rc = reg_write_lock(reg, NULL, err);
	if (rc)
		return rc;
	if (!greedy) {
		rc = reg_store_file(reg, data_path, hex, &size, NULL, NULL, 0, 0, err);
		if (rc)
			return gpai_error_prefix(err, "cannot store the data file '%s'", data_path);
	}
	rc = reg_begin(reg, err);
	if (rc)
		return rc;
	rc = gpai_registry_lookup(reg, ref, &v, err);
	if (rc) {
		reg_rollback(reg);
		return rc;
	}
	gpai_whoami(who, sizeof(who));
	gpai_now_iso8601(now);
	rc = reg_prepare(reg,
			 "INSERT INTO eval_claims (version_id, task, params, expected_text,"
			 " expected_value, tolerance, data_digest, source, recorded_by, recorded_at)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", &st, err);
	if (rc)
		goto fail;
	sqlite3_bind_int64(st, 1, v.id);
	sqlite3_bind_text(st, 2, c->task, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->params, -1, SQLITE_STATIC);
	if (greedy) {
		sqlite3_bind_text(st, 4, c->expected_text, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_double(st, 5, c->expected_value);
		sqlite3_bind_double(st, 6, c->tolerance);
		sqlite3_bind_text(st, 7, hex, -1, SQLITE_STATIC);
	}
	sqlite3_bind_text(st, 8, c->source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = reg_db_error(reg, err, "cannot record the claim");
		goto fail;
	}
	if (id)
		*id = sqlite3_last_insert_rowid(reg->db);
	sqlite3_finalize(st);
	st = NULL;
	rc = reg_commit(reg, err);
	if (rc)
		goto fail;
	gpai_version_release(&v);
	return GPAI_OK;
fail:
	sqlite3_finalize(st);
	reg_rollback(reg);
	gpai_version_release(&v);
	return rc;
}

static int claim_row(struct gpai_registry *reg, sqlite3_stmt *st, void *row)
{
	struct gpai_eval_claim *c = row;

	(void)reg;
	c->id = sqlite3_column_int64(st, 0);
	c->task = reg_col_str(st, 1);
	c->params = reg_col_str(st, 2);
	c->expected_text = reg_col_str(st, 3);
	c->expected_value = sqlite3_column_double(st, 4);
	c->tolerance = sqlite3_column_double(st, 5);
	c->data_digest = reg_col_str(st, 6);
	c->source = reg_col_str(st, 7);
	c->recorded_by = reg_col_str(st, 8);
	reg_col_copy(st, 9, c->recorded_at, sizeof(c->recorded_at));
	return c->task && c->source && c->recorded_by ? GPAI_OK : GPAI_ENOMEM;
}

static int run_row(struct gpai_registry *reg, sqlite3_stmt *st, void *row)
{
	struct gpai_eval_run *r = row;

	(void)reg;
	r->id = sqlite3_column_int64(st, 0);
	r->claim_id = sqlite3_column_int64(st, 1);
	r->measured = sqlite3_column_double(st, 2);
	r->measured_text = reg_col_str(st, 3);
	r->passed = sqlite3_column_int(st, 4);
	reg_col_copy(st, 5, r->root_digest, sizeof(r->root_digest));
	r->data_digest = reg_col_str(st, 6);
	r->engine_version = reg_col_str(st, 7);
	r->flop = sqlite3_column_double(st, 8);
	r->run_by = reg_col_str(st, 9);
	reg_col_copy(st, 10, r->run_at, sizeof(r->run_at));
	return r->run_by ? GPAI_OK : GPAI_ENOMEM;
}

int gpai_registry_eval_claims(struct gpai_registry *reg, const struct gpai_version *v,
			      struct gpai_eval_claim **out, size_t *n, struct gpai_error *err)
{
	sqlite3_stmt *st;
	void *rows = NULL;
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = reg_prepare(reg,
			 "SELECT id, task, params, expected_text, expected_value, tolerance,"
			 " data_digest, source, recorded_by, recorded_at FROM eval_claims"
			 " WHERE version_id = ?1 ORDER BY id", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, v->id);
	rc = reg_collect_rows(reg, st, sizeof(struct gpai_eval_claim), claim_row,
			      "cannot read the claims", &rows, &cnt, err);
	if (rc) {
		gpai_eval_claims_free(rows, cnt);
		return rc;
	}
	*out = rows;
	*n = cnt;
	return GPAI_OK;
}

int gpai_registry_eval_run_add(struct gpai_registry *reg, const struct gpai_eval_run *r,
			       struct gpai_error *err)
{
	sqlite3_stmt *st = NULL;
	char who[128], now[21];
	int rc;

	rc = reg_write_lock(reg, NULL, err);
	if (rc)
		return rc;
	gpai_whoami(who, sizeof(who));
	gpai_now_iso8601(now);
	rc = reg_prepare(reg,
			 "INSERT INTO eval_runs (claim_id, measured, measured_text, passed, root_digest,"
			 " data_digest, engine_version, flop, run_by, run_at)"
			 " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, r->claim_id);
	sqlite3_bind_double(st, 2, r->measured);
	if (r->measured_text)
		sqlite3_bind_text(st, 3, r->measured_text, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, r->passed ? 1 : 0);
	sqlite3_bind_text(st, 5, r->root_digest, -1, SQLITE_STATIC);
	if (r->data_digest)
		sqlite3_bind_text(st, 6, r->data_digest, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->engine_version ? r->engine_version : GPAI_VERSION, -1,
			  SQLITE_STATIC);
	sqlite3_bind_double(st, 8, r->flop);
	sqlite3_bind_text(st, 9, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, now, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = reg_db_error(reg, err, "cannot record the evaluation run");
	sqlite3_finalize(st);
	return rc;
}

int gpai_registry_eval_runs(struct gpai_registry *reg, int64_t claim_id,
			    struct gpai_eval_run **out, size_t *n, struct gpai_error *err)
{
	sqlite3_stmt *st;
	void *rows = NULL;
	size_t cnt = 0;
	int rc;

	*out = NULL;
	*n = 0;
	rc = reg_prepare(reg,
			 "SELECT id, claim_id, measured, measured_text, passed, root_digest,"
			 " data_digest, engine_version, flop, run_by, run_at FROM eval_runs"
			 " WHERE claim_id = ?1 ORDER BY id", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, claim_id);
	rc = reg_collect_rows(reg, st, sizeof(struct gpai_eval_run), run_row,
			      "cannot read the evaluation runs", &rows, &cnt, err);
	if (rc) {
		gpai_eval_runs_free(rows, cnt);
		return rc;
	}
	*out = rows;
	*n = cnt;
	return GPAI_OK;
}

int gpai_registry_eval_data(struct gpai_registry *reg, const struct gpai_eval_claim *c,
			    size_t max, char **data, size_t *len, struct gpai_error *err)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned dlen = 0;
	char hex[65];
	char *path = gpai_registry_blob_path(reg, c->data_digest);
	int rc;

	*data = NULL;
	*len = 0;
	if (!path)
		return gpai_error_set(err, GPAI_ENOTFOUND, "the data blob %s is missing from the store",
				      c->data_digest ? c->data_digest : "(none)");
	rc = gpai_read_file(path, max, data, len, err);
	free(path);
	if (rc)
		return rc;
	if (EVP_Digest(*data, *len, digest, &dlen, EVP_sha256(), NULL) != 1 || dlen * 2 + 1 != sizeof(hex)) {
		free(*data);
		*data = NULL;
		return gpai_error_openssl(err, "cannot hash the data blob %s", c->data_digest);
	}
	gpai_hex_encode(digest, dlen, hex);
	if (strcmp(hex, c->data_digest) != 0) {
		free(*data);
		*data = NULL;
		return gpai_error_set(err, GPAI_EFORMAT, "the data blob %s is damaged: its content "
				      "hashes to %s", c->data_digest, hex);
	}
	return GPAI_OK;
}
