/*
 * harness.h - the tiny unit-test harness.
 *
 *   TEST(name) { CHECK_INT(2, 1 + 1); ... }
 *
 * Each test runs in a fresh temporary directory (the current directory
 * during the test) and prints "ok - <file>: <name>" or "not ok - ..." with
 * both values of the failed check.  A failed check ends that test.
 * tests/run.sh counts the lines.
 */
#ifndef GPAI_TEST_HARNESS_H
#define GPAI_TEST_HARNESS_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*t_fn)(void);
void t_register(const char *file, const char *name, t_fn fn);
void t_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
extern int t_failed;

/* Absolute path of a file in the shared reference folder ($GPAI_SHARED,
 * default ../shared beside the checkout).  Returned string is static
 * storage valid until the next call with the same slot (0..7). */
const char *t_shared(const char *rel);
/* 1 if the shared folder has that file. */
int t_have_shared(const char *rel);
/* Path of the test's temporary directory. */
const char *t_tmpdir(void);
/* Writes n bytes to path (relative to the temp dir); returns 0 on success. */
int t_write(const char *path, const void *data, size_t n);
/* SHA-256 of a file's bytes (an independent digest for tests to compare
 * with what the code under test recorded); returns 0 on success. */
int t_sha256_file(const char *path, unsigned char out[32]);

#define TEST(name)                                                        \
	static void test_##name(void);                                    \
	__attribute__((constructor)) static void reg_##name(void)         \
	{ t_register(__FILE__, #name, test_##name); }                     \
	static void test_##name(void)

#define CHECK(cond) do { if (!(cond)) {                                   \
	t_fail(__FILE__, __LINE__, "check failed: %s", #cond); return; } } while (0)
#define CHECK_INT(want, got) do { long long w_ = (long long)(want),        \
	g_ = (long long)(got); if (w_ != g_) { t_fail(__FILE__, __LINE__, \
	"%s: want %lld, got %lld", #got, w_, g_); return; } } while (0)
#define CHECK_U64(want, got) do { unsigned long long w_ = (want),          \
	g_ = (got); if (w_ != g_) { t_fail(__FILE__, __LINE__,            \
	"%s: want %llu, got %llu", #got, w_, g_); return; } } while (0)
#define CHECK_STR(want, got) do { const char *w_ = (want), *g_ = (got);   \
	if (!g_ || strcmp(w_, g_) != 0) { t_fail(__FILE__, __LINE__,      \
	"%s: want \"%s\", got \"%s\"", #got, w_, g_ ? g_ : "(null)");     \
	return; } } while (0)
#define CHECK_NEAR(want, got, tol) do { double w_ = (want), g_ = (got);   \
	if (!(fabs(w_ - g_) <= (tol))) { t_fail(__FILE__, __LINE__,       \
	"%s: want %.9g, got %.9g (tolerance %g)", #got, w_, g_,           \
	(double)(tol)); return; } } while (0)
/* rc must be GPAI_OK; prints the error message otherwise. */
#define CHECK_OK(rc, err) do { int r_ = (rc); if (r_ != 0) {              \
	t_fail(__FILE__, __LINE__, "%s: rc %d: %s", #rc, r_,              \
	gpai_errmsg(err)); return; } } while (0)
/* rc must be the given error code and the message must contain `needle`. */
#define CHECK_ERR(code, rc, err, needle) do { int r_ = (rc);              \
	if (r_ != (code) || !strstr(gpai_errmsg(err), (needle))) {        \
	t_fail(__FILE__, __LINE__, "%s: want rc %d with \"%s\", got rc %d: %s", \
	#rc, (int)(code), (needle), r_, gpai_errmsg(err)); return; } } while (0)

#endif
