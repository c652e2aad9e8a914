/*
 * registry.h - the model registry: a SQLite catalogue of model versions and
 * a content-addressed blob store of their files.
 *
 * A registry is a directory (docs/registry.md):
 *   catalogue.db          SQLite, WAL mode; schema version in PRAGMA user_version
 *   objects/sha256/ab/cdef...   one blob per distinct file content
 *   tmp/                  temporary files of writers; removed by the next write
 * (Schema 3 kept the dossier history as files under dossiers/; opening such
 * a registry imports them into the catalogue, registry/dossiers.c.)
 *   lock                  flock: writers share it, gc takes it exclusively
 *
 * Invariants (crash safety): a blob is written to tmp/, fsynced and renamed
 * into objects/, so no blob name ever holds a partial file; a version row is
 * committed in one transaction only after all its blobs are in place, so
 * the catalogue never lists a version whose blob is missing; blobs that no
 * version references (after a crash, an rm) are harmless and dropped by gc.
 *
 * References: "NAME" (the latest version), "NAME@VERSION" or "NAME@ALIAS".
 *
 * Errors: every function returns GPAI_OK or a negative GPAI_E* code and puts
 * the message in the caller's struct gpai_error (NULL allowed).
 * Ownership: structs filled by the registry are released by the matching
 * _release/_free function; arrays are freed with the matching *_free.
 * Thread safety: one handle per thread; several processes may use one
 * registry at once (SQLite locking, busy timeout, flock).
 */
#ifndef GPAI_REGISTRY_H
#define GPAI_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

/* Limits on identifiers (bytes). */
#define GPAI_REG_NAME_MAX 128
#define GPAI_REG_VERSION_MAX 64
/* Schema version this build writes (PRAGMA user_version). */
#define GPAI_REG_SCHEMA_VERSION 4

struct gpai_registry; /* opaque handle */

/* Default limits on an archive gpai add reads (docs/archives.md): against
 * archive bombs, yet above the largest published checkpoints (a 405B-
 * parameter model in bf16 is about 0.8 TB in a few hundred files). */
#define GPAI_REG_ARCHIVE_DEFAULT_MAX_ENTRY_BYTES (UINT64_C(1) << 40) /* 1 TiB */
#define GPAI_REG_ARCHIVE_DEFAULT_MAX_BYTES (UINT64_C(4) << 40)       /* 4 TiB */
#define GPAI_REG_ARCHIVE_DEFAULT_MAX_ENTRIES UINT64_C(1000000)

/* ---- opening ----------------------------------------------------------- */

/* Creates a registry in dir (made if absent) and opens it.  GPAI_EEXIST if
 * dir already holds a catalogue.  *out is freed with gpai_registry_close. */
int gpai_registry_init(const char *dir, struct gpai_registry **out,
		       struct gpai_error *err);
/* Opens an existing registry, migrating its schema forward if it is older.
 * GPAI_ENOTFOUND if dir is not a registry; GPAI_EUNSUPPORTED if its schema
 * is newer than this build. */
int gpai_registry_open(const char *dir, struct gpai_registry **out,
		       struct gpai_error *err);
/* Closes the handle (NULL is fine). */
void gpai_registry_close(struct gpai_registry *reg);
/* The registry directory (borrowed from the handle). */
const char *gpai_registry_dir(const struct gpai_registry *reg);

/* ---- versions ---------------------------------------------------------- */

/* One model version.  Strings are owned by the struct (gpai_version_release);
 * optional ones are NULL when unset. */
struct gpai_version {
	int64_t id;                /* catalogue id */
	char *name, *version;
	char *provider, *license;  /* NULL if not recorded */
	char *access;              /* "open-weight", "api", "restricted", "none" */
	int has_files;             /* 0 for a --no-files (closed-weight) version */
	char root_digest[65];      /* OMS root digest, hex; "" without files */
	uint64_t n_files, total_bytes;
	char *base_name, *base_version, *relation; /* lineage; NULL if none */
	char *added_by;
	char added_at[21];         /* ISO 8601 UTC */
	char *model_json;          /* merged model-file metadata (JSON object) or NULL */
	char **aliases;            /* aliases pointing at this version */
	size_t n_aliases;
};
void gpai_version_release(struct gpai_version *v);
void gpai_versions_free(struct gpai_version *v, size_t n);

