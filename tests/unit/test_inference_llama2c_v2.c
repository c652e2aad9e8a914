/* test_inference_llama2c_v2.c - the engine on llama2.c version 2
 * checkpoints (export.py version2_export: int8 weights with a float32 scale
 * per group of GS elements, run as runq.c does).
 *
 * The v2 files come from tests/llama2c_export.py, which quantizes a float
 * checkpoint with export.py's algorithm in numpy (Debian's /usr/bin/python3),
 * independently of gpai-fixture; the test also checks that gpai-fixture's
 * own v2 writer gives the same bytes.  Logits over a token sequence are
 * compared with tests/llama_ref.py (numpy float64 on the dequantized
 * weights, q * scale) and with the engine on the float checkpoint of the
 * same weights.  Tolerances (largest |difference| over the largest |ref|):
 *   v2 vs numpy on its own dequantized weights        2e-2
 *     (activations quantized to 8 bits per group, as runq.c)
 *   v2 vs the float32 model                           5e-2
 * the same bounds as GGUF Q8_0 (test_inference_forward.c).  Shapes cover a
 * group of 64 with rows of whole groups (the AVX2 path), groups of 32 and 8
 * (8: the portable path only), rows that are not whole groups (hidden 96,
 * GS 64: ffn_down rows straddle groups), and a tied classifier.
 *
 * The products themselves (kern_matvec, kern_matmat, wref_row on WT_Q8G,
 * from engine_private.h) are checked bit for bit against runq.c's
 * quantize() and matmul() as written in the test. */
#include "common.h"
#include "engine_private.h"
#include "harness.h"
#include "inference.h"

#include <math.h>
#include <stdlib.h>

#define NV 64
#define TOKENS "1 5 9 3 17 33 2 60 12 40"
#define NTOK 10
#define PY "/usr/bin/python3"

static const char *top(void)
{
	return getenv("GPAI_TOP") ? getenv("GPAI_TOP") : ".";
}

static int sh(char *cmd)
{
	int rc = cmd ? system(cmd) : -1;

	free(cmd);
	return rc;
}

static int fixture(const char *args)
{
	const char *tool = getenv("GPAI_FIXTURE");

	return sh(gpai_asprintf("'%s' %s >/dev/null", tool && *tool ? tool : "gpai-fixture", args));
}

/* tests/llama2c_export.py IN OUT [GS] (gs 0: export.py's default). */
static int export_v2(const char *in, const char *out, int gs)
{
	char g[16] = "";

	if (gs)
		snprintf(g, sizeof(g), " %d", gs);
	return sh(gpai_asprintf(PY " '%s/tests/llama2c_export.py' '%s' '%s'%s", top(), in, out, g));
}

/* Runs n tokens through model; out[n][nv]. */
static int logits_of(const char *model, int threads, const int32_t *toks, int n, int nv,
		     float *out, struct gpai_error *err)
{
	struct gpai_engine_options opt = { threads, NULL };
	struct gpai_engine *e;
	int rc = gpai_engine_open(model, &opt, &e, err);

	if (rc)
		return rc;
	if (gpai_engine_info(e)->vocab_size != nv) {
		gpai_engine_free(e);
		return gpai_error_set(err, GPAI_EFORMAT, "vocabulary is not %d", nv);
	}
	for (int i = 0; i < n && !rc; i++) {
		float *l;

		rc = gpai_engine_forward(e, toks[i], i, &l, err);
		if (!rc)
			memcpy(out + (size_t)i * (size_t)nv, l, sizeof(float) * (size_t)nv);
	}
	gpai_engine_free(e);
	return rc;
}

static void parse_tokens(const char *s, int32_t *toks, int n)
{
	char *end;

	for (int i = 0; i < n; i++) {
		toks[i] = (int32_t)strtol(s, &end, 10);
		s = end;
	}
}

/* tests/llama_ref.py on `model` against logits[n][nv]; 0 within tol. */
static int against_numpy(const float *logits, size_t n_floats, const char *model,
			 const char *tokens, double tol)
{
	if (t_write("logits.bin", logits, sizeof(float) * n_floats))
		return -1;
	return sh(gpai_asprintf(PY " '%s/tests/llama_ref.py' '%s' '%s' logits.bin %g", top(), model,
				tokens, tol));
}

