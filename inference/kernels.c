/*
 * kernels.c - the engine's number crunching: half-float conversion, row
 * dequantization, dot products for F32/F16/BF16/Q8_0/Q4_0 weights, and the
 * matrix-vector product threaded over output rows.  llama2.c v2 grouped
 * Q8 weights (WT_Q8G) are handed to kernels_q8g.c.
 *
 * Block layouts (ggml, GGUF): Q8_0 = fp16 d, int8 q[32], x = d*q;
 * Q4_0 = fp16 d, uint8 nibbles[16], element j < 16 in the low nibble of
 * byte j, element j >= 16 in the high nibble of byte j - 16, x = d*(q - 8).
 * Q8_0 and Q4_0 products quantize the activation to Q8_0 blocks (float
 * scale d = max|x|/127, q = round(x/d)) and sum int8 products exactly in
 * int32 per block, as llama.cpp and llama2.c runq.c do.
 *
 * Invariants: each output row is computed by exactly one thread with a
 * fixed order of operations, so results do not depend on the thread count;
 * the batched kernels (one row against 3 or 4 vectors) and grouped
 * products compute each value in the one-vector kernel's order, so batched
 * and grouped results equal one-at-a-time results bit for bit.  The
 * AVX2/FMA paths (and AVX-VNNI for the batched Q8_0 kernel) are chosen
 * once per process by a CPU check (GPAI_NO_SIMD, GPAI_NO_VNNI or
 * kern_use_simd lower the level); all SIMD levels give identical values,
 * the portable paths the same values up to float reassociation, and the
 * same quantized activations exactly.  The AVX2 row kernels prefetch the weights ahead of
 * use; prefetching has no effect on values.
 */
#include "engine_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_X86 1
#else
#define HAVE_X86 0
#endif

/* Independent accumulators in the portable dot products: enough to hide
 * the add latency without fast-math. */
#define PORTABLE_LANES 8

/* How far ahead of the current load the AVX2 row kernels prefetch the
 * weights, in bytes.  A core's hardware prefetchers keep too few lines in
 * flight to reach the memory bandwidth on a sequential read, and they stop
 * at 4 KiB page boundaries; prefetching a few pages ahead doubled the
 * Q8_0 decode speed of one core (docs/inference.md, Speed).  Past the end
 * of a row the prefetch reads the next row, which is the next to be used;
 * a prefetch never faults. */
#define KERN_PREFETCH_BYTES 4096

/* Activation vectors per weight row in the batched AVX2 kernels: three
 * vectors' four 8-wide accumulators plus the row's four registers fill the
 * sixteen ymm registers (F32); Q8_0 keeps one accumulator per vector. */
#define KERN_TILE_F32 3
#define KERN_TILE_Q8 8 /* Q8_0 vectors per tile: one per lane, AVX2 */
#define KERN_TILE_AVX512 16 /* and AVX-512 */

/* Vectors per pass over a block of rows in batched products: 12 F32
 * vectors of a 768-wide model (36 KiB) or 32 quantized ones (24 KiB) stay
 * in a 48 KiB L1 cache. */
#define KERN_GROUP_F32 (4 * KERN_TILE_F32)
#define KERN_GROUP_Q8 (2 * KERN_TILE_AVX512)

/* Weight bytes per block of rows in batched products: the block stays in a
 * core's L2 cache (512 KiB on Zen 3) while groups of vectors pass over it. */
#define KERN_BLOCK_BYTES (128 * 1024)

/* The largest int8 magnitude used when quantizing activations, as in ggml
 * quantize_row_q8_0. */
#define Q8_QMAX 127.0f

size_t wtype_row_bytes(enum wtype t, int64_t cols)
{
	switch (t) {
	case WT_F32: return (size_t)cols * 4;
	case WT_F16:
	case WT_BF16: return (size_t)cols * 2;
	case WT_Q8_0: return (size_t)(cols / GPAI_QK) * GPAI_Q8_0_BLOCK;
	case WT_Q4_0: return (size_t)(cols / GPAI_QK) * GPAI_Q4_0_BLOCK;
	case WT_Q8G: return (size_t)cols;
	default: return 0;
	}
}

const char *wtype_name(enum wtype t)
{
	static const char *const names[WT_COUNT] = { "F32", "F16", "BF16", "Q8_0", "Q4_0",
							      "Q8_GROUP" };

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
	case WT_Q8G:
		q8g_row(w, r, out);
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

/* One block's term of a Q8_0 product, the definition every path follows:
 * acc + (wscale * xscale) * (float)isum, each operation rounded on its own
 * (the int8 sum is exact, and exact in float: |isum| < 2^24).  A separate
 * statement per operation, so no compiler fuses them. */
static inline float q8_step(float acc, float scale, int32_t isum)
{
	float t = scale * (float)isum;

	return acc + t;
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
		acc = q8_step(acc, fp16_to_f32(rd16(blk)) * x->d[b], s);
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

/* ---- exp in double, for sums of exponentials ------------------------------ */

/* exp(x) for -708 <= x <= 0 in plain double arithmetic, each operation
 * rounded on its own (no fused multiply-add), so the AVX2 path below
 * computes the same value lane by lane: x = k ln 2 + r with k rounded to
 * nearest (the 1.5 * 2^52 trick), r split Cody-Waite (k * EXP_LN2_HI is
 * exact: its low 11 bits are zero), e^r by its Taylor series to degree 13
 * (|r| <= ln2/2: the next term is below 2^-57 of the sum), times 2^k built
 * in the exponent bits.  Within 2 ulp of exp(). */
#define EXP_LOG2E 1.4426950408889634
#define EXP_LN2_HI 6.93147180369123816490e-01 /* 0x3fe62e42fee00000 */
#define EXP_LN2_LO 1.90821492927058770002e-10
#define EXP_ROUND 6755399441055744.0 /* 1.5 * 2^52 */
/* Below this a term is under 2^-1021 and is left out: every sum here
 * holds the maximum's term, exp(0) = 1, which a double cannot tell from
 * 1 + 2^-1021. */
#define EXP_MIN -708.0

static const double exp_taylor[14] = {
	1.0,
	1.0,
	1.0 / 2,
	1.0 / 6,
	1.0 / 24,
	1.0 / 120,
	1.0 / 720,
	1.0 / 5040,
	1.0 / 40320,
	1.0 / 362880,
	1.0 / 3628800,
	1.0 / 39916800,
	1.0 / 479001600,
	1.0 / 6227020800,
};

static double exp_nonpositive(double x)
{
	double t, kd, r, p;
	uint64_t bits;

	if (!(x >= EXP_MIN))
		return 0;
	t = x * EXP_LOG2E + EXP_ROUND;
	kd = t - EXP_ROUND;
	r = (x - kd * EXP_LN2_HI) - kd * EXP_LN2_LO;
	p = exp_taylor[13];
	for (int i = 12; i >= 0; i--)
		p = p * r + exp_taylor[i];
	memcpy(&bits, &t, sizeof(bits));
	bits = (bits + 1023) << 52; /* the low bits of t hold k */
	memcpy(&t, &bits, sizeof(t));
	return p * t;
}

static double sum_exp_portable(const float *x, int64_t n, float max)
{
	double s[4] = { 0, 0, 0, 0 };

	for (int64_t i = 0; i < n; i++)
		s[i % 4] += exp_nonpositive((double)x[i] - (double)max);
	return (s[0] + s[1]) + (s[2] + s[3]);
}

/* ---- exp in float, for attention's softmax and SwiGLU ---------------------- */

/* exp(x) in float arithmetic, each operation rounded on its own, so the
 * AVX2 path computes the same value lane by lane (libm's expf could not be
 * vectorized without changing its bits): x = k ln 2 + r with k rounded to
 * nearest (the 1.5 * 2^23 trick), r split Cody-Waite (k * EXPF_LN2_HI is
 * exact: its low 12 bits are zero), e^r by its Taylor series to degree 7
 * (|r| <= ln2/2: the next term is below 2^-27 of the sum), times 2^k as
 * two powers of two built in the exponent bits (so that 2^128, needed just
 * below the overflow, and the subnormal results each round once).  Within
 * 2 ulp of expf(); a NaN comes back as it went in, above EXPF_MAX (where
 * expf overflows) is infinity, below EXPF_MIN (exp under 2^-150) zero. */
#define EXPF_LOG2E 1.44269504f
#define EXPF_ROUND 12582912.0f /* 1.5 * 2^23 */
#define EXPF_LN2_HI 0.693145751953125f /* 0x3f317200 */
#define EXPF_LN2_LO 1.42860677e-06f
#define EXPF_MAX 88.7228317f /* the largest float whose exp is finite */
#define EXPF_MIN -104.0f

static const float expf_taylor[8] = {
	1.0f, 1.0f, 1.0f / 2, 1.0f / 6, 1.0f / 24, 1.0f / 120, 1.0f / 720, 1.0f / 5040,
};

static float f32_of_bits(uint32_t b)
{
	float f;

	memcpy(&f, &b, sizeof(f));
	return f;
}

static float exp_f32(float x)
{
	float t, kf, r, p;
	uint32_t tb, rb;
	int32_t k, k1;

	if (x != x)
		return x;
	if (x > EXPF_MAX)
		return INFINITY;
	if (x < EXPF_MIN)
		return 0.0f;
	t = x * EXPF_LOG2E + EXPF_ROUND;
	kf = t - EXPF_ROUND;
	r = (x - kf * EXPF_LN2_HI) - kf * EXPF_LN2_LO;
	p = expf_taylor[7];
	for (int i = 6; i >= 0; i--)
		p = p * r + expf_taylor[i];
	memcpy(&tb, &t, sizeof(tb));
	memcpy(&rb, &(float){ EXPF_ROUND }, sizeof(rb));
	k = (int32_t)(tb - rb); /* t and EXPF_ROUND share their exponent */
	k1 = k >> 1;
	p = p * f32_of_bits((uint32_t)(k1 + 127) << 23);
	return p * f32_of_bits((uint32_t)(k - k1 + 127) << 23);
}

static void exp_shifted_portable(float *x, int64_t n, float max)
{
	for (int64_t i = 0; i < n; i++)
		x[i] = exp_f32(x[i] - max);
}

/* SiLU(h) * g, the SwiGLU of llama2.c's run.c with exp_f32 for expf. */
static void swiglu_portable(float *h, const float *g, int64_t n)
{
	for (int64_t i = 0; i < n; i++) {
		float v = h[i];

		v *= 1.0f / (1.0f + exp_f32(-v));
		h[i] = v * g[i];
	}
}

/* ---- AVX2/FMA dot products ---------------------------------------------- */

#if HAVE_X86
#define AVX2 __attribute__((target("avx2,fma,f16c")))
/* Full unrolling of a loop over a tile's vectors: without it GCC -O2 keeps
 * the accumulator array in memory, which halved the batched Q8_0 speed. */
#define KERN_UNROLL _Pragma("GCC unroll 8")

static inline void prefetch_ahead(const void *p)
{
	_mm_prefetch((const char *)p + KERN_PREFETCH_BYTES, _MM_HINT_T0);
}

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

/* The end of dot_f32_avx2_impl from element i on, with its four sums (s_k
 * holds the terms of the elements 8k to 8k + 7 of each 32): eight at a
 * time into s0, the rest one by one, then the sums in a fixed order.
 * rows_f32_avx512 ends its rows here too. */
AVX2 static inline float dot_f32_finish(__m256 s0, __m256 s1, __m256 s2, __m256 s3,
					const float *a, const float *b, int64_t i, int64_t n)
{
	float tail = 0;

	for (; i + 8 <= n; i += 8)
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
	for (; i < n; i++)
		tail += a[i] * b[i];
	s0 = _mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3));
	return hsum256(s0) + tail;
}

