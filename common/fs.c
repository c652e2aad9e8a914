/*
 * fs.c - paths, whole-file reads, atomic writes, memory maps, time, user.
 *
 * Invariant of gpai_write_file_atomic: a reader sees either the old content
 * or the complete new content, never a prefix (temp file + fsync + rename +
 * directory fsync, as git and SQLite do).
 */
#define _GNU_SOURCE
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *gpai_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);

	if (la == 0)
		return gpai_strdup(b);
	if (a[la - 1] == '/')
		return gpai_asprintf("%s%s", a, b);
	return gpai_asprintf("%s/%s", a, b);
}

int gpai_mkdir_p(const char *path, int mode, struct gpai_error *err)
{
	char *p = gpai_strdup(path);
	int rc = GPAI_OK;

	if (!p)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	for (char *s = p + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
			rc = gpai_error_errno(err, GPAI_EIO, errno,
					      "cannot create directory '%s'", p);
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	if (rc == GPAI_OK && !gpai_is_dir(path))
		rc = gpai_error_set(err, GPAI_EIO, "'%s' exists and is not a directory", path);
	free(p);
	return rc;
}

int gpai_read_file(const char *path, size_t max, char **out, size_t *outlen,
		   struct gpai_error *err)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gpai_error_errno(err, errno == ENOENT ? GPAI_ENOTFOUND : GPAI_EIO,
					errno, "cannot open '%s'", path);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return gpai_error_set(err, GPAI_EIO, "'%s' is not a regular file", path);
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return gpai_error_set(err, GPAI_EFORMAT,
				      "'%s' is too large (%lld bytes, limit %zu)",
				      path, (long long)st.st_size, max);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", path);
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : EIO;

			free(buf);
			close(fd);
			return gpai_error_errno(err, GPAI_EIO, e, "cannot read '%s'", path);
		}
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	if (outlen)
		*outlen = got;
	return GPAI_OK;
}

int gpai_fsync_dir(const char *dir, struct gpai_error *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return gpai_error_errno(err, GPAI_EIO, errno, "cannot open directory '%s'", dir);
	if (fsync(fd) != 0 && errno != EINVAL) {
		int e = errno;

		close(fd);
		return gpai_error_errno(err, GPAI_EIO, e, "cannot sync directory '%s'", dir);
	}
	close(fd);
	return GPAI_OK;
}

int gpai_write_file_atomic(const char *path, const void *data, size_t n,
			   int mode, struct gpai_error *err)
{
	char *tmp, *dir, *slash;
	size_t off = 0;
	int fd, rc = GPAI_OK;

	tmp = gpai_asprintf("%s.tmp-%ld", path, (long)getpid());
	dir = gpai_strdup(path);
	if (!tmp || !dir) {
		free(tmp);
		free(dir);
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	}
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		gpai_strlcpy(dir, ".", strlen(path) + 1);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0) {
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot create '%s'", tmp);
		goto out_free;
	}
	while (off < n) {
		ssize_t w = write(fd, (const char *)data + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot write '%s'", tmp);
			goto out_close;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0) {
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot sync '%s'", tmp);
		goto out_close;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot close '%s'", tmp);
		goto out_unlink;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot rename '%s' to '%s'", tmp, path);
		goto out_unlink;
	}
	rc = gpai_fsync_dir(dir, err);
	goto out_free;
out_close:
	close(fd);
out_unlink:
	unlink(tmp);
out_free:
	free(tmp);
	free(dir);
	return rc;
}

int gpai_path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int gpai_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int gpai_map_open(struct gpai_map *m, const char *path, struct gpai_error *err)
{
	struct stat st;
	void *p;
	int fd;

	m->data = NULL;
	m->size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gpai_error_errno(err, errno == ENOENT ? GPAI_ENOTFOUND : GPAI_EIO,
					errno, "cannot open '%s'", path);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return gpai_error_set(err, GPAI_EIO, "'%s' is not a regular file", path);
	}
	if (st.st_size == 0) {
		close(fd);
		return GPAI_OK;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return gpai_error_errno(err, GPAI_EIO, errno, "cannot map '%s'", path);
	m->data = p;
	m->size = (size_t)st.st_size;
	return GPAI_OK;
}

void gpai_map_prefault(const struct gpai_map *m)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

	if (!m->data)
		return;
#ifdef MADV_HUGEPAGE
	/* A hint (EINVAL without transparent huge pages): what is read in
	 * from now on comes in 2 MiB folios where the file system can (Linux
	 * 6.16+ ext4, xfs), and ext4 and xfs place large maps on a 2 MiB
	 * boundary, so the kernel maps each 2 MiB of weights with one TLB
	 * entry instead of 512.  Weights are streamed once per token; on the
	 * development VM a 110M F32 model held in 4 KiB pages decoded about
	 * 10 % slower, held up by page walks. */
	(void)madvise((void *)m->data, m->size, MADV_HUGEPAGE);
#endif
	if (pages <= 0 || page <= 0 || m->size > (size_t)pages / 2 * (size_t)page)
		return;
#ifdef MADV_POPULATE_READ
	/* an optimisation only: kernels before 5.14 answer EINVAL */
	(void)madvise((void *)m->data, m->size, MADV_POPULATE_READ);
#endif
}

void gpai_map_close(struct gpai_map *m)
{
	if (m && m->data)
		munmap((void *)m->data, m->size);
	if (m) {
		m->data = NULL;
		m->size = 0;
	}
}

void gpai_now_iso8601(char out[21])
{
	time_t t = time(NULL);
	struct tm tm;
	const char *fixed = getenv("GPAI_NOW");

	/* GPAI_NOW pins the clock for reproducible documents and tests. */
	if (fixed && strlen(fixed) == 20) {
		memcpy(out, fixed, 21);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void gpai_whoami(char *out, size_t n)
{
	const char *u = getenv("GPAI_USER");
	struct passwd *pw;

	if (u && *u) {
		gpai_strlcpy(out, u, n);
		return;
	}
	pw = getpwuid(getuid());
	if (pw && pw->pw_name)
		gpai_strlcpy(out, pw->pw_name, n);
	else
		snprintf(out, n, "uid:%ld", (long)getuid());
}
