/*
 * test_dossier_model.c - the documentation model: audiences, coarsening,
 * systemic-risk additions and the Art. 52 deadline, the Art. 53(2)
 * exemption, the modification rule, inconsistent facts, and that nothing
 * meant for the authorities reaches downstream providers or the public in
 * any format.
 */
#include "harness.h"

#include <stdlib.h>

#include <cJSON.h>

#include "dossier.h"

#define MAXF 160

struct model {
	struct gpai_dossier_input in;
	struct gpai_dossier_fact f[MAXF];
	char vals[MAXF][96];
};

static void set(struct model *m, const char *field, const char *value, const char *at)
{
	struct gpai_dossier_fact *f = &m->f[m->in.n_facts++];

	f->field = field;
	f->value = value;
	f->source = "https://example.org/model-card";
	f->recorded_at = at ? at : "2026-01-10T09:00:00Z";
	m->in.facts = m->f;
}

/* A model with every fact the table reads.  Text facts get a distinctive
 * value "V:<field>", so that a test can look for them in a rendering. */
static void full_model(struct model *m, const char *name)
{
	size_t n;
	const struct gpai_dossier_field *t = gpai_dossier_fields(&n);

	memset(m, 0, sizeof(*m));
	gpai_dossier_input_init(&m->in);
	m->in.name = name;
	m->in.version = "1";
	m->in.provider = "Example AI";
	m->in.root_digest = "sha256:5f0f2a6c8b5b2d4b1e3c2a7b9d8e6f5a4c3b2a1908f7e6d5c4b3a29180706050";
	m->in.signer = "key:Example AI release key";
	m->in.doc_date = "2026-02-01";
	m->in.doc_version = 3;
	for (size_t i = 0; i < n; i++) {
		const char *s = t[i].source;
		int seen = 0;

		if (t[i].computed)
			continue;
		for (size_t k = 0; k < m->in.n_facts; k++)
			seen |= strcmp(m->f[k].field, s) == 0;
		if (seen)
			continue;
		if (strstr(s, "date") || strcmp(s, "data.collection_end") == 0)
			set(m, s, "2025-06-01", NULL);
		else if (strcmp(s, "license.spdx") == 0)
			set(m, s, "Apache-2.0", NULL);
		else if (strcmp(s, "training.energy_mwh") == 0)
			set(m, s, "4321", NULL);
		else if (strcmp(s, "inference.flop") == 0)
			set(m, s, "5.1e17", NULL);
		else if (strcmp(s, "data.size_tokens") == 0)
			set(m, s, "15.6e12", NULL);
		else if (strcmp(s, "model.modalities.input") == 0 ||
			 strcmp(s, "model.modalities.output") == 0 || strcmp(s, "data.modalities") == 0)
			set(m, s, "text", NULL);
		else if (strcmp(s, "data.provenance") == 0)
			set(m, s, "web-crawl,public-datasets", NULL);
		else {
			snprintf(m->vals[m->in.n_facts], sizeof(m->vals[0]), "V:%s", s);
			set(m, s, m->vals[m->in.n_facts], NULL);
		}
	}
	set(m, "release.date", "2025-05-01", NULL);
	set(m, "release.eu_market_date", "2025-06-01", NULL);
	set(m, "model.parameters", "405e9", "2026-01-10T09:00:00Z");
	set(m, "training.tokens", "15.6e12", "2026-01-12T09:00:00Z");
	set(m, "training.time.start", "2025-01-01", NULL);
	set(m, "training.time.end", "2025-02-24", NULL);      /* 54 days */
	set(m, "training.gpu_hours", "30.84e6", NULL);
	/* The estimator's 6ND result for 405e9 parameters and 15.6e12 tokens. */
	m->in.compute.have = 1;
	m->in.compute.flop = 6.0 * 405e9 * 15.6e12;
	m->in.compute.low = 0.8 * m->in.compute.flop;
	m->in.compute.high = 1.2 * m->in.compute.flop;
	m->in.compute.method = "6ND operation counting";
}

