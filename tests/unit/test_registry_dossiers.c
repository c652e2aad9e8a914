/* test_registry_dossiers.c - the kept dossiers of registry/dossiers.c:
 * numbers reserved by concurrent processes never collide, a reservation is
 * not listed until stored, a number is filled once, the document comes back
 * byte for byte and a changed blob is refused, fsck names a bad one, and rm
 * plus gc remove the history and its document. */
#include "registry.h"
#include "harness.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A dossier document and its SHA-256 (computed with sha256sum over these
 * 26 bytes, no newline). */
#define DOC "{\"schema_version\":1,\"n\":2}"
#define DOC_SHA "a8eedc15921a24e06a8225e19a0ae7a0f235c13a41d0f6686b9f8d86bbe02a14"
/* A JSON text that is not a dossier and its SHA-256 (sha256sum). */
#define NOTDOC "[1, 2]"
#define NOTDOC_SHA "3a316d6d3226f84c1e46e4447fa8d5fd800bff4a1bc6498152523cd4a602b69b"
/* Reservations each of two processes takes at once. */
#define RACE_EACH 20

/* A registry "r" with a --no-files version m@1 in *v. */
static int setup(struct gpai_registry **reg, struct gpai_version *v, struct gpai_error *err)
{
	struct gpai_add_opts o = { 0 };
	int rc;

	o.name = "m";
	o.no_files = 1;
	o.access = "api";
	rc = gpai_registry_init("r", reg, err);
	if (rc == GPAI_OK)
		rc = gpai_registry_add(*reg, &o, v, err);
	return rc;
}