static double rel_diff(const float *a, const float *b, size_t n)
{
	double d = 0, m = 0;

	for (size_t i = 0; i < n; i++) {
		d = fmax(d, fabs((double)a[i] - b[i]));
		m = fmax(m, fabs((double)b[i]));
	}
	return d / m;
}

static int same_file(const char *a, const char *b)
{
	return sh(gpai_asprintf("cmp -s '%s' '%s'", a, b));
}

TEST(v2_matches_numpy_and_the_float_model)
{
	static const struct {
		const char *shape;
		int gs; /* 0: export.py's default */
	} cases[] = {
		{ "--dim 64 --hidden 128 --layers 2 --heads 4 --kv-heads 2", 0 },
		{ "--dim 64 --hidden 128 --layers 2 --heads 4 --kv-heads 2", 32 },
		{ "--dim 64 --hidden 128 --layers 2 --heads 4 --kv-heads 2", 8 },
		{ "--dim 64 --hidden 96 --layers 2 --heads 4 --kv-heads 2", 0 },
		{ "--dim 64 --hidden 96 --layers 2 --heads 4 --kv-heads 4 --tied", 0 },
		{ "--dim 48 --hidden 80 --layers 1 --heads 6 --kv-heads 2", 0 }, /* GS 16 */
	};
	static float f[NTOK * NV], q[NTOK * NV];
	struct gpai_error err;
	int32_t toks[NTOK];

	gpai_error_init(&err);
	parse_tokens(TOKENS, toks, NTOK);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *a, g[32] = "";

		if (cases[i].gs)
			snprintf(g, sizeof(g), " --group %d", cases[i].gs);
		a = gpai_asprintf("llama2c f.bin --version 1 --vocab %d --seq 32 --seed %zu %s", NV,
				  7 + i, cases[i].shape);
		CHECK_INT(0, fixture(a));
		free(a);
		a = gpai_asprintf("llama2c fx2.bin --version 2 --vocab %d --seq 32 --seed %zu %s%s", NV,
				  7 + i, cases[i].shape, g);
		CHECK_INT(0, fixture(a));
		free(a);
		CHECK_INT(0, export_v2("f.bin", "q.bin", cases[i].gs));
		/* gpai-fixture's v2 writer is export.py's algorithm too */
		CHECK_INT(0, same_file("q.bin", "fx2.bin"));
		CHECK_OK(logits_of("f.bin", 1, toks, NTOK, NV, f, &err), &err);
		CHECK_OK(logits_of("q.bin", 1, toks, NTOK, NV, q, &err), &err);
		CHECK_INT(0, against_numpy(q, NTOK * NV, "q.bin", TOKENS, 2e-2));
		CHECK_NEAR(0, rel_diff(q, f, NTOK * NV), 5e-2);
	}
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

/* Matrices large enough (>= 64 KiB) to be split over threads; hidden 544
 * = 8.5 groups of 64: ffn_down rows straddle groups. */
TEST(v2_threads_and_batches_give_bit_identical_logits)
{
	static const char *const shapes[] = {
		"--dim 256 --hidden 512 --layers 1 --heads 4 --kv-heads 4",
		"--dim 256 --hidden 544 --layers 1 --heads 4 --kv-heads 2",
	};
	static float a[40 * NV], b[40 * NV];
	struct gpai_error err;
	int32_t toks[40];

	gpai_error_init(&err);
	for (int i = 0; i < 40; i++)
		toks[i] = (i * 7 + 3) % NV;
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		struct gpai_engine_options opt = { 2, NULL };
		struct gpai_engine *e;
		struct batch_ctx c = { b, 0 };
		char *args = gpai_asprintf("llama2c big.bin --version 2 --vocab %d --seq 64 %s", NV,
					   shapes[s]);

		CHECK_INT(0, fixture(args));
		free(args);
		CHECK_OK(logits_of("big.bin", 1, toks, 40, NV, a, &err), &err);
		CHECK_OK(logits_of("big.bin", 2, toks, 40, NV, b, &err), &err);
		CHECK(memcmp(a, b, sizeof(a)) == 0);
		/* 40 tokens cross a batch boundary (32) */
		memset(b, 0, sizeof(b));
		CHECK_OK(gpai_engine_open("big.bin", &opt, &e, &err), &err);
		CHECK_OK(gpai_engine_forward_batch(e, toks, 40, 0, keep_logits, &c, &err), &err);
		CHECK_INT(40, c.n);
		CHECK(memcmp(a, b, sizeof(a)) == 0);
		gpai_engine_free(e);
	}
}

