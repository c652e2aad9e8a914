/* test_registry_archive.c - reading and writing model archives: round trips
 * through archives made by the system tools (tar, gzip, zstd, xz, zip) and
 * by reg_archive_write, each unsafe entry refused by name with nothing
 * handed to the callback, format detection, and atomic writing.  Digests
 * of the source files are computed here with OpenSSL EVP, independently of
 * the code under test. */
#include "archive_private.h"
#include "harness.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#define MAXF 16
#define SHA_LEN 32

/* ---- helpers ------------------------------------------------------------ */

/* Deterministic bytes that differ per file (seed) and per offset. */
static void pattern(unsigned char *p, size_t n, unsigned seed)
{
	uint32_t x = 2463534242u ^ seed;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (unsigned char)x;
	}
}

static int write_pattern(const char *path, size_t n, unsigned seed)
{
	unsigned char *p = malloc(n ? n : 1);
	int rc;

	if (!p)
		return -1;
	pattern(p, n, seed);
	rc = t_write(path, p, n);
	free(p);
	return rc;
}

static uint64_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint64_t)st.st_size : UINT64_MAX;
}

static int sh(const char *cmd)
{
	return system(cmd);
}

/* What the walk handed over. */
struct got {
	int calls;
	int stop_at;  /* 1-based call that fails with GPAI_EIO; 0 = never */
	int no_read;  /* callback reads nothing */
	char name[MAXF][256];
	uint64_t size[MAXF];
	uint64_t read_bytes[MAXF];
	unsigned char sha[MAXF][SHA_LEN];
};

static int collect(void *ctx, struct reg_archive_entry *e)
{
	struct got *g = ctx;
	unsigned char buf[1000]; /* odd size: data arrives in many pieces */
	EVP_MD_CTX *m;
	unsigned len = 0;
	long r;
	int i = g->calls++;

	if (g->stop_at && g->calls == g->stop_at)
		return GPAI_EIO;
	if (i >= MAXF)
		return GPAI_EMISUSE;
	gpai_strlcpy(g->name[i], e->relpath, sizeof(g->name[i]));
	g->size[i] = e->size;
	if (g->no_read)
		return GPAI_OK;
	m = EVP_MD_CTX_new();
	EVP_DigestInit_ex(m, EVP_sha256(), NULL);
	while ((r = e->read(e, buf, sizeof(buf))) > 0) {
		EVP_DigestUpdate(m, buf, (size_t)r);
		g->read_bytes[i] += (uint64_t)r;
	}
	EVP_DigestFinal_ex(m, g->sha[i], &len);
	EVP_MD_CTX_free(m);
	return r < 0 ? (int)r : GPAI_OK;
}

static int find(const struct got *g, const char *name)
{
	for (int i = 0; i < g->calls && i < MAXF; i++)
		if (strcmp(g->name[i], name) == 0)
			return i;
	return -1;
}

/* The source tree of the round trips. */
static const char *const src_files[] = {
	"a.bin", "sub/b.txt", "sub/deep/empty.dat", ("donn\xc3\xa9" "es/\xc3\xa9t\xc3\xa9.bin"),
};
#define NSRC (sizeof(src_files) / sizeof(src_files[0]))
static const size_t src_sizes[NSRC] = { 300001, 6, 0, 1000 };

