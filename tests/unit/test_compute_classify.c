/*
 * test_compute_classify.c - thresholds against the texts' numbers (AI Act
 * Art. 51(2) "greater than 10^25", Guidelines s3.2 one-third rule and its
 * worked numbers, Art. 52(1) two weeks) and the notes' edge cases.
 */
#include "common.h"
#include "compute_estimator.h"
#include "harness.h"

static void flat(struct gpai_classify_input *in, double flop, double rel)
{
	memset(in, 0, sizeof(*in));
	for (int s = 0; s < GPAI_NSCOPES; s++) {
		in->scope_flop[s].flop = flop;
		in->scope_flop[s].low = flop * (1 - rel);
		in->scope_flop[s].high = flop * (1 + rel);
	}
	in->revenue_usd = in->cost_usd = -1;
	gpai_strlcpy(in->on_date, "2026-11-29", sizeof(in->on_date));
}

static const struct gpai_classification *find(const struct gpai_classification *r,
					      const char *id)
{
	for (size_t i = 0; i < gpai_threshold_count(); i++)
		if (!strcmp(r[i].threshold->id, id))
			return &r[i];
	return NULL;
}

TEST(threshold_table_values)
{
	const struct gpai_threshold *t;

	CHECK((t = gpai_threshold_find("eu-systemic-risk")) != NULL);
	CHECK_NEAR(1e25, t->value, 0);
	CHECK_STR(">", t->op);
	CHECK_INT(GPAI_SCOPE_CUMULATIVE, t->scope);
	CHECK((t = gpai_threshold_find("eu-gpai")) != NULL);
	CHECK_NEAR(1e23, t->value, 0);
	CHECK((t = gpai_threshold_find("eu-modification")) != NULL);
	/* Guidelines s3.2 worked numbers: 3.33e24 and 3.33e22 */
	CHECK_NEAR(3.33e24, t->fallback_systemic, 0.01e24);
	CHECK_NEAR(3.33e22, t->fallback_gpai, 0.01e22);
	CHECK((t = gpai_threshold_find("us-ca-sb53")) != NULL);
	CHECK_NEAR(1e26, t->value, 0);
	CHECK((t = gpai_threshold_find("us-ny-raise")) != NULL);
	CHECK_STR("2027-01-01", t->valid_from);
	CHECK((t = gpai_threshold_find("us-eo-14110")) != NULL);
	CHECK_STR("2025-01-20", t->valid_until);
	for (size_t i = 0; i < gpai_threshold_count(); i++)
		CHECK(gpai_threshold_at(i)->source[0] != '\0');
}

TEST(strictly_greater_and_bands)
{
	struct gpai_classify_input in;
	struct gpai_classification r[16];
	struct gpai_error err;

	gpai_error_init(&err);
	/* Exactly 10^25 with no uncertainty is not "greater than 10^25". */
	flat(&in, 1e25, 0);
	CHECK_OK(gpai_classify(&in, r, 16, &err), &err);
	CHECK_INT(GPAI_BELOW, find(r, "eu-systemic-risk")->band);
	/* Inflection-2 (~1.0e25, Epoch): the +/-30 % band straddles. */
	flat(&in, 1.0e25, 0.3);
	CHECK_OK(gpai_classify(&in, r, 16, &err), &err);
	CHECK_INT(GPAI_WITHIN_BAND_BELOW, find(r, "eu-systemic-risk")->band);
	/* Llama 3.1 405B, 3.8e25: above 10^25, below 10^26 */
	flat(&in, 3.8e25, 0.3);
	CHECK_OK(gpai_classify(&in, r, 16, &err), &err);
	CHECK_INT(GPAI_ABOVE, find(r, "eu-systemic-risk")->band);
	CHECK_NEAR(0.58, find(r, "eu-systemic-risk")->log10_ratio, 0.01);
	CHECK_INT(GPAI_BELOW, find(r, "us-ca-sb53")->band);
	/* Gemma 3 4B, 9.6e22 (Epoch): just under 10^23, inside the band */
	flat(&in, 9.6e22, 0.3);
	CHECK_OK(gpai_classify(&in, r, 16, &err), &err);
	CHECK_INT(GPAI_WITHIN_BAND_BELOW, find(r, "eu-gpai")->band);
	CHECK_INT(0, find(r, "eu-gpai")->met);
	/* Grok 3, 4.6e26 (Epoch): above 10^26 */
	flat(&in, 4.64e26, 0.3);
	CHECK_OK(gpai_classify(&in, r, 16, &err), &err);
	CHECK_INT(GPAI_ABOVE, find(r, "us-ca-sb53")->band);
	CHECK_INT(1, find(r, "us-ca-sb53")->met);
	CHECK_INT(-1, find(r, "us-ny-raise")->met); /* cost not given */
	in.cost_usd = 50e6;
	CHECK_OK(gpai_classify(&in, r, 16, &err), &err);
	CHECK_INT(0, find(r, "us-ny-raise")->met);
	in.cost_usd = 500e6;
	CHECK_OK(gpai_classify(&in, r, 16, &err), &err);
	CHECK_INT(1, find(r, "us-ny-raise")->met);
}

