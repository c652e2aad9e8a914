/*
 * openness.c - licence categories, the Model Openness Framework's 17
 * components, and the openness classification of a model version:
 * closed-weight, open-weight (restricted licence), open-weight (open
 * licence), open-source AI (OSAID 1.0), open science (MOF Class I); the MOF
 * class reached; and the Art. 53(2) exemption with its reason.
 *
 * Inputs are the facts `openness.<component>` = licence id, "unspecified"
 * or "not-included" (optionally followed by the URL; else the fact's source
 * is the location; docs/facts.md), `license.spdx`, `model.access` and
 * `distribution.monetised`.  Sources: ../shared/notes/registry_dossier.md
 * s.2.2 (Art. 53(2), Recitals 102/104, GPAI Guidelines C(2025) 5045
 * s.4.2.1-4.2.3) and s.4 (MOF v1.0 components and classes; OSAID 1.0).
 *
 * Invariant: the classification never assumes a component is public that
 * no fact says is public; an unknown licence is reported, never guessed.
 */
#include "dossier.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#define OPEN_W "grants access, use, modification and distribution without monetisation (Art. 53(2), Recital 102)"

/* Licence table.  OSI approval from the OSI list; categories and the
 * Art. 53(2) column from Guidelines s.4.2.1: attribution and share-alike are
 * allowed, proportionate safety-oriented use restrictions are allowed;
 * non-commercial or research-only terms, user-scale thresholds and
 * separate commercial licences disqualify. */
