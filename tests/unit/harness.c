/*
 * harness.c - runs the TEST()s of one unit-test binary, each in its own
 * temporary directory, and prints one ok/not ok line per test.
 */
#include "harness.h"

#include <limits.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_TESTS 512

struct t_case {
	const char *file, *name;
	t_fn fn;
};
static struct t_case cases[MAX_TESTS];
static int ncases;
int t_failed;
static char tmpdir[PATH_MAX];

void t_register(const char *file, const char *name, t_fn fn)
{
	const char *slash = strrchr(file, '/');

	if (ncases < MAX_TESTS)
		cases[ncases++] = (struct t_case){ slash ? slash + 1 : file, name, fn };
}

void t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stdout, "#   %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	t_failed = 1;
}

const char *t_shared(const char *rel)
{
	static char slots[8][PATH_MAX];
	static int next;
	const char *base = getenv("GPAI_SHARED");
	char *out = slots[next++ & 7];

	snprintf(out, PATH_MAX, "%s/%s", base && *base ? base : "../shared", rel);
	return out;
}

int t_have_shared(const char *rel)
{
	return access(t_shared(rel), R_OK) == 0;
}

const char *t_tmpdir(void)
{
	return tmpdir;
}

int t_write(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(data, 1, n, f) == n;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

static void rm_rf(const char *dir)
{
	char cmd[PATH_MAX + 32];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stdout, "# could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
	const char *base = getenv("TMPDIR");
	char cwd[PATH_MAX];
	int failures = 0;

	if (!getcwd(cwd, sizeof(cwd)))
		return 2;
	for (int i = 0; i < ncases; i++) {
		if (argc > 1 && strcmp(argv[1], cases[i].name) != 0)
			continue;
		snprintf(tmpdir, sizeof(tmpdir), "%s/gpai-unit-XXXXXX",
			 base && *base ? base : "/tmp");
		if (!mkdtemp(tmpdir) || chdir(tmpdir) != 0) {
			printf("not ok - %s: %s (no temp dir)\n", cases[i].file, cases[i].name);
			failures++;
			continue;
		}
		t_failed = 0;
		fflush(stdout);
		cases[i].fn();
		printf("%s - %s: %s\n", t_failed ? "not ok" : "ok", cases[i].file,
		       cases[i].name);
		fflush(stdout);
		failures += t_failed;
		if (chdir(cwd) != 0)
			return 2;
		rm_rf(tmpdir);
	}
	return failures ? 1 : 0;
}

int t_sha256_file(const char *path, unsigned char out[32])
{
	unsigned char buf[8192];
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	FILE *f = fopen(path, "rb");
	size_t r;
	unsigned len = 0;
	int ok;

	if (!f || !m) {
		if (f)
			fclose(f);
		EVP_MD_CTX_free(m);
		return -1;
	}
	ok = EVP_DigestInit_ex(m, EVP_sha256(), NULL);
	while (ok && (r = fread(buf, 1, sizeof(buf), f)) > 0)
		ok = EVP_DigestUpdate(m, buf, r);
	ok = ok && !ferror(f) && EVP_DigestFinal_ex(m, out, &len) && len == 32;
	fclose(f);
	EVP_MD_CTX_free(m);
	return ok ? 0 : -1;
}
