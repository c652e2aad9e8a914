/*
 * archive.c - safe reading and writing of model archives with libarchive.
 *
 * Reading (reg_archive_walk) makes two passes over the archive.  Pass one
 * checks every header (names, types, limits), reads every entry's data to
 * its end to learn its true length, and then checks the collected paths for
 * duplicates and file/directory clashes; the callback is not called.  Pass
 * two re-opens the archive, re-checks each header, requires the same
 * entries in the same order (the file may have changed in between) and
 * hands each regular file to the callback.  Invariant: the callback never
 * sees an entry of an archive that pass one refused.
 *
 * Writing (reg_archive_write) streams the files into a temporary file in
 * the destination's directory, syncs it and renames it over the final
 * name, so that name holds either its old content or a complete archive.
 * The writer holds flock(2) on its temporary file until the rename; a
 * temporary file of that name pattern in the directory that nobody holds
 * locked belongs to a writer that was killed, and the next write into the
 * same directory removes it (sweep_stale).
 */
#include "archive_private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

/* libarchive reads the file in blocks of this size. */
#define READ_BLOCK_BYTES 65536
/* Buffer for copying entry data. */
#define COPY_BUF_BYTES 65536
/* Room for a name in a message, escaped (\xNN per byte at worst). */
#define NAME_MSG_MAX 256
/* A tar header block. */
#define TAR_BLOCK 512
/* ustar magic ("ustar\0" POSIX, "ustar  \0" GNU) and its offset. */
#define TAR_MAGIC_OFF 257
#define TAR_MAGIC "ustar"
#define TAR_MAGIC_LEN 5
/* Header checksum field: offset and width (POSIX.1-1988 ustar). */
#define TAR_CHKSUM_OFF 148
#define TAR_CHKSUM_LEN 8
/* Time stamped on written entries: 1980-01-01T00:00:00Z, the earliest a
 * zip (MS-DOS) time can hold, so tar and zip exports carry the same. */
#define EXPORT_MTIME 315532800
#define EXPORT_MODE 0644
#define ARCHIVE_FILE_MODE 0644
/* Name of the writer's temporary file in the destination directory
 * (mkstemp fills the X's); every file starting with TMP_PREFIX there is
 * one of ours. */
#define TMP_PREFIX ".gpai-archive.tmp-"
#define TMP_PATTERN TMP_PREFIX "XXXXXX"
/* Attempts at a temporary file that a concurrent sweep took away. */
#define TMP_TRIES 8

/* ---- locale ------------------------------------------------------------- */

/* libarchive converts names between an archive's charset and the thread's
 * locale; in the "C" locale a UTF-8 name in a zip or a pax header cannot
 * be converted and comes back as NULL.  gpai's names are UTF-8, so the
 * libarchive calls run in a thread-local C.UTF-8 locale (uselocale: the
 * process's locale is untouched).  Without C.UTF-8, names that are plain
 * ASCII still work. */
struct utf8_scope {
	locale_t utf8, old;
};

static void utf8_enter(struct utf8_scope *s)
{
	s->old = (locale_t)0;
	s->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (s->utf8)
		s->old = uselocale(s->utf8);
}

static void utf8_leave(struct utf8_scope *s)
{
	if (s->utf8) {
		uselocale(s->old);
		freelocale(s->utf8);
		s->utf8 = (locale_t)0;
	}
}

/* ---- names -------------------------------------------------------------- */

/* Copies name into out for a message: control bytes, and every byte >= 0x80
 * when the name is not valid UTF-8, as \xNN.  Long names are cut with "...". */
static const char *show(const char *name, char out[NAME_MSG_MAX])
{
	static const char hex[] = "0123456789abcdef";
	size_t len = strlen(name), o = 0;
	int utf8 = gpai_utf8_valid(name, len);

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (o + 8 >= NAME_MSG_MAX) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

/* Normalises an archive path into a malloc'd "a/b", or sets *why and
 * returns NULL (*why NULL too when out of memory). */
static char *normalise(const char *raw, const char **why)
{
	size_t len = strlen(raw), o = 0;
	char *out;
	const char *p = raw;

	*why = NULL;
	if (len == 0) {
		*why = "empty path";
		return NULL;
	}
	if (len > REG_ARCHIVE_MAX_PATH) {
		*why = "path longer than 4096 bytes";
		return NULL;
	}
	if (raw[0] == '/') {
		*why = "absolute path";
		return NULL;
	}
	if (strchr(raw, '\\')) {
		*why = "backslash in path";
		return NULL;
	}
	if (!gpai_utf8_valid(raw, len)) {
		*why = "name is not valid UTF-8";
		return NULL;
	}
	out = malloc(len + 1);
	if (!out)
		return NULL;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			free(out);
			*why = "'..' component";
			return NULL;
		}
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (o > 0)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
		if (*p == '/')
			p++;
	}
	out[o] = '\0';
	if (o == 0) {
		free(out);
		*why = "empty path";
		return NULL;
	}
	return out;
}