/* Resolves ref ("NAME", "NAME@VER", "NAME@ALIAS") into *out.
 * GPAI_ENOTFOUND names the reference; GPAI_EFORMAT for a malformed one. */
int gpai_registry_lookup(struct gpai_registry *reg, const char *ref,
			 struct gpai_version *out, struct gpai_error *err);
/* Every version, ordered by name then by when it was added.  *out is freed
 * with gpai_versions_free (may be NULL when *n is 0). */
int gpai_registry_list(struct gpai_registry *reg, struct gpai_version **out,
		       size_t *n, struct gpai_error *err);

/* ---- files --------------------------------------------------------------- */

/* One file of a version, in OMS manifest order. */
struct gpai_file {
	char *relpath;    /* POSIX relative path */
	uint64_t size;    /* bytes */
	char sha256[65];  /* hex */
	char *blob_path;  /* path of the blob in the store */
	char *model_json; /* model-file metadata (JSON object) or NULL */
};
void gpai_files_free(struct gpai_file *f, size_t n);
/* The files of version v.  A --no-files version is GPAI_ENOTFOUND with
 * "'NAME@VER' has no files (registered with --no-files)". */
int gpai_registry_files(struct gpai_registry *reg, const struct gpai_version *v,
			struct gpai_file **out, size_t *n, struct gpai_error *err);

/* ---- adding -------------------------------------------------------------- */

/* Options of gpai_registry_add.  Every member may be NULL/0 except path
 * (unless no_files).  Command-line values win over the facts file's. */
struct gpai_add_opts {
	const char *path;       /* directory, single file or archive */
	const char *name;       /* default: basename of path (archive ending removed) */
	const char *version;    /* default: next integer for the name */
	const char *provider;
	const char *license;    /* SPDX id or expression, or LicenseRef-... */
	const char *base;       /* "NAME@VER" of the base model */
	const char *relation;   /* finetune|quantized|merge|adapter|distilled */
	const char *facts_file; /* JSON fact file (docs/facts.md) */
	const char *access;     /* open-weight (default with files)|api|restricted|none */
	int no_files;           /* register facts only: path is NULL */
	int opaque;             /* store malformed model files as opaque files */
	/* Limits when path is an archive (docs/archives.md); 0 = the default
	 * (GPAI_REG_ARCHIVE_DEFAULT_*).  Exceeding one is GPAI_EARCHIVE naming
	 * the archive, the entry and the limit, with nothing registered. */
	uint64_t max_archive_bytes;       /* all files together */
	uint64_t max_archive_entries;     /* number of files */
	uint64_t max_archive_entry_bytes; /* one file */
	gpai_progress_fn progress; /* bytes hashed so far / total; may be NULL */
	void *progress_ctx;
};
/* Validates everything (names, licence, lineage, facts file), then hashes
 * each file while copying it into the blob store, then commits the version
 * in one transaction.  On error nothing is registered.  *out (may be NULL)
 * receives the new version. */
int gpai_registry_add(struct gpai_registry *reg, const struct gpai_add_opts *o,
		      struct gpai_version *out, struct gpai_error *err);

/* One file that the caller wrote and hashed itself (gpai_registry_add_staged). */
struct gpai_staged_file {
	const char *relpath;   /* its path in the version (POSIX, relative, no "." or
				* ".." component; for a single-file model, its name) */
	const char *path;      /* the staged file on disk */
	const char *sha256;    /* hex (64 lowercase digits) */
	uint64_t size;         /* bytes */
};
/* Registers a version whose files are already written and hashed, without
 * reading them again: gpai_registry_add with o->path the staged directory
 * (or, for one file, the staged file) that holds files[0..n), every check
 * of add first (names, licence, lineage, facts, model headers), then each
 * staged file is moved into the blob store (made read-only, fsynced,
 * renamed to its digest name, the directory fsynced), then the commit.
 * On success the staged files are gone; on error some may be.
 *
 * Contract (the caller's, because the store does not re-hash): sha256 and
 * size were computed over exactly the bytes the caller wrote to path, the
 * caller wrote it itself in a directory only it writes to (such as a
 * mkdtemp() folder inside the registry directory), and nothing writes to it
 * afterwards.  gpai_oci_pull is the user: it hashes each layer while it
 * streams it to disk and refuses it unless the digest matches.  The store
 * holds the file to this much: a regular file (links not followed) of the
 * given size; a file with more than one link or on another file system is
 * copied and hashed like any added file, and refused (GPAI_EVERIFY) when
 * its digest differs.  *hashed (may be NULL) receives the bytes read and
 * hashed by that fallback (0 when every file was moved).
 * Returns what gpai_registry_add returns, GPAI_EFORMAT for a malformed
 * relpath or digest, GPAI_EVERIFY for a size or digest that differs. */