static int make_src(void)
{
	struct gpai_error err;

	gpai_error_init(&err);
	if (gpai_mkdir_p("src/sub/deep", 0755, &err) != 0 ||
	    gpai_mkdir_p("src/donn\xc3\xa9" "es", 0755, &err) != 0)
		return -1;
	for (size_t i = 0; i < NSRC; i++) {
		char *p = gpai_path_join("src", src_files[i]);
		int rc = write_pattern(p, src_sizes[i], (unsigned)i + 1);

		free(p);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* Walks archive and checks that it holds exactly the source tree. */
static void check_round_trip(const char *archive)
{
	struct gpai_error err;
	struct got g;

	memset(&g, 0, sizeof(g));
	gpai_error_init(&err);
	CHECK_OK(reg_archive_walk(archive, NULL, collect, &g, &err), &err);
	CHECK_INT(NSRC, g.calls);
	for (size_t i = 0; i < NSRC; i++) {
		unsigned char want[SHA_LEN];
		char *p = gpai_path_join("src", src_files[i]);
		int k = find(&g, src_files[i]);

		CHECK(t_sha256_file(p, want) == 0);
		if (k < 0)
			t_fail(__FILE__, __LINE__, "'%s' missing from '%s'", src_files[i], archive);
		CHECK(k >= 0);
		CHECK_U64(file_size(p), g.size[k]);
		CHECK_U64(src_sizes[i], g.read_bytes[k]);
		CHECK(memcmp(want, g.sha[k], SHA_LEN) == 0);
		free(p);
	}
}

/* ---- round trips through the system tools -------------------------------- */

TEST(round_trip_tar_from_gnu_tar)
{
	CHECK_INT(0, make_src());
	/* "./a.bin" names and directory entries: normalised and skipped. */
	CHECK_INT(0, sh("tar -cf x.tar -C src ."));
	check_round_trip("x.tar");
}

TEST(round_trip_tar_gz_from_gnu_tar)
{
	CHECK_INT(0, make_src());
	CHECK_INT(0, sh("tar -czf x.tar.gz -C src ."));
	check_round_trip("x.tar.gz");
}

TEST(round_trip_tar_zst_from_zstd)
{
	CHECK_INT(0, make_src());
	CHECK_INT(0, sh("tar -cf - -C src . | zstd -q -o x.tar.zst"));
	check_round_trip("x.tar.zst");
}

TEST(round_trip_tar_xz_from_xz)
{
	CHECK_INT(0, make_src());
	CHECK_INT(0, sh("tar -cf - -C src a.bin sub donn\xc3\xa9" "es | xz -c > x.tar.xz"));
	check_round_trip("x.tar.xz");
}

TEST(round_trip_zip_from_info_zip)
{
	CHECK_INT(0, make_src());
	CHECK_INT(0, sh("cd src && zip -q -r ../x.zip ."));
	check_round_trip("x.zip");
}

TEST(round_trip_zip_stored_from_info_zip)
{
	CHECK_INT(0, make_src());
	CHECK_INT(0, sh("cd src && zip -q -0 -r ../x.zip ."));
	check_round_trip("x.zip");
}

/* ---- round trips through reg_archive_write ------------------------------- */

/* Writes the source tree (already made) to out with reg_archive_write. */
static int write_src(const char *out)
{
	const char *paths[NSRC];
	struct gpai_error err;
	int rc;

	for (size_t i = 0; i < NSRC; i++)
		paths[i] = gpai_path_join("src", src_files[i]);
	gpai_error_init(&err);
	rc = reg_archive_write(out, (const char *const *)src_files, paths, NSRC, &err);
	if (rc != GPAI_OK)
		t_fail(__FILE__, __LINE__, "reg_archive_write: %s", gpai_errmsg(&err));
	for (size_t i = 0; i < NSRC; i++)
		free((void *)paths[i]);
	return rc;
}

static void write_and_read(const char *out)
{
	CHECK_INT(0, make_src());
	CHECK_INT(GPAI_OK, write_src(out));
	check_round_trip(out);
}

TEST(write_tar_reads_back) { write_and_read("out.tar"); }
TEST(write_tar_gz_reads_back) { write_and_read("out.tar.gz"); }
TEST(write_tgz_reads_back) { write_and_read("out.tgz"); }
TEST(write_tar_zst_reads_back) { write_and_read("out.tar.zst"); }
TEST(write_tar_xz_reads_back) { write_and_read("out.tar.xz"); }
TEST(write_zip_reads_back) { write_and_read("out.zip"); }

/* The system tools read what gpai writes, with the same bytes. */
TEST(written_archives_extract_with_system_tools)
{
	write_and_read("out.tar.gz");
	CHECK_INT(0, sh("mkdir t && tar -xzf out.tar.gz -C t && diff -r src t"));
	write_and_read("out.tar.zst");
	CHECK_INT(0, sh("mkdir z && zstd -dc out.tar.zst | tar -xf - -C z && diff -r src z"));
	write_and_read("out.zip");
	/* unzip maps non-ASCII names to "#U00e9" in the C locale */
	CHECK_INT(0, sh("mkdir u && cd u && LC_ALL=C.UTF-8 unzip -q ../out.zip && diff -r ../src ."));
}

/* Same files, same bytes: exports are reproducible, whatever the files'
 * times. */
TEST(write_is_deterministic)
{
	static const char *const outs[][2] = {
		{ "one.tar.gz", "two.tar.gz" }, { "one.tar.zst", "two.tar.zst" },
		{ "one.zip", "two.zip" },
	};

	CHECK_INT(0, make_src());
	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++)
		CHECK_INT(GPAI_OK, write_src(outs[i][0]));
	CHECK_INT(0, sh("find src -type f -exec touch -d 2001-02-03T04:05:06 {} +"));
	for (size_t i = 0; i < sizeof(outs) / sizeof(outs[0]); i++) {
		char cmd[64];

		CHECK_INT(GPAI_OK, write_src(outs[i][1]));
		snprintf(cmd, sizeof(cmd), "cmp %s %s", outs[i][0], outs[i][1]);
		CHECK_INT(0, sh(cmd));
		check_round_trip(outs[i][1]);
	}
}

TEST(is_archive_name)
{
	CHECK_INT(1, reg_archive_is_archive_name("m.tar"));
	CHECK_INT(1, reg_archive_is_archive_name("d/m.tar.gz"));
	CHECK_INT(1, reg_archive_is_archive_name("m.tgz"));
	CHECK_INT(1, reg_archive_is_archive_name("m.tar.zst"));
	CHECK_INT(1, reg_archive_is_archive_name("m.tar.xz"));
	CHECK_INT(1, reg_archive_is_archive_name("m.zip"));
	CHECK_INT(0, reg_archive_is_archive_name("m.gz"));
	CHECK_INT(0, reg_archive_is_archive_name("outdir"));
	CHECK_INT(0, reg_archive_is_archive_name(".tar"));
	CHECK_INT(0, reg_archive_is_archive_name(NULL));
}

/* ---- writing never leaves a half archive ---------------------------------- */

static int count_temps(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strstr(de->d_name, ".tmp"))
			n++;
	closedir(d);
	return n;
}

