/*
 * store.c - the content-addressed blob store: hashing while copying, the
 * registry lock and temporary files, gc and fsck.
 *
 * Invariants:
 *  - objects/sha256/xx/rest only ever appears by rename(2) of a complete,
 *    fsynced file whose SHA-256 is xx+rest; the directory is fsynced after.
 *  - Writers (add, rm, fact, alias, export) hold dir/lock shared for their
 *    whole run; gc holds it exclusively.  So gc never deletes a blob that a
 *    running add has stored but not yet committed, and whoever gets the
 *    lock exclusively knows every file in tmp/ is a crash leftover.
 *  - Each file is read once: the reading thread hashes each chunk and hands
 *    it to a writer thread (memory: REG_NBUF * REG_CHUNK, whatever the
 *    file size).
 */
#define _GNU_SOURCE /* sync_file_range */
#include "registry_private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#define REG_CHUNK (2u << 20) /* bytes per read */
#define REG_NBUF 4           /* chunks in flight between reader and writer */
#define SHA256_LEN 32
#define HEX_LEN 64
#define FANOUT_LEN 2         /* objects/sha256/ab/... */
/* Bytes written between requests to start writeback, so that the final
 * fsync finds most of the file on disk already. */
#define REG_WRITEBACK_STEP (16u << 20)
/* O_DIRECT needs buffers, offsets and lengths aligned to the logical block
 * size; 4096 covers every Linux block device in use. */
#define REG_DIRECT_ALIGN 4096

char *reg_blob_path(const struct gpai_registry *reg, const char *hex)
{
	if (strlen(hex) != HEX_LEN)
		return NULL;
	return gpai_asprintf("%s/%s/%.2s/%s", reg->dir, REG_OBJECTS, hex, hex + FANOUT_LEN);
}

/* ---- lock and tmp/ ------------------------------------------------------------ */

static int open_lock(struct gpai_registry *reg, struct gpai_error *err)
{
	char *p;

	if (reg->lock_fd >= 0)
		return GPAI_OK;
	p = gpai_path_join(reg->dir, REG_LOCK);
	if (!p)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	reg->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (reg->lock_fd < 0) {
		int rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot open '%s'", p);

		free(p);
		return rc;
	}
	free(p);
	return GPAI_OK;
}

/* Removes every file in tmp/ (caller holds the lock exclusively). */
static int clean_tmp(struct gpai_registry *reg, uint64_t *removed,
		     struct gpai_error *err)
{
	char *dir = gpai_path_join(reg->dir, REG_TMP);
	struct dirent *de;
	DIR *d;

	if (!dir)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	d = opendir(dir);
	if (!d) {
		/* A registry made before tmp/ existed, or tmp/ removed: recreate. */
		int rc = gpai_mkdir_p(dir, 0777, err);

		free(dir);
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		char *p;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		p = gpai_path_join(dir, de->d_name);
		if (p && unlink(p) == 0 && removed)
			(*removed)++;
		free(p);
	}
	closedir(d);
	free(dir);
	return GPAI_OK;
}

int reg_write_lock(struct gpai_registry *reg, uint64_t *tmp_removed,
		   struct gpai_error *err)
{
	int rc;

	if (reg->lock_mode)
		return GPAI_OK;
	rc = open_lock(reg, err);
	if (rc)
		return rc;
	if (flock(reg->lock_fd, LOCK_EX | LOCK_NB) == 0) {
		rc = clean_tmp(reg, tmp_removed, err);
		if (rc)
			return rc;
	}
	while (flock(reg->lock_fd, LOCK_SH) != 0) {
		if (errno != EINTR)
			return gpai_error_errno(err, GPAI_EIO, errno,
						"cannot lock registry '%s'", reg->dir);
	}
	reg->lock_mode = 1;
	return GPAI_OK;
}

int reg_exclusive_lock(struct gpai_registry *reg, uint64_t *tmp_removed,
		       struct gpai_error *err)
{
	int rc;

	if (reg->lock_mode == 2)
		return GPAI_OK;
	rc = open_lock(reg, err);
	if (rc)
		return rc;
	while (flock(reg->lock_fd, LOCK_EX) != 0) {
		if (errno != EINTR)
			return gpai_error_errno(err, GPAI_EIO, errno,
						"cannot lock registry '%s'", reg->dir);
	}
	reg->lock_mode = 2;
	return clean_tmp(reg, tmp_removed, err);
}

