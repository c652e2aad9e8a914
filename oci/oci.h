/*
 * oci.h - push and pull registry versions through OCI distribution
 * registries (Harbor, GHCR, the CNCF distribution registry, ...) as CNCF
 * ModelPack artifacts, with their OMS signature as an OCI 1.1 referrer.
 *
 * Layout (docs/oci.md): an OCI image manifest with artifactType
 * application/vnd.cncf.model.manifest.v1+json, a ModelPack config blob
 * (descriptor, config, modelfs), one uncompressed layer per model file
 * annotated with org.cncf.model.filepath; blobs are addressed by the
 * SHA-256 the gpai registry already holds.  The newest stored signature goes
 * up as a manifest whose subject is the model manifest (artifactType
 * application/vnd.dev.sigstore.bundle.v0.3+json), and so does a signed
 * dossier bundle the caller hands over (GPAI_OCI_DOSSIER_TYPE); both are
 * found through the referrers API or the referrers tag schema (tag
 * sha256-<hex>).
 *
 * Pull also reads older CNAI ModelPack drafts and KitOps ModelKits, with
 * tar layers unpacked by the registry's checked archive reader.
 *
 * Invariants: a pull registers nothing unless every blob's streamed
 * SHA-256 equals its descriptor (and, with verification, unless the OMS
 * signature verifies against the pulled files); push never re-hashes the
 * registry's blobs and uploads none the remote registry already has.
 *
 * HTTP goes through libcurl (TLS by OpenSSL).  Plain http is allowed only
 * for loopback hosts (127.0.0.0/8, localhost, ::1).
 * Errors: GPAI_OK or a negative GPAI_E* code with the message in err.
 * Thread safety: none of these functions share state between calls.
 */
#ifndef GPAI_OCI_H
#define GPAI_OCI_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"
#include "registry.h"
#include "signing.h"

/* Media types (docs/oci.md). */
#define GPAI_OCI_MANIFEST_TYPE "application/vnd.oci.image.manifest.v1+json"
#define GPAI_OCI_INDEX_TYPE "application/vnd.oci.image.index.v1+json"
#define GPAI_OCI_EMPTY_TYPE "application/vnd.oci.empty.v1+json"
#define GPAI_MODELPACK_ARTIFACT "application/vnd.cncf.model.manifest.v1+json"
#define GPAI_MODELPACK_CONFIG "application/vnd.cncf.model.config.v1+json"
#define GPAI_MODELPACK_FILEPATH "org.cncf.model.filepath"
/* The signed dossier bundle (gpai dossier --out FILE.tar.gz) as a referrer
 * of the model manifest: its artifactType and layer media type. */
#define GPAI_OCI_DOSSIER_TYPE "application/vnd.gpai.dossier.bundle.v1+tar+gzip"

/* Default size of one PATCH of a chunked upload; blobs up to this size go
 * up in one PUT. */
#define GPAI_OCI_DEFAULT_CHUNK (64ull << 20)

/* A parsed oci://HOST[:PORT]/REPO[:TAG|@sha256:HEX] reference.
 * _release frees the strings. */
struct gpai_oci_ref {
	char *host;    /* "127.0.0.1:5000", as written (brackets kept for IPv6) */
	char *repo;    /* "team/stories" */
	char *tag;     /* NULL when given by digest */
	char *digest;  /* "sha256:<hex>" or NULL */
	int loopback;  /* the host is 127.0.0.0/8, localhost or ::1 */
};
/* Parses uri; GPAI_EFORMAT naming the part that is wrong.  On success *r
 * must be released with gpai_oci_ref_release. */
int gpai_oci_ref_parse(const char *uri, struct gpai_oci_ref *r, struct gpai_error *err);
void gpai_oci_ref_release(struct gpai_oci_ref *r);

/* Options shared by push and pull.  Zero-initialise, then set. */
struct gpai_oci_options {
	int insecure_http;       /* plain http (loopback hosts only) */
	const char *docker_config; /* NULL: $DOCKER_CONFIG/config.json, else
				    * $HOME/.docker/config.json (when present) */
	const char *username;    /* explicit credentials: used instead of the */
	const char *password;    /* docker config's when username is set */
	uint64_t chunk_size;     /* 0: GPAI_OCI_DEFAULT_CHUNK */
	gpai_progress_fn progress; /* bytes moved / total; may be NULL */
	void *progress_ctx;
	/* Push only: a dossier bundle (borrowed) to push as a referrer of the
	 * model manifest, with the time it was generated and its audience
	 * (annotations); NULL: none. */
	const char *dossier;
	size_t dossier_len;
	const char *dossier_created;
	const char *dossier_audience;
	/* Push only: a repository of the same OCI registry to mount missing
	 * blobs from (POST ...?mount=DIGEST&from=REPO) before the ones gpai
	 * recorded pushing them to (GPAI_OCI_PUSH_LOG); NULL: recorded only. */
	const char *mount_from;
	int no_mount;            /* push only: never mount, upload what is missing */
};