int gpai_registry_add_staged(struct gpai_registry *reg, const struct gpai_add_opts *o,
			     const struct gpai_staged_file *files, size_t n,
			     uint64_t *hashed, struct gpai_version *out,
			     struct gpai_error *err);

/* Syntax checks used by add (exported for other front ends).  Each returns
 * GPAI_OK or GPAI_EFORMAT with a message naming the value. */
int gpai_registry_check_name(const char *name, struct gpai_error *err);
int gpai_registry_check_version(const char *version, struct gpai_error *err);
/* check_license also needs every licence id (not the exception after WITH)
 * in the licence table below: an unknown id, or one without a category,
 * is GPAI_EFORMAT naming the id and docs/openness.md. */
int gpai_registry_check_license(const char *spdx, struct gpai_error *err);
int gpai_registry_check_relation(const char *relation, struct gpai_error *err);

/* ---- licence (registry/licence.c) ------------------------------------------ */

/* Licence categories (Art. 53(2), Recital 102, GPAI Guidelines C(2025) 5045
 * s.4.2.1-4.2.2; OSI approval for OSAID / MOF). */
enum gpai_license_cat {
	GPAI_LIC_UNKNOWN = 0,
	GPAI_LIC_PERMISSIVE,     /* OSI-approved permissive (Apache-2.0, MIT, BSD) */
	GPAI_LIC_COPYLEFT,       /* OSI-approved copyleft (GPL, MPL): share-alike allowed */
	GPAI_LIC_OPEN_DATA,      /* open data/content licences (CC-BY, CC0, CDLA) */
	GPAI_LIC_OPEN_RAIL,      /* open with proportionate safety use restrictions */
	GPAI_LIC_RESTRICTED,     /* custom terms with user caps, field limits, AUP changes */
	GPAI_LIC_NONCOMMERCIAL,  /* non-commercial or research only */
	GPAI_LIC_NO_DERIVATIVES, /* modification not allowed */
	GPAI_LIC_PROPRIETARY,    /* no public licence */
};

struct gpai_license {
	const char *spdx;      /* SPDX id or LicenseRef-... as recorded */
	enum gpai_license_cat cat;
	int osi;               /* OSI-approved (or open data licence for data/docs) */
	int art53_2;           /* 1: meets the Art. 53(2) licence condition */
	const char *why;       /* one sentence: why this category */
};

/* Looks an SPDX id up (case-insensitive), or evaluates an SPDX
 * expression: for "A OR B" the more open licence governs (the licensee
 * chooses), for "A AND B" the less open, for "A WITH exception" A.  NULL
 * when an id is not in the table or the expression is malformed.  The
 * returned entry is static (for an expression: the governing licence).
 * gpai_registry_check_license and the license.spdx fact refuse what this
 * does not find (docs/openness.md lists the table). */
const struct gpai_license *gpai_license_find(const char *spdx);
const char *gpai_license_cat_name(enum gpai_license_cat c);

/* ---- facts ----------------------------------------------------------------- */

enum gpai_fact_type {
	GPAI_FACT_STRING,   /* one line of UTF-8 */
	GPAI_FACT_TEXT,     /* UTF-8 text */
	GPAI_FACT_INT,      /* non-negative integer (stored as digits) */
	GPAI_FACT_NUMBER,   /* finite decimal number */
	GPAI_FACT_FRACTION, /* number in [0, 1] */
	GPAI_FACT_DATE,     /* YYYY-MM-DD, YYYY-MM or YYYY */
	GPAI_FACT_URL,      /* http:// or https:// */
	GPAI_FACT_ENUM,     /* one word of choices */
	GPAI_FACT_LIST,     /* comma-separated words of choices */
	GPAI_FACT_JSON,     /* any JSON value (stored compact) */
};

