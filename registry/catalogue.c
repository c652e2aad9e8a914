/*
 * catalogue.c - the SQLite catalogue: opening, schema migrations, lookup of
 * NAME[@VER|@ALIAS], listing, files, aliases, the event log and rm.
 *
 * Invariants: the schema version is PRAGMA user_version and only moves
 * forward, one migration per step, each in its own transaction; every
 * write is one BEGIN IMMEDIATE transaction; events are only ever inserted.
 */
#include "registry_private.h"
#include "signing.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* Migration i takes the schema from version i to i + 1. */
static const char *const migrations[] = {
	/* 0 -> 1: the first schema. */
	"CREATE TABLE models ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  last_number INTEGER NOT NULL DEFAULT 0,"
	"  created_at TEXT NOT NULL);"
	"CREATE TABLE versions ("
	"  id INTEGER PRIMARY KEY,"
	"  model_id INTEGER NOT NULL REFERENCES models(id),"
	"  version TEXT NOT NULL,"
	"  provider TEXT, license TEXT,"
	"  access TEXT NOT NULL,"
	"  has_files INTEGER NOT NULL,"
	"  root_digest TEXT,"
	"  n_files INTEGER NOT NULL DEFAULT 0,"
	"  total_bytes INTEGER NOT NULL DEFAULT 0,"
	"  base_id INTEGER REFERENCES versions(id),"
	"  relation TEXT,"
	"  model_json TEXT,"
	"  added_by TEXT NOT NULL,"
	"  added_at TEXT NOT NULL,"
	"  UNIQUE (model_id, version));"
	"CREATE TABLE files ("
	"  version_id INTEGER NOT NULL REFERENCES versions(id),"
	"  relpath TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  sha256 TEXT NOT NULL,"
	"  model_json TEXT,"
	"  PRIMARY KEY (version_id, relpath));"
	"CREATE INDEX files_by_digest ON files(sha256);"
	"CREATE TABLE facts ("
	"  id INTEGER PRIMARY KEY,"
	"  version_id INTEGER NOT NULL REFERENCES versions(id),"
	"  field TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  source TEXT NOT NULL,"
	"  recorded_by TEXT NOT NULL,"
	"  recorded_at TEXT NOT NULL);"
	"CREATE INDEX facts_by_version ON facts(version_id, field, id);"
	"CREATE TABLE aliases ("
	"  model_id INTEGER NOT NULL REFERENCES models(id),"
	"  alias TEXT NOT NULL,"
	"  version_id INTEGER NOT NULL REFERENCES versions(id),"
	"  PRIMARY KEY (model_id, alias));"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  model_id INTEGER NOT NULL REFERENCES models(id),"
	"  kind TEXT NOT NULL,"
	"  alias TEXT, from_version TEXT, to_version TEXT,"
	"  who TEXT NOT NULL,"
	"  at TEXT NOT NULL);",
	/* 1 -> 2: OMS signatures of versions and the trust store
	 * (registry/signatures.c). */
	"CREATE TABLE signatures ("
	"  id INTEGER PRIMARY KEY,"
	"  version_id INTEGER NOT NULL REFERENCES versions(id),"
	"  method TEXT NOT NULL,"
	"  signer TEXT NOT NULL,"
	"  root_digest TEXT NOT NULL,"
	"  bundle TEXT NOT NULL,"
	"  signed_by TEXT NOT NULL,"
	"  signed_at TEXT NOT NULL);"
	"CREATE INDEX signatures_by_version ON signatures(version_id, id);"
	"CREATE TABLE trusted_keys ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  is_ca INTEGER NOT NULL,"
	"  fingerprint TEXT NOT NULL UNIQUE,"
	"  description TEXT NOT NULL,"
	"  pem TEXT NOT NULL,"
	"  trusted INTEGER NOT NULL,"
	"  added_by TEXT NOT NULL,"
	"  added_at TEXT NOT NULL);",
	/* 2 -> 3: evaluation claims and their re-runs (registry/evals.c). */
	"CREATE TABLE eval_claims ("
	"  id INTEGER PRIMARY KEY,"
	"  version_id INTEGER NOT NULL REFERENCES versions(id),"
	"  task TEXT NOT NULL,"
	"  params TEXT NOT NULL,"
	"  expected_text TEXT,"
	"  expected_value REAL,"
	"  tolerance REAL,"
	"  data_digest TEXT,"
	"  source TEXT NOT NULL,"
	"  recorded_by TEXT NOT NULL,"
	"  recorded_at TEXT NOT NULL);"
	"CREATE INDEX eval_claims_by_version ON eval_claims(version_id, id);"
	"CREATE TABLE eval_runs ("
	"  id INTEGER PRIMARY KEY,"
	"  claim_id INTEGER NOT NULL REFERENCES eval_claims(id),"
	"  measured REAL NOT NULL,"
	"  measured_text TEXT,"
	"  passed INTEGER NOT NULL,"
	"  root_digest TEXT NOT NULL,"
	"  data_digest TEXT,"
	"  engine_version TEXT NOT NULL,"
	"  flop REAL NOT NULL,"
	"  run_by TEXT NOT NULL,"
	"  run_at TEXT NOT NULL);"
	"CREATE INDEX eval_runs_by_claim ON eval_runs(claim_id, id);",
	/* 3 -> 4: the dossier history moves from files under dossiers/ into
	 * the catalogue (registry/dossiers.c); the migration also imports
	 * the files (reg_legacy_dossiers_import).  document_digest is NULL
	 * while a number is reserved and its dossier not yet stored. */
	"CREATE TABLE dossiers ("
	"  id INTEGER PRIMARY KEY,"
	"  version_id INTEGER NOT NULL REFERENCES versions(id),"
	"  number INTEGER NOT NULL,"
	"  audience TEXT NOT NULL DEFAULT '',"
	"  format TEXT NOT NULL DEFAULT '',"
	"  out TEXT NOT NULL DEFAULT '',"
	"  out_sha256 TEXT NOT NULL DEFAULT '',"
	"  document_digest TEXT,"
	"  document_size INTEGER,"
	"  generated_by TEXT NOT NULL,"
	"  generated_at TEXT NOT NULL,"
	"  UNIQUE (version_id, number));"
	"CREATE INDEX dossiers_by_digest ON dossiers(document_digest);",
};
#define NMIGRATIONS (sizeof(migrations) / sizeof(migrations[0]))
_Static_assert(NMIGRATIONS == GPAI_REG_SCHEMA_VERSION,
	       "one migration per schema version");

