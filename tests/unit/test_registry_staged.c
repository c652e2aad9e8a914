/* test_registry_staged.c - gpai_registry_add_staged: files a caller
 * already wrote and hashed are moved into the blob store (same inode, no
 * copy), held to their size, copied and checked when another link could
 * change them, and refused with nothing registered when they differ. */
#include "registry.h"
#include "harness.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* SHA-256 of "hello\n" (`printf 'hello\n' | sha256sum`) and of "abc"
 * (FIPS 180-2, appendix B.1). */
#define HELLO_SHA "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
#define ABC_SHA "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define HELLO_BLOB "r/objects/sha256/58/91b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
#define ABC_BLOB "r/objects/sha256/ba/7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

/* A registry r with a staging folder r/stage/m holding hello and sub/abc. */
static int stage(struct gpai_registry **reg, struct gpai_error *err)
{
	if (gpai_registry_init("r", reg, err))
		return -1;
	if (mkdir("r/stage", 0700) || mkdir("r/stage/m", 0700) || mkdir("r/stage/m/sub", 0700))
		return -1;
	return t_write("r/stage/m/hello", "hello\n", 6) || t_write("r/stage/m/sub/abc", "abc", 3);
}

static size_t n_versions(struct gpai_registry *reg)
{
	struct gpai_version *v = NULL;
	size_t n = 0;
	struct gpai_error err;

	gpai_error_init(&err);
	if (gpai_registry_list(reg, &v, &n, &err))
		return 999;
	gpai_versions_free(v, n);
	return n;
}

TEST(staged_files_are_moved_into_the_store_without_a_copy)
{
	struct gpai_registry *reg = NULL;
	struct gpai_staged_file f[2] = {
		{ "hello", "r/stage/m/hello", HELLO_SHA, 6 },
		{ "sub/abc", "r/stage/m/sub/abc", ABC_SHA, 3 },
	};
	struct gpai_add_opts o = { 0 }, o2 = { 0 };
	struct gpai_version v, w;
	struct gpai_fsck_report fr;
	struct gpai_error err;
	struct stat a, b, ba, bb;
	uint64_t hashed = 99;

	gpai_error_init(&err);
	CHECK_INT(0, stage(&reg, &err));
	CHECK_INT(0, stat(f[0].path, &a));
	CHECK_INT(0, stat(f[1].path, &b));
	o.path = "r/stage/m";
	o.name = "staged";
	CHECK_OK(gpai_registry_add_staged(reg, &o, f, 2, &hashed, &v, &err), &err);
	CHECK_U64(0, hashed);
	/* the blobs are the staged files themselves, read-only */
	CHECK_INT(0, stat(HELLO_BLOB, &ba));
	CHECK_INT(0, stat(ABC_BLOB, &bb));
	CHECK_U64((unsigned long long)a.st_ino, (unsigned long long)ba.st_ino);
	CHECK_U64((unsigned long long)b.st_ino, (unsigned long long)bb.st_ino);
	CHECK_INT(0, ba.st_mode & 0222);
	CHECK(access(f[0].path, F_OK) != 0);
	CHECK(access(f[1].path, F_OK) != 0);
	CHECK_U64(2, v.n_files);
	CHECK_U64(9, v.total_bytes);
	/* the same content added the ordinary way has the same root digest */
	CHECK_INT(0, mkdir("m", 0777) || mkdir("m/sub", 0777));
	CHECK_INT(0, t_write("m/hello", "hello\n", 6) || t_write("m/sub/abc", "abc", 3));
	o2.path = "m";
	CHECK_OK(gpai_registry_add(reg, &o2, &w, &err), &err);
	CHECK_STR(w.root_digest, v.root_digest);
	CHECK_OK(gpai_registry_fsck(reg, &fr, NULL, NULL, &err), &err);
	CHECK_INT(1, fr.clean);
	CHECK_U64(2, fr.blobs_checked);
	gpai_fsck_report_release(&fr);
	gpai_version_release(&v);
	gpai_version_release(&w);
	gpai_registry_close(reg);
}