/* One field of the fact vocabulary (the table is data in registry/vocab.c
 * and is documented in docs/facts.md; add a field there and in the doc). */
struct gpai_fact_field {
	const char *name;         /* "training.tokens" */
	enum gpai_fact_type type;
	const char *choices;      /* "a|b|c" for ENUM and LIST, else NULL */
	const char *meaning;      /* one line */
};
/* The field called name, or NULL (user fields "x.*" are not in the table). */
const struct gpai_fact_field *gpai_fact_field_lookup(const char *name);
/* The whole table; *n receives its length. */
const struct gpai_fact_field *gpai_fact_fields(size_t *n);
/* Type name for messages and docs: "int", "enum(a|b)" (static or from the
 * table; borrowed). */
const char *gpai_fact_type_name(enum gpai_fact_type t);
/* Checks value against field's type; on success *normalized (malloc'd,
 * caller frees) is the value to store.  Unknown field or bad value:
 * GPAI_EFORMAT naming the field and what is expected. */
int gpai_fact_validate(const char *field, const char *value, char **normalized,
		       struct gpai_error *err);

/* One recorded fact. */
struct gpai_fact {
	int64_t id;           /* increases with time */
	char *field, *value, *source, *recorded_by;
	char recorded_at[21];
};
void gpai_facts_free(struct gpai_fact *f, size_t n);
/* Appends a fact to version ref after validation; source must be non-empty. */
int gpai_registry_fact_set(struct gpai_registry *reg, const char *ref,
			   const char *field, const char *value,
			   const char *source, struct gpai_error *err);
/* Facts of version v: with history 0, the current value of each field (or
 * of `field` only, when not NULL); with history 1, every row, oldest first.
 * Ordered by field name, then time. */
int gpai_registry_facts(struct gpai_registry *reg, const struct gpai_version *v,
			const char *field, int history, struct gpai_fact **out,
			size_t *n, struct gpai_error *err);

/* ---- aliases and the event log ------------------------------------------ */

/* Points alias at version ref (moving it if it pointed elsewhere) and logs
 * the move.  An alias is a word starting with a letter ([A-Za-z][A-Za-z0-9._-]*)
 * and cannot equal one of the model's version names. */
int gpai_registry_alias_set(struct gpai_registry *reg, const char *ref,
			    const char *alias, struct gpai_error *err);

/* One event of a model's append-only log. */
struct gpai_event {
	int64_t id;
	char *kind;          /* "add", "alias", "rm" */
	char *alias;         /* for "alias" events; NULL otherwise */
	char *from_version;  /* NULL when none */
	char *to_version;    /* NULL when none */
	char *who;
	char at[21];
};
void gpai_events_free(struct gpai_event *e, size_t n);
/* The events of model name, oldest first.  GPAI_ENOTFOUND if the name was
 * never added. */
int gpai_registry_log(struct gpai_registry *reg, const char *name,
		      struct gpai_event **out, size_t *n, struct gpai_error *err);

/* ---- signatures and the trust store (registry/signatures.c) ------------- */

/* One stored OMS signature of a version.  Strings owned (gpai_signatures_free). */
struct gpai_signature {
	int64_t id;           /* increases with time */
	char *method;         /* "key" or "certificate" */
	char *signer;         /* key hint (hex) or certificate subject */
	char *root_digest;    /* hex root digest the bundle signs */
	char *bundle;         /* the Sigstore bundle JSON text, as written */
	char *signed_by;
	char signed_at[21];
};
void gpai_signatures_free(struct gpai_signature *s, size_t n);
/* Stores a signature bundle for version v (the registry does not check it;
 * the caller verified it).  All strings required. */
int gpai_registry_signature_add(struct gpai_registry *reg, const struct gpai_version *v,
				const char *method, const char *signer,
				const char *root_digest, const char *bundle,
				struct gpai_error *err);
