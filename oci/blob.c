/*
 * blob.c - response sinks: memory (capped) or a new file written while
 * hashed, and the digest check that decides whether a downloaded file is
 * kept.
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
#include <string.h>
#include <unistd.h>

#define SHA256_LEN 32
/* File bytes written between requests to start writeback, so that the
 * fsync that makes a pulled layer durable (gpai_registry_add_staged) finds
 * most of it on disk already (as the registry's own copies do). */
#define WRITEBACK_STEP (16u << 20)

int oci_sink_put(struct oci_sink *s, const void *data, size_t n)
{
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
		if (s->n + n - s->flushed >= WRITEBACK_STEP) {
			/* a hint, without waiting: errors surface at the fsync */
			sync_file_range(s->fd, (off_t)s->flushed, (off_t)(s->n + n - s->flushed),
					SYNC_FILE_RANGE_WRITE);
			s->flushed = s->n + n;
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
	if (s->mem)
		s->mem->len = 0;
	else if (ftruncate(s->fd, 0) != 0 || lseek(s->fd, 0, SEEK_SET) != 0)
		return gpai_error_errno(err, GPAI_EIO, errno, "cannot rewind a download");
	if (s->md && EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1)
		return gpai_error_openssl(err, "cannot restart SHA-256");
	s->n = 0;
	s->flushed = 0;
	s->overflow = 0;
	s->ioerr = 0;
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
	return GPAI_OK;
}

void oci_sink_file_discard(struct oci_sink *s, const char *path)
{
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