TEST(write_to_missing_directory_leaves_nothing)
{
	const char *names[] = { "a.bin" };
	const char *paths[] = { "a.bin" };
	struct gpai_error err;

	CHECK_INT(0, write_pattern("a.bin", 10, 1));
	gpai_error_init(&err);
	CHECK_ERR(GPAI_EIO, reg_archive_write("nodir/x.tar", names, paths, 1, &err),
		  &err, "nodir/x.tar");
	CHECK_INT(0, gpai_path_exists("nodir/x.tar"));
	CHECK_INT(0, gpai_path_exists("nodir"));
}

/* The "directory" is a regular file: unwritable even for root. */
TEST(write_under_a_file_leaves_nothing)
{
	const char *names[] = { "a.bin" };
	const char *paths[] = { "a.bin" };
	struct gpai_error err;

	CHECK_INT(0, write_pattern("a.bin", 10, 1));
	CHECK_INT(0, t_write("afile", "x", 1));
	gpai_error_init(&err);
	CHECK_ERR(GPAI_EIO, reg_archive_write("afile/x.zip", names, paths, 1, &err),
		  &err, "afile/x.zip");
	CHECK_U64(1, file_size("afile"));
	CHECK_INT(0, count_temps("."));
}

/* A file that cannot be read halfway through: no archive, no temp file, and
 * an existing archive under that name is left as it was. */
TEST(write_failure_midway_keeps_old_archive)
{
	const char *names[] = { "a.bin", "b.bin" };
	const char *paths[] = { "a.bin", "missing.bin" };
	unsigned char before[SHA_LEN], after[SHA_LEN];
	struct gpai_error err;
	static const char *const exts[] = { "x.tar", "x.tar.gz", "x.zip" };

	CHECK_INT(0, write_pattern("a.bin", 200000, 1));
	for (size_t i = 0; i < 3; i++) {
		gpai_error_init(&err);
		CHECK_ERR(GPAI_ENOTFOUND, reg_archive_write(exts[i], names, paths, 2, &err),
			  &err, "missing.bin");
		CHECK_INT(0, gpai_path_exists(exts[i]));
		CHECK_INT(0, count_temps("."));
	}
	CHECK_INT(0, t_write("old.tar", "old content", 11));
	CHECK(t_sha256_file("old.tar", before) == 0);
	CHECK_ERR(GPAI_ENOTFOUND, reg_archive_write("old.tar", names, paths, 2, &err),
		  &err, "missing.bin");
	CHECK(t_sha256_file("old.tar", after) == 0);
	CHECK(memcmp(before, after, SHA_LEN) == 0);
	CHECK_INT(0, count_temps("."));
}

TEST(write_refuses_bad_names)
{
	const char *paths[] = { "a.bin", "a.bin" };
	const char *abs[] = { "/etc/x" }, *up[] = { "a/../b" }, *dot[] = { "./a" };
	const char *dup[] = { "a", "a" };
	struct gpai_error err;

	CHECK_INT(0, write_pattern("a.bin", 10, 1));
	gpai_error_init(&err);
	CHECK_ERR(GPAI_EMISUSE, reg_archive_write("x.tar", abs, paths, 1, &err), &err, "/etc/x");
	CHECK_ERR(GPAI_EMISUSE, reg_archive_write("x.tar", up, paths, 1, &err), &err, "a/../b");
	CHECK_ERR(GPAI_EMISUSE, reg_archive_write("x.tar", dot, paths, 1, &err), &err, "./a");
	CHECK_ERR(GPAI_EMISUSE, reg_archive_write("x.tar", dup, paths, 2, &err), &err, "duplicate");
	CHECK_ERR(GPAI_EMISUSE, reg_archive_write("x.rar", dup, paths, 1, &err), &err, "x.rar");
	CHECK_INT(0, gpai_path_exists("x.tar"));
}

