/*
 * threadpool.c - a persistent thread pool for fine-grained data-parallel loops (the engine's
 * matrix-vector products over output rows).  gpai_parallel_for (pool.c)
 * starts threads per call, which costs more than one matrix-vector product
 * of a small model; these workers live as long as the pool.
 *
 * A job is published by bumping `gen` under the mutex; workers wait for a
 * new generation (spinning for a short while, then on the condition
 * variable), run their share, and decrement `pending`.  The caller runs
 * share 0 itself and then waits for `pending` to reach zero.  Invariants:
 * only one job is in flight; fn/ctx are read by workers only after they
 * see the new generation.
 */
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* How many polls a worker makes before it sleeps.  Decode publishes a job
 * every few microseconds, so a short spin avoids a sleep/wake per matrix;
 * the bound keeps idle workers off a shared CPU. */
#define POOL_SPIN_POLLS 20000

struct gpai_pool {
	int n;
	pthread_t *tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	atomic_uint gen;
	atomic_int pending;
	atomic_int stop;
	gpai_pool_fn fn;
	void *ctx;
};

struct worker_arg {
	struct gpai_pool *pool;
	int index;
};

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void *worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct gpai_pool *p = wa->pool;
	int index = wa->index;
	unsigned seen = 0;

	free(wa);
	for (;;) {
		unsigned g;
		int polls = 0;

		while ((g = atomic_load_explicit(&p->gen, memory_order_acquire)) == seen &&
		       !atomic_load(&p->stop) && polls < POOL_SPIN_POLLS) {
			cpu_relax();
			polls++;
		}
		if (g == seen && !atomic_load(&p->stop)) {
			pthread_mutex_lock(&p->mu);
			while ((g = atomic_load(&p->gen)) == seen && !atomic_load(&p->stop))
				pthread_cond_wait(&p->cv, &p->mu);
			pthread_mutex_unlock(&p->mu);
		}
		if (atomic_load(&p->stop))
			break;
		seen = g;
		p->fn(p->ctx, index, p->n);
		atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel);
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
	atomic_init(&p->gen, 0);
	atomic_init(&p->pending, 0);
	atomic_init(&p->stop, 0);
	p->tid = calloc((size_t)n_threads, sizeof(*p->tid));
	if (!p->tid) {
		gpai_pool_free(p);
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory for a thread pool");
	}
	for (int i = 1; i < n_threads; i++) {
		struct worker_arg *wa = malloc(sizeof(*wa));
		int rc;

		if (!wa) {
			p->n = i;
			gpai_pool_free(p);
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory for a thread pool");
		}
		wa->pool = p;
		wa->index = i;
		rc = pthread_create(&p->tid[i], NULL, worker, wa);
		if (rc) {
			free(wa);
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

void gpai_pool_run(struct gpai_pool *p, gpai_pool_fn fn, void *ctx)
{
	if (!p || p->n <= 1) {
		fn(ctx, 0, 1);
		return;
	}
	p->fn = fn;
	p->ctx = ctx;
	atomic_store(&p->pending, p->n - 1);
	pthread_mutex_lock(&p->mu);
	atomic_fetch_add_explicit(&p->gen, 1, memory_order_release);
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	fn(ctx, 0, p->n);
	for (int polls = 0; atomic_load_explicit(&p->pending, memory_order_acquire) > 0; polls++) {
		if (polls < POOL_SPIN_POLLS)
			cpu_relax();
		else
			sched_yield();
	}
}
