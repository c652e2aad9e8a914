/* test_oci_sink.c - the digest-checking download sink of oci/blob.c: a
 * file is kept only when the SHA-256 and size of what was written equal
 * the descriptor's; a wrong digest, a wrong size or a write error leaves
 * nothing behind; a repeated request starts the file and the hash over;
 * a stream longer than the writer thread's buffers keeps its order; a
 * memory sink stops at its cap. */
#include "oci_private.h"
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* SHA-256 of "abc" (FIPS 180-2, appendix B.1) and of the 1,000,000 bytes
 * "a" (appendix B.3). */
#define ABC_DIGEST "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define MILLION_A_DIGEST "sha256:cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
#define MILLION 1000000

/* Feeds data in pieces of `step` bytes, as libcurl's callback would. */
static int feed(struct oci_sink *s, const char *data, size_t n, size_t step)
{
	for (size_t off = 0; off < n; off += step)
		if (oci_sink_put(s, data + off, n - off < step ? n - off : step))
			return -1;
	return 0;
}

TEST(a_matching_stream_is_kept_byte_for_byte)
{
	struct oci_sink s;
	struct gpai_error err;
	char *a = malloc(MILLION), *back = NULL;
	size_t len = 0;

	gpai_error_init(&err);
	CHECK(a != NULL);
	memset(a, 'a', MILLION);
	CHECK_OK(oci_sink_file_open(&s, "layer", &err), &err);
	CHECK_INT(0, feed(&s, a, MILLION, 16384));
	CHECK_U64(MILLION, s.n);
	CHECK_OK(oci_sink_file_close(&s, "layer", MILLION_A_DIGEST, MILLION, "weights.bin",
				     "127.0.0.1:5000", &err), &err);
	CHECK_OK(gpai_read_file("layer", 2 * MILLION, &back, &len, &err), &err);
	CHECK_U64(MILLION, len);
	CHECK_INT(0, memcmp(a, back, MILLION));
	free(a);
	free(back);
}

TEST(a_wrong_digest_is_refused_and_the_file_removed)
{
	struct oci_sink s;
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_OK(oci_sink_file_open(&s, "layer", &err), &err);
	CHECK_INT(0, feed(&s, "abd", 3, 1)); /* one byte off "abc" */
	CHECK_ERR(GPAI_EVERIFY, oci_sink_file_close(&s, "layer", ABC_DIGEST, 3, "w.bin", "reg:5000",
						    &err), &err,
		  "layer 'w.bin' from registry 'reg:5000' has digest sha256:");
	CHECK(strstr(gpai_errmsg(&err), "not " ABC_DIGEST " as its descriptor says") != NULL);
	CHECK(access("layer", F_OK) != 0 && errno == ENOENT);
}

TEST(a_wrong_size_is_refused_and_the_file_removed)
{
	struct oci_sink s;
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_OK(oci_sink_file_open(&s, "layer", &err), &err);
	CHECK_INT(0, feed(&s, "abc", 3, 2));
	/* the digest matches, the descriptor's size does not */
	CHECK_ERR(GPAI_EVERIFY, oci_sink_file_close(&s, "layer", ABC_DIGEST, 4, "w.bin", "reg",
						    &err), &err,
		  "layer 'w.bin' from registry 'reg' is 3 bytes, not 4 as its descriptor says");
	CHECK(access("layer", F_OK) != 0);
}

TEST(a_repeated_request_starts_the_file_and_the_hash_over)
{
	struct oci_sink s;
	struct gpai_error err;
	char *back = NULL;
	size_t len = 0;

	gpai_error_init(&err);
	CHECK_OK(oci_sink_file_open(&s, "layer", &err), &err);
	CHECK_INT(0, feed(&s, "an error page", 13, 5)); /* e.g. the body of a 401 */
	CHECK_OK(oci_sink_reset(&s, &err), &err);
	CHECK_U64(0, s.n);
	CHECK_INT(0, feed(&s, "abc", 3, 3));
	CHECK_OK(oci_sink_file_close(&s, "layer", ABC_DIGEST, 3, "w", "reg", &err), &err);
	CHECK_OK(gpai_read_file("layer", 100, &back, &len, &err), &err);
	CHECK_U64(3, len);
	CHECK_INT(0, memcmp(back, "abc", 3));
	free(back);
}