int reg_db_error(struct gpai_registry *reg, struct gpai_error *err,
		 const char *what)
{
	return gpai_error_set(err, GPAI_EDB, "%s: %s", what,
			      reg->db ? sqlite3_errmsg(reg->db) : "no database");
}

int reg_exec(struct gpai_registry *reg, const char *sql, struct gpai_error *err)
{
	char *msg = NULL;

	if (sqlite3_exec(reg->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		gpai_error_set(err, GPAI_EDB, "database '%s/%s': %s", reg->dir,
			       REG_DB_NAME, msg ? msg : sqlite3_errmsg(reg->db));
		sqlite3_free(msg);
		return GPAI_EDB;
	}
	return GPAI_OK;
}

int reg_prepare(struct gpai_registry *reg, const char *sql, sqlite3_stmt **st,
		struct gpai_error *err)
{
	if (sqlite3_prepare_v2(reg->db, sql, -1, st, NULL) != SQLITE_OK)
		return reg_db_error(reg, err, "cannot prepare a query");
	return GPAI_OK;
}

int reg_begin(struct gpai_registry *reg, struct gpai_error *err)
{
	return reg_exec(reg, "BEGIN IMMEDIATE", err);
}

int reg_write_begin(struct gpai_registry *reg, struct gpai_error *err)
{
	int rc = reg_write_lock(reg, NULL, err);

	return rc ? rc : reg_begin(reg, err);
}

void reg_rollback(struct gpai_registry *reg)
{
	if (!sqlite3_get_autocommit(reg->db))
		sqlite3_exec(reg->db, "ROLLBACK", NULL, NULL, NULL);
}

int reg_commit(struct gpai_registry *reg, struct gpai_error *err)
{
	int rc = reg_exec(reg, "COMMIT", err);

	/* A failed COMMIT (busy, I/O) can leave the transaction open; never
	 * hand back a handle inside a half-done transaction. */
	if (rc)
		reg_rollback(reg);
	return rc;
}

char *reg_col_str(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return s ? gpai_strdup((const char *)s) : NULL;
}

void reg_col_copy(sqlite3_stmt *st, int col, char *buf, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	gpai_strlcpy(buf, s ? (const char *)s : "", size);
}

/* Rows reserved by the first growth of a result array (then doubled). */
#define ROWS_FIRST 16

int reg_collect_rows(struct gpai_registry *reg, sqlite3_stmt *st, size_t elem_size,
		     reg_row_fn fill, const char *what, void **rows, size_t *n,
		     struct gpai_error *err)
{
	unsigned char *arr = NULL;
	size_t cnt = 0, cap = 0;
	int rc = GPAI_OK, s;

	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			size_t nc = cap ? cap * 2 : ROWS_FIRST;
			unsigned char *p = realloc(arr, nc * elem_size);

			if (!p) {
				rc = GPAI_ENOMEM;
				break;
			}
			arr = p;
			cap = nc;
		}
		memset(arr + cnt * elem_size, 0, elem_size);
		if ((rc = fill(reg, st, arr + cnt++ * elem_size)))
			break;
	}
	if (rc)
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	else if (s != SQLITE_DONE)
		rc = reg_db_error(reg, err, what);
	sqlite3_finalize(st);
	*rows = arr;
	*n = cnt;
	return rc;
}