static cJSON *build(struct model *m, enum gpai_audience a)
{
	struct gpai_error err;
	cJSON *doc = NULL;

	gpai_error_init(&err);
	if (gpai_dossier_build(&m->in, a, &doc, &err)) {
		printf("#   build failed: %s\n", gpai_errmsg(&err));
		return NULL;
	}
	return doc;
}

static const cJSON *item(const cJSON *doc, const char *key)
{
	const cJSON *s, *it;

	cJSON_ArrayForEach(s, cJSON_GetObjectItem(doc, "sections"))
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(s, "items"))
			if (strcmp(cJSON_GetObjectItem(it, "key")->valuestring, key) == 0)
				return it;
	return NULL;
}

static const char *ival(const cJSON *doc, const char *key)
{
	const cJSON *it = item(doc, key);

	return it ? gpai_json_str(it, "value") : NULL;
}

static int ireq(const cJSON *doc, const char *key)
{
	const cJSON *it = item(doc, key);

	return it ? cJSON_IsTrue(cJSON_GetObjectItem(it, "required")) : -1;
}

static int missing_has(const cJSON *doc, const char *key)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "completeness"), "missing"))
		if (strcmp(gpai_json_str(m, "key"), key) == 0)
			return 1;
	return 0;
}

/* All four renderings of doc, concatenated. */
static char *render_all(const cJSON *doc)
{
	struct gpai_buf b;
	struct gpai_error err;

	gpai_buf_init(&b);
	for (int f = GPAI_FMT_JSON; f <= GPAI_FMT_CYCLONEDX; f++) {
		char *t;
		size_t n;

		if (gpai_dossier_render(doc, (enum gpai_dossier_format)f, &t, &n, &err))
			return NULL;
		gpai_buf_append(&b, t, n);
		free(t);
	}
	return gpai_buf_detach(&b);
}

TEST(field_table_keys_unique_and_sections_known)
{
	size_t n, ns;
	const struct gpai_dossier_field *t = gpai_dossier_fields(&n);
	const struct gpai_dossier_section *s = gpai_dossier_sections(&ns);

	CHECK(n > 50);
	for (size_t i = 0; i < n; i++) {
		int found = 0;

		for (size_t j = i + 1; j < n; j++)
			CHECK(strcmp(t[i].key, t[j].key) != 0);
		for (size_t k = 0; k < ns; k++)
			found |= strcmp(t[i].section, s[k].id) == 0;
		CHECK(found);
		CHECK(t[i].audiences != 0);
		CHECK(t[i].ref && *t[i].ref && t[i].label && *t[i].label);
		/* Authorities-only items are never public. */
		if (!(t[i].audiences & GPAI_AUD_DP))
			CHECK(!(t[i].audiences & GPAI_AUD_PUBLIC));
	}
}

TEST(full_facts_complete_for_every_audience)
{
	static struct model m;
	enum gpai_audience auds[] = { GPAI_AUD_AIO, GPAI_AUD_NCA, GPAI_AUD_DP, GPAI_AUD_PUBLIC };

	full_model(&m, "full");
	for (size_t a = 0; a < 4; a++) {
		cJSON *doc = build(&m, auds[a]);
		const cJSON *comp;

		CHECK(doc);
		comp = cJSON_GetObjectItem(doc, "completeness");
		CHECK_INT(0, gpai_dossier_inconsistent(doc));
		CHECK_INT(0, gpai_dossier_missing(doc));
		CHECK(cJSON_GetObjectItem(comp, "required")->valueint > 0);
		CHECK_INT(cJSON_GetObjectItem(comp, "required")->valueint,
			  cJSON_GetObjectItem(comp, "present")->valueint);
		cJSON_Delete(doc);
	}
}

