/*
 * report_catalogue.c - builds and writes the classification table of the
 * catalogue's models (report_catalogue.h, docs/catalogue.md).
 *
 * Rules (docs/catalogue.md, "The classification table"):
 * - Compute: the figure gpai_figure_choose / gpai_figure_modification
 *   (compute_estimator.h) choose from the facts as `gpai classify NAME@VER`
 *   reads them (comp_version_from_facts): the developer's published figure,
 *   else a third party's (Epoch AI), else gpai's own estimate; a model with a
 *   base gets its base's figure plus its modification compute.  The 6ND and
 *   hardware figures of the note are cross-checks.
 * - Every scope (updates, cumulative, US state) gets the same figure: the
 *   catalogue has no stage breakdown.
 * - Classification: gpai_classify_input_figure + gpai_classify, as classify.
 * - Openness follows the Model Openness Framework components recorded as
 *   openness.* facts; the Art. 53(2) reading follows the licence (table
 *   below), and a model with systemic risk is never exempt.
 */
#include "report_catalogue.h"
#include "cli.h"
#include "computil.h"
#include "registry.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

/* The catalogue's openness components (docs/facts.md, "Openness
 * components"), MOF v1.0 order. */
static const char *const components[] = {
	"model_architecture", "model_parameters_final", "technical_report",
	"evaluation_results", "model_card", "data_card", "sample_model_outputs",
	"training_code", "inference_code", "evaluation_code", "evaluation_data",
	"supporting_libraries_and_tools", "datasets", "data_preprocessing_code",
	"model_parameters_intermediate", "research_paper", "model_metadata",
};
#define NCOMPONENTS (sizeof(components) / sizeof(components[0]))
#define NOT_INCLUDED "not-included"

/* Open licences in the MOF sense: OSI-approved for code, open data and
 * content licences for data and documents (MOF v1.0, section 4.1 of
 * ../shared/notes/registry_dossier.md). */
static const char *const open_licences[] = {
	"Apache-2.0", "MIT", "BSD-2-Clause", "BSD-3-Clause", "GPL-2.0-only",
	"GPL-3.0-only", "LGPL-3.0-only", "MPL-2.0", "ODC-By-1.0", "ODbL-1.0",
	"CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "CDLA-Permissive-2.0",
};

/* How a licence reads against Art. 53(2) (free and open-source licence,
 * Recital 102) and the Commission Guidelines C(2025) 5045, section 4.2. */
struct licence_reading {
	const char *prefix; /* licence id or LicenseRef- prefix */
	const char *status; /* "candidate", "unlikely", "uncertain" */
	const char *why;
};

#define RECITAL_102 "Recital 102 asks that users can freely access, use, modify and " \
	"redistribute the model (attribution and share-alike conditions are allowed)"
#define GUIDELINES_SAFETY "the Commission Guidelines (C(2025) 5045, section 4.2.1) allow " \
	"specific safety-oriented use restrictions that are proportionate and based on " \
	"objective, non-discriminatory criteria, so the reading turns on whether these " \
	"restrictions are of that kind"

static const struct licence_reading readings[] = {
	{ "Apache-2.0", "candidate",
	  "an OSI-approved licence allowing access, use, modification and distribution for "
	  "any purpose with attribution only; " RECITAL_102 },
	{ "MIT", "candidate",
	  "an OSI-approved licence allowing access, use, modification and distribution for "
	  "any purpose with the notice kept; " RECITAL_102 },
	{ "LicenseRef-Llama-", "unlikely",
	  "the licence makes use above 700 million monthly active users subject to a separate "
	  "licence from Meta and binds use to an acceptable use policy; the Commission "
	  "Guidelines (C(2025) 5045, section 4.2.1) count usage restrictions triggered by "
	  "user-scale thresholds among the conditions that keep a licence from being free and "
	  "open-source, and " RECITAL_102 },
	{ "LicenseRef-Falcon-180B-", "unlikely",
	  "offering the model as a hosted service needs a separate licence from TII; the "
	  "Commission Guidelines (C(2025) 5045, section 4.2.1) count requirements to obtain "
	  "separate commercial licences for specific use cases as disqualifying, and "
	  RECITAL_102 },
	{ "LicenseRef-Gemma-", "uncertain",
	  "use must follow Google's prohibited use policy, passed on to every recipient, and "
	  "Google may restrict usage it believes violates the terms; " GUIDELINES_SAFETY
	  " (a unilateral right to restrict usage goes further)" },
	{ "LicenseRef-DeepSeek-", "uncertain",
	  "use-based restrictions (Attachment A of the licence) bind every downstream user; "
	  GUIDELINES_SAFETY },
	{ "LicenseRef-NVIDIA-Open-Model-License", "uncertain",
	  "commercial use, modification and distribution are allowed, but the licence ends "
	  "when the model's safety guardrails are bypassed; " GUIDELINES_SAFETY },
	{ "BigScience-BLOOM-RAIL-", "uncertain",
	  "use-based restrictions (Attachment A of the RAIL licence) bind every downstream "
	  "user; " GUIDELINES_SAFETY },
};

