/*
 * ocidossier.h - the dossier bundle beside a model in an OCI registry
 * (docs/oci.md "The dossier bundle as a referrer"): which stored bundle
 * gpai push sends, and what gpai pull does with the one it finds (check it
 * with the same function as `gpai verify BUNDLE`, keep it in the registry
 * and in the dossier history).  The oci/ module moves the bytes; this glue
 * sits in cli/ because oci/ and dossier/ are side by side.
 */
#ifndef GPAI_CLI_OCIDOSSIER_H
#define GPAI_CLI_OCIDOSSIER_H

#include "cli.h"
#include "registry.h"

#include <stddef.h>

/* Folder of the registry directory that keeps pulled dossier bundles,
 * named sha256-<hex>.tar.gz by their content (gc removes one no kept
 * dossier names). */
#define OCIDOSSIER_DIR GPAI_REG_DOSSIER_BUNDLES

/* The newest dossier bundle of a version. */
struct ocidossier_bundle {
	char *data;          /* the tar.gz (owned) */
	size_t len;
	int number;          /* its number in the dossier history */
	char *path;          /* where it was written */
	char *generated_at;
	char *audience;
};
void ocidossier_bundle_release(struct ocidossier_bundle *b);

/* The newest entry of the dossier history of version ref that is a
 * bundle whose file still holds the recorded SHA-256 (an entry whose file
 * was moved, removed or changed since is passed over).  *found is 0 when
 * there is none (b untouched).  GPAI_OK or an error naming the version. */
int ocidossier_latest(struct gpai_registry *reg, const char *ref, struct ocidossier_bundle *b,
		      int *found, struct gpai_error *err);

/* What the pull hook checks against and reports. */
struct ocidossier_pull {
	int verify;                      /* check the bundle's dossier.sig */
	const char *key_path;            /* --key */
	const char *const *key_pems;     /* --trusted keys */
	size_t n_key_pems;
	const char *uri;                 /* for messages */
	/* results */
	int kept, verified, number;
	char path[1024];
	char signer[256];
};

/* gpai_oci_pull_options.dossier_hook: writes the bundle to
 * REGISTRY/dossier-bundles/sha256-<hex>.tar.gz; when ctx->verify, checks
 * it with gpai_dossier_bundle_verify (dossier.sig by the key or a trusted
 * key, every file unchanged, bound to the pulled version's root digest)
 * and refuses it otherwise; then records it in the dossier history of v
 * (format "bundle", the bundle's dossier.json as the document). */
int ocidossier_pull_hook(void *ctx, struct gpai_registry *reg, const struct gpai_version *v,
			 const char *bundle, size_t len, struct gpai_error *err);

#endif