TEST(modification_rule)
{
	struct gpai_classify_input in;
	struct gpai_classification r[16];
	struct gpai_error err;
	const struct gpai_classification *m;

	gpai_error_init(&err);
	/* Guidelines s3.2: a fine-tune of Llama 3.1 405B (3.8e25) needs more
	 * than 1.27e25 FLOP. */
	flat(&in, 2e25, 0.3);
	in.modification.flop = 2e25;
	in.modification.low = 1.4e25 + 1e23;
	in.modification.high = 2.6e25;
	in.original = GPAI_ORIGINAL_KNOWN;
	in.original_flop.flop = in.original_flop.low = in.original_flop.high = 3.8e25;
	CHECK_OK(gpai_classify(&in, r, 16, &err), &err);
	m = find(r, "eu-modification");
	CHECK_NEAR(1.267e25, m->limit, 0.001e25);
	CHECK_INT(GPAI_ABOVE, m->band);
	/* unknown original with systemic risk: 10^25 / 3 */
	in.original = GPAI_ORIGINAL_UNKNOWN_SYSTEMIC;
	in.modification.flop = 3e24;
	in.modification.low = 2.1e24;
	in.modification.high = 3.9e24;
	CHECK_OK(gpai_classify(&in, r, 16, &err), &err);
	m = find(r, "eu-modification");
	CHECK_NEAR(1e25 / 3, m->limit, 1e10);
	CHECK_INT(GPAI_WITHIN_BAND_BELOW, m->band);
	/* unknown GPAI original: 10^23 / 3 */
	in.original = GPAI_ORIGINAL_UNKNOWN_GPAI;
	CHECK_OK(gpai_classify(&in, r, 16, &err), &err);
	CHECK_NEAR(1e23 / 3, find(r, "eu-modification")->limit, 1e8);
	CHECK_INT(GPAI_ABOVE, find(r, "eu-modification")->band);
	in.original = GPAI_ORIGINAL_NONE;
	CHECK_OK(gpai_classify(&in, r, 16, &err), &err);
	CHECK_INT(GPAI_NOT_APPLICABLE, find(r, "eu-modification")->band);
}

TEST(notification_deadline_and_validity)
{
	struct gpai_classify_input in;
	struct gpai_classification r[16];
	struct gpai_error err;
	char d[11];

	gpai_error_init(&err);
	flat(&in, 3.8e25, 0.3);
	gpai_strlcpy(in.known_date, "2025-12-25", sizeof(in.known_date));
	CHECK_OK(gpai_classify(&in, r, 16, &err), &err);
	CHECK_STR("2026-01-08", find(r, "eu-systemic-risk")->deadline);
	CHECK_STR("", find(r, "eu-gpai")->deadline);
	CHECK_INT(1, find(r, "eu-systemic-risk")->in_force);
	CHECK_INT(0, find(r, "us-eo-14110")->in_force);
	CHECK_INT(0, find(r, "us-ny-raise")->in_force); /* from 2027-01-01 */
	gpai_strlcpy(in.on_date, "2024-06-01", sizeof(in.on_date));
	CHECK_OK(gpai_classify(&in, r, 16, &err), &err);
	CHECK_INT(1, find(r, "us-eo-14110")->in_force);
	CHECK_INT(0, find(r, "eu-systemic-risk")->in_force);
	CHECK_OK(gpai_date_add_days("2028-02-20", 14, d, &err), &err);
	CHECK_STR("2028-03-05", d);
	CHECK_OK(gpai_date_add_days("2027-02-20", 14, d, &err), &err);
	CHECK_STR("2027-03-06", d);
	CHECK_ERR(GPAI_EFORMAT, gpai_date_add_days("2027-02-29", 14, d, &err), &err,
		  "'2027-02-29' is not a date");
	gpai_strlcpy(in.on_date, "29.11.2026", sizeof(in.on_date));
	CHECK_ERR(GPAI_EMISUSE, gpai_classify(&in, r, 16, &err), &err, "is not a date");
}
