/* test_registry_store.c - the blob store through the API: dedup, gc of
 * removed versions, fsck findings, tmp leftovers, export round trip. */
#include "registry.h"
#include "harness.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* SHA-256 of "hello\n" (FIPS 180-4; `printf 'hello\n' | sha256sum`). */
#define HELLO_SHA "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
#define HELLO_BLOB "r/objects/sha256/58/91b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"

static int setup(struct gpai_registry **reg, struct gpai_error *err)
{
	struct gpai_add_opts o = { 0 };

	if (mkdir("m", 0777) || t_write("m/hello", "hello\n", 6) || t_write("m/b", "bb", 2))
		return -1;
	if (gpai_registry_init("r", reg, err))
		return -1;
	o.path = "m";
	if (gpai_registry_add(*reg, &o, NULL, err) || gpai_registry_add(*reg, &o, NULL, err))
		return -1;
	return 0;
}

TEST(identical_files_are_stored_once_and_gc_keeps_referenced)
{
	struct gpai_registry *reg = NULL;
	struct gpai_gc_result g;
	struct gpai_error err;
	struct stat st;

	gpai_error_init(&err);
	CHECK_OK(setup(&reg, &err), &err);
	CHECK_INT(0, stat(HELLO_BLOB, &st));
	CHECK_INT(6, st.st_size);
	CHECK_INT(0, st.st_mode & 0222); /* blobs are read-only */
	CHECK_OK(gpai_registry_rm(reg, "m@1", &err), &err);
	CHECK_OK(gpai_registry_gc(reg, &g, &err), &err);
	CHECK_U64(0, g.blobs_removed); /* m@2 still holds both */
	CHECK_U64(2, g.blobs_kept);
	CHECK_OK(gpai_registry_rm(reg, "m@2", &err), &err);
	CHECK_OK(gpai_registry_gc(reg, &g, &err), &err);
	CHECK_U64(2, g.blobs_removed);
	CHECK_U64(8, g.bytes_removed);
	CHECK(stat(HELLO_BLOB, &st) != 0);
	gpai_registry_close(reg);
}

TEST(fsck_finds_corrupt_missing_orphan_and_stray)
{
	struct gpai_registry *reg = NULL;
	struct gpai_fsck_report r;
	struct gpai_add_opts o = { 0 };
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_OK(setup(&reg, &err), &err);
	CHECK_OK(gpai_registry_fsck(reg, &r, NULL, NULL, &err), &err);
	CHECK_INT(1, r.clean);
	CHECK_STR("ok", r.integrity);
	CHECK_U64(2, r.blobs_checked);
	CHECK_U64(8, r.bytes_checked);
	gpai_fsck_report_release(&r);

	CHECK_INT(0, chmod(HELLO_BLOB, 0644));
	CHECK_INT(0, t_write(HELLO_BLOB, "HELLO\n", 6));
	CHECK_INT(0, mkdir("o", 0777));
	CHECK_INT(0, t_write("o/x", "orphan", 6));
	o.path = "o";
	CHECK_OK(gpai_registry_add(reg, &o, NULL, &err), &err);
	CHECK_OK(gpai_registry_rm(reg, "o@1", &err), &err);
	CHECK_INT(0, t_write("r/objects/sha256/stray", "x", 1));
	CHECK_OK(gpai_registry_fsck(reg, &r, NULL, NULL, &err), &err);
	CHECK_INT(0, r.clean);
	CHECK_INT(1, r.n_corrupt);
	CHECK_STR(HELLO_SHA, r.corrupt[0]);
	CHECK_INT(1, r.n_orphans);
	CHECK_INT(1, r.n_strays);
	CHECK(strstr(r.strays[0], "objects/sha256/stray") != NULL);
	gpai_fsck_report_release(&r);

	CHECK_INT(0, unlink(HELLO_BLOB));
	CHECK_INT(0, unlink("r/objects/sha256/stray"));
	CHECK_OK(gpai_registry_fsck(reg, &r, NULL, NULL, &err), &err);
	CHECK_INT(0, r.clean);
	CHECK_INT(1, r.n_missing);
	CHECK_STR(HELLO_SHA, r.missing[0]);
	gpai_fsck_report_release(&r);
	gpai_registry_close(reg);
}

TEST(leftover_tmp_files_go_with_the_next_write)
{
	struct gpai_registry *reg = NULL;
	struct gpai_error err;
	struct stat st;

	gpai_error_init(&err);
	CHECK_OK(setup(&reg, &err), &err);
	gpai_registry_close(reg);
	CHECK_INT(0, t_write("r/tmp/999-0.blob", "partial", 7));
	CHECK_OK(gpai_registry_open("r", &reg, &err), &err);
	CHECK_INT(0, stat("r/tmp/999-0.blob", &st)); /* opening is no write */
	CHECK_OK(gpai_registry_alias_set(reg, "m@1", "prod", &err), &err);
	CHECK(stat("r/tmp/999-0.blob", &st) != 0);
	gpai_registry_close(reg);
}

TEST(export_round_trip_keeps_the_root_digest)
{
	struct gpai_registry *reg = NULL;
	struct gpai_add_opts o = { 0 };
	struct gpai_version a, b;
	struct gpai_error err;
	char *prov = NULL;

	gpai_error_init(&err);
	CHECK_OK(setup(&reg, &err), &err);
	CHECK_OK(gpai_registry_export(reg, "m@1", "out", &err), &err);
	CHECK_OK(gpai_registry_export(reg, "m@1", "out.tar", &err), &err);
	o.path = "out";
	o.name = "back";
	CHECK_OK(gpai_registry_add(reg, &o, &b, &err), &err);
	CHECK_OK(gpai_registry_lookup(reg, "m@1", &a, &err), &err);
	CHECK_STR(a.root_digest, b.root_digest);
	CHECK_U64(2, b.n_files); /* provenance.json skipped */
	gpai_version_release(&b);
	o.path = "out.tar";
	o.name = "back-tar";
	CHECK_OK(gpai_registry_add(reg, &o, &b, &err), &err);
	CHECK_STR(a.root_digest, b.root_digest);
	CHECK_OK(gpai_registry_provenance(reg, &a, &prov, &err), &err);
	CHECK(strstr(prov, a.root_digest) != NULL);
	CHECK(strstr(prov, HELLO_SHA) != NULL);
	free(prov);
	CHECK_ERR(GPAI_EEXIST, gpai_registry_export(reg, "m@1", "out", &err), &err,
		  "exists and is not empty");
	gpai_version_release(&a);
	gpai_version_release(&b);
	gpai_registry_close(reg);
}
