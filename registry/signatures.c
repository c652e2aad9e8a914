/*
 * signatures.c - stored OMS signatures of versions and the trust store of
 * public keys and CA certificates.
 *
 * The registry only stores: bundles are checked by signing/ before they
 * are added and when they are verified, and keys are parsed by the caller
 * (gpai_pem_describe).  Every write is one transaction under the write lock.
 */
#include "registry_private.h"

#include <stdlib.h>
#include <string.h>

void gpai_signatures_free(struct gpai_signature *s, size_t n)
{
	if (!s)
		return;
	for (size_t i = 0; i < n; i++) {
		free(s[i].method);
		free(s[i].signer);
		free(s[i].root_digest);
		free(s[i].bundle);
		free(s[i].signed_by);
	}
	free(s);
}

void gpai_trusted_keys_free(struct gpai_trusted_key *k, size_t n)
{
	if (!k)
		return;
	for (size_t i = 0; i < n; i++) {
		free(k[i].name);
		free(k[i].fingerprint);
		free(k[i].description);
		free(k[i].pem);
		free(k[i].added_by);
	}
	free(k);
}

/* Runs one INSERT/UPDATE with text parameters in a write transaction;
 * *changes gets the number of rows changed. */
static int write_one(struct gpai_registry *reg, const char *sql, const char *const *params,
		     int nparams, int64_t id_param, int *changes, struct gpai_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc, k;

	if ((rc = reg_write_lock(reg, NULL, err)))
		return rc;
	if ((rc = reg_begin(reg, err)))
		return rc;
	if ((rc = reg_prepare(reg, sql, &st, err)))
		goto fail;
	for (k = 0; k < nparams; k++)
		sqlite3_bind_text(st, k + 1, params[k], -1, SQLITE_STATIC);
	if (id_param >= 0)
		sqlite3_bind_int64(st, k + 1, id_param);
	if (sqlite3_step(st) != SQLITE_DONE) {
		if (sqlite3_extended_errcode(reg->db) == SQLITE_CONSTRAINT_UNIQUE)
			rc = gpai_error_set(err, GPAI_EEXIST, "already in the registry");
		else
			rc = reg_db_error(reg, err, "cannot write to the catalogue");
		goto fail;
	}
	if (changes)
		*changes = sqlite3_changes(reg->db);
	sqlite3_finalize(st);
	st = NULL;
	if ((rc = reg_commit(reg, err)))
		goto fail;
	return GPAI_OK;
fail:
	sqlite3_finalize(st);
	reg_rollback(reg);
	return rc;
}

int gpai_registry_signature_add(struct gpai_registry *reg, const struct gpai_version *v,
				const char *method, const char *signer,
				const char *root_digest, const char *bundle,
				struct gpai_error *err)
{
	char who[128], now[21];
	const char *p[6];

	if (!method || !signer || !root_digest || !bundle)
		return gpai_error_set(err, GPAI_EMISUSE, "signature fields missing");
	gpai_whoami(who, sizeof(who));
	gpai_now_iso8601(now);
	p[0] = method;
	p[1] = signer;
	p[2] = root_digest;
	p[3] = bundle;
	p[4] = who;
	p[5] = now;
	return write_one(reg, "INSERT INTO signatures (method, signer, root_digest, bundle,"
			 " signed_by, signed_at, version_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
			 p, 6, v->id, NULL, err);
}

static int signature_row(struct gpai_registry *reg, sqlite3_stmt *st, void *row)
{
	struct gpai_signature *g = row;

	(void)reg;
	g->id = sqlite3_column_int64(st, 0);
	g->method = reg_col_str(st, 1);
	g->signer = reg_col_str(st, 2);
	g->root_digest = reg_col_str(st, 3);
	g->bundle = reg_col_str(st, 4);
	g->signed_by = reg_col_str(st, 5);
	reg_col_copy(st, 6, g->signed_at, sizeof(g->signed_at));
	return g->method && g->signer && g->root_digest && g->bundle && g->signed_by
	       ? GPAI_OK : GPAI_ENOMEM;
}

