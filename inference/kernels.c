/*
 * kernels.c - the engine's number crunching: half-float conversion, row
 * dequantization, dot products for F32/F16/BF16/Q8_0/Q4_0 weights, and the
 * matrix-vector product threaded over output rows.
 *
 * Block layouts (ggml, GGUF): Q8_0 = fp16 d, int8 q[32], x = d*q;
 * Q4_0 = fp16 d, uint8 nibbles[16], element j < 16 in the low nibble of
 * byte j, element j >= 16 in the high nibble of byte j - 16, x = d*(q - 8).
 * Q8_0 and Q4_0 products quantize the activation to Q8_0 blocks (float
 * scale d = max|x|/127, q = round(x/d)) and sum int8 products exactly in
 * int32 per block, as llama.cpp and llama2.c runq.c do.
 *
 * Invariants: each output row is computed by exactly one thread with a
 * fixed order of operations, so results do not depend on the thread count.
 * The AVX2/FMA paths are chosen once per process by a CPU check; the
 * portable paths give the same values up to float reassociation.
 */
#include "engine_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define HAVE_X86 1
#else
#define HAVE_X86 0
#endif

/* Independent accumulators in the portable dot products: enough to hide
 * the add latency without fast-math. */
#define PORTABLE_LANES 8

size_t wtype_row_bytes(enum wtype t, int64_t cols)
{
	switch (t) {
	case WT_F32: return (size_t)cols * 4;
	case WT_F16:
	case WT_BF16: return (size_t)cols * 2;
	case WT_Q8_0: return (size_t)(cols / GPAI_QK) * GPAI_Q8_0_BLOCK;
	case WT_Q4_0: return (size_t)(cols / GPAI_QK) * GPAI_Q4_0_BLOCK;
	default: return 0;
	}
}

const char *wtype_name(enum wtype t)
{
	static const char *const names[WT_COUNT] = { "F32", "F16", "BF16", "Q8_0", "Q4_0" };

	return (unsigned)t < WT_COUNT ? names[t] : "?";
}

/* IEEE 754 binary16 -> binary32, exact (subnormals, inf and NaN kept). */
float fp16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1F,
		 man = h & 0x3FF, bits;
	float f;

	if (exp == 0) {
		/* zero or subnormal: man * 2^-24 */
		f = (float)man * 5.9604644775390625e-8f;
		return sign ? -f : f;
	}
	if (exp == 31)
		bits = sign | 0x7F800000u | (man << 13);
	else
		bits = sign | ((exp + 112) << 23) | (man << 13);
	memcpy(&f, &bits, 4);
	return f;
}

/* binary32 -> binary16, round to nearest even. */
uint16_t f32_to_fp16(float f)
{
	uint32_t x, sign, man;
	int32_t exp;

	memcpy(&x, &f, 4);
	sign = (x >> 16) & 0x8000;
	exp = (int32_t)((x >> 23) & 0xFF) - 127 + 15;
	man = x & 0x7FFFFF;
	if (((x >> 23) & 0xFF) == 0xFF)
		return (uint16_t)(sign | 0x7C00 | (man ? 0x200 : 0));
	if (exp >= 31)
		return (uint16_t)(sign | 0x7C00);
	if (exp <= 0) {
		uint32_t m, shift, r, half;

		if (exp < -10)
			return (uint16_t)sign;
		m = man | 0x800000;
		shift = (uint32_t)(14 - exp);
		r = m >> shift;
		half = 1u << (shift - 1);
		if ((m & ((1u << shift) - 1)) > half ||
		    ((m & ((1u << shift) - 1)) == half && (r & 1)))
			r++;
		return (uint16_t)(sign | r);
	}
	{
		uint32_t r = ((uint32_t)exp << 10) | (man >> 13), rest = man & 0x1FFF;

		if (rest > 0x1000 || (rest == 0x1000 && (r & 1)))
			r++; /* may carry into the exponent, which is right */
		return (uint16_t)(sign | r);
	}
}

