/* test_common_pool.c - gpai_parallel_for: every job runs exactly once on
 * any thread count, worker indexes stay in range, and the first failure
 * stops the hand-out and comes back with its message. */
#include "common.h"
#include "harness.h"

#include <stdatomic.h>

#define NJOBS 1000

struct ctx {
	atomic_int runs[NJOBS];
	unsigned nthreads;
	atomic_int bad_worker;
	size_t fail_at;    /* job that fails, or NJOBS for none */
};

static int job(void *p, unsigned worker, size_t i, struct gpai_error *err)
{
	struct ctx *c = p;

	if (worker >= c->nthreads)
		atomic_store(&c->bad_worker, 1);
	atomic_fetch_add(&c->runs[i], 1);
	if (i == c->fail_at)
		return gpai_error_set(err, GPAI_EIO, "job %zu failed", i);
	return GPAI_OK;
}

TEST(every_job_runs_once_on_any_thread_count)
{
	static struct ctx c;
	struct gpai_error err;
	unsigned counts[] = { 1, 2, 3, 16 };

	gpai_error_init(&err);
	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		memset(&c, 0, sizeof(c));
		c.nthreads = counts[k];
		c.fail_at = NJOBS;
		CHECK_OK(gpai_parallel_for(counts[k], NJOBS, job, &c, &err), &err);
		for (size_t i = 0; i < NJOBS; i++)
			CHECK_INT(1, atomic_load(&c.runs[i]));
		CHECK_INT(0, atomic_load(&c.bad_worker));
	}
	CHECK(gpai_cpu_count() >= 1);
	CHECK_OK(gpai_parallel_for(4, 0, job, &c, &err), &err);
}

TEST(the_first_failure_stops_and_is_returned)
{
	static struct ctx c;
	struct gpai_error err;
	size_t ran = 0;

	gpai_error_init(&err);
	memset(&c, 0, sizeof(c));
	c.nthreads = 1;
	c.fail_at = 10;
	CHECK_ERR(GPAI_EIO, gpai_parallel_for(1, NJOBS, job, &c, &err), &err, "job 10 failed");
	for (size_t i = 0; i < NJOBS; i++)
		ran += (size_t)atomic_load(&c.runs[i]);
	CHECK_INT(11, ran); /* one thread: jobs 0..10, then nothing */
}