/* ---- unsafe archives ------------------------------------------------------ */

enum fmt { FMT_PAX, FMT_USTAR, FMT_ZIP };

struct spec {
	const char *name;
	mode_t type;        /* AE_IFREG, AE_IFLNK, ... */
	const char *link;   /* symlink target, or hardlink target if hard */
	int hard;
	size_t size;
};

/* Builds an archive with libarchive's writer, which writes whatever it is
 * told (absolute names, "..", links, devices). */
static int la_build(const char *out, enum fmt f, const struct spec *s, size_t n)
{
	struct archive *a = archive_write_new();
	unsigned char buf[4096];
	int ok = 1;

	if (f == FMT_ZIP)
		archive_write_set_format_zip(a);
	else if (f == FMT_USTAR)
		archive_write_set_format_ustar(a);
	else
		archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_none(a);
	if (archive_write_open_filename(a, out) != ARCHIVE_OK)
		ok = 0;
	for (size_t i = 0; ok && i < n; i++) {
		struct archive_entry *ae = archive_entry_new();

		archive_entry_copy_pathname(ae, s[i].name);
		archive_entry_set_filetype(ae, s[i].type);
		archive_entry_set_perm(ae, 0644);
		if (s[i].hard)
			archive_entry_copy_hardlink(ae, s[i].link);
		else if (s[i].link)
			archive_entry_copy_symlink(ae, s[i].link);
		if (s[i].type == AE_IFCHR || s[i].type == AE_IFBLK)
			archive_entry_set_rdev(ae, 0x0103);
		archive_entry_set_size(ae, s[i].type == AE_IFREG && !s[i].hard
						   ? (la_int64_t)s[i].size : 0);
		if (archive_write_header(a, ae) < ARCHIVE_WARN)
			ok = 0;
		for (size_t done = 0; ok && s[i].type == AE_IFREG && !s[i].hard && done < s[i].size;) {
			size_t k = s[i].size - done < sizeof(buf) ? s[i].size - done : sizeof(buf);

			pattern(buf, k, (unsigned)(done + i));
			if (archive_write_data(a, buf, k) != (la_ssize_t)k)
				ok = 0;
			done += k;
		}
		archive_entry_free(ae);
	}
	if (archive_write_close(a) != ARCHIVE_OK)
		ok = 0;
	archive_write_free(a);
	return ok ? 0 : -1;
}

/* The walk must fail with GPAI_EARCHIVE, name the entry and hand nothing
 * to the callback (the good entry before the bad one included). */
static void expect_refused(const char *archive, const struct reg_archive_limits *lim,
			   const char *needle)
{
	struct gpai_error err;
	struct got g;

	memset(&g, 0, sizeof(g));
	gpai_error_init(&err);
	CHECK_ERR(GPAI_EARCHIVE, reg_archive_walk(archive, lim, collect, &g, &err), &err, needle);
	if (!strstr(gpai_errmsg(&err), archive))
		t_fail(__FILE__, __LINE__, "message does not name '%s': %s", archive,
		       gpai_errmsg(&err));
	CHECK(strstr(gpai_errmsg(&err), archive) != NULL);
	CHECK_INT(0, g.calls);
}

#define GOOD { "good.bin", AE_IFREG, NULL, 0, 100 }

TEST(refuses_absolute_path)
{
	const struct spec s[] = { GOOD, { "/etc/evil", AE_IFREG, NULL, 0, 10 } };

	CHECK_INT(0, la_build("x.tar", FMT_PAX, s, 2));
	expect_refused("x.tar", NULL, "'/etc/evil'");
	CHECK_INT(0, la_build("x.zip", FMT_ZIP, s, 2));
	expect_refused("x.zip", NULL, "'/etc/evil'");
}