/* The entry's name as UTF-8 where libarchive has it (pax "path", zip with
 * the UTF-8 flag), else its raw bytes; NULL if it has neither. */
static const char *entry_name(struct archive_entry *ae)
{
	const char *u = archive_entry_pathname_utf8(ae);

	return u ? u : archive_entry_pathname(ae);
}

/* ---- walk --------------------------------------------------------------- */

struct walk {
	const char *path; /* the archive, for messages */
	struct archive *a;
	struct gpai_error *err;
	uint64_t max_entry, max_total, max_entries;
	uint64_t total;
	/* pass one's files, in archive order */
	char **names;
	uint64_t *sizes;
	size_t n, cap;
	unsigned char *buf; /* COPY_BUF_BYTES */
	struct utf8_scope loc;
	char last[NAME_MSG_MAX]; /* last entry seen, escaped, for messages */
};

struct entry_impl {
	struct walk *w;
	uint64_t got, want;
	int done;
};

/* The compressions gpai reads, each through libarchive's own library code.
 * Not archive_read_support_filter_all: that adds uuencode, RPM, compress,
 * lzip, lzma and lz4, and lrzip, lzop and grzip run as external programs
 * on the input - needless attack surface for model archives.  Returns 0,
 * or -1 when a filter would need an external program. */
static int support_filters(struct archive *a)
{
	int (*const filters[])(struct archive *) = {
		archive_read_support_filter_gzip, archive_read_support_filter_bzip2,
		archive_read_support_filter_xz, archive_read_support_filter_zstd,
	};

	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++)
		if (filters[i](a) != ARCHIVE_OK)
			return -1;
	return 0;
}

static int walk_open(struct walk *w, struct gpai_error *err)
{
	w->a = archive_read_new();
	if (!w->a)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	if (support_filters(w->a) != 0)
		return gpai_error_set(err, GPAI_EUNSUPPORTED,
				      "cannot read archive '%s': this libarchive lacks gzip, "
				      "bzip2, xz or zstd support: %s",
				      w->path, archive_error_string(w->a));
	archive_read_support_format_tar(w->a);
	archive_read_support_format_gnutar(w->a);
	archive_read_support_format_zip(w->a);
	if (archive_read_open_filename(w->a, w->path, READ_BLOCK_BYTES) != ARCHIVE_OK)
		return gpai_error_set(err, GPAI_EARCHIVE, "cannot read archive '%s': %s",
				      w->path, archive_error_string(w->a));
	return GPAI_OK;
}

static void walk_close(struct walk *w)
{
	if (w->a)
		archive_read_free(w->a);
	w->a = NULL;
}

static int refuse(struct walk *w, const char *name, const char *why)
{
	char s[NAME_MSG_MAX];

	return gpai_error_set(w->err, GPAI_EARCHIVE,
			      "unsafe entry '%s' in archive '%s': %s",
			      show(name, s), w->path, why);
}

/* where: "at" (in the entry's data) or "after" (the next header). */
static int damaged(struct walk *w, const char *where, const char *what)
{
	const char *la = archive_error_string(w->a);

	if (w->last[0])
		return gpai_error_set(w->err, GPAI_EARCHIVE,
				      "damaged archive '%s' %s entry '%s': %s: %s",
				      w->path, where, w->last, what,
				      la ? la : "unknown error");
	return gpai_error_set(w->err, GPAI_EARCHIVE, "damaged archive '%s': %s: %s",
			      w->path, what, la ? la : "unknown error");
}

/* Checks one header.  *relpath gets the normalised path of a regular file
 * (malloc'd), NULL for a directory that is skipped. */
