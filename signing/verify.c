/*
 * verify.c - checking an OMS bundle and comparing manifests.
 *
 * Order (OMS v1.0 section 8, model_signing's verifying.py): parse the
 * bundle; check mediaType, payloadType, the form of the statement and the
 * verification material; check
 * the DSSE signature over PAE(payloadType, payload) with the trusted key, or
 * with the leaf certificate after verifying its chain against the trusted
 * CA (the statement parse recomputed the root digest); then the
 * caller re-hashes the model with the recorded serialization and compares
 * the full set of names and digests.  Nothing in the bundle is trusted
 * before the signature checks out: keyid and publicKey.hint are ignored.
 * Bundles of model_signing 0.2 signed a malformed PAE; that message is
 * accepted only for their v0.1 predicate (compat path, see
 * gpai_dsse_pae_compat_v02).
 */
#include "signing.h"
#include "signing_private.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

/* Largest bundle we read. */
#define BUNDLE_MAX (64u << 20)

static const char *const media_types[] = {
	GPAI_BUNDLE_MEDIA_TYPE,
	"application/vnd.dev.sigstore.bundle+json;version=0.3",
	"application/vnd.dev.sigstore.bundle+json;version=0.2",
	"application/vnd.dev.sigstore.bundle+json;version=0.1",
};

void gpai_verify_report_init(struct gpai_verify_report *r)
{
	memset(r, 0, sizeof(*r));
	gpai_manifest_init(&r->signed_m);
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void gpai_verify_report_release(struct gpai_verify_report *r)
{
	if (!r)
		return;
	gpai_manifest_release(&r->signed_m);
	free_list(r->missing, r->n_missing);
	free_list(r->extra, r->n_extra);
	free_list(r->changed, r->n_changed);
	gpai_verify_report_init(r);
}

/* Verifies a DER ECDSA signature over msg with pk. 1 if valid. */
static int ecdsa_ok(EVP_PKEY *pk, const EVP_MD *md, const unsigned char *sig, size_t siglen,
		    const void *msg, size_t n)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestVerifyInit(c, NULL, md, NULL, pk) == 1 &&
		 EVP_DigestVerify(c, sig, siglen, msg, n) == 1;

	EVP_MD_CTX_free(c);
	ERR_clear_error();
	return ok;
}

/* Checks the leaf's key usage: digitalSignature, or extended key usage
 * codeSigning (model_signing's certificate verifier rule). */
static int usage_ok(X509 *leaf)
{
	uint32_t flags = X509_get_extension_flags(leaf);

	if ((flags & EXFLAG_KUSAGE) && (X509_get_key_usage(leaf) & KU_DIGITAL_SIGNATURE))
		return 1;
	if ((flags & EXFLAG_XKUSAGE) && (X509_get_extended_key_usage(leaf) & XKU_CODE_SIGN))
		return 1;
	return 0;
}

/* Decodes certificates[] of an x509CertificateChain, verifies the chain to
 * the CA file and returns the leaf's key.  subject gets the leaf subject. */
static int check_chain(const char *what, const cJSON *certs,
		       const struct gpai_verify_options *o,
		       EVP_PKEY **key, char *subject, size_t subject_len,
		       struct gpai_error *err)
{
	const char *ca_path = o->ca_path ? o->ca_path : "the trusted CA certificates";
	STACK_OF(X509) *chain = sk_X509_new_null(), *cas = NULL;
	X509_STORE *store = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509 *leaf = NULL;
	const cJSON *c;
	int rc = GPAI_OK, i = 0;