static int is_open_licence(const char *id)
{
	for (size_t i = 0; i < sizeof(open_licences) / sizeof(open_licences[0]); i++)
		if (strcmp(id, open_licences[i]) == 0)
			return 1;
	return 0;
}

static void append(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;

	if (n + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
}

/* Reads a numeric fact; 1 and *out when present, 0 when absent, -1 (error
 * set) when it does not parse. */
static int num_fact(const struct catalogue_model *m, const char *field, double *out,
		    struct gpai_error *err)
{
	char buf[64];
	const char *v = catalogue_fact(m, field, buf, NULL);

	if (!v)
		return 0;
	if (gpai_parse_double(v, out) || !isfinite(*out) || *out < 0) {
		gpai_error_set(err, GPAI_EFORMAT, "'%s': fact %s: '%s' is not a number", m->origin,
			       field, v);
		return -1;
	}
	return 1;
}

static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; p && *p;) {
		const char *c = strchr(p, ',');
		size_t len = c ? (size_t)(c - p) : strlen(p);

		if (len == n && strncmp(p, word, n) == 0)
			return 1;
		p = c ? c + 1 : NULL;
	}
	return 0;
}

static void openness(struct rc_row *r)
{
	const struct catalogue_model *m = r->m;
	char buf[64], absent[RC_TEXT_MAX] = "";
	const char *weights = catalogue_fact(m, "openness.model_parameters_final", buf, NULL);
	int code_open, data_open;
	char key[64];

	for (size_t i = 0; i < NCOMPONENTS; i++) {
		char b2[64];
		const char *v;

		snprintf(key, sizeof(key), "openness.%s", components[i]);
		v = catalogue_fact(m, key, b2, NULL);
		if (!v)
			continue;
		r->components_known++;
		if (strcmp(v, NOT_INCLUDED) != 0)
			r->components_public++;
		else
			append(absent, sizeof(absent), "%s%s", absent[0] ? ", " : "",
			       components[i]);
		if (is_open_licence(v))
			r->components_open++;
	}
#define OPEN(c) (catalogue_fact(m, "openness." c, key, NULL) && \
		 is_open_licence(catalogue_fact(m, "openness." c, key, NULL)))
	code_open = OPEN("training_code") && OPEN("inference_code") && OPEN("model_architecture");
	data_open = OPEN("datasets") && OPEN("data_preprocessing_code") &&
		    OPEN("model_parameters_intermediate");
#undef OPEN
	if (!weights || strcmp(weights, NOT_INCLUDED) == 0 ||
	    (m->access && strcmp(m->access, "open-weight") != 0))
		r->openness = "closed-weight";
	else if (!is_open_licence(weights))
		r->openness = "open-weight, restricted licence";
	else if (code_open && data_open)
		r->openness = "open science: weights, code and data open";
	else if (code_open)
		r->openness = "open source: weights and code open";
	else
		r->openness = "open-weight, open licence";
	snprintf(r->openness_why, sizeof(r->openness_why),
		 "weights: %s; %d of %zu MOF components public, %d under open licences",
		 weights ? weights : "not recorded", r->components_public, NCOMPONENTS,
		 r->components_open);
	if (r->components_known < (int)NCOMPONENTS)
		append(r->openness_why, sizeof(r->openness_why), " (%d not recorded)",
		       (int)NCOMPONENTS - r->components_known);
	if (absent[0])
		append(r->openness_why, sizeof(r->openness_why), "; not released: %s", absent);
}

/* The row's facts through comp_version_from_facts, the reading `gpai
 * classify NAME@VER` applies to the imported version: r->fin and the
 * method of gpai's own estimate. */
static int own_inputs(struct rc_row *r, struct gpai_error *err)
{
	const struct catalogue_model *m = r->m;
	struct gpai_fact *f;
	struct comp_version cv;
	size_t n = 0, cap = (size_t)cJSON_GetArraySize(m->facts);
	const cJSON *it;
	char ref[256];
	int rc = GPAI_OK;

	f = calloc(cap ? cap : 1, sizeof(*f));
	if (!f)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	cJSON_ArrayForEach(it, m->facts) {
		const char *field = gpai_json_str(it, "field"), *src = NULL, *v;
		char buf[64];

		if (!field || !(v = catalogue_fact(m, field, buf, &src)))
			continue;
		f[n].field = gpai_asprintf("%s", field);
		f[n].value = gpai_asprintf("%s", v);
		f[n].source = gpai_asprintf("%s", src ? src : "");
		if (!f[n].field || !f[n].value || !f[n].source) {
			n++;
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			goto out;
		}
		n++;
	}
	snprintf(ref, sizeof(ref), "%s@%s", m->name, m->version);
	if (comp_version_from_facts(ref, m->base, m->relation, f, n, NULL, NULL, &cv)) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': cannot read the compute facts",
				    m->origin);
		goto out;
	}
	r->fin = cv.fin;
	r->own_method = cv.fin.have_own ? cv.e.method : NULL;
	comp_version_release(&cv);
out:
	gpai_facts_free(f, n);
	return rc;
}

static struct rc_row *find_row(struct rc_row *rows, size_t n, const char *ref);

/* The row's figure: gpai_figure_choose, or for a model with a base
 * gpai_figure_modification over the base row's figure (the same function
 * and inputs as `gpai classify NAME@VER`). */
