/*
 * statement.c - the in-toto Statement v1 that carries an OMS manifest.
 *
 * Layout (OMS v1.0, model_signing 1.1):
 *   {"_type": "https://in-toto.io/Statement/v1",
 *    "subject": [{"name": <model basename>, "digest": {"sha256": <root>}}],
 *    "predicateType": "https://model_signing/signature/v1.0",
 *    "predicate": {"serialization": {"method", "hash_type", "allow_symlinks",
 *                                    ["shard_size"], ["ignore_paths"]},
 *                  "resources": [{"name", "algorithm", "digest"}, ...]}}
 * shard_size is written as an integer (the spec's type; model_signing's
 * protobuf path may print 1000000000.0, and both parse the integer).
 */
#include "signing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

static int add_str(cJSON *o, const char *k, const char *v)
{
	return cJSON_AddStringToObject(o, k, v) != NULL;
}

cJSON *gpai_oms_statement(const struct gpai_manifest *m)
{
	cJSON *st = cJSON_CreateObject(), *subj, *s0, *dig, *pred, *ser, *res;
	char hex[2 * GPAI_DIGEST_MAX + 1];
	int ok;

	if (!st)
		return NULL;
	ok = add_str(st, "_type", GPAI_INTOTO_STATEMENT_TYPE);
	ok = ok && (subj = cJSON_AddArrayToObject(st, "subject")) != NULL;
	ok = ok && (s0 = cJSON_CreateObject()) != NULL;
	if (ok)
		cJSON_AddItemToArray(subj, s0);
	ok = ok && add_str(s0, "name", m->subject ? m->subject : "");
	ok = ok && (dig = cJSON_AddObjectToObject(s0, "digest")) != NULL;
	if (ok)
		gpai_hex_encode(m->root, 32, hex);
	ok = ok && add_str(dig, "sha256", hex);
	ok = ok && add_str(st, "predicateType", GPAI_OMS_PREDICATE_TYPE);
	ok = ok && (pred = cJSON_AddObjectToObject(st, "predicate")) != NULL;
	ok = ok && (ser = cJSON_AddObjectToObject(pred, "serialization")) != NULL;
	ok = ok && add_str(ser, "method",
			   m->cfg.method == GPAI_OMS_SHARDS ? "shards" : "files");
	ok = ok && add_str(ser, "hash_type", gpai_oms_hash_name(m->cfg.hash));
	ok = ok && cJSON_AddBoolToObject(ser, "allow_symlinks", m->cfg.allow_symlinks) != NULL;
	if (ok && m->cfg.method == GPAI_OMS_SHARDS)
		ok = cJSON_AddNumberToObject(ser, "shard_size", (double)m->cfg.shard_size) != NULL;
	if (ok && m->cfg.n_ignore) {
		cJSON *ig = cJSON_AddArrayToObject(ser, "ignore_paths");

		ok = ig != NULL;
		for (size_t i = 0; ok && i < m->cfg.n_ignore; i++) {
			cJSON *s = cJSON_CreateString(m->cfg.ignore_paths[i]);

			ok = s != NULL;
			if (ok)
				cJSON_AddItemToArray(ig, s);
		}
	}
	ok = ok && (res = cJSON_AddArrayToObject(pred, "resources")) != NULL;
	for (size_t i = 0; ok && i < m->n; i++) {
		cJSON *r = cJSON_CreateObject();

		ok = r != NULL;
		if (ok)
			cJSON_AddItemToArray(res, r);
		gpai_hex_encode(m->res[i].digest, m->res[i].digest_len, hex);
		ok = ok && add_str(r, "name", m->res[i].name);
		ok = ok && add_str(r, "algorithm", m->res[i].algorithm);
		ok = ok && add_str(r, "digest", hex);
	}
	if (!ok) {
		cJSON_Delete(st);
		return NULL;
	}
	return st;
}

/* ---- parsing ----------------------------------------------------------- */

#define MAX_SAFE_INTEGER 9007199254740992.0 /* 2^53: exact in a double */