static int migrate(struct gpai_registry *reg, struct gpai_error *err)
{
	sqlite3_stmt *st;
	int64_t have;
	int rc;

	rc = reg_prepare(reg, "PRAGMA user_version", &st, err);
	if (rc)
		return rc;
	have = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_finalize(st);
	if (have < REG_SCHEMA_DOSSIERS) {
		/* The import stores blobs: hold the write lock, so that gc
		 * cannot drop them before the migration commits. */
		char *legacy = gpai_path_join(reg->dir, REG_LEGACY_DOSSIERS);

		rc = !legacy ? gpai_error_set(err, GPAI_ENOMEM, "out of memory")
			: gpai_path_exists(legacy) ? reg_write_lock(reg, NULL, err) : GPAI_OK;
		free(legacy);
		if (rc)
			return gpai_error_prefix(err, "cannot migrate the catalogue");
	}
	if (have > GPAI_REG_SCHEMA_VERSION)
		return gpai_error_set(err, GPAI_EUNSUPPORTED,
				      "registry '%s' has schema version %lld, newer than "
				      "this gpai supports (%d)", reg->dir, (long long)have,
				      GPAI_REG_SCHEMA_VERSION);
	while (have < GPAI_REG_SCHEMA_VERSION) {
		int legacy = 0;
		char *bump;

		rc = reg_begin(reg, err);
		if (rc)
			return rc;
		/* Re-read under the write lock: another process may have migrated. */
		rc = reg_prepare(reg, "PRAGMA user_version", &st, err);
		if (rc)
			goto fail;
		have = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
		sqlite3_finalize(st);
		if (have >= GPAI_REG_SCHEMA_VERSION) {
			rc = reg_commit(reg, err);
			if (rc)
				goto fail;
			break;
		}
		rc = reg_exec(reg, migrations[have], err);
		if (rc)
			goto fail;
		if (have + 1 == REG_SCHEMA_DOSSIERS) {
			rc = reg_legacy_dossiers_import(reg, &legacy, err);
			if (rc)
				goto fail;
		}
		bump = gpai_asprintf("PRAGMA user_version = %lld", (long long)have + 1);
		if (!bump) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			goto fail;
		}
		rc = reg_exec(reg, bump, err);
		free(bump);
		if (rc)
			goto fail;
		rc = reg_commit(reg, err);
		if (rc)
			goto fail;
		/* Only after the commit: a kill before it leaves the files (and
		 * schema 3); a kill after it leaves files that gc removes. */
		if (legacy)
			reg_legacy_dossiers_remove(reg, NULL);
		have++;
	}
	return GPAI_OK;
fail:
	reg_rollback(reg);
	return gpai_error_prefix(err, "cannot migrate the catalogue");
}

static int open_db(struct gpai_registry *reg, int create, struct gpai_error *err)
{
	char *path = gpai_path_join(reg->dir, REG_DB_NAME);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	int rc;

	if (!path)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	if (create)
		flags |= SQLITE_OPEN_CREATE;
	if (sqlite3_open_v2(path, &reg->db, flags, NULL) != SQLITE_OK) {
		rc = gpai_error_set(err, GPAI_EDB, "cannot open database '%s': %s", path,
				    reg->db ? sqlite3_errmsg(reg->db) : "out of memory");
		free(path);
		return rc;
	}
	free(path);
	sqlite3_busy_timeout(reg->db, REG_BUSY_TIMEOUT_MS);
	/* WAL: readers never block the writer; synchronous=FULL makes each
	 * commit durable, which the blob-before-row invariant relies on. */
	rc = reg_exec(reg, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
		      "PRAGMA foreign_keys=ON;", err);
	if (rc)
		return rc;
	return migrate(reg, err);
}

static struct gpai_registry *reg_new(const char *dir)
{
	struct gpai_registry *reg = calloc(1, sizeof(*reg));

	if (!reg)
		return NULL;
	reg->dir = gpai_strdup(dir);
	reg->lock_fd = -1;
	if (!reg->dir) {
		free(reg);
		return NULL;
	}
	return reg;
}

