/*
 * hash.c - OMS model enumeration and parallel hashing.
 *
 * Enumeration follows model_signing 1.1 (sigstore/model-transparency):
 * regular files under the model root, recursively; the top-level git paths
 * (.git, .gitattributes, .github, .gitignore), the signature file and the
 * caller's ignore paths are skipped (a directory ignores its subtree); a
 * symlink is an error unless allowed, then its target is hashed under the
 * link's name; anything else that is not a regular file or directory is an
 * error, and so is a name that is not UTF-8.  A single-file model is one
 * resource named "." (model_signing) or its basename (OMS spec).
 *
 * Work is cut into units - a whole file (`files`) or one shard (`shards`) -
 * sorted largest first and run on a gpai_parallel_for pool.  Each unit gets
 * its own digest context and reads its range with pread() in blocks of
 * HASH_BLOCK bytes into the worker's one buffer, so memory is
 * O(threads x HASH_BLOCK) whatever the model size.  A single huge file in
 * `files` mode is one unit and therefore serial; `shards` splits it.
 */
#include "signing.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

/* Read block per pread(): large enough to amortise the system call and
 * digest-update overhead, small enough to stay in L2/L3-friendly sizes. */
#define HASH_BLOCK (4u << 20)

/* model_signing's default ignores, all relative to the model root. */
static const char *const git_ignores[] = {
	".git", ".gitattributes", ".github", ".gitignore",
};

struct file_ent {
	char *abs;      /* path to open */
	char *rel;      /* manifest name (path part) */
	uint64_t size;
};

struct unit {
	size_t file;     /* index into files */
	size_t res;      /* index into resources */
	uint64_t start, end;
};

struct walk {
	const struct gpai_hash_options *opt;
	char **ignores;        /* normalised relative ignore paths */
	size_t n_ignores;
	struct file_ent *files;
	size_t n_files, cap_files;
	struct gpai_error *err;
};

struct hash_run {
	const EVP_MD *md;
	const struct file_ent *files;
	struct unit *units;
	struct gpai_resource *res;
	unsigned char **bufs;    /* one HASH_BLOCK buffer per worker */
	pthread_mutex_t lock;    /* guards done and the progress callback */
	uint64_t done, total;
	gpai_progress_fn progress;
	void *progress_ctx;
};

void gpai_manifest_init(struct gpai_manifest *m)
{
	memset(m, 0, sizeof(*m));
}

void gpai_manifest_release(struct gpai_manifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->res[i].name);
	free(m->res);
	for (size_t i = 0; i < m->cfg.n_ignore; i++)
		free(m->cfg.ignore_paths[i]);
	free(m->cfg.ignore_paths);
	free(m->subject);
	gpai_manifest_init(m);
}

const char *gpai_oms_hash_name(enum gpai_oms_hash h)
{
	return h == GPAI_OMS_BLAKE2B ? "blake2b" : "sha256";
}

unsigned gpai_oms_hash_size(enum gpai_oms_hash h)
{
	return h == GPAI_OMS_BLAKE2B ? 64 : 32;
}

int gpai_oms_hash_parse(const char *name, enum gpai_oms_hash *out,
			struct gpai_error *err)
{
	if (strcmp(name, "sha256") == 0) {
		*out = GPAI_OMS_SHA256;
		return GPAI_OK;
	}
	if (strcmp(name, "blake2b") == 0) {
		*out = GPAI_OMS_BLAKE2B;
		return GPAI_OK;
	}
	if (strcmp(name, "blake3") == 0)
		return gpai_error_set(err, GPAI_EUNSUPPORTED,
				      "hash 'blake3' is not supported by this build "
				      "(sha256 and blake2b are)");
	return gpai_error_set(err, GPAI_EFORMAT,
			      "unknown hash '%s' (expected sha256 or blake2b)", name);
}

int gpai_oms_name_valid(const char *name)
{
	const char *p = name, *slash;

	if (strcmp(name, ".") == 0)
		return 1;
	if (!*name || *name == '/')
		return 0;
	for (;;) {
		size_t len;

		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!slash)
			return 1;
		p = slash + 1;
	}
}

