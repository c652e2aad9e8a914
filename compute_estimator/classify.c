/*
 * classify.c - regulatory compute thresholds as data, and classification
 * of an estimate (with its interval) against each of them.
 *
 * The table is the only place thresholds live (AI Act Art. 51(3): the
 * Commission may amend them by delegated act).  Values, conditions and
 * sources: ../shared/notes/compute.md section 2; docs/classify.md.
 *
 * Every rule compares with ">" (strictly greater: Art. 51(2) "greater than
 * 10^25"; SB 53 and RAISE "greater than 10^26"), so exactly the threshold
 * is below.  A result is "within band" when the interval [low, high]
 * contains the threshold; the point estimate then says which way it leans.
 */
#include "compute_estimator.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Thresholds (FLOP) and money conditions, each with its source. */
#define EU_GPAI_FLOP 1e23         /* Guidelines C(2025) 5045 s2.1 para 17 */
#define EU_SYSTEMIC_FLOP 1e25     /* AI Act Art. 51(2) */
#define EU_MODIFICATION_SHARE (1.0 / 3.0) /* Guidelines s3.2 */
#define US_FRONTIER_FLOP 1e26     /* SB 53; RAISE s1420(6); EO 14110 s4.2(b) */
#define SB53_LARGE_REVENUE_USD 500e6  /* SB 53 "large frontier developer" */
#define RAISE_COST_USD 100e6      /* RAISE s1420(6)(a) as passed */

static const struct gpai_threshold table[] = {
	{ "eu-gpai", "EU", "general-purpose AI model (indicative criterion)",
	  GPAI_THR_ABSOLUTE, ">", EU_GPAI_FLOP, 0, 0, GPAI_SCOPE_UPDATES,
	  "and the model can generate language (text or audio), text-to-image "
	  "or text-to-video; rebuttable both ways",
	  "Commission Guidelines on the scope of the obligations for general-purpose "
	  "AI models, C(2025) 5045 final (18 Jul 2025; adopted as C(2025) 7719), "
	  "section 2.1, para. 17",
	  "2025-08-02", "" },
	{ "eu-systemic-risk", "EU",
	  "general-purpose AI model with systemic risk (presumption of high-impact "
	  "capabilities)",
	  GPAI_THR_ABSOLUTE, ">", EU_SYSTEMIC_FLOP, 0, 0, GPAI_SCOPE_CUMULATIVE,
	  "cumulative training compute; notify the Commission within two weeks "
	  "after the threshold is met or known to be met (Art. 52(1))",
	  "Regulation (EU) 2024/1689 (AI Act), Art. 51(2) and Art. 52(1); "
	  "Recitals 111-112",
	  "2025-08-02", "" },
	{ "eu-modification", "EU",
	  "downstream modifier becomes the provider of the modified model",
	  GPAI_THR_MODIFICATION, ">", EU_MODIFICATION_SHARE,
	  EU_SYSTEMIC_FLOP * EU_MODIFICATION_SHARE,
	  EU_GPAI_FLOP * EU_MODIFICATION_SHARE, GPAI_SCOPE_UPDATES,
	  "modification compute greater than one third of the original model's "
	  "training compute; when that is unknown, one third of 10^25 (original "
	  "with systemic risk) or of 10^23 (other original); the modification "
	  "must change generality, capabilities or systemic risk significantly",
	  "Commission Guidelines C(2025) 5045, section 3.2",
	  "2025-08-02", "" },
	{ "us-ca-sb53", "US-CA", "frontier model (Transparency in Frontier "
	  "Artificial Intelligence Act)",
	  GPAI_THR_ABSOLUTE, ">", US_FRONTIER_FLOP, 0, 0, GPAI_SCOPE_US_STATE,
	  "a foundation model; the compute includes later fine-tuning, RL and "
	  "other material modifications; a developer with annual gross revenue "
	  "above USD 500,000,000 is a large frontier developer",
	  "California SB 53 (2025), Stats. 2025 ch. 138, "
	  "https://leginfo.legislature.ca.gov/faces/billTextClient.xhtml?bill_id=202520260SB53",
	  "2026-01-01", "" },
	{ "us-ny-raise", "US-NY", "frontier model (RAISE Act)",
	  GPAI_THR_ABSOLUTE, ">", US_FRONTIER_FLOP, 0, 0, GPAI_SCOPE_US_STATE,
	  "and a compute cost above USD 100,000,000 (as passed, S6953B/A6453B); "
	  "the chapter amendment S8828 (signed 27 Mar 2026) aligns the act with "
	  "SB 53 and may drop the cost condition (not confirmed)",
	  "New York General Business Law Art. 44-B, s1420(6) (S6953B/A6453B, "
	  "signed 19 Dec 2025); chapter amendment S8828",
	  "2027-01-01", "" },
	{ "us-eo-14110", "US", "dual-use foundation model reporting (Executive "
	  "Order 14110, revoked)",
	  GPAI_THR_ABSOLUTE, ">", US_FRONTIER_FLOP, 0, 0, GPAI_SCOPE_US_STATE,
	  "10^23 when trained primarily on biological sequence data; revoked "
	  "20 Jan 2025 by EO 14148: historical only",
	  "Executive Order 14110, s4.2(b), 88 FR 75191 (30 Oct 2023)",
	  "2023-10-30", "2025-01-20" },
};