	if (!chain)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	cJSON_ArrayForEach(c, certs) {
		const char *b64 = gpai_json_str(c, "rawBytes");
		unsigned char *der;
		const unsigned char *p;
		size_t n = 0;
		X509 *x;

		der = b64 ? gpai_base64_decode(b64, strlen(b64), &n) : NULL;
		p = der;
		x = der ? d2i_X509(NULL, &p, (long)n) : NULL;
		free(der);
		if (!x) {
			rc = gpai_error_set(err, GPAI_EFORMAT,
					    "'%s': certificate %d is not base64 DER X.509", what, i);
			goto out;
		}
		sk_X509_push(chain, x);
		i++;
	}
	if (i == 0) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': the certificate chain is empty", what);
		goto out;
	}
	leaf = sk_X509_value(chain, 0);
	X509_NAME_oneline(X509_get_subject_name(leaf), subject, (int)subject_len);
	if (!o->ca_path && o->n_ca_pems == 0) {
		rc = gpai_error_set(err, GPAI_EMISUSE,
				    "'%s' is signed with a certificate; give the trusted CA "
				    "with --ca", what);
		goto out;
	}
	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	if (!store || !ctx) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t src = 0; src < o->n_ca_pems + 1; src++) {
		if (src == 0 && !o->ca_path)
			continue;
		rc = src == 0 ? gpai_load_certs(o->ca_path, &cas, err)
			: gpai_pem_certs("trusted CA certificate", o->ca_pems[src - 1],
					 strlen(o->ca_pems[src - 1]), &cas, err);
		if (rc)
			goto out;
		for (int k = 0; k < sk_X509_num(cas); k++)
			X509_STORE_add_cert(store, sk_X509_value(cas, k));
		sk_X509_pop_free(cas, X509_free);
		cas = NULL;
	}
	if (X509_STORE_CTX_init(ctx, store, leaf, chain) != 1) {
		rc = gpai_error_openssl(err, "cannot set up certificate verification");
		goto out;
	}
	if (X509_verify_cert(ctx) != 1) {
		int e = X509_STORE_CTX_get_error(ctx);

		rc = gpai_error_set(err, GPAI_EVERIFY,
				    "'%s': certificate '%s' is not trusted by '%s': %s", what,
				    subject, ca_path, X509_verify_cert_error_string(e));
		ERR_clear_error();
		goto out;
	}
	if (!usage_ok(leaf)) {
		rc = gpai_error_set(err, GPAI_EVERIFY,
				    "'%s': certificate '%s' is not for signing (needs key usage "
				    "digitalSignature or extended key usage codeSigning)", what,
				    subject);
		goto out;
	}
	*key = X509_get_pubkey(leaf);
	if (!*key)
		rc = gpai_error_openssl(err, "'%s': cannot read the certificate's key", what);
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_pop_free(chain, X509_free);
	sk_X509_pop_free(cas, X509_free);
	return rc;
}

/* Checks sig over PAE(type, payload) with key: 1 verified (*compat set
 * when only the model_signing 0.2 form verified, tried for legacy
 * statements), 0 not, or a negative code (not an OMS key, no memory). */
static int sig_ok(EVP_PKEY *key, const char *what, const char *type,
		  const unsigned char *payload, size_t plen, const unsigned char *sig,
		  size_t slen, int legacy, int *compat, struct gpai_error *err)
{
	struct gpai_buf pae;
	const EVP_MD *md;
	int rc, ok;

	*compat = 0;
	if ((rc = gpai_ec_digest(key, what, &md, err)))
		return rc;
	gpai_buf_init(&pae);
	if (gpai_dsse_pae(type, payload, plen, &pae))
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	ok = ecdsa_ok(key, md, sig, slen, pae.data, pae.len);
	if (!ok && legacy) {
		gpai_buf_release(&pae);
		if (gpai_dsse_pae_compat_v02(type, payload, plen, &pae))
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		ok = *compat = ecdsa_ok(key, EVP_sha256(), sig, slen, pae.data, pae.len);
	}
	gpai_buf_release(&pae);
	return ok;
}

int gpai_oms_verify_bundle(const char *path, const struct gpai_verify_options *o,
			   struct gpai_verify_report *r, struct gpai_error *err)
{
	char *text;
	size_t len;
	int rc;

