/*
 * threadpool.c - a persistent thread pool for fine-grained data-parallel
 * loops (the engine's matrix-vector products over output rows).
 * gpai_parallel_for (pool.c) starts threads per call, which costs more than
 * one matrix-vector product of a small model; these workers live as long as
 * the pool.
 *
 * A job is n chunks; the caller and the workers claim chunks from one
 * atomic word, state = generation << 32 | next chunk, with a compare-and-
 * swap, so a chunk runs exactly once and only while its job is current.
 * The caller claims chunks too and returns when all n are done: it never
 * waits for a worker that has not started (on a busy machine a descheduled
 * worker would otherwise cost a whole time slice per job).
 *
 * Publishing job g: state = g << 32 | CLOSED (no chunk can be claimed),
 * then fn/ctx/n and done = 0, then state = g << 32 | 0 (release), then wake
 * sleepers.  A worker loads state, reads fn/ctx/n, and claims with a CAS
 * from that exact state: success proves the job did not change meanwhile.
 * Workers spin briefly for a new generation, then sleep on a condition
 * variable.  One caller at a time.
 */
#include "common.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Polls before a waiting worker sleeps, and before a waiting caller
 * yields: a decode step publishes jobs every few microseconds. */
#define POOL_SPIN_POLLS 20000
#define CHUNK_MASK 0xffffffffULL
#define CHUNK_CLOSED CHUNK_MASK

struct gpai_pool {
	int n;
	pthread_t *tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_uint_fast64_t state;
	_Atomic(gpai_pool_fn) fn;
	_Atomic(void *) ctx;
	atomic_uint n_chunks;
	atomic_uint done;
	atomic_int sleepers;
	atomic_int stop;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Claims and runs chunks of the job current at `s` until none is left or
 * the job changes.  Returns the number of chunks run. */
static unsigned run_chunks(struct gpai_pool *p)
{
	unsigned ran = 0;

	for (;;) {
		uint_fast64_t s = atomic_load_explicit(&p->state, memory_order_acquire);
		uint64_t c = s & CHUNK_MASK;
		gpai_pool_fn fn = atomic_load_explicit(&p->fn, memory_order_relaxed);
		void *ctx = atomic_load_explicit(&p->ctx, memory_order_relaxed);
		unsigned n = atomic_load_explicit(&p->n_chunks, memory_order_relaxed);

		if (c == CHUNK_CLOSED || c >= n)
			return ran;
		if (!atomic_compare_exchange_weak_explicit(&p->state, &s, s + 1,
							   memory_order_acq_rel,
							   memory_order_relaxed))
			continue;
		fn(ctx, (int)c, (int)n);
		atomic_fetch_add_explicit(&p->done, 1, memory_order_release);
		ran++;
	}
}

static void *worker(void *arg)
{
	struct gpai_pool *p = arg;
	uint64_t seen = 0;

	for (;;) {
		uint64_t g;
		int polls = 0;

		while ((g = atomic_load_explicit(&p->state, memory_order_acquire) >> 32) == seen &&
		       !atomic_load(&p->stop) && polls < POOL_SPIN_POLLS) {
			cpu_relax();
			polls++;
		}
		if (g == seen && !atomic_load(&p->stop)) {
			pthread_mutex_lock(&p->mu);
			atomic_fetch_add(&p->sleepers, 1);
			while ((g = atomic_load(&p->state) >> 32) == seen && !atomic_load(&p->stop))
				pthread_cond_wait(&p->cv, &p->mu);
			atomic_fetch_sub(&p->sleepers, 1);
			pthread_mutex_unlock(&p->mu);
		}
		if (atomic_load(&p->stop))
			break;
		seen = g;
		run_chunks(p);
	}
	return NULL;
}

int gpai_pool_new(int n_threads, struct gpai_pool **out, struct gpai_error *err)
{
	struct gpai_pool *p;

	*out = NULL;
	if (n_threads < 1)
		n_threads = 1;
	p = calloc(1, sizeof(*p));
	if (!p)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory for a thread pool");
	p->n = n_threads;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	atomic_init(&p->state, CHUNK_CLOSED);
	atomic_init(&p->fn, NULL);
	atomic_init(&p->ctx, NULL);
	atomic_init(&p->n_chunks, 0);
	atomic_init(&p->done, 0);
	atomic_init(&p->sleepers, 0);
	atomic_init(&p->stop, 0);
	p->tid = calloc((size_t)n_threads, sizeof(*p->tid));
	if (!p->tid) {
		p->n = 1;
		gpai_pool_free(p);
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory for a thread pool");
	}
	for (int i = 1; i < n_threads; i++) {
		int rc = pthread_create(&p->tid[i], NULL, worker, p);

		if (rc) {
			p->n = i;
			gpai_pool_free(p);
			return gpai_error_errno(err, GPAI_EIO, rc, "cannot start worker thread %d", i);
		}
	}
	*out = p;
	return GPAI_OK;
}

void gpai_pool_free(struct gpai_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	atomic_store(&p->stop, 1);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 1; i < p->n; i++)
		pthread_join(p->tid[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->tid);
	free(p);
}

int gpai_pool_threads(const struct gpai_pool *p)
{
	return p ? p->n : 1;
}

void gpai_pool_run(struct gpai_pool *p, int n_chunks, gpai_pool_fn fn, void *ctx)
{
	uint64_t g;

	if (n_chunks <= 0)
		return;
	if (!p || p->n <= 1 || n_chunks == 1) {
		for (int c = 0; c < n_chunks; c++)
			fn(ctx, c, n_chunks);
		return;
	}
	g = (atomic_load(&p->state) >> 32) + 1;
	atomic_store_explicit(&p->state, g << 32 | CHUNK_CLOSED, memory_order_release);
	atomic_store_explicit(&p->fn, fn, memory_order_relaxed);
	atomic_store_explicit(&p->ctx, ctx, memory_order_relaxed);
	atomic_store_explicit(&p->n_chunks, (unsigned)n_chunks, memory_order_relaxed);
	atomic_store_explicit(&p->done, 0, memory_order_relaxed);
	atomic_store_explicit(&p->state, g << 32, memory_order_release);
	if (atomic_load(&p->sleepers) > 0) {
		pthread_mutex_lock(&p->mu);
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
	run_chunks(p);
	for (int polls = 0;
	     atomic_load_explicit(&p->done, memory_order_acquire) < (unsigned)n_chunks; polls++) {
		if (polls < POOL_SPIN_POLLS)
			cpu_relax();
		else
			sched_yield();
	}
}