int gpai_registry_init(const char *dir, struct gpai_registry **out,
		       struct gpai_error *err)
{
	static const char *const sub[] = { REG_OBJECTS, REG_TMP };
	struct gpai_registry *reg;
	char *p;
	int rc;

	*out = NULL;
	p = gpai_path_join(dir, REG_DB_NAME);
	if (!p)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	if (gpai_path_exists(p)) {
		free(p);
		return gpai_error_set(err, GPAI_EEXIST, "'%s' is already a registry", dir);
	}
	free(p);
	rc = gpai_mkdir_p(dir, 0777, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof(sub) / sizeof(sub[0]); i++) {
		p = gpai_path_join(dir, sub[i]);
		if (!p)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		rc = gpai_mkdir_p(p, 0777, err);
		free(p);
		if (rc)
			return rc;
	}
	reg = reg_new(dir);
	if (!reg)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	rc = open_db(reg, 1, err);
	if (rc == GPAI_OK)
		rc = gpai_fsync_dir(dir, err);
	if (rc) {
		gpai_registry_close(reg);
		return rc;
	}
	*out = reg;
	return GPAI_OK;
}

int gpai_registry_open(const char *dir, struct gpai_registry **out,
		       struct gpai_error *err)
{
	struct gpai_registry *reg;
	char *p;
	int rc;

	*out = NULL;
	p = gpai_path_join(dir, REG_DB_NAME);
	if (!p)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	if (!gpai_path_exists(p)) {
		free(p);
		return gpai_error_set(err, GPAI_ENOTFOUND,
				      "'%s' is not a gpai registry (run 'gpai init')", dir);
	}
	free(p);
	reg = reg_new(dir);
	if (!reg)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	rc = open_db(reg, 0, err);
	if (rc) {
		gpai_registry_close(reg);
		return rc;
	}
	*out = reg;
	return GPAI_OK;
}

void gpai_registry_close(struct gpai_registry *reg)
{
	if (!reg)
		return;
	if (reg->db)
		sqlite3_close_v2(reg->db);
	if (reg->lock_fd >= 0)
		close(reg->lock_fd); /* releases the flock */
	free(reg->dir);
	free(reg);
}

const char *gpai_registry_dir(const struct gpai_registry *reg)
{
	return reg->dir;
}

/* ---- versions -------------------------------------------------------------- */

void gpai_version_release(struct gpai_version *v)
{
	if (!v)
		return;
	free(v->name);
	free(v->version);
	free(v->provider);
	free(v->license);
	free(v->access);
	free(v->base_name);
	free(v->base_version);
	free(v->relation);
	free(v->added_by);
	free(v->model_json);
	for (size_t i = 0; i < v->n_aliases; i++)
		free(v->aliases[i]);
	free(v->aliases);
	memset(v, 0, sizeof(*v));
}

void gpai_versions_free(struct gpai_version *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		gpai_version_release(&v[i]);
	free(v);
}

int reg_split_ref(const char *ref, char **name, char **ver,
		  struct gpai_error *err)
{
	const char *at = strchr(ref, '@');

	*name = *ver = NULL;
	if (!at) {
		*name = gpai_strdup(ref);
	} else {
		*name = malloc((size_t)(at - ref) + 1);
		if (*name) {
			memcpy(*name, ref, (size_t)(at - ref));
			(*name)[at - ref] = '\0';
		}
		*ver = gpai_strdup(at + 1);
		if (!*ver) {
			free(*name);
			*name = NULL;
		}
	}
	if (!*name)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	if (!**name || (*ver && (!**ver || strchr(*ver, '@')))) {
		free(*name);
		free(*ver);
		*name = *ver = NULL;
		return gpai_error_set(err, GPAI_EFORMAT,
				      "malformed reference '%s' (want NAME or NAME@VERSION)", ref);
	}
	return GPAI_OK;
}

#define VERSION_COLS                                                          \
	"v.id, m.name, v.version, v.provider, v.license, v.access, v.has_files," \
	" v.root_digest, v.n_files, v.total_bytes, bm.name, b.version,"         \
	" v.relation, v.added_by, v.added_at, v.model_json"
#define VERSION_FROM                                                          \
	" FROM versions v JOIN models m ON m.id = v.model_id"                    \
	" LEFT JOIN versions b ON b.id = v.base_id"                              \
	" LEFT JOIN models bm ON bm.id = b.model_id"

/* Appends the alias in column col of st to v's aliases: GPAI_OK or
 * GPAI_ENOMEM. */