float bf16_to_f32(uint16_t h)
{
	uint32_t bits = (uint32_t)h << 16;
	float f;

	memcpy(&f, &bits, 4);
	return f;
}

static uint16_t rd16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

void wref_row(const struct wref *w, int64_t r, float *out)
{
	const unsigned char *row = (const unsigned char *)w->data +
				   (size_t)r * wtype_row_bytes(w->type, w->cols);

	switch (w->type) {
	case WT_F32:
		memcpy(out, row, (size_t)w->cols * 4);
		break;
	case WT_F16:
		for (int64_t i = 0; i < w->cols; i++)
			out[i] = fp16_to_f32(rd16(row + 2 * i));
		break;
	case WT_BF16:
		for (int64_t i = 0; i < w->cols; i++)
			out[i] = bf16_to_f32(rd16(row + 2 * i));
		break;
	case WT_Q8_0:
		for (int64_t b = 0; b < w->cols / GPAI_QK; b++) {
			const unsigned char *blk = row + b * GPAI_Q8_0_BLOCK;
			float d = fp16_to_f32(rd16(blk));

			for (int j = 0; j < GPAI_QK; j++)
				out[b * GPAI_QK + j] = d * (float)(int8_t)blk[2 + j];
		}
		break;
	case WT_Q4_0:
		for (int64_t b = 0; b < w->cols / GPAI_QK; b++) {
			const unsigned char *blk = row + b * GPAI_Q4_0_BLOCK;
			float d = fp16_to_f32(rd16(blk));

			for (int j = 0; j < GPAI_QK / 2; j++) {
				out[b * GPAI_QK + j] = d * (float)((blk[2 + j] & 0x0F) - 8);
				out[b * GPAI_QK + j + GPAI_QK / 2] = d * (float)((blk[2 + j] >> 4) - 8);
			}
		}
		break;
	default:
		memset(out, 0, (size_t)w->cols * 4);
	}
}

/* ---- portable dot products ---------------------------------------------- */

static float sum_lanes(const float *acc)
{
	float s = 0;

	for (int i = 0; i < PORTABLE_LANES; i++)
		s += acc[i];
	return s;
}

static float dot_f32_portable(const float *a, const float *b, int64_t n)
{
	float acc[PORTABLE_LANES] = { 0 };
	int64_t i = 0;

	for (; i + PORTABLE_LANES <= n; i += PORTABLE_LANES)
		for (int k = 0; k < PORTABLE_LANES; k++)
			acc[k] += a[i + k] * b[i + k];
	for (; i < n; i++)
		acc[0] += a[i] * b[i];
	return sum_lanes(acc);
}

static float dot_f16_portable(const unsigned char *w, const float *x, int64_t n)
{
	float acc[PORTABLE_LANES] = { 0 };

	for (int64_t i = 0; i < n; i++)
		acc[i % PORTABLE_LANES] += fp16_to_f32(rd16(w + 2 * i)) * x[i];
	return sum_lanes(acc);
}

static float dot_bf16_portable(const unsigned char *w, const float *x, int64_t n)
{
	float acc[PORTABLE_LANES] = { 0 };

	for (int64_t i = 0; i < n; i++)
		acc[i % PORTABLE_LANES] += bf16_to_f32(rd16(w + 2 * i)) * x[i];
	return sum_lanes(acc);
}

static float dot_q8_portable(const unsigned char *w, const struct q8buf *x, int64_t n)
{
	float acc = 0;

	for (int64_t b = 0; b < n / GPAI_QK; b++) {
		const unsigned char *blk = w + b * GPAI_Q8_0_BLOCK;
		const int8_t *xq = x->q + b * GPAI_QK;
		int32_t s = 0;

		for (int j = 0; j < GPAI_QK; j++)
			s += (int32_t)(int8_t)blk[2 + j] * xq[j];
		acc += fp16_to_f32(rd16(blk)) * x->d[b] * (float)s;
	}
	return acc;
}

