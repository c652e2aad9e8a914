/*
 * signing.h - OpenSSF Model Signing (OMS) v1.0: manifests and root digests.
 *
 * A manifest is a list of resources (one per file for the `files`
 * serialization, one per byte range for `shards`), each with a digest.  The
 * root digest is SHA-256 over the raw resource digests concatenated in sorted
 * order; names are not hashed (the signature covers them).  Sorting follows
 * model_signing 1.x: paths compare component by component (PurePosixPath),
 * shard ranges by (path, start, end) numerically.  See docs/signing.md and
 * ../shared/notes/signing.md section 1.2-1.3.
 */
#ifndef GPAI_SIGNING_H
#define GPAI_SIGNING_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

#define GPAI_DIGEST_MAX 64 /* BLAKE2b-512 */

/* One manifest entry.  name is the POSIX relative path ("." for a
 * single-file model as model_signing writes it); for shards, start/end is
 * the byte range [start, end). */
struct gpai_resource {
	char *name;            /* owned by the array's owner */
	uint64_t start, end;   /* shards only */
	int sharded;           /* 1 for a `shards` entry */
	char algorithm[48];    /* "sha256", "blake2b", "sha256-sharded-N" */
	unsigned char digest[GPAI_DIGEST_MAX];
	unsigned digest_len;   /* bytes */
};

/* Compares two relative POSIX paths component by component (model_signing
 * order): "a/b" sorts before "a.txt".  Returns <0, 0, >0. */
int gpai_oms_path_cmp(const char *a, const char *b);

/* Sorts resources into manifest order (path components, then numeric
 * start and end). */
void gpai_oms_sort_resources(struct gpai_resource *res, size_t n);

/* SHA-256 over the raw digests of res[0..n) in the order given (sort
 * first).  out receives 32 bytes.  Returns GPAI_OK or GPAI_ECRYPTO. */
int gpai_oms_root_digest(const struct gpai_resource *res, size_t n,
			 unsigned char out[32], struct gpai_error *err);

/* ---- serialization and hashing ---------------------------------------- */

enum gpai_oms_method { GPAI_OMS_FILES = 0, GPAI_OMS_SHARDS = 1 };
enum gpai_oms_hash { GPAI_OMS_SHA256 = 0, GPAI_OMS_BLAKE2B = 1 };

/* model_signing's default shard size: 10^9 bytes (decimal GB), chosen by
 * its benchmark (sigstore/model-transparency commit 4a610f7). */
#define GPAI_OMS_DEFAULT_SHARD_SIZE 1000000000ULL
/* Default name of the detached signature in the model directory. */
#define GPAI_OMS_SIGNATURE_NAME "model.sig"

/* The predicate's "serialization" section. */
struct gpai_oms_config {
	enum gpai_oms_method method;
	enum gpai_oms_hash hash;
	uint64_t shard_size;   /* bytes; shards only */
	int allow_symlinks;
	char **ignore_paths;   /* recorded, relative POSIX paths (owned) */
	size_t n_ignore;
};

/* A whole manifest: configuration, resources (sorted), root digest and the
 * subject name (basename of the model).  _init/_release pair. */
struct gpai_manifest {
	struct gpai_oms_config cfg;
	struct gpai_resource *res; /* owned, n entries, manifest order */
	size_t n;
	unsigned char root[32];    /* SHA-256, see gpai_oms_root_digest */
	char *subject;             /* owned */
	int single_file;           /* the model is one file, not a directory */
};
void gpai_manifest_init(struct gpai_manifest *m);
void gpai_manifest_release(struct gpai_manifest *m);

/* How to hash a model (gpai_oms_hash_model). Zero-initialise, then set. */
struct gpai_hash_options {
	enum gpai_oms_method method;
	enum gpai_oms_hash hash;
	uint64_t shard_size;        /* 0: GPAI_OMS_DEFAULT_SHARD_SIZE */
	int allow_symlinks;         /* follow symlinks to regular files */
	const char *const *ignore;  /* extra ignore paths (relative to the model
				     * root, or starting with the model path) */
	size_t n_ignore;
	int no_default_ignores;     /* do not ignore .git, .gitattributes,
				     * .github, .gitignore and the signature */
	const char *signature;      /* signature file path; ignored when it is
				     * inside the model (NULL: model.sig) */
	int spec_names;             /* OMS spec forms: single file named by its
				     * basename, shard algorithm = hash_type */
	unsigned threads;           /* 0: number of online CPUs */
	const char *const *only;    /* if set: hash only these relative file
				     * names (verify --ignore-unsigned-files),
				     * sorted by strcmp() */
	size_t n_only;
	gpai_progress_fn progress;  /* called from worker threads, serialised */
	void *progress_ctx;
};

/* Names of the hash algorithms and the digest size in bytes. */
const char *gpai_oms_hash_name(enum gpai_oms_hash h);
unsigned gpai_oms_hash_size(enum gpai_oms_hash h);
/* Parses "sha256" / "blake2b"; GPAI_EUNSUPPORTED for "blake3", GPAI_EFORMAT
 * for anything else (message names the value). */
