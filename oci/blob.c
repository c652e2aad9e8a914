/*
 * blob.c - response sinks: memory (capped) or a new file written while
 * hashed, and the digest check that decides whether a downloaded file is
 * kept.
 *
 * A file sink hashes and writes on a worker thread: the receiving thread
 * (libcurl's write callback) only copies each piece into one of
 * SINK_NBUF buffers of SINK_BUF bytes, so that receiving overlaps hashing
 * and writing (bench/oci.sh; a pull otherwise does on one thread what
 * `curl -o` does plus the SHA-256).  The buffers are handed over in order;
 * the worker takes buffer i only after the receiver filled it, the
 * receiver refills it only after the worker emptied it (one mutex, one
 * condition variable).  Memory: SINK_NBUF * SINK_BUF per download.
 *
 * Invariant: a file sink's file survives oci_sink_file_close only when the
 * SHA-256 and the byte count of everything written equal the descriptor's;
 * otherwise (and on any write error) it is removed, so a staging folder
 * never holds a file whose bytes differ from its digest.  This is the
 * contract gpai_registry_add_staged relies on to move pulled layers into
 * the blob store without reading them again.
 */
#define _GNU_SOURCE /* sync_file_range */
#include "oci_private.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHA256_LEN 32
/* File bytes written between requests to start writeback, so that the
 * fsync that makes a pulled layer durable (gpai_registry_add_staged) finds
 * most of it on disk already (as the registry's own copies do). */
#define WRITEBACK_STEP (16u << 20)
/* Buffers between the receiving thread and the hashing writer. */
#define SINK_BUF (1u << 20)
#define SINK_NBUF 4

struct oci_sink_pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t th;
	unsigned char *buf[SINK_NBUF];
	size_t len[SINK_NBUF];
	int full[SINK_NBUF];
	unsigned fill;     /* buffer the receiver fills (receiver only) */
	unsigned take;     /* buffer the worker takes next (worker only) */
	int eof;           /* no more buffers: the worker ends when it is idle */
	int err;           /* errno of a failed write or EIO for the hash */
	int fd;            /* the worker's copies of the sink's file and hash */
	EVP_MD_CTX *md;
	uint64_t written, flushed;
};

static void *pipe_main(void *arg)
{
	struct oci_sink_pipe *p = arg;

	for (;;) {
		unsigned i;
		int err = 0;
		size_t off = 0;

		pthread_mutex_lock(&p->mu);
		i = p->take;
		while (!p->full[i] && !p->eof)
			pthread_cond_wait(&p->cv, &p->mu);
		if (!p->full[i]) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		err = p->err;
		pthread_mutex_unlock(&p->mu);
		if (!err && EVP_DigestUpdate(p->md, p->buf[i], p->len[i]) != 1)
			err = EIO;
		while (!err && off < p->len[i]) {
			ssize_t w = write(p->fd, p->buf[i] + off, p->len[i] - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				err = w < 0 && errno ? errno : EIO;
			else
				off += (size_t)w;
		}
		p->written += off;
		if (!err && p->written - p->flushed >= WRITEBACK_STEP) {
			/* a hint, without waiting: errors surface at the fsync */
			sync_file_range(p->fd, (off_t)p->flushed, (off_t)(p->written - p->flushed),
					SYNC_FILE_RANGE_WRITE);
			p->flushed = p->written;
		}
		pthread_mutex_lock(&p->mu);
		if (err && !p->err)
			p->err = err;
		p->full[i] = 0;
		p->len[i] = 0;
		p->take = (i + 1) % SINK_NBUF;
		pthread_cond_broadcast(&p->cv);
		pthread_mutex_unlock(&p->mu);
	}
}

/* Hands the buffer being filled to the worker (when it holds anything). */
static void pipe_pass(struct oci_sink_pipe *p)
{
	unsigned i = p->fill;

	pthread_mutex_lock(&p->mu);
	if (p->len[i]) {
		p->full[i] = 1;
		p->fill = (i + 1) % SINK_NBUF;
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
}

/* Passes the last buffer, waits for the worker to write everything and
 * end; returns the errno of a failure (0 when none). */
static int pipe_finish(struct oci_sink_pipe *p)
{
	int err;

	pipe_pass(p);
	pthread_mutex_lock(&p->mu);
	p->eof = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	pthread_join(p->th, NULL);
	err = p->err;
	return err;
}

static void pipe_free(struct oci_sink_pipe *p)
{
	if (!p)
		return;
	for (int i = 0; i < SINK_NBUF; i++)
		free(p->buf[i]);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p);
}

/* A new worker for s's file and hash (which it owns until it finishes). */
static struct oci_sink_pipe *pipe_start(struct oci_sink *s)
{
	struct oci_sink_pipe *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (int i = 0; i < SINK_NBUF; i++)
		if (!(p->buf[i] = malloc(SINK_BUF)))
			goto fail;
	p->fd = s->fd;
	p->md = s->md;
	p->written = p->flushed = s->n;
	if (pthread_create(&p->th, NULL, pipe_main, p) != 0)
		goto fail;
	return p;
fail:
	pipe_free(p);
	return NULL;
}

/* Copies data into the pipe's buffers; -1 with s->ioerr on a failure the
 * worker reported. */
static int pipe_put(struct oci_sink *s, const unsigned char *data, size_t n)
{
	struct oci_sink_pipe *p = s->pipe;

	while (n) {
		unsigned i = p->fill;
		size_t k;
		int err;

		pthread_mutex_lock(&p->mu);
		while (p->full[i] && !p->err)
			pthread_cond_wait(&p->cv, &p->mu);
		err = p->err;
		pthread_mutex_unlock(&p->mu);
		if (err) {
			s->ioerr = err;
			return -1;
		}
		k = SINK_BUF - p->len[i] < n ? SINK_BUF - p->len[i] : n;
		memcpy(p->buf[i] + p->len[i], data, k);
		p->len[i] += k;
		data += k;
		n -= k;
		s->n += k;
		if (p->len[i] == SINK_BUF)
			pipe_pass(p);
	}
	return 0;
}

int oci_sink_put(struct oci_sink *s, const void *data, size_t n)
{
	if (s->pipe)
		return pipe_put(s, data, n);
	if (s->mem) {
		if (s->mem->len + n > s->max) {
			s->overflow = 1;
			return -1;
		}
		if (gpai_buf_append(s->mem, data, n)) {
			s->ioerr = ENOMEM;
			return -1;
		}
	} else {
		size_t done = 0;

		while (done < n) {
			ssize_t w = write(s->fd, (const char *)data + done, n - done);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				s->ioerr = w < 0 && errno ? errno : EIO;
				return -1;
			}
			done += (size_t)w;
		}
	}
	if (s->md && EVP_DigestUpdate(s->md, data, n) != 1) {
		s->ioerr = EIO;
		return -1;
	}
	s->n += n;
	return 0;
}

