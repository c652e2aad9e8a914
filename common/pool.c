/*
 * pool.c - a parallel for-loop over independent jobs on a small set of
 * POSIX threads.
 *
 * Jobs are handed out in index order from one atomic counter, so a caller
 * that sorts its jobs largest first gets longest-processing-time-first
 * scheduling.  Each worker has a stable index (0..nthreads-1) so that it can
 * own a buffer or context for all the jobs it runs.  The first failing job
 * stops the hand-out; jobs already running finish.
 */
#include "common.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pool_run {
	size_t njobs;
	gpai_job_fn fn;
	void *ctx;
	atomic_size_t next;
	atomic_int stop;
	pthread_mutex_t lock; /* guards first_err */
	struct gpai_error *first_err;
	int first_rc;
};

struct pool_worker {
	struct pool_run *run;
	unsigned index;
	struct gpai_error err;
};

unsigned gpai_cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned)n : 1;
}

static void *worker_main(void *arg)
{
	struct pool_worker *w = arg;
	struct pool_run *r = w->run;

	while (!atomic_load(&r->stop)) {
		size_t i = atomic_fetch_add(&r->next, 1);
		int rc;

		if (i >= r->njobs)
			break;
		gpai_error_init(&w->err);
		rc = r->fn(r->ctx, w->index, i, &w->err);
		if (rc) {
			atomic_store(&r->stop, 1);
			pthread_mutex_lock(&r->lock);
			if (!r->first_rc) {
				r->first_rc = rc;
				if (r->first_err)
					*r->first_err = w->err;
			}
			pthread_mutex_unlock(&r->lock);
			break;
		}
	}
	return NULL;
}

int gpai_parallel_for(unsigned nthreads, size_t njobs, gpai_job_fn fn, void *ctx,
		      struct gpai_error *err)
{
	struct pool_run run;
	struct pool_worker *w;
	pthread_t *tid;
	unsigned started = 0;

	if (nthreads == 0)
		nthreads = gpai_cpu_count();
	if (nthreads > njobs)
		nthreads = njobs ? (unsigned)njobs : 1;
	memset(&run, 0, sizeof(run));
	run.njobs = njobs;
	run.fn = fn;
	run.ctx = ctx;
	run.first_err = err;
	atomic_init(&run.next, 0);
	atomic_init(&run.stop, 0);
	pthread_mutex_init(&run.lock, NULL);

	w = calloc(nthreads, sizeof(*w));
	tid = calloc(nthreads, sizeof(*tid));
	if (!w || !tid) {
		free(w);
		free(tid);
		pthread_mutex_destroy(&run.lock);
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	}
	for (unsigned i = 0; i < nthreads; i++) {
		w[i].run = &run;
		w[i].index = i;
		/* Worker 0 runs on the calling thread. */
		if (i > 0 && pthread_create(&tid[i], NULL, worker_main, &w[i]) != 0)
			break;
		started = i + 1;
	}
	worker_main(&w[0]);
	for (unsigned i = 1; i < started; i++)
		pthread_join(tid[i], NULL);
	pthread_mutex_destroy(&run.lock);
	free(w);
	free(tid);
	return run.first_rc;
}