static int check_header(struct walk *w, struct archive_entry *ae, char **relpath)
{
	const char *name = entry_name(ae), *why;
	mode_t type = archive_entry_filetype(ae);
	char *rel;

	*relpath = NULL;
	if (!name)
		return gpai_error_set(w->err, GPAI_EARCHIVE,
				      "unsafe entry in archive '%s' after '%s': entry has no name",
				      w->path, w->last);
	show(name, w->last);
	rel = normalise(name, &why);
	if (!rel) {
		if (!why)
			return gpai_error_set(w->err, GPAI_ENOMEM, "out of memory");
		/* "./" names the top directory itself: nothing to refuse. */
		if (type == AE_IFDIR && strcmp(why, "empty path") == 0 &&
		    !archive_entry_hardlink(ae))
			return GPAI_OK;
		return refuse(w, name, why);
	}
	if (archive_entry_hardlink(ae)) {
		free(rel);
		return refuse(w, name, "hard link (links are not accepted)");
	}
	switch (type) {
	case AE_IFREG:
		break;
	case AE_IFDIR:
		free(rel);
		return GPAI_OK;
	case AE_IFLNK:
		free(rel);
		return refuse(w, name, "symbolic link (links are not accepted)");
	case AE_IFCHR:
		free(rel);
		return refuse(w, name, "character device");
	case AE_IFBLK:
		free(rel);
		return refuse(w, name, "block device");
	case AE_IFIFO:
		free(rel);
		return refuse(w, name, "FIFO");
	case AE_IFSOCK:
		free(rel);
		return refuse(w, name, "socket");
	default:
		free(rel);
		return refuse(w, name, "not a regular file");
	}
	if (archive_entry_symlink(ae)) {
		free(rel);
		return refuse(w, name, "symbolic link (links are not accepted)");
	}
	if (archive_entry_size_is_set(ae) && archive_entry_size(ae) < 0) {
		free(rel);
		return refuse(w, name, "negative size");
	}
	if (archive_entry_size_is_set(ae) &&
	    (uint64_t)archive_entry_size(ae) > w->max_entry) {
		char msg[128];

		snprintf(msg, sizeof(msg), "too large: %lld bytes, limit %llu",
			 (long long)archive_entry_size(ae),
			 (unsigned long long)w->max_entry);
		free(rel);
		return refuse(w, name, msg);
	}
	*relpath = rel;
	return GPAI_OK;
}

/* Reads the next header; *ae is NULL at the end. */
static int next_header(struct walk *w, struct archive_entry **ae)
{
	int r = archive_read_next_header(w->a, ae);

	if (r == ARCHIVE_EOF) {
		*ae = NULL;
		return GPAI_OK;
	}
	if (r == ARCHIVE_OK || r == ARCHIVE_WARN)
		return GPAI_OK;
	*ae = NULL;
	return damaged(w, "after", w->last[0] ? "cannot read the next header"
					     : "cannot read a header");
}

static int over_total(struct walk *w, const char *rel, uint64_t add)
{
	char msg[160];

	if (add <= w->max_total - w->total && w->total <= w->max_total) {
		w->total += add;
		return GPAI_OK;
	}
	snprintf(msg, sizeof(msg),
		 "archive total exceeds the limit of %llu bytes",
		 (unsigned long long)w->max_total);
	return refuse(w, rel, msg);
}

/* Reads the current entry's data to its end into the scratch buffer;
 * *got gets its length.  Stops early past max_entry. */
static int drain(struct walk *w, const char *rel, uint64_t *got)
{
	*got = 0;
	for (;;) {
		la_ssize_t r = archive_read_data(w->a, w->buf, COPY_BUF_BYTES);

		if (r == 0)
			return GPAI_OK;
		if (r < 0)
			return damaged(w, "at", "cannot read entry data");
		*got += (uint64_t)r;
		if (*got > w->max_entry) {
			char msg[128];

			snprintf(msg, sizeof(msg), "too large: over %llu bytes",
				 (unsigned long long)w->max_entry);
			return refuse(w, rel, msg);
		}
	}
}

