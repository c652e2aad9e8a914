/*
 * dossier.h - the compliance dossier of a general-purpose AI model: the GPAI
 * Code of Practice Model Documentation Form, EU AI Act Annex XI / XII,
 * Articles 52, 53(1)(c)/(d) and 55, the public training-content summary,
 * and the openness classification (Model Openness Framework, OSAID 1.0,
 * Art. 53(2) exemption).
 *
 * Data flow: a caller fills a struct gpai_dossier_input (name, version,
 * facts with sources, digest and signer, lineage, compute results), from the
 * registry or from a fact file; gpai_dossier_build() turns it into the
 * documentation model for one audience, a cJSON document that follows
 * docs/dossier-schema.json; the renderers (JSON, Markdown, HTML, CycloneDX)
 * are pure functions of that document.  A field whose input is absent is
 * listed as missing, never invented; facts that do not parse or contradict
 * each other are listed as inconsistent and not rendered.
 *
 * Thread safety: no global state; the field and licence tables are const.
 */
#ifndef GPAI_DOSSIER_H
#define GPAI_DOSSIER_H

#include <stddef.h>

#include "common.h"
#include "registry.h"

struct cJSON;

/* Version of the JSON document (docs/dossier-schema.json); bumped when a
 * member changes meaning or disappears. */
#define GPAI_DOSSIER_SCHEMA_VERSION 1

/* ---- audiences and the field table ------------------------------------ */

/* Who receives the document (Code of Practice, Transparency chapter, Form
 * tick-boxes; Art. 53(1)(d) for the public). */
enum gpai_audience {
	GPAI_AUD_AIO = 1,    /* AI Office: precise values */
	GPAI_AUD_NCA = 2,    /* national competent authorities: coarsened */
	GPAI_AUD_DP = 4,     /* downstream providers (Annex XII) */
	GPAI_AUD_PUBLIC = 8, /* everyone: training-content summary, contact */
};

/* When a field is required. */
enum gpai_field_cond {
	GPAI_COND_ALL,        /* every GPAI provider, open-source or not */
	GPAI_COND_NOT_EXEMPT, /* Art. 53(1)(a)/(b): lifted by the Art. 53(2) exemption */
	GPAI_COND_SYSTEMIC,   /* systemic-risk models only (Annex XI s.2, Arts. 52, 55) */
	GPAI_COND_OPTIONAL,   /* "where applicable": shown when known, never required */
};

/* How national competent authorities receive the value (Form: NCAs get a
 * range or an order of magnitude where the AI Office gets the figure). */
enum gpai_coarsen {
	GPAI_COARSEN_NONE,
	GPAI_COARSEN_TIME_RANGE, /* <1 month, 1-3, 3-6, >6 months */
	GPAI_COARSEN_FLOP_OOM,   /* order of magnitude of FLOP */
	GPAI_COARSEN_COUNT_OOM,  /* order of magnitude of a data-point count */
};

/* One row of the documentation model.  `source` is the fact field that
 * fills it (source_kind "fact") or the name of the computation
 * ("computed"); `hint` is the VALUE shown in the `gpai fact set` command
 * that would fill a missing fact field. */
struct gpai_dossier_field {
	const char *key;      /* stable key, e.g. "form.1.3.authenticity" */
	const char *section;  /* section id, e.g. "form.1" */
	const char *ref;      /* Form item / Annex / Article reference */
	const char *label;    /* human label */
	unsigned audiences;   /* GPAI_AUD_* bits */
	enum gpai_field_cond cond;
	enum gpai_coarsen nca;
	int computed;         /* 0: fact field, 1: computation */
	const char *source;   /* fact field or computation name */
	const char *hint;     /* example VALUE for the fill command */
};

/* The table, in document order; *n gets its length. */
const struct gpai_dossier_field *gpai_dossier_fields(size_t *n);
/* Sections in document order: id and title; NULL-terminated pairs. */
struct gpai_dossier_section {
	const char *id, *title, *intro;
};
const struct gpai_dossier_section *gpai_dossier_sections(size_t *n);

/* "aio", "nca", "dp", "public" <-> enum; 0 when unknown. */
enum gpai_audience gpai_audience_parse(const char *s);
const char *gpai_audience_name(enum gpai_audience a);

/* ---- licences and openness -------------------------------------------- */

/* The licence table (gpai_license_find, categories) is in registry.h. */