/* ---- hashing while copying ---------------------------------------------------- */

struct pipe_buf {
	unsigned char *data;
	size_t len;
	int full;
};

struct copier {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct pipe_buf buf[REG_NBUF];
	int fd;          /* destination */
	uint64_t written, flushed; /* bytes written; bytes handed to writeback */
	int direct;      /* fd has O_DIRECT (cleared for an unaligned tail) */
	int eof;         /* reader is done */
	int werr;        /* errno of a failed write, 0 if none */
	unsigned wnext;  /* next buffer the writer takes */
};

static void *writer_main(void *arg)
{
	struct copier *c = arg;
	int werr = 0; /* this thread's copy; published to c->werr under mu */

	for (;;) {
		struct pipe_buf *b;
		size_t off = 0;

		pthread_mutex_lock(&c->mu);
		b = &c->buf[c->wnext];
		while (!b->full && !c->eof)
			pthread_cond_wait(&c->cv, &c->mu);
		if (!b->full) {
			pthread_mutex_unlock(&c->mu);
			return NULL;
		}
		pthread_mutex_unlock(&c->mu);
		if (c->direct && (b->len % REG_DIRECT_ALIGN || c->written % REG_DIRECT_ALIGN)) {
			/* The unaligned tail goes through the page cache. */
			int fl = fcntl(c->fd, F_GETFL);

			if (fl < 0 || fcntl(c->fd, F_SETFL, fl & ~O_DIRECT) != 0)
				werr = errno;
			c->direct = 0;
		}
		while (off < b->len && !werr) {
			ssize_t w = write(c->fd, b->data + off, b->len - off);

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				werr = errno;
				break;
			}
			off += (size_t)w;
		}
		c->written += off;
		if (!c->direct && c->written - c->flushed >= REG_WRITEBACK_STEP) {
			/* Start writeback without waiting (a hint: errors surface
			 * at the fsync that follows). */
			sync_file_range(c->fd, (off_t)c->flushed, (off_t)(c->written - c->flushed),
					SYNC_FILE_RANGE_WRITE);
			c->flushed = c->written;
		}
		pthread_mutex_lock(&c->mu);
		if (werr)
			c->werr = werr;
		b->full = 0;
		c->wnext = (c->wnext + 1) % REG_NBUF;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
	}
}

struct fd_reader {
	int fd;
	const char *path;
	int err;
};

static long fd_read(void *ctx, void *buf, unsigned long n)
{
	struct fd_reader *r = ctx;

	for (;;) {
		ssize_t got = read(r->fd, buf, n);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r->err = errno;
			return GPAI_EIO;
		}
		return (long)got;
	}
}

/* Creates a temporary file in tmp/.  Large blobs are written with O_DIRECT
 * where the file system allows it: the copy then costs no page-cache copy
 * and no dirty-page throttling (the blob is not read again soon); *direct
 * says whether it is on. */
static int make_tmp(struct gpai_registry *reg, char **path, int *direct,
		    struct gpai_error *err)
{
	for (int tries = 0; tries < 100; tries++) {
		int fd;

		*path = gpai_asprintf("%s/%s/%ld-%u.blob", reg->dir, REG_TMP, (long)getpid(),
				      reg->tmp_seq++);
		if (!*path)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		fd = open(*path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_DIRECT, 0444);
		*direct = fd >= 0;
		if (fd < 0 && errno == EINVAL) /* no O_DIRECT here (tmpfs) */
			fd = open(*path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST) {
			int rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot create '%s'", *path);

			free(*path);
			*path = NULL;
			return rc;
		}
		free(*path);
		*path = NULL;
	}
	return gpai_error_set(err, GPAI_EIO, "cannot create a temporary file in '%s/%s'",
			      reg->dir, REG_TMP);
}

/* Moves the finished tmp file to its digest name (or drops it when the blob
 * exists already), then syncs the directory. */
static int publish(struct gpai_registry *reg, const char *tmp, const char *hex,
		   struct gpai_error *err)
{
	char *dst = reg_blob_path(reg, hex), *dir = NULL;
	int rc = GPAI_OK;

