/*
 * common.h - status codes, error context and small shared helpers.
 *
 * Every library function returns GPAI_OK (0) or a negative GPAI_E* code and,
 * where the caller passed a struct gpai_error, leaves a message in it that
 * names the subject (file, field, offset) and what is wrong.  The library
 * never prints and never exits: only cli/ talks to the terminal.
 *
 * Ownership: a returned `char *` belongs to the caller (free()); a returned
 * `const char *` is borrowed from the handle named in the comment.
 */
#ifndef GPAI_COMMON_H
#define GPAI_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GPAI_VERSION "0.1.0"

/* Status codes: a stable list; gpai_strerror() gives static text. */
enum gpai_status {
	GPAI_OK = 0,
	GPAI_EIO = -1,       /* reading or writing a file failed */
	GPAI_EFORMAT = -2,   /* malformed input (file, JSON, header) */
	GPAI_ENOMEM = -3,    /* out of memory */
	GPAI_ECRYPTO = -4,   /* OpenSSL reported an error */
	GPAI_EDB = -5,       /* SQLite reported an error */
	GPAI_EARCHIVE = -6,  /* libarchive error or unsafe archive entry */
	GPAI_ENOTFOUND = -7, /* name, version, file or field not found */
	GPAI_EMISUSE = -8,   /* invalid argument from the caller */
	GPAI_EVERIFY = -9,   /* verification found a mismatch */
	GPAI_EEXIST = -10,   /* already exists */
	GPAI_EUNSUPPORTED = -11, /* valid input this build cannot handle */
};

#define GPAI_ERRMSG_MAX 1024

/* Caller-owned error context: _init it once, pass it down, read it with
 * gpai_errmsg().  Not thread-safe: one per thread. */
struct gpai_error {
	int code;
	char msg[GPAI_ERRMSG_MAX];
};

void gpai_error_init(struct gpai_error *err);
/* Sets code and a printf-formatted message; returns code so that callers can
 * write `return gpai_error_set(err, GPAI_EIO, "cannot open '%s': %s", ...)`.
 * err may be NULL. */