/* Model Openness Framework v1.0 components (17), in the MOF's order. */
#define GPAI_MOF_NCOMP 17
struct gpai_mof_component {
	const char *key;   /* fact field suffix: openness.<key> */
	const char *name;  /* MOF name */
	char type;         /* 'c' code, 'd' data, 'o' documentation */
	int cls;           /* lowest MOF class that requires it: 3, 2, 1 */
	int optional;      /* optional in the MOF */
};
const struct gpai_mof_component *gpai_mof_components(void);

/* Openness levels, most closed first. */
enum gpai_openness_level {
	GPAI_OPEN_CLOSED_WEIGHT,
	GPAI_OPEN_WEIGHT_RESTRICTED,
	GPAI_OPEN_WEIGHT_OPEN,
	GPAI_OPEN_SOURCE_AI,  /* OSAID 1.0 */
	GPAI_OPEN_SCIENCE,    /* MOF Class I */
};
const char *gpai_openness_level_name(enum gpai_openness_level l);

/* One component as recorded: `openness.<key>` = licence id, "unspecified"
 * or "not-included", optionally followed by a URL (else the fact's source
 * gives the location). */
struct gpai_openness_comp {
	int recorded;          /* a fact exists */
	int included;          /* released (not "not-included") */
	char license[96];      /* SPDX id, "" if none or unspecified */
	char url[512];         /* location, "" if none */
	const struct gpai_license *lic; /* NULL: unknown licence */
};

struct gpai_openness {
	enum gpai_openness_level level;
	int mof_class;         /* 3, 2, 1, or 0 when not even Class III */
	int osaid;             /* OSAID 1.0 conditions met */
	int weights_public, architecture_public, usage_public;
	const struct gpai_license *model_license; /* licence of the weights */
	int exempt;            /* Art. 53(2) exemption applies */
	int systemic_risk;     /* as passed in: 1, 0, -1 unknown */
	struct gpai_openness_comp comp[GPAI_MOF_NCOMP];
	struct gpai_buf reason;   /* why this level and exemption decision */
	struct gpai_buf next;     /* what is missing for the next MOF class */
	struct gpai_buf problems; /* unknown licences or malformed values, one per line */
};

struct gpai_dossier_input;
/* Classifies in->facts.  systemic_risk: 1, 0 or -1 unknown (an unknown
 * status blocks the exemption only when the FLOP suggest it).  The result
 * is caller-owned: _release frees its buffers. */
int gpai_openness_classify(const struct gpai_dossier_input *in, int systemic_risk,
			   struct gpai_openness *out, struct gpai_error *err);
void gpai_openness_release(struct gpai_openness *o);
/* The classification as JSON (docs/openness.md); NULL without memory. */
struct cJSON *gpai_openness_json(const struct gpai_openness *o);

/* ---- the input -------------------------------------------------------- */

/* One recorded fact (strings borrowed from the caller). */
struct gpai_dossier_fact {
	const char *field, *value, *source;
	const char *recorded_at;  /* "YYYY-MM-DDTHH:MM:SSZ" or NULL */
};

/* One evaluation claim and its latest verification. */
struct gpai_dossier_eval {
	const char *name;        /* benchmark or evaluation */
	const char *claimed;     /* value as published */
	const char *source;      /* where it was published */
	const char *measured;    /* value measured by gpai, NULL if never run */
	const char *verdict;     /* "verified", "mismatch", NULL if never run */
	const char *measured_at;
};

/* Results of the compute estimator, filled by the caller when it ran. */
struct gpai_dossier_compute {
	int have;                /* 0: no estimate available */
	double flop, low, high;  /* FLOP and its interval */
	const char *method;      /* e.g. "6ND operation counting" */
	const char *basis;       /* the facts it used, one line */
	int systemic_risk;       /* 1 above 10^25 FLOP, 0 below, -1 unknown */
	int gpai_indicative;     /* 1 above 10^23 FLOP, 0 below, -1 unknown */
};

/* The model description (all strings borrowed; the struct must outlive
 * the dossier built from it).  _init zeroes it; facts are appended with
 * gpai_dossier_input_add_fact, which copies nothing (borrowed). */