	if (!dst)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	if (gpai_path_exists(dst)) {
		unlink(tmp);
		free(dst);
		return GPAI_OK;
	}
	dir = gpai_asprintf("%s/%s/%.2s", reg->dir, REG_OBJECTS, hex);
	if (!dir) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	if (mkdir(dir, 0777) == 0) {
		char *parent = gpai_path_join(reg->dir, REG_OBJECTS);

		rc = parent ? gpai_fsync_dir(parent, err)
			: gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		free(parent);
		if (rc)
			goto out;
	} else if (errno != EEXIST) {
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot create '%s'", dir);
		goto out;
	}
	if (rename(tmp, dst) != 0) {
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot move '%s' to '%s'", tmp, dst);
		goto out;
	}
	rc = gpai_fsync_dir(dir, err);
out:
	if (rc)
		unlink(tmp);
	free(dir);
	free(dst);
	return rc;
}

int reg_store_stream(struct gpai_registry *reg, reg_read_fn rd, void *rctx,
		     const char *what, char hex[65], uint64_t *size,
		     gpai_progress_fn progress, void *pctx, uint64_t base,
		     uint64_t total, struct gpai_error *err)
{
	struct copier c;
	EVP_MD_CTX *md = NULL;
	unsigned char digest[SHA256_LEN];
	unsigned rnext = 0, dlen = 0;
	uint64_t done = 0;
	pthread_t th;
	int started = 0, rc = GPAI_OK, fd;
	char *tmp = NULL;

	memset(&c, 0, sizeof(c));
	pthread_mutex_init(&c.mu, NULL);
	pthread_cond_init(&c.cv, NULL);
	for (int i = 0; i < REG_NBUF; i++) {
		void *p = NULL;

		if (posix_memalign(&p, REG_DIRECT_ALIGN, REG_CHUNK) != 0)
			p = NULL;
		c.buf[i].data = p;
		if (!c.buf[i].data) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			goto out;
		}
	}
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		rc = gpai_error_openssl(err, "cannot start SHA-256");
		goto out;
	}
	fd = make_tmp(reg, &tmp, &c.direct, err);
	if (fd < 0) {
		rc = fd;
		goto out;
	}
	c.fd = fd;
	if (pthread_create(&th, NULL, writer_main, &c) != 0) {
		rc = gpai_error_set(err, GPAI_EIO, "cannot start a writer thread");
		goto out_fd;
	}
	started = 1;
	for (;;) {
		struct pipe_buf *b = &c.buf[rnext];
		long got;
		int werr;

		pthread_mutex_lock(&c.mu);
		while (b->full)
			pthread_cond_wait(&c.cv, &c.mu);
		werr = c.werr;
		pthread_mutex_unlock(&c.mu);
		if (werr) {
			rc = gpai_error_errno(err, GPAI_EIO, werr, "cannot write '%s'", tmp);
			break;
		}
		/* Fill the whole chunk (streams return short reads), so that
		 * only the last write of a file can be unaligned. */
		got = 0;
		for (;;) {
			long r = rd(rctx, b->data + got, REG_CHUNK - (unsigned long)got);

			if (r <= 0) {
				if (r < 0)
					got = r;
				break;
			}
			got += r;
			if ((unsigned long)got == REG_CHUNK)
				break;
		}
		if (got < 0) {
			rc = (int)got;
			if (rc == GPAI_EIO && rd == fd_read)
				gpai_error_errno(err, GPAI_EIO, ((struct fd_reader *)rctx)->err,
						 "cannot read '%s'", what);
			else if (!err || err->code == GPAI_OK)
				gpai_error_set(err, rc, "cannot read '%s'", what);
			break;
		}
		if (got == 0)
			break;
		if (EVP_DigestUpdate(md, b->data, (size_t)got) != 1) {
			rc = gpai_error_openssl(err, "cannot hash '%s'", what);
			break;
		}
		done += (uint64_t)got;
		pthread_mutex_lock(&c.mu);
		b->len = (size_t)got;
		b->full = 1;
		pthread_cond_broadcast(&c.cv);
		pthread_mutex_unlock(&c.mu);
		rnext = (rnext + 1) % REG_NBUF;
		if (progress)
			progress(pctx, base + done, total);
	}
	pthread_mutex_lock(&c.mu);
	c.eof = 1;
	pthread_cond_broadcast(&c.cv);
	pthread_mutex_unlock(&c.mu);
	pthread_join(th, NULL);
	started = 0;
	if (rc == GPAI_OK && c.werr)
		rc = gpai_error_errno(err, GPAI_EIO, c.werr, "cannot write '%s'", tmp);
	if (rc == GPAI_OK && (EVP_DigestFinal_ex(md, digest, &dlen) != 1 || dlen != SHA256_LEN))
		rc = gpai_error_openssl(err, "cannot hash '%s'", what);
	if (rc == GPAI_OK) {
		char *dst;

		gpai_hex_encode(digest, SHA256_LEN, hex);
		/* A blob that exists already needs no durable copy: the copy is
		 * dropped unsynced (publish sees the blob and unlinks it). */
		dst = reg_blob_path(reg, hex);
		if (!dst)
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		else if (!gpai_path_exists(dst) && fsync(fd) != 0)
			rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot sync '%s'", tmp);
		free(dst);
	}