int oci_sink_reset(struct oci_sink *s, struct gpai_error *err)
{
	int restart = s->pipe != NULL;

	if (s->pipe) {
		/* the worker ends first: the file and the hash are the sink's again */
		pipe_finish(s->pipe);
		pipe_free(s->pipe);
		s->pipe = NULL;
	}
	if (s->mem)
		s->mem->len = 0;
	else if (ftruncate(s->fd, 0) != 0 || lseek(s->fd, 0, SEEK_SET) != 0)
		return gpai_error_errno(err, GPAI_EIO, errno, "cannot rewind a download");
	if (s->md && EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1)
		return gpai_error_openssl(err, "cannot restart SHA-256");
	s->n = 0;
	s->overflow = 0;
	s->ioerr = 0;
	if (restart && !(s->pipe = pipe_start(s)))
		return gpai_error_set(err, GPAI_ENOMEM, "cannot start a download writer");
	return GPAI_OK;
}

int oci_sink_file_open(struct oci_sink *s, const char *path, struct gpai_error *err)
{
	memset(s, 0, sizeof(*s));
	s->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (s->fd < 0)
		return gpai_error_errno(err, GPAI_EIO, errno, "cannot create '%s'", path);
	if (!(s->md = EVP_MD_CTX_new()) || EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1) {
		oci_sink_file_discard(s, path);
		return gpai_error_openssl(err, "cannot hash '%s'", path);
	}
	if (!(s->pipe = pipe_start(s))) {
		oci_sink_file_discard(s, path);
		return gpai_error_set(err, GPAI_ENOMEM, "cannot start a writer for '%s'", path);
	}
	return GPAI_OK;
}

void oci_sink_file_discard(struct oci_sink *s, const char *path)
{
	if (s->pipe) {
		pipe_finish(s->pipe);
		pipe_free(s->pipe);
		s->pipe = NULL;
	}
	if (s->fd >= 0) {
		close(s->fd);
		unlink(path);
	}
	s->fd = -1;
	EVP_MD_CTX_free(s->md);
	s->md = NULL;
}

int oci_sink_file_close(struct oci_sink *s, const char *path, const char *digest,
			uint64_t size, const char *name, const char *host,
			struct gpai_error *err)
{
	unsigned char md[SHA256_LEN];
	unsigned int mdlen = 0;
	char got[72];
	int rc = GPAI_OK;

	if (s->pipe) {
		int werr = pipe_finish(s->pipe);

		pipe_free(s->pipe);
		s->pipe = NULL;
		if (werr && !s->ioerr)
			s->ioerr = werr;
	}
	if (s->ioerr) {
		rc = gpai_error_errno(err, GPAI_EIO, s->ioerr, "cannot write '%s'", path);
		goto fail;
	}
	if (EVP_DigestFinal_ex(s->md, md, &mdlen) != 1 || mdlen != SHA256_LEN) {
		rc = gpai_error_openssl(err, "cannot hash '%s'", name);
		goto fail;
	}
	memcpy(got, "sha256:", 7);
	gpai_hex_encode(md, sizeof(md), got + 7);
	if (strcmp(got, digest) != 0) {
		rc = gpai_error_set(err, GPAI_EVERIFY, "layer '%s' from registry '%s' has digest "
				    "%s, not %s as its descriptor says: refused", name, host,
				    got, digest);
		goto fail;
	}
	if (s->n != size) {
		rc = gpai_error_set(err, GPAI_EVERIFY, "layer '%s' from registry '%s' is %" PRIu64
				    " bytes, not %" PRIu64 " as its descriptor says", name, host,
				    s->n, size);
		goto fail;
	}
	EVP_MD_CTX_free(s->md);
	s->md = NULL;
	if (close(s->fd) != 0) {
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot write '%s'", path);
		s->fd = -1;
		unlink(path);
		return rc;
	}
	s->fd = -1;
	return GPAI_OK;
fail:
	oci_sink_file_discard(s, path);
	return rc;
}
