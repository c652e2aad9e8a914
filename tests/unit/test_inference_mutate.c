/* test_inference_mutate.c - the model-file readers never crash and never
 * fail without a message: every valid fixture header is cut at every byte
 * and damaged at seeded random places (make check runs this under
 * ASan+UBSan, which turns any out-of-bounds read into a failure). */
#include "common.h"
#include "inference.h"
#include "harness.h"
#include "fixture_run.h"

#include <stdlib.h>
#include <sys/stat.h>

/* Mutations per file; the header is where the parsing happens. */
#define FLIPS 100
/* Every cut below this offset, every CUT_STEP-th above. */
#define CUT_ALL 256
#define CUT_STEP 11

/* Probing `name` holding data[0..n) is OK (some format or opaque) or an
 * error whose message names the file. */
static int survives(const char *name, const unsigned char *data, size_t n)
{
	struct gpai_modelinfo info;
	struct gpai_error err;
	struct gpai_model *m = NULL;
	int rc;

	gpai_error_init(&err);
	if (t_write(name, data, n) != 0)
		return 0;
	rc = gpai_model_probe_file(name, &info, &err);
	if (rc != GPAI_OK && !strstr(gpai_errmsg(&err), name)) {
		t_fail(__FILE__, __LINE__, "%s (%zu bytes): rc %d without the file name: %s", name,
		       n, rc, gpai_errmsg(&err));
		return 0;
	}
	rc = gpai_model_open(name, &m, &err);
	if (rc == GPAI_OK) {
		/* Every tensor of an accepted model lies inside its file. */
		struct gpai_modelinfo i2;

		gpai_model_info(m, &i2);
		(void)n;
		for (size_t i = 0; i < gpai_model_tensor_count(m); i++) {
			const struct gpai_tensor *t = gpai_model_tensor(m, i);
			struct stat st;

			if (stat(gpai_model_file_path(m, t->file_index), &st) != 0 ||
			    t->file_offset + t->nbytes > (uint64_t)st.st_size ||
			    t->file_offset + t->nbytes < t->file_offset) {
				t_fail(__FILE__, __LINE__, "%s: tensor '%s' outside the file", name,
				       t->name);
				gpai_model_close(m);
				return 0;
			}
		}
		gpai_model_close(m);
	}
	return 1;
}

/* Cuts the file at every offset up to `upto`, then flips FLIPS seeded
 * bytes (one at a time) in [0, upto). */
static int mutate(const char *src, const char *name, size_t upto)
{
	struct gpai_error err;
	struct gpai_map map;
	unsigned char *copy;
	uint64_t s = 0x9e3779b97f4a7c15ULL;
	int ok = 1;

	gpai_error_init(&err);
	if (gpai_map_open(&map, src, &err) != GPAI_OK)
		return 0;
	if (upto > map.size)
		upto = map.size;
	copy = malloc(map.size);
	memcpy(copy, map.data, map.size);
	for (size_t cut = 0; cut < upto && ok; cut += cut < CUT_ALL ? 1 : CUT_STEP)
		ok = survives(name, map.data, cut);
	for (int i = 0; i < FLIPS && ok; i++) {
		size_t at;
		unsigned char was;

		s ^= s << 13; /* xorshift64 */
		s ^= s >> 7;
		s ^= s << 17;
		at = (size_t)(s % upto);
		was = copy[at];
		copy[at] = (unsigned char)(s >> 56) ^ (i % 3 == 0 ? 0x80 : was);
		ok = survives(name, copy, map.size);
		copy[at] = was;
	}
	free(copy);
	gpai_map_close(&map);
	return ok;
}

TEST(cut_and_damaged_gguf_never_crashes)
{
	CHECK_INT(0, fixture("gguf g.gguf --type q8_0 --dim 32"));
	/* the header of this file is about 1.6 KB */
	CHECK(mutate("g.gguf", "x.gguf", 2048));
}

TEST(cut_and_damaged_safetensors_never_crash)
{
	CHECK_INT(0, fixture("safetensors s --dtype bf16"));
	CHECK(mutate("s/model.safetensors", "x.safetensors", 2400));
	CHECK(mutate("s/model.safetensors", "x.weights", 256));
}

TEST(cut_and_damaged_llama2c_never_crash)
{
	CHECK_INT(0, fixture("llama2c v0.bin --version 0"));
	CHECK_INT(0, fixture("llama2c v2.bin --version 2"));
	CHECK(mutate("v0.bin", "x.bin", 64));
	CHECK(mutate("v2.bin", "y.bin", 300));
}

TEST(cut_and_damaged_index_and_config_never_crash)
{
	CHECK_INT(0, fixture("safetensors sh --shards 2"));
	CHECK(mutate("sh/config.json", "config.json", 1024));
	CHECK_INT(0, system("cp sh/*.safetensors sh/config.json ."));
	CHECK(mutate("sh/model.safetensors.index.json", "model.safetensors.index.json", 4096));
}
