/*
 * facts.c - the fact vocabulary (as data), value validation, and the
 * append-only fact table.
 *
 * The vocabulary table below is the single source of the field names and
 * types; docs/facts.md documents the same table.  A field not in the table
 * is rejected unless it starts with "x." (a user's own field, type text).
 * Invariant: facts are only ever inserted; the current value of a field is
 * the row with the highest id.
 */
#include "registry_private.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#define USER_PREFIX "x."
#define FIELD_MAX 128
/* Exact integers survive double arithmetic up to 2^53. */
#define EXACT_INT_LIMIT 9007199254740992.0

static const struct gpai_fact_field vocabulary[] = {
	{ "model.provider", GPAI_FACT_STRING, NULL, "the provider placing the model on the market" },
	{ "model.architecture", GPAI_FACT_STRING, NULL, "architecture family" },
	{ "model.parameters", GPAI_FACT_INT, NULL, "total parameters" },
	{ "model.active_parameters", GPAI_FACT_INT, NULL, "parameters active per token" },
	{ "model.context_window", GPAI_FACT_INT, NULL, "context length in tokens" },
	{ "model.modalities.input", GPAI_FACT_LIST, "text|image|audio|video", "input modalities" },
	{ "model.modalities.output", GPAI_FACT_LIST, "text|image|audio|video", "output modalities" },
	{ "model.access", GPAI_FACT_ENUM, "open-weight|api|restricted|none", "how the model is made available" },
	{ "model.version_date", GPAI_FACT_DATE, NULL, "date of this version's documentation" },
	{ "license.spdx", GPAI_FACT_STRING, NULL, "SPDX id or expression of ids in the licence table (docs/openness.md)" },
	{ "license.url", GPAI_FACT_URL, NULL, "the licence text" },
	{ "license.restrictions", GPAI_FACT_TEXT, NULL, "use or distribution restrictions" },
	{ "release.date", GPAI_FACT_DATE, NULL, "first public release" },
	{ "release.eu_market_date", GPAI_FACT_DATE, NULL, "placing on the Union market" },
	{ "training.tokens", GPAI_FACT_NUMBER, NULL, "tokens seen in pre-training" },
	{ "training.epochs", GPAI_FACT_NUMBER, NULL, "passes over the training data" },
	{ "training.hardware.type", GPAI_FACT_STRING, NULL, "accelerator id" },
	{ "training.hardware.count", GPAI_FACT_INT, NULL, "number of accelerators" },
	{ "training.hardware.hours", GPAI_FACT_NUMBER, NULL, "wall-clock training hours" },
	{ "training.gpu_hours", GPAI_FACT_NUMBER, NULL, "accelerator-hours in total" },
	{ "training.precision", GPAI_FACT_ENUM, "fp32|tf32|bf16|fp16|fp8", "number format of training" },
	{ "training.utilization", GPAI_FACT_FRACTION, NULL, "model FLOP utilization" },
	{ "training.flop", GPAI_FACT_NUMBER, NULL, "training compute in FLOP, as published" },
	{ "training.flop.confidence", GPAI_FACT_ENUM, "confident|likely|speculative", "confidence of a third-party estimate" },
	{ "training.flop.method", GPAI_FACT_LIST,
	  "reported|operation-counting|hardware|benchmarks|comparison|cost",
	  "how training.flop was obtained" },
	{ "training.flop.low", GPAI_FACT_NUMBER, NULL, "lower end of the published interval" },
	{ "training.flop.high", GPAI_FACT_NUMBER, NULL, "upper end of the published interval" },
	{ "training.stages", GPAI_FACT_JSON, NULL, "training stages" },
	{ "training.time.start", GPAI_FACT_DATE, NULL, "training start" },
	{ "training.time.end", GPAI_FACT_DATE, NULL, "training end" },
	{ "training.energy_mwh", GPAI_FACT_NUMBER, NULL, "training energy, MWh" },
	{ "training.emissions_tco2e", GPAI_FACT_NUMBER, NULL, "training emissions, t CO2e" },
	{ "modification.flop", GPAI_FACT_NUMBER, NULL, "compute used to modify the base model" },
	{ "classification", GPAI_FACT_TEXT, NULL,
	  "result of gpai classify per rule, with its explanation" },
	{ "data.provenance", GPAI_FACT_LIST,
	  "web-crawl|licensed|public-datasets|user-data|synthetic|proprietary|other",
	  "categories of training data" },
	{ "data.description", GPAI_FACT_TEXT, NULL, "how the data was obtained and processed" },
	{ "data.cutoff", GPAI_FACT_DATE, NULL, "knowledge cut-off" },
	{ "data.size_tokens", GPAI_FACT_NUMBER, NULL, "unique tokens in the training data" },
	{ "use.intended", GPAI_FACT_TEXT, NULL, "intended uses" },
	{ "use.prohibited", GPAI_FACT_TEXT, NULL, "prohibited uses" },
	{ "use.acceptable_use_policy", GPAI_FACT_URL, NULL, "acceptable use policy" },
	{ "distribution.channels", GPAI_FACT_TEXT, NULL, "how the model is distributed" },
	{ "contact", GPAI_FACT_STRING, NULL, "contact point for the documentation" },
	{ "disclosure.undisclosed", GPAI_FACT_STRING, NULL, "fields the provider has not published" },
	/* Read by the dossier (docs/dossier.md, docs/facts.md). */
	{ "model.design", GPAI_FACT_TEXT, NULL, "design specifications: key design choices, rationale, assumptions" },
	{ "model.max_output_tokens", GPAI_FACT_INT, NULL, "maximum output size in tokens" },
	{ "model.system_architecture", GPAI_FACT_TEXT, NULL, "how software components build on or feed into each other" },
	{ "use.systems", GPAI_FACT_TEXT, NULL, "type and nature of AI systems the model can be integrated into" },
	{ "use.integration", GPAI_FACT_TEXT, NULL, "technical means for integration: instructions, infrastructure, tools" },
	{ "use.hardware", GPAI_FACT_TEXT, NULL, "required hardware; interaction with hardware not part of the model" },
	{ "use.software", GPAI_FACT_TEXT, NULL, "required software and versions" },
	{ "training.process", GPAI_FACT_TEXT, NULL, "training methodologies and techniques, what the model optimises for" },
	{ "training.energy_method", GPAI_FACT_TEXT, NULL, "how the training energy was measured or estimated" },
	{ "inference.flop", GPAI_FACT_NUMBER, NULL, "benchmarked computation used for inference, FLOP (Form 8.1)" },
	{ "inference.method", GPAI_FACT_TEXT, NULL, "inference-compute methodology: task and hardware" },
	{ "data.modalities", GPAI_FACT_LIST, "text|image|audio|video|other", "modalities of the training data" },
	{ "data.scope", GPAI_FACT_TEXT, NULL, "scope and main characteristics of the data" },
	{ "data.curation", GPAI_FACT_TEXT, NULL, "curation methodologies (cleaning, filtering)" },
	{ "data.bias_measures", GPAI_FACT_TEXT, NULL, "measures to detect unsuitable sources and identifiable biases" },
	{ "data.content_types", GPAI_FACT_TEXT, NULL, "types of content (template 1.3)" },
	{ "data.collection_end", GPAI_FACT_DATE, NULL, "latest data collection date (template 1.3)" },
	{ "data.collection_ongoing", GPAI_FACT_ENUM, "yes|no", "whether data collection continues" },
	{ "data.public_datasets", GPAI_FACT_TEXT, NULL, "publicly available datasets used (template 2.1)" },
	{ "data.third_party", GPAI_FACT_TEXT, NULL, "private datasets from third parties, licensed or other (template 2.2)" },
	{ "data.crawling", GPAI_FACT_TEXT, NULL, "crawlers, purposes, robots.txt behaviour, period (template 2.3)" },
	{ "data.top_domains", GPAI_FACT_TEXT, NULL, "most relevant crawled domains, or a URL to the list (template 2.3)" },
	{ "data.user_data", GPAI_FACT_TEXT, NULL, "data from users of the provider's services (template 2.4)" },
	{ "data.synthetic", GPAI_FACT_TEXT, NULL, "synthetic data and the models that generated it (template 2.5)" },
	{ "data.other_sources", GPAI_FACT_TEXT, NULL, "other data sources (template 2.6)" },
	{ "data.tdm_optout", GPAI_FACT_TEXT, NULL, "how text-and-data-mining reservations are respected (template 3.1)" },
	{ "data.illegal_content", GPAI_FACT_TEXT, NULL, "measures to remove illegal content (template 3.2)" },
	{ "data.processing_other", GPAI_FACT_TEXT, NULL, "other information on data processing (template 3.3)" },
	{ "copyright.policy", GPAI_FACT_TEXT, NULL, "the copyright policy (Art. 53(1)(c)), or its URL" },
	{ "provider.representative", GPAI_FACT_STRING, NULL, "authorised representative in the Union (Art. 54)" },
	{ "distribution.monetised", GPAI_FACT_ENUM, "yes|no", "access is tied to payment or data collection (GPAI Guidelines s.4.2.2)" },
	{ "eval.strategy", GPAI_FACT_TEXT, NULL, "evaluation strategies, criteria, metrics, results (Annex XI 2(1))" },
	{ "eval.adversarial", GPAI_FACT_TEXT, NULL, "adversarial testing, red teaming, adaptations (Annex XI 2(2))" },
	{ "safety.risk_assessment", GPAI_FACT_TEXT, NULL, "assessment and mitigation of systemic risks (Art. 55(1)(b))" },
	{ "safety.incidents", GPAI_FACT_TEXT, NULL, "serious-incident tracking and reporting (Art. 55(1)(c))" },
	{ "safety.cybersecurity", GPAI_FACT_TEXT, NULL, "cybersecurity of the model and its infrastructure (Art. 55(1)(d))" },
	{ "systemic.designated", GPAI_FACT_ENUM, "yes|no", "designated as systemic-risk by the Commission (Art. 51(1)(b), 52(4))" },
	{ "systemic.threshold_date", GPAI_FACT_DATE, NULL, "date the 10^25 FLOP threshold was met or became known (Art. 52(1))" },
	{ "systemic.notified_date", GPAI_FACT_DATE, NULL, "date the Commission was notified (Art. 52(1))" },
	/* Model Openness Framework v1.0 components: licence id, "unspecified"
	 * or "not-included" (docs/facts.md, "Openness components"). */
	{ "openness.model_architecture", GPAI_FACT_STRING, NULL, "MOF component: licence or not-included" },
	{ "openness.model_parameters_final", GPAI_FACT_STRING, NULL, "MOF component: licence or not-included" },
	{ "openness.technical_report", GPAI_FACT_STRING, NULL, "MOF component: licence or not-included" },
	{ "openness.evaluation_results", GPAI_FACT_STRING, NULL, "MOF component: licence or not-included" },
	{ "openness.model_card", GPAI_FACT_STRING, NULL, "MOF component: licence or not-included" },
	{ "openness.data_card", GPAI_FACT_STRING, NULL, "MOF component: licence or not-included" },
	{ "openness.sample_model_outputs", GPAI_FACT_STRING, NULL, "MOF component: licence or not-included" },
	{ "openness.training_code", GPAI_FACT_STRING, NULL, "MOF component: licence or not-included" },
	{ "openness.inference_code", GPAI_FACT_STRING, NULL, "MOF component: licence or not-included" },
	{ "openness.evaluation_code", GPAI_FACT_STRING, NULL, "MOF component: licence or not-included" },
	{ "openness.evaluation_data", GPAI_FACT_STRING, NULL, "MOF component: licence or not-included" },
	{ "openness.supporting_libraries_and_tools", GPAI_FACT_STRING, NULL, "MOF component: licence or not-included" },
	{ "openness.datasets", GPAI_FACT_STRING, NULL, "MOF component: licence or not-included" },
	{ "openness.data_preprocessing_code", GPAI_FACT_STRING, NULL, "MOF component: licence or not-included" },
	{ "openness.model_parameters_intermediate", GPAI_FACT_STRING, NULL, "MOF component: licence or not-included" },
	{ "openness.research_paper", GPAI_FACT_STRING, NULL, "MOF component: licence or not-included" },
	{ "openness.model_metadata", GPAI_FACT_STRING, NULL, "MOF component: licence or not-included" },
};
#define NVOCAB (sizeof(vocabulary) / sizeof(vocabulary[0]))

