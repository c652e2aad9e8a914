/*
 * ocidossier.c - the dossier bundle that travels with a model through an
 * OCI registry (ocidossier.h, docs/oci.md).
 *
 * Push side: the newest "bundle" entry of the dossier history whose file
 * still has the recorded SHA-256 (the history keeps the path the bundle was
 * written to and its digest).  Pull side: the bundle is kept content
 * addressed under REGISTRY/dossier-bundles/ and recorded in the history of
 * the pulled version; with --verify it must first pass
 * gpai_dossier_bundle_verify, the check behind `gpai verify BUNDLE`.
 * Only the public registry and dossier APIs are used.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include "ocidossier.h"
#include "dossier.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>
#include <openssl/sha.h>

/* Largest bundle read for a push (gpai dossier writes far smaller ones). */
#define BUNDLE_READ_MAX ((size_t)256 << 20)
/* Largest dossier.json taken from a pulled bundle into the history. */
#define DOC_MAX (64u << 20)

void ocidossier_bundle_release(struct ocidossier_bundle *b)
{
	if (!b)
		return;
	free(b->data);
	free(b->path);
	free(b->generated_at);
	free(b->audience);
	memset(b, 0, sizeof(*b));
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)data, len, md);
	gpai_hex_encode(md, sizeof(md), out);
}

int ocidossier_latest(struct gpai_registry *reg, const char *ref, struct ocidossier_bundle *b,
		      int *found, struct gpai_error *err)
{
	struct gpai_version v;
	cJSON *list = NULL;
	int rc;

	*found = 0;
	if ((rc = gpai_registry_lookup(reg, ref, &v, err)))
		return rc;
	if ((rc = gpai_dossier_history_list(reg, v.name, v.version, &list, err))) {
		gpai_error_prefix(err, "cannot read the dossiers of '%s@%s'", v.name, v.version);
		goto out;
	}
	for (int i = cJSON_GetArraySize(list) - 1; i >= 0 && !*found; i--) {
		const cJSON *e = cJSON_GetArrayItem(list, i);
		const char *fmt = gpai_json_str(e, "format"), *p = gpai_json_str(e, "out");
		const char *sha = gpai_json_str(e, "sha256");
		const cJSON *num = cJSON_GetObjectItemCaseSensitive(e, "number");
		struct gpai_error e2;
		char *data = NULL, hex[65];
		size_t len = 0;

		if (!fmt || strcmp(fmt, "bundle") != 0 || !p || !sha || !cJSON_IsNumber(num))
			continue;
		gpai_error_init(&e2);
		if (gpai_read_file(p, BUNDLE_READ_MAX, &data, &len, &e2))
			continue; /* moved or removed since */
		sha256_hex(data, len, hex);
		if (strcmp(hex, sha) != 0) {
			free(data); /* changed since it was generated */
			continue;
		}
		memset(b, 0, sizeof(*b));
		b->data = data;
		b->len = len;
		b->number = num->valueint;
		b->path = gpai_strdup(p);
		b->generated_at = gpai_strdup(gpai_json_str(e, "generated_at") ?
					      gpai_json_str(e, "generated_at") : "");
		b->audience = gpai_strdup(gpai_json_str(e, "audience") ?
					  gpai_json_str(e, "audience") : "");
		if (!b->path || !b->generated_at || !b->audience) {
			ocidossier_bundle_release(b);
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			goto out;
		}
		*found = 1;
	}
out:
	cJSON_Delete(list);
	gpai_version_release(&v);
	return rc;
}

int ocidossier_pull_hook(void *ctx, struct gpai_registry *reg, const struct gpai_version *v,
			 const char *bundle, size_t len, struct gpai_error *err)
{
	struct ocidossier_pull *p = ctx;
	char hex[65], root[80], *regdir, *dir = NULL, *path = NULL, *json = NULL;
	struct gpai_bundle_trust trust;
	struct gpai_bundle_check chk;
	cJSON *doc = NULL;
	size_t jlen = 0;
	int rc, number = 0;

	sha256_hex(bundle, len, hex);
	/* absolute, as the history records the paths of generated bundles */
	if (!(regdir = realpath(gpai_registry_dir(reg), NULL)))
		return gpai_error_errno(err, GPAI_EIO, errno, "cannot resolve '%s'",
					gpai_registry_dir(reg));
	dir = gpai_path_join(regdir, OCIDOSSIER_DIR);
	path = dir ? gpai_asprintf("%s/sha256-%s.tar.gz", dir, hex) : NULL;
	if (!dir || !path) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = gpai_mkdir_p(dir, 0755, err)) ||
	    (rc = gpai_write_file_atomic(path, bundle, len, 0644, err)))
		goto out;
	if (p->verify) {
		memset(&trust, 0, sizeof(trust));
		trust.key_path = p->key_path;
		trust.key_pems = p->key_pems;
		trust.n_key_pems = p->n_key_pems;
		snprintf(root, sizeof(root), "sha256:%s", v->root_digest);
		if ((rc = gpai_dossier_bundle_verify(path, &trust, root, &chk, err))) {
			gpai_error_prefix(err, "dossier bundle referrer of '%s' does not verify: "
					  "refused", p->uri);
			unlink(path);
			goto out;
		}
		p->verified = 1;
		gpai_strlcpy(p->signer, chk.signer, sizeof(p->signer));
	}
	rc = gpai_dossier_bundle_read(path, "dossier.json", &json, &jlen, err);
	if (rc == GPAI_OK && !(doc = cJSON_ParseWithLength(json, jlen)))
		rc = gpai_error_set(err, GPAI_EFORMAT, "dossier bundle referrer of '%s': "
				    "dossier.json is not JSON", p->uri);
	if (rc) {
		unlink(path);
		goto out;
	}
	if ((rc = gpai_dossier_history_reserve(reg, v->name, v->version, &number, err)) ||
	    (rc = gpai_dossier_history_store(reg, v->name, v->version, number, doc, "bundle",
					     path, hex, err))) {
		gpai_error_prefix(err, "cannot keep the dossier bundle of '%s@%s'", v->name,
				  v->version);
		goto out;
	}
	p->kept = 1;
	p->number = number;
	gpai_strlcpy(p->path, path, sizeof(p->path));
out:
	cJSON_Delete(doc);
	free(json);
	free(regdir);
	free(dir);
	free(path);
	return rc;
}