/* 1 if rel is one of the ignore paths or inside one of them. */
static int is_ignored(const struct walk *w, const char *rel)
{
	for (size_t i = 0; i < w->n_ignores; i++) {
		size_t n = strlen(w->ignores[i]);

		if (strncmp(rel, w->ignores[i], n) == 0 &&
		    (rel[n] == '\0' || rel[n] == '/'))
			return 1;
	}
	return 0;
}

static int cmp_pstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* opt->only is sorted by byte order (signing.h), so a lookup is a binary
 * search even for manifests of many thousand files. */
static int is_only(const struct gpai_hash_options *opt, const char *rel)
{
	if (!opt->only)
		return 1;
	return bsearch(&rel, opt->only, opt->n_only, sizeof(char *), cmp_pstr) != NULL;
}

static int add_file(struct walk *w, const char *abs, const char *rel, uint64_t size)
{
	if (w->n_files == w->cap_files) {
		size_t cap = w->cap_files ? 2 * w->cap_files : 64;
		struct file_ent *f = realloc(w->files, cap * sizeof(*f));

		if (!f)
			return gpai_error_set(w->err, GPAI_ENOMEM, "out of memory");
		w->files = f;
		w->cap_files = cap;
	}
	w->files[w->n_files].abs = gpai_strdup(abs);
	w->files[w->n_files].rel = gpai_strdup(rel);
	w->files[w->n_files].size = size;
	if (!w->files[w->n_files].abs || !w->files[w->n_files].rel) {
		free(w->files[w->n_files].abs);
		free(w->files[w->n_files].rel);
		return gpai_error_set(w->err, GPAI_ENOMEM, "out of memory");
	}
	w->n_files++;
	return GPAI_OK;
}

/* Classifies one entry (already known not to be ignored) and adds it or
 * recurses.  rel is "" for the root directory itself. */
static int walk_dir(struct walk *w, const char *abs, const char *rel);

static int walk_entry(struct walk *w, const char *abs, const char *rel)
{
	struct stat st;

	if (lstat(abs, &st) != 0)
		return gpai_error_errno(w->err, GPAI_EIO, errno, "cannot stat '%s'", abs);
	if (S_ISLNK(st.st_mode)) {
		if (!w->opt->allow_symlinks)
			return gpai_error_set(w->err, GPAI_EFORMAT,
					      "'%s' is a symbolic link (allow with --allow-symlinks)",
					      abs);
		if (stat(abs, &st) != 0)
			return gpai_error_errno(w->err, GPAI_EIO, errno,
						"cannot follow symbolic link '%s'", abs);
		if (S_ISDIR(st.st_mode))
			return gpai_error_set(w->err, GPAI_EFORMAT,
					      "'%s' is a symbolic link to a directory "
					      "(only links to regular files can be signed)", abs);
	}
	if (S_ISDIR(st.st_mode))
		return walk_dir(w, abs, rel);
	if (!S_ISREG(st.st_mode))
		return gpai_error_set(w->err, GPAI_EFORMAT,
				      "'%s' is not a regular file or directory", abs);
	if (!is_only(w->opt, rel))
		return GPAI_OK;
	return add_file(w, abs, rel, (uint64_t)st.st_size);
}

static int walk_dir(struct walk *w, const char *abs, const char *rel)
{
	DIR *d = opendir(abs);
	struct dirent *e;
	int rc = GPAI_OK;

	if (!d)
		return gpai_error_errno(w->err, GPAI_EIO, errno, "cannot open directory '%s'", abs);
	while (rc == GPAI_OK && (errno = 0, e = readdir(d)) != NULL) {
		char *cabs, *crel;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (!gpai_utf8_valid(e->d_name, strlen(e->d_name))) {
			rc = gpai_error_set(w->err, GPAI_EFORMAT,
					    "a file name in '%s' is not valid UTF-8", abs);
			break;
		}
		cabs = gpai_path_join(abs, e->d_name);
		crel = *rel ? gpai_path_join(rel, e->d_name) : gpai_strdup(e->d_name);
		if (!cabs || !crel)
			rc = gpai_error_set(w->err, GPAI_ENOMEM, "out of memory");
		else if (!is_ignored(w, crel))
			rc = walk_entry(w, cabs, crel);
		free(cabs);
		free(crel);
	}
	if (rc == GPAI_OK && errno != 0)
		rc = gpai_error_errno(w->err, GPAI_EIO, errno, "cannot read directory '%s'", abs);
	closedir(d);
	return rc;
}

