/* test_registry_catalogue.c - opening, schema migration, add through the
 * API, lookup of NAME / NAME@VER, and the syntax checks. */
#include "registry.h"
#include "harness.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>

/* SHA-256 of "hello\n" and of "" (FIPS 180-4; also `sha256sum`). */
#define HELLO_SHA "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"
#define EMPTY_SHA "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

TEST(init_then_open_and_init_twice_fails)
{
	struct gpai_registry *reg = NULL;
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_OK(gpai_registry_init("r", &reg, &err), &err);
	gpai_registry_close(reg);
	CHECK_ERR(GPAI_EEXIST, gpai_registry_init("r", &reg, &err), &err, "already a registry");
	CHECK_OK(gpai_registry_open("r", &reg, &err), &err);
	CHECK_STR("r", gpai_registry_dir(reg));
	gpai_registry_close(reg);
	CHECK_ERR(GPAI_ENOTFOUND, gpai_registry_open("nope", &reg, &err), &err,
		  "'nope' is not a gpai registry");
	gpai_registry_close(NULL);
}

TEST(schema_zero_migrates_forward)
{
	struct gpai_registry *reg = NULL;
	struct gpai_error err;
	sqlite3 *db;
	sqlite3_stmt *st;

	gpai_error_init(&err);
	/* A catalogue file at schema 0 (empty), as an older gpai would leave. */
	CHECK_INT(0, mkdir("old", 0777));
	CHECK_INT(SQLITE_OK, sqlite3_open("old/catalogue.db", &db));
	sqlite3_close(db);
	CHECK_OK(gpai_registry_open("old", &reg, &err), &err);
	gpai_registry_close(reg);
	CHECK_INT(SQLITE_OK, sqlite3_open("old/catalogue.db", &db));
	CHECK_INT(SQLITE_OK, sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL));
	CHECK_INT(SQLITE_ROW, sqlite3_step(st));
	CHECK_INT(GPAI_REG_SCHEMA_VERSION, sqlite3_column_int(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

TEST(add_lookup_files_through_the_api)
{
	struct gpai_registry *reg = NULL;
	struct gpai_add_opts o = { 0 };
	struct gpai_version v, w;
	struct gpai_file *f = NULL;
	struct gpai_error err;
	size_t n = 0;

	gpai_error_init(&err);
	CHECK_INT(0, mkdir("m", 0777));
	CHECK_INT(0, t_write("m/hello", "hello\n", 6));
	CHECK_INT(0, t_write("m/empty", "", 0));
	CHECK_OK(gpai_registry_init("r", &reg, &err), &err);
	o.path = "m";
	CHECK_OK(gpai_registry_add(reg, &o, &v, &err), &err);
	CHECK_STR("m", v.name);
	CHECK_STR("1", v.version);
	CHECK_U64(2, v.n_files);
	CHECK_U64(6, v.total_bytes);
	CHECK_STR("open-weight", v.access);
	CHECK_OK(gpai_registry_files(reg, &v, &f, &n, &err), &err);
	CHECK_INT(2, n);
	CHECK_STR("empty", f[0].relpath); /* manifest order */
	CHECK_STR(EMPTY_SHA, f[0].sha256);
	CHECK_STR(HELLO_SHA, f[1].sha256);
	CHECK_U64(6, f[1].size);
	gpai_files_free(f, n);
	CHECK_OK(gpai_registry_add(reg, &o, &w, &err), &err);
	CHECK_STR("2", w.version);
	CHECK_STR(v.root_digest, w.root_digest);
	gpai_version_release(&w);
	CHECK_OK(gpai_registry_lookup(reg, "m", &w, &err), &err);
	CHECK_STR("2", w.version);
	gpai_version_release(&w);
	CHECK_OK(gpai_registry_lookup(reg, "m@1", &w, &err), &err);
	CHECK_INT(v.id, w.id);
	gpai_version_release(&w);
	CHECK_ERR(GPAI_ENOTFOUND, gpai_registry_lookup(reg, "m@3", &w, &err), &err,
		  "no version or alias '3' of model 'm'");
	CHECK_ERR(GPAI_EFORMAT, gpai_registry_lookup(reg, "@1", &w, &err), &err,
		  "malformed reference");
	gpai_version_release(&v);
	gpai_registry_close(reg);
}

TEST(no_files_version_has_no_files)
{
	struct gpai_registry *reg = NULL;
	struct gpai_add_opts o = { 0 };
	struct gpai_version v;
	struct gpai_file *f = NULL;
	struct gpai_error err;
	size_t n = 0;

	gpai_error_init(&err);
	CHECK_OK(gpai_registry_init("r", &reg, &err), &err);
	o.no_files = 1;
	o.name = "api-model";
	CHECK_ERR(GPAI_EMISUSE, gpai_registry_add(reg, &o, &v, &err), &err, "needs --access");
	o.access = "api";
	CHECK_OK(gpai_registry_add(reg, &o, &v, &err), &err);
	CHECK_INT(0, v.has_files);
	CHECK_STR("", v.root_digest);
	CHECK_ERR(GPAI_ENOTFOUND, gpai_registry_files(reg, &v, &f, &n, &err), &err,
		  "'api-model@1' has no files (registered with --no-files)");
	gpai_version_release(&v);
	gpai_registry_close(reg);
}

TEST(syntax_checks)
{
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_OK(gpai_registry_check_name("llama-3.1_8B", &err), &err);
	CHECK_ERR(GPAI_EFORMAT, gpai_registry_check_name(".hidden", &err), &err, "invalid model name");
	CHECK_ERR(GPAI_EFORMAT, gpai_registry_check_name("", &err), &err, "invalid model name");
	CHECK_OK(gpai_registry_check_version("v1.0-rc1", &err), &err);
	CHECK_ERR(GPAI_EFORMAT, gpai_registry_check_version("1@2", &err), &err, "invalid version");
	CHECK_OK(gpai_registry_check_license("MIT", &err), &err);
	CHECK_OK(gpai_registry_check_license("(MIT OR Apache-2.0) AND BSD-2-Clause", &err), &err);
	CHECK_ERR(GPAI_EFORMAT, gpai_registry_check_license("DocumentRef-x:LicenseRef-y", &err), &err,
		  "unknown licence 'DocumentRef-x:LicenseRef-y'");
	CHECK_ERR(GPAI_EFORMAT, gpai_registry_check_license("Frobnicate-1.0 WITH x", &err), &err,
		  "docs/openness.md");
	CHECK_OK(gpai_registry_check_license("GPL-2.0+ WITH Classpath-exception-2.0", &err), &err);
	CHECK_ERR(GPAI_EFORMAT, gpai_registry_check_license("MIT AND", &err), &err, "invalid licence");
	CHECK_ERR(GPAI_EFORMAT, gpai_registry_check_license("MIT)", &err), &err, "invalid licence");
	CHECK_ERR(GPAI_EFORMAT, gpai_registry_check_license("GPL+2.0", &err), &err, "invalid licence");
	CHECK_ERR(GPAI_EFORMAT, gpai_registry_check_license("", &err), &err, "invalid licence");
	CHECK_OK(gpai_registry_check_relation("quantized", &err), &err);
	CHECK_ERR(GPAI_EFORMAT, gpai_registry_check_relation("copy", &err), &err, "invalid relation");
}
