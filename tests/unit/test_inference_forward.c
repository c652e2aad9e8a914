/* test_inference_forward.c - the forward pass on the formats no real model
 * here covers: gpai-fixture writes one small deterministic random Llama in
 * each format (same seed, same weights), gpai's logits over a token
 * sequence go to a file, and tests/llama_ref.py (an independent numpy
 * float64 forward pass, Debian's /usr/bin/python3) compares them.
 *
 * Tolerances (largest |gpai - ref| over the largest |ref| logit):
 *   float weights (F32, F16, BF16; GGUF and safetensors)  1e-5
 *   GGUF BF16 vs the float32 model                         2e-2
 *     (float32 accumulation against float64 on the same weights)
 *   Q8_0 vs its own dequantized weights                    2e-2
 *   Q4_0 vs its own dequantized weights                    2e-2
 *     (the activations are quantized to 8 bits per 32-block, as llama.cpp)
 *   Q8_0 vs the float32 model                              5e-2
 *   Q4_0 vs the float32 model                              0.5
 *     (4-bit weights: a bound, not an accuracy claim)
 * GGUF (adjacent-pair RoPE, q/k permuted) and HF safetensors (rotate-half,
 * q/k as HF stores them) of the same weights agree within 1e-5, which is
 * the proof that both conventions give the same logits.  The portable
 * kernels (no AVX2, as GPAI_NO_SIMD=1 selects) meet the same tolerances and
 * agree with the AVX2 ones within 1e-5 (F32) and 2e-2 (Q8_0: a rounding
 * difference can move one activation by one int8 step). */
#include "common.h"
#include "engine_private.h"
#include "harness.h"
#include "inference.h"

#include <math.h>
#include <stdlib.h>

#define SHAPE "--dim 64 --hidden 96 --layers 2 --heads 4 --kv-heads 2 --vocab 64 --seq 32 --seed 7"
#define NV 64
#define TOKENS "1 5 9 3 17 33 2 60 12 40"
#define NTOK 10

static int fixture(const char *args)
{
	const char *tool = getenv("GPAI_FIXTURE");
	char *cmd = gpai_asprintf("'%s' %s >/dev/null", tool && *tool ? tool : "gpai-fixture", args);
	int rc = cmd ? system(cmd) : -1;

	free(cmd);
	return rc;
}

/* Runs TOKENS through model; logits[NTOK][NV]. */
static int logits_of(const char *model, int threads, float *out, struct gpai_error *err)
{
	struct gpai_engine_options opt = { threads, NULL };
	struct gpai_engine *e;
	int32_t toks[NTOK];
	char *end;
	const char *p = TOKENS;
	int rc;

	for (int i = 0; i < NTOK; i++) {
		toks[i] = (int32_t)strtol(p, &end, 10);
		p = end;
	}
	rc = gpai_engine_open(model, &opt, &e, err);
	if (rc)
		return rc;
	if (gpai_engine_info(e)->vocab_size != NV) {
		gpai_engine_free(e);
		return gpai_error_set(err, GPAI_EFORMAT, "vocabulary is not %d", NV);
	}
	for (int i = 0; i < NTOK && !rc; i++) {
		float *l;

		rc = gpai_engine_forward(e, toks[i], i, &l, err);
		if (!rc)
			memcpy(out + i * NV, l, sizeof(float) * NV);
	}
	gpai_engine_free(e);
	return rc;
}

/* Compares with the numpy reference of ref_model; 0 when within tol. */
static int against_numpy(const float *logits, const char *ref_model, double tol)
{
	char *cmd;
	int rc;

	if (t_write("logits.bin", logits, sizeof(float) * NTOK * NV))
		return -1;
	cmd = gpai_asprintf("/usr/bin/python3 '%s/tests/llama_ref.py' '%s' '%s' logits.bin %g",
			    getenv("GPAI_TOP") ? getenv("GPAI_TOP") : ".", ref_model, TOKENS, tol);
	rc = cmd ? system(cmd) : -1;
	free(cmd);
	return rc;
}