TEST(refuses_dotdot)
{
	const struct spec s[] = { GOOD, { "a/../../evil", AE_IFREG, NULL, 0, 10 } };
	const struct spec s2[] = { GOOD, { "..", AE_IFDIR, NULL, 0, 0 } };

	CHECK_INT(0, la_build("x.tar", FMT_PAX, s, 2));
	expect_refused("x.tar", NULL, "'a/../../evil'");
	CHECK_INT(0, la_build("x.zip", FMT_ZIP, s, 2));
	expect_refused("x.zip", NULL, "'a/../../evil'");
	/* a ".." directory entry is refused too, though directories are skipped */
	CHECK_INT(0, la_build("y.tar", FMT_PAX, s2, 2));
	expect_refused("y.tar", NULL, "'..'");
}

TEST(refuses_backslash)
{
	const struct spec s[] = { GOOD, { "..\\..\\evil", AE_IFREG, NULL, 0, 10 } };

	CHECK_INT(0, la_build("x.tar", FMT_PAX, s, 2));
	expect_refused("x.tar", NULL, "backslash");
}

TEST(refuses_symlink)
{
	const struct spec s[] = { GOOD, { "link", AE_IFLNK, "/etc/passwd", 0, 0 } };
	const struct spec in[] = { GOOD, { "inner", AE_IFLNK, "good.bin", 0, 0 } };

	CHECK_INT(0, la_build("x.tar", FMT_PAX, s, 2));
	expect_refused("x.tar", NULL, "'link'");
	CHECK_INT(0, la_build("x.zip", FMT_ZIP, s, 2));
	expect_refused("x.zip", NULL, "'link'");
	/* even one that stays inside the tree */
	CHECK_INT(0, la_build("y.tar", FMT_PAX, in, 2));
	expect_refused("y.tar", NULL, "'inner'");
}

TEST(refuses_symlink_from_gnu_tar)
{
	CHECK_INT(0, sh("mkdir s && echo hi > s/f && ln -s /etc/passwd s/l && "
			"tar -czf x.tar.gz -C s f l"));
	expect_refused("x.tar.gz", NULL, "'l'");
}

TEST(refuses_hardlink)
{
	const struct spec s[] = { GOOD, { "hard", AE_IFREG, "good.bin", 1, 0 } };

	CHECK_INT(0, la_build("x.tar", FMT_PAX, s, 2));
	expect_refused("x.tar", NULL, "'hard'");
}

TEST(refuses_devices_fifo)
{
	const struct spec c[] = { GOOD, { "chr", AE_IFCHR, NULL, 0, 0 } };
	const struct spec b[] = { GOOD, { "blk", AE_IFBLK, NULL, 0, 0 } };
	const struct spec f[] = { GOOD, { "fifo", AE_IFIFO, NULL, 0, 0 } };

	CHECK_INT(0, la_build("c.tar", FMT_PAX, c, 2));
	expect_refused("c.tar", NULL, "'chr'");
	CHECK_INT(0, la_build("b.tar", FMT_PAX, b, 2));
	expect_refused("b.tar", NULL, "'blk'");
	CHECK_INT(0, la_build("f.tar", FMT_PAX, f, 2));
	expect_refused("f.tar", NULL, "'fifo'");
}

/* Offsets in zip headers (PKWARE APPNOTE 4.3.7 and 4.3.12). */
#define ZIP_LOCAL_USIZE 22
#define ZIP_CENTRAL_USIZE 24
#define ZIP_CENTRAL_EXTATTR 38

static unsigned char *slurp(const char *path, size_t *n)
{
	char *data = NULL;
	struct gpai_error err;

	gpai_error_init(&err);
	if (gpai_read_file(path, 1 << 26, &data, n, &err) != 0)
		return NULL;
	return (unsigned char *)data;
}

