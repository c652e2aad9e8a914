/*
 * archive_private.h - safe reading and writing of model archives
 * (libarchive), shared by the registry's files.  Not a public API.
 *
 * Reading refuses, naming the entry: absolute paths, ".." components,
 * symbolic or hard links (a model archive has no need for them, and a link
 * can point out of the tree), device files, FIFOs and sockets, non-UTF-8
 * names, and entries or totals over the limits.  Nothing is written by
 * reading; the caller's callback consumes each regular file's bytes.
 */
#ifndef GPAI_REGISTRY_ARCHIVE_PRIVATE_H
#define GPAI_REGISTRY_ARCHIVE_PRIVATE_H

#include <stdint.h>

#include "common.h"

struct reg_archive_limits {
	uint64_t max_entry_bytes; /* one file; 0 = default (1 TB) */
	uint64_t max_total_bytes; /* all files; 0 = default (4 TB) */
	uint64_t max_entries;     /* 0 = default (1,000,000) */
};

/* 1 if path looks like an archive gpai reads (tar, tar.gz, tgz, tar.zst,
 * tar.xz, zip), judged by the first bytes; 0 otherwise. */
int reg_archive_detect(const char *path);

/* Called once per regular file, in archive order.  relpath is normalised
 * (no "./", no trailing "/").  read() fills buf with up to n bytes of the
 * entry and returns the count, 0 at its end, or a negative GPAI_E* code;
 * the callback must read the entry to its end.  Returning non-zero stops
 * the walk with that code. */
struct reg_archive_entry {
	const char *relpath;
	uint64_t size;
	long (*read)(struct reg_archive_entry *e, void *buf, unsigned long n);
	void *impl; /* private */
};
typedef int (*reg_archive_entry_fn)(void *ctx, struct reg_archive_entry *e);

int reg_archive_walk(const char *path, const struct reg_archive_limits *lim,
		     reg_archive_entry_fn fn, void *ctx, struct gpai_error *err);

/* Writes an archive at out from the named files: format by out's ending
 * (.tar, .tar.gz/.tgz, .tar.zst, .tar.xz, .zip).  names[i] is the path in
 * the archive, paths[i] the file to read.  The archive is written to a
 * temporary file and renamed into place: never half written. */
int reg_archive_write(const char *out, const char *const *names,
		      const char *const *paths, unsigned long n,
		      struct gpai_error *err);

/* 1 if out's ending names an archive format reg_archive_write writes. */
int reg_archive_is_archive_name(const char *out);

#endif
