/*
 * keys.c - EC keys, DSSE PAE, signing, and the Sigstore bundle v0.3 JSON
 * that model_signing writes for the key and certificate methods.
 *
 * Only ECDSA on P-256, P-384 and P-521 is accepted (the OMS algorithm
 * registry); the digest follows the curve: SHA-256, SHA-384, SHA-512.
 * publicKey.hint is the hex SHA-256 of the key's PEM SubjectPublicKeyInfo
 * text as OpenSSL writes it (model_signing 1.1).  keyid is never trusted.
 */
#include "signing.h"
#include "signing_private.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

/* Largest PEM file we read (keys, certificate chains). */
#define PEM_MAX (1u << 20)

static const struct {
	const char *cli, *group;
} curves[] = {
	{ "p256", "prime256v1" },
	{ "p384", "secp384r1" },
	{ "p521", "secp521r1" },
};

int gpai_ec_digest(EVP_PKEY *pk, const char *what, const EVP_MD **md,
		   struct gpai_error *err)
{
	char group[64];
	size_t glen = 0;

	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_EC)
		return gpai_error_set(err, GPAI_EUNSUPPORTED,
				      "%s is a %s key; OMS signatures use ECDSA P-256, P-384 "
				      "or P-521", what, EVP_PKEY_get0_type_name(pk) ? EVP_PKEY_get0_type_name(pk)
				      : "non-EC");
	if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group,
					    sizeof(group), &glen))
		return gpai_error_openssl(err, "%s: cannot read the EC curve", what);
	if (strcmp(group, "prime256v1") == 0)
		*md = EVP_sha256();
	else if (strcmp(group, "secp384r1") == 0)
		*md = EVP_sha384();
	else if (strcmp(group, "secp521r1") == 0)
		*md = EVP_sha512();
	else
		return gpai_error_set(err, GPAI_EUNSUPPORTED,
				      "%s uses curve %s; OMS signatures use P-256, P-384 or P-521",
				      what, group);
	return GPAI_OK;
}

/* A memory BIO over a copy of text. */
static BIO *mem_bio(const char *text, size_t len, struct gpai_error *err)
{
	BIO *b = BIO_new(BIO_s_mem());

	if (!b || len > INT_MAX || BIO_write(b, text, (int)len) != (int)len) {
		BIO_free(b);
		gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		return NULL;
	}
	/* BIO_reset() rewinds for a second parse instead of emptying it. */
	BIO_set_flags(b, BIO_FLAGS_NONCLEAR_RST);
	return b;
}

/* Reads a PEM file into a memory BIO. */
static BIO *pem_bio(const char *path, struct gpai_error *err)
{
	char *text;
	size_t len;
	BIO *b;

	if (gpai_read_file(path, PEM_MAX, &text, &len, err))
		return NULL;
	b = mem_bio(text, len, err);
	free(text);
	return b;
}

int gpai_load_private_key(const char *path, EVP_PKEY **out, struct gpai_error *err)
{
	BIO *b = pem_bio(path, err);

	if (!b)
		return err ? err->code : GPAI_EIO;
	*out = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"");
	BIO_free(b);
	if (!*out)
		return gpai_error_openssl(err, "'%s' is not a PEM private key (encrypted "
					  "keys are not supported)", path);
	return GPAI_OK;
}

static int bio_public_key(BIO *b, const char *what, EVP_PKEY **out,
			  struct gpai_error *err)
{
	X509 *x;

	*out = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	if (!*out) {
		/* A certificate will do: its public key. */
		(void)BIO_reset(b);
		ERR_clear_error();
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
		if (x) {
			*out = X509_get_pubkey(x);
			X509_free(x);
		}
	}
	if (!*out)
		return gpai_error_openssl(err, "'%s' is not a PEM public key or certificate", what);
	return GPAI_OK;
}

int gpai_load_public_key(const char *path, EVP_PKEY **out, struct gpai_error *err)
{
	BIO *b = pem_bio(path, err);
	int rc;

	if (!b)
		return err ? err->code : GPAI_EIO;
	rc = bio_public_key(b, path, out, err);
	BIO_free(b);
	return rc;
}

int gpai_pem_public_key(const char *what, const char *text, size_t len, EVP_PKEY **out,
			struct gpai_error *err)
{
	BIO *b = mem_bio(text, len, err);
	int rc;

	if (!b)
		return GPAI_ENOMEM;
	rc = bio_public_key(b, what, out, err);
	BIO_free(b);
	return rc;
}