static double rel_diff(const float *a, const float *b)
{
	double d = 0, m = 0;

	for (int i = 0; i < NTOK * NV; i++) {
		d = fmax(d, fabs((double)a[i] - b[i]));
		m = fmax(m, fabs((double)b[i]));
	}
	return d / m;
}

TEST(float_formats_match_numpy_and_each_other)
{
	struct gpai_error err;
	static float g32[NTOK * NV], st[NTOK * NV], x[NTOK * NV];

	gpai_error_init(&err);
	CHECK_INT(0, fixture("gguf m32.gguf --type f32 " SHAPE));
	CHECK_INT(0, fixture("safetensors st32 --dtype f32 " SHAPE));
	CHECK_OK(logits_of("m32.gguf", 1, g32, &err), &err);
	CHECK_INT(0, against_numpy(g32, "m32.gguf", 1e-5));
	/* HF layout, rotate-half RoPE: same logits as the GGUF layout */
	CHECK_OK(logits_of("st32", 1, st, &err), &err);
	CHECK_INT(0, against_numpy(st, "st32", 1e-5));
	CHECK_NEAR(0, rel_diff(st, g32), 1e-5);
	/* llama2.c v0 and v1 of the same weights: the same floats exactly */
	CHECK_INT(0, fixture("llama2c m0.bin --version 0 " SHAPE));
	CHECK_INT(0, fixture("llama2c m1.bin --version 1 " SHAPE));
	CHECK_OK(logits_of("m0.bin", 1, x, &err), &err);
	CHECK(memcmp(x, g32, sizeof(x)) == 0);
	CHECK_OK(logits_of("m1.bin", 1, x, &err), &err);
	CHECK(memcmp(x, g32, sizeof(x)) == 0);
	/* half-precision weights against numpy on the same rounded weights */
	CHECK_INT(0, fixture("gguf m16.gguf --type f16 " SHAPE));
	CHECK_OK(logits_of("m16.gguf", 1, x, &err), &err);
	CHECK_INT(0, against_numpy(x, "m16.gguf", 1e-5));
	CHECK_INT(0, fixture("safetensors st16 --dtype f16 " SHAPE));
	CHECK_OK(logits_of("st16", 1, x, &err), &err);
	CHECK_INT(0, against_numpy(x, "st16", 1e-5));
	CHECK_INT(0, fixture("safetensors stbf --dtype bf16 " SHAPE));
	CHECK_OK(logits_of("stbf", 1, st, &err), &err);
	CHECK_INT(0, against_numpy(st, "stbf", 1e-5));
	/* GGUF BF16 (ggml type 30; norms stay F32 as llama.cpp writes them):
	 * numpy on the same bfloat16-rounded weights, and a bound against
	 * the float32 model (8-bit mantissas) */
	CHECK_INT(0, fixture("gguf mbf.gguf --type bf16 " SHAPE));
	CHECK_OK(logits_of("mbf.gguf", 1, x, &err), &err);
	CHECK_INT(0, against_numpy(x, "mbf.gguf", 1e-5));
	CHECK_NEAR(0, rel_diff(x, g32), 2e-2);
}

TEST(quantized_formats_within_their_bounds)
{
	struct gpai_error err;
	static float g32[NTOK * NV], q8[NTOK * NV], q4[NTOK * NV];

	gpai_error_init(&err);
	CHECK_INT(0, fixture("gguf m32.gguf --type f32 " SHAPE));
	CHECK_INT(0, fixture("gguf q8.gguf --type q8_0 " SHAPE));
	CHECK_INT(0, fixture("gguf q4.gguf --type q4_0 " SHAPE));
	CHECK_OK(logits_of("m32.gguf", 1, g32, &err), &err);
	CHECK_OK(logits_of("q8.gguf", 1, q8, &err), &err);
	CHECK_OK(logits_of("q4.gguf", 1, q4, &err), &err);
	CHECK_INT(0, against_numpy(q8, "q8.gguf", 2e-2));
	CHECK_INT(0, against_numpy(q4, "q4.gguf", 2e-2));
	CHECK_NEAR(0, rel_diff(q8, g32), 5e-2);
	CHECK_NEAR(0, rel_diff(q4, g32), 0.5);
}