static float dot_q4_portable(const unsigned char *w, const struct q8buf *x, int64_t n)
{
	float acc = 0;

	for (int64_t b = 0; b < n / GPAI_QK; b++) {
		const unsigned char *blk = w + b * GPAI_Q4_0_BLOCK;
		const int8_t *xq = x->q + b * GPAI_QK;
		int32_t s = 0;

		for (int j = 0; j < GPAI_QK / 2; j++) {
			s += ((blk[2 + j] & 0x0F) - 8) * xq[j];
			s += ((blk[2 + j] >> 4) - 8) * xq[j + GPAI_QK / 2];
		}
		acc += fp16_to_f32(rd16(blk)) * x->d[b] * (float)s;
	}
	return acc;
}

/* ---- AVX2/FMA dot products ---------------------------------------------- */

#if HAVE_X86
#define AVX2 __attribute__((target("avx2,fma,f16c")))

/* Everything called inside these functions is VEX-encoded (intrinsics, or
 * functions with the same target): a call into SSE-compiled code from AVX
 * code costs a state transition per call, which made a per-block scalar
 * fp16 conversion ten times slower than the portable path. */
AVX2 static float hsum256(__m256 v)
{
	__m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);

	lo = _mm_add_ps(lo, hi);
	lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
	lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
	return _mm_cvtss_f32(lo);
}

AVX2 static float dot_f32_avx2(const float *a, const float *b, int64_t n)
{
	__m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
	int64_t i = 0;
	float tail = 0;

	for (; i + 32 <= n; i += 32) {
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
		s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
		s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
		s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
	}
	for (; i + 8 <= n; i += 8)
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
	for (; i < n; i++)
		tail += a[i] * b[i];
	s0 = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
	return hsum256(s0) + tail;
}

AVX2 static float dot_f16_avx2(const unsigned char *w, const float *x, int64_t n)
{
	__m256 s0 = _mm256_setzero_ps(), s1 = s0;
	int64_t i = 0;
	float tail = 0;

	for (; i + 16 <= n; i += 16) {
		__m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + 2 * i)));
		__m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(w + 2 * i + 16)));

		s0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x + i), s0);
		s1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x + i + 8), s1);
	}
	for (; i < n; i++)
		tail += _cvtsh_ss(rd16(w + 2 * i)) * x[i];
	return hsum256(_mm256_add_ps(s0, s1)) + tail;
}

AVX2 static float dot_bf16_avx2(const unsigned char *w, const float *x, int64_t n)
{
	__m256 s0 = _mm256_setzero_ps(), s1 = s0;
	int64_t i = 0;
	float tail = 0;

	for (; i + 16 <= n; i += 16) {
		__m256i h0 = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(w + 2 * i)));
		__m256i h1 = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(w + 2 * i + 16)));

		s0 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(h0, 16)),
				     _mm256_loadu_ps(x + i), s0);
		s1 = _mm256_fmadd_ps(_mm256_castsi256_ps(_mm256_slli_epi32(h1, 16)),
				     _mm256_loadu_ps(x + i + 8), s1);
	}
	for (; i < n; i++)
		tail += bf16_to_f32(rd16(w + 2 * i)) * x[i];
	return hsum256(_mm256_add_ps(s0, s1)) + tail;
}

/* Sum of 32 int8 products as 8 int32 lanes (sign trick: |w| as unsigned
 * times x carrying w's sign; no saturation since 2*128*127 < 32768). */
AVX2 static __m256i dot32_i8(__m256i w, __m256i x)
{
	__m256i aw = _mm256_sign_epi8(w, w), sx = _mm256_sign_epi8(x, w);

	return _mm256_madd_epi16(_mm256_maddubs_epi16(aw, sx), _mm256_set1_epi16(1));
}

AVX2 static float dot_q8_avx2(const unsigned char *w, const struct q8buf *x, int64_t n)
{
	__m256 acc = _mm256_setzero_ps();

	for (int64_t b = 0; b < n / GPAI_QK; b++) {
		const unsigned char *blk = w + b * GPAI_Q8_0_BLOCK;
		__m256i qw = _mm256_loadu_si256((const __m256i *)(blk + 2));
		__m256i qx = _mm256_loadu_si256((const __m256i *)(x->q + b * GPAI_QK));
		__m256 s = _mm256_cvtepi32_ps(dot32_i8(qw, qx));

		acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(rd16(blk)) * x->d[b]), s, acc);
	}
	return hsum256(acc);
}

