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

#endif