	if ((rc = gpai_read_file(path, BUNDLE_MAX, &text, &len, err)))
		return rc;
	rc = gpai_oms_verify_bundle_text(path, text, len, o, r, err);
	free(text);
	return rc;
}

int gpai_oms_verify_bundle_text(const char *path, const char *text, size_t len,
				const struct gpai_verify_options *o,
				struct gpai_verify_report *r, struct gpai_error *err)
{
	cJSON *b = NULL;
	const cJSON *vm, *env, *sigs, *s0, *pub, *chain, *cert, *tlog;
	const char *mt, *pt, *p64, *s64;
	unsigned char *payload = NULL, *sig = NULL;
	size_t plen = 0, slen = 0;
	EVP_PKEY *key = NULL;
	int rc, known = 0;

	gpai_verify_report_release(r);
	if (!gpai_utf8_valid(text, len))
		return gpai_error_set(err, GPAI_EFORMAT, "'%s' is not valid UTF-8", path);
	if ((rc = gpai_json_parse(path, text, len, &b, err)))
		return rc;
	rc = GPAI_EFORMAT;
	if (!cJSON_IsObject(b)) {
		gpai_error_set(err, rc, "'%s' is not a JSON object", path);
		goto out;
	}
	mt = gpai_json_str(b, "mediaType");
	for (size_t i = 0; mt && i < sizeof(media_types) / sizeof(media_types[0]); i++)
		known |= strcmp(mt, media_types[i]) == 0;
	if (!known) {
		gpai_error_set(err, rc, "'%s': mediaType is '%s', expected '%s'", path,
			       mt ? mt : "(missing)", GPAI_BUNDLE_MEDIA_TYPE);
		goto out;
	}
	vm = cJSON_GetObjectItemCaseSensitive(b, "verificationMaterial");
	if (!cJSON_IsObject(vm)) {
		gpai_error_set(err, rc, "'%s' has no verificationMaterial", path);
		goto out;
	}
	env = cJSON_GetObjectItemCaseSensitive(b, "dsseEnvelope");
	if (!cJSON_IsObject(env)) {
		gpai_error_set(err, rc, "'%s' has no dsseEnvelope%s", path,
			       cJSON_GetObjectItemCaseSensitive(b, "messageSignature")
			       ? " (it carries a messageSignature; OMS uses DSSE)" : "");
		goto out;
	}
	pt = gpai_json_str(env, "payloadType");
	if (!pt || strcmp(pt, GPAI_DSSE_PAYLOAD_TYPE) != 0) {
		gpai_error_set(err, rc, "'%s': payloadType is '%s', expected '%s'", path,
			       pt ? pt : "(missing)", GPAI_DSSE_PAYLOAD_TYPE);
		goto out;
	}
	p64 = gpai_json_str(env, "payload");
	payload = p64 && *p64 ? gpai_base64_decode(p64, strlen(p64), &plen) : NULL;
	if (!payload || plen == 0) {
		gpai_error_set(err, rc, "'%s': dsseEnvelope.payload is missing or not base64", path);
		goto out;
	}
	sigs = cJSON_GetObjectItemCaseSensitive(env, "signatures");
	if (!cJSON_IsArray(sigs) || cJSON_GetArraySize(sigs) != 1) {
		gpai_error_set(err, rc, "'%s': dsseEnvelope.signatures must hold exactly one "
			       "signature (it has %d)", path,
			       cJSON_IsArray(sigs) ? cJSON_GetArraySize(sigs) : 0);
		goto out;
	}
	s0 = cJSON_GetArrayItem(sigs, 0);
	s64 = gpai_json_str(s0, "sig");
	sig = s64 && *s64 ? gpai_base64_decode(s64, strlen(s64), &slen) : NULL;
	if (!sig || slen == 0) {
		gpai_error_set(err, rc, "'%s': the DSSE signature is missing or not base64", path);
		goto out;
	}