TEST(gpt2_in_both_layouts_matches_numpy)
{
	struct gpai_error err;
	static float g[NTOK * NV], st[NTOK * NV], x[NTOK * NV];
	const char *shape = "--dim 64 --hidden 128 --layers 2 --heads 4 --vocab 64 --seq 32 --seed 11";
	char *a;

	gpai_error_init(&err);
	a = gpai_asprintf("gpt2-gguf g.gguf %s", shape);
	CHECK_INT(0, fixture(a));
	free(a);
	a = gpai_asprintf("gpt2-safetensors st %s", shape);
	CHECK_INT(0, fixture(a));
	free(a);
	CHECK_OK(logits_of("g.gguf", 1, g, &err), &err);
	CHECK_INT(0, against_numpy(g, "g.gguf", 1e-5));
	/* HF Conv1D [in][out] storage: the same model */
	CHECK_OK(logits_of("st", 1, st, &err), &err);
	CHECK_INT(0, against_numpy(st, "st", 1e-5));
	CHECK_NEAR(0, rel_diff(st, g), 1e-5);
	a = gpai_asprintf("gpt2-safetensors stbf --dtype bf16 %s", shape);
	CHECK_INT(0, fixture(a));
	free(a);
	CHECK_OK(logits_of("stbf", 1, x, &err), &err);
	CHECK_INT(0, against_numpy(x, "stbf", 1e-5));
	a = gpai_asprintf("gpt2-gguf q8.gguf --type q8_0 %s", shape);
	CHECK_INT(0, fixture(a));
	free(a);
	CHECK_OK(logits_of("q8.gguf", 1, x, &err), &err);
	CHECK_INT(0, against_numpy(x, "q8.gguf", 2e-2));
	CHECK_NEAR(0, rel_diff(x, g), 5e-2);
}

TEST(logits_are_bit_identical_for_1_and_2_threads)
{
	struct gpai_error err;
	static float a[NTOK * NV], b[NTOK * NV];
	/* matrices large enough (>= 64 KiB) to be split over threads */
	const char *big = "--dim 256 --hidden 512 --layers 1 --heads 4 --kv-heads 4 --vocab 64 --seq 32";

	gpai_error_init(&err);
	for (int k = 0; k < 2; k++) {
		char *args = gpai_asprintf("gguf big.gguf --type %s %s", k ? "q8_0" : "f32", big);

		CHECK_INT(0, fixture(args));
		free(args);
		CHECK_OK(logits_of("big.gguf", 1, a, &err), &err);
		CHECK_OK(logits_of("big.gguf", 2, b, &err), &err);
		CHECK(memcmp(a, b, sizeof(a)) == 0);
	}
}

TEST(bad_models_are_clear_errors)
{
	struct gpai_error err;
	struct gpai_engine *e;
	struct gpai_engine_options opt = { 1, NULL };

	gpai_error_init(&err);
	/* a config.json that disagrees with the tensors */
	CHECK_INT(0, fixture("safetensors st " SHAPE));
	{
		char *cfg = NULL;
		size_t n;

		CHECK_OK(gpai_read_file("st/config.json", 1 << 16, &cfg, &n, &err), &err);
		char *p = strstr(cfg, "\"intermediate_size\": 96");
		CHECK(p != NULL);
		memcpy(p, "\"intermediate_size\": 64", 23);
		CHECK_INT(0, t_write("st/config.json", cfg, n));
		free(cfg);
	}
	CHECK_ERR(GPAI_EFORMAT, gpai_engine_open("st", &opt, &e, &err), &err,
		  "tensor 'model.layers.0.mlp.gate_proj.weight' has shape [96, 64], the config needs [64, 64]");
	/* truncated GGUF */
	CHECK_INT(0, fixture("gguf m.gguf " SHAPE));
	{
		struct gpai_map m;

		CHECK_OK(gpai_map_open(&m, "m.gguf", &err), &err);
		CHECK_INT(0, t_write("short.gguf", m.data, m.size - 100));
		gpai_map_close(&m);
	}
	CHECK(gpai_engine_open("short.gguf", &opt, &e, &err) == GPAI_EFORMAT);
	CHECK(strstr(gpai_errmsg(&err), "short.gguf") != NULL);
}

