/*
 * test_dossier_openness.c - licence categories and the openness ladder:
 * closed-weight, open-weight (restricted / open licence), OSAID 1.0, MOF
 * Class I, the MOF class reached and the Art. 53(2) decision.
 */
#include "harness.h"

#include <stdlib.h>

#include "dossier.h"

#define MAXF 64

struct model {
	struct gpai_dossier_input in;
	struct gpai_dossier_fact f[MAXF];
};

static void init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	gpai_dossier_input_init(&m->in);
	m->in.name = "m";
	m->in.version = "1";
	m->in.facts = m->f;
}

static void set(struct model *m, const char *field, const char *value)
{
	m->f[m->in.n_facts++] = (struct gpai_dossier_fact){ field, value, "https://example.org", NULL };
}

static void class3(struct model *m)
{
	set(m, "license.spdx", "Apache-2.0");
	set(m, "openness.model_architecture", "Apache-2.0 https://github.com/e/m");
	set(m, "openness.model_parameters_final", "Apache-2.0 https://huggingface.co/e/m");
	set(m, "openness.technical_report", "CC-BY-4.0 https://arxiv.org/abs/0000.00000");
	set(m, "openness.evaluation_results", "CC-BY-4.0 https://e.org/evals");
	set(m, "openness.model_card", "CC-BY-4.0 https://huggingface.co/e/m");
	set(m, "openness.data_card", "CC-BY-4.0 https://huggingface.co/e/m");
}

static void class2(struct model *m)
{
	set(m, "openness.training_code", "MIT https://github.com/e/train");
	set(m, "openness.inference_code", "MIT https://github.com/e/infer");
	set(m, "openness.evaluation_code", "BSD-3-Clause https://github.com/e/eval");
	set(m, "openness.evaluation_data", "CC-BY-SA-4.0 https://e.org/evaldata");
}

static void class1(struct model *m)
{
	set(m, "openness.datasets", "ODC-By-1.0 https://e.org/data");
	set(m, "openness.data_preprocessing_code", "Apache-2.0 https://github.com/e/prep");
	set(m, "openness.model_parameters_intermediate", "Apache-2.0 https://huggingface.co/e/ckpt");
	set(m, "openness.research_paper", "CC-BY-4.0 https://arxiv.org/abs/0000.00001");
}

TEST(licence_table_categories)
{
	const struct gpai_license *l;

	l = gpai_license_find("apache-2.0");
	CHECK(l);
	CHECK_STR("Apache-2.0", l->spdx);
	CHECK_INT(GPAI_LIC_PERMISSIVE, l->cat);
	CHECK_INT(1, l->art53_2);
	l = gpai_license_find("LicenseRef-Llama-3.1-Community");
	CHECK(l && l->cat == GPAI_LIC_RESTRICTED && !l->art53_2);
	l = gpai_license_find("LicenseRef-Gemma");
	CHECK(l && !l->art53_2);
	l = gpai_license_find("CC-BY-NC-4.0");
	CHECK(l && l->cat == GPAI_LIC_NONCOMMERCIAL && !l->art53_2);
	l = gpai_license_find("CreativeML-OpenRAIL-M");
	CHECK(l && l->cat == GPAI_LIC_OPEN_RAIL && l->art53_2 && !l->osi);
	CHECK(gpai_license_find("BSD-2-Clause") && gpai_license_find("CC-BY-4.0") &&
	      gpai_license_find("MIT"));
	CHECK(!gpai_license_find("Frobnicate-1.0"));
	/* Expressions: OR takes the more open, AND the less open licence. */
	l = gpai_license_find("Apache-2.0 OR (MIT AND BSD-3-Clause)");
	CHECK(l && l->cat == GPAI_LIC_PERMISSIVE);
	l = gpai_license_find("CC-BY-NC-4.0 OR MIT");
	CHECK(l && strcmp(l->spdx, "MIT") == 0);
	l = gpai_license_find("MIT AND CC-BY-NC-4.0");
	CHECK(l && strcmp(l->spdx, "CC-BY-NC-4.0") == 0 && !l->art53_2);
	l = gpai_license_find("GPL-2.0-or-later WITH Classpath-exception-2.0");
	CHECK(l && l->cat == GPAI_LIC_COPYLEFT);
	CHECK(!gpai_license_find("MIT OR"));
	CHECK(!gpai_license_find("(MIT"));
	CHECK(!gpai_license_find("MIT OR Frobnicate-1.0"));
	CHECK(gpai_mof_components()[GPAI_MOF_NCOMP - 1].optional);
}

TEST(closed_weight_without_public_weights)
{
	static struct model m;
	struct gpai_openness o;
	struct gpai_error err;

	init(&m);
	set(&m, "model.access", "api");
	set(&m, "license.spdx", "LicenseRef-Proprietary");
	CHECK_OK(gpai_openness_classify(&m.in, 0, &o, &err), &err);
	CHECK_INT(GPAI_OPEN_CLOSED_WEIGHT, o.level);
	CHECK_INT(0, o.exempt);
	CHECK(strstr(o.reason.data, "the weights are not public"));
	gpai_openness_release(&o);
}

