/*
 * stream.c - a STREAM-like copy bandwidth measurement for bench/decode.sh:
 * N threads each copy their share of a large array (memcpy, the best copy
 * loop libc has) several times; the best pass counts.  Bandwidth is
 * reported as STREAM does for "Copy": bytes read plus bytes written per
 * second.
 *
 *   stream THREADS MIB   ->  prints "copy_gbps <value>"
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PASSES 5

struct part {
	char *dst;
	const char *src;
	size_t n;
};

static void *copy_part(void *arg)
{
	struct part *p = arg;

	memcpy(p->dst, p->src, p->n);
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 2;
	size_t mib = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 512;
	size_t n = mib << 20;
	char *a = malloc(n), *b = malloc(n);
	pthread_t tid[64];
	struct part parts[64];
	double best = 0;

	if (!a || !b || threads < 1 || threads > 64) {
		fprintf(stderr, "stream: bad arguments or out of memory\n");
		return 1;
	}
	memset(a, 1, n);
	memset(b, 2, n);
	for (int pass = 0; pass < PASSES; pass++) {
		double t0 = now(), dt;

		for (int i = 0; i < threads; i++) {
			parts[i].dst = b + n / threads * i;
			parts[i].src = a + n / threads * i;
			parts[i].n = n / threads;
			pthread_create(&tid[i], NULL, copy_part, &parts[i]);
		}
		for (int i = 0; i < threads; i++)
			pthread_join(tid[i], NULL);
		dt = now() - t0;
		if (2.0 * n / dt > best)
			best = 2.0 * n / dt;
	}
	printf("copy_gbps %.2f\n", best / 1e9);
	free(a);
	free(b);
	return 0;
}