static void choose_figure(struct rc_row *rows, size_t n, struct rc_row *r)
{
	char a[32], b[32];

	if (r->fig_state == 2)
		return;
	if (r->fig_state == 1) {        /* a lineage cycle: the base is unknown */
		gpai_figure_choose(&r->fin, &r->fig);
		return;
	}
	r->fig_state = 1;
	if (r->m->base) {
		struct rc_row *b0 = find_row(rows, n, r->m->base);

		if (b0)
			choose_figure(rows, n, b0);
		gpai_figure_modification(b0 && b0->fig_state == 2 ? &b0->fig : NULL, &r->fin,
					 &r->fig);
	} else {
		gpai_figure_choose(&r->fin, &r->fig);
	}
	r->fig_state = 2;
	r->kind = r->fig.kind;
	r->est = r->fig.est;
	switch (r->kind) {
	case GPAI_FIGURE_REPORTED:
		snprintf(r->method, sizeof(r->method), "reported by the developer");
		break;
	case GPAI_FIGURE_THIRD_PARTY:
		snprintf(r->method, sizeof(r->method), "third-party estimate%s%s%s",
			 r->confidence ? " (" : "", r->confidence ? r->confidence : "",
			 r->confidence ? ")" : "");
		break;
	case GPAI_FIGURE_OWN:
		snprintf(r->method, sizeof(r->method), "%s",
			 r->own_method && strcmp(r->own_method, "operations") == 0 ?
			 "6ND from the published parameters and tokens (gpai)" :
			 r->own_method && strcmp(r->own_method, "hardware") == 0 ?
			 "hardware method from the published accelerator-hours (gpai)" :
			 "geometric mean of 6ND and the hardware method (gpai)");
		break;
	case GPAI_FIGURE_CUMULATIVE:
		if (r->fig.have_base)
			snprintf(r->method, sizeof(r->method), "cumulative: base %s (%s) + "
				 "modification %s (%s)", gpai_flop_2sf(r->fig.base.flop, a),
				 gpai_figure_kind_name(r->fig.base_kind),
				 gpai_flop_2sf(r->fig.mod.flop, b), r->fig.mod_from);
		else
			snprintf(r->method, sizeof(r->method), "the modification alone (%s; "
				 "base unknown, a lower bound)", r->fig.mod_from);
		break;
	case GPAI_FIGURE_NONE:
		break;
	}
	if (r->kind == GPAI_FIGURE_OWN || r->kind == GPAI_FIGURE_CUMULATIVE)
		r->flop_source = NULL;
	if (r->kind != GPAI_FIGURE_THIRD_PARTY)
		r->confidence = NULL;
}

/* The compute estimate of a row (kind, est, method, missing). */
static int compute(struct rc_row *r, struct gpai_error *err)
{
	const struct catalogue_model *m = r->m;
	char buf[64], pbuf[64], cbuf[64];
	const char *precision = catalogue_fact(m, "training.precision", pbuf, NULL);
	const char *chip = catalogue_fact(m, "training.hardware.type", cbuf, NULL);
	double flop = 0, low = 0, high = 0, gpuh = 0;
	int hf, hl, hh, hg;

	if ((r->have_params = num_fact(m, "model.parameters", &r->params, err)) < 0 ||
	    (r->have_active = num_fact(m, "model.active_parameters", &r->active, err)) < 0 ||
	    (r->have_tokens = num_fact(m, "training.tokens", &r->tokens, err)) < 0 ||
	    (hf = num_fact(m, "training.flop", &flop, err)) < 0 ||
	    (hl = num_fact(m, "training.flop.low", &low, err)) < 0 ||
	    (hh = num_fact(m, "training.flop.high", &high, err)) < 0 ||
	    (hg = num_fact(m, "training.gpu_hours", &gpuh, err)) < 0)
		return GPAI_EFORMAT;

	/* Cross-checks: 6 N D and the hardware method. */
	if ((r->have_active || r->have_params) && r->have_tokens && r->tokens > 0) {
		struct gpai_ops_input in;

		memset(&in, 0, sizeof(in));
		in.params = r->have_active ? r->active : r->params;
		in.tokens = r->tokens;
		in.epochs = 1;
		r->have_ops = gpai_flops_operations(&in, &r->ops, NULL, err) == GPAI_OK;
	}
	if (chip && hg == 1 && gpuh > 0) {
		const struct gpai_accelerator *a = gpai_accelerator_find(chip);
		enum gpai_precision p = GPAI_PREC_BF16;
		struct gpai_hw_period period;
		struct gpai_error e2;

		gpai_error_init(&e2);
		if (precision && gpai_precision_parse(precision, &p) != GPAI_OK)
			precision = NULL;
		memset(&period, 0, sizeof(period));
		period.chip = a;
		period.precision = p;
		period.count = 1;
		period.seconds = gpuh * 3600.0;
		period.utilization = -1;
		if (!a)
			snprintf(r->hw_note, sizeof(r->hw_note),
				 "accelerator '%s' is not in the accelerator table", chip);
		else if (gpai_flops_hardware(&period, 1, &r->hw, &r->hw_assumed, &e2) == GPAI_OK) {
			r->have_hw = 1;
			snprintf(r->hw_note, sizeof(r->hw_note),
				 "%.4g %s-hours at the %s dense peak%s, utilisation %.2f (%.2f-%.2f assumed)",
				 gpuh, a->id, gpai_precision_name(p),
				 precision ? "" : " (format not published; bf16 assumed)",
				 GPAI_UTILIZATION_DEFAULT, GPAI_UTILIZATION_LOW,
				 GPAI_UTILIZATION_HIGH);
		} else {
			snprintf(r->hw_note, sizeof(r->hw_note), "%s", gpai_errmsg(&e2));
		}
	}

	/* What classify reads from the same facts (computil.h), for the one
	 * choice of the figure made in choose_figure(). */
	if (own_inputs(r, err))
		return GPAI_EFORMAT;
	(void)hl;  /* low/high were checked to be numbers; the figure reads them */
	(void)hh;
	if (hf == 1 && flop > 0)
		catalogue_fact(m, "training.flop", buf, &r->flop_source);
	r->confidence = catalogue_fact(m, "training.flop.confidence", cbuf, NULL);
	r->confidence = r->confidence ?
		(strcmp(r->confidence, "confident") == 0 ? "confident" :
		 strcmp(r->confidence, "likely") == 0 ? "likely" : "speculative") : NULL;
	{
		char ubuf[64];
		const char *u = catalogue_fact(m, "disclosure.undisclosed", ubuf, NULL);
		const char *need = !r->have_tokens && !r->have_params ?
				   "model.parameters and training.tokens" :
				   !r->have_tokens ? "training.tokens" : "model.parameters";

		snprintf(r->missing, sizeof(r->missing),
			 "insufficient information: need training.flop, or %s%s", need,
			 u && has_word(u, r->have_tokens ? "model.parameters" : "training.tokens") &&
			 has_word(u, "training.flop") ?
			 " (undisclosed by the developer; no third-party estimate)" : "");
	}
	return GPAI_OK;
}