static const struct gpai_fact_field user_field = {
	"x.*", GPAI_FACT_TEXT, NULL, "a user's own field"
};

const struct gpai_fact_field *gpai_fact_fields(size_t *n)
{
	*n = NVOCAB;
	return vocabulary;
}

const struct gpai_fact_field *gpai_fact_field_lookup(const char *name)
{
	for (size_t i = 0; i < NVOCAB; i++)
		if (strcmp(vocabulary[i].name, name) == 0)
			return &vocabulary[i];
	return NULL;
}

const char *gpai_fact_type_name(enum gpai_fact_type t)
{
	switch (t) {
	case GPAI_FACT_STRING: return "string";
	case GPAI_FACT_TEXT: return "text";
	case GPAI_FACT_INT: return "int";
	case GPAI_FACT_NUMBER: return "number";
	case GPAI_FACT_FRACTION: return "fraction";
	case GPAI_FACT_DATE: return "date";
	case GPAI_FACT_URL: return "url";
	case GPAI_FACT_ENUM: return "enum";
	case GPAI_FACT_LIST: return "list";
	case GPAI_FACT_JSON: return "json";
	}
	return "unknown";
}

static int user_field_ok(const char *name)
{
	size_t n = strlen(name);

	if (strncmp(name, USER_PREFIX, strlen(USER_PREFIX)) != 0 ||
	    n <= strlen(USER_PREFIX) || n > FIELD_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* 1 if word is one of "a|b|c". */
static int in_choices(const char *choices, const char *word, size_t n)
{
	const char *p = choices;

	while (*p) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == n && strncmp(p, word, n) == 0)
			return 1;
		if (!bar)
			break;
		p = bar + 1;
	}
	return 0;
}

