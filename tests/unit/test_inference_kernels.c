/* test_inference_kernels.c - the engine's matrix kernels (inference/kernels.c)
 * on their own: every weight type, the AVX2/FMA path and the portable path
 * (kern_use_simd), against a float64 dot product computed here from the
 * dequantized weights (and, for Q8_0/Q4_0, the activations as quantized by
 * the rules of docs/inference.md, recomputed here).
 *
 * Shapes are chosen to reach every loop tail: 110 columns for the float
 * types (3 steps of 32, one of 8, 6 scalars), 96 for the block types; 1237
 * rows (not a multiple of any chunk or tile); 29 vectors (F32: nine tiles
 * of 3 and two left over; Q8_0 with AVX2 or AVX-VNNI: four tiles of 8, the
 * last running into the zero padding; with AVX-512 VNNI: one tile of 32,
 * padded).
 *
 * Tolerance: |kernel - float64| <= 1e-5 * sum |w_i x_i| (float32
 * accumulation over ~100 terms; the int8 sums of the block types are exact).
 * 1237 rows make every matrix larger than the size below which a product
 * runs on one thread, so the 2-thread products are really split.
 * Exact checks: batched products, grouped products, 1 vs 2 threads and the
 * two quantizers give bit-identical values, on each SIMD level (AVX2, and
 * AVX-VNNI and AVX-512 VNNI for the batched Q8_0 products where the CPU
 * has them); Q8_0 values are the portable loop's bits on every level. */
#include "common.h"
#include "engine_private.h"
#include "harness.h"

#include <math.h>
#include <stdlib.h>

#define ROWS 1237
#define NVEC 29
#define COLS_F 110
#define COLS_Q 96
#define TOL 1e-5

#if defined(__x86_64__)
#define HAVE_X86_64 1
#else
#define HAVE_X86_64 0
#endif

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64*: a uniform float in [-1, 1). */
static float urand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (float)((double)((rng * 0x2545F4914F6CDD1DULL) >> 11) / 4503599627370496.0 - 1.0);
}

/* Random weights of type t, rows x cols, in their stored layout. */
static unsigned char *make_weights(enum wtype t, int64_t rows, int64_t cols)
{
	size_t rb = wtype_row_bytes(t, cols);
	unsigned char *m = calloc((size_t)rows, rb);

	for (int64_t r = 0; m && r < rows; r++) {
		unsigned char *row = m + (size_t)r * rb;

		for (int64_t i = 0; i < cols; i++) {
			float v = urand();
			uint16_t h;
			uint32_t bits;

			switch (t) {
			case WT_F32:
				memcpy(row + 4 * i, &v, 4);
				break;
			case WT_F16:
				h = f32_to_fp16(v);
				memcpy(row + 2 * i, &h, 2);
				break;
			case WT_BF16:
				memcpy(&bits, &v, 4);
				h = (uint16_t)(bits >> 16);
				memcpy(row + 2 * i, &h, 2);
				break;
			default:
				break;
			}
		}
		for (int64_t b = 0; b < cols / GPAI_QK && (t == WT_Q8_0 || t == WT_Q4_0); b++) {
			size_t bs = t == WT_Q8_0 ? GPAI_Q8_0_BLOCK : GPAI_Q4_0_BLOCK;
			unsigned char *blk = row + (size_t)b * bs;
			uint16_t d = f32_to_fp16(0.01f + 0.02f * (urand() + 1.0f));

			memcpy(blk, &d, 2);
			for (int j = 0; j < (t == WT_Q8_0 ? GPAI_QK : GPAI_QK / 2); j++) {
				urand();
				blk[2 + j] = (unsigned char)(rng >> 24);
			}
		}
	}
	return m;
}

/* The activation as the int8 products see it: Q8_0 blocks with scale
 * max|x|/127 and q = x * (1/scale) rounded to nearest even. */
static void quantized_x(const float *x, int64_t n, double *out)
{
	for (int64_t b = 0; b < n / GPAI_QK; b++) {
		float amax = 0, d, id;

		for (int j = 0; j < GPAI_QK; j++)
			amax = fmaxf(amax, fabsf(x[b * GPAI_QK + j]));
		d = amax / 127.0f;
		id = d != 0 ? 1.0f / d : 0.0f;
		for (int j = 0; j < GPAI_QK; j++)
			out[b * GPAI_QK + j] = (double)d * (double)lrintf(x[b * GPAI_QK + j] * id);
	}
}

