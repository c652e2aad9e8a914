/*
 * registry_private.h - what the registry's files share: the handle, the
 * blob store and SQL helpers.  Not a public API.
 */
#ifndef GPAI_REGISTRY_PRIVATE_H
#define GPAI_REGISTRY_PRIVATE_H

#include <stdint.h>

#include <sqlite3.h>

#include "registry.h"

#define REG_DB_NAME "catalogue.db"
#define REG_OBJECTS "objects/sha256"
#define REG_TMP "tmp"
#define REG_LOCK "lock"
/* Schema 3's folder of dossier records (dossiers/NAME/VER/N.json); imported
 * into the dossiers table by the migration to schema 4. */
#define REG_LEGACY_DOSSIERS "dossiers"
/* The schema that brought the dossiers table (migration from one less). */
#define REG_SCHEMA_DOSSIERS 4
/* Written by export beside the files; skipped by add (top level). */
#define REG_PROVENANCE GPAI_REG_PROVENANCE_NAME
/* How long a writer waits for SQLite's lock (ms) before giving up. */
#define REG_BUSY_TIMEOUT_MS 30000

struct gpai_registry {
	char *dir;
	sqlite3 *db;
	int lock_fd;   /* flock on dir/lock; -1 until a write or gc */
	int lock_mode; /* 0 none, 1 shared, 2 exclusive */
	unsigned tmp_seq;
};

/* ---- store.c ---- */

/* Path of the blob with hex digest (malloc'd). */
char *reg_blob_path(const struct gpai_registry *reg, const char *hex);
/* Takes the registry lock for writing: tries it exclusively first and, when
 * no other writer runs, removes leftovers from tmp/; then holds it shared.
 * *tmp_removed (may be NULL) counts removed files. */
int reg_write_lock(struct gpai_registry *reg, uint64_t *tmp_removed,
		   struct gpai_error *err);
/* Exclusive lock (gc): waits for every writer. */
int reg_exclusive_lock(struct gpai_registry *reg, uint64_t *tmp_removed,
		       struct gpai_error *err);
/* Reads up to n bytes into buf; returns the count, 0 at end, or <0 code. */
typedef long (*reg_read_fn)(void *ctx, void *buf, unsigned long n);
/* Copies a stream into the store while hashing it: tmp file, fsync,
 * rename to objects/sha256/xx/rest (kept if it already exists).  hex gets
 * the digest, *size the byte count.  progress is advanced by the bytes
 * read (base = bytes done before this stream). */
int reg_store_stream(struct gpai_registry *reg, reg_read_fn rd, void *rctx,
		     const char *what, char hex[65], uint64_t *size,
		     gpai_progress_fn progress, void *pctx, uint64_t base,
		     uint64_t total, struct gpai_error *err);
/* Same for a regular file (opened without following links). */
int reg_store_file(struct gpai_registry *reg, const char *path, char hex[65],
		   uint64_t *size, gpai_progress_fn progress, void *pctx,
		   uint64_t base, uint64_t total, struct gpai_error *err);
/* Moves a file that a caller wrote and hashed itself into the store under
 * hex (gpai_registry_add_staged's contract): opened without following
 * links, it must be a regular file of size bytes with one link on the
 * registry's file system; it is made read-only, fsynced and renamed to
 * objects/sha256/xx/rest (dropped when the blob exists), then the
 * directory is fsynced.  Nothing is read.  A file on another file system
 * or with other links is instead copied while hashed (reg_store_file) and
 * the digest compared: GPAI_EVERIFY when it differs.  *hashed receives the
 * bytes that were read and hashed (0 when the file was moved).  On error
 * the staged file may be gone. */
int reg_adopt_file(struct gpai_registry *reg, const char *path, const char *hex,
		   uint64_t size, uint64_t *hashed, struct gpai_error *err);
/* SHA-256 of a file into hex. */
int reg_hash_file(const char *path, char hex[65], uint64_t *size,
		  gpai_progress_fn progress, void *pctx, uint64_t base,
		  uint64_t total, struct gpai_error *err);

/* Appends a copy of s to the string array *v of *n; GPAI_ENOMEM on failure. */
int reg_strv_push(char ***v, size_t *n, const char *s);
/* Stores len bytes of data as a blob (same path as reg_store_stream);
 * hex gets its digest.  Caller holds the write lock. */
int reg_store_mem(struct gpai_registry *reg, const char *data, size_t len,
		  const char *what, char hex[65], struct gpai_error *err);

/* ---- dossiers.c ---- */