out_fd:
	if (close(fd) != 0 && rc == GPAI_OK)
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot close '%s'", tmp);
	if (rc == GPAI_OK) {
		*size = done;
		rc = publish(reg, tmp, hex, err);
	} else {
		unlink(tmp);
	}
out:
	if (started)
		pthread_join(th, NULL);
	free(tmp);
	EVP_MD_CTX_free(md);
	for (int i = 0; i < REG_NBUF; i++)
		free(c.buf[i].data);
	pthread_mutex_destroy(&c.mu);
	pthread_cond_destroy(&c.cv);
	return rc;
}

int reg_store_file(struct gpai_registry *reg, const char *path, char hex[65],
		   uint64_t *size, gpai_progress_fn progress, void *pctx,
		   uint64_t base, uint64_t total, struct gpai_error *err)
{
	struct fd_reader r = { -1, path, 0 };
	struct stat st;
	int rc;

	r.fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (r.fd < 0)
		return gpai_error_errno(err, errno == ENOENT ? GPAI_ENOTFOUND : GPAI_EIO,
					errno, "cannot open '%s'", path);
	if (fstat(r.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(r.fd);
		return gpai_error_set(err, GPAI_EFORMAT, "'%s' is not a regular file", path);
	}
	posix_fadvise(r.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	rc = reg_store_stream(reg, fd_read, &r, path, hex, size, progress, pctx, base,
			      total, err);
	close(r.fd);
	return rc;
}

int reg_adopt_file(struct gpai_registry *reg, const char *path, const char *hex,
		   uint64_t size, uint64_t *hashed, struct gpai_error *err)
{
	struct stat st, ost;
	char *objects = NULL, *dst = NULL, got[HEX_LEN + 1];
	uint64_t n = 0;
	int fd, rc = GPAI_OK, same_fs;

	*hashed = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return gpai_error_errno(err, errno == ENOENT ? GPAI_ENOTFOUND : GPAI_EIO,
					errno, "cannot open '%s'", path);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "'%s' is not a regular file", path);
		goto out;
	}
	if ((uint64_t)st.st_size != size) {
		rc = gpai_error_set(err, GPAI_EVERIFY, "'%s' is %llu bytes, not %llu as its "
				    "digest was computed over", path,
				    (unsigned long long)st.st_size, (unsigned long long)size);
		goto out;
	}
	if (!(objects = gpai_path_join(reg->dir, REG_OBJECTS))) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	if (stat(objects, &ost) != 0) {
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot stat '%s'", objects);
		goto out;
	}
	same_fs = ost.st_dev == st.st_dev && st.st_nlink == 1;
	if (!same_fs) {
		/* Another name could still change it, or rename cannot move it:
		 * copy it like any file and hold it to the digest given. */
		close(fd);
		fd = -1;
		rc = reg_store_file(reg, path, got, &n, NULL, NULL, 0, size, err);
		*hashed = n;
		if (rc == GPAI_OK && (strcmp(got, hex) != 0 || n != size))
			rc = gpai_error_set(err, GPAI_EVERIFY, "'%s' has SHA-256 %s, not %s as its "
					    "writer said", path, got, hex);
		goto out;
	}
	if (fchmod(fd, 0444) != 0) {
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot make '%s' read-only", path);
		goto out;
	}
	/* A blob that exists already needs no durable copy (publish drops it). */
	if (!(dst = reg_blob_path(reg, hex))) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	if (!gpai_path_exists(dst) && fsync(fd) != 0) {
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot sync '%s'", path);
		goto out;
	}
	close(fd);
	fd = -1;
	rc = publish(reg, path, hex, err);
out:
	if (fd >= 0)
		close(fd);
	free(objects);
	free(dst);
	return rc;
}