static int push_alias(struct gpai_version *v, sqlite3_stmt *st, int col)
{
	char **a = realloc(v->aliases, (v->n_aliases + 1) * sizeof(*a));

	if (!a)
		return GPAI_ENOMEM;
	v->aliases = a;
	a[v->n_aliases] = reg_col_str(st, col);
	if (!a[v->n_aliases])
		return GPAI_ENOMEM;
	v->n_aliases++;
	return GPAI_OK;
}

static int load_aliases(struct gpai_registry *reg, struct gpai_version *v,
			struct gpai_error *err)
{
	sqlite3_stmt *st;
	int rc, s;

	rc = reg_prepare(reg, "SELECT alias FROM aliases WHERE version_id = ?"
			 " ORDER BY alias", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, v->id);
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		if (push_alias(v, st, 0)) {
			sqlite3_finalize(st);
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		}
	}
	sqlite3_finalize(st);
	if (s != SQLITE_DONE)
		return reg_db_error(reg, err, "cannot read aliases");
	return GPAI_OK;
}

static int row_to_version(sqlite3_stmt *st, struct gpai_version *v)
{
	memset(v, 0, sizeof(*v));
	v->id = sqlite3_column_int64(st, 0);
	v->name = reg_col_str(st, 1);
	v->version = reg_col_str(st, 2);
	v->provider = reg_col_str(st, 3);
	v->license = reg_col_str(st, 4);
	v->access = reg_col_str(st, 5);
	v->has_files = sqlite3_column_int(st, 6);
	reg_col_copy(st, 7, v->root_digest, sizeof(v->root_digest));
	v->n_files = (uint64_t)sqlite3_column_int64(st, 8);
	v->total_bytes = (uint64_t)sqlite3_column_int64(st, 9);
	v->base_name = reg_col_str(st, 10);
	v->base_version = reg_col_str(st, 11);
	v->relation = reg_col_str(st, 12);
	v->added_by = reg_col_str(st, 13);
	reg_col_copy(st, 14, v->added_at, sizeof(v->added_at));
	v->model_json = reg_col_str(st, 15);
	if (!v->name || !v->version || !v->access || !v->added_by)
		return GPAI_ENOMEM;
	return GPAI_OK;
}

int reg_load_version(struct gpai_registry *reg, int64_t id,
		     struct gpai_version *v, struct gpai_error *err)
{
	sqlite3_stmt *st;
	int rc, s;

	memset(v, 0, sizeof(*v));
	rc = reg_prepare(reg, "SELECT " VERSION_COLS VERSION_FROM " WHERE v.id = ?",
			 &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	s = sqlite3_step(st);
	if (s != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (s == SQLITE_DONE)
			return gpai_error_set(err, GPAI_ENOTFOUND, "no version with id %lld",
					      (long long)id);
		return reg_db_error(reg, err, "cannot read a version");
	}
	rc = row_to_version(st, v);
	sqlite3_finalize(st);
	if (rc) {
		gpai_version_release(v);
		return gpai_error_set(err, rc, "out of memory");
	}
	rc = load_aliases(reg, v, err);
	if (rc)
		gpai_version_release(v);
	return rc;
}

int64_t reg_model_id(struct gpai_registry *reg, const char *name,
		     struct gpai_error *err)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	int rc, s;

	rc = reg_prepare(reg, "SELECT id FROM models WHERE name = ?", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else if (s != SQLITE_DONE)
		id = reg_db_error(reg, err, "cannot look up a model");
	sqlite3_finalize(st);
	return id;
}

int gpai_registry_lookup(struct gpai_registry *reg, const char *ref,
			 struct gpai_version *out, struct gpai_error *err)
{
	sqlite3_stmt *st = NULL;
	char *name, *ver;
	int64_t id = 0;
	int rc, s;

	memset(out, 0, sizeof(*out));
	rc = reg_split_ref(ref, &name, &ver, err);
	if (rc)
		return rc;
	if (!ver) {
		rc = reg_prepare(reg, "SELECT v.id FROM versions v JOIN models m"
				 " ON m.id = v.model_id WHERE m.name = ?"
				 " ORDER BY v.id DESC LIMIT 1", &st, err);
		if (rc)
			goto done;
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	} else {
		/* A version name wins; aliases can never equal one (alias_set). */
		rc = reg_prepare(reg, "SELECT v.id FROM versions v JOIN models m"
				 " ON m.id = v.model_id WHERE m.name = ?1 AND v.version = ?2"
				 " UNION ALL SELECT a.version_id FROM aliases a JOIN models m"
				 " ON m.id = a.model_id WHERE m.name = ?1 AND a.alias = ?2"
				 " LIMIT 1", &st, err);
		if (rc)
			goto done;
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, ver, -1, SQLITE_STATIC);
	}
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
	} else if (s == SQLITE_DONE) {
		int64_t mid = ver ? reg_model_id(reg, name, err) : 0;

		if (mid < 0)
			rc = (int)mid;
		else if (ver && mid > 0)
			rc = gpai_error_set(err, GPAI_ENOTFOUND,
					    "no version or alias '%s' of model '%s'", ver, name);
		else
			rc = gpai_error_set(err, GPAI_ENOTFOUND, "no model '%s' in the registry",
					    name);
		goto done;
	} else {
		rc = reg_db_error(reg, err, "cannot look up a version");
		goto done;
	}
	sqlite3_finalize(st);
	st = NULL;
	rc = reg_load_version(reg, id, out, err);