/* Imports schema 3's dossiers/ folder into the dossiers table inside the
 * caller's migration transaction (documents stored as blobs first; the
 * caller holds the write lock).  *found is set when the folder exists; the
 * caller removes it with reg_legacy_dossiers_remove after the commit. */
int reg_legacy_dossiers_import(struct gpai_registry *reg, int *found,
			       struct gpai_error *err);
/* Deletes the dossiers/ folder and everything in it; *removed (may be
 * NULL) counts the files.  Best effort. */
void reg_legacy_dossiers_remove(struct gpai_registry *reg, uint64_t *removed);
/* Removes each file in GPAI_REG_DOSSIER_BUNDLES whose absolute path no
 * kept dossier's out names; *removed counts them.  Caller holds the lock
 * exclusively. */
int reg_dossier_bundles_gc(struct gpai_registry *reg, uint64_t *removed,
			   struct gpai_error *err);
/* fsck of the dossiers table: each kept document's blob is there, hashes
 * to its digest, has its recorded size and is a dossier (a JSON object with
 * schema_version); findings go to r->bad_dossiers; notes a leftover
 * dossiers/ folder in r->legacy_dir. */
int reg_fsck_dossiers(struct gpai_registry *reg, struct gpai_fsck_report *r,
		      struct gpai_error *err);

/* ---- catalogue.c ---- */

/* sqlite error into err with a prefix; returns GPAI_EDB. */
int reg_db_error(struct gpai_registry *reg, struct gpai_error *err,
		 const char *what);
/* Runs sql (no results); GPAI_EDB on failure. */
int reg_exec(struct gpai_registry *reg, const char *sql, struct gpai_error *err);
/* Prepares sql; GPAI_EDB on failure. */
int reg_prepare(struct gpai_registry *reg, const char *sql, sqlite3_stmt **st,
		struct gpai_error *err);
/* BEGIN IMMEDIATE / COMMIT / ROLLBACK (a failed COMMIT rolls back, so
 * nothing of the transaction is left pending on the handle). */
int reg_begin(struct gpai_registry *reg, struct gpai_error *err);
/* reg_write_lock (no tmp/ count) then reg_begin: how a writer starts. */
int reg_write_begin(struct gpai_registry *reg, struct gpai_error *err);
int reg_commit(struct gpai_registry *reg, struct gpai_error *err);
void reg_rollback(struct gpai_registry *reg);
/* malloc'd copy of a text column, or NULL for NULL. */
char *reg_col_str(sqlite3_stmt *st, int col);
/* Copies a text column into buf (size bytes, truncated; "" for NULL). */
void reg_col_copy(sqlite3_stmt *st, int col, char *buf, size_t size);
/* Fills one zeroed row from the current result row of st; returns GPAI_OK,
 * or GPAI_ENOMEM when a copy failed. */
typedef int (*reg_row_fn)(struct gpai_registry *reg, sqlite3_stmt *st, void *row);
/* Steps the bound query st to its end, collecting one elem_size-byte row
 * per result through fill into a malloc'd array, and finalises st.  On
 * success and on failure alike *rows / *n hold what was collected (the
 * caller frees it with the rows' own free function).  Returns GPAI_OK,
 * GPAI_ENOMEM, or GPAI_EDB with "<what>: <sqlite message>". */
int reg_collect_rows(struct gpai_registry *reg, sqlite3_stmt *st, size_t elem_size,
		     reg_row_fn fill, const char *what, void **rows, size_t *n,
		     struct gpai_error *err);
/* Splits "NAME@VER" (VER may be NULL): name and ver are malloc'd. */
int reg_split_ref(const char *ref, char **name, char **ver,
		  struct gpai_error *err);
/* Loads version row id into *v (aliases included). */
int reg_load_version(struct gpai_registry *reg, int64_t id,
		     struct gpai_version *v, struct gpai_error *err);
/* Model id of name, or 0 when absent (negative code on DB error). */
int64_t reg_model_id(struct gpai_registry *reg, const char *name,
		     struct gpai_error *err);
/* Appends an event row (inside the caller's transaction). */
int reg_add_event(struct gpai_registry *reg, int64_t model_id,
		  const char *kind, const char *alias, const char *from,
		  const char *to, struct gpai_error *err);
/* Checks that a fact's source is non-empty UTF-8 (field names the fact). */
int reg_check_source(const char *field, const char *source, struct gpai_error *err);
/* Inserts a fact row (already validated) inside the caller's transaction. */
int reg_insert_fact(struct gpai_registry *reg, int64_t version_id,
		    const char *field, const char *value, const char *source,
		    struct gpai_error *err);

#endif