/* The signatures of v, newest first (*out NULL when *n is 0). */
int gpai_registry_signatures(struct gpai_registry *reg, const struct gpai_version *v,
			     struct gpai_signature **out, size_t *n,
			     struct gpai_error *err);

/* One imported public key or CA certificate. */
struct gpai_trusted_key {
	int64_t id;
	char *name;
	int is_ca;            /* 1: CA certificate (certificate method), 0: key */
	char *fingerprint;    /* key hint, or SHA-256 of the certificate DER */
	char *description;    /* "ECDSA SHA256", or the certificate subject */
	char *pem;
	int trusted;          /* used by `gpai verify --trusted` */
	char *added_by;
	char added_at[21];
};
void gpai_trusted_keys_free(struct gpai_trusted_key *k, size_t n);
/* Stores a key or certificate under name (a word: [A-Za-z0-9][A-Za-z0-9._-]*).
 * GPAI_EEXIST if the name or the fingerprint is already there. */
int gpai_registry_key_import(struct gpai_registry *reg, const char *name, int is_ca,
			     const char *fingerprint, const char *description,
			     const char *pem, int trusted, struct gpai_error *err);
/* Marks the key called name (or whose fingerprint is name) trusted or not;
 * GPAI_ENOTFOUND names it. */
int gpai_registry_key_trust(struct gpai_registry *reg, const char *name, int trusted,
			    struct gpai_error *err);
/* Every stored key, by name. */
int gpai_registry_keys(struct gpai_registry *reg, struct gpai_trusted_key **out,
		       size_t *n, struct gpai_error *err);

/* ---- export, rm, gc, fsck -------------------------------------------------- */

/* Name of the provenance document export writes beside the files (add
 * skips it at the top level; gpai sign records it as an ignore path so a
 * deployed export verifies). */
#define GPAI_REG_PROVENANCE_NAME "provenance.json"

/* Writes the files of ref, provenance.json and, when ref has a stored
 * signature, the newest one as model.sig to out: a directory (made; it must
 * not exist or be empty), or an archive when out ends in .tar, .tar.gz,
 * .tgz, .tar.zst, .tar.xz or .zip.  GPAI_EEXIST when a model file has the
 * name of one of these documents. */
int gpai_registry_export(struct gpai_registry *reg, const char *ref,
			 const char *out, struct gpai_error *err);
/* The provenance document of version v (name, version, provider, licence,
 * access, files with digests, root digest, facts with sources, lineage) as
 * malloc'd JSON text (caller frees). */
int gpai_registry_provenance(struct gpai_registry *reg,
			     const struct gpai_version *v, char **json,
			     struct gpai_error *err);

/* Unpacks the archive at path (tar plain or gzip/bzip2/xz/zstd compressed,
 * or zip) into the existing directory dir with the checks of `gpai add
 * ARCHIVE` (docs/archives.md: no absolute or ".." paths, no links or
 * devices, UTF-8 names, no duplicates, the default size limits, two
 * passes so a refused archive writes nothing).  Regular files only
 * (directories are implied); a file that already exists below dir (from an
 * earlier archive into the same dir) is refused, never overwritten.
 * *bytes (may be NULL) receives the bytes written.  Used by gpai pull for
 * tar layers.  GPAI_OK, GPAI_EARCHIVE / GPAI_EFORMAT
 * naming the archive and the entry, GPAI_EEXIST, GPAI_EIO, GPAI_ENOMEM. */
int gpai_registry_archive_unpack(const char *path, const char *dir, uint64_t *bytes,
				 struct gpai_error *err);

/* Removes version ref (its files, facts, aliases, signatures, evaluation
 * claims and runs, and kept dossiers; logs the removal).
 * Blobs stay until gc.  GPAI_EMISUSE if another version names it as base. */
int gpai_registry_rm(struct gpai_registry *reg, const char *ref,
		     struct gpai_error *err);

/* Folder of the registry directory where gpai pull keeps the dossier
 * bundles it brings (docs/pull.md); each is named by a kept dossier's out,
 * and gc removes a file there that none names. */
#define GPAI_REG_DOSSIER_BUNDLES "dossier-bundles"