TEST(nothing_confidential_reaches_dp_or_public)
{
	static struct model m;
	size_t n;
	const struct gpai_dossier_field *t = gpai_dossier_fields(&n);
	cJSON *aio, *dp, *pub;
	char *raio, *rdp, *rpub;
	/* Renderings of the authorities-only numbers in the AI Office view. */
	const char *secret_numbers[] = { "3.8e+25", "4.3e+03 MWh", "5.1e+17", "1.56e+13",
					 "54 days", "order of 10^" };

	full_model(&m, "conf");
	aio = build(&m, GPAI_AUD_AIO);
	dp = build(&m, GPAI_AUD_DP);
	pub = build(&m, GPAI_AUD_PUBLIC);
	CHECK(aio && dp && pub);
	raio = render_all(aio);
	rdp = render_all(dp);
	rpub = render_all(pub);
	CHECK(raio && rdp && rpub);
	for (size_t i = 0; i < n; i++) {
		char v[96];
		unsigned aud = 0;

		if (t[i].computed)
			continue;
		/* A fact may fill several items: it may reach the union of
		 * their audiences, and no further. */
		for (size_t k = 0; k < n; k++)
			if (!t[k].computed && strcmp(t[k].source, t[i].source) == 0)
				aud |= t[k].audiences;
		snprintf(v, sizeof(v), "V:%s", t[i].source);
		if (!strstr(raio, v))
			continue; /* not a distinctive text fact */
		if (!(aud & GPAI_AUD_DP) && strstr(rdp, v)) {
			t_fail(__FILE__, __LINE__, "%s (authorities only) reaches downstream providers", v);
			return;
		}
		if (!(aud & GPAI_AUD_PUBLIC) && strstr(rpub, v)) {
			t_fail(__FILE__, __LINE__, "%s (not public) reaches the public", v);
			return;
		}
	}
	/* The AI Office view does have the numbers (else this proves nothing). */
	for (size_t i = 0; i + 1 < sizeof(secret_numbers) / sizeof(secret_numbers[0]); i++) {
		if (!strstr(raio, secret_numbers[i])) {
			t_fail(__FILE__, __LINE__, "'%s' missing from the AI Office view", secret_numbers[i]);
			return;
		}
		CHECK(!strstr(rdp, secret_numbers[i]));
		CHECK(!strstr(rpub, secret_numbers[i]));
	}
	CHECK(strstr(raio, "V:training.process"));
	CHECK(!strstr(rdp, "V:training.process"));
	/* Public: the summary and the contact point, not the Form. */
	CHECK(item(pub, "summary.1.1.contact"));
	CHECK(item(pub, "summary.2.3.crawled"));
	CHECK(!item(pub, "form.1.4.release_date"));
	CHECK(!item(pub, "form.2.5.parameters"));
	/* Downstream providers: Annex XII items, not compute or energy. */
	CHECK(item(dp, "form.2.5.parameters"));
	CHECK(!item(dp, "form.7.2.training_flop"));
	CHECK(!item(dp, "form.7.4.energy"));
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(dp, "status"), "notification")));
	free(raio);
	free(rdp);
	free(rpub);
	cJSON_Delete(aio);
	cJSON_Delete(dp);
	cJSON_Delete(pub);
}

TEST(nca_values_are_coarsened)
{
	static struct model m;
	cJSON *aio, *nca;
	char *r;

	full_model(&m, "coarse");
	aio = build(&m, GPAI_AUD_AIO);
	nca = build(&m, GPAI_AUD_NCA);
	CHECK(aio && nca);
	/* 6 x 405e9 x 15.6e12 = 3.79e25: AI Office two figures, NCA 10^25. */
	CHECK(strstr(ival(aio, "form.7.2.training_flop"), "3.8e+25 FLOP"));
	CHECK_STR("order of 10^25 FLOP", ival(nca, "form.7.2.training_flop"));
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(item(nca, "form.7.2.training_flop"), "coarsened")));
	/* 2025-01-01 .. 2025-02-24 is 54 days: 1-3 months. */
	CHECK(strstr(ival(aio, "form.7.1.training_time"), "54 days wall clock"));
	/* 30.84e6 GPU-hours / 24 = 1.285e6 accelerator-days. */
	CHECK(strstr(ival(aio, "form.7.1.training_time"), "1.3e+06 accelerator-days"));
	CHECK_STR("1-3 months", ival(nca, "form.7.1.training_time"));
	CHECK_STR("1.56e+13 tokens", ival(aio, "form.6.4.points"));
	CHECK_STR("order of 10^13 tokens", ival(nca, "form.6.4.points"));
	CHECK_STR("order of 10^17 FLOP", ival(nca, "form.8.1.inference_flop"));
	r = render_all(nca);
	CHECK(r);
	CHECK(!strstr(r, "3.8e+25"));
	CHECK(!strstr(r, "54 days"));
	CHECK(!strstr(r, "1.56e+13"));
	free(r);
	cJSON_Delete(aio);
	cJSON_Delete(nca);
}