/* Offset of the n-th (0-based) occurrence of sig, or -1. */
static long find_sig(const unsigned char *d, size_t len, const char *sig, int nth)
{
	for (size_t i = 0; i + 4 <= len; i++)
		if (memcmp(d + i, sig, 4) == 0 && nth-- == 0)
			return (long)i;
	return -1;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/* A socket cannot be put in a tar; in a zip it is the Unix mode kept in
 * the high half of the external attributes. */
TEST(refuses_socket_in_zip)
{
	const struct spec s[] = { GOOD, { "sock", AE_IFREG, NULL, 0, 0 } };
	unsigned char *d;
	size_t n;
	long at;

	CHECK_INT(0, la_build("x.zip", FMT_ZIP, s, 2));
	d = slurp("x.zip", &n);
	CHECK(d != NULL);
	at = find_sig(d, n, "PK\1\2", 1);
	CHECK(at >= 0);
	put_le32(d + at + ZIP_CENTRAL_EXTATTR, (uint32_t)(S_IFSOCK | 0644) << 16);
	CHECK_INT(0, t_write("x.zip", d, n));
	free(d);
	expect_refused("x.zip", NULL, "'sock'");
}

TEST(refuses_non_utf8_name)
{
	const struct spec s[] = { GOOD, { "caf\xe9.bin", AE_IFREG, NULL, 0, 10 } };

	CHECK_INT(0, la_build("x.tar", FMT_USTAR, s, 2));
	expect_refused("x.tar", NULL, "'caf\\xe9.bin'");
	CHECK_INT(0, la_build("x.zip", FMT_ZIP, s, 2));
	expect_refused("x.zip", NULL, "'caf\\xe9.bin'");
}

TEST(accepts_utf8_name_in_ustar)
{
	const struct spec s[] = { { "caf\xc3\xa9.bin", AE_IFREG, NULL, 0, 10 } };
	struct gpai_error err;
	struct got g;

	CHECK_INT(0, la_build("x.tar", FMT_USTAR, s, 1));
	memset(&g, 0, sizeof(g));
	gpai_error_init(&err);
	CHECK_OK(reg_archive_walk("x.tar", NULL, collect, &g, &err), &err);
	CHECK_INT(1, g.calls);
	CHECK_STR("caf\xc3\xa9.bin", g.name[0]);
}

TEST(refuses_entry_over_limit)
{
	const struct spec s[] = { GOOD, { "big.bin", AE_IFREG, NULL, 0, 2000 } };
	struct reg_archive_limits lim = { 1000, 0, 0 };

	CHECK_INT(0, la_build("x.tar", FMT_PAX, s, 2));
	expect_refused("x.tar", &lim, "'big.bin'");
	CHECK_INT(0, la_build("x.zip", FMT_ZIP, s, 2));
	expect_refused("x.zip", &lim, "'big.bin'");
}

TEST(refuses_total_over_limit)
{
	const struct spec s[] = { GOOD, { "one.bin", AE_IFREG, NULL, 0, 600 },
				  { "two.bin", AE_IFREG, NULL, 0, 600 } };
	struct reg_archive_limits lim = { 0, 1000, 0 };

	CHECK_INT(0, la_build("x.tar.gz", FMT_PAX, s, 3));
	expect_refused("x.tar.gz", &lim, "'two.bin'");
}

TEST(refuses_too_many_entries)
{
	const struct spec s[] = { GOOD, { "one.bin", AE_IFREG, NULL, 0, 1 },
				  { "two.bin", AE_IFREG, NULL, 0, 1 } };
	struct reg_archive_limits lim = { 0, 0, 2 };

	CHECK_INT(0, la_build("x.tar", FMT_PAX, s, 3));
	expect_refused("x.tar", &lim, "'two.bin'");
}

TEST(limits_that_fit_are_accepted)
{
	const struct spec s[] = { GOOD, { "one.bin", AE_IFREG, NULL, 0, 600 } };
	struct reg_archive_limits lim = { 600, 700, 2 };
	struct gpai_error err;
	struct got g;

	CHECK_INT(0, la_build("x.tar", FMT_PAX, s, 2));
	memset(&g, 0, sizeof(g));
	gpai_error_init(&err);
	CHECK_OK(reg_archive_walk("x.tar", &lim, collect, &g, &err), &err);
	CHECK_INT(2, g.calls);
}

TEST(refuses_duplicate_path)
{
	const struct spec s[] = { GOOD, { "a.bin", AE_IFREG, NULL, 0, 1 },
				  { "./a.bin", AE_IFREG, NULL, 0, 2 } };

	CHECK_INT(0, la_build("x.tar", FMT_PAX, s, 3));
	expect_refused("x.tar", NULL, "'a.bin'");
	CHECK_INT(0, la_build("x.zip", FMT_ZIP, s, 3));
	expect_refused("x.zip", NULL, "duplicate");
}

TEST(refuses_file_used_as_directory)
{
	const struct spec s[] = { GOOD, { "a", AE_IFREG, NULL, 0, 1 },
				  { "a/b", AE_IFREG, NULL, 0, 2 } };

	CHECK_INT(0, la_build("x.tar", FMT_PAX, s, 3));
	expect_refused("x.tar", NULL, "'a/b'");
}

/* Tar: the archive ends inside an entry's data. */
TEST(refuses_truncated_entry_data)
{
	const struct spec s[] = { GOOD, { "cut.bin", AE_IFREG, NULL, 0, 10000 } };

	CHECK_INT(0, la_build("x.tar", FMT_PAX, s, 2));
	/* good.bin: header + 1 block of data; cut.bin: header + 5000 bytes */
	CHECK_INT(0, truncate("x.tar", 512 * 3 + 5000));
	expect_refused("x.tar", NULL, "'cut.bin'");
	CHECK_INT(0, sh("gzip -c x.tar > y.tar.gz"));
	expect_refused("y.tar.gz", NULL, "'cut.bin'");
}

/* Tar: a header that claims less data than follows it. */
TEST(refuses_tar_data_longer_than_header)
{
	const struct spec s[] = { GOOD, { "long.bin", AE_IFREG, NULL, 0, 3000 } };
	unsigned char *d;
	size_t n;
	unsigned sum = 0;
	size_t h = 512 * 2; /* long.bin's header */

	CHECK_INT(0, la_build("x.tar", FMT_USTAR, s, 2));
	d = slurp("x.tar", &n);
	CHECK(d != NULL);
	CHECK(memcmp(d + h, "long.bin", 8) == 0);
	/* size field (offset 124, 12 octal digits): 1000 bytes instead of 3000 */
	memcpy(d + h + 124, "00000001750", 11);
	memset(d + h + 148, ' ', 8);
	for (size_t i = 0; i < 512; i++)
		sum += d[h + i];
	snprintf((char *)d + h + 148, 8, "%06o", sum);
	CHECK_INT(0, t_write("x.tar", d, n));
	free(d);
	expect_refused("x.tar", NULL, "'long.bin'");
}

/* Zip: the sizes in both headers say 1000 bytes, the stored data is 2000
 * (and the other way round). */
static void zip_patch_usize(const char *path, uint32_t usize)
{
	unsigned char *d;
	size_t n;
	long loc, cen;

	d = slurp(path, &n);
	CHECK(d != NULL);
	loc = find_sig(d, n, "PK\3\4", 1);
	cen = find_sig(d, n, "PK\1\2", 1);
	CHECK(loc >= 0 && cen >= 0);
	put_le32(d + loc + ZIP_LOCAL_USIZE, usize);
	put_le32(d + cen + ZIP_CENTRAL_USIZE, usize);
	CHECK_INT(0, t_write(path, d, n));
	free(d);
}

TEST(refuses_zip_size_mismatch)
{
	CHECK_INT(0, write_pattern("good.bin", 100, 1));
	CHECK_INT(0, write_pattern("odd.bin", 2000, 2));
	CHECK_INT(0, sh("zip -q -0 short.zip good.bin odd.bin && cp short.zip long.zip"));
	zip_patch_usize("short.zip", 3000);
	expect_refused("short.zip", NULL, "'odd.bin'");
	zip_patch_usize("long.zip", 1000);
	expect_refused("long.zip", NULL, "'odd.bin'");
}

/* Zip: a flipped data byte fails the CRC. */
TEST(refuses_zip_bad_crc)
{
	unsigned char *d;
	size_t n;
	long loc;

	CHECK_INT(0, write_pattern("good.bin", 100, 1));
	CHECK_INT(0, write_pattern("odd.bin", 2000, 2));
	CHECK_INT(0, sh("zip -q -0 x.zip good.bin odd.bin"));
	d = slurp("x.zip", &n);
	CHECK(d != NULL);
	loc = find_sig(d, n, "PK\3\4", 1);
	CHECK(loc >= 0);
	d[loc + 30 + 7 + 500] ^= 0x55; /* header 30 + name "odd.bin" + 500 */
	CHECK_INT(0, t_write("x.zip", d, n));
	free(d);
	expect_refused("x.zip", NULL, "'odd.bin'");
}

TEST(refuses_non_archive)
{
	struct gpai_error err;
	struct got g;

	memset(&g, 0, sizeof(g));
	CHECK_INT(0, t_write("plain.txt", "hello, world\n", 13));
	gpai_error_init(&err);
	CHECK_ERR(GPAI_EARCHIVE, reg_archive_walk("plain.txt", NULL, collect, &g, &err),
		  &err, "plain.txt");
	CHECK_ERR(GPAI_ENOTFOUND, reg_archive_walk("absent.tar", NULL, collect, &g, &err),
		  &err, "absent.tar");
	CHECK_INT(0, g.calls);
}

/* Only gzip, bzip2, xz and zstd: libarchive's other filters (lzma, uuencode,
 * and those that run external programs) are not offered to the input. */
TEST(refuses_other_compressions)
{
	struct gpai_error err;
	struct got g;

	CHECK_INT(0, make_src());
	CHECK_INT(0, sh("tar -cf x.tar -C src a.bin && xz --format=lzma -c x.tar > x.tar.lzma && "
			"/usr/bin/python3 -c 'import binascii,sys; d=open(\"x.tar\",\"rb\").read(); "
			"sys.stdout.write(\"begin 644 x.tar\\n\" + \"\".join(binascii.b2a_uu(d[i:i+45])"
			".decode() for i in range(0, len(d), 45)) + \"`\\nend\\n\")' > x.tar.uu"));
	memset(&g, 0, sizeof(g));
	gpai_error_init(&err);
	CHECK_OK(reg_archive_walk("x.tar", NULL, collect, &g, &err), &err);
	CHECK_INT(1, g.calls);
	memset(&g, 0, sizeof(g));
	CHECK_ERR(GPAI_EARCHIVE, reg_archive_walk("x.tar.lzma", NULL, collect, &g, &err),
		  &err, "x.tar.lzma");
	CHECK_ERR(GPAI_EARCHIVE, reg_archive_walk("x.tar.uu", NULL, collect, &g, &err),
		  &err, "x.tar.uu");
	CHECK_INT(0, g.calls);
	CHECK_INT(0, reg_archive_detect("x.tar.lzma"));
	CHECK_INT(0, reg_archive_detect("x.tar.uu"));
}

/* ---- the callback --------------------------------------------------------- */

TEST(callback_error_stops_the_walk)
{
	struct gpai_error err;
	struct got g;

	CHECK_INT(0, make_src());
	CHECK_INT(0, sh("tar -cf x.tar -C src a.bin sub"));
	memset(&g, 0, sizeof(g));
	g.stop_at = 2;
	gpai_error_init(&err);
	CHECK_ERR(GPAI_EIO, reg_archive_walk("x.tar", NULL, collect, &g, &err), &err, "x.tar");
	CHECK_INT(2, g.calls);
}

TEST(unread_data_is_still_checked)
{
	struct gpai_error err;
	struct got g;

	CHECK_INT(0, make_src());
	CHECK_INT(0, sh("tar -czf x.tar.gz -C src ."));
	memset(&g, 0, sizeof(g));
	g.no_read = 1;
	gpai_error_init(&err);
	CHECK_OK(reg_archive_walk("x.tar.gz", NULL, collect, &g, &err), &err);
	CHECK_INT(NSRC, g.calls);
	CHECK_U64(300001, g.size[find(&g, "a.bin")]);
}

/* ---- detection ------------------------------------------------------------ */

TEST(detects_archive_formats)
{
	static const unsigned char gguf[] = { 'G', 'G', 'U', 'F', 3, 0, 0, 0, 0, 0, 0, 0 };
	/* safetensors: 8-byte header length 0x8b1f (= gzip magic), then JSON */
	unsigned char st[64] = { 0x1f, 0x8b, 0, 0, 0, 0, 0, 0, '{', '}' };

	CHECK_INT(0, make_src());
	CHECK_INT(0, sh("tar -cf x.tar -C src . && gzip -c x.tar > x.tar.gz && "
			"zstd -q -c x.tar > x.tar.zst && xz -c x.tar > x.tar.xz && "
			"bzip2 -c x.tar > x.tar.bz2 && (cd src && zip -q -r ../x.zip .) && "
			"tar --format=v7 -cf v7.tar -C src a.bin && "
			"gzip -c src/a.bin > single.gz"));
	CHECK_INT(1, reg_archive_detect("x.tar"));
	CHECK_INT(1, reg_archive_detect("v7.tar"));
	CHECK_INT(1, reg_archive_detect("x.tar.gz"));
	CHECK_INT(1, reg_archive_detect("x.tar.zst"));
	CHECK_INT(1, reg_archive_detect("x.tar.xz"));
	CHECK_INT(1, reg_archive_detect("x.tar.bz2"));
	CHECK_INT(1, reg_archive_detect("x.zip"));
	CHECK_INT(0, t_write("m.gguf", gguf, sizeof(gguf)));
	CHECK_INT(0, reg_archive_detect("m.gguf"));
	CHECK_INT(0, t_write("m.safetensors", st, sizeof(st)));
	CHECK_INT(0, reg_archive_detect("m.safetensors"));
	CHECK_INT(0, t_write("plain.txt", "hello, world\n", 13));
	CHECK_INT(0, reg_archive_detect("plain.txt"));
	CHECK_INT(0, t_write("empty", "", 0));
	CHECK_INT(0, reg_archive_detect("empty"));
	CHECK_INT(0, reg_archive_detect("single.gz")); /* compressed, not a tar */
	CHECK_INT(0, reg_archive_detect("src/a.bin"));
	CHECK_INT(0, reg_archive_detect("absent"));
	CHECK_INT(0, reg_archive_detect("src"));
}