static int digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return n > 0;
}

static int valid_date(const char *v)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	size_t n = strlen(v);
	int y, m, d;

	if (n != 4 && n != 7 && n != 10)
		return 0;
	if (!digits(v, 4))
		return 0;
	y = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 + (v[3] - '0');
	if (n == 4)
		return 1;
	if (v[4] != '-' || !digits(v + 5, 2))
		return 0;
	m = (v[5] - '0') * 10 + (v[6] - '0');
	if (m < 1 || m > 12)
		return 0;
	if (n == 7)
		return 1;
	if (v[7] != '-' || !digits(v + 8, 2))
		return 0;
	d = (v[8] - '0') * 10 + (v[9] - '0');
	if (d < 1 || d > mdays[m - 1])
		return 0;
	/* February 29th only in leap years (Gregorian rule). */
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 0;
	return 1;
}

static int bad_value(struct gpai_error *err, const struct gpai_fact_field *f,
		     const char *value, const char *want)
{
	return gpai_error_set(err, GPAI_EFORMAT, "field '%s': invalid value '%s' (want %s)",
			      f->name, value, want);
}

int gpai_fact_validate(const char *field, const char *value, char **normalized,
		       struct gpai_error *err)
{
	const struct gpai_fact_field *f = gpai_fact_field_lookup(field);
	size_t n = strlen(value);
	char *want = NULL;
	double d;
	int rc;