static int size_mismatch(struct walk *w, const char *rel, uint64_t want, uint64_t got)
{
	char msg[160];

	snprintf(msg, sizeof(msg), "data is %s than its header says (%llu bytes, header %llu)",
		 got < want ? "shorter" : "longer", (unsigned long long)got,
		 (unsigned long long)want);
	return refuse(w, rel, msg);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* After pass one: no duplicate path, no file used as a directory. */
static int check_tree(struct walk *w)
{
	char **sorted;
	int rc = GPAI_OK;

	if (w->n == 0)
		return GPAI_OK;
	sorted = malloc(w->n * sizeof(*sorted));
	if (!sorted)
		return gpai_error_set(w->err, GPAI_ENOMEM, "out of memory");
	memcpy(sorted, w->names, w->n * sizeof(*sorted));
	qsort(sorted, w->n, sizeof(*sorted), cmp_names);
	for (size_t i = 1; i < w->n; i++) {
		if (strcmp(sorted[i - 1], sorted[i]) == 0) {
			rc = refuse(w, sorted[i], "duplicate path in the archive");
			goto out;
		}
	}
	for (size_t i = 0; i < w->n; i++) {
		char *slash;

		/* Each parent directory of a path must not be a file. */
		for (slash = strchr(sorted[i], '/'); slash; slash = strchr(slash + 1, '/')) {
			size_t len = (size_t)(slash - sorted[i]);
			char *key = malloc(len + 1), **hit;

			if (!key) {
				rc = gpai_error_set(w->err, GPAI_ENOMEM, "out of memory");
				goto out;
			}
			memcpy(key, sorted[i], len);
			key[len] = '\0';
			hit = bsearch(&key, sorted, w->n, sizeof(*sorted), cmp_names);
			free(key);
			if (hit) {
				char s[NAME_MSG_MAX], msg[NAME_MSG_MAX + 64];

				snprintf(msg, sizeof(msg),
					 "lies under '%s', which is a file in the archive",
					 show(*hit, s));
				rc = refuse(w, sorted[i], msg);
				goto out;
			}
		}
	}
out:
	free(sorted);
	return rc;
}

/* Appends a checked file to pass one's list (takes rel). */
static int remember(struct walk *w, char *rel, uint64_t size)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		char **nn = realloc(w->names, cap * sizeof(*nn));
		uint64_t *ns;

		if (nn)
			w->names = nn;
		ns = nn ? realloc(w->sizes, cap * sizeof(*ns)) : NULL;
		if (!ns) {
			free(rel);
			return gpai_error_set(w->err, GPAI_ENOMEM, "out of memory");
		}
		w->sizes = ns;
		w->cap = cap;
	}
	w->names[w->n] = rel;
	w->sizes[w->n++] = size;
	return GPAI_OK;
}

static int pass_one(struct walk *w)
{
	struct archive_entry *ae;
	int rc;

	if ((rc = walk_open(w, w->err)) != GPAI_OK)
		return rc;
	for (;;) {
		char *rel;
		uint64_t got;

		if ((rc = next_header(w, &ae)) != GPAI_OK || !ae)
			break;
		if ((rc = check_header(w, ae, &rel)) != GPAI_OK)
			break;
		if (!rel)
			continue;
		if (w->n >= w->max_entries) {
			char msg[96];

			snprintf(msg, sizeof(msg), "more than %llu files in the archive",
				 (unsigned long long)w->max_entries);
			rc = refuse(w, rel, msg);
		}
		if (rc == GPAI_OK)
			rc = drain(w, rel, &got);
		if (rc == GPAI_OK && archive_entry_size_is_set(ae) &&
		    got != (uint64_t)archive_entry_size(ae))
			rc = size_mismatch(w, rel, (uint64_t)archive_entry_size(ae), got);
		if (rc == GPAI_OK)
			rc = over_total(w, rel, got);
		if (rc != GPAI_OK) {
			free(rel);
			break;
		}
		if ((rc = remember(w, rel, got)) != GPAI_OK)
			break;
	}
	walk_close(w);
	if (rc == GPAI_OK)
		rc = check_tree(w);
	return rc;
}

static long entry_read(struct reg_archive_entry *e, void *buf, unsigned long n)
{
	struct entry_impl *im = e->impl;
	struct walk *w = im->w;
	la_ssize_t r;

	if (im->done)
		return 0;
	if (n == 0) /* 0 would read as the end of the entry */
		return gpai_error_set(w->err, GPAI_EMISUSE, "entry read of 0 bytes");
	if (n > LONG_MAX)
		n = LONG_MAX;
	r = archive_read_data(w->a, buf, n);
	if (r < 0)
		return damaged(w, "at", "cannot read entry data");
	if (r == 0) {
		im->done = 1;
		if (im->got != im->want)
			return size_mismatch(w, e->relpath, im->want, im->got);
		return 0;
	}
	im->got += (uint64_t)r;
	if (im->got > im->want)
		return size_mismatch(w, e->relpath, im->want, im->got);
	return (long)r;
}

