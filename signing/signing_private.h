/*
 * signing_private.h - OpenSSL helpers shared by signing/ files only.
 */
#ifndef GPAI_SIGNING_PRIVATE_H
#define GPAI_SIGNING_PRIVATE_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "signing.h"

/* The ECDSA digest for an EC key's curve (P-256: SHA-256, P-384:
 * SHA-384, P-521: SHA-512); GPAI_EUNSUPPORTED for other keys, naming
 * `what`. */
int gpai_ec_digest(EVP_PKEY *pk, const char *what, const EVP_MD **md,
		   struct gpai_error *err);
/* PEM loaders; *out is the caller's. */
int gpai_load_private_key(const char *path, EVP_PKEY **out, struct gpai_error *err);
int gpai_load_public_key(const char *path, EVP_PKEY **out, struct gpai_error *err);
int gpai_load_certs(const char *path, STACK_OF(X509) **out, struct gpai_error *err);
/* The same from PEM text; `what` names it in messages. */
int gpai_pem_public_key(const char *what, const char *text, size_t len, EVP_PKEY **out,
			struct gpai_error *err);
int gpai_pem_certs(const char *what, const char *text, size_t len, STACK_OF(X509) **out,
		   struct gpai_error *err);
/* Hex SHA-256 of the PEM SubjectPublicKeyInfo text of pk. */
int gpai_pubkey_hint(EVP_PKEY *pk, char out[65], struct gpai_error *err);

#endif