int gpai_oms_hash_parse(const char *name, enum gpai_oms_hash *out,
			struct gpai_error *err);

/* Enumerates the model at path (directory or single file) with the OMS
 * rules and hashes it in parallel into m (which must be _init'ed and is
 * filled on success; release it either way).  Rejects symlinks unless
 * allowed, non-regular files, non-UTF-8 names and unreadable files, naming
 * the file.  Returns GPAI_OK, GPAI_EIO, GPAI_EFORMAT, GPAI_ENOTFOUND,
 * GPAI_ENOMEM or GPAI_ECRYPTO.  Memory use is independent of file sizes
 * (one read buffer per worker). */
int gpai_oms_hash_model(const char *path, const struct gpai_hash_options *opt,
			struct gpai_manifest *m, struct gpai_error *err);

/* One file given by the caller (a registry blob): manifest name, path to
 * read and expected size in bytes (a shorter file is an error). */
struct gpai_oms_file {
	const char *name;
	const char *path;
	uint64_t size;
};
/* Hashes an explicit file list (no enumeration, no ignores) like
 * gpai_oms_hash_model: method, hash, shard size, threads, only and progress
 * come from opt; subject names the model.  Names must be valid relative
 * paths. */
int gpai_oms_hash_files(const char *subject, const struct gpai_oms_file *files, size_t n,
			const struct gpai_hash_options *opt, struct gpai_manifest *m,
			struct gpai_error *err);

/* Checks a manifest resource name: relative POSIX path without empty, "."
 * or ".." components (the single name "." is allowed).  1 if valid. */
int gpai_oms_name_valid(const char *name);

/* ---- in-toto statement ------------------------------------------------- */

#define GPAI_INTOTO_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define GPAI_OMS_PREDICATE_TYPE "https://model_signing/signature/v1.0"
/* Deprecated predicate of model_signing 0.2 (one subject per file). */
#define GPAI_OMS_PREDICATE_V01 "https://model_signing/Digests/v0.1"

struct cJSON;
/* Builds the in-toto Statement v1 for m (predicate
 * https://model_signing/signature/v1.0): shard_size is written as an
 * integer, resources in manifest order.  Returns a new cJSON
 * object (caller frees with cJSON_Delete) or NULL when out of memory. */
struct cJSON *gpai_oms_statement(const struct gpai_manifest *m);

/* Parses an in-toto statement (the DSSE payload) into m: the v1.0
 * predicate (checks _type, predicateType, exactly one subject, the
 * serialization section, every resource name, algorithm and digest,
 * duplicates, and that the subject digest equals the recomputed root), or
 * the deprecated v0.1 "Digests" predicate of model_signing 0.2 (one
 * subject per file; *legacy set to 1).  what names the bundle in messages.
 * Returns GPAI_OK, GPAI_EFORMAT, GPAI_EUNSUPPORTED (blake3) or
 * GPAI_ENOMEM. */
int gpai_oms_statement_parse(const char *what, const char *payload, size_t len,
			     struct gpai_manifest *m, int *legacy,
			     struct gpai_error *err);

/* ---- keys, DSSE, bundles ---------------------------------------------- */

#define GPAI_DSSE_PAYLOAD_TYPE "application/vnd.in-toto+json"
#define GPAI_BUNDLE_MEDIA_TYPE "application/vnd.dev.sigstore.bundle.v0.3+json"

/* Generates an EC key on curve "p256", "p384" or "p521"; writes the
 * private key (PKCS#8 PEM, mode 0600, refuses to overwrite) to priv_path
 * and the public key (SubjectPublicKeyInfo PEM) to pub_path. */
int gpai_key_generate(const char *curve, const char *priv_path,
		      const char *pub_path, struct gpai_error *err);

/* Hex SHA-256 of the public key's PEM SubjectPublicKeyInfo text (the
 * publicKey.hint model_signing writes) of the key or certificate in the
 * PEM file at path; out gets 65 bytes. */
int gpai_key_hint(const char *path, char out[65], struct gpai_error *err);

/* Describes PEM text for a trust store: an EC public key (*is_cert 0, fp
 * = its hint, desc e.g. "ECDSA SHA384") or an X.509 certificate (*is_cert
 * 1, fp = hex SHA-256 of its DER, desc = its subject).  Other keys and
 * other text: GPAI_EUNSUPPORTED / GPAI_EFORMAT naming `what`. */
int gpai_pem_describe(const char *what, const char *text, size_t len, int *is_cert,
		      char fp[65], char *desc, size_t desc_len, struct gpai_error *err);

/* DSSE pre-authentication encoding: "DSSEv1 LEN(type) type LEN(body) body".
 * Returns GPAI_OK or GPAI_ENOMEM; out is _init'ed by the caller. */
int gpai_dsse_pae(const char *type, const unsigned char *body, size_t n,
		  struct gpai_buf *out);