#define NTABLE (sizeof(table) / sizeof(table[0]))

size_t gpai_threshold_count(void)
{
	return NTABLE;
}

const struct gpai_threshold *gpai_threshold_at(size_t i)
{
	return i < NTABLE ? &table[i] : NULL;
}

const struct gpai_threshold *gpai_threshold_find(const char *id)
{
	for (size_t i = 0; i < NTABLE; i++)
		if (id && strcmp(table[i].id, id) == 0)
			return &table[i];
	return NULL;
}

static const char *const band_names[] = {
	"below", "above", "within band (point estimate above)",
	"within band (point estimate below)", "not applicable",
};

const char *gpai_band_name(enum gpai_band b)
{
	return (unsigned)b < sizeof(band_names) / sizeof(band_names[0]) ?
		band_names[b] : "?";
}

/* ---- dates (proleptic Gregorian, days from civil: H. Hinnant's algorithm,
 * http://howardhinnant.github.io/date_algorithms.html) ---------------------- */

static long days_from_civil(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, long *y, long *m, long *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int parse_date(const char *s, long *y, long *m, long *d)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	if (*m < 1 || *m > 12 || *d < 1 || *d > mdays[*m - 1])
		return -1;
	if (*m == 2 && *d == 29 && !((*y % 4 == 0 && *y % 100 != 0) || *y % 400 == 0))
		return -1;
	return 0;
}

int gpai_date_add_days(const char *date, int days, char out[11],
		       struct gpai_error *err)
{
	long y, m, d;

	if (parse_date(date, &y, &m, &d))
		return gpai_error_set(err, GPAI_EFORMAT,
				      "'%s' is not a date (YYYY-MM-DD)", date ? date : "");
	civil_from_days(days_from_civil(y, m, d) + days, &y, &m, &d);
	snprintf(out, 11, "%04ld-%02ld-%02ld", y, m, d);
	return GPAI_OK;
}

/* ---- classification --------------------------------------------------- */

static int valid_estimate(const struct gpai_estimate *e)
{
	return isfinite(e->flop) && isfinite(e->low) && isfinite(e->high) &&
	       e->low >= 0 && e->low <= e->flop && e->flop <= e->high;
}

static enum gpai_band place(double point, double low, double high, double limit)
{
	if (low > limit)
		return GPAI_ABOVE;
	if (high <= limit)
		return GPAI_BELOW;
	return point > limit ? GPAI_WITHIN_BAND_ABOVE : GPAI_WITHIN_BAND_BELOW;
}

static int leans_above(enum gpai_band b)
{
	return b == GPAI_ABOVE || b == GPAI_WITHIN_BAND_ABOVE;
}

static void explain(struct gpai_classification *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void explain(struct gpai_classification *r, const char *fmt, ...)
{
	size_t n = strlen(r->explanation);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->explanation + n, sizeof(r->explanation) - n, fmt, ap);
	va_end(ap);
}

int gpai_classify(const struct gpai_classify_input *in,
		  struct gpai_classification *out, size_t n,
		  struct gpai_error *err)
{
	long y, m, d;
	char s1[32], s2[32], s3[32], s4[32];

	if (n < NTABLE)
		return gpai_error_set(err, GPAI_EMISUSE, "room for %zu results, need %zu",
				      n, NTABLE);
	for (int s = 0; s < GPAI_NSCOPES; s++)
		if (!valid_estimate(&in->scope_flop[s]))
			return gpai_error_set(err, GPAI_EMISUSE,
					      "compute for scope '%s' is not a valid estimate "
					      "(need 0 <= low <= flop <= high)",
					      gpai_scope_name((enum gpai_scope)s));
	if (in->original != GPAI_ORIGINAL_NONE && !valid_estimate(&in->modification))
		return gpai_error_set(err, GPAI_EMISUSE,
				      "the modification compute is not a valid estimate");
	if (in->original == GPAI_ORIGINAL_KNOWN &&
	    (!valid_estimate(&in->original_flop) || !(in->original_flop.flop > 0)))
		return gpai_error_set(err, GPAI_EMISUSE,
				      "the original model's compute must be positive");
	if (parse_date(in->on_date, &y, &m, &d))
		return gpai_error_set(err, GPAI_EMISUSE,
				      "'%s' is not a date (YYYY-MM-DD)", in->on_date);
	if (in->known_date[0] && parse_date(in->known_date, &y, &m, &d))
		return gpai_error_set(err, GPAI_EMISUSE,
				      "'%s' is not a date (YYYY-MM-DD)", in->known_date);