/* One value of a query on r's catalogue, or -1. */
static long long query(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	long long v = -1;

	if (sqlite3_open("r/catalogue.db", &db) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

TEST(two_processes_reserving_at_once_get_distinct_numbers)
{
	struct gpai_registry *reg = NULL;
	struct gpai_version v;
	struct gpai_error err;
	int64_t n;
	pid_t pid;
	int status = 0;

	gpai_error_init(&err);
	CHECK_OK(setup(&reg, &v, &err), &err);
	gpai_registry_close(reg);
	pid = fork();
	CHECK(pid >= 0);
	{
		/* Both processes: their own handle, RACE_EACH reservations. */
		struct gpai_registry *r2 = NULL;
		int ok = gpai_registry_open("r", &r2, &err) == GPAI_OK;

		for (int i = 0; ok && i < RACE_EACH; i++)
			ok = gpai_registry_dossier_reserve(r2, &v, &n, &err) == GPAI_OK;
		gpai_registry_close(r2);
		if (pid == 0)
			_exit(ok ? 0 : 1);
		CHECK_OK(ok ? GPAI_OK : GPAI_EDB, &err);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_INT(2 * RACE_EACH, query("SELECT count(DISTINCT number) FROM dossiers"));
	CHECK_INT(2 * RACE_EACH, query("SELECT max(number) FROM dossiers"));
	gpai_version_release(&v);
}

TEST(reserve_store_list_and_read_back)
{
	struct gpai_registry *reg = NULL;
	struct gpai_kept_dossier d = { 0 }, *list = NULL;
	struct gpai_version v;
	struct gpai_error err;
	char *doc = NULL, *blob;
	size_t n = 0, len = 0;
	int64_t a = 0, b = 0;

	gpai_error_init(&err);
	CHECK_OK(setup(&reg, &v, &err), &err);
	CHECK_OK(gpai_registry_dossier_reserve(reg, &v, &a, &err), &err);
	CHECK_OK(gpai_registry_dossier_reserve(reg, &v, &b, &err), &err);
	CHECK_INT(1, a);
	CHECK_INT(2, b);
	d.number = 2;
	d.audience = "aio";
	d.format = "md";
	d.out = "/x/d.md";
	d.out_sha256 = "00";
	CHECK_OK(gpai_registry_dossier_store(reg, &v, &d, DOC, strlen(DOC), &err), &err);
	/* a number is filled once; an unreserved one cannot be */
	CHECK_ERR(GPAI_ENOTFOUND, gpai_registry_dossier_store(reg, &v, &d, DOC, strlen(DOC), &err),
		  &err, "no reserved dossier 2 of 'm@1'");
	d.number = 7;
	CHECK_ERR(GPAI_ENOTFOUND, gpai_registry_dossier_store(reg, &v, &d, DOC, strlen(DOC), &err),
		  &err, "no reserved dossier 7 of 'm@1'");
	/* the reservation 1 whose run never stored is not listed */
	CHECK_OK(gpai_registry_dossiers(reg, &v, &list, &n, &err), &err);
	CHECK_INT(1, n);
	CHECK_INT(2, list[0].number);
	CHECK_STR("aio", list[0].audience);
	CHECK_STR("md", list[0].format);
	CHECK_STR("/x/d.md", list[0].out);
	CHECK_STR("00", list[0].out_sha256);
	CHECK_STR(DOC_SHA, list[0].document_digest);
	CHECK_U64(strlen(DOC), list[0].document_size);
	CHECK_INT(20, strlen(list[0].generated_at));
	gpai_kept_dossiers_free(list, n);
	CHECK_OK(gpai_registry_dossier_document(reg, &v, 2, &doc, &len, &err), &err);
	CHECK_INT(strlen(DOC), len);
	CHECK_STR(DOC, doc);
	free(doc);
	CHECK_ERR(GPAI_ENOTFOUND, gpai_registry_dossier_document(reg, &v, 1, &doc, &len, &err),
		  &err, "'m@1' has no dossier 1");
	/* a changed byte in the blob is refused when read back */
	blob = gpai_registry_blob_path(reg, DOC_SHA);
	CHECK(blob != NULL);
	CHECK_INT(0, chmod(blob, 0644));
	CHECK_INT(0, t_write(blob, "{\"schema_version\":1,\"n\":3}", strlen(DOC)));
	CHECK_ERR(GPAI_EVERIFY, gpai_registry_dossier_document(reg, &v, 2, &doc, &len, &err),
		  &err, "does not match its digest");
	free(blob);
	gpai_version_release(&v);
	gpai_registry_close(reg);
}

TEST(fsck_names_a_bad_document_and_rm_gc_remove_the_history)
{
	struct gpai_registry *reg = NULL;
	struct gpai_kept_dossier d = { 0 };
	struct gpai_fsck_report r;
	struct gpai_gc_result g;
	struct gpai_version v;
	struct gpai_error err;
	const char *notdoc = NOTDOC;
	char *blob;
	int64_t a = 0;

	gpai_error_init(&err);
	CHECK_OK(setup(&reg, &v, &err), &err);
	CHECK_OK(gpai_registry_dossier_reserve(reg, &v, &a, &err), &err);
	d.number = a;
	d.format = "json";
	CHECK_OK(gpai_registry_dossier_store(reg, &v, &d, notdoc, strlen(notdoc), &err), &err);
	CHECK_OK(gpai_registry_fsck(reg, &r, NULL, NULL, &err), &err);
	CHECK_INT(0, r.clean);
	CHECK_U64(1, r.dossiers_checked);
	CHECK_INT(1, r.n_bad_dossiers);
	CHECK(strstr(r.bad_dossiers[0], "m@1 #1: document blob ") == r.bad_dossiers[0]);
	CHECK(strstr(r.bad_dossiers[0], "is not a dossier") != NULL);
	gpai_fsck_report_release(&r);
	blob = gpai_registry_blob_path(reg, NOTDOC_SHA);
	CHECK(blob != NULL);
	free(blob);
	CHECK_OK(gpai_registry_rm(reg, "m@1", &err), &err);
	CHECK_INT(0, query("SELECT count(*) FROM dossiers"));
	CHECK_OK(gpai_registry_fsck(reg, &r, NULL, NULL, &err), &err);
	CHECK_INT(1, r.clean);
	CHECK_INT(1, r.n_orphans);
	gpai_fsck_report_release(&r);
	CHECK_OK(gpai_registry_gc(reg, &g, &err), &err);
	CHECK_U64(1, g.blobs_removed);
	CHECK_U64(strlen(notdoc), g.bytes_removed);
	blob = gpai_registry_blob_path(reg, NOTDOC_SHA);
	CHECK(blob == NULL);
	gpai_version_release(&v);
	gpai_registry_close(reg);
}
