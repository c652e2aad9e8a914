/* test_registry_unpack.c - gpai_registry_archive_unpack, the reader behind
 * gpai pull's tar layers: archives made by GNU tar (plain, gzip, zstd)
 * unpack to files whose SHA-256 (OpenSSL EVP, computed here) equals the
 * sources'; a second archive never overwrites what a first one gave, a
 * file cannot become a directory, and a refused archive writes nothing. */
#include "registry.h"
#include "harness.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


#define SHA_LEN 32

/* 1 when a and b have the same SHA-256. */
static int same_file(const char *a, const char *b)
{
	unsigned char x[SHA_LEN], y[SHA_LEN];

	return t_sha256_file(a, x) == 0 && t_sha256_file(b, y) == 0 && memcmp(x, y, SHA_LEN) == 0;
}

/* Entries of dir other than . and .. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* src/w.bin (70001 bytes), src/sub/tok.bin, src/README.md */
static int make_src(void)
{
	unsigned char big[70001];
	uint32_t x = 2463534242u;

	for (size_t i = 0; i < sizeof(big); i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		big[i] = (unsigned char)x;
	}
	return mkdir("src", 0755) || mkdir("src/sub", 0755) ||
	       t_write("src/w.bin", big, sizeof(big)) ||
	       t_write("src/sub/tok.bin", "tokens\n", 7) ||
	       t_write("src/README.md", "# model\n", 8);
}

static void check_unpacked(const char *cmd, const char *archive)
{
	struct gpai_error err;
	uint64_t bytes = 0;

	gpai_error_init(&err);
	CHECK_INT(0, make_src());
	CHECK_INT(0, system(cmd));
	CHECK_INT(0, mkdir("out", 0755));
	CHECK_OK(gpai_registry_archive_unpack(archive, "out", &bytes, &err), &err);
	CHECK(same_file("src/w.bin", "out/w.bin"));
	CHECK(same_file("src/sub/tok.bin", "out/sub/tok.bin"));
	CHECK(same_file("src/README.md", "out/README.md"));
	CHECK_U64(70001 + 7 + 8, bytes);
	CHECK_INT(3, count_entries("out"));
}

TEST(tar_unpacks_to_the_same_files)
{
	check_unpacked("cd src && tar -cf ../a.tar w.bin sub README.md", "a.tar");
}

TEST(tar_gzip_unpacks_to_the_same_files)
{
	check_unpacked("cd src && tar -czf ../a.tgz w.bin sub README.md", "a.tgz");
}

TEST(tar_zstd_unpacks_to_the_same_files)
{
	check_unpacked("cd src && tar --zstd -cf ../a.tar.zst w.bin sub README.md", "a.tar.zst");
}

TEST(a_second_archive_never_overwrites)
{
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_INT(0, make_src());
	CHECK_INT(0, system("cd src && tar -cf ../one.tar README.md && "
			    "echo changed >README.md && tar -cf ../two.tar README.md"));
	CHECK_INT(0, mkdir("out", 0755));
	CHECK_OK(gpai_registry_archive_unpack("one.tar", "out", NULL, &err), &err);
	CHECK_ERR(GPAI_EEXIST, gpai_registry_archive_unpack("two.tar", "out", NULL, &err), &err,
		  "entry 'README.md' is there already");
	CHECK_INT(0, system("printf '# model\\n' | cmp -s - out/README.md"));
}

TEST(a_file_cannot_become_a_directory)
{
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_INT(0, make_src());
	CHECK_INT(0, system("cd src && tar -cf ../one.tar w.bin && mkdir -p x/w.bin && "
			    "echo y >x/w.bin/inner && cd x && tar -cf ../../two.tar w.bin/inner"));
	CHECK_INT(0, mkdir("out", 0755));
	CHECK_OK(gpai_registry_archive_unpack("one.tar", "out", NULL, &err), &err);
	CHECK(gpai_registry_archive_unpack("two.tar", "out", NULL, &err) != GPAI_OK);
	CHECK(strstr(gpai_errmsg(&err), "w.bin") != NULL);
	CHECK(same_file("src/w.bin", "out/w.bin"));
}

TEST(a_refused_archive_writes_nothing)
{
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_INT(0, make_src());
	/* a good file first, then a symbolic link: refused in the first pass */
	CHECK_INT(0, system("cd src && ln -s /etc/passwd link && tar -cf ../bad.tar README.md link"));
	CHECK_INT(0, mkdir("out", 0755));
	CHECK_ERR(GPAI_EARCHIVE, gpai_registry_archive_unpack("bad.tar", "out", NULL, &err), &err,
		  "link");
	CHECK_INT(0, count_entries("out"));
}
