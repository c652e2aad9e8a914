/*
 * kernels_q8g.c - llama2.c v2 weights (export.py version2_export, read by
 * runq.c): int8 q[n] for the whole matrix, then float32 scale[n / GS], one
 * scale per group of GS consecutive elements of the flattened matrix,
 * w[i] = q[i] * scale[i / GS].
 *
 * Products follow runq.c: the activation is quantized in groups of GS
 * (scale = max|x| / 127, q = round(x / scale), half away from zero), each
 * group's int8 products are summed exactly in int32, and the row value is
 * the float sum over groups of ival * wscale * xscale, in group order.
 *
 * A matrix whose rows are not whole groups (cols % GS != 0: export.py
 * accepts it when rows * cols is a multiple of GS, e.g. a hidden_dim of
 * 172 with GS 64) has groups that straddle rows.  runq.c computes such a
 * matrix wrongly (it drops each row's last partial group), so here its
 * weights are used exactly as the file defines them, against the float
 * activation: each row is cut at the group boundaries, and per piece
 * scale * sum(q * x) in float.
 *
 * Invariants: weights are read where they lie in the map (the scales may
 * be unaligned: they are read with memcpy); each output row is computed
 * by one thread with one fixed order of operations, and the AVX2 path
 * only sums the int8 products (exact in int32), so every path and every
 * thread count give bit-identical results.
 */
#include "engine_private.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define Q8G_X86 1
#else
#define Q8G_X86 0
#endif

/* runq.c Q_MAX: the largest int8 magnitude used. */
#define Q8G_QMAX 127.0f
/* The SIMD path handles groups made of whole 32-byte vectors. */
#define Q8G_VEC 32
/* Below this many weight bytes one thread does the whole product. */
#define Q8G_PARALLEL_MIN_BYTES (64 * 1024)
/* Chunks per thread (see kernels.c MV_CHUNKS_PER_THREAD). */
#define Q8G_CHUNKS_PER_THREAD 4

static float scale_at(const struct wref *w, int64_t g)
{
	float s;

	memcpy(&s, w->scales + (size_t)g * sizeof(float), sizeof(float));
	return s;
}

static int rows_are_groups(const struct wref *w)
{
	return w->cols % w->group == 0;
}

void q8g_row(const struct wref *w, int64_t r, float *out)
{
	const int8_t *q = (const int8_t *)w->data + r * w->cols;
	int64_t base = r * w->cols;

	for (int64_t i = 0; i < w->cols; i++)
		out[i] = (float)q[i] * scale_at(w, (base + i) / w->group);
}

/* runq.c quantize(): x[n] (n a multiple of gs) in groups of gs. */
static void quantize_groups(int8_t *q, float *d, const float *x, int64_t n, int64_t gs)
{
	for (int64_t g = 0; g < n / gs; g++) {
		const float *v = x + g * gs;
		float wmax = 0, scale;

		for (int64_t i = 0; i < gs; i++)
			wmax = fmaxf(wmax, fabsf(v[i]));
		scale = wmax / Q8G_QMAX;
		d[g] = scale;
		for (int64_t i = 0; i < gs; i++) {
			/* an all-zero group: runq.c divides 0 by 0; the value is 0.
			 * A non-finite activation gives a non-finite scale, which
			 * carries into the row values (the engine reports it); its
			 * q is kept in range so the conversion is defined. */
			float r = scale != 0 ? roundf(v[i] / scale) : 0.0f;

			q[g * gs + i] = isnan(r) ? 0 : r > Q8G_QMAX ? (int8_t)Q8G_QMAX
				      : r < -Q8G_QMAX ? (int8_t)-Q8G_QMAX : (int8_t)r;
		}
	}
}

/* ---- sums of int8 products ---------------------------------------------- */

static int32_t isum_portable(const int8_t *a, const int8_t *b, int64_t n)
{
	int32_t s = 0;

	for (int64_t i = 0; i < n; i++)
		s += (int32_t)a[i] * b[i];
	return s;
}

#if Q8G_X86
#define Q8G_AVX2 __attribute__((target("avx2")))

/* n a multiple of 32.  Products widened to int16 pairs, then int32: exact. */
Q8G_AVX2 static int32_t isum_avx2(const int8_t *a, const int8_t *b, int64_t n)
{
	__m256i acc = _mm256_setzero_si256();
	__m128i s;

	for (int64_t i = 0; i < n; i += Q8G_VEC) {
		__m256i va = _mm256_loadu_si256((const __m256i *)(a + i));
		__m256i vb = _mm256_loadu_si256((const __m256i *)(b + i));
		__m256i a0 = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(va));
		__m256i a1 = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(va, 1));
		__m256i b0 = _mm256_cvtepi8_epi16(_mm256_castsi256_si128(vb));
		__m256i b1 = _mm256_cvtepi8_epi16(_mm256_extracti128_si256(vb, 1));

		acc = _mm256_add_epi32(acc, _mm256_madd_epi16(a0, b0));
		acc = _mm256_add_epi32(acc, _mm256_madd_epi16(a1, b1));
	}
	s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
	/* horizontal sum: swap the 64-bit halves (0x4E), then the 32-bit pairs (0xB1) */
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
	return _mm_cvtsi128_si32(s);
}
#endif