done:
	sqlite3_finalize(st);
	free(name);
	free(ver);
	return rc;
}

static int version_row(struct gpai_registry *reg, sqlite3_stmt *st, void *row)
{
	(void)reg;
	return row_to_version(st, row);
}

int gpai_registry_list(struct gpai_registry *reg, struct gpai_version **out,
		       size_t *n, struct gpai_error *err)
{
	struct gpai_version *arr;
	void *rows;
	size_t cnt;
	sqlite3_stmt *st;
	int rc, s;

	*out = NULL;
	*n = 0;
	rc = reg_prepare(reg, "SELECT " VERSION_COLS VERSION_FROM
			 " ORDER BY m.name, v.id", &st, err);
	if (rc)
		return rc;
	rc = reg_collect_rows(reg, st, sizeof(struct gpai_version), version_row,
			      "cannot list versions", &rows, &cnt, err);
	arr = rows;
	if (rc)
		goto fail;
	/* Aliases in one query (10,000 versions must list quickly); arr is
	 * sorted by name, not id, so each alias finds its version by a scan
	 * (few versions carry aliases). */
	rc = reg_prepare(reg, "SELECT version_id, alias FROM aliases ORDER BY alias",
			 &st, err);
	if (rc)
		goto fail;
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t vid = sqlite3_column_int64(st, 0);
		size_t i = 0;

		while (i < cnt && arr[i].id != vid)
			i++;
		if (i < cnt && push_alias(&arr[i], st, 1)) {
			sqlite3_finalize(st);
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			goto fail;
		}
	}
	if (s != SQLITE_DONE)
		rc = reg_db_error(reg, err, "cannot read aliases");
	sqlite3_finalize(st);
	if (rc)
		goto fail;
	*out = arr;
	*n = cnt;
	return GPAI_OK;
fail:
	gpai_versions_free(arr, cnt);
	return rc;
}

/* ---- files -------------------------------------------------------------------- */

void gpai_files_free(struct gpai_file *f, size_t n)
{
	if (!f)
		return;
	for (size_t i = 0; i < n; i++) {
		free(f[i].relpath);
		free(f[i].blob_path);
		free(f[i].model_json);
	}
	free(f);
}

static int files_cmp(const void *a, const void *b)
{
	return gpai_oms_path_cmp(((const struct gpai_file *)a)->relpath,
				 ((const struct gpai_file *)b)->relpath);
}

static int file_row(struct gpai_registry *reg, sqlite3_stmt *st, void *row)
{
	struct gpai_file *f = row;

	f->relpath = reg_col_str(st, 0);
	f->size = (uint64_t)sqlite3_column_int64(st, 1);
	reg_col_copy(st, 2, f->sha256, sizeof(f->sha256));
	f->model_json = reg_col_str(st, 3);
	f->blob_path = reg_blob_path(reg, f->sha256);
	return f->relpath && f->blob_path ? GPAI_OK : GPAI_ENOMEM;
}

int gpai_registry_files(struct gpai_registry *reg, const struct gpai_version *v,
			struct gpai_file **out, size_t *n, struct gpai_error *err)
{
	sqlite3_stmt *st;
	void *rows;
	size_t cnt;
	int rc;

	*out = NULL;
	*n = 0;
	if (!v->has_files)
		return gpai_error_set(err, GPAI_ENOTFOUND,
				      "'%s@%s' has no files (registered with --no-files)",
				      v->name, v->version);
	rc = reg_prepare(reg, "SELECT relpath, size, sha256, model_json FROM files"
			 " WHERE version_id = ?", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, v->id);
	rc = reg_collect_rows(reg, st, sizeof(struct gpai_file), file_row, "cannot read files",
			      &rows, &cnt, err);
	if (rc) {
		gpai_files_free(rows, cnt);
		return rc;
	}
	if (cnt > 1)
		qsort(rows, cnt, sizeof(struct gpai_file), files_cmp);
	*out = rows;
	*n = cnt;
	return GPAI_OK;
}