/* Checks out[b * ROWS + r] against float64; returns the first bad index or -1. */
static int check_ref(const struct wref *w, const float *x, const float *out, int nvec)
{
	float *row = malloc(sizeof(float) * (size_t)w->cols);
	double *xd = malloc(sizeof(double) * (size_t)w->cols);
	int bad = -1;

	for (int b = 0; b < nvec && bad < 0 && row && xd; b++) {
		const float *xb = x + (size_t)b * (size_t)w->cols;

		if (w->type == WT_Q8_0 || w->type == WT_Q4_0)
			quantized_x(xb, w->cols, xd);
		else
			for (int64_t i = 0; i < w->cols; i++)
				xd[i] = xb[i];
		for (int64_t r = 0; r < w->rows && bad < 0; r++) {
			double s = 0, mag = 0;

			wref_row(w, r, row);
			for (int64_t i = 0; i < w->cols; i++) {
				s += (double)row[i] * xd[i];
				mag += fabs((double)row[i] * xd[i]);
			}
			if (!(fabs(out[b * w->rows + r] - s) <= TOL * mag))
				bad = b * (int)w->rows + (int)r;
		}
	}
	free(row);
	free(xd);
	return row && xd ? bad : 0;
}

struct setup {
	struct kern k;
	struct q8buf xqn;
	float *x;
};

/* Kernel buffers for NVEC vectors of up to cols values (x: NVEC * cols). */
static int setup_init(struct setup *s, int threads, int64_t cols, struct gpai_error *err)
{
	size_t c = (size_t)cols;

	memset(s, 0, sizeof(*s));
	s->k.xq.q = calloc(c + GPAI_QK, 1);
	s->k.xq.d = calloc(c / GPAI_QK + 1, sizeof(float));
	s->k.xq.cap = cols;
	s->xqn.q = calloc(NVEC * (c + GPAI_QK), 1);
	s->xqn.d = calloc(NVEC * (c / GPAI_QK + 1), sizeof(float));
	s->xqn.cap = cols;
	s->x = malloc(sizeof(float) * NVEC * c);
	if (!s->k.xq.q || !s->k.xq.d || !s->xqn.q || !s->xqn.d || !s->x)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory for the kernel buffers");
	return gpai_pool_new(threads, &s->k.pool, err);
}

static void setup_release(struct setup *s)
{
	gpai_pool_free(s->k.pool);
	kern_release(&s->k);
	free(s->xqn.q);
	free(s->xqn.d);
	free(s->x);
}

/* Products of every type on the current path: float64 agreement, and
 * batched == one at a time, grouped == alone, 2 threads == 1 thread. */