/* a . b; with `weights` set, a is a weight row streamed from memory and is
 * prefetched ahead (the activations b are in cache).  The order of
 * operations is the same either way. */
AVX2 static inline float dot_f32_avx2_impl(const float *a, const float *b, int64_t n,
					   int weights)
{
	__m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
	int64_t i = 0;

	for (; i + 32 <= n; i += 32) {
		if (weights) {
			prefetch_ahead(a + i);
			prefetch_ahead(a + i + 16);
		}
		s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
		s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
		s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
		s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
	}
	return dot_f32_finish(s0, s1, s2, s3, a, b, i, n);
}

/* The end of a SIMD sum_exp from term i on (i a multiple of 4), with the
 * four running sums in acc: the rest one by one into their sums, then the
 * sums in sum_exp_portable's order.  sum_exp_avx512 ends here too. */
AVX2 static inline double sum_exp_finish(__m256d acc, const float *x, int64_t i, int64_t n,
					 float max)
{
	double s[4];

	_mm256_storeu_pd(s, acc);
	for (; i < n; i++)
		s[i % 4] += exp_nonpositive((double)x[i] - (double)max);
	return (s[0] + s[1]) + (s[2] + s[3]);
}

/* sum_exp_portable four lanes at a time: lane j sums the terms i = j mod 4
 * in order, each computed as exp_nonpositive computes it. */
AVX2 static double sum_exp_avx2(const float *x, int64_t n, float max)
{
	const __m256d m = _mm256_set1_pd((double)max), lo = _mm256_set1_pd(EXP_MIN);
	const __m256d round = _mm256_set1_pd(EXP_ROUND), log2e = _mm256_set1_pd(EXP_LOG2E);
	const __m256d hi2 = _mm256_set1_pd(EXP_LN2_HI), lo2 = _mm256_set1_pd(EXP_LN2_LO);
	__m256d acc = _mm256_setzero_pd();
	int64_t i = 0;

	for (; i + 4 <= n; i += 4) {
		__m256d v = _mm256_sub_pd(_mm256_cvtps_pd(_mm_loadu_ps(x + i)), m);
		__m256d t = _mm256_add_pd(_mm256_mul_pd(v, log2e), round);
		__m256d kd = _mm256_sub_pd(t, round);
		__m256d r = _mm256_sub_pd(_mm256_sub_pd(v, _mm256_mul_pd(kd, hi2)),
					  _mm256_mul_pd(kd, lo2));
		__m256d p = _mm256_set1_pd(exp_taylor[13]);
		__m256i bits;

		for (int k = 12; k >= 0; k--)
			p = _mm256_add_pd(_mm256_mul_pd(p, r), _mm256_set1_pd(exp_taylor[k]));
		bits = _mm256_slli_epi64(_mm256_add_epi64(_mm256_castpd_si256(t),
							  _mm256_set1_epi64x(1023)), 52);
		p = _mm256_mul_pd(p, _mm256_castsi256_pd(bits));
		/* v >= EXP_MIN, false for NaN as in exp_nonpositive */
		p = _mm256_and_pd(p, _mm256_cmp_pd(v, lo, _CMP_GE_OQ));
		acc = _mm256_add_pd(acc, p);
	}
	return sum_exp_finish(acc, x, i, n, max);
}

/* exp_f32 of eight lanes. */
AVX2 static inline __m256 exp8_avx2(__m256 x)
{
	const __m256 round = _mm256_set1_ps(EXPF_ROUND);
	const __m256i bias = _mm256_set1_epi32(127);
	__m256 t = _mm256_add_ps(_mm256_mul_ps(x, _mm256_set1_ps(EXPF_LOG2E)), round);
	__m256 kf = _mm256_sub_ps(t, round);
	__m256 r = _mm256_sub_ps(_mm256_sub_ps(x, _mm256_mul_ps(kf, _mm256_set1_ps(EXPF_LN2_HI))),
				 _mm256_mul_ps(kf, _mm256_set1_ps(EXPF_LN2_LO)));
	__m256 p = _mm256_set1_ps(expf_taylor[7]);
	__m256i k, k1;

	for (int i = 6; i >= 0; i--)
		p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(expf_taylor[i]));
	k = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_castps_si256(round));
	k1 = _mm256_srai_epi32(k, 1);
	p = _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k1, bias), 23)));
	p = _mm256_mul_ps(p, _mm256_castsi256_ps(_mm256_slli_epi32(
				     _mm256_add_epi32(_mm256_sub_epi32(k, k1), bias), 23)));
	/* the cases exp_f32 returns early, in its order of precedence */
	p = _mm256_blendv_ps(p, _mm256_setzero_ps(),
			     _mm256_cmp_ps(x, _mm256_set1_ps(EXPF_MIN), _CMP_LT_OQ));
	p = _mm256_blendv_ps(p, _mm256_set1_ps(INFINITY),
			     _mm256_cmp_ps(x, _mm256_set1_ps(EXPF_MAX), _CMP_GT_OQ));
	return _mm256_blendv_ps(p, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

AVX2 static void exp_shifted_avx2(float *x, int64_t n, float max)
{
	const __m256 m = _mm256_set1_ps(max);
	int64_t i = 0;

	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(x + i, exp8_avx2(_mm256_sub_ps(_mm256_loadu_ps(x + i), m)));
	if (i < n) {
		/* the last n - i lanes (softmaxes are short: this was a quarter
		 * of the time one element at a time) */
		__m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n - i)),
						  _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));

		_mm256_maskstore_ps(x + i, mask,
				    exp8_avx2(_mm256_sub_ps(_mm256_maskload_ps(x + i, mask), m)));
	}
}