	/* The statement is checked for form first (a malformed or foreign
	 * statement is named as such); nothing in it is trusted until the
	 * signature over the exact payload bytes verifies below. */
	if ((rc = gpai_oms_statement_parse(path, (char *)payload, plen, &r->signed_m,
					   &r->legacy, err)))
		goto out;
	rc = GPAI_EFORMAT;

	pub = cJSON_GetObjectItemCaseSensitive(vm, "publicKey");
	chain = cJSON_GetObjectItemCaseSensitive(vm, "x509CertificateChain");
	cert = cJSON_GetObjectItemCaseSensitive(vm, "certificate");
	tlog = cJSON_GetObjectItemCaseSensitive(vm, "tlogEntries");
	if (!!pub + !!chain + !!cert != 1) {
		gpai_error_set(err, rc, "'%s': verificationMaterial must hold exactly one of "
			       "publicKey, x509CertificateChain and certificate", path);
		goto out;
	}
	if (cert) {
		r->material = GPAI_MATERIAL_KEYLESS;
		if (!gpai_json_str(cert, "rawBytes")) {
			gpai_error_set(err, rc, "'%s': certificate.rawBytes is missing", path);
			goto out;
		}
		if (!cJSON_IsArray(tlog) || cJSON_GetArraySize(tlog) == 0) {
			gpai_error_set(err, rc, "'%s': keyless Sigstore bundle has no transparency "
				       "log entries (tlogEntries)", path);
			goto out;
		}
		rc = gpai_error_set(err, GPAI_EUNSUPPORTED,
				    "'%s' is a keyless Sigstore bundle: verifying it needs a "
				    "Sigstore trust root (Fulcio CA, Rekor and timestamp keys), "
				    "which gpai does not have; use model_signing, or sign with "
				    "a key or certificate", path);
		goto out;
	}
	if (pub) {
		size_t n_keys = (o->key_path ? 1 : 0) + o->n_key_pems;
		int compat = 0, ok = 0;

		r->material = GPAI_MATERIAL_KEY;
		if (n_keys == 0) {
			rc = gpai_error_set(err, GPAI_EMISUSE,
					    "'%s' is signed with a key; give the public key with --key",
					    path);
			goto out;
		}
		/* Every trusted key is tried; hint and keyid are not used. */
		for (size_t k = 0; !ok && k < n_keys; k++) {
			int from_file = o->key_path && k == 0;
			size_t pi = k - (o->key_path ? 1 : 0);

			rc = from_file ? gpai_load_public_key(o->key_path, &key, err)
				: gpai_pem_public_key("trusted key", o->key_pems[pi],
						      strlen(o->key_pems[pi]), &key, err);
			if (rc)
				goto out;
			ok = sig_ok(key, from_file ? o->key_path : "trusted key", pt, payload, plen,
				    sig, slen, r->legacy, &compat, err);
			if (ok < 0 && from_file) {
				rc = ok;
				goto out;
			}
			if (ok > 0)
				rc = gpai_pubkey_hint(key, r->signer, err);
			else
				ok = 0;
			EVP_PKEY_free(key);
			key = NULL;
			if (rc)
				goto out;
		}
		if (!ok) {
			if (n_keys == 1 && o->key_path)
				rc = gpai_error_set(err, GPAI_EVERIFY,
						    "'%s': the signature does not verify with %s",
						    path, o->key_path);
			else
				rc = gpai_error_set(err, GPAI_EVERIFY,
						    "'%s': the signature does not verify with any of "
						    "the %zu trusted keys", path, n_keys);
			goto out;
		}
		r->compat_pae = compat;
	} else {
		int compat = 0, ok;

		r->material = GPAI_MATERIAL_CERT_CHAIN;
		rc = check_chain(path, cJSON_GetObjectItemCaseSensitive(chain, "certificates"),
				 o, &key, r->signer, sizeof(r->signer), err);
		if (rc)
			goto out;
		ok = sig_ok(key, "the signing certificate's key", pt, payload, plen, sig, slen,
			    r->legacy, &compat, err);
		if (ok < 0) {
			rc = ok;
			goto out;
		}
		if (!ok) {
			rc = gpai_error_set(err, GPAI_EVERIFY,
					    "'%s': the signature does not verify with the "
					    "certificate's key", path);
			goto out;
		}
		r->compat_pae = compat;
	}
	rc = GPAI_OK;
out:
	if (rc)
		gpai_manifest_release(&r->signed_m);
	cJSON_Delete(b);
	free(payload);
	free(sig);
	EVP_PKEY_free(key);
	return rc;
}