struct gpai_gc_result {
	uint64_t blobs_removed, bytes_removed, blobs_kept;
	uint64_t tmp_removed; /* leftover temporary files removed */
	uint64_t legacy_removed; /* files of a schema-3 dossiers/ folder that a
				  * migration imported but was killed before
				  * removing */
	uint64_t bundles_removed; /* files in GPAI_REG_DOSSIER_BUNDLES that no
				   * kept dossier names (after rm, or a pull
				   * killed before it recorded one) */
};
/* Deletes blobs nothing in the catalogue references and files in
 * GPAI_REG_DOSSIER_BUNDLES no kept dossier names (waits for running
 * writers). */
int gpai_registry_gc(struct gpai_registry *reg, struct gpai_gc_result *res,
		     struct gpai_error *err);

/* What fsck found.  _init/_release pair. */
struct gpai_fsck_report {
	uint64_t blobs_checked, bytes_checked;
	char **corrupt;   size_t n_corrupt;  /* digests whose content differs */
	char **missing;   size_t n_missing;  /* digests referenced but absent */
	char **orphans;   size_t n_orphans;  /* digests no version references */
	char **strays;    size_t n_strays;   /* other files in objects/ (paths) */
	char **bad_dossiers; size_t n_bad_dossiers; /* kept dossiers whose
				* document is missing, damaged or not a dossier:
				* "NAME@VER #N: why" */
	uint64_t dossiers_checked;
	char *legacy_dir; /* a leftover schema-3 dossiers/ folder (path), or NULL:
			   * imported already, harmless, gc removes it */
	char *integrity;  /* PRAGMA integrity_check result ("ok" when fine) */
	int clean;        /* 1: no corrupt, missing or stray blob, no bad
			   * dossier, database ok */
};
void gpai_fsck_report_init(struct gpai_fsck_report *r);
void gpai_fsck_report_release(struct gpai_fsck_report *r);
/* Re-hashes every blob, runs PRAGMA integrity_check and compares the
 * catalogue with the store.  Orphans are reported but do not make the
 * registry unclean (a crash during add leaves them; gc drops them).
 * Returns GPAI_OK when the check ran, whatever it found. */
int gpai_registry_fsck(struct gpai_registry *reg, struct gpai_fsck_report *r,
		       gpai_progress_fn progress, void *progress_ctx,
		       struct gpai_error *err);

/* ---- evaluation claims and runs (registry/evals.c) ---------------------- */

/* A published evaluation result recorded for a version (docs/eval.md).
 * Strings owned (gpai_eval_claims_free); optional ones NULL. */
struct gpai_eval_claim {
	int64_t id;
	char *task;            /* "greedy", "perplexity" or "choice" */
	char *params;          /* JSON object: the protocol (prompt, steps, file,
				* tokenizer; window, stride, bos; metric) */
	char *expected_text;   /* greedy: the expected text */
	double expected_value; /* perplexity: mean NLL in nats; choice: the
				* accuracy (acc or acc_norm, params' metric) */
	double tolerance;      /* perplexity, choice: |measured - expected| allowed */
	char *data_digest;     /* perplexity, choice: sha256 of the data blob */
	char *source;          /* where the claim was published */
	char *recorded_by;
	char recorded_at[21];
};
void gpai_eval_claims_free(struct gpai_eval_claim *c, size_t n);
/* Records a claim for version ref.  For perplexity and choice, data_path
 * (required) is
 * stored in the blob store and c->data_digest is ignored.  source must be
 * non-empty.  *id (may be NULL) gets the claim id.  GPAI_EFORMAT for an
 * unknown task or a missing field (named). */
int gpai_registry_eval_claim_add(struct gpai_registry *reg, const char *ref,
				 const struct gpai_eval_claim *c, const char *data_path,
				 int64_t *id, struct gpai_error *err);
/* The claims of v, oldest first (*out NULL when *n is 0). */
int gpai_registry_eval_claims(struct gpai_registry *reg, const struct gpai_version *v,
			      struct gpai_eval_claim **out, size_t *n,
			      struct gpai_error *err);