AVX2 static float dot_q4_avx2(const unsigned char *w, const struct q8buf *x, int64_t n)
{
	__m256 acc = _mm256_setzero_ps();
	const __m128i lomask = _mm_set1_epi8(0x0F);
	const __m256i eight = _mm256_set1_epi8(8);

	for (int64_t b = 0; b < n / GPAI_QK; b++) {
		const unsigned char *blk = w + b * GPAI_Q4_0_BLOCK;
		__m128i raw = _mm_loadu_si128((const __m128i *)(blk + 2));
		__m128i lo = _mm_and_si128(raw, lomask);
		__m128i hi = _mm_and_si128(_mm_srli_epi16(raw, 4), lomask);
		__m256i qw = _mm256_sub_epi8(_mm256_set_m128i(hi, lo), eight);
		__m256i qx = _mm256_loadu_si256((const __m256i *)(x->q + b * GPAI_QK));
		__m256 s = _mm256_cvtepi32_ps(dot32_i8(qw, qx));

		acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(rd16(blk)) * x->d[b]), s, acc);
	}
	return hsum256(acc);
}

static int have_avx2(void)
{
	static int cached = -1;

	if (cached < 0) {
		__builtin_cpu_init();
		cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
			 __builtin_cpu_supports("f16c") && !getenv("GPAI_NO_SIMD");
	}
	return cached;
}
#else
static int have_avx2(void) { return 0; }
#endif

float dot_f32(const float *a, const float *b, int64_t n)
{
#if HAVE_X86
	if (have_avx2())
		return dot_f32_avx2(a, b, n);
#endif
	return dot_f32_portable(a, b, n);
}

static float dot_row(const struct wref *w, const unsigned char *row,
		     const float *x, const struct q8buf *xq)
{
#if HAVE_X86
	if (have_avx2()) {
		switch (w->type) {
		case WT_F32: return dot_f32_avx2((const float *)row, x, w->cols);
		case WT_F16: return dot_f16_avx2(row, x, w->cols);
		case WT_BF16: return dot_bf16_avx2(row, x, w->cols);
		case WT_Q8_0: return dot_q8_avx2(row, xq, w->cols);
		case WT_Q4_0: return dot_q4_avx2(row, xq, w->cols);
		default: return 0;
		}
	}
#endif
	switch (w->type) {
	case WT_F32: return dot_f32_portable((const float *)row, x, w->cols);
	case WT_F16: return dot_f16_portable(row, x, w->cols);
	case WT_BF16: return dot_bf16_portable(row, x, w->cols);
	case WT_Q8_0: return dot_q8_portable(row, xq, w->cols);
	case WT_Q4_0: return dot_q4_portable(row, xq, w->cols);
	default: return 0;
	}
}

/* Quantizes x[n] (n a multiple of GPAI_QK) to Q8_0 blocks. */
static void quantize_q8(struct q8buf *o, const float *x, int64_t n)
{
	/* 127: the largest int8 magnitude used, as in ggml quantize_row_q8_0 */
	const float qmax = 127.0f;

	for (int64_t b = 0; b < n / GPAI_QK; b++) {
		const float *v = x + b * GPAI_QK;
		float amax = 0, d, id;

		for (int j = 0; j < GPAI_QK; j++)
			amax = fmaxf(amax, fabsf(v[j]));
		d = amax / qmax;
		id = d != 0 ? 1.0f / d : 0.0f;
		o->d[b] = d;
		for (int j = 0; j < GPAI_QK; j++)
			o->q[b * GPAI_QK + j] = (int8_t)lrintf(v[j] * id);
	}
}

struct mv_job {
	float *out;
	const struct wref *w;
	const float *x;
	const struct q8buf *xq;
	size_t row_bytes;
};