static int pass_two(struct walk *w, reg_archive_entry_fn fn, void *ctx)
{
	struct archive_entry *ae;
	size_t i = 0;
	int rc;

	w->last[0] = '\0';
	if ((rc = walk_open(w, w->err)) != GPAI_OK)
		return rc;
	for (;;) {
		struct reg_archive_entry e;
		struct entry_impl im;
		char *rel;

		if ((rc = next_header(w, &ae)) != GPAI_OK)
			break;
		if (!ae) {
			if (i != w->n)
				rc = gpai_error_set(w->err, GPAI_EARCHIVE,
						    "archive '%s' changed while it was read",
						    w->path);
			break;
		}
		if ((rc = check_header(w, ae, &rel)) != GPAI_OK)
			break;
		if (!rel)
			continue;
		if (i >= w->n || strcmp(rel, w->names[i]) != 0) {
			free(rel);
			rc = gpai_error_set(w->err, GPAI_EARCHIVE,
					    "archive '%s' changed while it was read",
					    w->path);
			break;
		}
		free(rel);
		im = (struct entry_impl){ w, 0, w->sizes[i], 0 };
		e = (struct reg_archive_entry){ w->names[i], w->sizes[i], entry_read, &im };
		if (w->loc.utf8)
			uselocale(w->loc.old); /* the caller's locale in the callback */
		rc = fn(ctx, &e);
		if (w->loc.utf8)
			uselocale(w->loc.utf8);
		if (rc != GPAI_OK) {
			/* Keep a message the callback left in err. */
			if (w->err && w->err->code == GPAI_OK) {
				char s[NAME_MSG_MAX];

				gpai_error_set(w->err, rc, "stopped at entry '%s' of archive '%s': %s",
					       show(w->names[i], s), w->path, gpai_strerror(rc));
			}
			break;
		}
		/* Read (and check) what the callback left. */
		while (!im.done) {
			long r = entry_read(&e, w->buf, COPY_BUF_BYTES);

			if (r < 0) {
				rc = (int)r;
				break;
			}
		}
		if (rc != GPAI_OK)
			break;
		i++;
	}
	walk_close(w);
	return rc;
}

int reg_archive_walk(const char *path, const struct reg_archive_limits *lim,
		     reg_archive_entry_fn fn, void *ctx, struct gpai_error *err)
{
	struct walk w;
	struct stat st;
	int rc;

	if (!path || !fn)
		return gpai_error_set(err, GPAI_EMISUSE, "reg_archive_walk: no path or callback");
	if (stat(path, &st) != 0)
		return gpai_error_errno(err, errno == ENOENT ? GPAI_ENOTFOUND : GPAI_EIO,
					errno, "cannot open archive '%s'", path);
	if (!S_ISREG(st.st_mode))
		return gpai_error_set(err, GPAI_EIO, "archive '%s' is not a regular file", path);
	if (err)
		gpai_error_init(err);
	memset(&w, 0, sizeof(w));
	w.path = path;
	w.err = err;
	w.max_entry = lim && lim->max_entry_bytes ? lim->max_entry_bytes
						   : REG_ARCHIVE_DEFAULT_MAX_ENTRY_BYTES;
	w.max_total = lim && lim->max_total_bytes ? lim->max_total_bytes
						   : REG_ARCHIVE_DEFAULT_MAX_TOTAL_BYTES;
	w.max_entries = lim && lim->max_entries ? lim->max_entries
						: REG_ARCHIVE_DEFAULT_MAX_ENTRIES;
	w.buf = malloc(COPY_BUF_BYTES);
	if (!w.buf)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	utf8_enter(&w.loc);
	rc = pass_one(&w);
	if (rc == GPAI_OK)
		rc = pass_two(&w, fn, ctx);
	walk_close(&w);
	utf8_leave(&w.loc);
	for (size_t i = 0; i < w.n; i++)
		free(w.names[i]);
	free(w.names);
	free(w.sizes);
	free(w.buf);
	return rc;
}

/* ---- detect ------------------------------------------------------------- */

/* 1 if block (TAR_BLOCK bytes) is a tar header: ustar magic, or a header
 * checksum that matches (old V7 archives have no magic). */