static int push(char ***v, size_t *n, const char *s)
{
	char **p = realloc(*v, (*n + 1) * sizeof(**v));

	if (!p)
		return GPAI_ENOMEM;
	*v = p;
	if (!(p[*n] = gpai_strdup(s)))
		return GPAI_ENOMEM;
	(*n)++;
	return GPAI_OK;
}

/* Resource name for comparing: a single-file model is named "." by
 * model_signing and by its basename in the OMS spec; fold both to ".". */
static const char *fold_name(const struct gpai_manifest *m, const char *name,
			     char *buf, size_t len)
{
	size_t sl;

	if (!m->single_file || !m->subject)
		return name;
	sl = strlen(m->subject);
	if (strncmp(name, m->subject, sl) == 0 && (name[sl] == '\0' || name[sl] == ':')) {
		snprintf(buf, len, ".%s", name + sl);
		return buf;
	}
	return name;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gpai_resource *)a)->name,
		      ((const struct gpai_resource *)b)->name);
}

int gpai_oms_compare(struct gpai_verify_report *r, const struct gpai_manifest *actual,
		     int ignore_unsigned, struct gpai_error *err)
{
	struct gpai_manifest *s = &r->signed_m;
	struct gpai_resource *a = NULL, *b = NULL;
	size_t i = 0, j = 0;
	int rc = GPAI_OK;

	/* Copy with folded names, sorted by byte order for a merge. */
	a = calloc(s->n + 1, sizeof(*a));
	b = calloc(actual->n + 1, sizeof(*b));
	if (!a || !b) {
		rc = GPAI_ENOMEM;
		goto out;
	}
	for (size_t k = 0; k < s->n; k++) {
		char buf[4096];
		struct gpai_manifest tmp = *s;

		tmp.single_file = actual->single_file;
		tmp.subject = actual->subject;
		a[k] = s->res[k];
		a[k].name = gpai_strdup(fold_name(&tmp, s->res[k].name, buf, sizeof(buf)));
		if (!a[k].name) {
			rc = GPAI_ENOMEM;
			goto out;
		}
	}
	for (size_t k = 0; k < actual->n; k++) {
		b[k] = actual->res[k];
		if (!(b[k].name = gpai_strdup(actual->res[k].name))) {
			rc = GPAI_ENOMEM;
			goto out;
		}
	}
	qsort(a, s->n, sizeof(*a), name_cmp);
	qsort(b, actual->n, sizeof(*b), name_cmp);
	while (rc == GPAI_OK && (i < s->n || j < actual->n)) {
		int c = i >= s->n ? 1 : j >= actual->n ? -1 : strcmp(a[i].name, b[j].name);

		if (c < 0) {
			rc = push(&r->missing, &r->n_missing, a[i++].name);
		} else if (c > 0) {
			if (!ignore_unsigned)
				rc = push(&r->extra, &r->n_extra, b[j].name);
			j++;
		} else {
			if (a[i].digest_len != b[j].digest_len ||
			    memcmp(a[i].digest, b[j].digest, a[i].digest_len) != 0)
				rc = push(&r->changed, &r->n_changed, a[i].name);
			r->n_checked++;
			i++;
			j++;
		}
	}
out:
	for (size_t k = 0; a && k < s->n; k++)
		free(a[k].name);
	for (size_t k = 0; b && k < actual->n; k++)
		free(b[k].name);
	free(a);
	free(b);
	if (rc)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	if (r->n_missing || r->n_extra || r->n_changed)
		return gpai_error_set(err, GPAI_EVERIFY,
				      "the model does not match its signature: %zu changed, "
				      "%zu missing, %zu extra", r->n_changed, r->n_missing,
				      r->n_extra);
	return GPAI_OK;
}

