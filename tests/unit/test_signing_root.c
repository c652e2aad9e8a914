/* test_signing_root.c - manifest order and root digest against the
 * model_signing goldens in ../shared/reference/signing. */
#include "signing.h"
#include "harness.h"

#include <stdlib.h>

TEST(path_order_is_component_wise)
{
	CHECK(gpai_oms_path_cmp("a/b", "a.txt") < 0);  /* PurePosixPath order */
	CHECK(gpai_oms_path_cmp("a", "a/b") < 0);
	CHECK(gpai_oms_path_cmp("d0/f00", "d0/f01") < 0);
	CHECK(gpai_oms_path_cmp("d1/f10", "f0") < 0);
	CHECK_INT(0, gpai_oms_path_cmp("x/y", "x/y"));
}

/* Reads a golden "name:hex" file into resources; returns the count. */
static size_t load_golden(const char *path, struct gpai_resource *res, size_t max)
{
	char line[512];
	size_t n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		char *colon = strrchr(line, ':');

		if (!colon)
			continue;
		line[strcspn(line, "\n")] = '\0';
		*colon = '\0';
		memset(&res[n], 0, sizeof(res[n]));
		res[n].name = strdup(line);
		res[n].digest_len = 32;
		if (gpai_hex_decode(colon + 1, res[n].digest, 32) != 0)
			break;
		n++;
	}
	fclose(f);
	return n;
}

TEST(sample_model_root_digest_matches_golden)
{
	struct gpai_resource res[32];
	unsigned char root[32];
	struct gpai_error err;
	char hex[65];
	size_t n;

	gpai_error_init(&err);
	n = load_golden(t_shared("reference/signing/model-transparency/goldens/"
				 "serialization-file/sample_model_folder"), res, 32);
	CHECK_INT(10, n);
	/* Shuffle, then sort back: the order must come from the sort. */
	for (size_t i = 0; i < n / 2; i++) {
		struct gpai_resource t = res[i];

		res[i] = res[n - 1 - i];
		res[n - 1 - i] = t;
	}
	gpai_oms_sort_resources(res, n);
	CHECK_STR("d0/f00", res[0].name);
	CHECK_STR("f3", res[n - 1].name);
	CHECK_OK(gpai_oms_root_digest(res, n, root, &err), &err);
	gpai_hex_encode(root, 32, hex);
	/* EXPECTED.txt: root digest (subject) of sample_model/. */
	CHECK_STR("143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7", hex);
	for (size_t i = 0; i < n; i++)
		free(res[i].name);
}

TEST(empty_manifest_root_is_sha256_of_nothing)
{
	unsigned char root[32];
	struct gpai_error err;
	char hex[65];

	gpai_error_init(&err);
	CHECK_OK(gpai_oms_root_digest(NULL, 0, root, &err), &err);
	gpai_hex_encode(root, 32, hex);
	CHECK_STR("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", hex);
}