int gpai_error_set(struct gpai_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like gpai_error_set, with the text of errno appended as ": strerror". */
int gpai_error_errno(struct gpai_error *err, int code, int errnum,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Prefixes the existing message with "what: "; returns err->code. */
int gpai_error_prefix(struct gpai_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends the OpenSSL error queue (and clears it); returns GPAI_ECRYPTO. */
int gpai_error_openssl(struct gpai_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The message, or the static text of the code when none was set. */
const char *gpai_errmsg(const struct gpai_error *err);
/* Static text for a status code. */
const char *gpai_strerror(int code);

/* ---- strings ---------------------------------------------------------- */

/* Growable byte buffer, always NUL-terminated.  _init/_release pair. */
struct gpai_buf {
	char *data;
	size_t len, cap;
};
void gpai_buf_init(struct gpai_buf *b);
void gpai_buf_release(struct gpai_buf *b);
int gpai_buf_append(struct gpai_buf *b, const void *p, size_t n);
int gpai_buf_puts(struct gpai_buf *b, const char *s);
int gpai_buf_printf(struct gpai_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Hands the data to the caller (free()) and resets the buffer. */
char *gpai_buf_detach(struct gpai_buf *b);

/* Copies at most size-1 bytes and always terminates; returns strlen(src). */
size_t gpai_strlcpy(char *dst, const char *src, size_t size);
/* malloc'd printf; NULL on allocation failure. */
char *gpai_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *gpai_strdup(const char *s);

/* Strict number parsing: the whole string must be a number in range.
 * Returns GPAI_OK or GPAI_EFORMAT (nothing is written then). */
int gpai_parse_u64(const char *s, uint64_t *out);
int gpai_parse_i64(const char *s, int64_t *out);
int gpai_parse_double(const char *s, double *out);

/* 1 if s[0..n) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int gpai_utf8_valid(const char *s, size_t n);

/* Lowercase hex of n bytes into out (2n+1 bytes). */
void gpai_hex_encode(const unsigned char *in, size_t n, char *out);
/* Decodes exactly 2n hex digits; GPAI_EFORMAT otherwise. */
int gpai_hex_decode(const char *hex, unsigned char *out, size_t n);

/* Standard base64 (decode also accepts the URL-safe alphabet).  Results are
 * malloc'd; *outlen gets the length.  NULL on bad input or no memory. */
char *gpai_base64_encode(const unsigned char *in, size_t n);
unsigned char *gpai_base64_decode(const char *in, size_t n, size_t *outlen);

/* ---- files and paths --------------------------------------------------- */

/* malloc'd "a/b" (no doubled slash). */
char *gpai_path_join(const char *a, const char *b);
/* mkdir -p with mode; existing directories are fine. */
int gpai_mkdir_p(const char *path, int mode, struct gpai_error *err);
/* Reads a whole file (at most max bytes) into a malloc'd NUL-terminated
 * buffer. */
int gpai_read_file(const char *path, size_t max, char **out, size_t *outlen,
		   struct gpai_error *err);
/* Writes data to path atomically: temp file in the same directory, fsync,
 * rename, fsync of the directory. */
int gpai_write_file_atomic(const char *path, const void *data, size_t n,
			   int mode, struct gpai_error *err);
/* fsync the directory that holds path (or path itself if a directory). */
int gpai_fsync_dir(const char *dir, struct gpai_error *err);
/* 1 if path exists (any type), 0 if not. */
int gpai_path_exists(const char *path);
/* 1 if path is a directory. */
int gpai_is_dir(const char *path);

/* Read-only memory map of a whole file.  _open/_close pair; an empty file
 * maps to data == NULL, size == 0. */
struct gpai_map {
	const unsigned char *data;
	size_t size;
};
int gpai_map_open(struct gpai_map *m, const char *path, struct gpai_error *err);
/* For a map that is read over and over (model weights): asks for huge
 * pages (MADV_HUGEPAGE), and maps the file's pages in now (page cache
 * permitting) rather than one fault at a time on first use; the latter is
 * skipped for files larger than half the machine's memory, which keep
 * loading on demand. */
void gpai_map_prefault(const struct gpai_map *m);
void gpai_map_close(struct gpai_map *m);

/* Current time as "YYYY-MM-DDTHH:MM:SSZ" (UTC) into out[21]. */
void gpai_now_iso8601(char out[21]);
/* Name of the user for audit records: $GPAI_USER, else the login name, else
 * the numeric uid.  Writes at most n bytes. */
void gpai_whoami(char *out, size_t n);

/* ---- JSON (cJSON) ----------------------------------------------------- */

struct cJSON;
/* Parses a JSON file (at most max bytes); on error the message names the
 * file and the byte offset where parsing stopped.  *out is freed by the
 * caller with cJSON_Delete. */
int gpai_json_load(const char *path, size_t max, struct cJSON **out,
		   struct gpai_error *err);
/* Parses JSON text; `what` names it in errors. */
int gpai_json_parse(const char *what, const char *text, size_t len,
		    struct cJSON **out, struct gpai_error *err);
/* Looks up a string member; NULL if absent or not a string. */
const char *gpai_json_str(const struct cJSON *obj, const char *key);
/* Looks up a number member that is an exact integer; GPAI_ENOTFOUND if
 * absent, GPAI_EFORMAT if present but not an integer. */
int gpai_json_i64(const struct cJSON *obj, const char *key, int64_t *out);

/* ---- parallel work ---------------------------------------------------- */

/* Number of online CPUs (at least 1). */
unsigned gpai_cpu_count(void);

/* One job of gpai_parallel_for: worker is the index of the thread running
 * it (0..nthreads-1, stable for the thread's lifetime), job the job index.
 * Returns GPAI_OK or an error code with the message in err. */
typedef int (*gpai_job_fn)(void *ctx, unsigned worker, size_t job,
			   struct gpai_error *err);

/* Runs fn for jobs 0..njobs-1 on nthreads threads (0: gpai_cpu_count()),
 * the calling thread being worker 0.  Jobs start in index order; the first
 * failure stops the hand-out of new jobs and its code and message are
 * returned (in err).  fn must be thread-safe across different jobs. */
int gpai_parallel_for(unsigned nthreads, size_t njobs, gpai_job_fn fn, void *ctx,
		      struct gpai_error *err);

/* Progress callback for long work: done/total in bytes.  The library calls
 * it; the CLI decides whether to draw anything. */
typedef void (*gpai_progress_fn)(void *ctx, uint64_t done, uint64_t total);

/* ---- thread pool ---------------------------------------------------------
 * A fixed set of worker threads for fine-grained loops: gpai_pool_run
 * splits a job into n_chunks chunks, fn(ctx, chunk, n_chunks) runs once per
 * chunk on some thread (the caller works too), and the call returns when
 * all chunks are done.  Which thread runs a chunk varies; what a chunk
 * computes must not depend on it.  One caller at a time. */
struct gpai_pool;
typedef void (*gpai_pool_fn)(void *ctx, int chunk, int n_chunks);
/* n_threads <= 1 gives a pool that runs jobs in the caller.  Returns
 * GPAI_OK, GPAI_ENOMEM or GPAI_EIO (thread creation failed). */
int gpai_pool_new(int n_threads, struct gpai_pool **out, struct gpai_error *err);
void gpai_pool_free(struct gpai_pool *pool);
int gpai_pool_threads(const struct gpai_pool *pool);
void gpai_pool_run(struct gpai_pool *pool, int n_chunks, gpai_pool_fn fn, void *ctx);

#endif