static void mv_part(void *ctx, int chunk, int n_chunks)
{
	struct mv_job *j = ctx;
	int64_t rows = j->w->rows;
	int64_t lo = rows * chunk / n_chunks, hi = rows * (chunk + 1) / n_chunks;
	const unsigned char *base = j->w->data;

	for (int64_t r = lo; r < hi; r++)
		j->out[r] = dot_row(j->w, base + (size_t)r * j->row_bytes, j->x, j->xq);
}

/* Threads are worth waking only for matrices of some size; below this
 * many weight bytes one thread does the whole product (results are the
 * same either way). */
#define MV_PARALLEL_MIN_BYTES (64 * 1024)

/* Chunks per thread: enough that a late or slow thread leaves little for
 * the others to wait on, few enough that claiming costs nothing. */
#define MV_CHUNKS_PER_THREAD 4

void kern_matvec(struct kern *k, float *out, const struct wref *w, const float *x)
{
	struct mv_job j = { out, w, x, NULL, wtype_row_bytes(w->type, w->cols) };

	if (w->type == WT_Q8_0 || w->type == WT_Q4_0) {
		/* the engine sizes xq for its widest matrix at open */
		quantize_q8(&k->xq, x, w->cols);
		j.xq = &k->xq;
	}
	if (j.row_bytes * (size_t)w->rows < MV_PARALLEL_MIN_BYTES || gpai_pool_threads(k->pool) < 2)
		mv_part(&j, 0, 1);
	else
		gpai_pool_run(k->pool, MV_CHUNKS_PER_THREAD * gpai_pool_threads(k->pool), mv_part, &j);
}

/* ---- several vectors at once (batched prompt processing) -------------------- */

struct mm_job {
	float *out;            /* out[b * ostride + r] */
	const struct wref *w;
	const float *x;        /* x[b * xstride + i] */
	const struct q8buf *xq;
	size_t row_bytes;
	int n;
	int64_t ostride, xstride;
};

static void mm_part(void *ctx, int chunk, int n_chunks)
{
	struct mm_job *j = ctx;
	int64_t rows = j->w->rows;
	int64_t lo = rows * chunk / n_chunks, hi = rows * (chunk + 1) / n_chunks;
	const unsigned char *base = j->w->data;

	/* each row is read once for all n vectors; each (row, vector) value is
	 * the same dot product kern_matvec computes */
	for (int64_t r = lo; r < hi; r++) {
		const unsigned char *row = base + (size_t)r * j->row_bytes;

		for (int b = 0; b < j->n; b++) {
			struct q8buf one;

			if (j->xq) {
				one.q = j->xq->q + (size_t)b * (size_t)j->w->cols;
				one.d = j->xq->d + (size_t)b * (size_t)(j->w->cols / GPAI_QK);
				one.cap = j->w->cols;
			}
			j->out[b * j->ostride + r] =
				dot_row(j->w, row, j->x + b * j->xstride, j->xq ? &one : NULL);
		}
	}
}

void kern_matmat(struct kern *k, float *out, int64_t ostride, const struct wref *w,
		 const float *x, int64_t xstride, int n, struct q8buf *xqn)
{
	struct mm_job j = { out, w, x, NULL, wtype_row_bytes(w->type, w->cols), n, ostride, xstride };

	if (w->type == WT_Q8_0 || w->type == WT_Q4_0) {
		for (int b = 0; b < n; b++) {
			struct q8buf one = { xqn->q + (size_t)b * (size_t)w->cols,
					     xqn->d + (size_t)b * (size_t)(w->cols / GPAI_QK), w->cols };

			quantize_q8(&one, x + b * xstride, w->cols);
		}
		j.xq = xqn;
	}
	if (gpai_pool_threads(k->pool) < 2)
		mm_part(&j, 0, 1);
	else
		gpai_pool_run(k->pool, MV_CHUNKS_PER_THREAD * gpai_pool_threads(k->pool), mm_part, &j);
}