int gpai_pubkey_hint(EVP_PKEY *pk, char out[65], struct gpai_error *err)
{
	BIO *b = BIO_new(BIO_s_mem());
	unsigned char md[32];
	char *data;
	long n;

	if (!b || !PEM_write_bio_PUBKEY(b, pk)) {
		BIO_free(b);
		return gpai_error_openssl(err, "cannot encode the public key");
	}
	n = BIO_get_mem_data(b, &data);
	if (n < 0 || !EVP_Digest(data, (size_t)n, md, NULL, EVP_sha256(), NULL)) {
		BIO_free(b);
		return gpai_error_openssl(err, "cannot hash the public key");
	}
	gpai_hex_encode(md, 32, out);
	BIO_free(b);
	return GPAI_OK;
}

int gpai_key_hint(const char *path, char out[65], struct gpai_error *err)
{
	EVP_PKEY *pk = NULL;
	int rc = gpai_load_public_key(path, &pk, err);

	if (rc == GPAI_OK)
		rc = gpai_pubkey_hint(pk, out, err);
	EVP_PKEY_free(pk);
	return rc;
}

static int write_pem(const char *path, EVP_PKEY *pk, int priv, struct gpai_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, priv ? 0600 : 0644);
	BIO *b;
	int ok;

	if (fd < 0)
		return gpai_error_errno(err, errno == EEXIST ? GPAI_EEXIST : GPAI_EIO, errno,
					"cannot create '%s'", path);
	b = BIO_new_fd(fd, BIO_CLOSE);
	if (!b) {
		close(fd);
		unlink(path);
		return gpai_error_openssl(err, "cannot write '%s'", path);
	}
	ok = priv ? PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL)
		  : PEM_write_bio_PUBKEY(b, pk);
	ok = ok && BIO_flush(b) == 1 && fsync(fd) == 0;
	BIO_free(b);
	if (!ok) {
		unlink(path);
		return gpai_error_openssl(err, "cannot write '%s'", path);
	}
	return GPAI_OK;
}

