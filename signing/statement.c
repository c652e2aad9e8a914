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

#include <stdlib.h>

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