/* Normalises an ignore path to a relative POSIX path under root (rootreal
 * is its realpath).  Accepts "x", "./x/", "ROOT/x" and absolute paths under
 * the root.  Returns a malloc'd string or NULL with err set; *outside is set
 * when the path is not under the model (then NULL, no error). */
static char *normalise_ignore(const char *p, const char *root, const char *rootreal,
			      int *outside, struct gpai_error *err)
{
	size_t rl = strlen(root), rrl = strlen(rootreal);
	char *s, *q;

	*outside = 0;
	if (rl && strncmp(p, root, rl) == 0 && p[rl] == '/')
		p += rl + 1;
	else if (strncmp(p, rootreal, rrl) == 0 && p[rrl] == '/')
		p += rrl + 1;
	else if (*p == '/') {
		*outside = 1;
		return NULL;
	}
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	s = gpai_strdup(p);
	if (!s) {
		gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		return NULL;
	}
	/* Collapse doubled slashes and drop a trailing one. */
	for (q = s; *q; q++)
		while (q[0] == '/' && q[1] == '/')
			memmove(q, q + 1, strlen(q));
	while (*s && s[strlen(s) - 1] == '/')
		s[strlen(s) - 1] = '\0';
	if (!*s || !gpai_oms_name_valid(s) || strcmp(s, ".") == 0) {
		gpai_error_set(err, GPAI_EFORMAT,
			       "ignore path '%s' is not a relative path inside the model", p);
		free(s);
		return NULL;
	}
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_ignore(struct walk *w, char *s)
{
	char **v;

	if (!s)
		return gpai_error_set(w->err, GPAI_ENOMEM, "out of memory");
	for (size_t i = 0; i < w->n_ignores; i++) {
		if (strcmp(w->ignores[i], s) == 0) {
			free(s);
			return GPAI_OK;
		}
	}
	v = realloc(w->ignores, (w->n_ignores + 1) * sizeof(*v));
	if (!v) {
		free(s);
		return gpai_error_set(w->err, GPAI_ENOMEM, "out of memory");
	}
	w->ignores = v;
	w->ignores[w->n_ignores++] = s;
	return GPAI_OK;
}

/* Builds the ignore list for a directory model. */
static int build_ignores(struct walk *w, const char *root, const char *rootreal)
{
	const struct gpai_hash_options *opt = w->opt;
	int rc, outside;

	for (size_t i = 0; i < opt->n_ignore; i++) {
		char *s = normalise_ignore(opt->ignore[i], root, rootreal, &outside, w->err);

		if (outside)
			continue; /* nothing under the model to skip */
		if (!s)
			return w->err ? w->err->code : GPAI_EFORMAT;
		if ((rc = add_ignore(w, s)))
			return rc;
	}
	if (opt->no_default_ignores)
		goto done;
	for (size_t i = 0; i < sizeof(git_ignores) / sizeof(git_ignores[0]); i++)
		if ((rc = add_ignore(w, gpai_strdup(git_ignores[i]))))
			return rc;
	if (!opt->signature) {
		if ((rc = add_ignore(w, gpai_strdup(GPAI_OMS_SIGNATURE_NAME))))
			return rc;
	} else {
		/* Ignore the signature only when it lies inside the model. */
		char *dir = gpai_strdup(opt->signature), *slash, real[PATH_MAX];
		const char *base;

		if (!dir)
			return gpai_error_set(w->err, GPAI_ENOMEM, "out of memory");
		slash = strrchr(dir, '/');
		base = slash ? slash + 1 : dir;
		if (slash)
			*slash = '\0';
		if (realpath(slash ? (*dir ? dir : "/") : ".", real)) {
			size_t rl = strlen(rootreal);
			char *full = gpai_path_join(real, base);

			if (full && strncmp(full, rootreal, rl) == 0 && full[rl] == '/' &&
			    gpai_oms_name_valid(full + rl + 1))
				rc = add_ignore(w, gpai_strdup(full + rl + 1));
			else
				rc = full ? GPAI_OK : GPAI_ENOMEM;
			free(full);
			if (rc) {
				free(dir);
				return gpai_error_set(w->err, rc, "out of memory");
			}
		}
		free(dir);
	}
done:
	if (w->n_ignores > 1)
		qsort(w->ignores, w->n_ignores, sizeof(char *), cmp_str);
	return GPAI_OK;
}

static void progress_add(struct hash_run *r, uint64_t n)
{
	if (!r->progress)
		return;
	pthread_mutex_lock(&r->lock);
	r->done += n;
	r->progress(r->progress_ctx, r->done, r->total);
	pthread_mutex_unlock(&r->lock);
}

static int hash_unit(void *ctx, unsigned worker, size_t job, struct gpai_error *err)
{
	struct hash_run *r = ctx;
	const struct unit *u = &r->units[job];
	const struct file_ent *f = &r->files[u->file];
	struct gpai_resource *res = &r->res[u->res];
	EVP_MD_CTX *md = NULL;
	unsigned char *buf = r->bufs[worker];
	uint64_t off = u->start;
	unsigned int len = 0;
	int fd, rc = GPAI_OK;

	if (!buf) {
		buf = r->bufs[worker] = malloc(HASH_BLOCK);
		if (!buf)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	}
	fd = open(f->abs, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gpai_error_errno(err, GPAI_EIO, errno, "cannot open '%s'", f->abs);
#ifdef POSIX_FADV_SEQUENTIAL
	(void)posix_fadvise(fd, (off_t)u->start, (off_t)(u->end - u->start),
			    POSIX_FADV_SEQUENTIAL);
#endif
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestInit_ex(md, r->md, NULL) != 1) {
		rc = gpai_error_openssl(err, "cannot start a digest");
		goto out;
	}
	while (off < u->end) {
		uint64_t want = u->end - off;
		ssize_t got;

		if (want > HASH_BLOCK)
			want = HASH_BLOCK;
		got = pread(fd, buf, (size_t)want, (off_t)off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = gpai_error_errno(err, GPAI_EIO, errno,
					      "cannot read '%s' at offset %llu", f->abs,
					      (unsigned long long)off);
			goto out;
		}
		if (got == 0) {
			rc = gpai_error_set(err, GPAI_EIO,
					    "'%s' ended at offset %llu while being hashed "
					    "(file changed?)", f->abs, (unsigned long long)off);
			goto out;
		}
		if (EVP_DigestUpdate(md, buf, (size_t)got) != 1) {
			rc = gpai_error_openssl(err, "cannot hash '%s'", f->abs);
			goto out;
		}
		off += (uint64_t)got;
		progress_add(r, (uint64_t)got);
	}
	/* The last unit of a file also checks that the file did not grow. */
	if (u->end == f->size && pread(fd, buf, 1, (off_t)off) > 0) {
		rc = gpai_error_set(err, GPAI_EIO,
				    "'%s' is longer than %llu bytes (file changed?)", f->abs,
				    (unsigned long long)f->size);
		goto out;
	}
	if (EVP_DigestFinal_ex(md, res->digest, &len) != 1) {
		rc = gpai_error_openssl(err, "cannot hash '%s'", f->abs);
		goto out;
	}
	res->digest_len = len;
out:
	EVP_MD_CTX_free(md);
	close(fd);
	return rc;
}

static int unit_cmp(const void *pa, const void *pb)
{
	const struct unit *a = pa, *b = pb;
	uint64_t la = a->end - a->start, lb = b->end - b->start;

	if (la != lb)
		return la > lb ? -1 : 1;
	return a->res < b->res ? -1 : a->res > b->res;
}

static const char *basename_of(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* Cuts files into units, hashes them on the pool and fills m->res, sorted,
 * and m->root.  m->cfg and m->subject are set by the caller. */
static int hash_entries(const struct file_ent *files, size_t n_files,
			const struct gpai_hash_options *opt, struct gpai_manifest *m,
			struct gpai_error *err)
{
	struct hash_run run;
	struct unit *units = NULL;
	size_t n_units = 0, n_res = 0;
	uint64_t shard = opt->shard_size ? opt->shard_size : GPAI_OMS_DEFAULT_SHARD_SIZE;
	unsigned nthreads = opt->threads ? opt->threads : gpai_cpu_count();
	int rc;

	memset(&run, 0, sizeof(run));
	/* Count resources: one per file, or one per shard (empty files have
	 * no shard and are omitted, as model_signing and the spec do). */
	for (size_t i = 0; i < n_files; i++) {
		uint64_t sz = files[i].size;

		if (opt->method == GPAI_OMS_SHARDS)
			n_res += (size_t)(sz / shard + (sz % shard != 0));
		else
			n_res++;
	}
	m->res = calloc(n_res ? n_res : 1, sizeof(*m->res));
	units = calloc(n_res ? n_res : 1, sizeof(*units));
	if (!m->res || !units) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_files; i++) {
		const struct file_ent *f = &files[i];
		uint64_t start = 0;

		do {
			struct gpai_resource *res;
			uint64_t end;

			if (opt->method == GPAI_OMS_SHARDS && f->size == 0)
				break;
			end = opt->method == GPAI_OMS_SHARDS && f->size - start > shard
				? start + shard : f->size;
			res = &m->res[m->n];
			if (opt->method == GPAI_OMS_SHARDS) {
				res->name = gpai_asprintf("%s:%llu:%llu", f->rel,
							  (unsigned long long)start,
							  (unsigned long long)end);
				res->sharded = 1;
				if (opt->spec_names)
					gpai_strlcpy(res->algorithm, gpai_oms_hash_name(opt->hash),
						     sizeof(res->algorithm));
				else
					snprintf(res->algorithm, sizeof(res->algorithm),
						 "%s-sharded-%llu", gpai_oms_hash_name(opt->hash),
						 (unsigned long long)shard);
			} else {
				res->name = gpai_strdup(f->rel);
				gpai_strlcpy(res->algorithm, gpai_oms_hash_name(opt->hash),
					     sizeof(res->algorithm));
			}
			if (!res->name) {
				rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
				goto out;
			}
			res->start = start;
			res->end = end;
			units[n_units++] = (struct unit){ i, m->n, start, end };
			run.total += end - start;
			m->n++;
			start = end;
		} while (start < f->size);
	}

	qsort(units, n_units, sizeof(*units), unit_cmp);
	run.md = opt->hash == GPAI_OMS_BLAKE2B ? EVP_blake2b512() : EVP_sha256();
	run.files = files;
	run.units = units;
	run.res = m->res;
	run.progress = opt->progress;
	run.progress_ctx = opt->progress_ctx;
	if (nthreads > n_units)
		nthreads = n_units ? (unsigned)n_units : 1;
	run.bufs = calloc(nthreads, sizeof(*run.bufs));
	if (!run.bufs) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	pthread_mutex_init(&run.lock, NULL);
	rc = gpai_parallel_for(nthreads, n_units, hash_unit, &run, err);
	pthread_mutex_destroy(&run.lock);
	for (unsigned i = 0; i < nthreads; i++)
		free(run.bufs[i]);
	free(run.bufs);
	if (rc)
		goto out;

	gpai_oms_sort_resources(m->res, m->n);
	rc = gpai_oms_root_digest(m->res, m->n, m->root, err);
out:
	free(units);
	return rc;
}

int gpai_oms_hash_model(const char *path, const struct gpai_hash_options *opt,
			struct gpai_manifest *m, struct gpai_error *err)
{
	struct walk w;
	char root[PATH_MAX], rootreal[PATH_MAX];
	struct stat st;
	uint64_t shard = opt->shard_size ? opt->shard_size : GPAI_OMS_DEFAULT_SHARD_SIZE;
	int rc;

	memset(&w, 0, sizeof(w));
	w.opt = opt;
	w.err = err;
	gpai_manifest_release(m);

	if (gpai_strlcpy(root, path, sizeof(root)) >= sizeof(root))
		return gpai_error_set(err, GPAI_EMISUSE, "path '%s' is too long", path);
	while (strlen(root) > 1 && root[strlen(root) - 1] == '/')
		root[strlen(root) - 1] = '\0';
	if (lstat(root, &st) != 0)
		return gpai_error_errno(err, errno == ENOENT ? GPAI_ENOTFOUND : GPAI_EIO,
					errno, "cannot open model '%s'", path);
	if (!realpath(root, rootreal))
		return gpai_error_errno(err, GPAI_EIO, errno, "cannot resolve '%s'", path);

	m->cfg.method = opt->method;
	m->cfg.hash = opt->hash;
	m->cfg.shard_size = opt->method == GPAI_OMS_SHARDS ? shard : 0;
	m->cfg.allow_symlinks = opt->allow_symlinks;
	m->subject = gpai_strdup(basename_of(rootreal));
	if (!m->subject)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");

	if (S_ISLNK(st.st_mode) && !opt->allow_symlinks) {
		rc = gpai_error_set(err, GPAI_EFORMAT,
				    "'%s' is a symbolic link (allow with --allow-symlinks)", path);
		goto out;
	}
	if (stat(root, &st) != 0) {
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot open model '%s'", path);
		goto out;
	}
	if (S_ISREG(st.st_mode)) {
		m->single_file = 1;
		rc = add_file(&w, root, opt->spec_names ? m->subject : ".", (uint64_t)st.st_size);
	} else if (S_ISDIR(st.st_mode)) {
		rc = build_ignores(&w, root, rootreal);
		if (rc == GPAI_OK)
			rc = walk_dir(&w, root, "");
	} else {
		rc = gpai_error_set(err, GPAI_EFORMAT,
				    "model '%s' is not a regular file or directory", path);
	}
	if (rc)
		goto out;

	/* Record what was ignored (model_signing 1.1 does the same). */
	if (w.n_ignores) {
		m->cfg.ignore_paths = w.ignores;
		m->cfg.n_ignore = w.n_ignores;
		w.ignores = NULL;
		w.n_ignores = 0;
	}

	rc = hash_entries(w.files, w.n_files, opt, m, err);
out:
	for (size_t i = 0; i < w.n_files; i++) {
		free(w.files[i].abs);
		free(w.files[i].rel);
	}
	free(w.files);
	for (size_t i = 0; i < w.n_ignores; i++)
		free(w.ignores[i]);
	free(w.ignores);
	if (rc)
		gpai_manifest_release(m);
	return rc;
}

int gpai_oms_hash_files(const char *subject, const struct gpai_oms_file *files, size_t n,
			const struct gpai_hash_options *opt, struct gpai_manifest *m,
			struct gpai_error *err)
{
	struct file_ent *fe;
	size_t k = 0;
	int rc = GPAI_OK;

	gpai_manifest_release(m);
	fe = calloc(n ? n : 1, sizeof(*fe));
	m->subject = gpai_strdup(subject);
	if (!fe || !m->subject) {
		free(fe);
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	}
	m->cfg.method = opt->method;
	m->cfg.hash = opt->hash;
	m->cfg.shard_size = opt->method == GPAI_OMS_SHARDS
		? (opt->shard_size ? opt->shard_size : GPAI_OMS_DEFAULT_SHARD_SIZE) : 0;
	m->cfg.allow_symlinks = opt->allow_symlinks;
	for (size_t i = 0; i < n; i++) {
		if (!gpai_oms_name_valid(files[i].name) || strcmp(files[i].name, ".") == 0) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "file name '%s' is not a relative "
					    "path", files[i].name);
			goto out;
		}
		if (!is_only(opt, files[i].name))
			continue;
		fe[k].abs = (char *)files[i].path;
		fe[k].rel = (char *)files[i].name;
		fe[k].size = files[i].size;
		k++;
	}
	rc = hash_entries(fe, k, opt, m, err);
out:
	free(fe);
	if (rc)
		gpai_manifest_release(m);
	return rc;
}