/* ---- events and aliases ----------------------------------------------------------- */

int reg_add_event(struct gpai_registry *reg, int64_t model_id,
		  const char *kind, const char *alias, const char *from,
		  const char *to, struct gpai_error *err)
{
	char who[128], at[21];
	sqlite3_stmt *st;
	int rc;

	gpai_whoami(who, sizeof(who));
	gpai_now_iso8601(at);
	rc = reg_prepare(reg, "INSERT INTO events (model_id, kind, alias, from_version,"
			 " to_version, who, at) VALUES (?, ?, ?, ?, ?, ?, ?)", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, model_id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, alias, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, who, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, at, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st) == SQLITE_DONE ? GPAI_OK
		: reg_db_error(reg, err, "cannot record an event");
	sqlite3_finalize(st);
	return rc;
}

static int check_alias(const char *alias, struct gpai_error *err)
{
	size_t n = strlen(alias);

	if (n == 0 || n > GPAI_REG_VERSION_MAX ||
	    !((alias[0] >= 'a' && alias[0] <= 'z') || (alias[0] >= 'A' && alias[0] <= 'Z')))
		goto bad;
	for (size_t i = 0; i < n; i++) {
		char c = alias[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			goto bad;
	}
	return GPAI_OK;
bad:
	return gpai_error_set(err, GPAI_EFORMAT,
			      "invalid alias '%s' (a letter, then letters, digits, '.', '_' "
			      "or '-'; at most %d bytes)", alias, GPAI_REG_VERSION_MAX);
}

int gpai_registry_alias_set(struct gpai_registry *reg, const char *ref,
			    const char *alias, struct gpai_error *err)
{
	struct gpai_version v;
	sqlite3_stmt *st = NULL;
	char *from = NULL;
	int64_t model_id;
	int rc, s;

	rc = check_alias(alias, err);
	if (rc)
		return rc;
	rc = reg_write_begin(reg, err);
	if (rc)
		return rc;
	rc = gpai_registry_lookup(reg, ref, &v, err);
	if (rc)
		goto fail;
	model_id = reg_model_id(reg, v.name, err);
	if (model_id <= 0) {
		rc = model_id < 0 ? (int)model_id : GPAI_ENOTFOUND;
		goto fail_v;
	}
	rc = reg_prepare(reg, "SELECT 1 FROM versions WHERE model_id = ? AND version = ?",
			 &st, err);
	if (rc)
		goto fail_v;
	sqlite3_bind_int64(st, 1, model_id);
	sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (s == SQLITE_ROW) {
		rc = gpai_error_set(err, GPAI_EMISUSE,
				    "alias '%s' would hide version '%s@%s'", alias, v.name, alias);
		goto fail_v;
	}
	rc = reg_prepare(reg, "SELECT v.version FROM aliases a JOIN versions v"
			 " ON v.id = a.version_id WHERE a.model_id = ? AND a.alias = ?",
			 &st, err);
	if (rc)
		goto fail_v;
	sqlite3_bind_int64(st, 1, model_id);
	sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		from = reg_col_str(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (from && strcmp(from, v.version) == 0) {
		/* Already there: nothing moves, nothing is logged. */
		free(from);
		gpai_version_release(&v);
		reg_rollback(reg);
		return GPAI_OK;
	}
	rc = reg_prepare(reg, "INSERT OR REPLACE INTO aliases (model_id, alias, version_id)"
			 " VALUES (?, ?, ?)", &st, err);
	if (rc)
		goto fail_v;
	sqlite3_bind_int64(st, 1, model_id);
	sqlite3_bind_text(st, 2, alias, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, v.id);
	s = sqlite3_step(st);
	sqlite3_finalize(st);
	if (s != SQLITE_DONE) {
		rc = reg_db_error(reg, err, "cannot set an alias");
		goto fail_v;
	}
	rc = reg_add_event(reg, model_id, "alias", alias, from, v.version, err);
	if (rc)
		goto fail_v;
	rc = reg_commit(reg, err);
	if (rc)
		goto fail_v;
	free(from);
	gpai_version_release(&v);
	return GPAI_OK;
fail_v:
	gpai_version_release(&v);
fail:
	free(from);
	reg_rollback(reg);
	return rc;
}

void gpai_events_free(struct gpai_event *e, size_t n)
{
	if (!e)
		return;
	for (size_t i = 0; i < n; i++) {
		free(e[i].kind);
		free(e[i].alias);
		free(e[i].from_version);
		free(e[i].to_version);
		free(e[i].who);
	}
	free(e);
}

static int event_row(struct gpai_registry *reg, sqlite3_stmt *st, void *row)
{
	struct gpai_event *e = row;

	(void)reg;
	e->id = sqlite3_column_int64(st, 0);
	e->kind = reg_col_str(st, 1);
	e->alias = reg_col_str(st, 2);
	e->from_version = reg_col_str(st, 3);
	e->to_version = reg_col_str(st, 4);
	e->who = reg_col_str(st, 5);
	reg_col_copy(st, 6, e->at, sizeof(e->at));
	return e->kind && e->who ? GPAI_OK : GPAI_ENOMEM;
}

int gpai_registry_log(struct gpai_registry *reg, const char *name,
		      struct gpai_event **out, size_t *n, struct gpai_error *err)
{
	sqlite3_stmt *st;
	void *rows;
	size_t cnt;
	int64_t mid;
	int rc;

	*out = NULL;
	*n = 0;
	mid = reg_model_id(reg, name, err);
	if (mid < 0)
		return (int)mid;
	if (mid == 0)
		return gpai_error_set(err, GPAI_ENOTFOUND, "no model '%s' in the registry", name);
	rc = reg_prepare(reg, "SELECT id, kind, alias, from_version, to_version, who, at"
			 " FROM events WHERE model_id = ? ORDER BY id", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, mid);
	rc = reg_collect_rows(reg, st, sizeof(struct gpai_event), event_row,
			      "cannot read the event log", &rows, &cnt, err);
	if (rc) {
		gpai_events_free(rows, cnt);
		return rc;
	}
	*out = rows;
	*n = cnt;
	return GPAI_OK;
}

/* ---- rm ------------------------------------------------------------------------- */

static int exec_bound(struct gpai_registry *reg, const char *sql, int64_t id,
		      struct gpai_error *err)
{
	sqlite3_stmt *st;
	int rc;

	rc = reg_prepare(reg, sql, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st) == SQLITE_DONE ? GPAI_OK
		: reg_db_error(reg, err, "cannot remove a version");
	sqlite3_finalize(st);
	return rc;
}

int gpai_registry_rm(struct gpai_registry *reg, const char *ref,
		     struct gpai_error *err)
{
	static const char *const deletes[] = {
		"DELETE FROM files WHERE version_id = ?",
		"DELETE FROM facts WHERE version_id = ?",
		"DELETE FROM aliases WHERE version_id = ?",
		"DELETE FROM signatures WHERE version_id = ?",
		("DELETE FROM eval_runs WHERE claim_id IN"
		 " (SELECT id FROM eval_claims WHERE version_id = ?)"),
		"DELETE FROM eval_claims WHERE version_id = ?",
		"DELETE FROM dossiers WHERE version_id = ?",
		"DELETE FROM versions WHERE id = ?",
	};
	struct gpai_version v;
	sqlite3_stmt *st;
	int64_t mid;
	int rc;

	rc = reg_write_begin(reg, err);
	if (rc)
		return rc;
	rc = gpai_registry_lookup(reg, ref, &v, err);
	if (rc)
		goto fail;
	rc = reg_prepare(reg, "SELECT m.name, d.version FROM versions d JOIN models m"
			 " ON m.id = d.model_id WHERE d.base_id = ? LIMIT 1", &st, err);
	if (rc)
		goto fail_v;
	sqlite3_bind_int64(st, 1, v.id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		rc = gpai_error_set(err, GPAI_EMISUSE,
				    "'%s@%s' is the base of '%s@%s'; remove that first",
				    v.name, v.version, sqlite3_column_text(st, 0),
				    sqlite3_column_text(st, 1));
		sqlite3_finalize(st);
		goto fail_v;
	}
	sqlite3_finalize(st);
	mid = reg_model_id(reg, v.name, err);
	if (mid <= 0) {
		rc = mid < 0 ? (int)mid : GPAI_ENOTFOUND;
		goto fail_v;
	}
	for (size_t i = 0; i < v.n_aliases; i++) {
		rc = reg_add_event(reg, mid, "alias", v.aliases[i], v.version, NULL, err);
		if (rc)
			goto fail_v;
	}
	for (size_t i = 0; i < sizeof(deletes) / sizeof(deletes[0]); i++) {
		rc = exec_bound(reg, deletes[i], v.id, err);
		if (rc)
			goto fail_v;
	}
	rc = reg_add_event(reg, mid, "rm", NULL, v.version, NULL, err);
	if (rc)
		goto fail_v;
	rc = reg_commit(reg, err);
	if (rc)
		goto fail_v;
	gpai_version_release(&v);
	return GPAI_OK;
fail_v:
	gpai_version_release(&v);
fail:
	reg_rollback(reg);
	return rc;
}