/* The message model_signing 0.2 signed by mistake (kept only to verify
 * those bundles): "DSSEV1 LEN(type) type LEN(body) b'<Python repr of the
 * body bytes>'", always with SHA-256. */
int gpai_dsse_pae_compat_v02(const char *type, const unsigned char *body, size_t n,
			     struct gpai_buf *out);

/* How to sign: key method (key only) or certificate method (key, leaf
 * certificate and optional intermediates, leaf first in the bundle). */
struct gpai_sign_options {
	const char *key_path;   /* private key PEM (EC P-256/384/521) */
	const char *cert_path;  /* leaf certificate PEM or NULL */
	const char *chain_path; /* intermediate certificates PEM or NULL */
};

/* Signs the statement of m and returns the Sigstore bundle v0.3 JSON
 * (malloc'd, caller frees).  Rejects an empty model (OMS v1.0 forbids
 * signing one), non-EC keys and a certificate whose key is not the
 * signing key. */
int gpai_oms_sign(const struct gpai_manifest *m, const struct gpai_sign_options *o,
		  char **bundle_json, struct gpai_error *err);
/* The same, and signer (when not NULL) receives the key hint (key method)
 * or the leaf certificate's subject (certificate method). */
int gpai_oms_sign_ex(const struct gpai_manifest *m, const struct gpai_sign_options *o,
		     char **bundle_json, char *signer, size_t signer_len,
		     struct gpai_error *err);

/* Verification material of a bundle. */
enum gpai_oms_material {
	GPAI_MATERIAL_KEY = 1,
	GPAI_MATERIAL_CERT_CHAIN = 2,
	GPAI_MATERIAL_KEYLESS = 3,
};

/* What to trust and how to check the model. */
struct gpai_verify_options {
	const char *key_path;      /* trusted public key PEM (key method) */
	const char *ca_path;       /* trusted CA certificates PEM (certificate) */
	const char *const *key_pems; /* more trusted public keys, as PEM text
				      * (e.g. from the registry); any may match */
	size_t n_key_pems;
	const char *const *ca_pems;  /* more trusted CA certificates, PEM text */
	size_t n_ca_pems;
	int ignore_unsigned;       /* hash only the files the manifest names */
	struct gpai_hash_options hash; /* ignore paths, threads, progress; the
					* method, hash, shard size and symlink
					* policy come from the bundle */
};

/* Result of gpai_oms_verify.  _init/_release pair. */
struct gpai_verify_report {
	enum gpai_oms_material material;
	int legacy;             /* model_signing 0.2 bundle (v0.1 predicate) */
	int compat_pae;         /* verified with the 0.2 compat PAE */
	char signer[256];       /* key hint or certificate subject */
	struct gpai_manifest signed_m; /* the manifest in the bundle */
	char **missing, **extra, **changed; /* resource names (owned) */
	size_t n_missing, n_extra, n_changed;
	size_t n_checked;       /* resources compared */
};
void gpai_verify_report_init(struct gpai_verify_report *r);
void gpai_verify_report_release(struct gpai_verify_report *r);

/* Checks the bundle in bundle_path (structure, media types, signature
 * against the trusted key or CA, statement, root digest) and fills
 * r->signed_m.  Returns GPAI_OK, GPAI_EVERIFY (bad signature, untrusted
 * certificate), GPAI_EFORMAT (malformed), GPAI_EUNSUPPORTED (keyless
 * Sigstore bundle: needs a trust root), GPAI_EMISUSE (the bundle needs
 * --key or --ca that was not given) or GPAI_EIO. */
int gpai_oms_verify_bundle(const char *bundle_path, const struct gpai_verify_options *o,
			   struct gpai_verify_report *r, struct gpai_error *err);
/* The same for bundle text in memory; `what` names it in messages. */
int gpai_oms_verify_bundle_text(const char *what, const char *text, size_t len,
				const struct gpai_verify_options *o,
				struct gpai_verify_report *r, struct gpai_error *err);

/* Compares the signed manifest in r with actual, filling the missing,
 * extra and changed lists (extra is not reported with ignore_unsigned).
 * Returns GPAI_OK when they match, else GPAI_EVERIFY with a summary. */
int gpai_oms_compare(struct gpai_verify_report *r, const struct gpai_manifest *actual,
		     int ignore_unsigned, struct gpai_error *err);

/* The whole check: gpai_oms_verify_bundle, then re-hash model_path with
 * the recorded serialization and ignore paths, then gpai_oms_compare. */
int gpai_oms_verify(const char *model_path, const char *bundle_path,
		    const struct gpai_verify_options *o, struct gpai_verify_report *r,
		    struct gpai_error *err);
/* The whole check for bundle text (what names it) against either the model
 * at model_path or, when model_path is NULL, the explicit files[0..n) (a
 * registry version, see gpai_oms_hash_files) named subject. */
int gpai_oms_verify_text(const char *model_path, const struct gpai_oms_file *files,
			 size_t n_files, const char *subject, const char *what,
			 const char *bundle, size_t len, const struct gpai_verify_options *o,
			 struct gpai_verify_report *r, struct gpai_error *err);

#endif
