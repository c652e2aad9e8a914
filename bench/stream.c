/*
 * stream.c - memory bandwidth for bench/decode.sh, two ways:
 *
 *   copy: N threads each copy their share of a large array (memcpy, the
 *         best copy loop libc has); reported as STREAM reports "Copy",
 *         bytes read plus bytes written per second.
 *   read: N threads each sum their share of the array with 256-bit loads
 *         (AVX2 where the CPU has it, else 128-bit SSE2), once without and
 *         once with software prefetching 4 KiB and 8 KiB ahead (the best of
 *         the three counts); bytes read per second.  This is what decoding
 *         does with the weights, so it is the bound decode.sh divides by.
 *         The read runs over an array in 4 KiB pages and over one in 2 MiB
 *         pages (MADV_HUGEPAGE, where the kernel has transparent huge
 *         pages) and counts the faster: the engine's weights are a file map
 *         that the kernel maps in 2 MiB pages where the page cache holds the
 *         file in 2 MiB folios (common/fs.c), which on the development VM
 *         read 29-30 GB/s where 4 KiB pages gave 24-28, and a bound taken
 *         in small pages alone would flatter the engine.
 *
 * On a machine whose stores stream past the caches (glibc's memcpy uses
 * non-temporal stores for copies this large), copy can exceed read by far:
 * on the development VM one core reads about 12 GB/s, yet two cores copy
 * 38 GB/s in STREAM's convention.  Each figure is the best of PASSES.
 *
 *   stream THREADS MIB   ->  prints "copy_gbps <value>", "read_gbps <value>"
 *                            (the faster page size), "read_4k_gbps <value>"
 *                            and "read_2m_gbps <value>"
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define PASSES 5

struct part {
	char *dst;
	const char *src;
	size_t n;
	int prefetch; /* bytes ahead; 0 for none */
	double sum;
};

static void *copy_part(void *arg)
{
	struct part *p = arg;

	memcpy(p->dst, p->src, p->n);
	return NULL;
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) static double read_avx2(const char *s, size_t n, int pf)
{
	__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	float lanes[8];
	double sum = 0;

	for (size_t i = 0; i + 128 <= n; i += 128) {
		if (pf) {
			_mm_prefetch(s + i + pf, _MM_HINT_T0);
			_mm_prefetch(s + i + pf + 64, _MM_HINT_T0);
		}
		a0 = _mm256_add_ps(a0, _mm256_load_ps((const float *)(s + i)));
		a1 = _mm256_add_ps(a1, _mm256_load_ps((const float *)(s + i + 32)));
		a2 = _mm256_add_ps(a2, _mm256_load_ps((const float *)(s + i + 64)));
		a3 = _mm256_add_ps(a3, _mm256_load_ps((const float *)(s + i + 96)));
	}
	_mm256_storeu_ps(lanes, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
	for (int k = 0; k < 8; k++)
		sum += lanes[k];
	return sum;
}

static double read_sse2(const char *s, size_t n, int pf)
{
	__m128 a0 = _mm_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	float lanes[4];
	double sum = 0;

	for (size_t i = 0; i + 64 <= n; i += 64) {
		if (pf)
			_mm_prefetch(s + i + pf, _MM_HINT_T0);
		a0 = _mm_add_ps(a0, _mm_load_ps((const float *)(s + i)));
		a1 = _mm_add_ps(a1, _mm_load_ps((const float *)(s + i + 16)));
		a2 = _mm_add_ps(a2, _mm_load_ps((const float *)(s + i + 32)));
		a3 = _mm_add_ps(a3, _mm_load_ps((const float *)(s + i + 48)));
	}
	_mm_storeu_ps(lanes, _mm_add_ps(_mm_add_ps(a0, a1), _mm_add_ps(a2, a3)));
	for (int k = 0; k < 4; k++)
		sum += lanes[k];
	return sum;
}
#endif

static void *read_part(void *arg)
{
	struct part *p = arg;

#if defined(__x86_64__)
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx2"))
		p->sum = read_avx2(p->src, p->n, p->prefetch);
	else
		p->sum = read_sse2(p->src, p->n, p->prefetch);
#else
	{
		const double *d = (const double *)p->src;
		double s0 = 0, s1 = 0, s2 = 0, s3 = 0;

		for (size_t i = 0; i + 4 <= p->n / sizeof(double); i += 4) {
			s0 += d[i];
			s1 += d[i + 1];
			s2 += d[i + 2];
			s3 += d[i + 3];
		}
		p->sum = s0 + s1 + s2 + s3;
	}
#endif
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The best of PASSES runs of fn over the array by `threads` threads, in
 * seconds. */
static double best_time(void *(*fn)(void *), char *dst, const char *src, size_t n, int threads,
			int prefetch)
{
	pthread_t tid[64];
	struct part parts[64];
	double best = 1e30;

	for (int pass = 0; pass < PASSES; pass++) {
		double t0 = now(), dt;

		for (int i = 0; i < threads; i++) {
			parts[i].dst = dst ? dst + n / threads * i : NULL;
			parts[i].src = src + n / threads * i;
			parts[i].n = n / threads;
			parts[i].prefetch = prefetch;
			pthread_create(&tid[i], NULL, fn, &parts[i]);
		}
		for (int i = 0; i < threads; i++)
			pthread_join(tid[i], NULL);
		dt = now() - t0;
		if (dt < best)
			best = dt;
	}
	return best;
}

/* An array of n bytes filled with `fill`, in 2 MiB pages if `huge` (where
 * the kernel gives them), else in 4 KiB pages. */
static char *alloc_array(size_t n, int huge, int fill)
{
	char *p = aligned_alloc((size_t)2 << 20, n);

	if (!p)
		return NULL;
#if defined(MADV_HUGEPAGE) && defined(MADV_NOHUGEPAGE)
	(void)madvise(p, n, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
#else
	(void)huge;
#endif
	memset(p, fill, n);
	return p;
}

/* The best read time over the prefetch variants, in seconds. */
static double best_read(const char *src, size_t n, int threads)
{
	const int prefetch[] = { 0, 4096, 8192 };
	double best = 1e30;

	for (size_t i = 0; i < sizeof(prefetch) / sizeof(prefetch[0]); i++) {
		double t = best_time(read_part, NULL, src, n, threads, prefetch[i]);

		if (t < best)
			best = t;
	}
	return best;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 2;
	size_t mib = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 512;
	size_t n = mib << 20;
	char *a, *b, *h;
	double copy, read4k, read2m;

	if (threads < 1 || threads > 64 || n == 0 || n / (size_t)threads % 4096 ||
	    n % ((size_t)2 << 20)) {
		fprintf(stderr, "stream: bad arguments\n");
		return 1;
	}
	a = alloc_array(n, 0, 1);
	b = alloc_array(n, 0, 2);
	h = alloc_array(n, 1, 1);
	if (!a || !b || !h) {
		fprintf(stderr, "stream: out of memory\n");
		return 1;
	}
	copy = best_time(copy_part, b, a, n, threads, 0);
	read4k = best_read(a, n, threads);
	read2m = best_read(h, n, threads);
	printf("copy_gbps %.2f\n", 2.0 * (double)n / copy / 1e9);
	printf("read_gbps %.2f\n", (double)n / (read4k < read2m ? read4k : read2m) / 1e9);
	printf("read_4k_gbps %.2f\n", (double)n / read4k / 1e9);
	printf("read_2m_gbps %.2f\n", (double)n / read2m / 1e9);
	free(a);
	free(b);
	free(h);
	return 0;
}