/* The engine runs the int8 values and scales as stored, in the map: its
 * dtype is Q8_GROUP, its weight bytes are the file's int8 values, scales
 * and float32 norms (everything after the 256-byte header), and its weight
 * references are the model handle's tensor pointers. */
TEST(v2_weights_are_used_in_place)
{
	struct gpai_engine_options opt = { 1, NULL };
	struct gpai_engine *e;
	struct gpai_error err;
	const struct gpai_engine_info *in;
	/* default fixture shape: dim 16 (GS 16), hidden 64, 2 layers, vocab 32 */
	uint64_t q = 32 * 16 + 2 * (2 * 16 * 16 + 2 * 8 * 16 + 3 * 64 * 16) + 32 * 16;

	gpai_error_init(&err);
	CHECK_INT(0, fixture("llama2c q.bin --version 2"));
	CHECK_OK(gpai_engine_open("q.bin", &opt, &e, &err), &err);
	in = gpai_engine_info(e);
	CHECK_STR("Q8_GROUP", in->dtype);
	CHECK_U64(q + 4 * (q / 16) + 4 * (2 * 2 * 16 + 16), in->weight_bytes);
	/* every matrix points into the map, its scales right after its int8
	 * values (engine_private.h: nothing is copied) */
	{
		static const char *const names[] = { "attn_q", "attn_k", "attn_v", "attn_output",
						     "ffn_gate", "ffn_down", "ffn_up" };
		int mapped = 0;

		for (int l = 0; l < 2; l++) {
			const struct wref *w[] = { &e->l[l].wq, &e->l[l].wk, &e->l[l].wv, &e->l[l].wo,
						   &e->l[l].w1, &e->l[l].w2, &e->l[l].w3 };

			for (int k = 0; k < 7; k++) {
				char name[64];
				const struct gpai_tensor *t;

				snprintf(name, sizeof(name), "blk.%d.%s.weight", l, names[k]);
				t = gpai_model_find(e->model, name);
				mapped += t && w[k]->type == WT_Q8G && w[k]->data == t->data &&
					  w[k]->scales == (const unsigned char *)t->data + t->n_elements &&
					  w[k]->group == 16;
			}
		}
		CHECK_INT(14, mapped);
		CHECK(e->tok_embd.data == gpai_model_find(e->model, "token_embd.weight")->data);
		CHECK(e->output.data == gpai_model_find(e->model, "output.weight")->data);
	}
	gpai_engine_free(e);
}

TEST(bad_v2_files_are_clear_errors)
{
	static const struct {
		const char *kind, *needle;
	} cases[] = {
		{ "llama2c-v2-truncated",
		  "offset 11455: file is 11455 bytes; its config (dim 16, 2 layers, vocab 32) needs 11456" },
		{ "llama2c-v2-group-zero", "offset 37: group size 0 is not positive" },
		{ "llama2c-bad-group", "offset 37: group size 3 does not divide dim 16" },
	};
	struct gpai_engine_options opt = { 1, NULL };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gpai_engine *e = NULL;
		struct gpai_error err;
		char args[256], file[64];

		gpai_error_init(&err);
		snprintf(file, sizeof(file), "%s.bin", cases[i].kind);
		snprintf(args, sizeof(args), "bad %s %s", cases[i].kind, file);
		CHECK_INT(0, fixture(args));
		CHECK_ERR(GPAI_EFORMAT, gpai_engine_open(file, &opt, &e, &err), &err, cases[i].needle);
		CHECK(strstr(gpai_errmsg(&err), file) != NULL);
		CHECK(e == NULL);
	}
}

/* The real stories260K, exported to v2 by the numpy exporter (GS 64;
 * hidden_dim 172 is not whole groups), against numpy on its dequantized
 * weights and against the float .bin. */