	for (size_t i = 0; i < NTABLE; i++) {
		const struct gpai_threshold *t = &table[i];
		struct gpai_classification *r = &out[i];
		const struct gpai_estimate *e = &in->scope_flop[t->scope];

		memset(r, 0, sizeof(*r));
		r->threshold = t;
		r->in_force = strcmp(in->on_date, t->valid_from) >= 0 &&
			      (!t->valid_until[0] || strcmp(in->on_date, t->valid_until) < 0);
		if (t->kind == GPAI_THR_MODIFICATION) {
			if (in->original == GPAI_ORIGINAL_NONE) {
				r->band = GPAI_NOT_APPLICABLE;
				r->met = 0;
				explain(r, "not a modification: no original model given");
				continue;
			}
			e = &in->modification;
			if (in->original == GPAI_ORIGINAL_KNOWN) {
				r->limit = t->value * in->original_flop.flop;
				explain(r, "modification compute vs one third of the original's "
					"%s FLOP; ", gpai_flop_2sf(in->original_flop.flop, s1));
			} else if (in->original == GPAI_ORIGINAL_UNKNOWN_SYSTEMIC) {
				r->limit = t->fallback_systemic;
				explain(r, "original's compute unknown and it has systemic "
					"risk: one third of 10^25; ");
			} else {
				r->limit = t->fallback_gpai;
				explain(r, "original's compute unknown: one third of 10^23; ");
			}
		} else {
			r->limit = t->value;
		}
		r->compared = e->flop;
		r->low = e->low;
		r->high = e->high;
		r->ratio = e->flop / r->limit;
		r->log10_ratio = e->flop > 0 ? log10(r->ratio) : -INFINITY;
		r->band = place(e->flop, e->low, e->high, r->limit);
		r->met = leans_above(r->band);
		explain(r, "%s FLOP [%s, %s] %s %s: %s",
			gpai_flop_2sf(e->flop, s1), gpai_flop_2sf(e->low, s2),
			gpai_flop_2sf(e->high, s3), t->op,
			gpai_flop_2sf(r->limit, s4), gpai_band_name(r->band));

		if (!strcmp(t->id, "eu-gpai") && r->met) {
			if (!in->modality_known) {
				r->met = -1;
				explain(r, "; modality not given (the criterion also needs "
					"text/audio, text-to-image or text-to-video generation)");
			} else if (!in->generative_modality) {
				r->met = 0;
				explain(r, "; but it does not generate language, images or video");
			}
		}
		if (!strcmp(t->id, "us-ny-raise") && r->met) {
			if (in->cost_usd < 0) {
				r->met = -1;
				explain(r, "; compute cost not given (as passed, > USD 100 M also required)");
			} else if (!(in->cost_usd > RAISE_COST_USD)) {
				r->met = 0;
				explain(r, "; compute cost USD %.0f is not above USD 100 M",
					in->cost_usd);
			}
		}
		if (!strcmp(t->id, "us-ca-sb53") && r->met) {
			if (in->revenue_usd < 0)
				explain(r, "; revenue not given: frontier developer, large-"
					"developer status undetermined");
			else if (in->revenue_usd > SB53_LARGE_REVENUE_USD)
				explain(r, "; revenue above USD 500 M: large frontier developer");
			else
				explain(r, "; revenue not above USD 500 M: frontier developer, "
					"not large");
		}
		if (!strcmp(t->id, "eu-systemic-risk") && r->met) {
			if (in->known_date[0]) {
				gpai_date_add_days(in->known_date, GPAI_EU_NOTIFY_DAYS,
						   r->deadline, NULL);
				explain(r, "; notify the Commission by %s (Art. 52(1))",
					r->deadline);
			} else {
				explain(r, "; notify within two weeks of the date the threshold "
					"was met or known to be met (give that date)");
			}
		}
		if (r->band == GPAI_WITHIN_BAND_BELOW)
			explain(r, "; the interval reaches the threshold");
		if (strcmp(in->on_date, t->valid_from) < 0)
			explain(r, "; not yet in force on %s (applies from %s)",
				in->on_date, t->valid_from);
		else if (!r->in_force)
			explain(r, "; no longer in force on %s (ended %s): historical only",
				in->on_date, t->valid_until);
	}
	return GPAI_OK;
}