TEST(an_existing_file_is_not_overwritten)
{
	struct oci_sink s;
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_INT(0, t_write("layer", "keep", 4));
	CHECK_ERR(GPAI_EIO, oci_sink_file_open(&s, "layer", &err), &err, "cannot create 'layer'");
	CHECK_INT(0, access("layer", F_OK));
}

TEST(a_write_error_is_reported_and_nothing_left)
{
	struct oci_sink s;
	struct gpai_error err;
	struct rlimit old, small;
	int rc;

	gpai_error_init(&err);
	/* a file size limit of 2 bytes: the third byte's write fails (EFBIG),
	 * as on a full disk */
	CHECK_INT(0, getrlimit(RLIMIT_FSIZE, &old));
	small = old;
	small.rlim_cur = 2;
	signal(SIGXFSZ, SIG_IGN);
	CHECK_OK(oci_sink_file_open(&s, "layer", &err), &err);
	CHECK_INT(0, setrlimit(RLIMIT_FSIZE, &small));
	/* the writer thread writes later: the error shows at the latest at close */
	oci_sink_put(&s, "abc", 3);
	rc = oci_sink_file_close(&s, "layer", ABC_DIGEST, 3, "w", "reg", &err);
	setrlimit(RLIMIT_FSIZE, &old);
	CHECK_ERR(GPAI_EIO, rc, &err, "cannot write 'layer'");
	CHECK(access("layer", F_OK) != 0);
}

TEST(a_stream_of_many_buffers_is_hashed_in_order)
{
	/* 5 MiB + 123 bytes of an LCG (several of the writer's buffers, an
	 * odd tail), fed in pieces of 16 KiB and 1 byte; the digest computed
	 * here in one EVP call */
	size_t n = (5u << 20) + 123;
	unsigned char *data = malloc(n);
	uint32_t x = 12345;
	char want[72];
	struct oci_sink s;
	struct gpai_error err;
	char *back = NULL;
	size_t len = 0;

	gpai_error_init(&err);
	CHECK(data != NULL);
	for (size_t i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (unsigned char)(x >> 16);
	}
	oci_sha256_digest(data, n, want);
	CHECK_OK(oci_sink_file_open(&s, "layer", &err), &err);
	CHECK_INT(0, feed(&s, (const char *)data, 3u << 20, 7)); /* a first attempt */
	CHECK_OK(oci_sink_reset(&s, &err), &err);                /* answered a 401 */
	CHECK_INT(0, feed(&s, (const char *)data, 1, 1));
	CHECK_INT(0, feed(&s, (const char *)data + 1, n - 1, 16384));
	CHECK_OK(oci_sink_file_close(&s, "layer", want, n, "w", "reg", &err), &err);
	CHECK_OK(gpai_read_file("layer", 2 * n, &back, &len, &err), &err);
	CHECK_U64(n, len);
	CHECK_INT(0, memcmp(data, back, n));
	free(back);
	free(data);
}

TEST(a_memory_sink_stops_at_its_cap)
{
	struct gpai_buf b;
	struct oci_sink s;

	gpai_buf_init(&b);
	memset(&s, 0, sizeof(s));
	s.mem = &b;
	s.max = 5;
	CHECK_INT(0, oci_sink_put(&s, "abc", 3));
	CHECK_INT(-1, oci_sink_put(&s, "def", 3));
	CHECK_INT(1, s.overflow);
	CHECK_U64(3, b.len);
	CHECK_U64(3, s.n);
	gpai_buf_release(&b);
}