TEST(systemic_risk_405b_gets_section2_art55_and_deadline)
{
	static struct model m;
	cJSON *doc;
	const cJSON *n;
	const char *sr[] = { "annex11.2.1.evaluation", "annex11.2.2.adversarial",
			     "annex11.2.3.system_architecture", "art55.1b.risk_assessment",
			     "art55.1c.incidents", "art55.1d.cybersecurity", "art52.deadline" };

	memset(&m, 0, sizeof(m));
	gpai_dossier_input_init(&m.in);
	m.in.name = "big";
	m.in.version = "1";
	m.in.doc_date = "2026-02-01";
	set(&m, "model.parameters", "405e9", "2025-12-20T08:00:00Z");
	set(&m, "training.tokens", "15.6e12", "2025-12-25T16:30:00Z");
	m.in.compute.have = 1;
	m.in.compute.flop = 6.0 * 405e9 * 15.6e12;
	doc = build(&m, GPAI_AUD_AIO);
	CHECK(doc);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "status"), "systemic_risk")));
	for (size_t i = 0; i < sizeof(sr) / sizeof(sr[0]); i++) {
		CHECK_INT(1, ireq(doc, sr[i]));
		if (strcmp(sr[i], "art52.deadline") != 0)
			CHECK(missing_has(doc, sr[i]));
	}
	/* Recorded 2025-12-25, two weeks later is 2026-01-08. */
	n = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "status"), "notification");
	CHECK_STR("2025-12-25", gpai_json_str(n, "threshold_date"));
	CHECK_STR("2026-01-08", gpai_json_str(n, "deadline"));
	CHECK(strstr(ival(doc, "art52.deadline"), "2026-01-08"));
	/* Systemic risk removes the exemption even for an open licence. */
	CHECK(!cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "status"), "art53_2_exempt")));
	cJSON_Delete(doc);

	/* A recorded threshold date wins. */
	set(&m, "systemic.threshold_date", "2024-02-20", NULL);
	doc = build(&m, GPAI_AUD_NCA);
	CHECK(doc);
	n = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "status"), "notification");
	CHECK_STR("2024-03-05", gpai_json_str(n, "deadline")); /* leap year: Feb has 29 days */
	cJSON_Delete(doc);
}

TEST(small_model_has_no_systemic_items)
{
	static struct model m;
	cJSON *doc;

	memset(&m, 0, sizeof(m));
	gpai_dossier_input_init(&m.in);
	m.in.name = "small";
	m.in.version = "1";
	set(&m, "training.flop", "2.0e22", NULL);
	doc = build(&m, GPAI_AUD_AIO);
	CHECK(doc);
	CHECK(!item(doc, "annex11.2.1.evaluation"));
	CHECK(!item(doc, "art55.1d.cybersecurity"));
	CHECK(!item(doc, "art52.deadline"));
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "status"), "systemic_risk")));
	CHECK(cJSON_IsFalse(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "status"), "gpai_indicative")));
	cJSON_Delete(doc);
}

static void open_components(struct model *m, const char *lic)
{
	set(m, "license.spdx", lic, NULL);
	set(m, "model.access", "open-weight", NULL);
	set(m, "openness.model_parameters_final", "Apache-2.0 https://huggingface.co/example/m", NULL);
	set(m, "openness.model_architecture", "Apache-2.0 https://github.com/example/m", NULL);
	set(m, "openness.model_card", "CC-BY-4.0 https://huggingface.co/example/m", NULL);
}