struct mem_reader {
	const char *data;
	size_t len, off;
};

static long mem_read(void *ctx, void *buf, unsigned long n)
{
	struct mem_reader *m = ctx;
	size_t k = m->len - m->off;

	if (k > n)
		k = n;
	memcpy(buf, m->data + m->off, k);
	m->off += k;
	return (long)k;
}

int reg_store_mem(struct gpai_registry *reg, const char *data, size_t len,
		  const char *what, char hex[65], struct gpai_error *err)
{
	struct mem_reader m = { data, len, 0 };
	uint64_t size = 0;

	return reg_store_stream(reg, mem_read, &m, what, hex, &size, NULL, NULL, 0, 0, err);
}

int reg_hash_file(const char *path, char hex[65], uint64_t *size,
		  gpai_progress_fn progress, void *pctx, uint64_t base,
		  uint64_t total, struct gpai_error *err)
{
	unsigned char digest[SHA256_LEN], *buf;
	EVP_MD_CTX *md;
	uint64_t done = 0;
	unsigned dlen = 0;
	int fd, rc = GPAI_OK;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return gpai_error_errno(err, errno == ENOENT ? GPAI_ENOTFOUND : GPAI_EIO,
					errno, "cannot open '%s'", path);
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	buf = malloc(REG_CHUNK);
	md = EVP_MD_CTX_new();
	if (!buf || !md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		rc = gpai_error_openssl(err, "cannot start SHA-256");
		goto out;
	}
	for (;;) {
		ssize_t got = read(fd, buf, REG_CHUNK);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot read '%s'", path);
			goto out;
		}
		if (got == 0)
			break;
		if (EVP_DigestUpdate(md, buf, (size_t)got) != 1) {
			rc = gpai_error_openssl(err, "cannot hash '%s'", path);
			goto out;
		}
		done += (uint64_t)got;
		if (progress)
			progress(pctx, base + done, total);
	}
	if (EVP_DigestFinal_ex(md, digest, &dlen) != 1 || dlen != SHA256_LEN) {
		rc = gpai_error_openssl(err, "cannot hash '%s'", path);
		goto out;
	}
	gpai_hex_encode(digest, SHA256_LEN, hex);
	if (size)
		*size = done;
out:
	EVP_MD_CTX_free(md);
	free(buf);
	close(fd);
	return rc;
}

/* ---- gc and fsck ------------------------------------------------------------------- */

/* Sorted distinct digests the catalogue references. */
struct digest_set {
	char (*hex)[65];
	size_t n;
};

static int load_referenced(struct gpai_registry *reg, struct digest_set *s,
			   struct gpai_error *err)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc, r;

	s->hex = NULL;
	s->n = 0;
	/* model files, the data files of evaluation claims (evals.c) and the
	 * documents of kept dossiers (dossiers.c) */
	rc = reg_prepare(reg, "SELECT sha256 FROM files UNION SELECT data_digest FROM eval_claims"
			 " WHERE data_digest IS NOT NULL UNION SELECT document_digest FROM dossiers"
			 " WHERE document_digest IS NOT NULL ORDER BY 1", &st, err);
	if (rc)
		return rc;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *h = sqlite3_column_text(st, 0);

		if (s->n == cap) {
			size_t nc = cap ? 2 * cap : 256;
			char (*p)[65] = realloc(s->hex, nc * sizeof(*p));

			if (!p) {
				sqlite3_finalize(st);
				free(s->hex);
				s->hex = NULL;
				s->n = 0;
				return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			}
			s->hex = p;
			cap = nc;
		}
		gpai_strlcpy(s->hex[s->n++], h ? (const char *)h : "", 65);
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		free(s->hex);
		s->hex = NULL;
		s->n = 0;
		return reg_db_error(reg, err, "cannot read file digests");
	}
	return GPAI_OK;
}

static int hex_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static int set_has(const struct digest_set *s, const char *hex)
{
	return s->n && bsearch(hex, s->hex, s->n, sizeof(*s->hex), hex_cmp) != NULL;
}