struct gpai_dossier_input {
	const char *name, *version, *provider;
	const struct gpai_dossier_fact *facts;
	size_t n_facts;                /* the latest fact of a field wins */
	const char *root_digest;       /* OMS root digest "sha256:hex", NULL unknown */
	const char *signer;            /* who signed it, NULL if not signed */
	const char *base;              /* "NAME@VER" of the base model, NULL none */
	const char *relation;          /* finetune|quantized|merge|adapter|distilled */
	double base_flop;              /* training FLOP of the base, 0 unknown */
	int base_systemic;             /* the base is a systemic-risk model: 1/0/-1 */
	struct gpai_dossier_compute compute;
	const struct gpai_dossier_eval *evals;
	size_t n_evals;
	int doc_version;               /* dossier version number (registry history) */
	const char *doc_date;          /* "YYYY-MM-DD"; NULL: today */
	double parameters;             /* counted from the model files, 0 unknown */
	const char *architecture;      /* from the model files, NULL unknown */
	long long context_window;      /* from the model files, 0 unknown */
	const char *files_source;      /* e.g. "measured: model files (GGUF header)" */
	double inference_flop;         /* FLOP of the latest evaluation run, 0 unknown */
	const char *inference_source;  /* how it was measured (task, engine, date) */
};

void gpai_dossier_input_init(struct gpai_dossier_input *in);

/* The current fact of a field (latest recorded_at, then latest in the
 * array); NULL when absent. */
const struct gpai_dossier_fact *gpai_dossier_fact_get(const struct gpai_dossier_input *in,
						      const char *field);

/* A model description read from a fact file (docs/facts.md format, plus
 * optional members root_digest, signer, base_flop and per-fact
 * recorded_at).  Owns every string; _free accepts NULL. */
struct gpai_dossier_file;
int gpai_dossier_file_load(const char *path, struct gpai_dossier_file **out,
			   struct gpai_error *err);
/* The input view of a loaded file; valid until _free. */
struct gpai_dossier_input *gpai_dossier_file_input(struct gpai_dossier_file *f);
void gpai_dossier_file_free(struct gpai_dossier_file *f);

/* ---- the documentation model and renderers ---------------------------- */

/* Builds the documentation model of `in` for one audience: a cJSON
 * document following docs/dossier-schema.json (caller frees with
 * cJSON_Delete).  Returns GPAI_OK, GPAI_ENOMEM, or GPAI_EMISUSE (no name or
 * version, bad audience). */
int gpai_dossier_build(const struct gpai_dossier_input *in, enum gpai_audience aud,
		       struct cJSON **out, struct gpai_error *err);

/* Number of required fields still missing, and of inconsistent facts, in
 * a built document (for --strict). */
int gpai_dossier_missing(const struct cJSON *doc);
int gpai_dossier_inconsistent(const struct cJSON *doc);

enum gpai_dossier_format {
	GPAI_FMT_JSON,
	GPAI_FMT_MD,
	GPAI_FMT_HTML,
	GPAI_FMT_CYCLONEDX,
};
/* "json", "md", "html", "cyclonedx" -> format; -1 when unknown. */
int gpai_dossier_format_parse(const char *s);
const char *gpai_dossier_format_ext(enum gpai_dossier_format f);

/* Renders a built document.  *out is malloc'd text (caller frees), *len
 * its length.  Pure: the same document gives the same bytes. */
int gpai_dossier_render(const struct cJSON *doc, enum gpai_dossier_format f,
			char **out, size_t *len, struct gpai_error *err);

/* ---- the registry as input (dossier/registry_input.c) ----------------- */

struct gpai_registry;
/* A registry version as a dossier input: name, provider, licence and
 * access (as facts when no fact of that field is recorded), current facts
 * with sources and recording dates, root digest, the newest signature's
 * signer, lineage and the base's published compute, and the parameter
 * count, architecture and context window read from its files at add time.
 * The compute estimate (in->compute) is left to the caller.  Owns every
 * string; _free accepts NULL. */
struct gpai_dossier_reg;
int gpai_dossier_from_registry(struct gpai_registry *reg, const char *ref,
			       struct gpai_dossier_reg **out, struct gpai_error *err);
struct gpai_dossier_input *gpai_dossier_reg_input(struct gpai_dossier_reg *r);
/* The newest OMS signature bundle of the version (borrowed), NULL if none. */
const char *gpai_dossier_reg_model_sig(const struct gpai_dossier_reg *r, size_t *len);
void gpai_dossier_reg_free(struct gpai_dossier_reg *r);