static struct rc_row *find_row(struct rc_row *rows, size_t n, const char *ref)
{
	const char *at = strchr(ref, '@');

	for (size_t i = 0; at && i < n; i++)
		if (strlen(rows[i].m->name) == (size_t)(at - ref) &&
		    strncmp(rows[i].m->name, ref, (size_t)(at - ref)) == 0 &&
		    strcmp(rows[i].m->version, at + 1) == 0)
			return &rows[i];
	return NULL;
}

static int classify(struct rc_row *rows, size_t n, struct rc_row *r, const char *date,
		    struct gpai_error *err)
{
	struct gpai_classify_input in;
	char buf[64], s1[32], s2[32];
	const char *out = catalogue_fact(r->m, "model.modalities.output", buf, NULL);
	if (r->kind == GPAI_FIGURE_NONE)
		return GPAI_OK;
	memset(&in, 0, sizeof(in));
	gpai_classify_input_figure(&r->fig, &in);
	in.modality_known = out != NULL;
	in.generative_modality = out && (has_word(out, "text") || has_word(out, "audio") ||
					 has_word(out, "image") || has_word(out, "video"));
	in.revenue_usd = -1;
	in.cost_usd = -1;
	gpai_strlcpy(in.on_date, date, sizeof(in.on_date));
	if (r->m->base) {
		struct rc_row *b = find_row(rows, n, r->m->base);
		int same = b && b->m->provider && r->m->provider &&
			   strcmp(b->m->provider, r->m->provider) == 0;

		r->is_modification = 1;
		if (in.original == GPAI_ORIGINAL_KNOWN)
			snprintf(r->modification_note, sizeof(r->modification_note),
				 "%s of %s: %s FLOP for the modification (%s) against one third "
				 "of %s FLOP", r->m->relation ? r->m->relation : "modification",
				 r->m->base, gpai_flop_2sf(in.modification.flop, s1),
				 r->fig.mod_from, gpai_flop_2sf(in.original_flop.flop, s2));
		else
			snprintf(r->modification_note, sizeof(r->modification_note),
				 "%s of %s: insufficient information (%s)",
				 r->m->relation ? r->m->relation : "modification", r->m->base,
				 r->fig.have_mod ? "the base's compute is unknown: the lower "
				 "fallback 10^23/3 is used" :
				 "modification compute not published");
		if (same)
			append(r->modification_note, sizeof(r->modification_note),
			       "; the base has the same provider, so this is the same model's "
			       "lifecycle (Guidelines section 2.2) and the rule only shows what a "
			       "downstream modifier doing the same would face");
	}
	r->ncls = gpai_threshold_count();
	if (r->ncls > RC_MAX_RULES)
		return gpai_error_set(err, GPAI_EMISUSE, "more than %d threshold rules",
				      RC_MAX_RULES);
	if (gpai_classify(&in, r->cls, r->ncls, err))
		return gpai_error_prefix(err, "'%s'", r->m->origin);
	r->classified = 1;
	return GPAI_OK;
}

static const struct gpai_classification *rule(const struct rc_row *r, const char *id)
{
	for (size_t i = 0; r->classified && i < r->ncls; i++)
		if (strcmp(r->cls[i].threshold->id, id) == 0)
			return &r->cls[i];
	return NULL;
}