/* Parses "path:start:end" (from the last two colons) of a shard name. */
static int parse_shard_name(struct gpai_resource *r)
{
	char *c2 = strrchr(r->name, ':'), *c1;
	uint64_t a, b;

	if (!c2 || c2 == r->name)
		return 0;
	*c2 = '\0';
	c1 = strrchr(r->name, ':');
	*c2 = ':';
	if (!c1)
		return 0;
	for (const char *p = c1 + 1; p < c2; p++)
		if (*p < '0' || *p > '9')
			return 0;
	for (const char *p = c2 + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return 0;
	*c2 = '\0';
	if (c2 == c1 + 1 || !c2[1] || gpai_parse_u64(c1 + 1, &a) || gpai_parse_u64(c2 + 1, &b)) {
		*c2 = ':';
		return 0;
	}
	*c2 = ':';
	*c1 = '\0';
	if (!gpai_oms_name_valid(r->name) || a >= b) {
		*c1 = ':';
		return 0;
	}
	*c1 = ':';
	r->start = a;
	r->end = b;
	r->sharded = 1;
	return 1;
}

static int add_resource(struct gpai_manifest *m, size_t cap, const char *name,
			const char *alg, const char *hex, unsigned dlen,
			const char *what, size_t index, struct gpai_error *err)
{
	struct gpai_resource *r = &m->res[m->n];

	(void)cap;
	memset(r, 0, sizeof(*r));
	if (strlen(hex) != 2 * dlen || gpai_hex_decode(hex, r->digest, dlen))
		return gpai_error_set(err, GPAI_EFORMAT,
				      "'%s': resource %zu ('%s'): digest is not %u hex digits",
				      what, index, name, 2 * dlen);
	r->digest_len = dlen;
	gpai_strlcpy(r->algorithm, alg, sizeof(r->algorithm));
	r->name = gpai_strdup(name);
	if (!r->name)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	m->n++;
	return GPAI_OK;
}

static int parse_legacy(const char *what, const cJSON *subj, struct gpai_manifest *m,
			struct gpai_error *err)
{
	size_t n = (size_t)cJSON_GetArraySize(subj), i = 0;
	const cJSON *s;
	int rc;

	m->cfg.method = GPAI_OMS_FILES;
	m->cfg.hash = GPAI_OMS_SHA256;
	m->res = calloc(n ? n : 1, sizeof(*m->res));
	if (!m->res)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	cJSON_ArrayForEach(s, subj) {
		const char *name = gpai_json_str(s, "name");
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(s, "digest");
		const char *hex = gpai_json_str(d, "sha256");

		if (!name || !hex || !gpai_oms_name_valid(name))
			return gpai_error_set(err, GPAI_EFORMAT,
					      "'%s': subject %zu needs a valid name and a "
					      "digest.sha256", what, i);
		if ((rc = add_resource(m, n, name, "sha256", hex, 32, what, i, err)))
			return rc;
		i++;
	}
	return GPAI_OK;
}

int gpai_oms_statement_parse(const char *what, const char *payload, size_t len,
			     struct gpai_manifest *m, int *legacy,
			     struct gpai_error *err)
{
	cJSON *st = NULL;
	const cJSON *subj, *pred, *ser, *res, *ig, *v, *r;
	const char *s, *method, *hash_type;
	unsigned dlen;
	unsigned char root[32];
	char sharded_alg[64];
	size_t n, i;
	int rc;

	*legacy = 0;
	gpai_manifest_release(m);
	if (!gpai_utf8_valid(payload, len))
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': the statement is not UTF-8", what);
	rc = gpai_json_parse(what, payload, len, &st, err);
	if (rc) {
		gpai_error_prefix(err, "statement");
		return rc;
	}
	rc = GPAI_EFORMAT;
	if (!cJSON_IsObject(st)) {
		gpai_error_set(err, rc, "'%s': the statement is not a JSON object", what);
		goto out;
	}
	s = gpai_json_str(st, "_type");
	if (!s || strcmp(s, GPAI_INTOTO_STATEMENT_TYPE) != 0) {
		gpai_error_set(err, rc, "'%s': statement _type is '%s', expected '%s'", what,
			       s ? s : "(missing)", GPAI_INTOTO_STATEMENT_TYPE);
		goto out;
	}
	subj = cJSON_GetObjectItemCaseSensitive(st, "subject");
	if (!cJSON_IsArray(subj) || cJSON_GetArraySize(subj) < 1) {
		gpai_error_set(err, rc, "'%s': statement has no subject", what);
		goto out;
	}
	s = gpai_json_str(st, "predicateType");
	if (s && strcmp(s, GPAI_OMS_PREDICATE_V01) == 0) {
		*legacy = 1;
		rc = parse_legacy(what, subj, m, err);
		if (rc == GPAI_OK)
			goto sorted;
		goto out;
	}
	if (!s || strcmp(s, GPAI_OMS_PREDICATE_TYPE) != 0) {
		gpai_error_set(err, rc, "'%s': predicateType is '%s', expected '%s'", what,
			       s ? s : "(missing)", GPAI_OMS_PREDICATE_TYPE);
		goto out;
	}
	if (cJSON_GetArraySize(subj) != 1) {
		gpai_error_set(err, rc, "'%s': statement has %d subjects, expected exactly one",
			       what, cJSON_GetArraySize(subj));
		goto out;
	}
	v = cJSON_GetArrayItem(subj, 0);
	s = gpai_json_str(cJSON_GetObjectItemCaseSensitive(v, "digest"), "sha256");
	if (!s || strlen(s) != 64 || gpai_hex_decode(s, m->root, 32)) {
		gpai_error_set(err, rc, "'%s': subject digest.sha256 is missing or not 64 hex digits",
			       what);
		goto out;
	}
	s = gpai_json_str(v, "name");
	m->subject = gpai_strdup(s ? s : "");
	pred = cJSON_GetObjectItemCaseSensitive(st, "predicate");
	ser = cJSON_GetObjectItemCaseSensitive(pred, "serialization");
	res = cJSON_GetObjectItemCaseSensitive(pred, "resources");
	if (!cJSON_IsObject(ser) || !cJSON_IsArray(res)) {
		gpai_error_set(err, rc, "'%s': predicate needs a serialization object and a "
			       "resources array", what);
		goto out;
	}
	method = gpai_json_str(ser, "method");
	hash_type = gpai_json_str(ser, "hash_type");
	if (!method || (strcmp(method, "files") != 0 && strcmp(method, "shards") != 0)) {
		gpai_error_set(err, rc, "'%s': serialization.method is '%s', expected files or shards",
			       what, method ? method : "(missing)");
		goto out;
	}
	m->cfg.method = strcmp(method, "shards") == 0 ? GPAI_OMS_SHARDS : GPAI_OMS_FILES;
	if (!hash_type) {
		gpai_error_set(err, rc, "'%s': serialization.hash_type is missing", what);
		goto out;
	}
	if ((rc = gpai_oms_hash_parse(hash_type, &m->cfg.hash, err))) {
		gpai_error_prefix(err, "'%s': serialization.hash_type", what);
		goto out;
	}
	rc = GPAI_EFORMAT;
	dlen = gpai_oms_hash_size(m->cfg.hash);
	v = cJSON_GetObjectItemCaseSensitive(ser, "allow_symlinks");
	if (v && !cJSON_IsBool(v)) {
		gpai_error_set(err, rc, "'%s': serialization.allow_symlinks is not a boolean", what);
		goto out;
	}
	m->cfg.allow_symlinks = cJSON_IsTrue(v);
	if (m->cfg.method == GPAI_OMS_SHARDS) {
		v = cJSON_GetObjectItemCaseSensitive(ser, "shard_size");
		/* An integer, or an integral float (1000000000.0) as
		 * model_signing's protobuf Struct may print it. */
		if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
		    v->valuedouble < 1 || v->valuedouble > MAX_SAFE_INTEGER) {
			gpai_error_set(err, rc, "'%s': serialization.shard_size is missing or not "
				       "a positive integer", what);
			goto out;
		}
		m->cfg.shard_size = (uint64_t)v->valuedouble;
	}
	ig = cJSON_GetObjectItemCaseSensitive(ser, "ignore_paths");
	if (ig) {
		if (!cJSON_IsArray(ig)) {
			gpai_error_set(err, rc, "'%s': serialization.ignore_paths is not an array", what);
			goto out;
		}
		n = (size_t)cJSON_GetArraySize(ig);
		m->cfg.ignore_paths = calloc(n ? n : 1, sizeof(char *));
		if (!m->cfg.ignore_paths) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			goto out;
		}
		cJSON_ArrayForEach(v, ig) {
			if (!cJSON_IsString(v) || !gpai_oms_name_valid(v->valuestring) ||
			    strcmp(v->valuestring, ".") == 0) {
				gpai_error_set(err, rc, "'%s': ignore_paths entry %zu is not a "
					       "relative path inside the model", what, m->cfg.n_ignore);
				goto out;
			}
			m->cfg.ignore_paths[m->cfg.n_ignore] = gpai_strdup(v->valuestring);
			if (!m->cfg.ignore_paths[m->cfg.n_ignore++]) {
				rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
				goto out;
			}
		}
	}
	n = (size_t)cJSON_GetArraySize(res);
	m->res = calloc(n ? n : 1, sizeof(*m->res));
	if (!m->res) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(sharded_alg, sizeof(sharded_alg), "%s-sharded-%llu", hash_type,
		 (unsigned long long)m->cfg.shard_size);
	i = 0;
	cJSON_ArrayForEach(r, res) {
		const char *name = gpai_json_str(r, "name");
		const char *alg = gpai_json_str(r, "algorithm");
		const char *hex = gpai_json_str(r, "digest");
		struct gpai_resource *cur;

		if (!name || !alg || !hex) {
			gpai_error_set(err, rc, "'%s': resource %zu needs string name, algorithm "
				       "and digest", what, i);
			goto out;
		}
		if (strcmp(alg, hash_type) != 0 &&
		    (m->cfg.method != GPAI_OMS_SHARDS || strcmp(alg, sharded_alg) != 0)) {
			gpai_error_set(err, rc, "'%s': resource %zu ('%s'): algorithm '%s' does not "
				       "match hash_type '%s'", what, i, name, alg, hash_type);
			goto out;
		}
		if ((rc = add_resource(m, n, name, alg, hex, dlen, what, i, err)))
			goto out;
		rc = GPAI_EFORMAT;
		cur = &m->res[m->n - 1];
		if (m->cfg.method == GPAI_OMS_SHARDS ? !parse_shard_name(cur)
						     : !gpai_oms_name_valid(name)) {
			gpai_error_set(err, rc, "'%s': resource %zu: name '%s' is not a valid %s",
				       what, i, name, m->cfg.method == GPAI_OMS_SHARDS
				       ? "PATH:START:END shard name" : "relative path");
			goto out;
		}
		i++;
	}
sorted:
	gpai_oms_sort_resources(m->res, m->n);
	for (i = 1; i < m->n; i++) {
		if (strcmp(m->res[i - 1].name, m->res[i].name) == 0) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': resource '%s' appears twice",
					    what, m->res[i].name);
			goto out;
		}
	}
	if ((rc = gpai_oms_root_digest(m->res, m->n, root, err)))
		goto out;
	if (*legacy) {
		memcpy(m->root, root, 32);
	} else if (memcmp(root, m->root, 32) != 0) {
		rc = gpai_error_set(err, GPAI_EFORMAT,
				    "'%s': subject digest does not match the root digest of the "
				    "resources", what);
		goto out;
	}
	rc = GPAI_OK;
out:
	cJSON_Delete(st);
	if (rc)
		gpai_manifest_release(m);
	return rc;
}