TEST(stories260k_v2_matches_numpy_and_the_float_model)
{
	enum { SV = 512, SN = 8 };
	const char *tokens = "1 403 407 261 378 432 383 286";
	static float f[SN * SV], q[SN * SV];
	struct gpai_error err;
	int32_t toks[SN];

	if (!t_have_shared("models/stories260K/stories260K.bin")) {
		t_fail(__FILE__, __LINE__, "missing %s", t_shared("models/stories260K/stories260K.bin"));
		return;
	}
	gpai_error_init(&err);
	parse_tokens(tokens, toks, SN);
	CHECK_INT(0, export_v2(t_shared("models/stories260K/stories260K.bin"), "s2.bin", 0));
	CHECK_OK(logits_of(t_shared("models/stories260K/stories260K.bin"), 1, toks, SN, SV, f, &err),
		 &err);
	CHECK_OK(logits_of("s2.bin", 1, toks, SN, SV, q, &err), &err);
	CHECK_INT(0, against_numpy(q, SN * SV, "s2.bin", tokens, 2e-2));
	CHECK_NEAR(0, rel_diff(q, f, SN * SV), 5e-2);
}

/* ---- the kernels against runq.c ---------------------------------------------- */

/* runq.c quantize(): per group, scale = max|x| / 127, q = round(x / scale). */
static void runq_quantize(const float *x, int n, int gs, int8_t *q, float *s)
{
	for (int g = 0; g < n / gs; g++) {
		float wmax = 0;

		for (int i = 0; i < gs; i++)
			if (fabsf(x[g * gs + i]) > wmax)
				wmax = fabsf(x[g * gs + i]);
		s[g] = wmax / 127.0f;
		for (int i = 0; i < gs; i++)
			q[g * gs + i] = (int8_t)round(x[g * gs + i] / s[g]);
	}
}

/* Row r of W (q, scales per flat group of gs) times x.  Rows of whole
 * groups: runq.c matmul() on the quantized x.  Otherwise the rows are cut
 * at the group boundaries and each piece is scale * sum(q * x) in float. */
static float ref_row(const int8_t *wq, const float *ws, int r, int cols, int gs, const float *x,
		     const int8_t *xq, const float *xs)
{
	int in = r * cols;
	float val = 0.0f;

	if (cols % gs == 0) {
		for (int j = 0; j <= cols - gs; j += gs) {
			int32_t ival = 0;

			for (int k = 0; k < gs; k++)
				ival += ((int32_t)xq[j + k]) * ((int32_t)wq[in + j + k]);
			val += ((float)ival) * ws[(in + j) / gs] * xs[j / gs];
		}
		return val;
	}
	for (int i = in; i < in + cols;) {
		int g = i / gs, end = (g + 1) * gs < in + cols ? (g + 1) * gs : in + cols;
		float piece = 0.0f;

		for (; i < end; i++)
			piece += (float)wq[i] * x[i - in];
		val += piece * ws[g];
	}
	return val;
}