static void art53(struct rc_row *r)
{
	char buf[64], rbuf[64];
	const char *lic = r->m->license;
	const char *restr = catalogue_fact(r->m, "license.restrictions", rbuf, NULL);
	const struct gpai_classification *sr = rule(r, "eu-systemic-risk");
	const struct licence_reading *lr = NULL;

	(void)buf;
	for (size_t i = 0; lic && i < sizeof(readings) / sizeof(readings[0]); i++)
		if (strncmp(lic, readings[i].prefix, strlen(readings[i].prefix)) == 0)
			lr = &readings[i];
	if (strncmp(r->openness, "closed", 6) == 0) {
		r->art53 = "no";
		snprintf(r->art53_why, sizeof(r->art53_why),
			 "the weights are not public (Art. 53(2) needs the parameters, "
			 "including the weights, to be made publicly available)");
		return;
	}
	r->art53 = lr ? lr->status : "not assessed";
	snprintf(r->art53_why, sizeof(r->art53_why), "%s: %s", lic ? lic : "no licence",
		 lr ? lr->why : "this licence is not in gpai's licence readings");
	if (restr && lr && strcmp(lr->status, "candidate") != 0) {
		size_t len = strlen(restr);

		while (len && restr[len - 1] == '.')
			len--;
		append(r->art53_why, sizeof(r->art53_why), ". Restrictions: %.*s", (int)len,
		       restr);
	}
	if (sr && sr->met == 1) {
		r->art53 = "no";
		append(r->art53_why, sizeof(r->art53_why),
		       ". Whatever the licence, the exemption does not apply to a model with "
		       "systemic risk (Art. 53(2), last sentence)");
	} else if (sr && sr->band == GPAI_WITHIN_BAND_BELOW) {
		append(r->art53_why, sizeof(r->art53_why),
		       ". The compute interval reaches 10^25, so the systemic-risk exclusion "
		       "may apply");
	}
	if (!sr)
		append(r->art53_why, sizeof(r->art53_why),
		       ". The compute is unknown, so the systemic-risk exclusion cannot be "
		       "ruled out");
}

int rc_build(const struct catalogue_model *m, size_t n, const char *date,
	     struct rc_row **rows, struct gpai_error *err)
{
	struct rc_row *r;
	char tmp[11];

	*rows = NULL;
	if (gpai_date_add_days(date, 0, tmp, err))
		return GPAI_EMISUSE;
	r = calloc(n ? n : 1, sizeof(*r));
	if (!r)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		char buf[64];
		const char *u = catalogue_fact(&m[i], "disclosure.undisclosed", buf, NULL);

		r[i].m = &m[i];
		openness(&r[i]);
		if (compute(&r[i], err))
			goto fail;
		r[i].undisclosed[0] = '\0';
		for (const char *p = u; p && *p; p++)
			append(r[i].undisclosed, sizeof(r[i].undisclosed), *p == ',' ? ", " : "%c",
			       *p);
	}
	for (size_t i = 0; i < n; i++)
		choose_figure(r, n, &r[i]);
	for (size_t i = 0; i < n; i++) {
		if (classify(r, n, &r[i], date, err))
			goto fail;
		art53(&r[i]);
	}
	*rows = r;
	return GPAI_OK;
fail:
	free(r);
	return err->code ? err->code : GPAI_EFORMAT;
}

/* ---- writers ------------------------------------------------------------ */

/* The order and titles of the rule columns. */
static const struct {
	const char *id, *title;
} columns[] = {
	{ "eu-gpai", "EU GPAI (> 1e23)" },
	{ "eu-systemic-risk", "EU systemic risk (> 1e25)" },
	{ "eu-modification", "EU modification (> 1/3 of original)" },
	{ "us-ca-sb53", "US-CA SB 53 (> 1e26)" },
	{ "us-ny-raise", "US-NY RAISE (> 1e26)" },
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))
/* Margins from here up print as whole numbers ("380x", not "3.8e+02x"). */
#define RATIO_WHOLE 10.0

static const char *short_band(enum gpai_band b)
{
	switch (b) {
	case GPAI_BELOW: return "below";
	case GPAI_ABOVE: return "above";
	case GPAI_WITHIN_BAND_ABOVE: return "within band, above";
	case GPAI_WITHIN_BAND_BELOW: return "within band, below";
	default: return "n/a";
	}
}

/* One rule cell: "above (3.8x)", "not in force; below (0.38x)", ... */
static void rule_cell(const struct rc_row *r, const char *id, char *out, size_t size)
{
	const struct gpai_classification *c = rule(r, id);

	out[0] = '\0';
	if (!strcmp(id, "eu-modification") && !r->is_modification) {
		snprintf(out, size, "-");
		return;
	}
	if (!c) {
		snprintf(out, size, "insufficient information");
		return;
	}
	if (c->band == GPAI_NOT_APPLICABLE) {
		snprintf(out, size, "%s", r->is_modification ?
			 "insufficient information" : "-");
		return;
	}
	if (!c->in_force)
		append(out, size, "not in force; ");
	append(out, size, c->ratio >= RATIO_WHOLE ? "%s (%.0fx)" : "%s (%.2gx)",
	       short_band(c->band), c->ratio);
	if (c->met == -1 && (c->band == GPAI_ABOVE || c->band == GPAI_WITHIN_BAND_ABOVE))
		append(out, size, "; conditions undetermined");
}