static int cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The path part of a resource name (without ":start:end" for shards). */
static char *path_part(const struct gpai_resource *res)
{
	char *s = gpai_strdup(res->name), *c;

	if (s && res->sharded)
		for (int k = 0; k < 2 && (c = strrchr(s, ':')) != NULL; k++)
			*c = '\0';
	return s;
}

int gpai_oms_verify(const char *model_path, const char *bundle_path,
		    const struct gpai_verify_options *o, struct gpai_verify_report *r,
		    struct gpai_error *err)
{
	char *text;
	size_t len;
	int rc;

	if ((rc = gpai_read_file(bundle_path, BUNDLE_MAX, &text, &len, err)))
		return rc;
	rc = gpai_oms_verify_text(model_path, NULL, 0, NULL, bundle_path, text, len, o, r, err);
	free(text);
	return rc;
}

int gpai_oms_verify_text(const char *model_path, const struct gpai_oms_file *files,
			 size_t n_files, const char *subject, const char *what,
			 const char *bundle, size_t len, const struct gpai_verify_options *o,
			 struct gpai_verify_report *r, struct gpai_error *err)
{
	struct gpai_hash_options h = o->hash;
	struct gpai_manifest actual;
	const char **ign = NULL, **only = NULL;
	size_t n_only = 0;
	int rc;

	gpai_manifest_init(&actual);
	if ((rc = gpai_oms_verify_bundle_text(what, bundle, len, o, r, err)))
		return rc;
	/* The recorded serialization decides how to hash. */
	h.method = r->signed_m.cfg.method;
	h.hash = r->signed_m.cfg.hash;
	h.shard_size = r->signed_m.cfg.shard_size;
	h.allow_symlinks = r->signed_m.cfg.allow_symlinks;
	h.spec_names = 0;
	/* Recorded ignore paths are re-applied, with the caller's. */
	ign = calloc(h.n_ignore + r->signed_m.cfg.n_ignore + 1, sizeof(*ign));
	only = calloc(r->signed_m.n + 1, sizeof(*only));
	if (!ign || !only) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < h.n_ignore; i++)
		ign[i] = h.ignore[i];
	for (size_t i = 0; i < r->signed_m.cfg.n_ignore; i++)
		ign[h.n_ignore + i] = r->signed_m.cfg.ignore_paths[i];
	h.ignore = ign;
	h.n_ignore += r->signed_m.cfg.n_ignore;
	if (o->ignore_unsigned) {
		for (size_t i = 0; i < r->signed_m.n; i++) {
			char *p = path_part(&r->signed_m.res[i]);

			if (!p) {
				rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
				goto out;
			}
			only[n_only++] = p;
		}
		/* Sorted and without duplicates (shards of one file). */
		qsort(only, n_only, sizeof(*only), cmp_cstr);
		for (size_t i = 1, k = 1; i <= n_only; i++) {
			if (i == n_only) {
				n_only = k;
				break;
			}
			if (strcmp(only[i], only[k - 1]) == 0)
				free((char *)only[i]);
			else
				only[k++] = only[i];
		}
		h.only = only;
		h.n_only = n_only;
	}
	rc = model_path ? gpai_oms_hash_model(model_path, &h, &actual, err)
			: gpai_oms_hash_files(subject ? subject : "", files, n_files, &h, &actual, err);
	if (rc)
		goto out;
	rc = gpai_oms_compare(r, &actual, o->ignore_unsigned, err);
out:
	for (size_t i = 0; i < n_only; i++)
		free((char *)only[i]);
	free(only);
	free(ign);
	gpai_manifest_release(&actual);
	return rc;
}
