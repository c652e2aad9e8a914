/* test_inference_llama2c.c - the llama2.c reader on the real stories260K
 * .bin, v1/v2 files the test lays out itself from the notes' format text,
 * and malformed files. */
#include "common.h"
#include "inference.h"
#include "harness.h"
#include "fixture_run.h"

#include <math.h>
#include <stdlib.h>

#define STORIES_BIN "models/stories260K/stories260K.bin"
#define STORIES_GGUF "models/stories260K/stories260K.gguf"

/* Published config of stories260K (shared/models/stories260K/SOURCE.md). */
enum { D = 64, HID = 172, L = 5, NH = 8, NKV = 4, V = 512, SEQ = 512 };
#define KVD (D * NKV / NH)
#define HS (D / NH)
#define STORIES_PARAMS (V * D + L * (2 * D + D * D + 2 * KVD * D + D * D + 3 * HID * D) + D)
/* freq_cis_real and freq_cis_imag: seq_len x head_size/2 floats each */
#define FREQ_FLOATS (2 * SEQ * (HS / 2))
#define V0_BYTES (28 + 4 * (STORIES_PARAMS + FREQ_FLOATS))
#define V1_MAGIC 0x616b3432u

TEST(stories_bin_counts_match_published_config)
{
	struct gpai_modelinfo info;
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK(t_have_shared(STORIES_BIN));
	/* SOURCE.md: 1056540 bytes = 28 + 264128 * 4. */
	CHECK_INT(1056540, V0_BYTES);
	CHECK_OK(gpai_model_probe_file(t_shared(STORIES_BIN), &info, &err), &err);
	CHECK_STR("llama2c", info.format);
	CHECK_STR("llama", info.architecture);
	CHECK_U64(260032, info.n_params);
	CHECK_U64(STORIES_PARAMS, info.n_params);
	CHECK_U64(STORIES_PARAMS, info.n_params_distinct);
	CHECK_U64(1 + 9 * L + 1, info.n_tensors);
	CHECK_STR("F32", info.dtypes);
	CHECK_INT(1, info.tied_embeddings);
	CHECK_INT(L, info.n_layers);
	CHECK_INT(D, info.hidden_size);
	CHECK_INT(HID, info.ffn_hidden_size);
	CHECK_INT(NH, info.n_heads);
	CHECK_INT(NKV, info.n_kv_heads);
	CHECK_INT(V, info.vocab_size);
	CHECK_INT(SEQ, info.context_length);
	CHECK(strstr(info.note, "4096 freq_cis floats") != NULL);
}

/* SOURCE.md: the .bin is the GGUF's tensors in llama2.c order, so each
 * tensor the reader finds in the .bin must equal the GGUF tensor of the
 * same name byte for byte. */
TEST(stories_bin_tensors_equal_the_gguf_tensors)
{
	struct gpai_model *bin = NULL, *gguf = NULL;
	const struct gpai_llama2c_config *c;
	struct gpai_error err;
	size_t same = 0;

	gpai_error_init(&err);
	CHECK_OK(gpai_model_open(t_shared(STORIES_BIN), &bin, &err), &err);
	CHECK_OK(gpai_model_open(t_shared(STORIES_GGUF), &gguf, &err), &err);
	c = gpai_model_llama2c(bin);
	CHECK(c != NULL);
	CHECK_INT(0, c->version);
	CHECK_INT(1, c->shared_classifier);
	CHECK_INT(1, c->has_freq_cis);
	CHECK_INT(SEQ, c->seq_len);
	CHECK(gpai_model_find(bin, "output.weight") == NULL);
	for (size_t i = 0; i < gpai_model_tensor_count(bin); i++) {
		const struct gpai_tensor *a = gpai_model_tensor(bin, i);
		const struct gpai_tensor *b = gpai_model_find(gguf, a->name);

		if (b && a->nbytes == b->nbytes && a->n_dims == b->n_dims &&
		    memcmp(a->shape, b->shape, sizeof(a->shape)) == 0 &&
		    memcmp(a->data, b->data, a->nbytes) == 0)
			same++;
	}
	gpai_model_close(bin);
	gpai_model_close(gguf);
	CHECK_INT(47, same);
}