static void all_types_on_this_path(void)
{
	struct gpai_error err;
	struct setup s1, s2;
	static float one[NVEC * ROWS], bat[NVEC * ROWS], two[NVEC * ROWS], grp[2 * ROWS];
	const enum wtype types[] = { WT_F32, WT_F16, WT_BF16, WT_Q8_0, WT_Q4_0 };
	int bad;

	gpai_error_init(&err);
	CHECK_OK(setup_init(&s1, 1, COLS_F, &err), &err);
	CHECK_OK(setup_init(&s2, 2, COLS_F, &err), &err);
	for (int i = 0; i < NVEC * COLS_F; i++)
		s1.x[i] = s2.x[i] = urand();
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		int64_t cols = types[t] == WT_Q8_0 || types[t] == WT_Q4_0 ? COLS_Q : COLS_F;
		unsigned char *m = make_weights(types[t], ROWS, cols);
		unsigned char *m2 = make_weights(types[t], ROWS, cols);
		struct wref w = { .data = m, .type = types[t], .rows = ROWS, .cols = cols };
		struct wref w2 = { .data = m2, .type = types[t], .rows = ROWS, .cols = cols };
		/* x as COLS_F-strided vectors; the reference reads them packed */
		static float packed[NVEC * COLS_F];

		CHECK(m != NULL && m2 != NULL);
		for (int b = 0; b < NVEC; b++) {
			memcpy(packed + b * cols, s1.x + b * COLS_F, sizeof(float) * (size_t)cols);
			kern_matvec(&s1.k, one + b * ROWS, &w, s1.x + b * COLS_F);
			kern_matvec(&s2.k, two + b * ROWS, &w, s2.x + b * COLS_F);
		}
		bad = check_ref(&w, packed, one, NVEC);
		if (bad >= 0) {
			t_fail(__FILE__, __LINE__, "%s: value %d (vector %d, row %d) is off float64",
			       wtype_name(types[t]), bad, bad / ROWS, bad % ROWS);
			return;
		}
		CHECK(memcmp(one, two, sizeof(one)) == 0);
		kern_matmat(&s2.k, bat, ROWS, &w, s2.x, COLS_F, NVEC, &s2.xqn);
		CHECK(memcmp(one, bat, sizeof(one)) == 0);
		{
			struct kern_mv g[2] = { { grp, &w2, 0 }, { grp + ROWS, &w, 0 } };

			kern_matvec_group(&s2.k, g, 2, s2.x + 2 * COLS_F);
			CHECK(memcmp(grp + ROWS, one + 2 * ROWS, sizeof(float) * ROWS) == 0);
			kern_matvec(&s1.k, two, &w2, s1.x + 2 * COLS_F);
			CHECK(memcmp(grp, two, sizeof(float) * ROWS) == 0);
		}
		free(m);
		free(m2);
	}
	setup_release(&s1);
	setup_release(&s2);
}

/* Each SIMD level the CPU has: its batched Q8_0 products (AVX2, AVX-VNNI
 * or AVX-512 VNNI tiles) are compared bit for bit with the one-vector
 * kernel.  A level the CPU lacks falls to the one below (kern_use_simd),
 * which says so. */
static void simd_level_checks(int level)
{
	kern_use_simd(level);
	CHECK(kern_simd() <= level);
	if (kern_simd() != level)
		printf("# level %d: the CPU lacks it; level %d ran instead\n", level, kern_simd());
	all_types_on_this_path();
	kern_use_simd(KERN_BEST);
}

TEST(simd_kernels_match_float64_and_are_exact_across_batching_and_threads)
{
	kern_use_simd(KERN_BEST);
	CHECK(kern_simd() >= KERN_AVX2 || !HAVE_X86_64);
	simd_level_checks(KERN_AVX512_VNNI);
}

TEST(avx_vnni_kernels_match_float64_and_are_exact_across_batching_and_threads)
{
	simd_level_checks(KERN_AVX2_VNNI);
}

TEST(avx2_kernels_without_vnni_match_float64_and_are_exact_across_batching_and_threads)
{
	simd_level_checks(KERN_AVX2);
}

TEST(portable_kernels_match_float64_and_are_exact_across_batching_and_threads)
{
	kern_use_simd(KERN_PORTABLE);
	CHECK_INT(0, kern_simd());
	all_types_on_this_path();
	kern_use_simd(KERN_BEST);
}

/* Q8_0 products of an n-column matrix on every path against the portable
 * loop's bits (see the test below). */
static void q8_same_bits(int64_t cols)
{
	const int levels[] = { KERN_AVX2, KERN_AVX2_VNNI, KERN_AVX512_VNNI };
	float *ref = malloc(sizeof(float) * NVEC * ROWS), *one = malloc(sizeof(float) * NVEC * ROWS);
	float *bat = malloc(sizeof(float) * NVEC * ROWS);
	unsigned char *m = make_weights(WT_Q8_0, ROWS, cols);
	struct wref w = { .data = m, .type = WT_Q8_0, .rows = ROWS, .cols = cols };
	struct gpai_error err;
	struct setup s;

	gpai_error_init(&err);
	CHECK(ref && one && bat && m);
	CHECK_OK(setup_init(&s, 2, cols, &err), &err);
	for (int64_t i = 0; i < NVEC * cols; i++)
		s.x[i] = urand();
	kern_use_simd(KERN_PORTABLE);
	for (int b = 0; b < NVEC; b++)
		kern_matvec(&s.k, ref + b * ROWS, &w, s.x + b * cols);
	for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]) && HAVE_X86_64; l++) {
		kern_use_simd(levels[l]);
		for (int b = 0; b < NVEC; b++)
			kern_matvec(&s.k, one + b * ROWS, &w, s.x + b * cols);
		kern_matmat(&s.k, bat, ROWS, &w, s.x, cols, NVEC, &s.xqn);
		CHECK(memcmp(ref, one, sizeof(float) * NVEC * ROWS) == 0);
		CHECK(memcmp(ref, bat, sizeof(float) * NVEC * ROWS) == 0);
	}
	kern_use_simd(KERN_BEST);
	setup_release(&s);
	free(m);
	free(bat);
	free(one);
	free(ref);
}