int gpai_registry_signatures(struct gpai_registry *reg, const struct gpai_version *v,
			     struct gpai_signature **out, size_t *n,
			     struct gpai_error *err)
{
	sqlite3_stmt *st = NULL;
	void *rows;
	size_t cnt;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = reg_prepare(reg, "SELECT id, method, signer, root_digest, bundle, signed_by,"
			      " signed_at FROM signatures WHERE version_id = ? ORDER BY id DESC",
			      &st, err)))
		return rc;
	sqlite3_bind_int64(st, 1, v->id);
	rc = reg_collect_rows(reg, st, sizeof(struct gpai_signature), signature_row,
			      "cannot read signatures", &rows, &cnt, err);
	if (rc) {
		gpai_signatures_free(rows, cnt);
		return rc;
	}
	*out = rows;
	*n = cnt;
	return GPAI_OK;
}

static int key_name_ok(const char *name)
{
	if (!name || !*name || strlen(name) > GPAI_REG_NAME_MAX)
		return 0;
	for (const char *p = name; *p; p++) {
		int c = (unsigned char)*p;
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9');

		if (!alnum && (p == name || (c != '.' && c != '_' && c != '-')))
			return 0;
	}
	return 1;
}

int gpai_registry_key_import(struct gpai_registry *reg, const char *name, int is_ca,
			     const char *fingerprint, const char *description,
			     const char *pem, int trusted, struct gpai_error *err)
{
	char who[128], now[21];
	const char *p[8];
	int rc;

	if (!key_name_ok(name))
		return gpai_error_set(err, GPAI_EFORMAT,
				      "key name '%s' is not a word of letters, digits, '.', '_' "
				      "and '-'", name ? name : "");
	gpai_whoami(who, sizeof(who));
	gpai_now_iso8601(now);
	p[0] = name;
	p[1] = is_ca ? "1" : "0";
	p[2] = fingerprint;
	p[3] = description;
	p[4] = pem;
	p[5] = trusted ? "1" : "0";
	p[6] = who;
	p[7] = now;
	rc = write_one(reg, "INSERT INTO trusted_keys (name, is_ca, fingerprint, description,"
		       " pem, trusted, added_by, added_at)"
		       " VALUES (?1, CAST(?2 AS INTEGER), ?3, ?4, ?5, CAST(?6 AS INTEGER), ?7, ?8)",
		       p, 8, -1, NULL, err);
	if (rc == GPAI_EEXIST)
		gpai_error_set(err, rc, "a key named '%s' or with fingerprint %s is already "
			       "in the registry", name, fingerprint);
	return rc;
}

int gpai_registry_key_trust(struct gpai_registry *reg, const char *name, int trusted,
			    struct gpai_error *err)
{
	const char *p[2] = { name, trusted ? "1" : "0" };
	int changes = 0, rc;

	rc = write_one(reg, "UPDATE trusted_keys SET trusted = CAST(?2 AS INTEGER)"
		       " WHERE name = ?1 OR fingerprint = ?1", p, 2, -1, &changes, err);
	if (rc == GPAI_OK && changes == 0)
		rc = gpai_error_set(err, GPAI_ENOTFOUND, "no key named '%s' in the registry", name);
	return rc;
}

static int key_row(struct gpai_registry *reg, sqlite3_stmt *st, void *row)
{
	struct gpai_trusted_key *k = row;

	(void)reg;
	k->id = sqlite3_column_int64(st, 0);
	k->name = reg_col_str(st, 1);
	k->is_ca = sqlite3_column_int(st, 2);
	k->fingerprint = reg_col_str(st, 3);
	k->description = reg_col_str(st, 4);
	k->pem = reg_col_str(st, 5);
	k->trusted = sqlite3_column_int(st, 6);
	k->added_by = reg_col_str(st, 7);
	reg_col_copy(st, 8, k->added_at, sizeof(k->added_at));
	return k->name && k->fingerprint && k->description && k->pem && k->added_by
	       ? GPAI_OK : GPAI_ENOMEM;
}

int gpai_registry_keys(struct gpai_registry *reg, struct gpai_trusted_key **out,
		       size_t *n, struct gpai_error *err)
{
	sqlite3_stmt *st = NULL;
	void *rows;
	size_t cnt;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = reg_prepare(reg, "SELECT id, name, is_ca, fingerprint, description, pem,"
			      " trusted, added_by, added_at FROM trusted_keys ORDER BY name",
			      &st, err)))
		return rc;
	rc = reg_collect_rows(reg, st, sizeof(struct gpai_trusted_key), key_row,
			      "cannot read the trusted keys", &rows, &cnt, err);
	if (rc) {
		gpai_trusted_keys_free(rows, cnt);
		return rc;
	}
	*out = rows;
	*n = cnt;
	return GPAI_OK;
}
