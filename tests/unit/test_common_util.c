/* test_common_util.c - strings, numbers, UTF-8, hex, base64, files, errors. */
#include "common.h"
#include "harness.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

TEST(parse_numbers_are_strict)
{
	uint64_t u;
	int64_t i;
	double d;

	CHECK_INT(GPAI_OK, gpai_parse_u64("18446744073709551615", &u));
	CHECK_U64(18446744073709551615ULL, u);
	CHECK_INT(GPAI_EFORMAT, gpai_parse_u64("18446744073709551616", &u));
	CHECK_INT(GPAI_EFORMAT, gpai_parse_u64("-1", &u));
	CHECK_INT(GPAI_EFORMAT, gpai_parse_u64("12x", &u));
	CHECK_INT(GPAI_EFORMAT, gpai_parse_u64("", &u));
	CHECK_INT(GPAI_EFORMAT, gpai_parse_u64(" 1", &u));
	CHECK_INT(GPAI_OK, gpai_parse_i64("-42", &i));
	CHECK_INT(-42, i);
	CHECK_INT(GPAI_OK, gpai_parse_double("3.8e25", &d));
	CHECK_NEAR(3.8e25, d, 1e10);
	CHECK_INT(GPAI_EFORMAT, gpai_parse_double("nan", &d));
	CHECK_INT(GPAI_EFORMAT, gpai_parse_double("1e999", &d));
}

TEST(utf8_validation_rejects_overlongs_and_surrogates)
{
	CHECK(gpai_utf8_valid("plain", 5));
	CHECK(gpai_utf8_valid("\xe2\x96\x81", 3));         /* U+2581 */
	CHECK(gpai_utf8_valid("\xf0\x9f\x98\x80", 4));     /* U+1F600 */
	CHECK(!gpai_utf8_valid("\xc0\xaf", 2));            /* overlong '/' */
	CHECK(!gpai_utf8_valid("\xed\xa0\x80", 3));        /* surrogate */
	CHECK(!gpai_utf8_valid("\xf4\x90\x80\x80", 4));    /* > U+10FFFF */
	CHECK(!gpai_utf8_valid("\xe2\x96", 2));            /* truncated */
	CHECK(!gpai_utf8_valid("\xff", 1));
}

TEST(hex_round_trip)
{
	unsigned char in[4] = { 0x00, 0xab, 0x10, 0xff }, back[4];
	char hex[9];

	gpai_hex_encode(in, 4, hex);
	CHECK_STR("00ab10ff", hex);
	CHECK_INT(GPAI_OK, gpai_hex_decode("00AB10ff", back, 4));
	CHECK(memcmp(in, back, 4) == 0);
	CHECK_INT(GPAI_EFORMAT, gpai_hex_decode("00ab10f", back, 4));
	CHECK_INT(GPAI_EFORMAT, gpai_hex_decode("00ab10fg", back, 4));
}