TEST(q8_0_products_are_the_same_bits_on_every_path)
{
	/* Q8_0 values follow one definition (per block, the exact int8 sum,
	 * then acc + (wscale * xscale) * sum), which the portable loop spells
	 * out: every SIMD level, one vector at a time and batched, gives its
	 * bits.  1237 rows: the one-vector kernel's groups of eight rows and
	 * five left over; 29 vectors: tiles of 8, 16 and 32, padded; 96
	 * columns, and 2112 (66 blocks: the eight-row kernel works in stages
	 * of 64). */
	q8_same_bits(COLS_Q);
	q8_same_bits(2112);
}

TEST(both_paths_quantize_activations_identically)
{
	/* ordinary values, a zero block, a block whose largest value is its
	 * last, NaN and infinity */
	static float x[5 * GPAI_QK];
	int8_t qa[5 * GPAI_QK], qp[5 * GPAI_QK];
	float da[5], dp[5];
	struct q8buf a = { qa, da, 5 * GPAI_QK }, p = { qp, dp, 5 * GPAI_QK };

	for (int i = 0; i < GPAI_QK; i++) {
		x[i] = urand() * 3.0f;
		x[GPAI_QK + i] = 0.0f;
		x[2 * GPAI_QK + i] = (float)(i - 16) * 0.5f + (i == 31 ? 112.0f : 0.0f);
		x[3 * GPAI_QK + i] = urand();
		x[4 * GPAI_QK + i] = urand();
	}
	x[3 * GPAI_QK + 5] = NAN;
	x[4 * GPAI_QK + 9] = INFINITY;
	kern_use_simd(KERN_BEST);
	kern_quantize_q8(&a, x, 5 * GPAI_QK);
	kern_use_simd(KERN_PORTABLE);
	kern_quantize_q8(&p, x, 5 * GPAI_QK);
	kern_use_simd(KERN_BEST);
	CHECK(memcmp(qa, qp, sizeof(qa)) == 0);
	CHECK(memcmp(da, dp, sizeof(da)) == 0);
	/* the portable rule, spelt out: 127 * x / max|x| to nearest even */
	CHECK_INT(127, qp[2 * GPAI_QK + 31]);
	CHECK_INT(0, qp[GPAI_QK + 3]);
	CHECK_INT(0, qp[3 * GPAI_QK + 5]);
	CHECK_INT(0, qp[4 * GPAI_QK + 9]);
}

TEST(attention_kernels_match_float64_and_the_weighted_sum_is_exact_across_paths)
{
	/* 77 columns (two steps of 32, one of 8, 5 scalars), 45 positions
	 * 96 floats apart, as keys and values sit in the KV cache */
	enum { COLS = 77, NPOS = 45, STRIDE = 96 };
	static float q[COLS], kv[NPOS * STRIDE], a[NPOS], simd[COLS], port[COLS], att[NPOS];
	const float scale = 0.125f;

	for (int i = 0; i < COLS; i++)
		q[i] = urand();
	for (int i = 0; i < NPOS * STRIDE; i++)
		kv[i] = urand();
	for (int t = 0; t < NPOS; t++)
		a[t] = (urand() + 1.0f) / NPOS;
	kern_use_simd(KERN_BEST);
	kern_wsum(simd, a, kv, STRIDE, NPOS, COLS);
	kern_scores(att, q, kv, STRIDE, NPOS, COLS, scale);
	kern_use_simd(KERN_PORTABLE);
	kern_wsum(port, a, kv, STRIDE, NPOS, COLS);
	kern_use_simd(KERN_BEST);
	/* each element is a product then a sum on both paths: same bits */
	CHECK(memcmp(simd, port, sizeof(simd)) == 0);
	for (int i = 0; i < COLS; i++) {
		double ref = 0, mag = 0;

		for (int t = 0; t < NPOS; t++) {
			ref += (double)a[t] * kv[t * STRIDE + i];
			mag += fabs((double)a[t] * kv[t * STRIDE + i]);
		}
		CHECK_NEAR(ref, simd[i], TOL * mag);
	}
	for (int t = 0; t < NPOS; t++) {
		double ref = 0, mag = 0;

		for (int i = 0; i < COLS; i++) {
			ref += (double)q[i] * kv[t * STRIDE + i];
			mag += fabs((double)q[i] * kv[t * STRIDE + i]);
		}
		CHECK_NEAR(ref * scale, att[t], TOL * mag * scale);
	}
}

