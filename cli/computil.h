/*
 * computil.h - what `gpai flops` and `gpai classify` share: the estimate
 * built from command-line inputs, a stages file or a registry version, and
 * its report (text and JSON, docs/flops.md).
 */
#ifndef GPAI_CLI_COMPUTIL_H
#define GPAI_CLI_COMPUTIL_H

#include "cli.h"
#include "compute_estimator.h"

#define COMPUTIL_MAX_INPUTS 32

/* One input with where it came from ("--tokens", "config 'x.json'",
 * "fact training.tokens: arXiv:...", "assumed: ..."). */
struct comp_input {
	char name[48];
	char value[96];
	char source[320];
};

/* A single-stage estimate from flags or registry facts. */
struct comp_estimate {
	int have_params;
	struct gpai_param_count pc;     /* when have_params == 2 (a count) */
	char params_source[320];
	char params_note[640];          /* how config and tensor counts relate */
	double params, active;          /* N total, N active */
	struct gpai_ops_input ops;
	int have_ops, have_detailed, have_hw, hw_assumed, disagree;
	struct gpai_estimate ops_est, det_est, hw_est, est;
	struct gpai_hw_period period;
	const char *method;             /* static */
	struct comp_input in[COMPUTIL_MAX_INPUTS];
	size_t n_in;
	char missing[256];              /* "insufficient information: need ..." */
};

void comp_estimate_init(struct comp_estimate *e);
/* Records an input for the report (silently ignores overflow). */
void comp_add_input(struct comp_estimate *e, const char *name,
		    const char *source, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Computes the methods whose inputs are present (ops, detailed, hardware)
 * and the combined estimate.  Returns CLI_OK, or CLI_FAIL after printing
 * the library's error; when nothing can be estimated, e->missing says what
 * is needed and e->method is NULL. */
int comp_estimate_run(struct comp_estimate *e, int detailed);

/* Text report of e on stdout (not in quiet mode: only the estimate line). */
void comp_estimate_print(const struct comp_estimate *e, int quiet);
/* JSON object of e. */
struct cJSON *comp_estimate_json(const struct comp_estimate *e);
/* JSON object of an estimate: flop, low, high, reported (2 s.f.). */
struct cJSON *comp_est_json(const struct gpai_estimate *e);

/* Text and JSON of a stages file with per-scope totals. */
void comp_stages_print(const struct gpai_stages *s, int quiet);
struct cJSON *comp_stages_json(const struct gpai_stages *s);

/* Parses a strictly positive finite number for option flag; prints
 * "gpai: FLAG: ..." and returns CLI_FAIL otherwise. */
int comp_posnum(const char *flag, const char *s, double *out);

/* Formats an integer with thousands separators into out[32]. */
const char *comp_group(uint64_t n, char out[32]);

/* ---- registry versions (compreg.c) --------------------------------------- */

struct gpai_registry;

/* What a registry version's facts, files and lineage say about its training
 * compute. */
struct comp_version {
	char ref[160];
	struct comp_estimate e;       /* single stage from the facts */
	int have_stages;              /* training.stages fact */
	struct gpai_stages stages;
	int have_reported;            /* training.flop fact */
	double reported;
	char reported_source[320];
	struct gpai_estimate reported_est; /* with training.flop.low/high if given */
	int have_modification;        /* modification.flop */
	struct gpai_estimate modification;
	char base_ref[160];           /* lineage: "NAME@VER" or "" */
	char relation[32];
	int have_outputs, generative; /* model.modalities.output */
	char start[11];               /* training.time.start (YYYY-MM-DD) or "" */
	struct gpai_figure_input fin; /* for the figure (compute_estimator.h) */
};

struct gpai_fact;
struct gpai_version;

/* Bases followed at most through a lineage (a longer chain is a cycle). */
#define COMP_LINEAGE_MAX 16

/* Loads ref's facts (and counts its parameters from its files when no
 * parameter fact is recorded) and runs the estimate.  Prints the error and
 * returns CLI_FAIL on failure. */
int comp_version_load(struct gpai_registry *reg, const char *ref,
		      struct comp_version *cv);
/* The same from facts f[0..n) of version ref (base_ref and relation may be
 * NULL); reg and v (may be NULL) let it count parameters from the files. */
int comp_version_from_facts(const char *ref, const char *base_ref, const char *relation,
			    const struct gpai_fact *f, size_t n,
			    struct gpai_registry *reg, const struct gpai_version *v,
			    struct comp_version *cv);
void comp_version_release(struct comp_version *cv);
/* The version's figure (gpai_figure_choose, or for a version with a base
 * gpai_figure_modification over the base's figure read from reg).
 * Returns 1 with a figure, 0 for insufficient information. */
int comp_version_figure(struct gpai_registry *reg, const struct comp_version *cv,
			int depth, struct gpai_figure *out);

#endif