TEST(open_weight_apache_below_threshold_exempt_but_keeps_summary)
{
	static struct model m;
	cJSON *doc;

	memset(&m, 0, sizeof(m));
	gpai_dossier_input_init(&m.in);
	m.in.name = "openm";
	m.in.version = "1";
	open_components(&m, "Apache-2.0");
	set(&m, "training.flop", "3.1e23", NULL);
	doc = build(&m, GPAI_AUD_AIO);
	CHECK(doc);
	CHECK(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "status"), "art53_2_exempt")));
	/* Annex XI / XII items stay visible but are no longer required. */
	CHECK_INT(0, ireq(doc, "form.1.4.release_date"));
	CHECK_INT(0, ireq(doc, "form.7.4.energy"));
	CHECK(!missing_has(doc, "form.1.4.release_date"));
	CHECK(!missing_has(doc, "form.6.3.obtained"));
	/* Copyright policy and the training-content summary remain. */
	CHECK_INT(1, ireq(doc, "art53.1c.copyright_policy"));
	CHECK_INT(1, ireq(doc, "summary.2.3.crawled"));
	CHECK(missing_has(doc, "art53.1c.copyright_policy"));
	CHECK(missing_has(doc, "summary.3.1.tdm_optout"));
	CHECK(strstr(ival(doc, "openness.art53_2"), "exemption applies"));
	cJSON_Delete(doc);
}

TEST(restricted_community_licence_not_exempt)
{
	static struct model m;
	cJSON *doc;

	memset(&m, 0, sizeof(m));
	gpai_dossier_input_init(&m.in);
	m.in.name = "llama";
	m.in.version = "1";
	open_components(&m, "LicenseRef-Llama-3.1-Community");
	set(&m, "openness.model_parameters_final", "LicenseRef-Llama-3.1-Community https://example.org/w", NULL);
	set(&m, "training.flop", "3.1e23", NULL);
	doc = build(&m, GPAI_AUD_AIO);
	CHECK(doc);
	CHECK(!cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "status"), "art53_2_exempt")));
	CHECK_INT(1, ireq(doc, "form.1.4.release_date"));
	CHECK(missing_has(doc, "form.1.4.release_date"));
	CHECK(strstr(ival(doc, "openness.class"), "open-weight (restricted licence)"));
	CHECK(strstr(ival(doc, "openness.art53_2"), "700 million monthly active users") ||
	      strstr(ival(doc, "openness.art53_2"), "restricted"));
	cJSON_Delete(doc);
}

TEST(finetune_links_base_and_applies_one_third_rule)
{
	static struct model m;
	cJSON *doc;
	const char *v;

	memset(&m, 0, sizeof(m));
	gpai_dossier_input_init(&m.in);
	m.in.name = "tuned";
	m.in.version = "2";
	m.in.base = "big@1";
	m.in.relation = "finetune";
	m.in.base_flop = 3.8e25;          /* one third: 1.27e25 */
	set(&m, "training.flop", "1.0e25", NULL);
	doc = build(&m, GPAI_AUD_AIO);
	CHECK(doc);
	CHECK_STR("big@1 (finetune)", ival(doc, "form.1.6.dependencies"));
	v = ival(doc, "classification.modification");
	CHECK(v && strstr(v, "at or below") && strstr(v, "1.3e+25"));
	cJSON_Delete(doc);

	set(&m, "training.flop", "1.3e25", "2026-02-01T00:00:00Z");
	doc = build(&m, GPAI_AUD_AIO);
	CHECK(doc);
	v = ival(doc, "classification.modification");
	CHECK(v && strstr(v, "above, so the modifier is the provider"));
	cJSON_Delete(doc);

	/* Base compute unknown, base systemic: 1/3 x 10^25 = 3.3e24. */
	m.in.base_flop = 0;
	m.in.base_systemic = 1;
	set(&m, "training.flop", "3.0e24", "2026-02-02T00:00:00Z");
	doc = build(&m, GPAI_AUD_AIO);
	CHECK(doc);
	v = ival(doc, "classification.modification");
	CHECK(v && strstr(v, "3.3e+24") && strstr(v, "at or below"));
	cJSON_Delete(doc);

	/* No base: no modification item, dependencies N/A. */
	m.in.base = NULL;
	doc = build(&m, GPAI_AUD_AIO);
	CHECK(doc);
	CHECK(!item(doc, "classification.modification"));
	CHECK(strstr(ival(doc, "form.1.6.dependencies"), "N/A"));
	cJSON_Delete(doc);
}

