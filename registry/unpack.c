/*
 * unpack.c - gpai_registry_archive_unpack: an archive into a directory,
 * through the same safe reader as `gpai add ARCHIVE` (archive_private.h).
 *
 * Invariants: every path written is dir + a normalised relative path the
 * reader accepted (no "..", no absolute path, no link was ever created
 * below dir by this function), files are created with O_EXCL|O_NOFOLLOW
 * so nothing existing is overwritten or followed, and since the reader
 * only calls back after a first pass found nothing to refuse, a refused
 * archive writes nothing.
 */
#include "archive_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Buffer for copying entry data. */
#define UNPACK_BUF_BYTES 65536

struct unpack_ctx {
	const char *archive;
	const char *dir;
	struct gpai_error *err;
	uint64_t bytes;
};

static int unpack_entry(void *ctx, struct reg_archive_entry *e)
{
	struct unpack_ctx *u = ctx;
	char *p = gpai_path_join(u->dir, e->relpath), *slash, *buf = NULL;
	int fd = -1, rc = GPAI_OK;
	long n;

	if (!p || !(buf = malloc(UNPACK_BUF_BYTES))) {
		rc = gpai_error_set(u->err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	slash = strrchr(p, '/');
	if (slash && slash > p + strlen(u->dir)) {
		*slash = '\0';
		rc = gpai_mkdir_p(p, 0755, u->err);
		*slash = '/';
		if (rc) {
			gpai_error_prefix(u->err, "archive '%s': entry '%s'", u->archive, e->relpath);
			goto out;
		}
	}
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = errno == EEXIST
			? gpai_error_set(u->err, GPAI_EEXIST, "archive '%s': entry '%s' is there "
					 "already (another archive has the same path)", u->archive,
					 e->relpath)
			: gpai_error_errno(u->err, GPAI_EIO, errno, "cannot create '%s'", p);
		goto out;
	}
	while ((n = e->read(e, buf, UNPACK_BUF_BYTES)) > 0) {
		for (long off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				rc = gpai_error_errno(u->err, GPAI_EIO, errno, "cannot write '%s'", p);
				goto out;
			}
			off += w;
		}
		u->bytes += (uint64_t)n;
	}
	if (n < 0)
		rc = (int)n;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	free(p);
	return rc;
}

int gpai_registry_archive_unpack(const char *path, const char *dir, uint64_t *bytes,
				 struct gpai_error *err)
{
	struct unpack_ctx u = { path, dir, err, 0 };
	int rc = reg_archive_walk(path, NULL, unpack_entry, &u, err);

	if (bytes)
		*bytes = u.bytes;
	return rc;
}