static int is_hex(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* Calls fn for every entry under objects/sha256/: hex is the digest when the
 * path has the blob shape (else NULL: a stray), path the full path. */
typedef int (*blob_fn)(void *ctx, const char *hex, const char *path,
		       const struct stat *st);

static int walk_objects(struct gpai_registry *reg, blob_fn fn, void *ctx,
			struct gpai_error *err)
{
	char *root = gpai_path_join(reg->dir, REG_OBJECTS);
	struct dirent *de;
	DIR *d;
	int rc = GPAI_OK;

	if (!root)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	d = opendir(root);
	if (!d) {
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot open '%s'", root);
		free(root);
		return rc;
	}
	while (rc == GPAI_OK && (de = readdir(d)) != NULL) {
		struct dirent *fe;
		struct stat st;
		char *sub;
		DIR *sd;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		sub = gpai_path_join(root, de->d_name);
		if (!sub) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			break;
		}
		if (lstat(sub, &st) != 0 || !S_ISDIR(st.st_mode) || !is_hex(de->d_name, FANOUT_LEN)) {
			rc = fn(ctx, NULL, sub, &st);
			free(sub);
			continue;
		}
		sd = opendir(sub);
		if (!sd) {
			rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot open '%s'", sub);
			free(sub);
			break;
		}
		while (rc == GPAI_OK && (fe = readdir(sd)) != NULL) {
			char hex[HEX_LEN + 1], *p;

			if (strcmp(fe->d_name, ".") == 0 || strcmp(fe->d_name, "..") == 0)
				continue;
			p = gpai_path_join(sub, fe->d_name);
			if (!p) {
				rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
				break;
			}
			if (lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
			    is_hex(fe->d_name, HEX_LEN - FANOUT_LEN)) {
				memcpy(hex, de->d_name, FANOUT_LEN);
				gpai_strlcpy(hex + FANOUT_LEN, fe->d_name, sizeof(hex) - FANOUT_LEN);
				rc = fn(ctx, hex, p, &st);
			} else {
				rc = fn(ctx, NULL, p, &st);
			}
			free(p);
		}
		closedir(sd);
		free(sub);
	}
	closedir(d);
	free(root);
	return rc;
}

struct gc_ctx {
	struct digest_set refs;
	struct gpai_gc_result *res;
};

static int gc_one(void *ctx, const char *hex, const char *path, const struct stat *st)
{
	struct gc_ctx *g = ctx;

	if (!hex)
		return GPAI_OK; /* not ours: fsck reports it, gc leaves it */
	if (set_has(&g->refs, hex)) {
		g->res->blobs_kept++;
		return GPAI_OK;
	}
	if (unlink(path) == 0) {
		g->res->blobs_removed++;
		g->res->bytes_removed += (uint64_t)st->st_size;
	}
	return GPAI_OK;
}

int gpai_registry_gc(struct gpai_registry *reg, struct gpai_gc_result *res,
		     struct gpai_error *err)
{
	struct gc_ctx g;
	int rc;

	memset(res, 0, sizeof(*res));
	rc = reg_exclusive_lock(reg, &res->tmp_removed, err);
	if (rc)
		return rc;
	g.res = res;
	rc = load_referenced(reg, &g.refs, err);
	if (rc)
		return rc;
	rc = walk_objects(reg, gc_one, &g, err);
	free(g.refs.hex);
	if (rc == GPAI_OK)
		reg_legacy_dossiers_remove(reg, &res->legacy_removed);
	if (rc == GPAI_OK)
		rc = reg_dossier_bundles_gc(reg, &res->bundles_removed, err);
	return rc;
}