TEST(q8g_products_are_runq_matmul_bit_for_bit)
{
	static const struct {
		int rows, cols, gs;
	} cases[] = {
		{ 300, 256, 64 },  /* whole groups of 64: the AVX2 path, threaded */
		{ 40, 96, 32 },
		{ 40, 64, 8 },     /* 8: the portable path */
		{ 64, 172, 64 },   /* stories260K ffn_down: rows straddle groups */
		{ 12, 10, 4 },
	};
	struct gpai_error err;
	struct gpai_pool *pool = NULL;
	uint64_t seed = 88172645463325252ULL;

	gpai_error_init(&err);
	CHECK_OK(gpai_pool_new(2, &pool, &err), &err);
	/* both the portable and (where the CPU has it) the AVX2 kernels */
	for (size_t cs = 0; cs < 2 * sizeof(cases) / sizeof(cases[0]); cs++) {
		size_t c = cs % (sizeof(cases) / sizeof(cases[0]));
		int simd = cs >= sizeof(cases) / sizeof(cases[0]);
		int R = cases[c].rows, C = cases[c].cols, gs = cases[c].gs, n = R * C, nb = 3;
		/* the last group, which the rows may end inside, has its scale too */
		int ng = (n + gs - 1) / gs;
		/* one spare byte in front: the scales are read unaligned */
		unsigned char *buf = malloc((size_t)n + 4 * (size_t)ng + 1);
		int8_t *wq = (int8_t *)(buf + 1), *xq = malloc((size_t)C);
		float *ws = malloc(sizeof(float) * (size_t)ng), *x = malloc(sizeof(float) * 3 * C);
		float *xs = malloc(sizeof(float) * (size_t)C), *out = malloc(sizeof(float) * 3 * R);
		float *row = malloc(sizeof(float) * (size_t)C);
		struct kern k = { .pool = pool };
		struct q8buf xqn;
		struct wref w;
		int same = 1;

		kern_use_simd(simd);
		k.xq.q = malloc((size_t)C);
		k.xq.d = malloc(sizeof(float) * (size_t)C);
		xqn.q = malloc(3 * (size_t)C);
		xqn.d = malloc(sizeof(float) * 3 * (size_t)C);
		for (int i = 0; i < n; i++) {
			seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17; /* xorshift64 */
			wq[i] = (int8_t)(seed % 255) - 127;
		}
		for (int g = 0; g < ng; g++)
			ws[g] = 1e-3f * (float)(1 + (g * 37) % 101);
		memcpy(buf + 1 + n, ws, sizeof(float) * (size_t)ng);
		for (int i = 0; i < 3 * C; i++)
			x[i] = sinf(0.37f * (float)i) * (1.0f + (float)(i % 7));
		w = (struct wref){ .data = wq, .type = WT_Q8G, .rows = R, .cols = C,
				   .scales = buf + 1 + n, .group = gs };
		for (int b = 0; b < nb; b++) {
			kern_matvec(&k, out, &w, x + b * C);
			if (C % gs == 0)
				runq_quantize(x + b * C, C, gs, xq, xs);
			for (int r = 0; r < R; r++) {
				float want = ref_row(wq, ws, r, C, gs, x + b * C, xq, xs);

				same &= memcmp(&want, &out[r], sizeof(float)) == 0;
			}
		}
		CHECK(same);
		/* several vectors at once: the same values */
		kern_matmat(&k, out, R, &w, x, C, nb, &xqn);
		for (int b = 0; b < nb; b++) {
			if (C % gs == 0)
				runq_quantize(x + b * C, C, gs, xq, xs);
			for (int r = 0; r < R; r++) {
				float want = ref_row(wq, ws, r, C, gs, x + b * C, xq, xs);

				same &= memcmp(&want, &out[b * R + r], sizeof(float)) == 0;
			}
		}
		CHECK(same);
		/* a row dequantized: q * scale[i / gs] (runq.c dequantize) */
		wref_row(&w, R - 1, row);
		for (int i = 0; i < C; i++) {
			int at = (R - 1) * C + i;
			float want = wq[at] * ws[at / gs];

			same &= memcmp(&want, &row[i], sizeof(float)) == 0;
		}
		CHECK(same);
		free(buf), free(xq), free(ws), free(x), free(xs), free(out), free(row);
		kern_release(&k);
		free(xqn.q), free(xqn.d);
	}
	kern_use_simd(KERN_BEST);
	gpai_pool_free(pool);
}

/* A NaN scale (the last one of the file: the classifier's last group) is
 * reported by the forward pass, naming the logit. */
TEST(v2_nan_scale_is_a_clear_error)
{
	struct gpai_engine_options opt = { 1, NULL };
	struct gpai_engine *e;
	struct gpai_error err;
	struct gpai_map m;
	unsigned char *copy;
	float nan_ = NAN, *l;

	gpai_error_init(&err);
	CHECK_INT(0, fixture("llama2c q.bin --version 2"));
	CHECK_OK(gpai_map_open(&m, "q.bin", &err), &err);
	copy = malloc(m.size);
	CHECK(copy != NULL);
	memcpy(copy, m.data, m.size);
	memcpy(copy + m.size - 4, &nan_, 4);
	CHECK_INT(0, t_write("nan.bin", copy, m.size));
	free(copy);
	gpai_map_close(&m);
	CHECK_OK(gpai_engine_open("nan.bin", &opt, &e, &err), &err);
	CHECK_ERR(GPAI_EFORMAT, gpai_engine_forward(e, 1, 0, &l, &err), &err,
		  "logit 31 at position 0 is not finite: the weights hold NaN or infinity");
	gpai_engine_free(e);
}