TEST(base64_matches_rfc4648_vectors)
{
	/* RFC 4648 section 10 test vectors. */
	static const char *plain[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *enc[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };

	for (int i = 0; i < 7; i++) {
		char *e = gpai_base64_encode((const unsigned char *)plain[i], strlen(plain[i]));
		unsigned char *d;
		size_t n;

		CHECK_STR(enc[i], e);
		d = gpai_base64_decode(e, strlen(e), &n);
		free(e);
		CHECK(d != NULL);
		CHECK_INT(strlen(plain[i]), n);
		CHECK(memcmp(d, plain[i], n) == 0);
		free(d);
	}
	/* URL-safe alphabet and missing padding are accepted on decode. */
	{
		size_t n;
		unsigned char *d = gpai_base64_decode("-_8", 3, &n);

		CHECK(d != NULL);
		CHECK_INT(2, n);
		CHECK_INT(0xfb, d[0]);
		CHECK_INT(0xff, d[1]);
		free(d);
	}
}

TEST(buf_and_strings)
{
	struct gpai_buf b;
	char small[4];
	char *s;

	gpai_buf_init(&b);
	CHECK_INT(GPAI_OK, gpai_buf_puts(&b, "a"));
	for (int i = 0; i < 100; i++)
		CHECK_INT(GPAI_OK, gpai_buf_printf(&b, "%d", i % 10));
	CHECK_INT(101, b.len);
	s = gpai_buf_detach(&b);
	CHECK(s[0] == 'a' && s[100] == '9' && s[101] == '\0');
	free(s);
	CHECK_INT(5, gpai_strlcpy(small, "hello", sizeof(small)));
	CHECK_STR("hel", small);
	s = gpai_path_join("dir/", "f");
	CHECK_STR("dir/f", s);
	free(s);
}

TEST(files_atomic_write_and_read)
{
	struct gpai_error err;
	struct gpai_map m;
	struct stat st;
	char *data;
	size_t n;

	gpai_error_init(&err);
	CHECK_OK(gpai_mkdir_p("a/b/c", 0755, &err), &err);
	CHECK(gpai_is_dir("a/b/c"));
	CHECK_OK(gpai_write_file_atomic("a/b/c/f", "content", 7, 0600, &err), &err);
	CHECK_INT(0, stat("a/b/c/f", &st));
	CHECK_INT(0600, st.st_mode & 0777);
	CHECK_OK(gpai_read_file("a/b/c/f", 100, &data, &n, &err), &err);
	CHECK_INT(7, n);
	CHECK_STR("content", data);
	free(data);
	CHECK_ERR(GPAI_EFORMAT, gpai_read_file("a/b/c/f", 3, &data, &n, &err), &err, "too large");
	CHECK_ERR(GPAI_ENOTFOUND, gpai_read_file("nope", 3, &data, &n, &err), &err, "'nope'");
	CHECK_OK(gpai_map_open(&m, "a/b/c/f", &err), &err);
	CHECK_INT(7, m.size);
	CHECK(memcmp(m.data, "content", 7) == 0);
	gpai_map_close(&m);
	CHECK_ERR(GPAI_EIO, gpai_mkdir_p("a/b/c/f/g", 0755, &err), &err, "a/b/c/f");
}

/* The VmFlags line of the mapping that holds p in /proc/self/smaps, or ""
 * (into out). */
static void vm_flags_of(const void *p, char *out, size_t n)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	int in = 0;

	out[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (in && strncmp(line, "VmFlags:", 8) == 0)
			snprintf(out, n, "%s", line);
	}
	if (f)
		fclose(f);
}

/* gpai_map_prefault asks for huge pages for the weights it maps in (on a
 * Linux kernel with transparent huge pages: VmFlags "hg"), and the bytes
 * read back are the file's. */
TEST(files_map_prefault_asks_for_huge_pages)
{
	const size_t n = ((size_t)5 << 20) + 12345;
	struct gpai_error err;
	struct gpai_map m;
	unsigned char *data = malloc(n);
	char flags[512];
	size_t bad = 0;

	gpai_error_init(&err);
	CHECK(data != NULL);
	for (size_t i = 0; i < n; i++)
		data[i] = (unsigned char)(i * 2654435761u >> 13);
	CHECK_OK(gpai_write_file_atomic("big", data, n, 0600, &err), &err);
	CHECK_OK(gpai_map_open(&m, "big", &err), &err);
	CHECK_INT(n, m.size);
	gpai_map_prefault(&m);
	vm_flags_of(m.data, flags, sizeof(flags));
	if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) == 0)
		CHECK(strstr(flags, " hg") != NULL);
	for (size_t i = 0; i < n; i++)
		bad += m.data[i] != data[i];
	CHECK_INT(0, bad);
	gpai_map_close(&m);
	free(data);
}

TEST(errors_carry_context)
{
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_STR("success", gpai_errmsg(&err));
	CHECK_INT(GPAI_EFORMAT, gpai_error_set(&err, GPAI_EFORMAT, "bad field '%s'", "x"));
	CHECK_INT(GPAI_EFORMAT, gpai_error_prefix(&err, "reading '%s'", "f.json"));
	CHECK_STR("reading 'f.json': bad field 'x'", gpai_errmsg(&err));
	CHECK_STR("not found", gpai_strerror(GPAI_ENOTFOUND));
}