TEST(sum_of_exponentials_matches_libm_and_is_exact_across_paths)
{
	/* 1003 terms (250 steps of 4 or 125 of 8, 3 left over) from 0 down to -760, so
	 * some fall below e^-708 and are left out; the first is the maximum */
	enum { N = 1003 };
	static float x[N];
	long double ref = 0;
	double simd, avx2, port;

	x[0] = 3.5f;
	for (int i = 1; i < N; i++)
		x[i] = 3.5f - (float)(urand() + 1.0) * 380.0f;
	for (int i = 0; i < N; i++)
		if ((double)x[i] - 3.5 >= -708.0)
			ref += expl((long double)x[i] - 3.5L);
	kern_use_simd(KERN_AVX2);
	avx2 = kern_sum_exp(x, N, 3.5f);
	kern_use_simd(KERN_BEST);
	simd = kern_sum_exp(x, N, 3.5f);
	kern_use_simd(KERN_PORTABLE);
	port = kern_sum_exp(x, N, 3.5f);
	kern_use_simd(KERN_BEST);
	CHECK(memcmp(&simd, &port, sizeof(simd)) == 0);
	CHECK(memcmp(&avx2, &port, sizeof(avx2)) == 0);
	/* terms of one size (the sum's rounding depends on the order they
	 * are added in): the same bits on every level */
	{
		static float y[4099];
		const int levels[] = { KERN_AVX2, KERN_AVX2_VNNI, KERN_AVX512_VNNI };

		for (int i = 0; i < 4099; i++)
			y[i] = -(urand() + 1.0f); /* in (-2, 0] */
		double yp, ys;

		kern_use_simd(KERN_PORTABLE);
		yp = kern_sum_exp(y, 4099, 0.0f);
		for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
			kern_use_simd(levels[l]);
			ys = kern_sum_exp(y, 4099, 0.0f);
			CHECK(memcmp(&ys, &yp, sizeof(ys)) == 0);
		}
		kern_use_simd(KERN_BEST);
	}
	CHECK_NEAR((double)ref, simd, 1e-15 * (double)ref);
	/* one term at a time, within 2 ulp of libm, at the edges of the
	 * range reduction and of the cut-off */
	{
		static const float one[] = { 0.0f, -1e-30f, -0.34657359f, -0.34657360f, -1.0f,
					     -20.5f, -87.3f, -700.0f, -707.99f, -708.0f };

		for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
			double want = exp((double)one[i]);

			kern_use_simd(KERN_PORTABLE);
			port = kern_sum_exp(&one[i], 1, 0.0f);
			kern_use_simd(KERN_BEST);
			/* eight copies, so the SIMD paths compute it in a vector */
			{
				float eight[8];

				for (int k = 0; k < 8; k++)
					eight[k] = one[i];
				simd = kern_sum_exp(eight, 8, 0.0f) / 8;
			}
			CHECK(memcmp(&simd, &port, sizeof(simd)) == 0);
			CHECK_NEAR(want, port, 4.5e-16 * want);
		}
		kern_use_simd(KERN_PORTABLE);
		port = kern_sum_exp((const float[]){ -709.0f, -800.0f }, 2, 0.0f);
		kern_use_simd(KERN_BEST);
		CHECK(port == 0);
	}
}

/* The loops kern_argmax and kern_first_nonfinite are defined by. */
static int64_t argmax_loop(const float *x, int64_t n)
{
	int64_t best = 0;

	for (int64_t i = 1; i < n; i++)
		if (x[i] > x[best])
			best = i;
	return best;
}