TEST(stories_bin_without_freq_cis_and_truncated)
{
	struct gpai_modelinfo info;
	struct gpai_error err;
	struct gpai_map map;
	struct gpai_model *m;

	gpai_error_init(&err);
	CHECK_OK(gpai_map_open(&map, t_shared(STORIES_BIN), &err), &err);
	CHECK_INT(0, t_write("nofreq.bin", map.data, 28 + 4 * STORIES_PARAMS));
	CHECK_INT(0, t_write("trunc.bin", map.data, 1000000));
	CHECK_INT(0, t_write("model.weights", map.data, 1000000));
	gpai_map_close(&map);
	CHECK_OK(gpai_model_open("nofreq.bin", &m, &err), &err);
	CHECK_INT(0, gpai_model_llama2c(m)->has_freq_cis);
	gpai_model_close(m);
	CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("trunc.bin", &info, &err), &err,
		  "'trunc.bin': offset 1000000: file is 1000000 bytes; its config (dim 64, 5 layers, vocab 512) needs 1056540");
	/* Without the .bin name and the exact size, it is just a file. */
	CHECK_OK(gpai_model_probe_file("model.weights", &info, &err), &err);
	CHECK_STR("opaque", info.format);
}

TEST(tokenizer_bin_is_not_a_checkpoint)
{
	struct gpai_modelinfo info;
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_OK(gpai_model_probe_file(t_shared("models/stories260K/tok512.bin"), &info, &err), &err);
	CHECK_STR("opaque", info.format);
}

/* v1/v2 header: magic, version, 7 ints, shared flag, [group size]. */
static void header(unsigned char *h, int version, int shared, int32_t gs)
{
	int32_t cfg[7] = { D, HID, L, NH, NKV, V, SEQ };
	uint32_t magic = V1_MAGIC, ver = (uint32_t)version;

	memset(h, 0, 256);
	memcpy(h, &magic, 4);
	memcpy(h + 4, &ver, 4);
	memcpy(h + 8, cfg, sizeof(cfg));
	h[36] = (unsigned char)shared;
	memcpy(h + 37, &gs, 4);
}

struct buf {
	unsigned char *p;
	size_t n;
};

static void put(struct buf *b, const void *src, size_t n)
{
	b->p = realloc(b->p, b->n + n);
	memcpy(b->p + b->n, src, n);
	b->n += n;
}

static void put_layers(struct buf *b, struct gpai_model *g, const char *what)
{
	char name[64];

	for (int i = 0; i < L; i++) {
		const struct gpai_tensor *t;

		snprintf(name, sizeof(name), "blk.%d.%s.weight", i, what);
		t = gpai_model_find(g, name);
		put(b, t->data, t->nbytes);
	}
}

static const char *const mats[] = { "attn_q", "attn_k", "attn_v", "attn_output",
				     "ffn_gate", "ffn_down", "ffn_up" };

/* Writes the stories260K weights as a llama2.c v1 file (export.py
 * version1_export order: norms first, then the matrices). */
TEST(v1_file_laid_out_from_the_notes_reads_back)
{
	struct gpai_model *g = NULL, *m = NULL;
	struct gpai_error err;
	struct buf b = { 0 };
	unsigned char h[256];
	size_t same = 0;

	gpai_error_init(&err);
	CHECK_OK(gpai_model_open(t_shared(STORIES_GGUF), &g, &err), &err);
	header(h, 1, 1, 0);
	put(&b, h, 256);
	put_layers(&b, g, "attn_norm");
	put_layers(&b, g, "ffn_norm");
	put(&b, gpai_model_find(g, "output_norm.weight")->data, 4 * D);
	put(&b, gpai_model_find(g, "token_embd.weight")->data, 4 * V * D);
	for (int k = 0; k < 7; k++)
		put_layers(&b, g, mats[k]);
	CHECK_INT(256 + 4 * STORIES_PARAMS, b.n);
	CHECK_INT(0, t_write("v1.bin", b.p, b.n));
	/* The same bytes under another name: the magic is enough. */
	CHECK_INT(0, t_write("v1.ckpt", b.p, b.n));
	CHECK_OK(gpai_model_open("v1.ckpt", &m, &err), &err);
	CHECK_INT(1, gpai_model_llama2c(m)->version);
	CHECK_INT(1 + 9 * L + 1, gpai_model_tensor_count(m));
	for (size_t i = 0; i < gpai_model_tensor_count(m); i++) {
		const struct gpai_tensor *a = gpai_model_tensor(m, i);
		const struct gpai_tensor *t = gpai_model_find(g, a->name);

		if (t && t->nbytes == a->nbytes && memcmp(a->data, t->data, a->nbytes) == 0)
			same++;
	}
	CHECK_INT(47, same);
	gpai_model_close(m);

	/* Broken variants. */
	{
		struct gpai_modelinfo info;

		b.p[4] = 7;
		CHECK_INT(0, t_write("v7.bin", b.p, b.n));
		CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("v7.bin", &info, &err), &err,
			  "'v7.bin': offset 4: unsupported llama2.c checkpoint version 7");
		b.p[4] = 1;
		b.p[36] = 2;
		CHECK_INT(0, t_write("flag.bin", b.p, b.n));
		CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("flag.bin", &info, &err), &err,
			  "'flag.bin': offset 36: shared_classifier flag 2");
		b.p[36] = 1;
		CHECK_INT(0, t_write("short.bin", b.p, b.n - 4));
		CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("short.bin", &info, &err), &err,
			  "needs 1040384");
		CHECK_INT(0, t_write("hdr.bin", b.p, 100));
		CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("hdr.bin", &info, &err), &err,
			  "'hdr.bin': offset 100: llama2.c v1 header truncated");
	}
	free(b.p);
	gpai_model_close(g);
}