struct batch_ctx {
	float *out;
	int n;
};

static int keep_logits(void *ctx, int32_t pos, const float *logits)
{
	struct batch_ctx *c = ctx;

	memcpy(c->out + (size_t)pos * NV, logits, sizeof(float) * NV);
	c->n++;
	return 0;
}

TEST(batched_prompt_processing_gives_the_same_logits)
{
	struct gpai_error err;
	static float seq[40 * NV], bat[40 * NV];
#define BSHAPE "--dim 64 --hidden 96 --layers 2 --heads 4 --kv-heads 2 --vocab 64 --seq 64"
	const char *models[] = { "gguf q8.gguf --type q8_0 " BSHAPE, "safetensors f " BSHAPE,
				 "gpt2-gguf g.gguf --dim 64 --hidden 128 --layers 2 --heads 4 --vocab 64 --seq 64" };
	const char *files[] = { "q8.gguf", "f", "g.gguf" };
	int32_t toks[40];

	gpai_error_init(&err);
	for (int i = 0; i < 40; i++)
		toks[i] = (i * 7 + 3) % NV;
	for (int m = 0; m < 3; m++) {
		struct gpai_engine_options opt = { 2, NULL };
		struct gpai_engine *e;
		struct batch_ctx c = { bat, 0 };
		float *l;
		int n = m == 1 ? 32 : 40; /* 40 crosses a batch boundary (32) */

		CHECK_INT(0, fixture(models[m]));
		CHECK_OK(gpai_engine_open(files[m], &opt, &e, &err), &err);
		for (int p = 0; p < n; p++) {
			CHECK_OK(gpai_engine_forward(e, toks[p], p, &l, &err), &err);
			memcpy(seq + (size_t)p * NV, l, sizeof(float) * NV);
		}
		CHECK_OK(gpai_engine_forward_batch(e, toks, n, 0, keep_logits, &c, &err), &err);
		CHECK_INT(n, c.n);
		CHECK(memcmp(seq, bat, sizeof(float) * (size_t)n * NV) == 0);
		CHECK_ERR(GPAI_EMISUSE, gpai_engine_forward_batch(e, toks, 40, 30, NULL, NULL, &err),
			  &err, "outside the context");
		gpai_engine_free(e);
	}
}

TEST(portable_kernels_match_numpy_and_the_simd_kernels)
{
	struct gpai_error err;
	static float simd[NTOK * NV], port[NTOK * NV], two[NTOK * NV];
	const char *types[] = { "f32", "q8_0" };
	const double tol[] = { 1e-5, 2e-2 };

	gpai_error_init(&err);
	for (int t = 0; t < 2; t++) {
		char *args = gpai_asprintf("gguf m.gguf --type %s %s", types[t], SHAPE);

		CHECK_INT(0, fixture(args));
		free(args);
		kern_use_simd(KERN_BEST);
		CHECK_OK(logits_of("m.gguf", 1, simd, &err), &err);
		kern_use_simd(KERN_PORTABLE);
		CHECK_OK(logits_of("m.gguf", 1, port, &err), &err);
		CHECK_OK(logits_of("m.gguf", 2, two, &err), &err);
		kern_use_simd(KERN_BEST);
		CHECK_INT(0, against_numpy(port, "m.gguf", tol[t]));
		CHECK_NEAR(0, rel_diff(port, simd), tol[t]);
		CHECK(memcmp(port, two, sizeof(port)) == 0);
	}
}