static const struct gpai_license licenses[] = {
	{ "Apache-2.0", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "MIT", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "BSD-2-Clause", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "BSD-3-Clause", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "BSD-3-Clause-Clear", GPAI_LIC_PERMISSIVE, 1, 1, "permissive BSD variant; " OPEN_W },
	{ "ISC", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "0BSD", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "Unlicense", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved public-domain dedication; " OPEN_W },
	{ "Zlib", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "BSL-1.0", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "UPL-1.0", GPAI_LIC_PERMISSIVE, 1, 1, "OSI-approved permissive licence; " OPEN_W },
	{ "MPL-2.0", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved weak copyleft; share-alike is allowed; " OPEN_W },
	{ "EPL-2.0", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved weak copyleft; share-alike is allowed; " OPEN_W },
	{ "LGPL-2.1-only", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft; share-alike is allowed; " OPEN_W },
	{ "LGPL-3.0-only", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft; share-alike is allowed; " OPEN_W },
	{ "GPL-2.0-only", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft; share-alike is allowed; " OPEN_W },
	{ "GPL-2.0-or-later", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft; share-alike is allowed; " OPEN_W },
	{ "GPL-3.0-only", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft; share-alike is allowed; " OPEN_W },
	{ "GPL-3.0-or-later", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft; share-alike is allowed; " OPEN_W },
	{ "AGPL-3.0-only", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft; share-alike is allowed; " OPEN_W },
	{ "AGPL-3.0-or-later", GPAI_LIC_COPYLEFT, 1, 1, "OSI-approved copyleft; share-alike is allowed; " OPEN_W },
	{ "CC0-1.0", GPAI_LIC_OPEN_DATA, 1, 1, "public-domain dedication for data and content; " OPEN_W },
	{ "CC-BY-3.0", GPAI_LIC_OPEN_DATA, 1, 1, "open content licence with attribution; " OPEN_W },
	{ "CC-BY-4.0", GPAI_LIC_OPEN_DATA, 1, 1, "open content licence with attribution; " OPEN_W },
	{ "CC-BY-SA-3.0", GPAI_LIC_OPEN_DATA, 1, 1, "open content licence, share-alike allowed; " OPEN_W },
	{ "CC-BY-SA-4.0", GPAI_LIC_OPEN_DATA, 1, 1, "open content licence, share-alike allowed; " OPEN_W },
	{ "CDLA-Permissive-1.0", GPAI_LIC_OPEN_DATA, 1, 1, "open data licence; " OPEN_W },
	{ "CDLA-Permissive-2.0", GPAI_LIC_OPEN_DATA, 1, 1, "open data licence; " OPEN_W },
	{ "CDLA-Sharing-1.0", GPAI_LIC_OPEN_DATA, 1, 1, "open data licence, share-alike allowed; " OPEN_W },
	{ "ODC-By-1.0", GPAI_LIC_OPEN_DATA, 1, 1, "open data licence with attribution; " OPEN_W },
	{ "ODbL-1.0", GPAI_LIC_OPEN_DATA, 1, 1, "open database licence, share-alike allowed; " OPEN_W },
	{ "PDDL-1.0", GPAI_LIC_OPEN_DATA, 1, 1, "public-domain dedication for data; " OPEN_W },
	{ "CreativeML-OpenRAIL-M", GPAI_LIC_OPEN_RAIL, 0, 1,
	  "OpenRAIL: free use, modification and distribution with behavioural use restrictions, which "
	  "Guidelines s.4.2.1 allow when safety-oriented and proportionate; not OSI-approved" },
	{ "BigScience-OpenRAIL-M", GPAI_LIC_OPEN_RAIL, 0, 1,
	  "OpenRAIL: free use, modification and distribution with behavioural use restrictions, which "
	  "Guidelines s.4.2.1 allow when safety-oriented and proportionate; not OSI-approved" },
	{ "BigScience-BLOOM-RAIL-1.0", GPAI_LIC_OPEN_RAIL, 0, 1,
	  "RAIL: free use, modification and distribution with behavioural use restrictions, which "
	  "Guidelines s.4.2.1 allow when safety-oriented and proportionate; not OSI-approved" },
	{ "LicenseRef-OpenRAIL-M", GPAI_LIC_OPEN_RAIL, 0, 1,
	  "OpenRAIL: free use, modification and distribution with behavioural use restrictions, which "
	  "Guidelines s.4.2.1 allow when safety-oriented and proportionate; not OSI-approved" },
	{ "LicenseRef-OpenRAIL-PlusPlus", GPAI_LIC_OPEN_RAIL, 0, 1,
	  "OpenRAIL++-M: free use, modification and distribution with behavioural use restrictions, "
	  "which Guidelines s.4.2.1 allow when safety-oriented and proportionate; not OSI-approved" },
	{ "LicenseRef-BigCode-OpenRAIL-M", GPAI_LIC_OPEN_RAIL, 0, 1,
	  "OpenRAIL: free use, modification and distribution with behavioural use restrictions, which "
	  "Guidelines s.4.2.1 allow when safety-oriented and proportionate; not OSI-approved" },
	{ "LicenseRef-Llama-2-Community", GPAI_LIC_RESTRICTED, 0, 0,
	  "Llama 2 Community Licence: licensees above 700 million monthly active users need a separate "
	  "licence (s.2), a user-scale threshold that Guidelines s.4.2.1 name as disqualifying" },
	{ "LicenseRef-Llama-3-Community", GPAI_LIC_RESTRICTED, 0, 0,
	  "Meta Llama 3 Community Licence: licensees above 700 million monthly active users need a "
	  "separate licence (s.2), a user-scale threshold that Guidelines s.4.2.1 name as disqualifying" },
	{ "LicenseRef-Llama-3.1-Community", GPAI_LIC_RESTRICTED, 0, 0,
	  "Llama 3.1 Community Licence: licensees above 700 million monthly active users need a "
	  "separate licence (s.2), a user-scale threshold that Guidelines s.4.2.1 name as disqualifying" },
	{ "LicenseRef-Llama-3.2-Community", GPAI_LIC_RESTRICTED, 0, 0,
	  "Llama 3.2 Community Licence: licensees above 700 million monthly active users need a "
	  "separate licence (s.2), a user-scale threshold that Guidelines s.4.2.1 name as disqualifying" },
	{ "LicenseRef-Llama-3.3-Community", GPAI_LIC_RESTRICTED, 0, 0,
	  "Llama 3.3 Community Licence: licensees above 700 million monthly active users need a "
	  "separate licence (s.2), a user-scale threshold that Guidelines s.4.2.1 name as disqualifying" },
	{ "LicenseRef-Llama-4-Community", GPAI_LIC_RESTRICTED, 0, 0,
	  "Llama 4 Community Licence: licensees above 700 million monthly active users need a "
	  "separate licence (s.2), a user-scale threshold that Guidelines s.4.2.1 name as disqualifying" },
	{ "LicenseRef-Gemma-Terms-of-Use", GPAI_LIC_RESTRICTED, 0, 0,
	  "Gemma Terms of Use: use is bound by a Prohibited Use Policy the licensor may update, and "
	  "the licensor may restrict usage remotely (s.4.2); custom terms, not an open licence" },
	{ "LicenseRef-Gemma", GPAI_LIC_RESTRICTED, 0, 0,
	  "Gemma Terms of Use: use is bound by a Prohibited Use Policy the licensor may update, and "
	  "the licensor may restrict usage remotely (s.4.2); custom terms, not an open licence" },
	{ "LicenseRef-Falcon-180B-TII-License-1.0", GPAI_LIC_RESTRICTED, 0, 0,
	  "Falcon-180B TII Licence: hosting the model as a service needs a separate licence, a "
	  "separate commercial licence for a use case, which Guidelines s.4.2.1 name as disqualifying" },
	{ "LicenseRef-DeepSeek-License-1.0", GPAI_LIC_OPEN_RAIL, 0, 1,
	  "DeepSeek Licence 1.0 (OpenRAIL-based): commercial use, modification and redistribution "
	  "allowed with behavioural use restrictions, which Guidelines s.4.2.1 allow when "
	  "safety-oriented and proportionate; not OSI-approved" },
	{ "LicenseRef-NVIDIA-Open-Model-License", GPAI_LIC_OPEN_RAIL, 0, 1,
	  "NVIDIA Open Model License (June 2024): commercial use, modification and distribution "
	  "allowed; rights end if safety guardrails are circumvented, a safety-oriented condition "
	  "Guidelines s.4.2.1 allow when proportionate; not OSI-approved" },
	{ "LicenseRef-OpenAI-Terms-of-Use", GPAI_LIC_PROPRIETARY, 0, 0,
	  "service terms of an API: no licence to the weights" },
	{ "LicenseRef-Anthropic-Commercial-Terms", GPAI_LIC_PROPRIETARY, 0, 0,
	  "service terms of an API: no licence to the weights" },
	{ "LicenseRef-Gemini-API-Additional-Terms", GPAI_LIC_PROPRIETARY, 0, 0,
	  "service terms of an API: no licence to the weights" },
	{ "LicenseRef-xAI-Terms-of-Service", GPAI_LIC_PROPRIETARY, 0, 0,
	  "service terms of an API: no licence to the weights" },
	{ "CC-BY-NC-3.0", GPAI_LIC_NONCOMMERCIAL, 0, 0,
	  "non-commercial licence: Guidelines s.4.2.1 name non-commercial terms as disqualifying" },
	{ "CC-BY-NC-4.0", GPAI_LIC_NONCOMMERCIAL, 0, 0,
	  "non-commercial licence: Guidelines s.4.2.1 name non-commercial terms as disqualifying" },
	{ "CC-BY-NC-SA-4.0", GPAI_LIC_NONCOMMERCIAL, 0, 0,
	  "non-commercial licence: Guidelines s.4.2.1 name non-commercial terms as disqualifying" },
	{ "CC-BY-ND-4.0", GPAI_LIC_NO_DERIVATIVES, 0, 0,
	  "no-derivatives licence: modification is not allowed (Art. 53(2))" },
	{ "CC-BY-NC-ND-4.0", GPAI_LIC_NO_DERIVATIVES, 0, 0,
	  "non-commercial, no-derivatives licence: neither commercial use nor modification is allowed" },
	{ "LicenseRef-Proprietary", GPAI_LIC_PROPRIETARY, 0, 0,
	  "proprietary terms: no public licence to use, modify and distribute" },
};

static const struct gpai_license *find_id(const char *id, size_t n)
{
	for (size_t i = 0; i < sizeof(licenses) / sizeof(licenses[0]); i++)
		if (strlen(licenses[i].spdx) == n && strncasecmp(licenses[i].spdx, id, n) == 0)
			return &licenses[i];
	return NULL;
}

/* How open a licence is, for choosing within an expression. */
static int rank(const struct gpai_license *l)
{
	return l->art53_2 * 2 + l->osi;
}

/* SPDX expression (SPDX spec annex D): or := and ("OR" and)*; and :=
 * with ("AND" with)*; with := id ["+"] ["WITH" exception] | "(" or ")".
 * OR lets the licensee choose, so the most open alternative governs; AND
 * binds to all, so the least open governs; an exception adds permissions
 * to its licence, which governs.  NULL when an id is unknown or the
 * expression is malformed. */
static const struct gpai_license *expr_or(const char **p);

static int word(const char **p, const char *w)
{
	size_t n = strlen(w);

	while (**p == ' ')
		(*p)++;
	if (strncasecmp(*p, w, n) == 0 && ((*p)[n] == ' ' || (*p)[n] == '(' || !(*p)[n])) {
		*p += n;
		return 1;
	}
	return 0;
}

static const struct gpai_license *expr_with(const char **p)
{
	const struct gpai_license *l;
	const char *s;

	while (**p == ' ')
		(*p)++;
	if (**p == '(') {
		(*p)++;
		l = expr_or(p);
		while (**p == ' ')
			(*p)++;
		if (!l || **p != ')')
			return NULL;
		(*p)++;
		return l;
	}
	s = *p;
	while (**p && **p != ' ' && **p != '(' && **p != ')' && **p != '+')
		(*p)++;
	l = *p > s ? find_id(s, (size_t)(*p - s)) : NULL;
	if (**p == '+')
		(*p)++;
	if (l && word(p, "WITH")) {
		while (**p == ' ')
			(*p)++;
		s = *p;
		while (**p && **p != ' ' && **p != ')')
			(*p)++;
		if (*p == s)
			return NULL;
	}
	return l;
}

static const struct gpai_license *expr_and(const char **p)
{
	const struct gpai_license *l = expr_with(p), *r;

	while (l && word(p, "AND")) {
		r = expr_with(p);
		if (!r)
			return NULL;
		if (rank(r) < rank(l))
			l = r;
	}
	return l;
}

static const struct gpai_license *expr_or(const char **p)
{
	const struct gpai_license *l = expr_and(p), *r;

	while (l && word(p, "OR")) {
		r = expr_and(p);
		if (!r)
			return NULL;
		if (rank(r) > rank(l))
			l = r;
	}
	return l;
}

const struct gpai_license *gpai_license_find(const char *spdx)
{
	const struct gpai_license *l;
	const char *p = spdx;

	if (!spdx)
		return NULL;
	l = find_id(spdx, strlen(spdx));
	if (l)
		return l;
	l = expr_or(&p);
	while (p && *p == ' ')
		p++;
	return l && !*p ? l : NULL;
}

const char *gpai_license_cat_name(enum gpai_license_cat c)
{
	static const char *const names[] = {
		"unknown", "permissive", "copyleft", "open-data", "open-rail", "restricted",
		"non-commercial", "no-derivatives", "proprietary",
	};
	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "unknown";
}

/* MOF v1.0 components: type, lowest class requiring it, optional (notes
 * s.4.1, from lfai/model_openness_tool mof.settings.yml). */
static const struct gpai_mof_component mof[GPAI_MOF_NCOMP] = {
	{ "model_architecture", "Model architecture", 'c', 3, 0 },
	{ "model_parameters_final", "Model parameters (Final)", 'd', 3, 0 },
	{ "technical_report", "Technical report", 'o', 3, 0 },
	{ "evaluation_results", "Evaluation results", 'o', 3, 0 },
	{ "model_card", "Model card", 'o', 3, 0 },
	{ "data_card", "Data card", 'o', 3, 0 },
	{ "sample_model_outputs", "Sample model outputs", 'o', 3, 1 },
	{ "training_code", "Training code", 'c', 2, 0 },
	{ "inference_code", "Inference code", 'c', 2, 0 },
	{ "evaluation_code", "Evaluation code", 'c', 2, 0 },
	{ "evaluation_data", "Evaluation data", 'd', 2, 0 },
	{ "supporting_libraries_and_tools", "Supporting libraries and tools", 'c', 2, 1 },
	{ "datasets", "Datasets", 'd', 1, 0 },
	{ "data_preprocessing_code", "Data preprocessing code", 'c', 1, 0 },
	{ "model_parameters_intermediate", "Model parameters (Intermediate)", 'd', 1, 0 },
	{ "research_paper", "Research paper", 'o', 1, 0 },
	{ "model_metadata", "Model metadata (training configuration, optimizer states)", 'd', 1, 1 },
};

const struct gpai_mof_component *gpai_mof_components(void)
{
	return mof;
}

enum { C_ARCH, C_PARAMS, C_TECHREPORT, C_EVALRES, C_CARD, C_DATACARD, C_SAMPLES,
       C_TRAINCODE, C_INFCODE, C_EVALCODE, C_EVALDATA, C_LIBS, C_DATASETS, C_PREPCODE,
       C_INTERMEDIATE, C_PAPER, C_METADATA };

const char *gpai_openness_level_name(enum gpai_openness_level l)
{
	switch (l) {
	case GPAI_OPEN_CLOSED_WEIGHT: return "closed-weight";
	case GPAI_OPEN_WEIGHT_RESTRICTED: return "open-weight (restricted licence)";
	case GPAI_OPEN_WEIGHT_OPEN: return "open-weight (open licence)";
	case GPAI_OPEN_SOURCE_AI: return "open-source AI (OSAID 1.0)";
	case GPAI_OPEN_SCIENCE: return "open science (MOF Class I)";
	}
	return "unknown";
}

/* A licence open enough for the component's type (MOF: code under an
 * OSI-approved licence; data and documentation under open data or content
 * licences, or an OSI-approved licence). */
static int open_for_type(const struct gpai_license *l, char type)
{
	if (!l)
		return 0;
	if (type == 'c')
		return l->cat == GPAI_LIC_PERMISSIVE || l->cat == GPAI_LIC_COPYLEFT;
	return l->cat == GPAI_LIC_PERMISSIVE || l->cat == GPAI_LIC_COPYLEFT ||
	       l->cat == GPAI_LIC_OPEN_DATA;
}

static int is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* value: licence id, "unspecified" (public without a stated licence) or
 * "not-included", optionally followed by one space and the URL; without
 * one, the location is the fact's source when that is a URL. */
static void parse_comp(struct gpai_openness *o, int i, const struct gpai_dossier_fact *f)
{
	struct gpai_openness_comp *c = &o->comp[i];
	const char *value = f->value, *sp;
	size_t n;

	c->recorded = 1;
	while (*value == ' ')
		value++;
	if (strcasecmp(value, "not-included") == 0)
		return;
	c->included = 1;
	if (is_url(value)) {
		gpai_strlcpy(c->url, value, sizeof(c->url));
		gpai_buf_printf(&o->problems, "openness.%s: no licence given before the location '%s'\n",
				mof[i].key, value);
		return;
	}
	sp = strchr(value, ' ');
	n = sp ? (size_t)(sp - value) : strlen(value);
	if (n >= sizeof(c->license))
		n = sizeof(c->license) - 1;
	memcpy(c->license, value, n);
	c->license[n] = '\0';
	if (sp) {
		while (*sp == ' ')
			sp++;
		gpai_strlcpy(c->url, sp, sizeof(c->url));
		if (*c->url && !is_url(c->url))
			gpai_buf_printf(&o->problems,
					"openness.%s: location '%s' is not an http(s) URL\n",
					mof[i].key, c->url);
	} else if (f->source && is_url(f->source)) {
		size_t k = strcspn(f->source, " ,;");

		if (k >= sizeof(c->url))
			k = sizeof(c->url) - 1;
		memcpy(c->url, f->source, k);
		c->url[k] = '\0';
	}
	if (strcasecmp(c->license, "unspecified") == 0) {
		c->license[0] = '\0'; /* public, but no licence grants anything */
		return;
	}
	c->lic = gpai_license_find(c->license);
	if (!c->lic)
		gpai_buf_printf(&o->problems,
				"openness.%s: licence '%s' is not a known SPDX id (no category)\n",
				mof[i].key, c->license);
}

/* 1 when component i counts toward a MOF class. */
static int comp_ok(const struct gpai_openness *o, int i)
{
	return o->comp[i].included && open_for_type(o->comp[i].lic, mof[i].type);
}

static void why_not(struct gpai_buf *b, const struct gpai_openness *o, int i,
		    const struct gpai_dossier_input *in)
{
	const struct gpai_openness_comp *c = &o->comp[i];

	if (!c->recorded)
		gpai_buf_printf(b, "%s: not recorded (gpai fact set %s@%s openness.%s 'SPDX-ID URL' "
				"--source URL-or-citation)\n", mof[i].name, in->name ? in->name : "NAME",
				in->version ? in->version : "VER", mof[i].key);
	else if (!c->included)
		gpai_buf_printf(b, "%s: not released\n", mof[i].name);
	else if (!c->license[0])
		gpai_buf_printf(b, "%s: released without a stated licence\n", mof[i].name);
	else if (!c->lic)
		gpai_buf_printf(b, "%s: licence '%s' has no known category\n", mof[i].name, c->license);
	else
		gpai_buf_printf(b, "%s: licence %s (%s) is not an open %s licence\n", mof[i].name,
				c->lic->spdx, gpai_license_cat_name(c->lic->cat),
				mof[i].type == 'c' ? "code" : "data/documentation");
}

static int class_reached(const struct gpai_openness *o, int cls)
{
	for (int i = 0; i < GPAI_MOF_NCOMP; i++)
		if (mof[i].cls >= cls && !mof[i].optional && !comp_ok(o, i))
			return 0;
	return 1;
}

int gpai_openness_classify(const struct gpai_dossier_input *in, int systemic_risk,
			   struct gpai_openness *o, struct gpai_error *err)
{
	const struct gpai_dossier_fact *f;
	const char *access = NULL, *spdx = NULL;
	int monetised = 0;
	char field[64];

	memset(o, 0, sizeof(*o));
	gpai_buf_init(&o->reason);
	gpai_buf_init(&o->next);
	gpai_buf_init(&o->problems);
	o->systemic_risk = systemic_risk;
	for (int i = 0; i < GPAI_MOF_NCOMP; i++) {
		snprintf(field, sizeof(field), "openness.%s", mof[i].key);
		f = gpai_dossier_fact_get(in, field);
		if (f && f->value)
			parse_comp(o, i, f);
	}
	f = gpai_dossier_fact_get(in, "model.access");
	access = f ? f->value : NULL;
	f = gpai_dossier_fact_get(in, "license.spdx");
	spdx = f ? f->value : NULL;
	f = gpai_dossier_fact_get(in, "distribution.monetised");
	monetised = f && f->value && strcmp(f->value, "yes") == 0;

	/* Weights: the MOF component decides when recorded, else model.access. */
	if (o->comp[C_PARAMS].recorded)
		o->weights_public = o->comp[C_PARAMS].included;
	else
		o->weights_public = access && strcmp(access, "open-weight") == 0;
	if (o->comp[C_PARAMS].included && o->comp[C_PARAMS].license[0])
		o->model_license = o->comp[C_PARAMS].lic;
	else if (spdx) {
		o->model_license = gpai_license_find(spdx);
		if (!o->model_license)
			gpai_buf_printf(&o->problems,
					"license.spdx: '%s' is not a known SPDX id (no category)\n", spdx);
	}
	o->architecture_public = o->comp[C_ARCH].included || o->comp[C_TECHREPORT].included ||
				 o->comp[C_PAPER].included;
	o->usage_public = o->comp[C_CARD].included;

	/* Level. */
	if (!o->weights_public) {
		o->level = GPAI_OPEN_CLOSED_WEIGHT;
		gpai_buf_printf(&o->reason, "closed-weight: %s",
				o->comp[C_PARAMS].recorded ? "the final parameters are not released" :
				access ? "model.access is not open-weight" :
				"no fact says the weights are public (model.access, openness.model_parameters)");
	} else if (!o->model_license || !o->model_license->art53_2) {
		o->level = GPAI_OPEN_WEIGHT_RESTRICTED;
		if (o->model_license)
			gpai_buf_printf(&o->reason, "open-weight with a restricted licence: %s: %s",
					o->model_license->spdx, o->model_license->why);
		else
			gpai_buf_printf(&o->reason, "open-weight, licence %s: %s",
					spdx ? spdx : "not recorded",
					spdx ? "unknown SPDX id, no category" : "no licence fact");
	} else {
		int osaid = open_for_type(o->model_license, 'd') &&
			    comp_ok(o, C_ARCH) && comp_ok(o, C_TRAINCODE) && comp_ok(o, C_INFCODE) &&
			    comp_ok(o, C_EVALCODE) && comp_ok(o, C_PREPCODE) && comp_ok(o, C_DATACARD);

		o->osaid = osaid;
		o->level = GPAI_OPEN_WEIGHT_OPEN;
		gpai_buf_printf(&o->reason, "open-weight under %s (%s)", o->model_license->spdx,
				gpai_license_cat_name(o->model_license->cat));
		if (osaid) {
			o->level = GPAI_OPEN_SOURCE_AI;
			gpai_buf_puts(&o->reason, "; OSAID 1.0: weights under open terms, complete code "
				      "(architecture, training, inference, evaluation, data processing) under "
				      "OSI-approved licences and data information (data card) are released");
		} else {
			gpai_buf_puts(&o->reason, "; not OSAID 1.0: needs open weights, OSI-licensed "
				      "architecture, training, inference, evaluation and data-processing code, "
				      "and a data card");
		}
	}
	o->mof_class = class_reached(o, 1) ? 1 : class_reached(o, 2) ? 2 : class_reached(o, 3) ? 3 : 0;
	if (o->mof_class == 1 && o->level == GPAI_OPEN_SOURCE_AI) {
		o->level = GPAI_OPEN_SCIENCE;
		gpai_buf_puts(&o->reason, "; MOF Class I: datasets, intermediate parameters and the "
			      "research paper are released too");
	}
	if (o->mof_class != 1) {
		int want = o->mof_class == 0 ? 3 : o->mof_class - 1;

		for (int i = 0; i < GPAI_MOF_NCOMP; i++)
			if (mof[i].cls >= want && !mof[i].optional && !comp_ok(o, i))
				why_not(&o->next, o, i, in);
	}

	/* Art. 53(2). */
	o->exempt = o->weights_public && o->model_license && o->model_license->art53_2 &&
		    o->architecture_public && o->usage_public && !monetised && systemic_risk == 0;
	gpai_buf_puts(&o->reason, o->exempt ? ". Art. 53(2) exemption applies: " :
			       ". Art. 53(2) exemption does not apply: ");
	if (o->exempt) {
		gpai_buf_printf(&o->reason, "licence %s %s; weights, architecture information and usage "
				"information (model card) are public; not a systemic-risk model. "
				"Art. 53(1)(c) copyright policy and (d) training-content summary still "
				"apply (Recital 104)", o->model_license->spdx,
				"allows access, use, modification and distribution");
	} else {
		const char *sep = "";

		if (!o->weights_public) {
			gpai_buf_printf(&o->reason, "%sthe weights are not public", sep);
			sep = "; ";
		}
		if (!o->model_license) {
			gpai_buf_printf(&o->reason, "%sthe licence has no known category", sep);
			sep = "; ";
		} else if (!o->model_license->art53_2) {
			gpai_buf_printf(&o->reason, "%slicence %s is %s", sep, o->model_license->spdx,
					gpai_license_cat_name(o->model_license->cat));
			sep = "; ";
		}
		if (!o->architecture_public) {
			gpai_buf_printf(&o->reason, "%sno public architecture information "
					"(openness.model_architecture, technical_report or research_paper)", sep);
			sep = "; ";
		}
		if (!o->usage_public) {
			gpai_buf_printf(&o->reason, "%sno public usage information (openness.model_card)", sep);
			sep = "; ";
		}
		if (monetised) {
			gpai_buf_printf(&o->reason, "%sthe model is monetised (Guidelines s.4.2.2)", sep);
			sep = "; ";
		}
		if (systemic_risk == 1)
			gpai_buf_printf(&o->reason, "%ssystemic-risk models are never exempt (Art. 53(2), last sentence)", sep);
		else if (systemic_risk < 0)
			gpai_buf_printf(&o->reason, "%sthe systemic-risk status is unknown (record the "
					"training compute facts)", sep);
	}
	if (!o->reason.data)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory classifying openness");
	return GPAI_OK;
}

void gpai_openness_release(struct gpai_openness *o)
{
	if (!o)
		return;
	gpai_buf_release(&o->reason);
	gpai_buf_release(&o->next);
	gpai_buf_release(&o->problems);
}

static cJSON *lines_array(const struct gpai_buf *b)
{
	cJSON *a = cJSON_CreateArray();
	const char *p = b->data ? b->data : "";

	while (a && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = malloc(n + 1);

		if (!line)
			break;
		memcpy(line, p, n);
		line[n] = '\0';
		cJSON_AddItemToArray(a, cJSON_CreateString(line));
		free(line);
		p += n + (nl ? 1 : 0);
	}
	return a;
}

cJSON *gpai_openness_json(const struct gpai_openness *o)
{
	cJSON *j = cJSON_CreateObject(), *comps;

	if (!j)
		return NULL;
	cJSON_AddStringToObject(j, "level", gpai_openness_level_name(o->level));
	cJSON_AddNumberToObject(j, "mof_class", o->mof_class);
	cJSON_AddBoolToObject(j, "osaid", o->osaid);
	cJSON_AddBoolToObject(j, "weights_public", o->weights_public);
	cJSON_AddBoolToObject(j, "architecture_public", o->architecture_public);
	cJSON_AddBoolToObject(j, "usage_public", o->usage_public);
	if (o->model_license) {
		cJSON *l = cJSON_AddObjectToObject(j, "license");

		cJSON_AddStringToObject(l, "spdx", o->model_license->spdx);
		cJSON_AddStringToObject(l, "category", gpai_license_cat_name(o->model_license->cat));
		cJSON_AddBoolToObject(l, "osi", o->model_license->osi);
		cJSON_AddBoolToObject(l, "art53_2", o->model_license->art53_2);
		cJSON_AddStringToObject(l, "why", o->model_license->why);
	} else {
		cJSON_AddNullToObject(j, "license");
	}
	cJSON_AddBoolToObject(j, "art53_2_exempt", o->exempt);
	cJSON_AddStringToObject(j, "reason", o->reason.data ? o->reason.data : "");
	cJSON_AddItemToObject(j, "missing_for_next_class", lines_array(&o->next));
	cJSON_AddItemToObject(j, "problems", lines_array(&o->problems));
	comps = cJSON_AddArrayToObject(j, "components");
	for (int i = 0; comps && i < GPAI_MOF_NCOMP; i++) {
		cJSON *c = cJSON_CreateObject();
		const struct gpai_openness_comp *oc = &o->comp[i];

		cJSON_AddStringToObject(c, "key", mof[i].key);
		cJSON_AddStringToObject(c, "name", mof[i].name);
		cJSON_AddNumberToObject(c, "mof_class", mof[i].cls);
		cJSON_AddBoolToObject(c, "optional", mof[i].optional);
		cJSON_AddStringToObject(c, "status", !oc->recorded ? "not-recorded" :
					!oc->included ? "not-included" : "included");
		if (oc->license[0])
			cJSON_AddStringToObject(c, "license", oc->license);
		else
			cJSON_AddNullToObject(c, "license");
		if (oc->url[0])
			cJSON_AddStringToObject(c, "url", oc->url);
		else
			cJSON_AddNullToObject(c, "url");
		cJSON_AddBoolToObject(c, "open", comp_ok(o, i));
		cJSON_AddItemToArray(comps, c);
	}
	return j;
}