/* One re-run of a claim on the registry's blobs. */
struct gpai_eval_run {
	int64_t id, claim_id;
	double measured;       /* perplexity: mean NLL; greedy: 1 match, 0 not;
				* choice: the claimed metric's accuracy */
	char *measured_text;   /* greedy: the generated text; else NULL */
	int passed;
	char root_digest[65];  /* the version's weights root digest */
	char *data_digest;     /* perplexity, choice: data digest; else NULL */
	char *engine_version;  /* gpai version that ran it */
	double flop;           /* inference FLOP of the run (analytic) */
	char *run_by;
	char run_at[21];
};
void gpai_eval_runs_free(struct gpai_eval_run *r, size_t n);
/* Appends a run (run_by and run_at are filled here). */
int gpai_registry_eval_run_add(struct gpai_registry *reg, const struct gpai_eval_run *r,
			       struct gpai_error *err);
/* The runs of claim_id, oldest first. */
int gpai_registry_eval_runs(struct gpai_registry *reg, int64_t claim_id,
			    struct gpai_eval_run **out, size_t *n, struct gpai_error *err);
/* Path of the blob with that sha256 hex digest (malloc'd), or NULL when
 * the store has no such blob. */
char *gpai_registry_blob_path(struct gpai_registry *reg, const char *sha256_hex);
/* Reads the data blob of claim c (at most max bytes) into *data (malloc'd,
 * NUL-terminated, *len bytes) after checking that its content still hashes
 * to c->data_digest.  GPAI_ENOTFOUND when the claim has no data or the
 * store lacks the blob, GPAI_EFORMAT when the blob was altered (both
 * digests named), GPAI_EIO/GPAI_ENOMEM. */
int gpai_registry_eval_data(struct gpai_registry *reg, const struct gpai_eval_claim *c,
			    size_t max, char **data, size_t *len, struct gpai_error *err);

/* ---- kept dossiers (registry/dossiers.c, table dossiers, schema 4) ------- */

/* Every dossier generated for a version is kept with its number (docs/
 * dossier.md, "History").  The row holds what was generated; the document
 * itself (the dossier JSON) is a blob under document_digest, so fsck
 * re-hashes it and gc drops it once no row names it. */
struct gpai_kept_dossier {
	int64_t number;        /* 1, 2, ... per version */
	char *audience;        /* "aio", "nca", "dp", "public" ("" if unknown) */
	char *format;          /* "json", "md", ..., "bundle" */
	char *out;             /* where it was written ("-": stdout) */
	char *out_sha256;      /* hex SHA-256 of what was written ("" if unknown) */
	char *generated_by;
	char generated_at[21];
	char document_digest[65]; /* hex SHA-256 of the document blob */
	uint64_t document_size;
};
void gpai_kept_dossiers_free(struct gpai_kept_dossier *d, size_t n);
/* Takes the next number for version v (one more than any number it had,
 * kept or reserved), safe against concurrent runs: a row without document
 * is committed at once.  A reservation never stored (the run failed) is
 * not listed. */
int gpai_registry_dossier_reserve(struct gpai_registry *reg, const struct gpai_version *v,
				  int64_t *number, struct gpai_error *err);
/* Stores document[0..len) (the dossier JSON) in the blob store, then fills
 * reservation d->number of v with d's audience, format, out, out_sha256 (NULL
 * strings are stored as "") and the time, in one transaction.
 * GPAI_ENOTFOUND when v has no such reservation (or it is filled already). */
int gpai_registry_dossier_store(struct gpai_registry *reg, const struct gpai_version *v,
				const struct gpai_kept_dossier *d, const char *document,
				size_t len, struct gpai_error *err);
/* The kept dossiers of v, oldest first (*out NULL when *n is 0). */
int gpai_registry_dossiers(struct gpai_registry *reg, const struct gpai_version *v,
			   struct gpai_kept_dossier **out, size_t *n, struct gpai_error *err);
/* The document of dossier number of v (malloc'd, NUL-terminated; *len its
 * length).  GPAI_ENOTFOUND when there is no such kept dossier or its blob is
 * missing; GPAI_EVERIFY when the blob does not hash to its digest. */
int gpai_registry_dossier_document(struct gpai_registry *reg, const struct gpai_version *v,
				   int64_t number, char **document, size_t *len,
				   struct gpai_error *err);

#endif