/* Q8_0 as runq.c reads it: per group of GS values, scale = max|w| / 127,
 * q = round(w / scale); int8 q[n] then float scale[n / GS]. */
static void put_q8(struct buf *b, const float *w, size_t n, int gs)
{
	int8_t *q = malloc(n);
	float *s = malloc(n / gs * sizeof(float));

	for (size_t g = 0; g < n / gs; g++) {
		float mx = 0;

		for (int j = 0; j < gs; j++)
			mx = fmaxf(mx, fabsf(w[g * gs + j]));
		s[g] = mx / 127.0f;
		for (int j = 0; j < gs; j++)
			q[g * gs + j] = (int8_t)lroundf(s[g] ? w[g * gs + j] / s[g] : 0);
	}
	put(b, q, n);
	put(b, s, n / gs * sizeof(float));
	free(q);
	free(s);
}

TEST(v2_q8_file_reads_back_with_group_layout)
{
	struct gpai_model *g = NULL, *m = NULL;
	struct gpai_modelinfo info;
	struct gpai_error err;
	struct buf b = { 0 };
	const struct gpai_tensor *t, *src;
	unsigned char h[256];
	const int gs = 64; /* export.py: 64, halved until dim % gs == 0 */
	char name[64];

	gpai_error_init(&err);
	CHECK_OK(gpai_model_open(t_shared(STORIES_GGUF), &g, &err), &err);
	header(h, 2, 1, gs);
	put(&b, h, 256);
	put_layers(&b, g, "attn_norm");
	put_layers(&b, g, "ffn_norm");
	put(&b, gpai_model_find(g, "output_norm.weight")->data, 4 * D);
	put_q8(&b, gpai_model_find(g, "token_embd.weight")->data, V * D, gs);
	for (int k = 0; k < 7; k++)
		for (int i = 0; i < L; i++) {
			snprintf(name, sizeof(name), "blk.%d.%s.weight", i, mats[k]);
			src = gpai_model_find(g, name);
			put_q8(&b, src->data, src->n_elements, gs);
		}
	CHECK_INT(0, t_write("q.bin", b.p, b.n));
	CHECK_OK(gpai_model_probe_file("q.bin", &info, &err), &err);
	CHECK_U64(STORIES_PARAMS, info.n_params);
	CHECK_STR("F32,Q8_GROUP", info.dtypes);
	CHECK_OK(gpai_model_open("q.bin", &m, &err), &err);
	CHECK_INT(2, gpai_model_llama2c(m)->version);
	CHECK_INT(gs, gpai_model_llama2c(m)->group_size);
	t = gpai_model_find(m, "blk.3.ffn_down.weight");
	CHECK(t != NULL);
	CHECK_INT(GPAI_DTYPE_Q8_GROUP, t->dtype);
	CHECK_U64(D * HID + 4 * (D * HID / gs), t->nbytes);
	/* Dequantizing the first group gives the float weights back within
	 * half a quantization step. */
	src = gpai_model_find(g, "blk.3.ffn_down.weight");
	{
		const int8_t *q = t->data;
		float scale;

		memcpy(&scale, (const unsigned char *)t->data + t->n_elements, 4);
		for (int j = 0; j < gs; j++)
			CHECK_NEAR(((const float *)src->data)[j], q[j] * scale, scale * 0.5 + 1e-7);
	}
	gpai_model_close(m);
	b.p[37] = 48; /* group size 48 does not divide 64 */
	CHECK_INT(0, t_write("gs.bin", b.p, b.n));
	CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("gs.bin", &info, &err), &err,
		  "'gs.bin': offset 37: group size 48 does not divide dim 64");
	free(b.p);
	gpai_model_close(g);
}