AVX2 static void divide_avx2(float *x, int64_t n, float d)
{
	const __m256 dv = _mm256_set1_ps(d);
	int64_t i = 0;

	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(x + i, _mm256_div_ps(_mm256_loadu_ps(x + i), dv));
	for (; i < n; i++)
		x[i] /= d;
}

AVX2 static void swiglu_avx2(float *h, const float *g, int64_t n)
{
	const __m256 one = _mm256_set1_ps(1.0f), sign = _mm256_set1_ps(-0.0f);
	int64_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m256 v = _mm256_loadu_ps(h + i);
		__m256 e = exp8_avx2(_mm256_xor_ps(v, sign));

		v = _mm256_mul_ps(v, _mm256_div_ps(one, _mm256_add_ps(one, e)));
		_mm256_storeu_ps(h + i, _mm256_mul_ps(v, _mm256_loadu_ps(g + i)));
	}
	swiglu_portable(h + i, g + i, n - i);
}

/* kern_argmax over 32000 logits was a scalar loop of about 30 us, 0.6 %
 * of a 110M F32 decode step that the other thread spent waiting; the
 * same for the finite check of the logits.  Both run 8 lanes at a time
 * here. */

/* The first i with x[i] == m, or -1. */
AVX2 static int64_t first_equal_avx2(const float *x, int64_t n, float m)
{
	const __m256 mv = _mm256_set1_ps(m);
	int64_t i = 0;

	for (; i + 8 <= n; i += 8) {
		int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(x + i), mv, _CMP_EQ_OQ));

		if (mask)
			return i + __builtin_ctz((unsigned)mask);
	}
	for (; i < n; i++)
		if (x[i] == m)
			return i;
	return -1;
}

/* Without NaNs, the first largest is the first element equal to the
 * maximum (-0 and +0 compare equal, as in the loop); with a NaN, the
 * scalar loop decides. */
AVX2 static int64_t argmax_avx2(const float *x, int64_t n)
{
	__m256 mx = _mm256_set1_ps(x[0]), nan = _mm256_setzero_ps();
	float lanes[8], m;
	int64_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m256 v = _mm256_loadu_ps(x + i);

		mx = _mm256_max_ps(mx, v);
		nan = _mm256_or_ps(nan, _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
	}
	if (_mm256_movemask_ps(nan))
		return -1;
	_mm256_storeu_ps(lanes, mx);
	m = lanes[0];
	for (int k = 1; k < 8; k++)
		m = lanes[k] > m ? lanes[k] : m;
	for (; i < n; i++) {
		if (x[i] != x[i])
			return -1;
		m = x[i] > m ? x[i] : m;
	}
	return first_equal_avx2(x, n, m);
}

AVX2 static int64_t first_nonfinite_avx2(const float *x, int64_t n)
{
	const __m256 abs = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
	const __m256 inf = _mm256_set1_ps(INFINITY);
	int64_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m256 a = _mm256_and_ps(_mm256_loadu_ps(x + i), abs);

		/* ordered: false for NaN */
		if (_mm256_movemask_ps(_mm256_cmp_ps(a, inf, _CMP_LT_OQ)) != 0xff)
			break;
	}
	for (; i < n; i++)
		if (!isfinite(x[i]))
			return i;
	return -1;
}

/* kern_scores: q . k_t for each key, without a call and a dispatch per
 * key. */
AVX2 static void scores_avx2(float *att, const float *q, const float *k, int64_t stride, int n,
			     int64_t cols, float scale)
{
	for (int t = 0; t < n; t++)
		att[t] = dot_f32_avx2_impl(q, k + t * stride, cols, 0) * scale;
}

AVX2 static inline float dot_f32_row_avx2(const float *w, const float *x, int64_t n)
{
	return dot_f32_avx2_impl(w, x, n, 1);
}

/* out[i] = sum over t < n of a[t] * v[t * stride + i], t ascending, from
 * 0, each term a separate multiply and add, so that every element is
 * rounded as the portable loop rounds it.  32 columns at a time, their
 * sums kept in registers across t. */
AVX2 static void wsum_avx2(float *out, const float *a, const float *v, int64_t stride, int n,
			   int64_t cols)
{
	int64_t i = 0;

	for (; i + 32 <= cols; i += 32) {
		__m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;

		for (int t = 0; t < n; t++) {
			const float *vt = v + t * stride + i;
			__m256 at = _mm256_broadcast_ss(a + t);

			s0 = _mm256_add_ps(s0, _mm256_mul_ps(at, _mm256_loadu_ps(vt)));
			s1 = _mm256_add_ps(s1, _mm256_mul_ps(at, _mm256_loadu_ps(vt + 8)));
			s2 = _mm256_add_ps(s2, _mm256_mul_ps(at, _mm256_loadu_ps(vt + 16)));
			s3 = _mm256_add_ps(s3, _mm256_mul_ps(at, _mm256_loadu_ps(vt + 24)));
		}
		_mm256_storeu_ps(out + i, s0);
		_mm256_storeu_ps(out + i + 8, s1);
		_mm256_storeu_ps(out + i + 16, s2);
		_mm256_storeu_ps(out + i + 24, s3);
	}
	for (; i + 8 <= cols; i += 8) {
		__m256 s0 = _mm256_setzero_ps();

		for (int t = 0; t < n; t++)
			s0 = _mm256_add_ps(s0, _mm256_mul_ps(_mm256_broadcast_ss(a + t),
							     _mm256_loadu_ps(v + t * stride + i)));
		_mm256_storeu_ps(out + i, s0);
	}
	for (; i < cols; i++) {
		float s = 0;

		for (int t = 0; t < n; t++)
			s += a[t] * v[t * stride + i];
		out[i] = s;
	}
}

AVX2 static float dot_f16_avx2(const unsigned char *w, const float *x, int64_t n)
{
	__m256 s0 = _mm256_setzero_ps(), s1 = s0;
	int64_t i = 0;
	float tail = 0;

	for (; i + 16 <= n; i += 16) {
		prefetch_ahead(w + 2 * i);
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
		prefetch_ahead(w + 2 * i);
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

/* The sum of a vector's eight int32 lanes (exact). */
AVX2 static inline int32_t hsum_i32(__m256i v)
{
	__m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));

	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
	s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
	return _mm_cvtsi128_si32(s);
}

/* dot_q8_portable with the int8 sums in AVX2. */
AVX2 static inline float dot_q8_avx2(const unsigned char *w, const struct q8buf *x, int64_t n)
{
	float acc = 0;

	for (int64_t b = 0; b < n / GPAI_QK; b++) {
		const unsigned char *blk = w + b * GPAI_Q8_0_BLOCK;
		__m256i qw, qx;

		prefetch_ahead(blk);
		qw = _mm256_loadu_si256((const __m256i *)(blk + 2));
		qx = _mm256_loadu_si256((const __m256i *)(x->q + b * GPAI_QK));
		acc = q8_step(acc, _cvtsh_ss(rd16(blk)) * x->d[b], hsum_i32(dot32_i8(qw, qx)));
	}
	return acc;
}

/* The sums of eight vectors' lanes, vector r's in lane r (exact). */
AVX2 static inline __m256i hsum_i32_x8(const __m256i t[8])
{
	__m256i a = _mm256_hadd_epi32(_mm256_hadd_epi32(t[0], t[1]), _mm256_hadd_epi32(t[2], t[3]));
	__m256i b = _mm256_hadd_epi32(_mm256_hadd_epi32(t[4], t[5]), _mm256_hadd_epi32(t[6], t[7]));

	return _mm256_add_epi32(_mm256_permute2x128_si256(a, b, 0x20),
				_mm256_permute2x128_si256(a, b, 0x31));
}

/* Blocks per stage of rows8_q8_avx2 (16 KiB of lane sums on the stack). */
#define Q8_STAGE_BLOCKS 64

/* dot_q8_avx2 of eight consecutive rows at once, row r in lane r.  Each
 * row's blocks are read in order first (one stream through memory, as
 * one row at a time reads them), keeping each block's eight lane sums and
 * scale; then a block's eight rows' sums are reduced together and its
 * eight terms taken as one vector, the same operations lane by lane as
 * q8_step's.  Interleaving the rows' loads instead made eight streams,
 * which the memory system served at three quarters of the speed. */