int gpai_key_generate(const char *curve, const char *priv_path,
		      const char *pub_path, struct gpai_error *err)
{
	const char *group = NULL;
	EVP_PKEY *pk;
	int rc;

	for (size_t i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
		if (strcmp(curve, curves[i].cli) == 0)
			group = curves[i].group;
	if (!group)
		return gpai_error_set(err, GPAI_EMISUSE,
				      "unknown curve '%s' (p256, p384 or p521)", curve);
	if (gpai_path_exists(pub_path))
		return gpai_error_set(err, GPAI_EEXIST, "'%s' already exists", pub_path);
	pk = EVP_EC_gen(group);
	if (!pk)
		return gpai_error_openssl(err, "cannot generate a %s key", curve);
	rc = write_pem(priv_path, pk, 1, err);
	if (rc == GPAI_OK) {
		rc = write_pem(pub_path, pk, 0, err);
		if (rc)
			unlink(priv_path);
	}
	EVP_PKEY_free(pk);
	return rc;
}

int gpai_dsse_pae(const char *type, const unsigned char *body, size_t n,
		  struct gpai_buf *out)
{
	if (gpai_buf_printf(out, "DSSEv1 %zu %s %zu ", strlen(type), type, n) ||
	    gpai_buf_append(out, body, n))
		return GPAI_ENOMEM;
	return GPAI_OK;
}

int gpai_dsse_pae_compat_v02(const char *type, const unsigned char *body, size_t n,
			     struct gpai_buf *out)
{
	/* Python's repr(bytes): single quotes unless the bytes contain a
	 * single quote and no double quote. */
	int sq = memchr(body, '\'', n) != NULL, dq = memchr(body, '"', n) != NULL;
	char q = sq && !dq ? '"' : '\'';
	int rc = gpai_buf_printf(out, "DSSEV1 %zu %s %zu b%c", strlen(type), type, n, q);

	for (size_t i = 0; rc == GPAI_OK && i < n; i++) {
		unsigned char c = body[i];

		if (c == '\\' || c == (unsigned char)q)
			rc = gpai_buf_printf(out, "\\%c", c);
		else if (c == '\n')
			rc = gpai_buf_puts(out, "\\n");
		else if (c == '\r')
			rc = gpai_buf_puts(out, "\\r");
		else if (c == '\t')
			rc = gpai_buf_puts(out, "\\t");
		else if (c < 0x20 || c >= 0x7f)
			rc = gpai_buf_printf(out, "\\x%02x", c);
		else
			rc = gpai_buf_append(out, &c, 1);
	}
	if (rc == GPAI_OK)
		rc = gpai_buf_append(out, &q, 1);
	return rc ? GPAI_ENOMEM : GPAI_OK;
}

static int bio_certs(BIO *b, const char *what, STACK_OF(X509) **out,
		     struct gpai_error *err)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	X509 *x;

	while (sk && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
		sk_X509_push(sk, x);
	ERR_clear_error();
	if (!sk)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	if (sk_X509_num(sk) == 0) {
		sk_X509_free(sk);
		return gpai_error_set(err, GPAI_EFORMAT, "'%s' has no PEM certificate", what);
	}
	*out = sk;
	return GPAI_OK;
}

/* Reads every certificate of a PEM file, in order. */
int gpai_load_certs(const char *path, STACK_OF(X509) **out, struct gpai_error *err)
{
	BIO *b = pem_bio(path, err);
	int rc;

	if (!b)
		return err ? err->code : GPAI_EIO;
	rc = bio_certs(b, path, out, err);
	BIO_free(b);
	return rc;
}

int gpai_pem_certs(const char *what, const char *text, size_t len, STACK_OF(X509) **out,
		   struct gpai_error *err)
{
	BIO *b = mem_bio(text, len, err);
	int rc;

	if (!b)
		return GPAI_ENOMEM;
	rc = bio_certs(b, what, out, err);
	BIO_free(b);
	return rc;
}

int gpai_pem_describe(const char *what, const char *text, size_t len, int *is_cert,
		      char fp[65], char *desc, size_t desc_len, struct gpai_error *err)
{
	BIO *b = mem_bio(text, len, err);
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	const EVP_MD *md;
	int rc;

	if (!b)
		return GPAI_ENOMEM;
	pk = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	if (!pk) {
		(void)BIO_reset(b);
		ERR_clear_error();
		x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	}
	ERR_clear_error();
	BIO_free(b);
	if (pk) {
		*is_cert = 0;
		rc = gpai_ec_digest(pk, what, &md, err);
		if (rc == GPAI_OK)
			rc = gpai_pubkey_hint(pk, fp, err);
		if (rc == GPAI_OK)
			snprintf(desc, desc_len, "ECDSA %s", EVP_MD_get0_name(md));
		EVP_PKEY_free(pk);
		return rc;
	}
	if (x) {
		unsigned char d[32];
		unsigned int dl = 0;

		*is_cert = 1;
		if (X509_digest(x, EVP_sha256(), d, &dl) != 1 || dl != 32) {
			X509_free(x);
			return gpai_error_openssl(err, "'%s': cannot hash the certificate", what);
		}
		gpai_hex_encode(d, 32, fp);
		X509_NAME_oneline(X509_get_subject_name(x), desc, (int)desc_len);
		X509_free(x);
		return GPAI_OK;
	}
	return gpai_error_set(err, GPAI_EFORMAT,
			      "'%s' is not a PEM public key or certificate", what);
}

static cJSON *cert_json(X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	char *b64;
	cJSON *o;

	if (n <= 0)
		return NULL;
	b64 = gpai_base64_encode(der, (size_t)n);
	OPENSSL_free(der);
	if (!b64)
		return NULL;
	o = cJSON_CreateObject();
	if (o && !cJSON_AddStringToObject(o, "rawBytes", b64)) {
		cJSON_Delete(o);
		o = NULL;
	}
	free(b64);
	return o;
}

int gpai_oms_sign(const struct gpai_manifest *m, const struct gpai_sign_options *o,
		  char **bundle_json, struct gpai_error *err)
{
	return gpai_oms_sign_ex(m, o, bundle_json, NULL, 0, err);
}

int gpai_oms_sign_ex(const struct gpai_manifest *m, const struct gpai_sign_options *o,
		     char **bundle_json, char *signer, size_t signer_len,
		     struct gpai_error *err)
{
	EVP_PKEY *pk = NULL;
	EVP_MD_CTX *mdctx = NULL;
	const EVP_MD *md;
	STACK_OF(X509) *leaf = NULL, *chain = NULL;
	cJSON *st = NULL, *b = NULL, *vm, *env, *sigs, *s0;
	struct gpai_buf pae;
	char *payload = NULL, *p64 = NULL, *s64 = NULL, hint[65];
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int rc, ok;

	gpai_buf_init(&pae);
	*bundle_json = NULL;
	if (m->n == 0)
		return gpai_error_set(err, GPAI_EMISUSE,
				      "the model has no files to sign (OMS v1.0 rejects empty models)");
	if ((rc = gpai_load_private_key(o->key_path, &pk, err)))
		return rc;
	if ((rc = gpai_ec_digest(pk, o->key_path, &md, err)))
		goto out;
	if (o->cert_path) {
		if ((rc = gpai_load_certs(o->cert_path, &leaf, err)))
			goto out;
		if (X509_check_private_key(sk_X509_value(leaf, 0), pk) != 1) {
			rc = gpai_error_set(err, GPAI_EMISUSE,
					    "certificate '%s' is not for key '%s'", o->cert_path,
					    o->key_path);
			goto out;
		}
		if (o->chain_path && (rc = gpai_load_certs(o->chain_path, &chain, err)))
			goto out;
		if (signer)
			X509_NAME_oneline(X509_get_subject_name(sk_X509_value(leaf, 0)), signer,
					  (int)signer_len);
	}

	rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	st = gpai_oms_statement(m);
	payload = st ? cJSON_PrintUnformatted(st) : NULL;
	if (!payload || gpai_dsse_pae(GPAI_DSSE_PAYLOAD_TYPE, (unsigned char *)payload,
				      strlen(payload), &pae))
		goto out;
	mdctx = EVP_MD_CTX_new();
	if (!mdctx || EVP_DigestSignInit(mdctx, NULL, md, NULL, pk) != 1 ||
	    EVP_DigestSign(mdctx, NULL, &siglen, (unsigned char *)pae.data, pae.len) != 1 ||
	    !(sig = malloc(siglen)) ||
	    EVP_DigestSign(mdctx, sig, &siglen, (unsigned char *)pae.data, pae.len) != 1) {
		rc = gpai_error_openssl(err, "cannot sign with '%s'", o->key_path);
		goto out;
	}
	p64 = gpai_base64_encode((unsigned char *)payload, strlen(payload));
	s64 = gpai_base64_encode(sig, siglen);
	if (!p64 || !s64)
		goto out;

	b = cJSON_CreateObject();
	ok = b && cJSON_AddStringToObject(b, "mediaType", GPAI_BUNDLE_MEDIA_TYPE);
	ok = ok && (vm = cJSON_AddObjectToObject(b, "verificationMaterial")) != NULL;
	if (ok && !leaf) {
		cJSON *pub = cJSON_AddObjectToObject(vm, "publicKey");

		if ((rc = gpai_pubkey_hint(pk, hint, err)))
			goto out;
		if (signer)
			gpai_strlcpy(signer, hint, signer_len);
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		ok = pub && cJSON_AddStringToObject(pub, "hint", hint);
	} else if (ok) {
		cJSON *ch = cJSON_AddObjectToObject(vm, "x509CertificateChain");
		cJSON *certs = ch ? cJSON_AddArrayToObject(ch, "certificates") : NULL;

		ok = certs != NULL;
		for (int i = 0; ok && i < sk_X509_num(leaf) + (chain ? sk_X509_num(chain) : 0); i++) {
			X509 *x = i < sk_X509_num(leaf) ? sk_X509_value(leaf, i)
				: sk_X509_value(chain, i - sk_X509_num(leaf));
			cJSON *c = cert_json(x);

			ok = c != NULL;
			if (ok)
				cJSON_AddItemToArray(certs, c);
		}
	}
	ok = ok && cJSON_AddArrayToObject(vm, "tlogEntries");
	ok = ok && (env = cJSON_AddObjectToObject(b, "dsseEnvelope")) != NULL;
	ok = ok && cJSON_AddStringToObject(env, "payload", p64);
	ok = ok && cJSON_AddStringToObject(env, "payloadType", GPAI_DSSE_PAYLOAD_TYPE);
	ok = ok && (sigs = cJSON_AddArrayToObject(env, "signatures")) != NULL;
	ok = ok && (s0 = cJSON_CreateObject()) != NULL;
	if (ok)
		cJSON_AddItemToArray(sigs, s0);
	ok = ok && cJSON_AddStringToObject(s0, "sig", s64);
	ok = ok && cJSON_AddStringToObject(s0, "keyid", "");
	if (!ok)
		goto out;
	*bundle_json = cJSON_Print(b);
	if (!*bundle_json)
		goto out;
	rc = GPAI_OK;
out:
	if (rc == GPAI_OK)
		gpai_error_init(err);
	cJSON_Delete(b);
	cJSON_Delete(st);
	free(payload);
	free(p64);
	free(s64);
	free(sig);
	gpai_buf_release(&pae);
	EVP_MD_CTX_free(mdctx);
	EVP_PKEY_free(pk);
	sk_X509_pop_free(leaf, X509_free);
	sk_X509_pop_free(chain, X509_free);
	return rc;
}
