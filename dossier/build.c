/*
 * build.c - turns a model description (struct gpai_dossier_input) into the
 * documentation model of one audience: a cJSON document that follows
 * docs/dossier-schema.json.  The renderers only read that document.
 *
 * Rules (../shared/notes/registry_dossier.md s.2.9):
 *   - every audience sees only the fields the table gives it; national
 *     competent authorities get ranges and orders of magnitude where the
 *     table says so, downstream providers and the public never see
 *     AI-Office-only values (not even inside a sentence);
 *   - systemic risk (Art. 51: designated, or training compute above
 *     10^25 FLOP) adds Annex XI s.2, Art. 55 and the Art. 52 notification,
 *     whose deadline is two weeks after the threshold was met or known;
 *   - the Art. 53(2) exemption lifts the Annex XI / XII items but never the
 *     copyright policy and the training-content summary;
 *   - a missing fact is listed with the command that would record it; a
 *     fact that does not parse or contradicts another is listed as
 *     inconsistent and not rendered.
 */
#include "dossier.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cJSON.h>

/* Art. 51(2): presumption of high-impact capabilities above 10^25 FLOP. */
#define SYSTEMIC_FLOP 1e25
/* GPAI Guidelines C(2025) 5045 s.2: indicative GPAI above 10^23 FLOP. */
#define GPAI_FLOP 1e23
/* Guidelines s.3.2: a modifier becomes provider above one third of the
 * original training compute. */
#define MODIFICATION_FRACTION (1.0 / 3.0)
/* Art. 52(1): "in any event within two weeks". */
#define ART52_DAYS 14
#define HOURS_PER_DAY 24.0
/* Form training-time ranges for NCAs: <1 month, 1-3, 3-6, >6 months. */
#define DAYS_PER_MONTH 30.4375
/* Form size range tick-boxes, parameters. */
static const struct { double below; const char *label; } size_ranges[] = {
	{ 500e6, "1-500M" }, { 5e9, "500M-5B" }, { 15e9, "5B-15B" }, { 50e9, "15B-50B" },
	{ 100e9, "50B-100B" }, { 500e9, "100B-500B" }, { 1e12, "500B-1T" }, { INFINITY, ">1T" },
};
/* Template s.1.3 text ranges, tokens. */
#define TEXT_SMALL 1e9
#define TEXT_LARGE 10e12

void gpai_dossier_input_init(struct gpai_dossier_input *in)
{
	memset(in, 0, sizeof(*in));
	in->base_systemic = -1;
	in->compute.systemic_risk = -1;
	in->compute.gpai_indicative = -1;
}

const struct gpai_dossier_fact *gpai_dossier_fact_get(const struct gpai_dossier_input *in,
						      const char *field)
{
	const struct gpai_dossier_fact *best = NULL;

	for (size_t i = 0; in && i < in->n_facts; i++) {
		const struct gpai_dossier_fact *f = &in->facts[i];

		if (!f->field || strcmp(f->field, field) != 0)
			continue;
		if (!best || !best->recorded_at || !f->recorded_at ||
		    strcmp(f->recorded_at, best->recorded_at) >= 0)
			best = f;
	}
	return best;
}

/* ---- dates and numbers ------------------------------------------------ */