TEST(v0_header_out_of_range_is_named)
{
	struct gpai_modelinfo info;
	struct gpai_error err;
	int32_t cfg[7] = { D, HID, L, NH, 3 /* 8 % 3 != 0 */, V, SEQ };

	gpai_error_init(&err);
	CHECK_INT(0, t_write("kv.bin", cfg, sizeof(cfg)));
	/* A header that is not plausible is no llama2.c file at all. */
	CHECK_OK(gpai_model_probe_file("kv.bin", &info, &err), &err);
	CHECK_STR("opaque", info.format);
}

/* gpai-fixture writes the same weights as llama2.c v0/v1 (float, equal
 * to the GGUF fixture's bytes) and v2 (Q8_0 groups of 16 for dim 16). */
TEST(fixture_llama2c_versions_hold_the_gguf_weights)
{
	struct gpai_model *g = NULL;
	struct gpai_error err;
	static const char *const tied[] = { "", " --tied" };

	gpai_error_init(&err);
	for (int ti = 0; ti < 2; ti++) {
		char args[256];

		snprintf(args, sizeof(args), "gguf g.gguf%s", tied[ti]);
		CHECK_INT(0, fixture(args));
		CHECK_OK(gpai_model_open("g.gguf", &g, &err), &err);
		for (int v = 0; v <= 2; v++) {
			struct gpai_model *m = NULL;
			struct gpai_modelinfo info;
			const struct gpai_llama2c_config *c;
			size_t same = 0, n;

			snprintf(args, sizeof(args), "llama2c l.bin --version %d%s", v, tied[ti]);
			CHECK_INT(0, fixture(args));
			CHECK_OK(gpai_model_open("l.bin", &m, &err), &err);
			gpai_model_info(m, &info);
			c = gpai_model_llama2c(m);
			CHECK_INT(v, c->version);
			CHECK_INT(ti, c->shared_classifier);
			CHECK_INT(ti, info.tied_embeddings);
			CHECK_U64(FX_PARAMS - (uint64_t)ti * FX_V * FX_D, info.n_params);
			n = gpai_model_tensor_count(m);
			CHECK_INT(gpai_model_tensor_count(g), n);
			for (size_t i = 0; i < n; i++) {
				const struct gpai_tensor *a = gpai_model_tensor(m, i);
				const struct gpai_tensor *b = gpai_model_find(g, a->name);

				if (!b)
					continue;
				if (a->dtype == GPAI_DTYPE_F32) {
					same += a->nbytes == b->nbytes &&
						memcmp(a->data, b->data, a->nbytes) == 0;
					continue;
				}
				/* Q8_GROUP: each value within half a step of its
				 * group's scale. */
				{
					const int8_t *q = a->data;
					const float *w = b->data;
					int gs = c->group_size, ok = 1;

					for (uint64_t j = 0; j < a->n_elements; j++) {
						float s;

						memcpy(&s, (const unsigned char *)a->data + a->n_elements +
							       4 * (j / gs), 4);
						ok &= fabsf(q[j] * s - w[j]) <= 0.5f * s + 1e-7f;
					}
					same += ok;
				}
			}
			CHECK_INT(n, same);
			gpai_model_close(m);
		}
		gpai_model_close(g);
	}
}

TEST(fixture_bad_llama2c_files_are_rejected)
{
	static const struct {
		const char *kind, *needle;
	} cases[] = {
		{ "llama2c-truncated", "offset 36184: file is 36184 bytes; its config (dim 16, 2 layers, vocab 32) needs 36188" },
		{ "llama2c-bad-version", "offset 4: unsupported llama2.c checkpoint version 9" },
		{ "llama2c-bad-group", "offset 37: group size 3 does not divide dim 16" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gpai_modelinfo info;
		struct gpai_error err;
		char args[256], file[64];

		gpai_error_init(&err);
		snprintf(file, sizeof(file), "%s.bin", cases[i].kind);
		snprintf(args, sizeof(args), "bad %s %s", cases[i].kind, file);
		CHECK_INT(0, fixture(args));
		CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file(file, &info, &err), &err, cases[i].needle);
		CHECK(strstr(gpai_errmsg(&err), file) != NULL);
	}
}

/* The fixture's tokenizer.bin is what llama2.c's tokenizer reader (the
 * engine's) accepts, with the fixture vocabulary's size. */
TEST(fixture_tokenizer_bin_opens)
{
	struct gpai_tokenizer *tok = NULL;
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_INT(0, fixture("tokenizer tok.bin"));
	CHECK_OK(gpai_tokenizer_open_llama2c("tok.bin", FX_V, &tok, &err), &err);
	CHECK_INT(FX_V, gpai_tokenizer_n_vocab(tok));
	gpai_tokenizer_free(tok);
}