static const char *params_text(const struct rc_row *r, char out[64])
{
	char a[32], b[32];

	if (!r->have_params)
		return "undisclosed";
	gpai_flop_2sf(r->params, a);
	if (r->have_active && r->active != r->params) {
		gpai_flop_2sf(r->active, b);
		snprintf(out, 64, "%s / %s", a, b);
	} else {
		snprintf(out, 64, "%s", a);
	}
	return out;
}

/* The first part of a source (up to the first ", " or ";") for the table. */
static void short_source(const char *src, char *out, size_t size)
{
	size_t n = 0;

	if (!src) {
		snprintf(out, size, "-");
		return;
	}
	if (strncmp(src, "Epoch AI", 8) == 0) {
		snprintf(out, size, "Epoch AI");
		return;
	}
	while (src[n] && src[n] != ';' && !(src[n] == ',' && src[n + 1] == ' '))
		n++;
	snprintf(out, size, "%.*s", (int)n, src);
}

static void flop_cell(const struct rc_row *r, char *out, size_t size)
{
	char a[32], b[32], c[32], s[256];

	if (r->kind == GPAI_FIGURE_NONE) {
		snprintf(out, size, "%s", r->missing);
		return;
	}
	short_source(r->flop_source, s, sizeof(s));
	snprintf(out, size, "%s [%s, %s], %s", gpai_flop_2sf(r->est.flop, a),
		 gpai_flop_2sf(r->est.low, b), gpai_flop_2sf(r->est.high, c), r->method);
	if (r->flop_source)
		append(out, size, ", %s", s);
}

/* Summary figures for the reading. */
struct summary {
	int open, closed, open_above, closed_above, open_known, closed_known;
	int closed_third_party;
	double open_max, closed_max;
	const char *open_max_name, *closed_max_name;
};

static void summarise(const struct rc_row *r, size_t n, struct summary *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < n; i++) {
		int closed = strncmp(r[i].openness, "closed", 6) == 0;
		const struct gpai_classification *c = rule(&r[i], "eu-systemic-risk");

		if (closed)
			s->closed++;
		else
			s->open++;
		if (r[i].kind == GPAI_FIGURE_NONE)
			continue;
		if (closed) {
			s->closed_known++;
			if (r[i].kind == GPAI_FIGURE_THIRD_PARTY)
				s->closed_third_party++;
			if (c && c->met == 1)
				s->closed_above++;
			if (r[i].est.flop > s->closed_max) {
				s->closed_max = r[i].est.flop;
				s->closed_max_name = r[i].m->name;
			}
		} else {
			s->open_known++;
			if (c && c->met == 1)
				s->open_above++;
			if (r[i].est.flop > s->open_max) {
				s->open_max = r[i].est.flop;
				s->open_max_name = r[i].m->name;
			}
		}
	}
}

/* Markdown-safe cell: pipes escaped, newlines flattened. */
static void md_cell(struct gpai_buf *b, const char *s)
{
	gpai_buf_puts(b, " ");
	for (; *s; s++) {
		if (*s == '|')
			gpai_buf_puts(b, "\\|");
		else if (*s == '\n')
			gpai_buf_puts(b, " ");
		else
			gpai_buf_append(b, s, 1);
	}
	gpai_buf_puts(b, " |");
}