/* The record of pushes in the registry directory: one JSON object a line,
 * {"at", "host", "repo", "tag", "manifest", "blobs": ["sha256:..."]}, so a
 * later push to another repository of the same host can mount the blobs
 * instead of sending them again (docs/oci.md "Cross-repository mount"). */
#define GPAI_OCI_PUSH_LOG "oci-pushes.jsonl"

/* What happened to one blob of a push. */
struct gpai_oci_blob_result {
	char digest[72];         /* "sha256:<hex>" */
	char *path;              /* model file path, or "(config)", "(signature)" */
	uint64_t size;
	int uploaded;            /* 1: its bytes were sent */
	int mounted;             /* 1: mounted from another repository */
	char mounted_from[256];  /* that repository, when mounted */
	unsigned chunks;         /* PATCH requests that succeeded (0: one PUT) */
	unsigned resumed;        /* resumed at the registry's offset after a broken PATCH */
	unsigned restarted;      /* started over: the registry dropped the session */
};

/* Result of gpai_oci_push.  _release frees it. */
struct gpai_oci_push_result {
	char manifest_digest[72];
	uint64_t manifest_size;
	struct gpai_oci_blob_result *blobs;
	size_t n_blobs;
	uint64_t uploaded, skipped, mounted, bytes_uploaded;
	char signature_digest[72]; /* "" when the version is unsigned */
	char dossier_digest[72];   /* referrer manifest of the dossier, or "" */
	const char *referrers;     /* "api", "tag" or NULL (no referrer pushed) */
};
void gpai_oci_push_result_release(struct gpai_oci_push_result *r);

/* Pushes registry version ref (NAME[@VER|@ALIAS], with files) to uri
 * (needs a tag): blobs, config, manifest, then the newest signature and
 * o->dossier (when set) as referrers.  Returns GPAI_OK, GPAI_ENOTFOUND
 * (ref, files), GPAI_EFORMAT
 * (uri), GPAI_EMISUSE (--insecure-http to a non-loopback host), GPAI_EIO
 * (network or registry refusal; the message names the registry, the
 * request and the registry's error). */
int gpai_oci_push(struct gpai_registry *reg, const char *ref, const char *uri,
		  const struct gpai_oci_options *o, struct gpai_oci_push_result *res,
		  struct gpai_error *err);

/* What to check and how to name the pulled version. */
struct gpai_oci_pull_options {
	struct gpai_oci_options net;
	const char *name;        /* NULL: the config's descriptor.name */
	const char *version;     /* NULL: descriptor.version, else the next integer */
	const struct gpai_verify_options *verify; /* NULL: no signature check */
	/* Called with the newest dossier bundle referrer (its bytes already
	 * checked against both digests) after the version is registered and
	 * its signature stored: checks and keeps the bundle (the dossier
	 * module sits beside oci/, so the caller supplies this).  A non-zero
	 * return (a GPAI_E* code, message in err) fails the pull and the
	 * version is removed again.  NULL: the bundle is not fetched. */
	int (*dossier_hook)(void *ctx, struct gpai_registry *reg, const struct gpai_version *v,
			    const char *bundle, size_t len, struct gpai_error *err);
	void *dossier_ctx;
};

/* Result of gpai_oci_pull.  _release frees it. */
struct gpai_oci_pull_result {
	char manifest_digest[72];
	char *artifact;          /* "modelpack", "cnai" or "kitops" (KitOps ModelKit) */
	uint64_t n_layers, bytes; /* layers and their bytes fetched */
	uint64_t bytes_hashed;   /* layer bytes read and hashed: each once while
				  * streamed, plus any read again (by the
				  * signature check, or a registry copy) */
	int signature_found;     /* a signature referrer was there */
	char dossier_digest[72]; /* the dossier referrer's manifest, or "" */
	const char *referrers;   /* "api", "tag" or NULL: where referrers were listed */
	int verified;            /* it verified (only with verify options) */
	char signer[256];
};
void gpai_oci_pull_result_release(struct gpai_oci_pull_result *r);

/* Pulls uri into reg: fetches and checks the manifest, config and every
 * layer (streamed to a staging folder in the registry directory while
 * hashed), then the signature referrer; with o->verify, the signature must
 * verify against the pulled files; then registers the version with
 * gpai_registry_add_staged, which moves the checked layers into the blob
 * store without reading them again (files named
 * by their filepath annotations, facts from the config and the
 * dev.gpai.facts annotation with source "oci://...") and stores the
 * signature.  On any error nothing is registered.  *out (may be NULL)
 * receives the new version.  Returns GPAI_OK, GPAI_EVERIFY (a digest or the
 * signature does not match), GPAI_ENOTFOUND (no signature with verify),
 * GPAI_EUNSUPPORTED (a layout this build cannot read), GPAI_EFORMAT,
 * GPAI_EIO, GPAI_EEXIST (the version exists). */
int gpai_oci_pull(struct gpai_registry *reg, const char *uri,
		  const struct gpai_oci_pull_options *o, struct gpai_version *out,
		  struct gpai_oci_pull_result *res, struct gpai_error *err);

#endif