/* History (dossier/history.c): every dossier generated for a version is
 * kept with its number in the registry's catalogue (registry.h, "kept
 * dossiers"; the document is a blob).
 * _reserve takes the next number (safe against concurrent runs); _store
 * writes the record (doc, format, output path, SHA-256 of the output);
 * _list gives [{number, generated_at, generated_by, audience, format, out,
 * sha256, document_sha256, document_size}] oldest first (caller frees with
 * cJSON_Delete). */
int gpai_dossier_history_reserve(struct gpai_registry *reg, const char *name,
				 const char *version, int *number, struct gpai_error *err);
int gpai_dossier_history_store(struct gpai_registry *reg, const char *name,
			       const char *version, int number, const struct cJSON *doc,
			       const char *format, const char *out, const char *sha256,
			       struct gpai_error *err);
int gpai_dossier_history_list(struct gpai_registry *reg, const char *name,
			      const char *version, struct cJSON **out, struct gpai_error *err);

/* ---- the signed bundle (dossier/bundle.c) ------------------------------ */

/* One file of a bundle (borrowed).  Names are plain file names. */
struct gpai_bundle_file {
	const char *name;
	const char *data;
	size_t len;
};
/* Writes a flat tar.gz at path with files[0..n), and, when key_path is not
 * NULL, dossier.sig: an OMS v1.0 signature (signing.h) over all of them.
 * Deterministic: entries in name order, mtime 0.  GPAI_EMISUSE for bad
 * names, GPAI_ECRYPTO/GPAI_EIO/GPAI_EARCHIVE naming the key or file. */
int gpai_dossier_bundle_write(const char *path, const struct gpai_bundle_file *files,
			      size_t n, const char *key_path, struct gpai_error *err);

/* What gpai_dossier_bundle_verify found. */
struct gpai_bundle_check {
	int signature_ok;       /* every file matches dossier.sig, signed by the key */
	int model_ok;           /* the model given has the bound root digest */
	char signer[256];       /* key hint of the signer */
	char root_digest[80];   /* "sha256:<hex>" bound by the signature, or "none" */
	char model[128];        /* model name in dossier.json */
	size_t n_files;         /* files covered by the signature */
};
/* Whom a bundle's dossier.sig must be signed by (borrowed): the public key
 * PEM file at key_path and/or any of key_pems[0..n_key_pems) (PEM text,
 * e.g. the keys trusted in the registry); at least one must be given. */
struct gpai_bundle_trust {
	const char *key_path;
	const char *const *key_pems;
	size_t n_key_pems;
};
/* 1 when path is a readable tar.gz whose top level holds dossier.sig, the
 * member gpai_dossier_bundle_write signs a bundle with (so `gpai verify`
 * can tell a dossier bundle from a model file); 0 otherwise. */
int gpai_dossier_is_bundle(const char *path);
/* Reads top-level member name (e.g. "dossier.json") of the bundle at path
 * into *data (NUL-terminated, caller frees), *len.  GPAI_ENOTFOUND when the
 * bundle has no such member, GPAI_EARCHIVE/GPAI_EFORMAT naming the bundle
 * when it is not a readable tar.gz or the member is too large. */
int gpai_dossier_bundle_read(const char *path, const char *name, char **data, size_t *len,
			     struct gpai_error *err);
/* Checks the bundle at path: plain top-level entries only; dossier.sig
 * verifies with a key of trust and covers every other file
 * unchanged (an edited, added or missing file fails); dossier.json's root
 * digest equals the bound model-root-digest; and, when model_root
 * ("sha256:<hex>") is given, that it equals the bound digest too.  The one
 * check behind both `gpai dossier verify` and `gpai verify BUNDLE`.
 * GPAI_OK, or GPAI_EVERIFY / GPAI_EFORMAT / GPAI_EARCHIVE with the reason
 * naming the bundle and the file. */
int gpai_dossier_bundle_verify(const char *path, const struct gpai_bundle_trust *trust,
			       const char *model_root, struct gpai_bundle_check *out,
			       struct gpai_error *err);

/* ---- small helpers the renderers and tests share ---------------------- */

/* Days since 1970-01-01 of "YYYY-MM-DD" ("YYYY-MM" = first of the month,
 * "YYYY" = 1 January); GPAI_EFORMAT when it does not parse or is not a
 * real date. */
int gpai_date_parse(const char *s, long *days);
/* "YYYY-MM-DD" of a day number into out[11]. */
void gpai_date_format(long days, char out[11]);
/* x to two significant figures as "3.8e+25"-style text into out[32]. */
const char *gpai_sig2(double x, char out[32]);

#endif