AVX2 static void rows8_q8_avx2(const unsigned char *w, size_t row_bytes, const struct q8buf *x,
			       int64_t n, float *out)
{
	__m256i t[Q8_STAGE_BLOCKS][8];
	uint16_t ws[Q8_STAGE_BLOCKS][8];
	__m256 acc = _mm256_setzero_ps();

	for (int64_t b0 = 0; b0 < n / GPAI_QK; b0 += Q8_STAGE_BLOCKS) {
		int64_t nb = n / GPAI_QK - b0 < Q8_STAGE_BLOCKS ? n / GPAI_QK - b0 : Q8_STAGE_BLOCKS;

		for (int r = 0; r < 8; r++) {
			const unsigned char *row = w + (size_t)r * row_bytes + b0 * GPAI_Q8_0_BLOCK;

			for (int64_t b = 0; b < nb; b++) {
				const unsigned char *blk = row + b * GPAI_Q8_0_BLOCK;

				prefetch_ahead(blk);
				t[b][r] = dot32_i8(
					_mm256_loadu_si256((const __m256i *)(blk + 2)),
					_mm256_loadu_si256((const __m256i *)(x->q + (b0 + b) * GPAI_QK)));
				ws[b][r] = rd16(blk);
			}
		}
		for (int64_t b = 0; b < nb; b++) {
			__m256 sc = _mm256_mul_ps(_mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)ws[b])),
						  _mm256_set1_ps(x->d[b0 + b]));

			acc = _mm256_add_ps(acc, _mm256_mul_ps(sc, _mm256_cvtepi32_ps(hsum_i32_x8(t[b]))));
		}
	}
	_mm256_storeu_ps(out, acc);
}

AVX2 static void rows_f32_avx2(const unsigned char *w, size_t row_bytes, int64_t lo, int64_t hi,
			       const float *x, int64_t cols, float *out)
{
	for (int64_t r = lo; r < hi; r++)
		out[r] = dot_f32_row_avx2((const float *)(w + (size_t)r * row_bytes), x, cols);
}

AVX2 static void rows_q8_avx2(const unsigned char *w, size_t row_bytes, int64_t lo, int64_t hi,
			      const struct q8buf *x, int64_t cols, float *out)
{
	int64_t r = lo;

	for (; r + 8 <= hi; r += 8)
		rows8_q8_avx2(w + (size_t)r * row_bytes, row_bytes, x, cols, out + r);
	for (; r < hi; r++)
		out[r] = dot_q8_avx2(w + (size_t)r * row_bytes, x, cols);
}

AVX2 static float dot_q4_avx2(const unsigned char *w, const struct q8buf *x, int64_t n)
{
	__m256 acc = _mm256_setzero_ps();
	const __m128i lomask = _mm_set1_epi8(0x0F);
	const __m256i eight = _mm256_set1_epi8(8);

	for (int64_t b = 0; b < n / GPAI_QK; b++) {
		const unsigned char *blk = w + b * GPAI_Q4_0_BLOCK;
		__m128i raw, lo, hi;
		__m256i qw, qx;
		__m256 s;

		prefetch_ahead(blk);
		raw = _mm_loadu_si128((const __m128i *)(blk + 2));
		lo = _mm_and_si128(raw, lomask);
		hi = _mm_and_si128(_mm_srli_epi16(raw, 4), lomask);
		qw = _mm256_sub_epi8(_mm256_set_m128i(hi, lo), eight);
		qx = _mm256_loadu_si256((const __m256i *)(x->q + b * GPAI_QK));
		s = _mm256_cvtepi32_ps(dot32_i8(qw, qx));

		acc = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(rd16(blk)) * x->d[b]), s, acc);
	}
	return hsum256(acc);
}

/* Batched products: one weight row against several activation vectors.
 * Each value is computed in exactly the order of the one-vector kernel
 * (dot_f32_row_avx2, dot_q8_avx2), so batched logits equal decoded ones;
 * the row is loaded once for all of them. */
AVX2 static void dot_f32_row_x3_avx2(const float *w, const float *const *x, int64_t n,
				     float *out)
{
	const float *x0 = x[0], *x1 = x[1], *x2 = x[2];
	__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	__m256 b0 = a0, b1 = a0, b2 = a0, b3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
	float ta = 0, tb = 0, tc = 0;
	int64_t i = 0;

	for (; i + 32 <= n; i += 32) {
		__m256 w0 = _mm256_loadu_ps(w + i), w1 = _mm256_loadu_ps(w + i + 8),
		       w2 = _mm256_loadu_ps(w + i + 16), w3 = _mm256_loadu_ps(w + i + 24);

		prefetch_ahead(w + i);
		prefetch_ahead(w + i + 16);
		a0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x0 + i), a0);
		a1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x0 + i + 8), a1);
		a2 = _mm256_fmadd_ps(w2, _mm256_loadu_ps(x0 + i + 16), a2);
		a3 = _mm256_fmadd_ps(w3, _mm256_loadu_ps(x0 + i + 24), a3);
		b0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x1 + i), b0);
		b1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x1 + i + 8), b1);
		b2 = _mm256_fmadd_ps(w2, _mm256_loadu_ps(x1 + i + 16), b2);
		b3 = _mm256_fmadd_ps(w3, _mm256_loadu_ps(x1 + i + 24), b3);
		c0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x2 + i), c0);
		c1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(x2 + i + 8), c1);
		c2 = _mm256_fmadd_ps(w2, _mm256_loadu_ps(x2 + i + 16), c2);
		c3 = _mm256_fmadd_ps(w3, _mm256_loadu_ps(x2 + i + 24), c3);
	}
	for (; i + 8 <= n; i += 8) {
		__m256 w0 = _mm256_loadu_ps(w + i);

		a0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x0 + i), a0);
		b0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x1 + i), b0);
		c0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(x2 + i), c0);
	}
	for (; i < n; i++) {
		ta += w[i] * x0[i];
		tb += w[i] * x1[i];
		tc += w[i] * x2[i];
	}
	out[0] = hsum256(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3))) + ta;
	out[1] = hsum256(_mm256_add_ps(_mm256_add_ps(b0, b1), _mm256_add_ps(b2, b3))) + tb;
	out[2] = hsum256(_mm256_add_ps(_mm256_add_ps(c0, c1), _mm256_add_ps(c2, c3))) + tc;
}

/* Batched Q8_0 products, on activations laid out once per job by
 * prepare_part with each vector's int8 sum in a lane of its own: for
 * block b and 4-byte group g (0..7), the group's four bytes of every
 * vector, one vector after the other, at xl + ((b * 8 + g) * nv + v) * 4
 * (nv the job's padded vector count; x + 128 as unsigned bytes for the
 * VNNI kernels, x itself for AVX2), and the scales at xd[b * nv + v]; xl
 * and xd point at the tile's first vector.  A weight group is broadcast
 * to every lane, so the row is read once for the whole tile, and every
 * lane then computes q8_step as dot_q8_portable does: each value equals
 * the one-vector kernels' bit for bit. */

static inline int32_t ld32(const unsigned char *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Eight vectors with AVX2: dot32_i8's sign trick on a broadcast group. */
AVX2 static void q8_tile8_avx2(const unsigned char *w, const uint8_t *xl, const float *xd,
			       int64_t nv, int64_t n, float *out)
{
	const __m256i ones = _mm256_set1_epi16(1);
	__m256 acc = _mm256_setzero_ps();

	for (int64_t b = 0; b < n / GPAI_QK; b++) {
		const unsigned char *blk = w + b * GPAI_Q8_0_BLOCK;
		__m256i is = _mm256_setzero_si256();
		__m256 sc;

		prefetch_ahead(blk);
		KERN_UNROLL
		for (int g = 0; g < 8; g++) {
			__m256i wg = _mm256_set1_epi32(ld32(blk + 2 + 4 * g));
			__m256i xg = _mm256_loadu_si256((const __m256i *)(xl + (b * 8 + g) * nv * 4));

			is = _mm256_add_epi32(
				is, _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(wg, wg),
									   _mm256_sign_epi8(xg, wg)),
						      ones));
		}
		sc = _mm256_mul_ps(_mm256_set1_ps(_cvtsh_ss(rd16(blk))), _mm256_loadu_ps(xd + b * nv));
		acc = _mm256_add_ps(acc, _mm256_mul_ps(sc, _mm256_cvtepi32_ps(is)));
	}
	_mm256_storeu_ps(out, acc);
}

/* -128 times the sum of a block's 32 weights: what vpdpbusd on x + 128
 * adds to each vector's sum beyond the sum of w * x. */