char *rc_markdown(const struct rc_row *r, size_t n, const char *date)
{
	struct gpai_buf b;
	struct summary s;
	char cell[RC_TEXT_MAX], p[64], t[32], a[32], c[32];

	gpai_buf_init(&b);
	summarise(r, n, &s);
	gpai_buf_printf(&b, "Rules judged on %s. Compute (the figure `gpai classify "
			"NAME@VER` uses): developer's figure, else a third-party estimate, else "
			"gpai's own estimate; a modification's is its base's plus its own; "
			"interval +/-30 %% (EU Guidelines Annex A.2) unless published. Cells: "
			"result (compute / threshold).\n\n", date);
	gpai_buf_puts(&b, "| model | developer | openness | parameters (total / active) "
		      "| training tokens | training FLOP |");
	for (size_t k = 0; k < NCOLUMNS; k++)
		gpai_buf_printf(&b, " %s |", columns[k].title);
	gpai_buf_puts(&b, " undisclosed by the developer |\n|---|---|---|---|---|---|");
	for (size_t k = 0; k < NCOLUMNS; k++)
		gpai_buf_puts(&b, "---|");
	gpai_buf_puts(&b, "---|\n");
	for (size_t i = 0; i < n; i++) {
		gpai_buf_puts(&b, "|");
		snprintf(cell, sizeof(cell), "%s@%s", r[i].m->name, r[i].m->version);
		md_cell(&b, cell);
		md_cell(&b, r[i].m->provider ? r[i].m->provider : "-");
		md_cell(&b, r[i].openness);
		md_cell(&b, params_text(&r[i], p));
		md_cell(&b, r[i].have_tokens ? gpai_flop_2sf(r[i].tokens, t) : "undisclosed");
		flop_cell(&r[i], cell, sizeof(cell));
		md_cell(&b, cell);
		for (size_t k = 0; k < NCOLUMNS; k++) {
			rule_cell(&r[i], columns[k].id, cell, sizeof(cell));
			md_cell(&b, cell);
		}
		md_cell(&b, r[i].undisclosed[0] ? r[i].undisclosed : "-");
		gpai_buf_puts(&b, "\n");
	}
	gpai_buf_printf(&b, "\nOpen-weight models above 10^25 FLOP: %d of %d (%d with a compute "
			"figure); closed-weight models above: %d of %d (%d with a figure, %d of "
			"them third-party estimates). Largest open-weight: %s (%s FLOP); largest "
			"closed-weight: %s (%s FLOP).\n",
			s.open_above, s.open, s.open_known, s.closed_above, s.closed,
			s.closed_known, s.closed_third_party,
			s.open_max_name ? s.open_max_name : "-",
			gpai_flop_2sf(s.open_max, a), s.closed_max_name ? s.closed_max_name : "-",
			gpai_flop_2sf(s.closed_max, c));
	gpai_buf_puts(&b, "\n### Per model\n\n");
	for (size_t i = 0; i < n; i++) {
		gpai_buf_printf(&b, "- **%s@%s** (%s). Openness: %s (%s). Art. 53(2) "
				"exemption: **%s**: %s.", r[i].m->name, r[i].m->version,
				r[i].m->provider ? r[i].m->provider : "-", r[i].openness,
				r[i].openness_why, r[i].art53, r[i].art53_why);
		if (r[i].flop_source)
			gpai_buf_printf(&b, " Compute source: %s.", r[i].flop_source);
		if (r[i].have_ops && r[i].kind != GPAI_FIGURE_OWN)
			gpai_buf_printf(&b, " 6ND cross-check from the published parameters and "
					"tokens: %s FLOP.", gpai_flop_2sf(r[i].ops.flop, a));
		if (r[i].have_hw)
			gpai_buf_printf(&b, " Hardware cross-check: %s FLOP [%s, %s] (%s).",
					gpai_flop_2sf(r[i].hw.flop, a), gpai_flop_2sf(r[i].hw.low, t),
					gpai_flop_2sf(r[i].hw.high, c), r[i].hw_note);
		if (r[i].modification_note[0])
			gpai_buf_printf(&b, " Modification: %s.", r[i].modification_note);
		gpai_buf_puts(&b, "\n");
	}
	return gpai_buf_detach(&b);
}

static void html_text(struct gpai_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': gpai_buf_puts(b, "&amp;"); break;
		case '<': gpai_buf_puts(b, "&lt;"); break;
		case '>': gpai_buf_puts(b, "&gt;"); break;
		case '"': gpai_buf_puts(b, "&quot;"); break;
		default: gpai_buf_append(b, s, 1);
		}
	}
}

static void html_cell(struct gpai_buf *b, const char *s)
{
	gpai_buf_puts(b, "<td>");
	html_text(b, s);
	gpai_buf_puts(b, "</td>");
}

char *rc_html(const struct rc_row *r, size_t n, const char *date)
{
	struct gpai_buf b;
	char cell[RC_TEXT_MAX], p[64], t[32];

	gpai_buf_init(&b);
	gpai_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		      "<title>gpai: the catalogue, classified</title></head><body>\n");
	gpai_buf_printf(&b, "<h1>The catalogue, classified</h1>\n<p>Rules judged on %s.</p>\n"
			"<table>\n<thead><tr><th>model</th><th>developer</th><th>openness</th>"
			"<th>parameters (total / active)</th><th>training tokens</th>"
			"<th>training FLOP</th>", date);
	for (size_t k = 0; k < NCOLUMNS; k++) {
		gpai_buf_puts(&b, "<th>");
		html_text(&b, columns[k].title);
		gpai_buf_puts(&b, "</th>");
	}
	gpai_buf_puts(&b, "<th>undisclosed by the developer</th><th>Art. 53(2)</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		gpai_buf_printf(&b, "<tr id=\"%s\">", r[i].m->name);
		snprintf(cell, sizeof(cell), "%s@%s", r[i].m->name, r[i].m->version);
		html_cell(&b, cell);
		html_cell(&b, r[i].m->provider ? r[i].m->provider : "-");
		snprintf(cell, sizeof(cell), "%s (%s)", r[i].openness, r[i].openness_why);
		html_cell(&b, cell);
		html_cell(&b, params_text(&r[i], p));
		html_cell(&b, r[i].have_tokens ? gpai_flop_2sf(r[i].tokens, t) : "undisclosed");
		flop_cell(&r[i], cell, sizeof(cell));
		html_cell(&b, cell);
		for (size_t k = 0; k < NCOLUMNS; k++) {
			rule_cell(&r[i], columns[k].id, cell, sizeof(cell));
			html_cell(&b, cell);
		}
		html_cell(&b, r[i].undisclosed[0] ? r[i].undisclosed : "-");
		snprintf(cell, sizeof(cell), "%s: %s", r[i].art53, r[i].art53_why);
		html_cell(&b, cell);
		gpai_buf_puts(&b, "</tr>\n");
	}
	gpai_buf_puts(&b, "</tbody>\n</table>\n</body></html>\n");
	return gpai_buf_detach(&b);
}

