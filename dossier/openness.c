/*
 * openness.c - the Model Openness Framework's 17 components and the
 * openness classification of a model version:
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
 * Licence categories come from the registry's licence table (registry.h,
 * registry/licence.c).
 *
 * Invariant: the classification never assumes a component is public that
 * no fact says is public; an unknown licence is reported, never guessed.
 */
#include "dossier.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

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
