/*
 * fixture_run.h - runs gpai-fixture ($GPAI_FIXTURE, set by tests/run.sh)
 * from a unit test, and the default fixture shape (docs/fixtures.md) from
 * which the tests compute expected counts.  Static functions: include from
 * one test file.
 */
#ifndef GPAI_TEST_FIXTURE_RUN_H
#define GPAI_TEST_FIXTURE_RUN_H

#include <stdio.h>
#include <stdlib.h>

/* docs/fixtures.md: the default tiny Llama. */
enum { FX_D = 16, FX_HID = 64, FX_L = 2, FX_NH = 4, FX_NKV = 2, FX_V = 32 };
#define FX_KVD (FX_D * FX_NKV / FX_NH)
/* embedding + output + per layer (2 norms, wq, wo, wk, wv, w1, w2, w3) + final norm */
#define FX_PARAMS (2 * FX_V * FX_D + \
		   FX_L * (2 * FX_D + 2 * FX_D * FX_D + 2 * FX_KVD * FX_D + 3 * FX_HID * FX_D) + FX_D)

/* Runs `gpai-fixture ARGS` in the test's directory; 0 on success. */
static inline int fixture(const char *args)
{
	const char *tool = getenv("GPAI_FIXTURE");
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "'%s' %s", tool && *tool ? tool : "gpai-fixture", args);
	return system(cmd);
}

#endif