TEST(mof_ladder_and_osaid)
{
	static struct model m;
	struct gpai_openness o;
	struct gpai_error err;

	init(&m);
	class3(&m);
	CHECK_OK(gpai_openness_classify(&m.in, 0, &o, &err), &err);
	CHECK_INT(3, o.mof_class);
	CHECK_INT(GPAI_OPEN_WEIGHT_OPEN, o.level);
	CHECK_INT(0, o.osaid);
	CHECK_INT(1, o.exempt);
	CHECK(strstr(o.next.data, "Training code: not recorded"));
	CHECK(!strstr(o.next.data, "Datasets")); /* only what Class II needs */
	gpai_openness_release(&o);

	class2(&m);
	CHECK_OK(gpai_openness_classify(&m.in, 0, &o, &err), &err);
	CHECK_INT(2, o.mof_class);
	CHECK_INT(GPAI_OPEN_WEIGHT_OPEN, o.level); /* OSAID also needs data-processing code */
	CHECK(strstr(o.next.data, "Datasets: not recorded"));
	gpai_openness_release(&o);

	set(&m, "openness.data_preprocessing_code", "Apache-2.0 https://github.com/e/prep");
	CHECK_OK(gpai_openness_classify(&m.in, 0, &o, &err), &err);
	CHECK_INT(GPAI_OPEN_SOURCE_AI, o.level);
	CHECK_INT(1, o.osaid);
	CHECK_INT(2, o.mof_class); /* OSAID does not need the datasets themselves */
	gpai_openness_release(&o);

	class1(&m);
	CHECK_OK(gpai_openness_classify(&m.in, 0, &o, &err), &err);
	CHECK_INT(1, o.mof_class);
	CHECK_INT(GPAI_OPEN_SCIENCE, o.level);
	CHECK(!o.next.data || !*o.next.data);
	gpai_openness_release(&o);

	/* A systemic-risk model is never exempt, however open. */
	CHECK_OK(gpai_openness_classify(&m.in, 1, &o, &err), &err);
	CHECK_INT(0, o.exempt);
	CHECK(strstr(o.reason.data, "systemic-risk models are never exempt"));
	gpai_openness_release(&o);
}

TEST(openrail_weights_exempt_but_not_mof)
{
	static struct model m;
	struct gpai_openness o;
	struct gpai_error err;

	init(&m);
	class3(&m);
	set(&m, "openness.model_parameters_final", "CreativeML-OpenRAIL-M https://huggingface.co/e/m");
	CHECK_OK(gpai_openness_classify(&m.in, 0, &o, &err), &err);
	CHECK_INT(GPAI_OPEN_WEIGHT_OPEN, o.level);
	CHECK_INT(0, o.mof_class);
	CHECK_INT(1, o.exempt);
	CHECK(strstr(o.next.data, "Model parameters (Final): licence CreativeML-OpenRAIL-M"));
	gpai_openness_release(&o);
}

TEST(unknown_and_malformed_components_are_problems)
{
	static struct model m;
	struct gpai_openness o;
	struct gpai_error err;

	init(&m);
	class3(&m);
	set(&m, "openness.model_card", "Frobnicate-1.0 https://e.org/card");
	set(&m, "openness.training_code", "MIT ftp://e.org/code");
	CHECK_OK(gpai_openness_classify(&m.in, 0, &o, &err), &err);
	CHECK(strstr(o.problems.data, "openness.model_card: licence 'Frobnicate-1.0' is not a known SPDX id"));
	CHECK(strstr(o.problems.data, "openness.training_code: location 'ftp://e.org/code' is not an http(s) URL"));
	CHECK_INT(0, o.mof_class); /* the card's licence has no category */
	gpai_openness_release(&o);
}

TEST(unknown_systemic_status_blocks_exemption)
{
	static struct model m;
	struct gpai_openness o;
	struct gpai_error err;

	init(&m);
	class3(&m);
	CHECK_OK(gpai_openness_classify(&m.in, -1, &o, &err), &err);
	CHECK_INT(0, o.exempt);
	CHECK(strstr(o.reason.data, "systemic-risk status is unknown"));
	gpai_openness_release(&o);
}

TEST(catalogue_convention_unspecified_and_source_location)
{
	static struct model m;
	struct gpai_openness o;
	struct gpai_error err;

	init(&m);
	class3(&m);
	/* Licence alone; the location is the source (catalogue/ style). */
	m.f[m.in.n_facts++] = (struct gpai_dossier_fact){ "openness.model_card", "unspecified",
		"https://huggingface.co/e/m, model card", NULL };
	m.f[m.in.n_facts++] = (struct gpai_dossier_fact){ "openness.training_code", "MIT",
		"https://github.com/e/train", NULL };
	CHECK_OK(gpai_openness_classify(&m.in, 0, &o, &err), &err);
	CHECK_STR("https://huggingface.co/e/m", o.comp[4].url);
	CHECK_STR("", o.comp[4].license);
	CHECK_INT(1, o.comp[4].included);
	CHECK_STR("https://github.com/e/train", o.comp[7].url);
	/* Released without a licence: public (usage information) but not open. */
	CHECK_INT(0, o.mof_class);
	CHECK_INT(1, o.usage_public);
	CHECK(strstr(o.next.data, "Model card: released without a stated licence"));
	CHECK(!o.problems.data || !*o.problems.data);
	gpai_openness_release(&o);
}