static int64_t nonfinite_loop(const float *x, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return i;
	return -1;
}

/* Both functions on every level against their loops, for x[0..n). */
static void check_argmax_nonfinite(const float *x, int64_t n, const char *what)
{
	const int levels[] = { KERN_PORTABLE, KERN_BEST };

	for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
		int64_t a, f;

		kern_use_simd(levels[l]);
		a = kern_argmax(x, n);
		f = kern_first_nonfinite(x, n);
		if (a != argmax_loop(x, n) || f != nonfinite_loop(x, n))
			t_fail(__FILE__, __LINE__,
			       "%s, n %lld, level %d: argmax %lld (loop %lld), first non-finite %lld "
			       "(loop %lld)", what, (long long)n, kern_simd(), (long long)a,
			       (long long)argmax_loop(x, n), (long long)f,
			       (long long)nonfinite_loop(x, n));
	}
	kern_use_simd(KERN_BEST);
}

TEST(argmax_and_the_finite_check_follow_their_loops_on_every_path)
{
	/* lengths around the 8-lane blocks, and a vocabulary's */
	static const int64_t lens[] = { 1, 2, 7, 8, 9, 15, 16, 17, 31000 + 3 };
	static float x[31003];

	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		int64_t n = lens[k];

		for (int64_t i = 0; i < n; i++)
			x[i] = urand();
		check_argmax_nonfinite(x, n, "random");
		/* ties: the first of equal maxima, before and after a block
		 * edge; -0 and +0 are equal */
		x[n / 3] = x[n - 1] = 2.0f;
		check_argmax_nonfinite(x, n, "tie");
		for (int64_t i = 0; i < n; i++)
			x[i] = (i & 1) ? 0.0f : -0.0f;
		check_argmax_nonfinite(x, n, "zeros");
		/* the largest last, then first */
		for (int64_t i = 0; i < n; i++)
			x[i] = (float)i;
		check_argmax_nonfinite(x, n, "ascending");
		x[0] = (float)n;
		check_argmax_nonfinite(x, n, "first");
		/* non-finite values at the edges of the blocks and in the tail */
		for (int pos = 0; pos < 4; pos++) {
			int64_t at = pos == 0 ? 0 : pos == 1 ? n / 2 : pos == 2 ? n - 1 : (n > 8 ? 8 : 0);
			const float bad[] = { INFINITY, -INFINITY, NAN };

			for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
				for (int64_t i = 0; i < n; i++)
					x[i] = urand();
				x[at] = bad[b];
				check_argmax_nonfinite(x, n, "non-finite");
			}
		}
	}
}

/* Units in the last place between two floats of the same sign. */
static uint32_t ulps(float a, float b)
{
	uint32_t ua, ub;

	memcpy(&ua, &a, sizeof(ua));
	memcpy(&ub, &b, sizeof(ub));
	return ua > ub ? ua - ub : ub - ua;
}

/* The same bits, or both NaN (which NaN an operation returns depends on
 * the order the compiler gives its operands). */
static int same_float(float a, float b)
{
	return (a != a && b != b) || memcmp(&a, &b, sizeof(a)) == 0;
}

static int same_floats(const float *a, const float *b, int n)
{
	for (int i = 0; i < n; i++)
		if (!same_float(a[i], b[i]))
			return 0;
	return 1;
}

/* The engine's float exp of one value (x - 0 is x, -0 and NaN included). */
static float kern_exp(float x)
{
	kern_exp_shifted(&x, 1, 0.0f);
	return x;
}

/* The most ulp kern_exp is from exp() in double rounded to float over
 * every 97th float from -104 (EXPF_MIN) up to the overflow, on the current
 * path; the argument where it is into *at, the count into *n. */