static int is_tar_header(const unsigned char *b, size_t n)
{
	uint64_t sum = 0, want = 0;
	size_t i;
	int digits = 0;

	if (n < TAR_BLOCK)
		return 0;
	if (memcmp(b + TAR_MAGIC_OFF, TAR_MAGIC, TAR_MAGIC_LEN) == 0)
		return 1;
	for (i = 0; i < TAR_BLOCK; i++)
		sum += (i >= TAR_CHKSUM_OFF && i < TAR_CHKSUM_OFF + TAR_CHKSUM_LEN)
			       ? (unsigned char)' ' : b[i];
	for (i = TAR_CHKSUM_OFF; i < TAR_CHKSUM_OFF + TAR_CHKSUM_LEN; i++) {
		if (b[i] == ' ' && digits == 0)
			continue;
		if (b[i] < '0' || b[i] > '7')
			break;
		want = want * 8 + (uint64_t)(b[i] - '0');
		digits++;
	}
	if (digits == 0 || (i < TAR_CHKSUM_OFF + TAR_CHKSUM_LEN && b[i] != ' ' && b[i] != '\0'))
		return 0;
	/* An all-zero block sums to 256 (the spaces) and is not a header. */
	return want == sum && b[0] != '\0';
}

/* 1 if the first TAR_BLOCK bytes after decompression are a tar header. */
static int compressed_tar(const char *path)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	unsigned char block[TAR_BLOCK];
	size_t got = 0;
	int yes = 0;

	if (!a)
		return 0;
	if (support_filters(a) != 0)
		goto out;
	archive_read_support_format_raw(a);
	if (archive_read_open_filename(a, path, READ_BLOCK_BYTES) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ae) != ARCHIVE_OK ||
	    archive_filter_count(a) < 2) /* raw data, no compression filter */
		goto out;
	while (got < TAR_BLOCK) {
		la_ssize_t r = archive_read_data(a, block + got, TAR_BLOCK - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	yes = is_tar_header(block, got);
out:
	archive_read_free(a);
	return yes;
}

int reg_archive_detect(const char *path)
{
	static const unsigned char gz[] = { 0x1f, 0x8b };
	static const unsigned char zst[] = { 0x28, 0xb5, 0x2f, 0xfd };
	static const unsigned char xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
	static const unsigned char bz2[] = { 'B', 'Z', 'h' };
	static const unsigned char zip_local[] = { 'P', 'K', 3, 4 };
	static const unsigned char zip_end[] = { 'P', 'K', 5, 6 };
	unsigned char b[TAR_BLOCK];
	size_t n = 0;
	int fd;

	if (!path)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while (n < sizeof(b)) {
		ssize_t r = read(fd, b + n, sizeof(b) - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
#define STARTS(m) (n >= sizeof(m) && memcmp(b, m, sizeof(m)) == 0)
	if (STARTS(zip_local) || STARTS(zip_end))
		return 1;
	if (STARTS(gz) || STARTS(zst) || STARTS(xz) || STARTS(bz2))
		return compressed_tar(path);
#undef STARTS
	return is_tar_header(b, n);
}

/* ---- write -------------------------------------------------------------- */

enum out_kind { OUT_NONE, OUT_TAR, OUT_TGZ, OUT_TZST, OUT_TXZ, OUT_ZIP };

static int ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls > lx && strcmp(s + ls - lx, suffix) == 0;
}

static enum out_kind out_kind(const char *out)
{
	if (!out)
		return OUT_NONE;
	if (ends_with(out, ".tar"))
		return OUT_TAR;
	if (ends_with(out, ".tar.gz") || ends_with(out, ".tgz"))
		return OUT_TGZ;
	if (ends_with(out, ".tar.zst"))
		return OUT_TZST;
	if (ends_with(out, ".tar.xz"))
		return OUT_TXZ;
	if (ends_with(out, ".zip"))
		return OUT_ZIP;
	return OUT_NONE;
}

int reg_archive_is_archive_name(const char *out)
{
	return out_kind(out) != OUT_NONE;
}

static int la_fail(struct archive *a, struct gpai_error *err, const char *out,
		   const char *what)
{
	const char *la = archive_error_string(a);

	return gpai_error_set(err, GPAI_EARCHIVE, "cannot write archive '%s': %s: %s",
			      out, what, la ? la : "unknown error");
}

static int setup_writer(struct archive *a, enum out_kind k, const char *out,
			struct gpai_error *err)
{
	int r;

	if (k == OUT_ZIP) {
		r = archive_write_set_format_zip(a);
		if (r == ARCHIVE_OK)
			r = archive_write_set_format_option(a, "zip", "hdrcharset", "UTF-8");
	} else {
		r = archive_write_set_format_pax_restricted(a);
	}
	if (r != ARCHIVE_OK)
		return la_fail(a, err, out, "format");
	switch (k) {
	case OUT_TGZ:
		r = archive_write_add_filter_gzip(a);
		/* No time in the gzip header: the same files give the same bytes. */
		if (r == ARCHIVE_OK)
			r = archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
		break;
	case OUT_TZST:
		r = archive_write_add_filter_zstd(a);
		break;
	case OUT_TXZ:
		r = archive_write_add_filter_xz(a);
		break;
	default:
		r = archive_write_add_filter_none(a);
		break;
	}
	if (r != ARCHIVE_OK)
		return la_fail(a, err, out, "compression filter");
	/* Full blocks are padded with zeros; the last is not cut short. */
	archive_write_set_bytes_in_last_block(a, 1);
	return GPAI_OK;
}

static int write_one(struct archive *a, const char *out, const char *name,
		     const char *path, unsigned char *buf, struct gpai_error *err)
{
	struct archive_entry *ae = NULL;
	struct stat st;
	uint64_t done = 0;
	int fd, rc = GPAI_OK;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return gpai_error_errno(err, errno == ENOENT ? GPAI_ENOTFOUND : GPAI_EIO,
					errno, "cannot open '%s'", path);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = gpai_error_set(err, GPAI_EIO, "'%s' is not a regular file", path);
		goto out_close;
	}
	ae = archive_entry_new();
	if (!ae) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out_close;
	}
	archive_entry_copy_pathname(ae, name);
	archive_entry_set_filetype(ae, AE_IFREG);
	archive_entry_set_perm(ae, EXPORT_MODE);
	archive_entry_set_size(ae, (la_int64_t)st.st_size);
	archive_entry_set_mtime(ae, EXPORT_MTIME, 0);
	archive_entry_set_uid(ae, 0);
	archive_entry_set_gid(ae, 0);
	if (archive_write_header(a, ae) != ARCHIVE_OK) {
		rc = la_fail(a, err, out, name);
		goto out_entry;
	}
	for (;;) {
		ssize_t r = read(fd, buf, COPY_BUF_BYTES);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot read '%s'", path);
			goto out_entry;
		}
		if (r == 0)
			break;
		if (done + (uint64_t)r > (uint64_t)st.st_size) {
			rc = gpai_error_set(err, GPAI_EIO, "'%s' grew while it was archived", path);
			goto out_entry;
		}
		for (ssize_t off = 0; off < r;) {
			la_ssize_t w = archive_write_data(a, buf + off, (size_t)(r - off));

			if (w <= 0) {
				rc = la_fail(a, err, out, name);
				goto out_entry;
			}
			off += w;
		}
		done += (uint64_t)r;
	}
	if (done != (uint64_t)st.st_size)
		rc = gpai_error_set(err, GPAI_EIO, "'%s' shrank while it was archived", path);
	else if (archive_write_finish_entry(a) != ARCHIVE_OK)
		rc = la_fail(a, err, out, name);