void gpai_fsck_report_init(struct gpai_fsck_report *r)
{
	memset(r, 0, sizeof(*r));
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void gpai_fsck_report_release(struct gpai_fsck_report *r)
{
	if (!r)
		return;
	free_strv(r->corrupt, r->n_corrupt);
	free_strv(r->missing, r->n_missing);
	free_strv(r->orphans, r->n_orphans);
	free_strv(r->strays, r->n_strays);
	free_strv(r->bad_dossiers, r->n_bad_dossiers);
	free(r->legacy_dir);
	free(r->integrity);
	gpai_fsck_report_init(r);
}

int reg_strv_push(char ***v, size_t *n, const char *s)
{
	char **p = realloc(*v, (*n + 1) * sizeof(*p));

	if (!p)
		return GPAI_ENOMEM;
	*v = p;
	p[*n] = gpai_strdup(s);
	if (!p[*n])
		return GPAI_ENOMEM;
	(*n)++;
	return GPAI_OK;
}

struct fsck_ctx {
	struct digest_set refs;
	unsigned char *seen; /* per refs entry */
	struct gpai_fsck_report *r;
	gpai_progress_fn progress;
	void *pctx;
	uint64_t total;
	struct gpai_error *err;
};

static int size_one(void *ctx, const char *hex, const char *path, const struct stat *st)
{
	if (hex)
		*(uint64_t *)ctx += (uint64_t)st->st_size;
	return GPAI_OK;
}

static int fsck_one(void *ctx, const char *hex, const char *path, const struct stat *st)
{
	struct fsck_ctx *f = ctx;
	char got[HEX_LEN + 1];
	uint64_t size = 0;
	char (*hit)[65];
	int rc;

	if (!hex)
		return reg_strv_push(&f->r->strays, &f->r->n_strays, path) ? GPAI_ENOMEM : GPAI_OK;
	rc = reg_hash_file(path, got, &size, f->progress, f->pctx, f->r->bytes_checked,
			   f->total, f->err);
	f->r->blobs_checked++;
	f->r->bytes_checked += size;
	if (rc == GPAI_ENOMEM)
		return rc;
	hit = f->refs.n ? bsearch(hex, f->refs.hex, f->refs.n, sizeof(*f->refs.hex), hex_cmp)
		: NULL;
	if (hit)
		f->seen[hit - f->refs.hex] = 1;
	if (rc != GPAI_OK || strcmp(got, hex) != 0)
		return reg_strv_push(&f->r->corrupt, &f->r->n_corrupt, hex) ? GPAI_ENOMEM : GPAI_OK;
	if (!hit)
		return reg_strv_push(&f->r->orphans, &f->r->n_orphans, hex) ? GPAI_ENOMEM : GPAI_OK;
	return GPAI_OK;
}

int gpai_registry_fsck(struct gpai_registry *reg, struct gpai_fsck_report *r,
		       gpai_progress_fn progress, void *progress_ctx,
		       struct gpai_error *err)
{
	struct gpai_error herr;
	struct fsck_ctx f;
	struct gpai_buf ib;
	sqlite3_stmt *st;
	int rc, s;

	gpai_fsck_report_init(r);
	gpai_error_init(&herr);
	memset(&f, 0, sizeof(f));
	f.r = r;
	f.progress = progress;
	f.pctx = progress_ctx;
	f.err = &herr;
	gpai_buf_init(&ib);

	/* The database first: a broken catalogue makes the rest moot. */
	rc = reg_prepare(reg, "PRAGMA integrity_check", &st, err);
	if (rc)
		return rc;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (ib.len)
			gpai_buf_puts(&ib, "; ");
		gpai_buf_puts(&ib, (const char *)sqlite3_column_text(st, 0));
	}
	if (s != SQLITE_DONE) {
		/* A database too damaged to check is itself the finding. */
		if (ib.len)
			gpai_buf_puts(&ib, "; ");
		gpai_buf_puts(&ib, sqlite3_errmsg(reg->db));
	}
	sqlite3_finalize(st);
	r->integrity = gpai_buf_detach(&ib);
	if (!r->integrity)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");

	rc = load_referenced(reg, &f.refs, err);
	if (rc && strcmp(r->integrity, "ok") != 0) {
		r->clean = 0; /* blobs cannot be checked against a broken catalogue */
		return GPAI_OK;
	}
	if (rc)
		return rc;
	f.seen = calloc(f.refs.n + 1, 1);
	if (!f.seen) {
		free(f.refs.hex);
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	}
	rc = walk_objects(reg, size_one, &f.total, err);
	if (rc == GPAI_OK)
		rc = walk_objects(reg, fsck_one, &f, err);
	if (rc == GPAI_ENOMEM)
		gpai_error_set(err, rc, "out of memory");
	for (size_t i = 0; rc == GPAI_OK && i < f.refs.n; i++)
		if (!f.seen[i] && reg_strv_push(&r->missing, &r->n_missing, f.refs.hex[i]))
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	free(f.seen);
	free(f.refs.hex);
	if (rc == GPAI_OK)
		rc = reg_fsck_dossiers(reg, r, err);
	r->clean = rc == GPAI_OK && strcmp(r->integrity, "ok") == 0 && !r->n_corrupt &&
		!r->n_missing && !r->n_strays && !r->n_bad_dossiers;
	return rc;
}