AVX2 static inline int32_t neg128_sum(const unsigned char *q)
{
	__m256i s = _mm256_sad_epu8(
		_mm256_xor_si256(_mm256_loadu_si256((const __m256i *)q), _mm256_set1_epi8((char)0x80)),
		_mm256_setzero_si256());
	__m128i t = _mm_add_epi64(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));

	/* the sum of w + 128 over the block, less 32 * 128 */
	t = _mm_add_epi64(t, _mm_unpackhi_epi64(t, t));
	return -128 * (_mm_cvtsi128_si32(t) - GPAI_QK * 128);
}

#define VNNI __attribute__((target("avx2,fma,f16c,avxvnni")))

/* Eight vectors with AVX-VNNI: vpdpbusd sums four (x + 128) * w products
 * per lane, starting from -128 times the block's weight sum, so each lane
 * ends with the exact sum of w * x; two running sums halve the chain. */
VNNI static void q8_tile8_vnni(const unsigned char *w, const uint8_t *xl, const float *xd,
			       int64_t nv, int64_t n, float *out)
{
	__m256 acc = _mm256_setzero_ps();

	for (int64_t b = 0; b < n / GPAI_QK; b++) {
		const unsigned char *blk = w + b * GPAI_Q8_0_BLOCK;
		__m256i i0 = _mm256_set1_epi32(neg128_sum(blk + 2)), i1 = _mm256_setzero_si256();
		__m256 sc;

		prefetch_ahead(blk);
		KERN_UNROLL
		for (int g = 0; g < 8; g += 2) {
			i0 = _mm256_dpbusd_avx_epi32(
				i0, _mm256_loadu_si256((const __m256i *)(xl + (b * 8 + g) * nv * 4)),
				_mm256_set1_epi32(ld32(blk + 2 + 4 * g)));
			i1 = _mm256_dpbusd_avx_epi32(
				i1, _mm256_loadu_si256((const __m256i *)(xl + (b * 8 + g + 1) * nv * 4)),
				_mm256_set1_epi32(ld32(blk + 6 + 4 * g)));
		}
		sc = _mm256_mul_ps(_mm256_set1_ps(_cvtsh_ss(rd16(blk))), _mm256_loadu_ps(xd + b * nv));
		acc = _mm256_add_ps(acc, _mm256_mul_ps(sc, _mm256_cvtepi32_ps(_mm256_add_epi32(i0, i1))));
	}
	_mm256_storeu_ps(out, acc);
}

#define AVX512 \
	__attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512dq,avx512vl,avx512vnni")))

/* sum_exp_avx2 with the exponentials eight lanes at a time: each zmm of
 * terms i .. i + 7 is added to the four running sums as its low half, then
 * its high half, which is the order sum_exp_avx2 adds them in, so the sum
 * is the same; the polynomial, a chain of 26 dependent operations per
 * term, does twice the work per step (the log-softmax of each position of
 * a perplexity run sums 32000 terms). */
AVX512 static double sum_exp_avx512(const float *x, int64_t n, float max)
{
	const __m512d m = _mm512_set1_pd((double)max), lo = _mm512_set1_pd(EXP_MIN);
	const __m512d round = _mm512_set1_pd(EXP_ROUND), log2e = _mm512_set1_pd(EXP_LOG2E);
	const __m512d hi2 = _mm512_set1_pd(EXP_LN2_HI), lo2 = _mm512_set1_pd(EXP_LN2_LO);
	__m256d acc = _mm256_setzero_pd();
	int64_t i = 0;

	for (; i + 8 <= n; i += 8) {
		__m512d v = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(x + i)), m);
		__m512d t = _mm512_add_pd(_mm512_mul_pd(v, log2e), round);
		__m512d kd = _mm512_sub_pd(t, round);
		__m512d r = _mm512_sub_pd(_mm512_sub_pd(v, _mm512_mul_pd(kd, hi2)),
					  _mm512_mul_pd(kd, lo2));
		__m512d p = _mm512_set1_pd(exp_taylor[13]);
		__m512i bits;

		for (int k = 12; k >= 0; k--)
			p = _mm512_add_pd(_mm512_mul_pd(p, r), _mm512_set1_pd(exp_taylor[k]));
		bits = _mm512_slli_epi64(_mm512_add_epi64(_mm512_castpd_si512(t),
							  _mm512_set1_epi64(1023)), 52);
		p = _mm512_mul_pd(p, _mm512_castsi512_pd(bits));
		/* v >= EXP_MIN, false for NaN as in exp_nonpositive */
		p = _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(v, lo, _CMP_GE_OQ), p);
		acc = _mm256_add_pd(acc, _mm512_castpd512_pd256(p));
		acc = _mm256_add_pd(acc, _mm512_extractf64x4_pd(p, 1));
	}
	return sum_exp_finish(acc, x, i, n, max);
}

/* Decoding an F32 matrix with AVX-512: two rows at a time, each row's sums
 * kept exactly as dot_f32_avx2_impl keeps them, in pairs: lanes 0-7 of s01
 * are its s0 and lanes 8-15 its s1, so one 512-bit FMA does the work of
 * two 256-bit ones on the same elements, and the rows end in
 * dot_f32_finish: the same bits.  With half the instructions per weight
 * and the two rows sharing their loads of x, the core keeps more of the
 * weight stream in flight: on the development VM this kernel read a
 * decode step's matrices as fast as a plain read of the same bytes, where
 * rows_f32_avx2 was 5-8 % slower. */
AVX512 static void rows_f32_avx512(const unsigned char *w, size_t row_bytes, int64_t lo,
				   int64_t hi, const float *x, int64_t cols, float *out)
{
	int64_t r = lo;

	for (; r + 2 <= hi; r += 2) {
		const float *a = (const float *)(w + (size_t)r * row_bytes);
		const float *c = (const float *)(w + (size_t)(r + 1) * row_bytes);
		__m512 a01 = _mm512_setzero_ps(), a23 = a01, c01 = a01, c23 = a01;
		int64_t i = 0;

		for (; i + 32 <= cols; i += 32) {
			__m512 x01 = _mm512_loadu_ps(x + i), x23 = _mm512_loadu_ps(x + i + 16);

			prefetch_ahead(a + i);
			prefetch_ahead(a + i + 16);
			prefetch_ahead(c + i);
			prefetch_ahead(c + i + 16);
			a01 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), x01, a01);
			a23 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), x23, a23);
			c01 = _mm512_fmadd_ps(_mm512_loadu_ps(c + i), x01, c01);
			c23 = _mm512_fmadd_ps(_mm512_loadu_ps(c + i + 16), x23, c23);
		}
		out[r] = dot_f32_finish(_mm512_castps512_ps256(a01), _mm512_extractf32x8_ps(a01, 1),
					_mm512_castps512_ps256(a23), _mm512_extractf32x8_ps(a23, 1),
					a, x, i, cols);
		out[r + 1] = dot_f32_finish(_mm512_castps512_ps256(c01),
					    _mm512_extractf32x8_ps(c01, 1),
					    _mm512_castps512_ps256(c23),
					    _mm512_extractf32x8_ps(c23, 1), c, x, i, cols);
	}
	for (; r < hi; r++)
		out[r] = dot_f32_row_avx2((const float *)(w + (size_t)r * row_bytes), x, cols);
}

/* q8_tile8_vnni with AVX-512 on 16 * nz vectors (nz 1 or 2). */
AVX512 static inline __attribute__((always_inline)) void
q8_tile_avx512(const unsigned char *w, const uint8_t *xl, const float *xd, int64_t nv, int64_t n,
	       int nz, float *out)
{
	__m512 acc[2] = { _mm512_setzero_ps(), _mm512_setzero_ps() };

	for (int64_t b = 0; b < n / GPAI_QK; b++) {
		const unsigned char *blk = w + b * GPAI_Q8_0_BLOCK;
		__m512i i0[2], i1[2];
		__m512 ws;

		prefetch_ahead(blk);
		for (int z = 0; z < nz; z++) {
			i0[z] = _mm512_set1_epi32(neg128_sum(blk + 2));
			i1[z] = _mm512_setzero_si512();
		}
		KERN_UNROLL
		for (int g = 0; g < 8; g += 2) {
			__m512i w0 = _mm512_set1_epi32(ld32(blk + 2 + 4 * g));
			__m512i w1 = _mm512_set1_epi32(ld32(blk + 6 + 4 * g));

			for (int z = 0; z < nz; z++) {
				const uint8_t *x0 = xl + ((b * 8 + g) * nv + 16 * z) * 4;

				i0[z] = _mm512_dpbusd_epi32(i0[z], _mm512_loadu_si512((const void *)x0),
							    w0);
				i1[z] = _mm512_dpbusd_epi32(
					i1[z], _mm512_loadu_si512((const void *)(x0 + nv * 4)), w1);
			}
		}
		ws = _mm512_set1_ps(_cvtsh_ss(rd16(blk)));
		for (int z = 0; z < nz; z++) {
			__m512 sc = _mm512_mul_ps(ws, _mm512_loadu_ps(xd + b * nv + 16 * z));

			acc[z] = _mm512_add_ps(acc[z], _mm512_mul_ps(sc, _mm512_cvtepi32_ps(
									 _mm512_add_epi32(i0[z], i1[z]))));
		}
	}
	for (int z = 0; z < nz; z++)
		_mm512_storeu_ps(out + 16 * z, acc[z]);
}