out_entry:
	archive_entry_free(ae);
out_close:
	close(fd);
	return rc;
}

/* Names must be clean relative UTF-8 paths, distinct. */
static int check_names(const char *const *names, unsigned long n, struct gpai_error *err)
{
	const char **sorted;
	int rc = GPAI_OK;

	for (unsigned long i = 0; i < n; i++) {
		const char *why = NULL;
		char *norm, s[NAME_MSG_MAX];

		if (!names[i])
			return gpai_error_set(err, GPAI_EMISUSE, "archive entry %lu has no name", i);
		norm = normalise(names[i], &why);
		if (!norm && !why)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		if (norm && strcmp(norm, names[i]) != 0)
			why = "path is not in normal form";
		free(norm);
		if (why)
			return gpai_error_set(err, GPAI_EMISUSE,
					      "cannot archive entry '%s': %s",
					      show(names[i], s), why);
	}
	if (n < 2)
		return GPAI_OK;
	sorted = malloc(n * sizeof(*sorted));
	if (!sorted)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	memcpy(sorted, names, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_names);
	for (unsigned long i = 1; i < n; i++) {
		if (strcmp(sorted[i - 1], sorted[i]) == 0) {
			char s[NAME_MSG_MAX];

			rc = gpai_error_set(err, GPAI_EMISUSE,
					    "cannot archive entry '%s': duplicate path",
					    show(sorted[i], s));
			break;
		}
	}
	free(sorted);
	return rc;
}