	*normalized = NULL;
	if (!f) {
		if (!user_field_ok(field))
			return gpai_error_set(err, GPAI_EFORMAT,
					      "unknown field '%s' (see docs/facts.md; own fields "
					      "start with 'x.')", field);
		f = &user_field;
	}
	if (!gpai_utf8_valid(value, n))
		return gpai_error_set(err, GPAI_EFORMAT, "field '%s': value is not valid UTF-8",
				      f->name);
	/* A licence must be one the licence table can categorise. */
	if (strcmp(f->name, "license.spdx") == 0 &&
	    (rc = gpai_registry_check_license(value, err)))
		return gpai_error_prefix(err, "field '%s'", f->name);
	switch (f->type) {
	case GPAI_FACT_STRING:
		if (n == 0 || strchr(value, '\n'))
			return bad_value(err, f, value, "one non-empty line of text");
		break;
	case GPAI_FACT_TEXT:
		if (n == 0)
			return bad_value(err, f, value, "non-empty text");
		break;
	case GPAI_FACT_INT:
		if (digits(value, n)) {
			uint64_t u;

			if (gpai_parse_u64(value, &u))
				return bad_value(err, f, value, "an integer below 2^64");
			*normalized = gpai_asprintf("%llu", (unsigned long long)u);
			goto done;
		}
		/* Scientific notation that is an exact integer: 15.6e12. */
		if (gpai_parse_double(value, &d) || d < 0 || d != floor(d) ||
		    d > EXACT_INT_LIMIT || !strpbrk(value, "eE"))
			return bad_value(err, f, value, "a non-negative integer such as 1200 or 15.6e12");
		*normalized = gpai_asprintf("%.0f", d);
		goto done;
	case GPAI_FACT_NUMBER:
	case GPAI_FACT_FRACTION:
		if (gpai_parse_double(value, &d) || strpbrk(value, "xXpPiInN"))
			return bad_value(err, f, value, f->type == GPAI_FACT_NUMBER
					 ? "a finite decimal number such as 3.8e25"
					 : "a number between 0 and 1");
		if (f->type == GPAI_FACT_FRACTION && (d < 0 || d > 1))
			return bad_value(err, f, value, "a number between 0 and 1");
		break;
	case GPAI_FACT_DATE:
		if (!valid_date(value))
			return bad_value(err, f, value, "a date YYYY-MM-DD, YYYY-MM or YYYY");
		break;
	case GPAI_FACT_URL:
		if ((strncmp(value, "https://", 8) != 0 && strncmp(value, "http://", 7) != 0) ||
		    strlen(value) <= 8 || strpbrk(value, " \t\n"))
			return bad_value(err, f, value, "an http:// or https:// URL");
		break;
	case GPAI_FACT_ENUM:
		if (!in_choices(f->choices, value, n)) {
			want = gpai_asprintf("one of %s", f->choices);
			rc = bad_value(err, f, value, want ? want : "one of the listed words");
			free(want);
			return rc;
		}
		break;
	case GPAI_FACT_LIST: {
		struct gpai_buf b;
		const char *p = value;

		gpai_buf_init(&b);
		for (;;) {
			const char *comma = strchr(p, ',');
			const char *e = comma ? comma : p + strlen(p);

			while (p < e && isspace((unsigned char)*p))
				p++;
			while (e > p && isspace((unsigned char)e[-1]))
				e--;
			if (e == p || !in_choices(f->choices, p, (size_t)(e - p))) {
				gpai_buf_release(&b);
				want = gpai_asprintf("comma-separated words from %s", f->choices);
				rc = bad_value(err, f, value, want ? want : "listed words");
				free(want);
				return rc;
			}
			if (b.len)
				gpai_buf_puts(&b, ",");
			gpai_buf_append(&b, p, (size_t)(e - p));
			if (!comma)
				break;
			p = comma + 1;
		}
		*normalized = gpai_buf_detach(&b);
		goto done;
	}
	case GPAI_FACT_JSON: {
		cJSON *j = cJSON_ParseWithLength(value, n);

		if (!j)
			return bad_value(err, f, value, "a JSON value");
		*normalized = cJSON_PrintUnformatted(j);
		cJSON_Delete(j);
		goto done;
	}
	}
	*normalized = gpai_strdup(value);
done:
	if (!*normalized)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	return GPAI_OK;
}