static uint32_t exp_worst_ulp(float *at, int *n)
{
	uint32_t worst = 0, lo, hi;

	*n = 0;
	memcpy(&lo, &(float){ 104.0f }, sizeof(lo));
	for (uint32_t b = 0; b <= lo; b += 97) { /* 0 down to -104 */
		float v;
		uint32_t nb = b | 0x80000000u;

		memcpy(&v, &nb, sizeof(v));
		/* below -87.3 the results are subnormal: checked apart */
		if (v > -87.3f && ulps(kern_exp(v), (float)exp((double)v)) > worst)
			worst = ulps(kern_exp(v), (float)exp((double)v)), *at = v;
		++*n;
	}
	memcpy(&hi, &(float){ 88.7228317f }, sizeof(hi));
	for (uint32_t b = 0; b <= hi; b += 97) { /* 0 up to the overflow */
		float v;

		memcpy(&v, &b, sizeof(v));
		if (ulps(kern_exp(v), (float)exp((double)v)) > worst)
			worst = ulps(kern_exp(v), (float)exp((double)v)), *at = v;
		++*n;
	}
	return worst;
}

TEST(float_exp_is_within_1_ulp_and_it_and_the_division_are_the_same_bits_on_every_path)
{
	enum { N = 4096 };
	static float x[N], port[N], simd[N], h[N], g[N], hp[N], hs[N];
	int n = 0;

	/* 22 million floats, on the portable path and on the SIMD one */
	for (int l = 0; l < 2; l++) {
		float at = 0;
		uint32_t worst;

		kern_use_simd(l ? KERN_BEST : KERN_PORTABLE);
		worst = exp_worst_ulp(&at, &n);
		printf("# level %d: worst %u ulp at %.9g\n", kern_simd(), (unsigned)worst, (double)at);
		if (worst > 1)
			t_fail(__FILE__, __LINE__, "level %d: exp(%.9g) is %u ulp off", kern_simd(),
			       (double)at, (unsigned)worst);
	}
	CHECK(n > 20000000);
	/* subnormal results, the overflow and the special values */
	CHECK(fabs((double)kern_exp(-100.0f) - exp(-100.0)) <= 0x1p-149);
	CHECK(kern_exp(-104.5f) == 0.0f && kern_exp(-INFINITY) == 0.0f);
	CHECK(isinf(kern_exp(88.7228394f)) && isinf(kern_exp(INFINITY)));
	CHECK(isfinite(kern_exp(88.7228317f)));
	CHECK(isnan(kern_exp(NAN)));
	/* the SIMD path gives kern_exp's bits (lanes and tails, every edge) */
	for (int i = 0; i < N; i++) {
		x[i] = i < 16 ? (float[]){ 0, -0.0f, 1, -1, 88.7228317f, 88.7228394f, 89, -87.4f,
					   -103.9f, -104.5f, INFINITY, -INFINITY, NAN, 1e-30f,
					   -1e-30f, 0.5f }[i]
			      : (float)((urand() + 0.5) * 200 - 100);
		h[i] = hp[i] = hs[i] = x[i];
		g[i] = urand();
	}
	memcpy(port, x, sizeof(x));
	memcpy(simd, x, sizeof(x));
	kern_use_simd(KERN_PORTABLE);
	kern_exp_shifted(port, N - 3, 0.0f);
	kern_swiglu(hp, g, N - 3);
	kern_use_simd(KERN_BEST);
	kern_exp_shifted(simd, N - 3, 0.0f);
	kern_swiglu(hs, g, N - 3);
	for (int i = 0; i < N - 3; i++) {
		float v = h[i], want = v * (1.0f / (1.0f + kern_exp(-v))) * g[i];

		CHECK(same_float(port[i], kern_exp(x[i])));
		CHECK(same_float(hp[i], want));
	}
	CHECK(same_floats(port, simd, N));
	CHECK(same_floats(hp, hs, N));
	/* kern_divide: a division per element on every path (not a product
	 * with the reciprocal, which rounds differently) */
	for (int l = 0; l < 2; l++) {
		memcpy(port, x, sizeof(x));
		kern_use_simd(l ? KERN_BEST : KERN_PORTABLE);
		kern_divide(port, N - 3, 3.7f);
		for (int i = 0; i < N - 3; i++)
			CHECK(same_float(port[i], x[i] / 3.7f));
		CHECK(memcmp(port + N - 3, x + N - 3, 3 * sizeof(float)) == 0);
	}
	kern_use_simd(KERN_BEST);
	/* the last three were left alone */
	CHECK(memcmp(simd + N - 3, x + N - 3, 3 * sizeof(float)) == 0);
}