TEST(a_staged_file_of_another_size_is_refused_and_nothing_registered)
{
	struct gpai_registry *reg = NULL;
	struct gpai_staged_file f[2] = {
		{ "hello", "r/stage/m/hello", HELLO_SHA, 6 },
		{ "sub/abc", "r/stage/m/sub/abc", ABC_SHA, 4 },
	};
	struct gpai_add_opts o = { 0 };
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_INT(0, stage(&reg, &err));
	o.path = "r/stage/m";
	CHECK_ERR(GPAI_EVERIFY, gpai_registry_add_staged(reg, &o, f, 2, NULL, NULL, &err), &err,
		  "staged file 'r/stage/m/sub/abc' is 3 bytes, not 4");
	CHECK_INT(0, (int)n_versions(reg));
	CHECK(access(HELLO_BLOB, F_OK) != 0);
	gpai_registry_close(reg);
}

TEST(a_file_with_another_link_is_copied_and_held_to_its_digest)
{
	struct gpai_registry *reg = NULL;
	struct gpai_staged_file good[1] = { { "hello", "r/stage/m/hello", HELLO_SHA, 6 } };
	/* the digest of "abc" claimed for "hello\n" */
	struct gpai_staged_file bad[1] = { { "hello", "r/stage/m/hello", ABC_SHA, 6 } };
	struct gpai_add_opts o = { 0 };
	struct gpai_error err;
	struct stat a, ba;
	uint64_t hashed = 0;

	gpai_error_init(&err);
	CHECK_INT(0, stage(&reg, &err));
	CHECK_INT(0, unlink("r/stage/m/sub/abc") || rmdir("r/stage/m/sub"));
	CHECK_INT(0, link("r/stage/m/hello", "other-name"));
	o.path = "r/stage/m";
	o.name = "linked";
	CHECK_ERR(GPAI_EVERIFY, gpai_registry_add_staged(reg, &o, bad, 1, &hashed, NULL, &err),
		  &err, "has SHA-256 " HELLO_SHA ", not " ABC_SHA);
	CHECK_U64(6, hashed);
	CHECK_INT(0, (int)n_versions(reg));
	CHECK_INT(0, stat("other-name", &a));
	CHECK_OK(gpai_registry_add_staged(reg, &o, good, 1, &hashed, NULL, &err), &err);
	CHECK_U64(6, hashed);
	CHECK_INT(0, stat(HELLO_BLOB, &ba));
	CHECK(a.st_ino != ba.st_ino); /* a copy: the other name cannot change the blob */
	CHECK_INT(1, (int)n_versions(reg));
	gpai_registry_close(reg);
}

TEST(malformed_names_and_digests_are_refused)
{
	struct gpai_registry *reg = NULL;
	struct gpai_staged_file up[1] = { { "../hello", "r/stage/m/hello", HELLO_SHA, 6 } };
	struct gpai_staged_file upper[1] = {
		{ "hello", "r/stage/m/hello",
		  "5891B5B522D5DF086D0FF0B110FBD9D21BB4FC7163AF34D08286A2E846F6BE03", 6 } };
	struct gpai_staged_file shortd[1] = { { "hello", "r/stage/m/hello", "5891b5", 6 } };
	struct gpai_staged_file missing[1] = { { "nope", "r/stage/m/nope", HELLO_SHA, 6 } };
	struct gpai_add_opts o = { 0 };
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_INT(0, stage(&reg, &err));
	o.path = "r/stage/m";
	CHECK_ERR(GPAI_EFORMAT, gpai_registry_add_staged(reg, &o, up, 1, NULL, NULL, &err), &err,
		  "'../hello' is not a relative path");
	CHECK_ERR(GPAI_EFORMAT, gpai_registry_add_staged(reg, &o, upper, 1, NULL, NULL, &err),
		  &err, "is not 64 lowercase hex digits");
	CHECK_ERR(GPAI_EFORMAT, gpai_registry_add_staged(reg, &o, shortd, 1, NULL, NULL, &err),
		  &err, "digest '5891b5' is not 64 lowercase hex digits");
	CHECK_ERR(GPAI_ENOTFOUND, gpai_registry_add_staged(reg, &o, missing, 1, NULL, NULL, &err),
		  &err, "cannot open 'r/stage/m/nope'");
	CHECK_ERR(GPAI_EFORMAT, gpai_registry_add_staged(reg, &o, up, 0, NULL, NULL, &err), &err,
		  "no staged files given");
	CHECK_INT(0, (int)n_versions(reg));
	CHECK_INT(0, access("r/stage/m/hello", F_OK)); /* nothing was moved */
	gpai_registry_close(reg);
}