/* ---- the fact table ------------------------------------------------------------ */

/* Date fields that must not run backwards: the first must not be later
 * than the second (AI Act Art. 3(9)-(10): a model is placed on the Union
 * market at or after its first release; a training run ends after it
 * starts). */
static const struct date_order {
	const char *earlier, *later;
} date_orders[] = {
	{ "release.date", "release.eu_market_date" },
	{ "training.time.start", "training.time.end" },
};

/* The current value of field for the version, or NULL (caller frees). */
static char *current_value(struct gpai_registry *reg, int64_t version_id,
			   const char *field)
{
	sqlite3_stmt *st;
	char *v = NULL;

	if (reg_prepare(reg, "SELECT value FROM facts WHERE version_id = ? AND field = ?"
			" ORDER BY id DESC LIMIT 1", &st, NULL))
		return NULL;
	sqlite3_bind_int64(st, 1, version_id);
	sqlite3_bind_text(st, 2, field, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = gpai_strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

/* Refuses a date that would put a pair of date_orders out of order.  Dates
 * of different precision (YYYY, YYYY-MM, YYYY-MM-DD) compare on the
 * precision they share. */
static int check_date_order(struct gpai_registry *reg, int64_t version_id,
			    const char *field, const char *value,
			    struct gpai_error *err)
{
	for (size_t i = 0; i < sizeof(date_orders) / sizeof(date_orders[0]); i++) {
		const struct date_order *o = &date_orders[i];
		int is_earlier = strcmp(field, o->earlier) == 0;
		const char *other_name = is_earlier ? o->later : o->earlier;
		char *other;
		size_t n;
		int c;

		if (!is_earlier && strcmp(field, o->later) != 0)
			continue;
		other = current_value(reg, version_id, other_name);
		if (!other)
			continue;
		n = strlen(value) < strlen(other) ? strlen(value) : strlen(other);
		c = is_earlier ? strncmp(value, other, n) : strncmp(other, value, n);
		if (c > 0) {
			gpai_error_set(err, GPAI_EFORMAT,
				       "field '%s': %s would put '%s' (%s) after '%s' (%s)",
				       field, value, o->earlier,
				       is_earlier ? value : other, o->later,
				       is_earlier ? other : value);
			free(other);
			return GPAI_EFORMAT;
		}
		free(other);
	}
	return GPAI_OK;
}

int reg_insert_fact(struct gpai_registry *reg, int64_t version_id,
		    const char *field, const char *value, const char *source,
		    struct gpai_error *err)
{
	char who[128], at[21];
	sqlite3_stmt *st;
	int rc;

	rc = check_date_order(reg, version_id, field, value, err);
	if (rc)
		return rc;
	gpai_whoami(who, sizeof(who));
	gpai_now_iso8601(at);
	rc = reg_prepare(reg, "INSERT INTO facts (version_id, field, value, source,"
			 " recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?)", &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, version_id);
	sqlite3_bind_text(st, 2, field, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, who, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, at, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st) == SQLITE_DONE ? GPAI_OK
		: reg_db_error(reg, err, "cannot record a fact");
	sqlite3_finalize(st);
	return rc;
}

int reg_check_source(const char *field, const char *source, struct gpai_error *err)
{
	const char *p = source;

	while (p && isspace((unsigned char)*p))
		p++;
	if (!p || !*p)
		return gpai_error_set(err, GPAI_EFORMAT,
				      "field '%s': a source is required (URL, citation, "
				      "'measured:' or 'computed:')", field);
	if (!gpai_utf8_valid(source, strlen(source)))
		return gpai_error_set(err, GPAI_EFORMAT, "field '%s': source is not valid UTF-8",
				      field);
	return GPAI_OK;
}

int gpai_registry_fact_set(struct gpai_registry *reg, const char *ref,
			   const char *field, const char *value,
			   const char *source, struct gpai_error *err)
{
	struct gpai_version v;
	char *norm = NULL;
	int rc;

	rc = gpai_fact_validate(field, value, &norm, err);
	if (rc)
		return rc;
	rc = reg_check_source(field, source, err);
	if (rc)
		goto out;
	rc = reg_write_begin(reg, err);
	if (rc)
		goto out;
	rc = gpai_registry_lookup(reg, ref, &v, err);
	if (rc) {
		reg_rollback(reg);
		goto out;
	}
	rc = reg_insert_fact(reg, v.id, field, norm, source, err);
	if (rc == GPAI_OK)
		rc = reg_commit(reg, err);
	if (rc)
		reg_rollback(reg);
	gpai_version_release(&v);
out:
	free(norm);
	return rc;
}

void gpai_facts_free(struct gpai_fact *f, size_t n)
{
	if (!f)
		return;
	for (size_t i = 0; i < n; i++) {
		free(f[i].field);
		free(f[i].value);
		free(f[i].source);
		free(f[i].recorded_by);
	}
	free(f);
}

static int fact_row(struct gpai_registry *reg, sqlite3_stmt *st, void *row)
{
	struct gpai_fact *f = row;

	(void)reg;
	f->id = sqlite3_column_int64(st, 0);
	f->field = reg_col_str(st, 1);
	f->value = reg_col_str(st, 2);
	f->source = reg_col_str(st, 3);
	f->recorded_by = reg_col_str(st, 4);
	reg_col_copy(st, 5, f->recorded_at, sizeof(f->recorded_at));
	return f->field && f->value && f->source && f->recorded_by ? GPAI_OK : GPAI_ENOMEM;
}

int gpai_registry_facts(struct gpai_registry *reg, const struct gpai_version *v,
			const char *field, int history, struct gpai_fact **out,
			size_t *n, struct gpai_error *err)
{
	static const char *const sql[2] = {
		/* current: the newest row per field */
		"SELECT f.id, f.field, f.value, f.source, f.recorded_by, f.recorded_at"
		" FROM facts f WHERE f.version_id = ?1 AND (?2 IS NULL OR f.field = ?2)"
		" AND f.id = (SELECT MAX(g.id) FROM facts g WHERE g.version_id = f.version_id"
		" AND g.field = f.field) ORDER BY f.field",
		/* history: every row */
		"SELECT id, field, value, source, recorded_by, recorded_at FROM facts"
		" WHERE version_id = ?1 AND (?2 IS NULL OR field = ?2) ORDER BY field, id",
	};
	sqlite3_stmt *st;
	void *rows;
	size_t cnt;
	int rc;

	*out = NULL;
	*n = 0;
	rc = reg_prepare(reg, sql[history ? 1 : 0], &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, v->id);
	if (field)
		sqlite3_bind_text(st, 2, field, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	rc = reg_collect_rows(reg, st, sizeof(struct gpai_fact), fact_row, "cannot read facts",
			      &rows, &cnt, err);
	if (rc) {
		gpai_facts_free(rows, cnt);
		return rc;
	}
	*out = rows;
	*n = cnt;
	return GPAI_OK;
}
