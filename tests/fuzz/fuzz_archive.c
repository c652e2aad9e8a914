/* fuzz_archive.c - libFuzzer target for the archive reader: the input is
 * written to a file and walked with reg_archive_walk, the callback reading
 * every entry to its end.  Small limits keep a decompression bomb from
 * stalling the run; refusing an input is fine, crashing is not.
 * fuzz-requires: reg_archive_walk */
#include "archive_private.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

#define FUZZ_MAX_ENTRY (UINT64_C(1) << 20)
#define FUZZ_MAX_TOTAL (UINT64_C(4) << 20)
#define FUZZ_MAX_ENTRIES 1000

static int read_all(void *ctx, struct reg_archive_entry *e)
{
	unsigned char buf[4096];
	uint64_t *total = ctx;
	long r;

	while ((r = e->read(e, buf, sizeof(buf))) > 0)
		*total += (uint64_t)r;
	if (r < 0)
		return (int)r;
	/* The walk promises normalised, non-empty, relative UTF-8 paths. */
	if (!e->relpath[0] || e->relpath[0] == '/' || strstr(e->relpath, "//") ||
	    !gpai_utf8_valid(e->relpath, strlen(e->relpath)))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[4096];
	struct reg_archive_limits lim = { FUZZ_MAX_ENTRY, FUZZ_MAX_TOTAL, FUZZ_MAX_ENTRIES };
	struct gpai_error err;
	uint64_t total = 0;
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof(path), "%s/gpai-fuzz-archive-%ld", tmpdir(), (long)getpid());
	f = fopen(path, "wb");
	if (!f)
		return 0;
	if (fwrite(data, 1, size, f) != size) {
		fclose(f);
		return 0;
	}
	fclose(f);
	gpai_error_init(&err);
	(void)reg_archive_detect(path);
	if (reg_archive_walk(path, &lim, read_all, &total, &err) != GPAI_OK &&
	    err.msg[0] == '\0')
		abort(); /* every failure carries a message */
	unlink(path);
	return 0;
}