/* ---- one row ------------------------------------------------------------- */

struct q8g_x {
	const float *x;     /* float activation (rows that are not whole groups) */
	const int8_t *q;    /* quantized activation, cols */
	const float *d;     /* its scales, cols / group */
};

static float dot_groups(const struct wref *w, int64_t r, const struct q8g_x *x, int simd)
{
	const int8_t *wq = (const int8_t *)w->data + r * w->cols;
	int64_t g0 = r * w->cols / w->group;
	float val = 0;

	for (int64_t j = 0, g = 0; j < w->cols; j += w->group, g++) {
		int32_t iv;

#if Q8G_X86
		if (simd)
			iv = isum_avx2(wq + j, x->q + j, w->group);
		else
#endif
			iv = isum_portable(wq + j, x->q + j, w->group);
		val += (float)iv * scale_at(w, g0 + g) * x->d[g];
	}
	return val;
}

static float dot_straddling(const struct wref *w, int64_t r, const float *x)
{
	const int8_t *wq = (const int8_t *)w->data;
	int64_t i = r * w->cols, end = i + w->cols, base = i;
	float val = 0;

	while (i < end) {
		int64_t g = i / w->group, stop = (g + 1) * w->group;
		float s = 0;

		if (stop > end)
			stop = end;
		for (; i < stop; i++)
			s += (float)wq[i] * x[i - base];
		val += s * scale_at(w, g);
	}
	return val;
}

static float dot_row(const struct wref *w, int64_t r, const struct q8g_x *x)
{
	int simd = 0;

#if Q8G_X86
	/* the CPU has AVX2 and the process uses the SIMD kernels */
	simd = w->group % Q8G_VEC == 0 && kern_simd() >= KERN_AVX2;
#endif
	return rows_are_groups(w) ? dot_groups(w, r, x, simd) : dot_straddling(w, r, x->x);
}

/* ---- matrix products --------------------------------------------------------- */

struct q8g_job {
	float *out;            /* out[b * ostride + r] */
	const struct wref *w;
	const float *x;        /* x[b * xstride + i] */
	const struct q8buf *xq;
	int n;
	int64_t ostride, xstride;
};

static void part(void *ctx, int chunk, int n_chunks)
{
	struct q8g_job *j = ctx;
	int64_t rows = j->w->rows, cols = j->w->cols, ng = cols / j->w->group;
	int64_t lo = rows * chunk / n_chunks, hi = rows * (chunk + 1) / n_chunks;

	for (int64_t r = lo; r < hi; r++)
		for (int b = 0; b < j->n; b++) {
			struct q8g_x x = { j->x + b * j->xstride, j->xq->q + (size_t)b * (size_t)cols,
					   j->xq->d + (size_t)b * (size_t)ng };

			j->out[b * j->ostride + r] = dot_row(j->w, r, &x);
		}
}

/* Quantizes the n activations (when the rows are whole groups) and runs
 * the rows, threaded when the matrix is large enough. */
static void run(struct kern *k, struct q8g_job *j)
{
	const struct wref *w = j->w;
	size_t bytes = (size_t)w->rows * (size_t)w->cols;

	if (rows_are_groups(w))
		for (int b = 0; b < j->n; b++)
			quantize_groups(j->xq->q + (size_t)b * (size_t)w->cols,
					j->xq->d + (size_t)b * (size_t)(w->cols / w->group),
					j->x + b * j->xstride, w->cols, w->group);
	if ((bytes * (size_t)j->n < Q8G_PARALLEL_MIN_BYTES && j->n == 1) ||
	    gpai_pool_threads(k->pool) < 2)
		part(j, 0, 1);
	else
		gpai_pool_run(k->pool, Q8G_CHUNKS_PER_THREAD * gpai_pool_threads(k->pool), part, j);
}

void q8g_matvec(struct kern *k, float *out, const struct wref *w, const float *x)
{
	struct q8g_job j = { out, w, x, &k->xq, 1, 0, 0 };

	run(k, &j);
}

void q8g_matmat(struct kern *k, float *out, int64_t ostride, const struct wref *w,
		const float *x, int64_t xstride, int n, struct q8buf *xqn)
{
	struct q8g_job j = { out, w, x, xqn, n, ostride, xstride };

	run(k, &j);
}