/* 1 if the open file fd is still the file at path (same device and inode). */
static int same_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* Removes the temporary files of killed writers from dir: each
 * TMP_PREFIX file that no one holds locked (a live writer holds its lock
 * from creation to rename; the kernel drops it when the process dies).
 * Best effort: a file that cannot be opened or locked is left. */
static void sweep_stale(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		char *p;
		int fd;

		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) != 0)
			continue;
		p = gpai_path_join(dir, de->d_name);
		if (!p)
			break;
		fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			struct stat st;

			/* Locked by us and still the same file: its writer is gone. */
			if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
			    flock(fd, LOCK_EX | LOCK_NB) == 0 && same_file(fd, p))
				unlink(p);
			close(fd);
		}
		free(p);
	}
	closedir(d);
}

/* Creates and locks a temporary file in dir; *tmp gets its path.  A sweep
 * by another writer may remove the file between mkstemp and flock: then
 * the file at the name is no longer ours, and a new one is made. */
static int make_locked_tmp(const char *dir, char **tmp)
{
	for (int tries = 0; tries < TMP_TRIES; tries++) {
		int fd;

		free(*tmp);
		*tmp = gpai_path_join(dir, TMP_PATTERN);
		if (!*tmp)
			return -1;
		fd = mkstemp(*tmp);
		if (fd < 0)
			return -1;
		if (flock(fd, LOCK_EX) == 0 && same_file(fd, *tmp))
			return fd;
		close(fd);
	}
	errno = EAGAIN;
	return -1;
}

int reg_archive_write(const char *out, const char *const *names,
		      const char *const *paths, unsigned long n,
		      struct gpai_error *err)
{
	enum out_kind k = out_kind(out);
	struct archive *a = NULL;
	unsigned char *buf = NULL;
	char *dir = NULL, *tmp = NULL, *slash;
	struct utf8_scope loc = { (locale_t)0, (locale_t)0 };
	int fd = -1, rc;

	if (k == OUT_NONE)
		return gpai_error_set(err, GPAI_EMISUSE,
				      "cannot write archive '%s': unknown ending "
				      "(.tar, .tar.gz, .tgz, .tar.zst, .tar.xz, .zip)",
				      out ? out : "(null)");
	if (n > 0 && (!names || !paths))
		return gpai_error_set(err, GPAI_EMISUSE, "reg_archive_write: no names or paths");
	if ((rc = check_names(names, n, err)) != GPAI_OK)
		return rc;
	dir = gpai_strdup(out);
	buf = malloc(COPY_BUF_BYTES);
	if (!dir || !buf) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out_free;
	}
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		gpai_strlcpy(dir, ".", strlen(out) + 1);
	sweep_stale(dir);
	utf8_enter(&loc);
	fd = make_locked_tmp(dir, &tmp);
	if (fd < 0 && !tmp) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out_free;
	}
	if (fd < 0) {
		rc = gpai_error_errno(err, GPAI_EIO, errno,
				      "cannot write archive '%s': cannot create a file in '%s'",
				      out, dir);
		goto out_free;
	}
	if (fchmod(fd, ARCHIVE_FILE_MODE) != 0) {
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot write archive '%s'", out);
		goto out_unlink;
	}
	a = archive_write_new();
	if (!a) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out_unlink;
	}
	if ((rc = setup_writer(a, k, out, err)) != GPAI_OK)
		goto out_unlink;
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
		rc = la_fail(a, err, out, "open");
		goto out_unlink;
	}
	for (unsigned long i = 0; i < n; i++) {
		if ((rc = write_one(a, out, names[i], paths[i], buf, err)) != GPAI_OK)
			goto out_unlink;
	}
	if (archive_write_close(a) != ARCHIVE_OK) {
		rc = la_fail(a, err, out, "close");
		goto out_unlink;
	}
	if (fsync(fd) != 0) {
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot sync archive '%s'", out);
		goto out_unlink;
	}
	/* Renamed while still locked, so no sweep can take it; closed after. */
	if (rename(tmp, out) != 0) {
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot rename '%s' to '%s'", tmp, out);
		goto out_unlink;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot write archive '%s'", out);
		goto out_free;
	}
	fd = -1;
	rc = gpai_fsync_dir(dir, err);
	goto out_free;
out_unlink:
	unlink(tmp);
out_free:
	if (a)
		archive_write_free(a);
	if (fd >= 0)
		close(fd);
	utf8_leave(&loc);
	free(buf);
	free(tmp);
	free(dir);
	return rc;
}
