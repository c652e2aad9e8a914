/*
 * report_catalogue.h - the classification table of the catalogue's models
 * (`gpai report --catalogue`, docs/catalogue.md): for each model its
 * openness class, the Art. 53(2) licence reading, the training compute with
 * its method, interval and source, and the result of every compute rule of
 * compute_estimator's threshold table.
 *
 * The rows are computed from the fact files alone (no registry needed), so
 * the table is the same wherever gpai runs.
 */
#ifndef GPAI_CLI_REPORT_CATALOGUE_H
#define GPAI_CLI_REPORT_CATALOGUE_H

#include "catalogue.h"
#include "compute_estimator.h"

#define RC_TEXT_MAX 1024
#define RC_MAX_RULES 16

struct rc_row {
	const struct catalogue_model *m;
	/* Openness. */
	const char *openness;            /* class name (static) */
	char openness_why[RC_TEXT_MAX];
	int components_public, components_open, components_known;
	const char *art53;               /* "candidate", "unlikely", "uncertain", "no" */
	char art53_why[2 * RC_TEXT_MAX];
	/* Size. */
	int have_params, have_active, have_tokens;
	double params, active, tokens;
	/* Compute. */
	enum gpai_figure_kind kind;      /* as chosen by gpai_figure_choose/_modification */
	struct gpai_figure fig;
	struct gpai_figure_input fin;    /* the version's facts, as classify reads them */
	const char *own_method;          /* gpai's own estimate's method (static) or NULL */
	int fig_state;                   /* 0 not chosen, 1 choosing, 2 chosen */
	struct gpai_estimate est;
	const char *confidence;          /* third-party confidence word or NULL */
	const char *flop_source;         /* the fact's source, or NULL */
	char method[128];
	char missing[256];
	int have_ops, have_hw, hw_assumed;
	struct gpai_estimate ops, hw;
	char hw_note[256];
	/* Classification (when kind != RC_FLOP_NONE). */
	int classified;
	struct gpai_classification cls[RC_MAX_RULES];
	size_t ncls;
	int is_modification;
	char modification_note[512];
	/* What the provider did not publish. */
	char undisclosed[512];
};

/* Computes a row per model.  date (YYYY-MM-DD) is the day the rules are
 * judged on.  *rows is freed with free().  Errors (bad date, a value that
 * does not parse) name the file and field. */
int rc_build(const struct catalogue_model *m, size_t n, const char *date,
	     struct rc_row **rows, struct gpai_error *err);

/* Writers: Markdown, HTML and JSON (docs/catalogue.md describes them). */
char *rc_markdown(const struct rc_row *r, size_t n, const char *date);
char *rc_html(const struct rc_row *r, size_t n, const char *date);
struct cJSON *rc_json(const struct rc_row *r, size_t n, const char *date);

#endif