/* Howard Hinnant's days_from_civil. */
static long days_from_civil(long y, unsigned m, unsigned d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static int digits(const char *s, int n, long *out)
{
	long v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int gpai_date_parse(const char *s, long *days)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long y, m = 1, d = 1;
	size_t n = s ? strlen(s) : 0;

	if (n != 4 && n != 7 && n != 10)
		return GPAI_EFORMAT;
	if (digits(s, 4, &y))
		return GPAI_EFORMAT;
	if (n >= 7 && (s[4] != '-' || digits(s + 5, 2, &m)))
		return GPAI_EFORMAT;
	if (n == 10 && (s[7] != '-' || digits(s + 8, 2, &d)))
		return GPAI_EFORMAT;
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return GPAI_EFORMAT;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return GPAI_EFORMAT;
	*days = days_from_civil(y, (unsigned)m, (unsigned)d);
	return GPAI_OK;
}

void gpai_date_format(long z, char out[11])
{
	long era, y;
	unsigned doe, yoe, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (long)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	snprintf(out, 11, "%04ld-%02u-%02u", y, m, d);
}

const char *gpai_sig2(double x, char out[32])
{
	snprintf(out, 32, "%.1e", x);
	return out;
}

static int order_of(double x)
{
	return (int)floor(log10(x));
}

/* ---- the build context ------------------------------------------------ */

enum { ST_PRESENT, ST_MISSING, ST_INCONSISTENT };

struct val {
	int status;
	struct gpai_buf value, source;
	const char *field;       /* fact field behind it, NULL for computations */
	const char *recorded_at;
	int coarsened;
	char *problem;           /* malloc'd */
};

struct ctx {
	const struct gpai_dossier_input *in;
	enum gpai_audience aud;
	char nv[256];            /* NAME@VER */
	char docdate[11];
	int systemic;            /* 1, 0, -1 */
	struct gpai_buf systemic_basis;
	int gpai;                /* 1, 0, -1 */
	double flop;             /* training FLOP, 0 unknown */
	const char *flop_from;   /* "estimator" or "fact" */
	const struct gpai_dossier_fact *flop_fact;
	char deadline[11], threshold_date[11];
	struct gpai_buf threshold_basis;
	struct gpai_openness open;
	cJSON *inconsistent;
	int oom;
};

static void val_init(struct val *v)
{
	memset(v, 0, sizeof(*v));
	gpai_buf_init(&v->value);
	gpai_buf_init(&v->source);
	v->status = ST_MISSING;
}

static void val_release(struct val *v)
{
	gpai_buf_release(&v->value);
	gpai_buf_release(&v->source);
	free(v->problem);
}

/* Precise for the AI Office, order of magnitude for NCAs, nothing for
 * downstream providers and the public (the Form gives them no compute). */
static int flop_text(const struct ctx *c, double flop, char out[64])
{
	char s[32];

	if (c->aud == GPAI_AUD_AIO) {
		snprintf(out, 64, "%s FLOP", gpai_sig2(flop, s));
		return 1;
	}
	if (c->aud == GPAI_AUD_NCA) {
		snprintf(out, 64, "order of 10^%d FLOP", order_of(flop));
		return 1;
	}
	return 0;
}

static void inconsistent(struct ctx *c, const struct gpai_dossier_fact *f, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void inconsistent(struct ctx *c, const struct gpai_dossier_fact *f, const char *fmt, ...)
{
	va_list ap;
	char msg[512];
	cJSON *o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One entry per fact and message: several items may read one fact. */
	for (cJSON *e = c->inconsistent ? c->inconsistent->child : NULL; e; e = e->next)
		if (strcmp(gpai_json_str(e, "message"), msg) == 0)
			return;
	o = cJSON_CreateObject();
	if (!o) {
		c->oom = 1;
		return;
	}
	cJSON_AddStringToObject(o, "field", f ? f->field : "");
	if (f && f->value)
		cJSON_AddStringToObject(o, "value", f->value);
	else
		cJSON_AddNullToObject(o, "value");
	cJSON_AddStringToObject(o, "message", msg);
	cJSON_AddItemToArray(c->inconsistent, o);
}

static const struct gpai_dossier_fact *fact(const struct ctx *c, const char *field)
{
	return gpai_dossier_fact_get(c->in, field);
}

/* Parses a number fact; on failure records the inconsistency. */
static int fact_number(struct ctx *c, const struct gpai_dossier_fact *f, double *out)
{
	if (!f || !f->value)
		return -1;
	if (gpai_parse_double(f->value, out) || !isfinite(*out) || *out < 0) {
		inconsistent(c, f, "%s: '%s' is not a non-negative number", f->field, f->value);
		return -1;
	}
	return 0;
}

static int fact_date(struct ctx *c, const struct gpai_dossier_fact *f, long *days)
{
	if (!f || !f->value)
		return -1;
	if (gpai_date_parse(f->value, days)) {
		inconsistent(c, f, "%s: '%s' is not a date (YYYY-MM-DD, YYYY-MM or YYYY)",
			     f->field, f->value);
		return -1;
	}
	return 0;
}

static int is_date_field(const char *field)
{
	static const char *const dates[] = {
		"release.date", "release.eu_market_date", "data.collection_end",
		"systemic.notified_date", "systemic.threshold_date", "training.time.start",
		"training.time.end", "data.cutoff", "model.version_date",
	};
	for (size_t i = 0; i < sizeof(dates) / sizeof(dates[0]); i++)
		if (strcmp(field, dates[i]) == 0)
			return 1;
	return 0;
}

static int is_number_field(const char *field)
{
	static const char *const nums[] = {
		"training.energy_mwh", "inference.flop", "data.size_tokens", "training.tokens",
		"training.flop", "model.parameters", "model.context_window",
		"model.max_output_tokens", "training.hardware.hours", "training.gpu_hours",
		"training.hardware.count", "training.flop.low", "training.flop.high",
		"modification.flop",
	};
	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
		if (strcmp(field, nums[i]) == 0)
			return 1;
	return 0;
}

/* Checks every fact the dossier reads for type and cross-fact order. */
static void check_facts(struct ctx *c)
{
	const struct gpai_dossier_input *in = c->in;
	const struct gpai_dossier_fact *a, *b;
	long da, db;
	double x;

	for (size_t i = 0; i < in->n_facts; i++) {
		const struct gpai_dossier_fact *f = &in->facts[i];

		if (!f->field || f != gpai_dossier_fact_get(in, f->field))
			continue; /* only current values matter */
		if (is_date_field(f->field))
			fact_date(c, f, &da);
		else if (is_number_field(f->field))
			fact_number(c, f, &x);
		else if (strcmp(f->field, "license.spdx") == 0 && !gpai_license_find(f->value))
			inconsistent(c, f, "license.spdx: '%s' is not a known SPDX id or has no known "
				     "licence category (see docs/openness.md)", f->value);
	}
	a = fact(c, "release.date");
	b = fact(c, "release.eu_market_date");
	if (a && b && !gpai_date_parse(a->value, &da) && !gpai_date_parse(b->value, &db) && db < da)
		inconsistent(c, b, "release.eu_market_date: %s is before the first release "
			     "(release.date %s)", b->value, a->value);
	a = fact(c, "training.time.start");
	b = fact(c, "training.time.end");
	if (a && b && !gpai_date_parse(a->value, &da) && !gpai_date_parse(b->value, &db) && db < da)
		inconsistent(c, b, "training.time.end: %s is before training.time.start %s",
			     b->value, a->value);
}

/* 1 when the current value of f was found inconsistent. */
static int fact_bad(struct ctx *c, const struct gpai_dossier_fact *f)
{
	if (!f || !c->inconsistent)
		return 0;
	for (cJSON *e = c->inconsistent->child; e; e = e->next) {
		const char *field = gpai_json_str(e, "field");
		const char *v = gpai_json_str(e, "value");

		if (field && strcmp(field, f->field) == 0 && v && f->value && strcmp(v, f->value) == 0)
			return 1;
	}
	return 0;
}

/* ---- classification --------------------------------------------------- */

static void latest_date(const struct gpai_dossier_fact *f, char best[11])
{
	if (f && f->recorded_at && strlen(f->recorded_at) >= 10 && strncmp(f->recorded_at, best, 10) > 0) {
		memcpy(best, f->recorded_at, 10);
		best[10] = '\0';
	}
}

static void classify(struct ctx *c)
{
	const struct gpai_dossier_input *in = c->in;
	const struct gpai_dossier_fact *f;
	long d;

	gpai_buf_init(&c->systemic_basis);
	gpai_buf_init(&c->threshold_basis);
	c->systemic = -1;
	c->gpai = -1;
	if (in->compute.have && in->compute.flop > 0) {
		c->flop = in->compute.flop;
		c->flop_from = "estimator";
	} else if ((f = fact(c, "training.flop")) && !fact_bad(c, f) &&
		   !gpai_parse_double(f->value, &c->flop) && c->flop > 0) {
		c->flop_from = "fact";
		c->flop_fact = f;
	} else {
		c->flop = 0;
	}
	if (c->flop > 0) {
		c->systemic = in->compute.have && in->compute.systemic_risk >= 0 ?
			      in->compute.systemic_risk : c->flop > SYSTEMIC_FLOP;
		c->gpai = in->compute.have && in->compute.gpai_indicative >= 0 ?
			  in->compute.gpai_indicative : c->flop > GPAI_FLOP;
	}
	f = fact(c, "systemic.designated");
	if (f && f->value && strcmp(f->value, "yes") == 0) {
		c->systemic = 1;
		gpai_buf_printf(&c->systemic_basis, "designated by the Commission (Art. 51(1)(b), "
				"Art. 52(4)); source: %s", f->source ? f->source : "not given");
	} else if (c->systemic == 1) {
		char t[64];

		if (flop_text(c, c->flop, t))
			gpai_buf_printf(&c->systemic_basis, "presumed: training compute %s is above 10^25 "
					"FLOP (Art. 51(2))", t);
		else
			gpai_buf_puts(&c->systemic_basis, "presumed: training compute above 10^25 FLOP "
				      "(Art. 51(2))");
	} else if (c->systemic == 0) {
		char t[64];

		if (flop_text(c, c->flop, t))
			gpai_buf_printf(&c->systemic_basis, "not presumed: training compute %s is at or "
					"below 10^25 FLOP (Art. 51(2)) and no designation is recorded", t);
		else
			gpai_buf_puts(&c->systemic_basis, "not presumed: training compute at or below "
				      "10^25 FLOP (Art. 51(2)) and no designation is recorded");
	}

	c->deadline[0] = c->threshold_date[0] = '\0';
	if (c->systemic == 1) {
		f = fact(c, "systemic.threshold_date");
		if (f && !fact_bad(c, f) && !gpai_date_parse(f->value, &d)) {
			gpai_date_format(d, c->threshold_date);
			gpai_buf_printf(&c->threshold_basis, "threshold met or known on %s "
					"(systemic.threshold_date; source: %s)", c->threshold_date,
					f->source ? f->source : "not given");
		} else {
			char best[11] = "0000-00-00";
			static const char *const basis[] = {
				"training.flop", "training.tokens", "model.parameters",
				"model.active_parameters", "training.hardware.type",
				"training.hardware.count", "training.hardware.hours",
				"training.gpu_hours", "training.stages", "systemic.designated",
			};
			for (size_t i = 0; i < sizeof(basis) / sizeof(basis[0]); i++)
				latest_date(fact(c, basis[i]), best);
			if (strcmp(best, "0000-00-00") != 0 && !gpai_date_parse(best, &d)) {
				gpai_date_format(d, c->threshold_date);
				gpai_buf_printf(&c->threshold_basis, "threshold known on %s, the date the "
						"facts establishing it were recorded (no "
						"systemic.threshold_date recorded)", c->threshold_date);
			} else if (!gpai_date_parse(c->docdate, &d)) {
				gpai_date_format(d, c->threshold_date);
				gpai_buf_printf(&c->threshold_basis, "threshold known at the latest on %s, "
						"the date of this document (no recorded date)", c->threshold_date);
			}
		}
		if (c->threshold_date[0] && !gpai_date_parse(c->threshold_date, &d))
			gpai_date_format(d + ART52_DAYS, c->deadline);
	}
}

/* ---- item values ------------------------------------------------------ */

static void from_fact(struct ctx *c, struct val *v, const struct gpai_dossier_fact *f)
{
	v->field = f->field;
	v->recorded_at = f->recorded_at;
	if (fact_bad(c, f)) {
		v->status = ST_INCONSISTENT;
		v->problem = gpai_asprintf("the recorded value '%s' of %s is inconsistent (see "
					   "inconsistencies)", f->value, f->field);
		return;
	}
	v->status = ST_PRESENT;
	gpai_buf_puts(&v->source, f->source ? f->source : "not given");
}

static void source_computed(struct val *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void source_computed(struct val *v, const char *fmt, ...)
{
	va_list ap;
	char tmp[1024];

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	gpai_buf_puts(&v->source, tmp);
}

static double parameters(struct ctx *c, const struct gpai_dossier_fact **src)
{
	const struct gpai_dossier_fact *f = fact(c, "model.parameters");
	double x;

	*src = NULL;
	if (f && !fact_bad(c, f) && !gpai_parse_double(f->value, &x) && x > 0) {
		*src = f;
		return x;
	}
	return c->in->parameters;
}

static void value_plain_fact(struct ctx *c, struct val *v, const struct gpai_dossier_field *fd)
{
	const struct gpai_dossier_fact *f = fact(c, fd->source), *g;
	double x;

	if (!f) {
		if (strcmp(fd->source, "model.provider") == 0 && c->in->provider && *c->in->provider) {
			v->status = ST_PRESENT;
			gpai_buf_puts(&v->value, c->in->provider);
			gpai_buf_puts(&v->source, "registry: the version's provider");
		} else if (strcmp(fd->source, "model.architecture") == 0 && c->in->architecture &&
			   *c->in->architecture) {
			v->status = ST_PRESENT;
			gpai_buf_puts(&v->value, c->in->architecture);
			gpai_buf_puts(&v->source, c->in->files_source ? c->in->files_source :
				      "measured: model files");
		} else if (strcmp(fd->source, "inference.flop") == 0 && c->in->inference_flop > 0) {
			char s[32];

			v->status = ST_PRESENT;
			if (c->aud == GPAI_AUD_NCA) {
				gpai_buf_printf(&v->value, "order of 10^%d FLOP",
						order_of(c->in->inference_flop));
				v->coarsened = 1;
			} else {
				gpai_buf_printf(&v->value, "%s FLOP",
						gpai_sig2(c->in->inference_flop, s));
			}
			gpai_buf_puts(&v->source, c->in->inference_source ? c->in->inference_source :
				      "measured: reference inference engine");
		} else if (strcmp(fd->source, "inference.method") == 0 && c->in->inference_flop > 0 &&
			   c->in->inference_source) {
			v->status = ST_PRESENT;
			gpai_buf_printf(&v->value, "analytic FLOP count of the reference engine's run: %s",
					c->in->inference_source);
			gpai_buf_puts(&v->source, "computed: gpai eval run");
		}
		return;
	}
	from_fact(c, v, f);
	if (v->status != ST_PRESENT)
		return;
	if (strcmp(fd->source, "license.spdx") == 0) {
		const struct gpai_license *l = gpai_license_find(f->value);

		if (strcasecmp(l->spdx, f->value) == 0)
			gpai_buf_printf(&v->value, "%s (%s%s)", l->spdx, gpai_license_cat_name(l->cat),
					l->osi ? ", open" : "");
		else
			gpai_buf_printf(&v->value, "%s (governed by %s: %s%s)", f->value, l->spdx,
					gpai_license_cat_name(l->cat), l->osi ? ", open" : "");
		if ((g = fact(c, "license.url")))
			gpai_buf_printf(&v->value, "; text: %s", g->value);
		if ((g = fact(c, "license.restrictions")))
			gpai_buf_printf(&v->value, "; restrictions: %s", g->value);
	} else if (strcmp(fd->source, "data.size_tokens") == 0) {
		fact_number(c, f, &x);
		if (c->aud == GPAI_AUD_NCA && fd->nca == GPAI_COARSEN_COUNT_OOM && x > 0) {
			gpai_buf_printf(&v->value, "order of 10^%d tokens", order_of(x));
			v->coarsened = 1;
		} else {
			gpai_buf_printf(&v->value, "%.4g tokens", x);
		}
	} else if (strcmp(fd->source, "inference.flop") == 0) {
		char s[32];

		fact_number(c, f, &x);
		if (c->aud == GPAI_AUD_NCA && x > 0) {
			gpai_buf_printf(&v->value, "order of 10^%d FLOP", order_of(x));
			v->coarsened = 1;
		} else {
			gpai_buf_printf(&v->value, "%s FLOP", gpai_sig2(x, s));
		}
	} else if (strcmp(fd->source, "training.energy_mwh") == 0) {
		char s[32];

		fact_number(c, f, &x);
		gpai_buf_printf(&v->value, "%s MWh", gpai_sig2(x, s));
	} else if (strcmp(fd->source, "model.modalities.input") == 0) {
		long long ctxlen = c->in->context_window;

		gpai_buf_puts(&v->value, f->value);
		g = fact(c, "model.context_window");
		if (g && !fact_bad(c, g) && !gpai_parse_double(g->value, &x))
			gpai_buf_printf(&v->value, "; maximum input %.0f tokens (context window; source: %s)",
					x, g->source ? g->source : "not given");
		else if (ctxlen > 0)
			gpai_buf_printf(&v->value, "; maximum input %lld tokens (context window; %s)",
					ctxlen, c->in->files_source ? c->in->files_source :
					"measured: model files");
	} else if (strcmp(fd->source, "model.modalities.output") == 0) {
		gpai_buf_puts(&v->value, f->value);
		g = fact(c, "model.max_output_tokens");
		if (g && !fact_bad(c, g) && !gpai_parse_double(g->value, &x))
			gpai_buf_printf(&v->value, "; maximum output %.0f tokens", x);
	} else if (strcmp(fd->source, "data.collection_end") == 0) {
		gpai_buf_puts(&v->value, f->value);
		g = fact(c, "data.collection_ongoing");
		if (g)
			gpai_buf_printf(&v->value, "; collection ongoing: %s", g->value);
	} else if (strcmp(fd->source, "data.crawling") == 0) {
		gpai_buf_puts(&v->value, f->value);
		g = fact(c, "data.top_domains");
		if (g)
			gpai_buf_printf(&v->value, "; most relevant domains: %s", g->value);
	} else {
		gpai_buf_puts(&v->value, f->value);
	}
}

static void value_training_time(struct ctx *c, struct val *v)
{
	const struct gpai_dossier_fact *a = fact(c, "training.time.start"),
		*b = fact(c, "training.time.end"), *h = fact(c, "training.hardware.hours"),
		*g = fact(c, "training.gpu_hours"), *n = fact(c, "training.hardware.count");
	double days = -1, accel_days = -1, x, y;
	long da, db;

	if (a && b && !fact_bad(c, a) && !fact_bad(c, b) && !gpai_date_parse(a->value, &da) &&
	    !gpai_date_parse(b->value, &db)) {
		days = (double)(db - da);
		source_computed(v, "computed: training.time.end - training.time.start (%s; %s)",
				a->source ? a->source : "", b->source ? b->source : "");
		v->recorded_at = b->recorded_at;
	} else if (h && !fact_bad(c, h) && !gpai_parse_double(h->value, &x)) {
		days = x / HOURS_PER_DAY;
		source_computed(v, "computed: training.hardware.hours / 24 (%s)",
				h->source ? h->source : "");
		v->recorded_at = h->recorded_at;
	}
	if (g && !fact_bad(c, g) && !gpai_parse_double(g->value, &x))
		accel_days = x / HOURS_PER_DAY;
	else if (h && n && !fact_bad(c, h) && !fact_bad(c, n) && !gpai_parse_double(h->value, &x) &&
		 !gpai_parse_double(n->value, &y))
		accel_days = x * y / HOURS_PER_DAY;
	if (days < 0) {
		gpai_buf_release(&v->source);
		return;
	}
	v->status = ST_PRESENT;
	if (c->aud == GPAI_AUD_NCA) {
		double months = days / DAYS_PER_MONTH;

		gpai_buf_puts(&v->value, months < 1 ? "less than 1 month" : months < 3 ? "1-3 months" :
			      months <= 6 ? "3-6 months" : "more than 6 months");
		v->coarsened = 1;
	} else {
		gpai_buf_printf(&v->value, "%.0f days wall clock", days);
		if (accel_days >= 0)
			gpai_buf_printf(&v->value, "; %.2g accelerator-days", accel_days);
	}
}

static void value_flop(struct ctx *c, struct val *v, int method)
{
	const struct gpai_dossier_compute *k = &c->in->compute;
	char s[32], lo[32], hi[32];

	if (c->flop <= 0)
		return;
	v->status = ST_PRESENT;
	if (method) {
		if (c->flop_fact) {
			const struct gpai_dossier_fact *m = fact(c, "training.flop.method");

			gpai_buf_printf(&v->value, "%s%sas published by %s", m ? m->value : "",
					m ? "; " : "", c->flop_fact->source ?
					c->flop_fact->source : "an unnamed source");
		}
		else
			gpai_buf_printf(&v->value, "%s%s%s", k->method ? k->method : "compute estimator",
					k->basis ? "; inputs: " : "", k->basis ? k->basis : "");
		gpai_buf_puts(&v->source, c->flop_fact ? "fact: training.flop" :
			      "computed: compute_estimator");
		return;
	}
	if (c->aud == GPAI_AUD_NCA) {
		gpai_buf_printf(&v->value, "order of 10^%d FLOP", order_of(c->flop));
		v->coarsened = 1;
	} else {
		gpai_buf_printf(&v->value, "%s FLOP", gpai_sig2(c->flop, s));
		const struct gpai_dossier_fact *fl = fact(c, "training.flop.low"),
			*fh = fact(c, "training.flop.high");
		double l, hgh;

		if (!c->flop_fact && k->low > 0 && k->high > 0)
			gpai_buf_printf(&v->value, " (interval %s to %s)", gpai_sig2(k->low, lo),
					gpai_sig2(k->high, hi));
		else if (c->flop_fact && fl && fh && !fact_bad(c, fl) && !fact_bad(c, fh) &&
			 !gpai_parse_double(fl->value, &l) && !gpai_parse_double(fh->value, &hgh))
			gpai_buf_printf(&v->value, " (published interval %s to %s)", gpai_sig2(l, lo),
					gpai_sig2(hgh, hi));
	}
	if (c->flop_fact) {
		gpai_buf_puts(&v->source, c->flop_fact->source ? c->flop_fact->source : "not given");
		v->field = "training.flop";
		v->recorded_at = c->flop_fact->recorded_at;
	} else {
		source_computed(v, "computed: compute_estimator (%s)", k->method ? k->method : "estimate");
	}
}

static void value_modification(struct ctx *c, struct val *v)
{
	const struct gpai_dossier_input *in = c->in;
	const struct gpai_dossier_fact *mf;
	double third, mod = 0;
	const char *basis;
	char t1[64], t2[64];

	if (!in->base)
		return;
	if (in->base_flop > 0) {
		third = in->base_flop * MODIFICATION_FRACTION;
		basis = "one third of the base model's training compute";
	} else if (in->base_systemic == 1) {
		third = SYSTEMIC_FLOP * MODIFICATION_FRACTION;
		basis = "one third of 10^25 FLOP (base compute unknown, base is systemic-risk; "
			"Guidelines s.3.2)";
	} else {
		third = GPAI_FLOP * MODIFICATION_FRACTION;
		basis = "one third of 10^23 FLOP (base compute unknown; Guidelines s.3.2)";
	}
	mf = fact(c, "modification.flop");
	if (mf && !fact_bad(c, mf) && !gpai_parse_double(mf->value, &mod) && mod > 0) {
		source_computed(v, "computed: lineage (registry) and modification.flop (%s)",
				mf->source ? mf->source : "not given");
	} else if (c->flop > 0) {
		mod = c->flop;
		source_computed(v, "computed: lineage (registry) and this version's training compute");
	} else {
		v->problem = gpai_asprintf("the modification compute of %s is unknown (record "
					   "modification.flop)", c->nv);
		return;
	}
	v->status = ST_PRESENT;
	if (flop_text(c, mod, t1) && flop_text(c, third, t2))
		gpai_buf_printf(&v->value, "%s of %s: modification compute %s vs %s, %s: ",
				in->relation ? in->relation : "modification", in->base, t1, basis, t2);
	else
		gpai_buf_printf(&v->value, "%s of %s: modification compute compared with %s: ",
				in->relation ? in->relation : "modification", in->base, basis);
	if (mod > third)
		gpai_buf_puts(&v->value, "above, so the modifier is the provider of a new "
			      "general-purpose AI model with the full obligations");
	else
		gpai_buf_puts(&v->value, "at or below, so the obligations of the modifier are limited "
			      "to the modification (documentation of the modification)");
}

static void value_computed(struct ctx *c, struct val *v, const struct gpai_dossier_field *fd)
{
	const struct gpai_dossier_input *in = c->in;
	const char *src = fd->source;
	const struct gpai_dossier_fact *pf;
	char s[32], t[64];
	double x;

	if (strcmp(src, "doc.version") == 0) {
		v->status = ST_PRESENT;
		if (in->doc_version > 0) {
			gpai_buf_printf(&v->value, "%d", in->doc_version);
			gpai_buf_puts(&v->source, "registry: dossier history");
		} else {
			gpai_buf_puts(&v->value, "unversioned (not kept in a registry)");
			gpai_buf_puts(&v->source, "computed: generated outside a registry");
		}
	} else if (strcmp(src, "doc.date") == 0) {
		v->status = ST_PRESENT;
		gpai_buf_puts(&v->value, c->docdate);
		gpai_buf_puts(&v->source, "computed: generation date");
	} else if (strcmp(src, "model.name") == 0) {
		v->status = ST_PRESENT;
		gpai_buf_puts(&v->value, c->nv);
		gpai_buf_puts(&v->source, "registry: name and version");
	} else if (strcmp(src, "oms.root_digest") == 0) {
		if (!in->root_digest || !*in->root_digest)
			return;
		v->status = ST_PRESENT;
		gpai_buf_printf(&v->value, "OMS root digest %s; %s%s", in->root_digest,
				in->signer ? "signed by " : "not signed",
				in->signer ? in->signer : "");
		gpai_buf_puts(&v->source, "computed: OMS v1.0 manifest of the stored files");
	} else if (strcmp(src, "lineage") == 0) {
		v->status = ST_PRESENT;
		if (in->base)
			gpai_buf_printf(&v->value, "%s (%s)", in->base,
					in->relation ? in->relation : "modification");
		else
			gpai_buf_puts(&v->value, "N/A (not a modification of another model)");
		gpai_buf_puts(&v->source, "registry: lineage");
	} else if (strcmp(src, "model.parameters") == 0) {
		x = parameters(c, &pf);
		if (x <= 0)
			return;
		v->status = ST_PRESENT;
		gpai_buf_puts(&v->value, gpai_sig2(x, s));
		if (pf) {
			gpai_buf_puts(&v->source, pf->source ? pf->source : "not given");
			v->field = "model.parameters";
			v->recorded_at = pf->recorded_at;
		} else {
			gpai_buf_puts(&v->source, in->files_source ? in->files_source :
				      "measured: model files");
		}
	} else if (strcmp(src, "model.size_range") == 0) {
		x = parameters(c, &pf);
		if (x <= 0)
			return;
		v->status = ST_PRESENT;
		for (size_t i = 0; i < sizeof(size_ranges) / sizeof(size_ranges[0]); i++)
			if (x < size_ranges[i].below) {
				gpai_buf_puts(&v->value, size_ranges[i].label);
				break;
			}
		gpai_buf_puts(&v->source, "computed: from the parameter count");
	} else if (strcmp(src, "training.time") == 0) {
		value_training_time(c, v);
	} else if (strcmp(src, "training.flop") == 0) {
		value_flop(c, v, 0);
	} else if (strcmp(src, "training.flop.method") == 0) {
		value_flop(c, v, 1);
	} else if (strcmp(src, "classification.gpai") == 0) {
		if (c->gpai < 0)
			return;
		v->status = ST_PRESENT;
		if (flop_text(c, c->flop, t))
			gpai_buf_printf(&v->value, "%s: training compute %s is %s 10^23 FLOP", c->gpai ?
					"yes (indicative)" : "not indicated", t, c->gpai ? "above" : "at or below");
		else
			gpai_buf_printf(&v->value, "%s: training compute %s 10^23 FLOP", c->gpai ?
					"yes (indicative)" : "not indicated", c->gpai ? "above" : "at or below");
		gpai_buf_puts(&v->source, "computed: threshold rule (GPAI Guidelines s.2)");
	} else if (strcmp(src, "classification.systemic_risk") == 0) {
		if (c->systemic < 0)
			return;
		v->status = ST_PRESENT;
		gpai_buf_printf(&v->value, "%s: %s", c->systemic ? "yes" : "no", c->systemic_basis.data);
		gpai_buf_puts(&v->source, "computed: threshold rule (Art. 51(2)) and designation facts");
	} else if (strcmp(src, "classification.modification") == 0) {
		value_modification(c, v);
	} else if (strcmp(src, "evaluation.claims") == 0) {
		for (size_t i = 0; i < in->n_evals; i++) {
			const struct gpai_dossier_eval *e = &in->evals[i];

			gpai_buf_printf(&v->value, "%s%s: claimed %s (%s); %s%s%s%s", i ? "\n" : "",
					e->name ? e->name : "?", e->claimed ? e->claimed : "?",
					e->source ? e->source : "source not given",
					e->measured ? "measured " : "not yet re-run",
					e->measured ? e->measured : "",
					e->verdict ? ": " : "", e->verdict ? e->verdict : "");
		}
		if (in->n_evals) {
			v->status = ST_PRESENT;
			gpai_buf_puts(&v->source, "registry: evaluation claims and runs");
		}
	} else if (strcmp(src, "art52.deadline") == 0) {
		if (!c->deadline[0])
			return;
		v->status = ST_PRESENT;
		gpai_buf_printf(&v->value, "notify the Commission by %s (%s + 14 days)", c->deadline,
				c->threshold_date);
		gpai_buf_printf(&v->source, "computed: %s", c->threshold_basis.data);
	} else if (strcmp(src, "data.size_range") == 0) {
		const struct gpai_dossier_fact *f = fact(c, "data.size_tokens");
		const char *what = "unique training data";

		if (!f || fact_bad(c, f)) {
			f = fact(c, "training.tokens");
			what = "tokens seen in training";
		}
		if (!f || fact_bad(c, f) || gpai_parse_double(f->value, &x))
			return;
		v->status = ST_PRESENT;
		gpai_buf_printf(&v->value, "text: %s (%s)", x < TEXT_SMALL ? "less than 1 billion tokens" :
				x <= TEXT_LARGE ? "1 billion to 10 trillion tokens" :
				"more than 10 trillion tokens", what);
		gpai_buf_printf(&v->source, "computed: template range from %s (%s)", f->field,
				f->source ? f->source : "not given");
		v->recorded_at = f->recorded_at;
	} else if (strcmp(src, "openness.class") == 0) {
		v->status = ST_PRESENT;
		gpai_buf_printf(&v->value, "%s; MOF class %s", gpai_openness_level_name(c->open.level),
				c->open.mof_class == 1 ? "I" : c->open.mof_class == 2 ? "II" :
				c->open.mof_class == 3 ? "III" : "none reached");
		gpai_buf_puts(&v->source, "computed: openness.* facts, license.spdx, model.access");
	} else if (strcmp(src, "openness.art53_2") == 0) {
		const char *r = strstr(c->open.reason.data, "Art. 53(2) exemption");

		v->status = ST_PRESENT;
		gpai_buf_puts(&v->value, r ? r : c->open.reason.data);
		gpai_buf_puts(&v->source, "computed: licence category, openness facts, classification");
	}
}

/* The command that would fill a missing item. */
static char *fill_command(const struct ctx *c, const struct gpai_dossier_field *fd)
{
	const char *s = fd->source;

	if (!fd->computed)
		return gpai_asprintf("gpai fact set %s %s %s --source URL-or-citation", c->nv, s,
				     fd->hint ? fd->hint : "'...'");
	if (strcmp(s, "oms.root_digest") == 0)
		return gpai_asprintf("gpai add MODEL-PATH --name %s --version %s", c->in->name,
				     c->in->version);
	if (strcmp(s, "model.parameters") == 0 || strcmp(s, "model.size_range") == 0)
		return gpai_asprintf("gpai fact set %s model.parameters N --source URL-or-citation", c->nv);
	if (strcmp(s, "training.time") == 0)
		return gpai_asprintf("gpai fact set %s training.time.start YYYY-MM-DD --source "
				     "URL-or-citation (and training.time.end, or training.hardware.hours)",
				     c->nv);
	if (strcmp(s, "data.size_range") == 0)
		return gpai_asprintf("gpai fact set %s data.size_tokens N --source URL-or-citation", c->nv);
	if (strcmp(s, "evaluation.claims") == 0)
		return gpai_asprintf("gpai eval claim %s ...", c->nv);
	/* FLOP, method and classification all follow from the compute facts. */
	return gpai_asprintf("gpai fact set %s training.tokens N --source URL-or-citation (with "
			     "model.parameters; or training.flop N)", c->nv);
}

static const char *cond_name(enum gpai_field_cond k)
{
	switch (k) {
	case GPAI_COND_ALL: return "all";
	case GPAI_COND_NOT_EXEMPT: return "not-exempt";
	case GPAI_COND_SYSTEMIC: return "systemic-risk";
	case GPAI_COND_OPTIONAL: return "optional";
	}
	return "optional";
}

static int required(const struct ctx *c, const struct gpai_dossier_field *fd)
{
	switch (fd->cond) {
	case GPAI_COND_ALL: return 1;
	case GPAI_COND_NOT_EXEMPT: return !c->open.exempt;
	case GPAI_COND_SYSTEMIC: return c->systemic == 1;
	case GPAI_COND_OPTIONAL: return 0;
	}
	return 0;
}

static void add_str_or_null(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static cJSON *build_item(struct ctx *c, const struct gpai_dossier_field *fd, cJSON *missing,
			 int *n_req, int *n_present)
{
	cJSON *it = cJSON_CreateObject();
	struct val v;
	int req = required(c, fd);
	char *fill = NULL;

	if (!it)
		return NULL;
	val_init(&v);
	if (fd->computed)
		value_computed(c, &v, fd);
	else
		value_plain_fact(c, &v, fd);
	if (v.status == ST_PRESENT && !v.value.data)
		gpai_buf_puts(&v.value, "");
	cJSON_AddStringToObject(it, "key", fd->key);
	cJSON_AddStringToObject(it, "ref", fd->ref);
	cJSON_AddStringToObject(it, "label", fd->label);
	cJSON_AddBoolToObject(it, "required", req);
	cJSON_AddStringToObject(it, "condition", cond_name(fd->cond));
	cJSON_AddStringToObject(it, "status", v.status == ST_PRESENT ? "present" :
				v.status == ST_INCONSISTENT ? "inconsistent" : "missing");
	add_str_or_null(it, "value", v.status == ST_PRESENT ? v.value.data : NULL);
	cJSON_AddStringToObject(it, "source_kind", fd->computed ? "computed" : "fact");
	add_str_or_null(it, "fact", fd->computed ? v.field : fd->source);
	add_str_or_null(it, "source", v.status == ST_PRESENT ? v.source.data : NULL);
	add_str_or_null(it, "recorded_at", v.status == ST_PRESENT ? v.recorded_at : NULL);
	cJSON_AddBoolToObject(it, "coarsened", v.coarsened);
	if (v.status != ST_PRESENT) {
		fill = fill_command(c, fd);
		add_str_or_null(it, "fill", fill);
	} else {
		cJSON_AddNullToObject(it, "fill");
	}
	add_str_or_null(it, "problem", v.problem);
	if (req) {
		(*n_req)++;
		if (v.status == ST_PRESENT) {
			(*n_present)++;
		} else {
			cJSON *m = cJSON_CreateObject();

			if (m) {
				cJSON_AddStringToObject(m, "key", fd->key);
				cJSON_AddStringToObject(m, "ref", fd->ref);
				cJSON_AddStringToObject(m, "label", fd->label);
				cJSON_AddStringToObject(m, "status", v.status == ST_INCONSISTENT ?
							"inconsistent" : "missing");
				add_str_or_null(m, "command", fill);
				cJSON_AddItemToArray(missing, m);
			}
		}
	}
	free(fill);
	val_release(&v);
	return it;
}

int gpai_dossier_build(const struct gpai_dossier_input *in, enum gpai_audience aud,
		       cJSON **out, struct gpai_error *err)
{
	struct ctx c;
	const struct gpai_dossier_field *fields;
	const struct gpai_dossier_section *secs;
	size_t nf, ns;
	cJSON *doc = NULL, *o, *arr, *missing;
	int n_req = 0, n_present = 0, rc;
	long d;

	*out = NULL;
	if (!in || !in->name || !*in->name || !in->version || !*in->version)
		return gpai_error_set(err, GPAI_EMISUSE, "dossier: the model has no name or version");
	if (!gpai_audience_parse(gpai_audience_name(aud)))
		return gpai_error_set(err, GPAI_EMISUSE, "dossier: unknown audience %d", (int)aud);
	memset(&c, 0, sizeof(c));
	c.in = in;
	c.aud = aud;
	snprintf(c.nv, sizeof(c.nv), "%s@%s", in->name, in->version);
	if (in->doc_date && !gpai_date_parse(in->doc_date, &d)) {
		gpai_date_format(d, c.docdate);
	} else {
		char now[21];

		gpai_now_iso8601(now);
		memcpy(c.docdate, now, 10);
		c.docdate[10] = '\0';
	}
	c.inconsistent = cJSON_CreateArray();
	doc = cJSON_CreateObject();
	missing = cJSON_CreateArray();
	if (!c.inconsistent || !doc || !missing) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "dossier: out of memory");
		goto fail;
	}
	check_facts(&c);
	classify(&c);
	rc = gpai_openness_classify(in, c.systemic, &c.open, err);
	if (rc)
		goto fail;
	{
		const char *p = c.open.problems.data;

		while (p && *p) {
			const char *nl = strchr(p, '\n');
			int n = nl ? (int)(nl - p) : (int)strlen(p);
			char field[96];
			const char *colon = memchr(p, ':', (size_t)n);
			int fl = colon ? (int)(colon - p) : 0;

			snprintf(field, sizeof(field), "%.*s", fl, p);
			if (strcmp(field, "license.spdx") != 0) { /* check_facts has it */
				const struct gpai_dossier_fact *f = gpai_dossier_fact_get(in, field);
				inconsistent(&c, f, "%.*s", n, p);
			}
			p += n + (nl ? 1 : 0);
		}
	}

	cJSON_AddNumberToObject(doc, "schema_version", GPAI_DOSSIER_SCHEMA_VERSION);
	cJSON_AddStringToObject(doc, "generator", "gpai " GPAI_VERSION);
	cJSON_AddStringToObject(doc, "audience", gpai_audience_name(aud));
	o = cJSON_AddObjectToObject(doc, "model");
	cJSON_AddStringToObject(o, "name", in->name);
	cJSON_AddStringToObject(o, "version", in->version);
	add_str_or_null(o, "provider", in->provider);
	add_str_or_null(o, "root_digest", in->root_digest);
	add_str_or_null(o, "signer", in->signer);
	add_str_or_null(o, "base", in->base);
	add_str_or_null(o, "relation", in->base ? in->relation : NULL);
	o = cJSON_AddObjectToObject(doc, "document");
	if (in->doc_version > 0)
		cJSON_AddNumberToObject(o, "version", in->doc_version);
	else
		cJSON_AddNullToObject(o, "version");
	cJSON_AddStringToObject(o, "date", c.docdate);

	o = cJSON_AddObjectToObject(doc, "status");
	if (c.gpai < 0)
		cJSON_AddNullToObject(o, "gpai_indicative");
	else
		cJSON_AddBoolToObject(o, "gpai_indicative", c.gpai);
	if (c.systemic < 0)
		cJSON_AddNullToObject(o, "systemic_risk");
	else
		cJSON_AddBoolToObject(o, "systemic_risk", c.systemic);
	add_str_or_null(o, "systemic_risk_basis", c.systemic_basis.data);
	cJSON_AddBoolToObject(o, "art53_2_exempt", c.open.exempt);
	if (c.systemic == 1 && c.deadline[0] && (aud & (GPAI_AUD_AIO | GPAI_AUD_NCA))) {
		cJSON *n = cJSON_AddObjectToObject(o, "notification");

		cJSON_AddStringToObject(n, "threshold_date", c.threshold_date);
		cJSON_AddStringToObject(n, "deadline", c.deadline);
		cJSON_AddStringToObject(n, "basis", c.threshold_basis.data ? c.threshold_basis.data : "");
	} else {
		cJSON_AddNullToObject(o, "notification");
	}
	cJSON_AddItemToObject(doc, "openness", gpai_openness_json(&c.open));

	fields = gpai_dossier_fields(&nf);
	secs = gpai_dossier_sections(&ns);
	arr = cJSON_AddArrayToObject(doc, "sections");
	for (size_t s = 0; arr && s < ns; s++) {
		cJSON *sec = NULL, *items = NULL;

		for (size_t i = 0; i < nf; i++) {
			const struct gpai_dossier_field *fd = &fields[i];
			cJSON *it;

			if (strcmp(fd->section, secs[s].id) != 0 || !(fd->audiences & aud))
				continue;
			if (fd->cond == GPAI_COND_SYSTEMIC && c.systemic == 0)
				continue;
			if (strcmp(fd->key, "classification.modification") == 0 && !in->base)
				continue;
			if (!sec) {
				sec = cJSON_CreateObject();
				cJSON_AddStringToObject(sec, "id", secs[s].id);
				cJSON_AddStringToObject(sec, "title", secs[s].title);
				cJSON_AddStringToObject(sec, "intro", secs[s].intro);
				items = cJSON_AddArrayToObject(sec, "items");
				cJSON_AddItemToArray(arr, sec);
			}
			it = build_item(&c, fd, missing, &n_req, &n_present);
			if (!it) {
				c.oom = 1;
				break;
			}
			cJSON_AddItemToArray(items, it);
		}
	}
	o = cJSON_AddObjectToObject(doc, "completeness");
	cJSON_AddNumberToObject(o, "required", n_req);
	cJSON_AddNumberToObject(o, "present", n_present);
	cJSON_AddItemToObject(o, "missing", missing);
	missing = NULL;
	cJSON_AddItemToObject(doc, "inconsistencies", c.inconsistent);
	c.inconsistent = NULL;
	if (c.oom || !cJSON_GetObjectItem(doc, "completeness")) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "dossier: out of memory");
		goto fail;
	}
	gpai_openness_release(&c.open);
	gpai_buf_release(&c.systemic_basis);
	gpai_buf_release(&c.threshold_basis);
	*out = doc;
	return GPAI_OK;

fail:
	gpai_openness_release(&c.open);
	gpai_buf_release(&c.systemic_basis);
	gpai_buf_release(&c.threshold_basis);
	cJSON_Delete(c.inconsistent);
	cJSON_Delete(missing);
	cJSON_Delete(doc);
	return rc;
}

int gpai_dossier_missing(const cJSON *doc)
{
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(doc, "completeness");

	return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(c, "missing"));
}

int gpai_dossier_inconsistent(const cJSON *doc)
{
	return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "inconsistencies"));
}