TEST(inconsistent_facts_listed_not_rendered)
{
	static struct model m;
	cJSON *doc;
	const cJSON *e;
	int dates = 0, order = 0, spdx = 0, num = 0;
	char *r;

	memset(&m, 0, sizeof(m));
	gpai_dossier_input_init(&m.in);
	m.in.name = "bad";
	m.in.version = "1";
	set(&m, "release.date", "2025-06-01", NULL);
	set(&m, "release.eu_market_date", "2025-03-01", NULL);   /* before first release */
	set(&m, "data.collection_end", "2025-02-30", NULL);      /* no such day */
	set(&m, "license.spdx", "Frobnicate-1.0", NULL);         /* unknown */
	set(&m, "training.energy_mwh", "lots", NULL);            /* not a number */
	doc = build(&m, GPAI_AUD_AIO);
	CHECK(doc);
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(doc, "inconsistencies")) {
		const char *msg = gpai_json_str(e, "message");

		dates += strstr(msg, "data.collection_end: '2025-02-30' is not a date") != NULL;
		order += strstr(msg, "release.eu_market_date: 2025-03-01 is before the first release") != NULL;
		spdx += strstr(msg, "license.spdx: 'Frobnicate-1.0' is not a known SPDX id") != NULL;
		num += strstr(msg, "training.energy_mwh: 'lots' is not a non-negative number") != NULL;
	}
	CHECK_INT(1, dates);
	CHECK_INT(1, order);
	CHECK_INT(1, spdx);
	CHECK_INT(1, num);
	CHECK_STR("inconsistent", gpai_json_str(item(doc, "form.1.5.eu_release_date"), "status"));
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(item(doc, "form.3.2.license"), "value")));
	r = render_all(doc);
	CHECK(r);
	CHECK(strstr(r, "INCONSISTENT") && strstr(r, "Inconsistent"));
	free(r);
	cJSON_Delete(doc);
}

TEST(dates_parse_and_format)
{
	long d;
	char out[11];

	CHECK_OK(gpai_date_parse("1970-01-01", &d), NULL);
	CHECK_INT(0, d);
	CHECK_OK(gpai_date_parse("2000-03-01", &d), NULL);
	CHECK_INT(11017, d); /* python: date(2000,3,1) - date(1970,1,1) */
	gpai_date_format(d + 14, out);
	CHECK_STR("2000-03-15", out);
	CHECK_OK(gpai_date_parse("2024-02", &d), NULL);
	gpai_date_format(d, out);
	CHECK_STR("2024-02-01", out);
	CHECK_INT(GPAI_EFORMAT, gpai_date_parse("2023-02-29", &d));
	CHECK_INT(GPAI_EFORMAT, gpai_date_parse("2024-13-01", &d));
	CHECK_INT(GPAI_EFORMAT, gpai_date_parse("24-01-01", &d));
	CHECK_INT(GPAI_EFORMAT, gpai_date_parse("2024/01/01", &d));
	CHECK_OK(gpai_date_parse("1900-02-28", &d), NULL);
	gpai_date_format(d + 1, out);
	CHECK_STR("1900-03-01", out); /* 1900 is not a leap year */
}

TEST(missing_items_carry_the_fill_command)
{
	static struct model m;
	cJSON *doc;
	const cJSON *e;
	int found = 0;

	memset(&m, 0, sizeof(m));
	gpai_dossier_input_init(&m.in);
	m.in.name = "empty";
	m.in.version = "0.1";
	doc = build(&m, GPAI_AUD_AIO);
	CHECK(doc);
	cJSON_ArrayForEach(e, cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "completeness"), "missing")) {
		const char *cmd = gpai_json_str(e, "command");

		CHECK(cmd && strncmp(cmd, "gpai ", 5) == 0);
		found += strcmp(cmd, "gpai fact set empty@0.1 release.date YYYY-MM-DD --source "
				"URL-or-citation") == 0;
	}
	CHECK_INT(1, found);
	/* Unknown systemic status: the classification is required and missing. */
	CHECK(missing_has(doc, "classification.systemic_risk"));
	cJSON_Delete(doc);
}