AVX512 static void q8_tile16_avx512(const unsigned char *w, const uint8_t *xl, const float *xd,
				    int64_t nv, int64_t n, float *out)
{
	q8_tile_avx512(w, xl, xd, nv, n, 1, out);
}

AVX512 static void q8_tile32_avx512(const unsigned char *w, const uint8_t *xl, const float *xd,
				    int64_t nv, int64_t n, float *out)
{
	q8_tile_avx512(w, xl, xd, nv, n, 2, out);
}

/* quantize_q8_portable's values: the same max (NaN ignored, as fmaxf
 * does), scale and reciprocal; cvtps rounds to nearest even as lrintf
 * does in the default rounding mode; a NaN product becomes 0 as the
 * portable path's (int8_t)lrintf gives on x86-64. */
AVX2 static void quantize_q8_avx2(struct q8buf *o, const float *x, int64_t n)
{
	const __m256 nosign = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
	const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);

	for (int64_t b = 0; b < n / GPAI_QK; b++) {
		const float *p = x + b * GPAI_QK;
		__m256 v[4], m = _mm256_setzero_ps(), iv;
		__m256i q[4];
		__m128 h;
		float amax, d, id;

		for (int k = 0; k < 4; k++) {
			v[k] = _mm256_loadu_ps(p + 8 * k);
			m = _mm256_max_ps(_mm256_and_ps(v[k], nosign), m); /* NaN -> m */
		}
		h = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
		h = _mm_max_ps(h, _mm_movehl_ps(h, h));
		h = _mm_max_ss(h, _mm_movehdup_ps(h));
		amax = _mm_cvtss_f32(h);
		d = amax / Q8_QMAX;
		id = d != 0 ? 1.0f / d : 0.0f;
		o->d[b] = d;
		iv = _mm256_set1_ps(id);
		for (int k = 0; k < 4; k++) {
			__m256 y = _mm256_mul_ps(v[k], iv);
			__m256 nan = _mm256_cmp_ps(y, y, _CMP_UNORD_Q);

			q[k] = _mm256_andnot_si256(_mm256_castps_si256(nan), _mm256_cvtps_epi32(y));
		}
		q[0] = _mm256_packs_epi16(_mm256_packs_epi32(q[0], q[1]), _mm256_packs_epi32(q[2], q[3]));
		_mm256_storeu_si256((__m256i *)(o->q + b * GPAI_QK),
				    _mm256_permutevar8x32_epi32(q[0], order));
	}
}

/* Whether the CPU has the features of a level: KERN_AVX2 needs AVX2 and
 * FMA (through the compiler's CPU model, which also checks that the OS
 * saves the YMM and ZMM state) and F16C (CPUID leaf 1 directly: clang does
 * not know "f16c" as a __builtin_cpu_supports name); KERN_AVX2_VNNI adds
 * AVX-VNNI (CPUID leaf 7 subleaf 1, EAX bit 4); KERN_AVX512_VNNI adds
 * AVX-512 F, BW, DQ, VL and VNNI instead (a CPU may have these without
 * AVX-VNNI, as Ice Lake does). */
#define CPUID_7_1_EAX_AVXVNNI (1u << 4)

static int cpu_has(int level)
{
	unsigned int eax, ebx, ecx, edx;

	if (level <= KERN_PORTABLE)
		return 1;
	__builtin_cpu_init();
	if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") ||
	    !__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & bit_F16C))
		return 0;
	switch (level) {
	case KERN_AVX2:
		return 1;
	case KERN_AVX2_VNNI:
		return __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) &&
		       (eax & CPUID_7_1_EAX_AVXVNNI);
	case KERN_AVX512_VNNI:
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
		       __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
		       __builtin_cpu_supports("avx512vnni");
	default:
		return 0;
	}
}
#else
static int cpu_has(int level) { return level <= KERN_PORTABLE; }
#endif

/* The highest level up to `limit` that the CPU has. */
static int best_level(int limit)
{
	int l = limit < KERN_BEST ? limit : KERN_BEST;

	while (l > KERN_PORTABLE && !cpu_has(l))
		l--;
	return l;
}

/* -1 until the first product; then the kern_level in use. */
static int simd_state = -1;

static int simd_level(void)
{
	if (simd_state < 0)
		simd_state = best_level(getenv("GPAI_NO_SIMD")     ? KERN_PORTABLE
					: getenv("GPAI_NO_VNNI")   ? KERN_AVX2
					: getenv("GPAI_NO_AVX512") ? KERN_AVX2_VNNI
								   : KERN_BEST);
	return simd_state;
}

static int have_avx2(void)
{
	return simd_level() >= KERN_AVX2;
}

void kern_use_simd(int level)
{
	simd_state = best_level(level);
}

int kern_simd(void)
{
	return simd_level();
}

void kern_scores(float *att, const float *q, const float *k, int64_t stride, int n,
		 int64_t cols, float scale)
{
#if HAVE_X86
	if (have_avx2()) {
		scores_avx2(att, q, k, stride, n, cols, scale);
		return;
	}
#endif
	for (int t = 0; t < n; t++)
		att[t] = dot_f32_portable(q, k + t * stride, cols) * scale;
}

double kern_sum_exp(const float *x, int64_t n, float max)
{
#if HAVE_X86
	if (simd_level() >= KERN_AVX512_VNNI)
		return sum_exp_avx512(x, n, max);
	if (have_avx2())
		return sum_exp_avx2(x, n, max);
#endif
	return sum_exp_portable(x, n, max);
}

void kern_exp_shifted(float *x, int64_t n, float max)
{
#if HAVE_X86
	if (have_avx2()) {
		exp_shifted_avx2(x, n, max);
		return;
	}
#endif
	exp_shifted_portable(x, n, max);
}

void kern_swiglu(float *h, const float *g, int64_t n)
{
#if HAVE_X86
	if (have_avx2()) {
		swiglu_avx2(h, g, n);
		return;
	}
#endif
	swiglu_portable(h, g, n);
}

void kern_divide(float *x, int64_t n, float d)
{
#if HAVE_X86
	if (have_avx2()) {
		divide_avx2(x, n, d);
		return;
	}
#endif
	for (int64_t i = 0; i < n; i++)
		x[i] /= d;
}

int64_t kern_argmax(const float *x, int64_t n)
{
	int64_t best = 0;

#if HAVE_X86
	if (have_avx2() && (best = argmax_avx2(x, n)) >= 0)
		return best;
	best = 0;
#endif
	for (int64_t i = 1; i < n; i++)
		if (x[i] > x[best])
			best = i;
	return best;
}

int64_t kern_first_nonfinite(const float *x, int64_t n)
{
#if HAVE_X86
	if (have_avx2())
		return first_nonfinite_avx2(x, n);
#endif
	for (int64_t i = 0; i < n; i++)
		if (!isfinite(x[i]))
			return i;
	return -1;
}

void kern_wsum(float *out, const float *a, const float *v, int64_t stride, int n, int64_t cols)
{
#if HAVE_X86
	if (have_avx2()) {
		wsum_avx2(out, a, v, stride, n, cols);
		return;
	}
#endif
	for (int64_t i = 0; i < cols; i++) {
		float s = 0;

		for (int t = 0; t < n; t++)
			s += a[t] * v[t * stride + i];
		out[i] = s;
	}
}

