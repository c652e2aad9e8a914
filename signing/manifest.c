/*
 * manifest.c - OMS manifest order and root digest.
 *
 * Order matches model_signing (Python) 1.x, which sorts PurePosixPath
 * objects: component-wise, so '/' sorts below every other byte.  The OMS
 * spec text says plain code-point order; the two differ for names such as
 * "a.txt" and "a/b", and the Python order is what real bundles carry.
 */
#include "signing.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

/* Component-wise compare of a[0..na) and b[0..nb). */
static int path_ncmp(const char *a, size_t na, const char *b, size_t nb)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (size_t i = 0;; i++, x++, y++) {
		int cx = i >= na ? -1 : *x == '/' ? 0 : *x + 1;
		int cy = i >= nb ? -1 : *y == '/' ? 0 : *y + 1;

		/* End of string sorts first: "a" < "a/b" < "a.b". */
		if (cx != cy)
			return cx < cy ? -1 : 1;
		if (cx == -1)
			return 0;
	}
}

int gpai_oms_path_cmp(const char *a, const char *b)
{
	return path_ncmp(a, strlen(a), b, strlen(b));
}

/* Length of the path part of a resource name: without ":start:end" for a
 * shard (parsed from the last two colons, as paths may contain ':'). */
static size_t path_len(const struct gpai_resource *r)
{
	size_t n = strlen(r->name);

	if (r->sharded) {
		for (int colons = 0; n > 0 && colons < 2;)
			if (r->name[--n] == ':')
				colons++;
	}
	return n;
}

static int resource_cmp(const void *pa, const void *pb)
{
	const struct gpai_resource *a = pa, *b = pb;
	int c = path_ncmp(a->name, path_len(a), b->name, path_len(b));

	if (c)
		return c;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	return 0;
}

void gpai_oms_sort_resources(struct gpai_resource *res, size_t n)
{
	if (n > 1)
		qsort(res, n, sizeof(*res), resource_cmp);
}

int gpai_oms_root_digest(const struct gpai_resource *res, size_t n,
			 unsigned char out[32], struct gpai_error *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int len = 0;
	int ok;

	if (!ctx)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, res[i].digest, res[i].digest_len) == 1;
	ok = ok && EVP_DigestFinal_ex(ctx, out, &len) == 1 && len == 32;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return gpai_error_openssl(err, "cannot compute the root digest");
	return GPAI_OK;
}