static cJSON *est_json(const struct gpai_estimate *e)
{
	cJSON *o = cJSON_CreateObject();

	if (o) {
		cJSON_AddNumberToObject(o, "flop", e->flop);
		cJSON_AddNumberToObject(o, "low", e->low);
		cJSON_AddNumberToObject(o, "high", e->high);
	}
	return o;
}

static cJSON *opt_str(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

cJSON *rc_json(const struct rc_row *r, size_t n, const char *date)
{
	cJSON *root = cJSON_CreateObject(), *arr;

	if (!root)
		return NULL;
	cJSON_AddStringToObject(root, "date", date);
	arr = cJSON_AddArrayToObject(root, "models");
	for (size_t i = 0; arr && i < n; i++) {
		cJSON *o = cJSON_CreateObject(), *x, *cls;

		if (!o)
			break;
		cJSON_AddItemToArray(arr, o);
		cJSON_AddStringToObject(o, "name", r[i].m->name);
		cJSON_AddStringToObject(o, "version", r[i].m->version);
		cJSON_AddItemToObject(o, "provider", opt_str(r[i].m->provider));
		cJSON_AddItemToObject(o, "access", opt_str(r[i].m->access));
		cJSON_AddItemToObject(o, "license", opt_str(r[i].m->license));
		x = cJSON_AddObjectToObject(o, "openness");
		cJSON_AddStringToObject(x, "class", r[i].openness);
		cJSON_AddStringToObject(x, "why", r[i].openness_why);
		cJSON_AddNumberToObject(x, "components_public", r[i].components_public);
		cJSON_AddNumberToObject(x, "components_open", r[i].components_open);
		x = cJSON_AddObjectToObject(o, "art53_2");
		cJSON_AddStringToObject(x, "status", r[i].art53);
		cJSON_AddStringToObject(x, "why", r[i].art53_why);
		cJSON_AddItemToObject(o, "parameters", r[i].have_params ?
				      cJSON_CreateNumber(r[i].params) : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "active_parameters", r[i].have_active ?
				      cJSON_CreateNumber(r[i].active) : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "training_tokens", r[i].have_tokens ?
				      cJSON_CreateNumber(r[i].tokens) : cJSON_CreateNull());
		x = cJSON_AddObjectToObject(o, "flop");
		cJSON_AddStringToObject(x, "kind", gpai_figure_kind_name(r[i].kind));
		if (r[i].kind != GPAI_FIGURE_NONE) {
			cJSON_AddItemToObject(x, "estimate", est_json(&r[i].est));
			cJSON_AddStringToObject(x, "method", r[i].method);
			cJSON_AddItemToObject(x, "source", opt_str(r[i].flop_source));
			cJSON_AddItemToObject(x, "confidence", opt_str(r[i].confidence));
		} else {
			cJSON_AddStringToObject(x, "missing", r[i].missing);
		}
		cJSON_AddItemToObject(x, "operations", r[i].have_ops ?
				      est_json(&r[i].ops) : cJSON_CreateNull());
		cJSON_AddItemToObject(x, "hardware", r[i].have_hw ?
				      est_json(&r[i].hw) : cJSON_CreateNull());
		cJSON_AddStringToObject(x, "hardware_note", r[i].hw_note);
		cls = cJSON_AddArrayToObject(o, "classification");
		for (size_t k = 0; r[i].classified && k < r[i].ncls; k++) {
			const struct gpai_classification *c = &r[i].cls[k];
			cJSON *y = cJSON_CreateObject();

			if (!y)
				break;
			cJSON_AddItemToArray(cls, y);
			cJSON_AddStringToObject(y, "id", c->threshold->id);
			cJSON_AddStringToObject(y, "jurisdiction", c->threshold->jurisdiction);
			cJSON_AddStringToObject(y, "band", gpai_band_name(c->band));
			cJSON_AddNumberToObject(y, "met", c->met);
			cJSON_AddBoolToObject(y, "in_force", c->in_force);
			if (c->band != GPAI_NOT_APPLICABLE) {
				cJSON_AddNumberToObject(y, "compared", c->compared);
				cJSON_AddNumberToObject(y, "limit", c->limit);
				cJSON_AddNumberToObject(y, "ratio", c->ratio);
			}
			cJSON_AddStringToObject(y, "explanation", c->explanation);
		}
		cJSON_AddItemToObject(o, "modification", r[i].modification_note[0] ?
				      cJSON_CreateString(r[i].modification_note) :
				      cJSON_CreateNull());
		x = cJSON_AddArrayToObject(o, "undisclosed");
		for (const char *p = r[i].undisclosed; *p;) {
			const char *e = strchr(p, ',');
			size_t len = e ? (size_t)(e - p) : strlen(p);
			char *w = gpai_asprintf("%.*s", (int)len, p);

			if (w)
				cJSON_AddItemToArray(x, cJSON_CreateString(w));
			free(w);
			p = e ? e + 1 : p + len;
			while (*p == ' ')
				p++;
		}
	}
	return root;
}
