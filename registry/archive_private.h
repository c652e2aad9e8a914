/*
 * archive_private.h - safe reading and writing of model archives
 * (libarchive), shared by the registry's files.  Not a public API.
 *
 * Reading refuses, naming the archive and the entry:
 *   - absolute paths, ".." components and backslashes (a name that climbs
 *     out of the tree here, or on a system that reads '\' as a separator);
 *   - symbolic and hard links: a model archive has no need for them, and a
 *     link can point out of the tree (or make two names share one file, so
 *     that writing one changes the other) - refusing them is simpler and
 *     safer than resolving them;
 *   - character and block devices, FIFOs, sockets and unknown types;
 *   - names that are not valid UTF-8 (gpai stores and signs names as UTF-8);
 *   - an entry over max_entry_bytes, a running total over max_total_bytes,
 *     more than max_entries files;
 *   - two entries with the same normalised path, or a file that is also
 *     used as a directory ("a" and "a/b");
 *   - an entry whose data is shorter or longer than its header says, and
 *     any damage libarchive reports (bad checksum, CRC, truncation).
 * Formats: tar (pax, ustar, GNU, V7) plain or compressed with gzip, bzip2,
 * xz or zstd, and zip.  No other compression is offered to the input
 * (libarchive's lzma, uuencode, RPM, ... and its filters that run external
 * programs are not enabled).
 * Directory entries are skipped: directories are implied by file paths.
 * Paths are normalised: "./a//b/" -> "a/b".
 *
 * Nothing is written by reading.  reg_archive_walk reads the archive twice:
 * the first pass checks every header and reads every entry's data to its
 * end (so damage anywhere is found) without calling the callback; only a
 * clean archive gets the second pass, which hands each file to the
 * callback.  A caller that stores what the callback gives it therefore
 * stores nothing for a refused archive.  The cost is reading (and
 * decompressing) the archive twice.
 */
#ifndef GPAI_REGISTRY_ARCHIVE_PRIVATE_H
#define GPAI_REGISTRY_ARCHIVE_PRIVATE_H

#include <stdint.h>

#include "common.h"
#include "registry.h"

/* Defaults when a limit is 0 (REG_ARCHIVE_DEFAULT_*). */
#define REG_ARCHIVE_DEFAULT_MAX_ENTRY_BYTES GPAI_REG_ARCHIVE_DEFAULT_MAX_ENTRY_BYTES
#define REG_ARCHIVE_DEFAULT_MAX_TOTAL_BYTES GPAI_REG_ARCHIVE_DEFAULT_MAX_BYTES
#define REG_ARCHIVE_DEFAULT_MAX_ENTRIES GPAI_REG_ARCHIVE_DEFAULT_MAX_ENTRIES
/* Longest entry path accepted, in bytes (Linux PATH_MAX). */
#define REG_ARCHIVE_MAX_PATH 4096

struct reg_archive_limits {
	uint64_t max_entry_bytes; /* one file; 0 = default */
	uint64_t max_total_bytes; /* all files; 0 = default */
	uint64_t max_entries;     /* regular files; 0 = default */
};

/* 1 if path looks like an archive gpai reads, judged by its first bytes:
 * a tar header (ustar magic or a valid header checksum), a zip local or
 * end-of-directory header, or a gzip/zstd/xz/bzip2 stream whose first
 * decompressed bytes are a tar header.  0 otherwise (a GGUF, a
 * safetensors file, a compressed single file, a missing file). */
int reg_archive_detect(const char *path);

/* One regular file of the archive, as handed to the callback.
 *   relpath  normalised path (valid UTF-8, no "./", no trailing "/");
 *            borrowed, valid during the callback only.
 *   size     the entry's size in bytes (checked against its data).
 *   read()   fills buf with up to n (> 0) bytes of the entry and returns the
 *            count, 0 at its end, or a negative GPAI_E* code (the message
 *            is then in the walk's err).  Data longer or shorter than size
 *            is an error (GPAI_EARCHIVE).
 * The callback should read the entry to its end; what it leaves unread is
 * read (and checked) by the walk. */
struct reg_archive_entry {
	const char *relpath;
	uint64_t size;
	long (*read)(struct reg_archive_entry *e, void *buf, unsigned long n);
	void *impl; /* private */
};
/* Returns 0 to go on; non-zero stops the walk, which returns that code.
 * The callback may leave its message in the walk's err (passed to it via
 * ctx; the walk resets err when it starts and keeps a message set there);
 * otherwise the walk names the entry where it stopped. */
typedef int (*reg_archive_entry_fn)(void *ctx, struct reg_archive_entry *e);

/* Walks the archive at path, calling fn once per regular file in archive
 * order, after a first pass that found nothing to refuse (see the top of
 * this file).  lim may be NULL (defaults).
 * Returns GPAI_OK; GPAI_ENOTFOUND / GPAI_EIO if path cannot be opened;
 * GPAI_EUNSUPPORTED if libarchive was built without one of the four
 * compressions; GPAI_EARCHIVE for an unreadable, damaged or refused
 * archive, or another format or compression (the message
 * names the archive and the entry, with libarchive's text where it has
 * one); GPAI_ENOMEM; or the callback's code.  Thread-safe for distinct
 * calls. */
int reg_archive_walk(const char *path, const struct reg_archive_limits *lim,
		     reg_archive_entry_fn fn, void *ctx, struct gpai_error *err);

/* Writes an archive at out from the named files: format by out's ending
 * (.tar, .tar.gz/.tgz, .tar.zst, .tar.xz: POSIX pax (ustar where it
 * suffices); .zip: zip with deflate, zip64 as needed).  names[i] is the
 * path in the archive (UTF-8, relative, no "." or ".." components, no
 * duplicates), paths[i] the file to read.  Entries are regular files, mode
 * 0644, owner 0, time 1980-01-01, so the same files give the same bytes.
 * The archive is written to a temporary file in out's directory, synced
 * and renamed into place: out is never half written, and on failure it is
 * left as it was (absent or the old file).
 * Returns GPAI_OK; GPAI_EMISUSE for an unknown ending or a bad name;
 * GPAI_EIO / GPAI_ENOTFOUND for a file that cannot be read or written;
 * GPAI_EARCHIVE with libarchive's text; GPAI_ENOMEM. */
int reg_archive_write(const char *out, const char *const *names,
		      const char *const *paths, unsigned long n,
		      struct gpai_error *err);

/* 1 if out's ending names an archive format reg_archive_write writes. */
int reg_archive_is_archive_name(const char *out);

#endif