static float dot_row(const struct wref *w, const unsigned char *row,
		     const float *x, const struct q8buf *xq)
{
#if HAVE_X86
	if (have_avx2()) {
		switch (w->type) {
		case WT_F32: return dot_f32_row_avx2((const float *)row, x, w->cols);
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

static void quantize_q8_portable(struct q8buf *o, const float *x, int64_t n)
{
	for (int64_t b = 0; b < n / GPAI_QK; b++) {
		const float *v = x + b * GPAI_QK;
		float amax = 0, d, id;

		for (int j = 0; j < GPAI_QK; j++)
			amax = fmaxf(amax, fabsf(v[j]));
		d = amax / Q8_QMAX;
		id = d != 0 ? 1.0f / d : 0.0f;
		o->d[b] = d;
		for (int j = 0; j < GPAI_QK; j++) {
			float y = v[j] * id;

			o->q[b * GPAI_QK + j] = isnan(y) ? 0 : (int8_t)lrintf(y);
		}
	}
}

void kern_quantize_q8(struct q8buf *o, const float *x, int64_t n)
{
#if HAVE_X86
	if (have_avx2()) {
		quantize_q8_avx2(o, x, n);
		return;
	}
#endif
	quantize_q8_portable(o, x, n);
}

static int wtype_quantized(enum wtype t)
{
	return t == WT_Q8_0 || t == WT_Q4_0;
}

/* A group of products sharing one input; the rows of all its matrices
 * are numbered one after the other and split into chunks over threads. */
struct mv_job {
	const struct kern_mv *mv;
	int n_mv;
	int64_t rows;          /* all matrices' rows */
	const float *x;        /* x[b * xstride + i], b < n */
	int64_t xstride;
	int n;
	const struct q8buf *xq; /* n quantized vectors (blocks of cols / GPAI_QK) */
	const uint8_t *xl;      /* the same, one lane per vector (struct kern), and */
	const float *xdt;       /* their scales; NULL without SIMD tiles */
	int npad;               /* vectors in xl and xdt: n and zeros up to a tile */
	int threads;            /* of the pool (chunk_start) */
};

/* One q8buf view of vector b of the job's quantized batch. */
static struct q8buf q8_view(const struct q8buf *xq, int64_t cols, int b)
{
	struct q8buf one = { xq->q + (size_t)b * (size_t)cols,
			     xq->d + (size_t)b * (size_t)(cols / GPAI_QK), cols };

	return one;
}

#if HAVE_X86
/* The SIMD tiles of mv_block for one row against vectors [b, b1): returns
 * the first vector they left to the one-vector kernels. */
static int row_tiles(const struct mv_job *j, const struct kern_mv *m, const unsigned char *row,
		     int64_t r, int b, int b1, int simd)
{
	const struct wref *w = m->w;

	if (simd >= KERN_AVX2 && w->type == WT_F32)
		for (; b + KERN_TILE_F32 <= b1; b += KERN_TILE_F32) {
			const float *xs[KERN_TILE_F32];
			float o[KERN_TILE_F32];

			for (int v = 0; v < KERN_TILE_F32; v++)
				xs[v] = j->x + (b + v) * j->xstride;
			dot_f32_row_x3_avx2((const float *)row, xs, w->cols, o);
			for (int v = 0; v < KERN_TILE_F32; v++)
				m->out[(b + v) * m->ostride + r] = o[v];
		}
	/* Q8_0 tiles where the job laid the vectors out, the last one running
	 * into the zero padding (its extra values are dropped) */
	while (j->xl && w->type == WT_Q8_0 && b < b1) {
		const uint8_t *xl = j->xl + (size_t)b * 4;
		const float *xd = j->xdt + b;
		float o[2 * KERN_TILE_AVX512];
		int t = KERN_TILE_Q8;

		if (simd == KERN_AVX512_VNNI && b + KERN_TILE_AVX512 < b1) {
			q8_tile32_avx512(row, xl, xd, j->npad, w->cols, o);
			t = 2 * KERN_TILE_AVX512;
		} else if (simd == KERN_AVX512_VNNI) {
			q8_tile16_avx512(row, xl, xd, j->npad, w->cols, o);
			t = KERN_TILE_AVX512;
		} else if (simd == KERN_AVX2_VNNI) {
			q8_tile8_vnni(row, xl, xd, j->npad, w->cols, o);
		} else {
			q8_tile8_avx2(row, xl, xd, j->npad, w->cols, o);
		}
		for (int v = 0; v < t && b + v < b1; v++)
			m->out[(b + v) * m->ostride + r] = o[v];
		b += t;
	}
	return b < b1 ? b : b1;
}
#endif

/* Rows [lo, hi) of one matrix against vectors [b0, b1) of the job. */
static void mv_block(const struct mv_job *j, const struct kern_mv *m, int64_t lo, int64_t hi,
		     int b0, int b1)
{
	const struct wref *w = m->w;
	size_t row_bytes = wtype_row_bytes(w->type, w->cols);
	const unsigned char *base = w->data;
	int simd = simd_level();

#if HAVE_X86
	if (b1 - b0 == 1 && simd >= KERN_AVX2 && w->type == WT_F32) {
		(simd >= KERN_AVX512_VNNI ? rows_f32_avx512 : rows_f32_avx2)(
			base, row_bytes, lo, hi, j->x + b0 * j->xstride, w->cols,
			m->out + b0 * m->ostride);
		return;
	}
	/* one vector, or too few for the tiles: the one-vector rows, vector
	 * by vector (the block of rows stays in the cache meanwhile) */
	if ((b1 - b0 == 1 || !j->xl) && simd >= KERN_AVX2 && w->type == WT_Q8_0) {
		for (int b = b0; b < b1; b++) {
			struct q8buf one = q8_view(j->xq, w->cols, b);

			rows_q8_avx2(base, row_bytes, lo, hi, &one, w->cols, m->out + b * m->ostride);
		}
		return;
	}
#endif
	for (int64_t r = lo; r < hi; r++) {
		const unsigned char *row = base + (size_t)r * row_bytes;
		int b = b0;

#if HAVE_X86
		b = row_tiles(j, m, row, r, b, b1, simd);
#else
		(void)simd;
#endif
		for (; b < b1; b++) {
			struct q8buf one;

			if (j->xq)
				one = q8_view(j->xq, w->cols, b);
			m->out[b * m->ostride + r] =
				dot_row(w, row, j->x + b * j->xstride, j->xq ? &one : NULL);
		}
	}
}

/* Rows [lo, hi) of one matrix against the job's n vectors.  With several
 * vectors the rows go in blocks that stay in the core's cache while each
 * group of vectors (in the L1 cache) passes over them: the weights come
 * from memory once per batch.  Every value is one kernel call's, so the
 * blocking changes no result. */
static void mv_rows(const struct mv_job *j, const struct kern_mv *m, int64_t lo, int64_t hi)
{
	size_t row_bytes = wtype_row_bytes(m->w->type, m->w->cols);
	int64_t block = row_bytes < KERN_BLOCK_BYTES ? (int64_t)(KERN_BLOCK_BYTES / row_bytes) : 1;
	/* vectors per pass over a block: they stay in the L1 cache, and the
	 * count is a multiple of the type's tiles */
	int group = m->w->type == WT_F32 ? KERN_GROUP_F32 : KERN_GROUP_Q8;

	if (j->n == 1) {
		mv_block(j, m, lo, hi, 0, 1);
		return;
	}
	for (int64_t r = lo; r < hi; r += block) {
		int64_t end = hi - r < block ? hi : r + block;

		for (int b = 0; b < j->n; b += group)
			mv_block(j, m, r, end, b, j->n - b < group ? j->n : b + group);
	}
}

/* b to the power e >= 0, by squaring (a few multiplications where pow
 * took about 0.5 % of a Q8_0 decode step, called twice per chunk). */
static double pow_int(double b, int e)
{
	double r = 1;

	for (; e > 0; e >>= 1, b *= b)
		if (e & 1)
			r *= b;
	return r;
}

/* Chunks start on a multiple of this many rows, the row group of the
 * decode kernels (rows8_q8_avx2; rows_f32_avx512 takes two): a chunk
 * starting anywhere left up to seven rows to the slower one-row kernel,
 * about 3 % of a 110M Q8_0 decode step. */
#define CHUNK_ROW_ALIGN 8

/* Where chunk c of n starts, in rows: guided, each chunk a 1/(2T) share of
 * what is left (T threads), the last ones small, so the threads finish a
 * job within a small chunk of each other; every row is still computed by
 * one thread in a fixed order. */
static int64_t chunk_start(const struct mv_job *j, int c, int n)
{
	int64_t left;

	if (c <= 0)
		return 0;
	if (c >= n)
		return j->rows;
	left = (int64_t)((double)j->rows * pow_int(1.0 - 0.5 / j->threads, c));
	return (j->rows - left) / CHUNK_ROW_ALIGN * CHUNK_ROW_ALIGN;
}

static void mv_part(void *ctx, int chunk, int n_chunks)
{
	const struct mv_job *j = ctx;
	int64_t lo = chunk_start(j, chunk, n_chunks), hi = chunk_start(j, chunk + 1, n_chunks),
		first = 0;

	for (int i = 0; i < j->n_mv && lo < hi; i++) {
		int64_t rows = j->mv[i].w->rows;

		if (lo < first + rows) {
			int64_t end = hi < first + rows ? hi : first + rows;

			mv_rows(j, &j->mv[i], lo - first, end - first);
			lo = end;
		}
		first += rows;
	}
}

/* Threads are worth waking only for products of some size; below this
 * many weight bytes one thread does the whole group (results are the
 * same either way). */
#define MV_PARALLEL_MIN_BYTES (64 * 1024)

/* Chunks per thread, guided (chunk_start): the last chunks are a fraction
 * of a percent of the job, so a thread waits little for the other, and 24
 * claims per job at 2 threads cost nothing.  Equal chunks, 16 per thread,
 * left a 110M F32 decode step's threads waiting for each other about 3.5 %
 * of the time; guided ones about 2 %. */
#define MV_CHUNKS_PER_THREAD 12

static void run_group(struct kern *k, struct mv_job *j)
{
	size_t bytes = 0;

	for (int i = 0; i < j->n_mv; i++) {
		j->rows += j->mv[i].w->rows;
		bytes += wtype_row_bytes(j->mv[i].w->type, j->mv[i].w->cols) *
			 (size_t)j->mv[i].w->rows * (size_t)j->n;
	}
	j->threads = gpai_pool_threads(k->pool);
	if (bytes < MV_PARALLEL_MIN_BYTES || j->threads < 2)
		mv_part(j, 0, 1);
	else
		gpai_pool_run(k->pool, MV_CHUNKS_PER_THREAD * j->threads, mv_part, j);
}

static int group_quantized(const struct kern_mv *mv, int n_mv)
{
	for (int i = 0; i < n_mv; i++)
		if (wtype_quantized(mv[i].w->type))
			return 1;
	return 0;
}

/* llama2.c v2 matrices go to kernels_q8g.c one by one (a model's matrices
 * are all WT_Q8G or none). */
static int group_q8g(const struct kern_mv *mv, int n_mv)
{
	for (int i = 0; i < n_mv; i++)
		if (mv[i].w->type == WT_Q8G)
			return 1;
	return 0;
}

void kern_matvec_group(struct kern *k, const struct kern_mv *mv, int n_mv, const float *x)
{
	struct mv_job j = { mv, n_mv, 0, x, 0, 1, NULL, NULL, NULL, 0, 1 };

	if (group_q8g(mv, n_mv)) {
		for (int i = 0; i < n_mv; i++)
			if (mv[i].w->type == WT_Q8G)
				q8g_matvec(k, mv[i].out, mv[i].w, x);
			else
				kern_matvec_group(k, &mv[i], 1, x);
		return;
	}
	if (group_quantized(mv, n_mv)) {
		/* the engine sizes xq for its widest matrix at open */
		kern_quantize_q8(&k->xq, x, mv[0].w->cols);
		j.xq = &k->xq;
	}
	run_group(k, &j);
}

void kern_matvec(struct kern *k, float *out, const struct wref *w, const float *x)
{
	struct kern_mv mv = { out, w, 0 };

	kern_matvec_group(k, &mv, 1, x);
}

/* Grows *buf to hold `need` bytes; -1 when memory is short. */
/* Room for npad vectors in k->xl and k->xdt (prepare_part fills them). */
/* Room for need bytes in *buf, which threads fill a cache line each:
 * aligned to a line; the old contents are not kept. */
static int grow_lines(void **buf, size_t *cap, size_t need)
{
	void *p;

	if (*cap >= need)
		return 0;
	need = (need + 63) / 64 * 64;
	if (!(p = aligned_alloc(64, need)))
		return -1;
	free(*buf);
	*buf = p;
	*cap = need;
	return 0;
}

static int grow_tiles(struct kern *k, int64_t cols, int npad)
{
	size_t nq = (size_t)npad * (size_t)cols, nd = (size_t)npad * (size_t)(cols / GPAI_QK);

	return grow_lines((void **)&k->xl, &k->xl_cap, nq) ||
	       grow_lines((void **)&k->xdt, &k->xdt_cap, sizeof(float) * nd);
}

/* The activations of a batched quantized product, vector by vector on
 * the pool: quantized into xqn, and for the SIMD tiles also laid out in xl
 * and xdt (npad vectors, those from n on zero). */
struct prep_job {
	struct kern *k;
	struct q8buf *xqn;
	const float *x;
	int64_t xstride, cols;
	int n, npad; /* npad 0: no tile layout */
	int vnni;    /* xl holds x + 128 as unsigned bytes (else x) */
};

/* Vector b (x, or NULL for padding) into the tiles' layout (struct kern). */
static void lay_out(const struct prep_job *j, const struct q8buf *x, int b)
{
	int64_t blocks = j->cols / GPAI_QK;
	size_t stride = (size_t)j->npad * 4;
	uint32_t flip = j->vnni ? 0x80808080u : 0;
	uint8_t *xl = j->k->xl + (size_t)b * 4;
	float *xdt = j->k->xdt + b;

	for (int64_t blk = 0; blk < blocks; blk++) {
		uint8_t *dst = xl + (size_t)blk * 8 * stride;

		for (int g = 0; g < 8; g++) {
			uint32_t v = 0;

			if (x) {
				memcpy(&v, x->q + blk * GPAI_QK + 4 * g, 4);
				v ^= flip;
			}
			memcpy(dst + g * stride, &v, 4);
		}
		xdt[blk * j->npad] = x ? x->d[blk] : 0;
	}
}

static void prepare_part(void *ctx, int chunk, int n_chunks)
{
	const struct prep_job *j = ctx;
	int64_t cols = j->cols;
	int nv = j->npad ? j->npad : j->n;

	for (int b = nv * chunk / n_chunks; b < nv * (chunk + 1) / n_chunks; b++) {
		struct q8buf one = { NULL, NULL, 0 };

		if (b < j->n) {
			one = q8_view(j->xqn, cols, b);
			kern_quantize_q8(&one, j->x + b * j->xstride, cols);
		}
		if (j->npad)
			lay_out(j, one.q ? &one : NULL, b);
	}
}

void kern_release(struct kern *k)
{
	free(k->xq.q);
	free(k->xq.d);
	free(k->xl);
	free(k->xdt);
	k->xq.q = NULL;
	k->xq.d = NULL;
	k->xl = NULL;
	k->xdt = NULL;
	k->xl_cap = k->xdt_cap = 0;
}

/* Batches of at least this many vectors are prepared on the pool. */
#define PREP_PARALLEL_MIN 4

void kern_matmat_group(struct kern *k, const struct kern_mv *mv, int n_mv, const float *x,
		       int64_t xstride, int n, struct q8buf *xqn)
{
	struct mv_job j = { mv, n_mv, 0, x, xstride, n, NULL, NULL, NULL, 0, 1 };
	int64_t cols = mv[0].w->cols;

	if (group_q8g(mv, n_mv)) {
		for (int i = 0; i < n_mv; i++)
			if (mv[i].w->type == WT_Q8G)
				q8g_matmat(k, mv[i].out, mv[i].ostride, mv[i].w, x, xstride, n, xqn);
			else
				kern_matmat_group(k, &mv[i], 1, x, xstride, n, xqn);
		return;
	}
	if (group_quantized(mv, n_mv)) {
		struct prep_job pj = { k, xqn, x, xstride, cols, n, 0, simd_level() >= KERN_AVX2_VNNI };

		/* SIMD tiles once they would be at least half full */
		if (simd_level() >= KERN_AVX2) {
			int tile = simd_level() >= KERN_AVX512_VNNI ? KERN_TILE_AVX512 : KERN_TILE_Q8;
			int npad = (n + tile - 1) / tile * tile;

			if (2 * n >= tile && grow_tiles(k, cols, npad) == 0) {
				pj.npad = npad;
				j.xl = k->xl;
				j.xdt = k->xdt;
				j.npad = npad;
			}
		}
		/* with the layout, a chunk is 16 vectors: the 4 bytes (or the
		 * scale) each puts in a line of xl (xdt), so that no line is
		 * written by two threads at once */
		if (n >= PREP_PARALLEL_MIN)
			gpai_pool_run(k->pool, pj.npad ? (pj.npad + 15) / 16 : gpai_pool_threads(k->pool),
				      prepare_part, &pj);
		else
			prepare_part(&pj, 0, 1);
		j.xq = xqn;
	}
	run_group(k, &j);
}

void kern_matmat(struct kern *k, float *out, int64_t ostride, const struct wref *w,
		 const float *x, int64_t xstride, int n, struct q8buf *xqn)
{
	struct kern_mv mv = { out, w, ostride };

	kern_matmat_group(k, &mv, 1, x, xstride, n, xqn);
}
