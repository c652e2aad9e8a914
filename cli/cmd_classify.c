/*
 * cmd_classify.c - `gpai classify`: a training-compute estimate against
 * every regulatory threshold in the table (EU GPAI, EU systemic risk, EU
 * modification rule, US-CA SB 53, US-NY RAISE, revoked EO 14110), with the
 * margin, the uncertainty band and the EU notification deadline.
 */
#include "computil.h"
#include "regutil.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

static const char usage[] =
	"gpai classify (NAME@VER | --flops X [--low L --high H] | --stages FILE)\n"
	"              [--base-flops Y | --base-unknown gpai|systemic]\n"
	"              [--outputs text,audio,image,video,other] [--revenue USD]\n"
	"              [--cost USD] [--known YYYY-MM-DD] [--on YYYY-MM-DD] [--record]\n"
	"\n"
	"Classifies training compute (FLOP) against each threshold of\n"
	"`gpai classify --list`: below, above, or within the uncertainty band.\n"
	"  NAME@VER             compute from the version's facts (training.stages, or\n"
	"                       the estimate from the other facts); its base model\n"
	"                       (lineage) is the original for the modification rule\n"
	"  --flops X            the model's training compute; with --base-flops or\n"
	"                       --base-unknown, the compute of the modification\n"
	"  --low L --high H     its interval (default +/-30 %, EU Guidelines Annex A.2)\n"
	"  --stages FILE        stages file (docs/flops.md): each rule counts what\n"
	"                       its law counts; init-model stages are the original\n"
	"  --base-flops Y       the original model's training compute (modification rule)\n"
	"  --base-unknown K     original's compute unknown; K = systemic or gpai\n"
	"  --outputs LIST       output modalities (for the EU GPAI criterion)\n"
	"  --revenue USD        developer's annual gross revenue (SB 53)\n"
	"  --cost USD           compute cost of the training (RAISE)\n"
	"  --known DATE         date the EU threshold was met or known to be met\n"
	"  --on DATE            judge which rules are in force on DATE (default today)\n"
	"  --record             with NAME@VER: store the result as the version's\n"
	"                       'classification' fact (shown by gpai show)\n"
	"  --list               print the threshold table\n"
	"Details: docs/classify.md.\n";

static int list_thresholds(const struct cli *cli)
{
	size_t n = gpai_threshold_count();
	cJSON *arr = cli->json ? cJSON_CreateArray() : NULL;
	char a[32];

	for (size_t i = 0; i < n; i++) {
		const struct gpai_threshold *t = gpai_threshold_at(i);

		if (arr) {
			cJSON *x = cJSON_CreateObject();

			cJSON_AddStringToObject(x, "id", t->id);
			cJSON_AddStringToObject(x, "jurisdiction", t->jurisdiction);
			cJSON_AddStringToObject(x, "rule", t->rule);
			cJSON_AddStringToObject(x, "operator", t->op);
			cJSON_AddStringToObject(x, "kind", t->kind == GPAI_THR_MODIFICATION ?
						"modification" : "absolute");
			cJSON_AddNumberToObject(x, "value", t->value);
			if (t->kind == GPAI_THR_MODIFICATION) {
				cJSON_AddNumberToObject(x, "fallback_systemic", t->fallback_systemic);
				cJSON_AddNumberToObject(x, "fallback_gpai", t->fallback_gpai);
			}
			cJSON_AddStringToObject(x, "scope", gpai_scope_name(t->scope));
			cJSON_AddStringToObject(x, "conditions", t->conditions);
			cJSON_AddStringToObject(x, "source", t->source);
			cJSON_AddStringToObject(x, "valid_from", t->valid_from);
			cJSON_AddStringToObject(x, "valid_until", t->valid_until);
			cJSON_AddItemToArray(arr, x);
			continue;
		}
		if (cli->quiet) {
			printf("%s\n", t->id);
			continue;
		}
		if (t->kind == GPAI_THR_MODIFICATION)
			printf("%-17s %-6s %s 1/3 of the original (unknown: %s or %.2g)\n", t->id,
			       t->jurisdiction, t->op, gpai_flop_2sf(t->fallback_systemic, a),
			       t->fallback_gpai);
		else
			printf("%-17s %-6s %s %s FLOP\n", t->id, t->jurisdiction, t->op,
			       gpai_flop_2sf(t->value, a));
		printf("  %s\n  counts: %s\n  conditions: %s\n  source: %s\n  in force: %s to %s\n",
		       t->rule, gpai_scope_name(t->scope), t->conditions, t->source,
		       t->valid_from, t->valid_until[0] ? t->valid_until : "now");
	}
	return arr ? cli_print_json(arr) : CLI_OK;
}

struct opts {
	const char *flops, *low, *high, *stages, *base, *base_unknown, *outputs;
	const char *revenue, *cost, *known, *on, *ref;
	int list, record;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct regutil_optspec spec[] = {
		{ "--flops", offsetof(struct opts, flops), 0 },
		{ "--low", offsetof(struct opts, low), 0 },
		{ "--high", offsetof(struct opts, high), 0 },
		{ "--stages", offsetof(struct opts, stages), 0 },
		{ "--base-flops", offsetof(struct opts, base), 0 },
		{ "--base-unknown", offsetof(struct opts, base_unknown), 0 },
		{ "--outputs", offsetof(struct opts, outputs), 0 },
		{ "--revenue", offsetof(struct opts, revenue), 0 },
		{ "--cost", offsetof(struct opts, cost), 0 },
		{ "--known", offsetof(struct opts, known), 0 },
		{ "--on", offsetof(struct opts, on), 0 },
		{ "--list", offsetof(struct opts, list), 1 },
		{ "--record", offsetof(struct opts, record), 1 },
	};

	memset(o, 0, sizeof(*o));
	return regutil_parse("classify", argc, argv, o, spec, sizeof(spec) / sizeof(spec[0]),
			     &o->ref);
}

/* Money: a non-negative number. */
static int money(const char *flag, const char *s, double *out)
{
	if (gpai_parse_double(s, out) != GPAI_OK)
		return cli_failf("%s: '%s' is not a number", flag, s);
	if (*out < 0)
		return cli_failf("%s: must not be negative (got '%s')", flag, s);
	return CLI_OK;
}

static int outputs(const char *list, int *generative)
{
	char buf[256], *save = NULL, *w;

	if (gpai_strlcpy(buf, list, sizeof(buf)) >= sizeof(buf))
		return cli_failf("--outputs: list too long");
	*generative = 0;
	for (w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!strcmp(w, "text") || !strcmp(w, "audio") || !strcmp(w, "image") ||
		    !strcmp(w, "video"))
			*generative = 1;
		else if (strcmp(w, "other") != 0)
			return cli_failf("--outputs: unknown modality '%s' (text, audio, "
					 "image, video, other)", w);
	}
	return CLI_OK;
}

static void today(char out[11])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static const char *met_word(int met)
{
	return met > 0 ? "met" : met < 0 ? "undetermined" : "not met";
}

static void print_results(const struct gpai_classification *r, size_t n,
			  const struct gpai_classify_input *in, int quiet)
{
	char a[32], b[32];

	for (size_t i = 0; i < n; i++) {
		const struct gpai_threshold *t = r[i].threshold;

		if (quiet) {
			printf("%s %s\n", t->id, r[i].band == GPAI_NOT_APPLICABLE ? "n/a" :
			       met_word(r[i].met));
			continue;
		}
		printf("%-6s %-17s ", t->jurisdiction, t->id);
		if (r[i].band == GPAI_NOT_APPLICABLE) {
			printf("not applicable: %s\n", r[i].explanation);
			continue;
		}
		printf("%s %s %s: %s; %s\n", gpai_flop_2sf(r[i].compared, a), t->op,
		       gpai_flop_2sf(r[i].limit, b), gpai_band_name(r[i].band),
		       met_word(r[i].met));
		printf("  margin: %.3g x the threshold (log10 %+.2f)%s\n", r[i].ratio,
		       r[i].log10_ratio, r[i].in_force ? "" : "  [not in force]");
		printf("  %s\n", r[i].explanation);
		if (r[i].deadline[0])
			printf("  notification deadline: %s\n", r[i].deadline);
		printf("  source: %s\n", t->source);
	}
	if (!quiet)
		printf("judged on %s; interval: %s\n", in->on_date,
		       "the estimate's (+/-30 % unless given)");
}

static cJSON *results_json(const struct gpai_classification *r, size_t n,
			   const struct gpai_classify_input *in)
{
	cJSON *o = cJSON_CreateObject(), *arr;

	cJSON_AddStringToObject(o, "on", in->on_date);
	cJSON_AddItemToObject(o, "compute", comp_est_json(&in->scope_flop[GPAI_SCOPE_CUMULATIVE]));
	arr = cJSON_AddArrayToObject(o, "results");
	for (size_t i = 0; i < n; i++) {
		const struct gpai_threshold *t = r[i].threshold;
		cJSON *x = cJSON_CreateObject();

		cJSON_AddStringToObject(x, "id", t->id);
		cJSON_AddStringToObject(x, "jurisdiction", t->jurisdiction);
		cJSON_AddStringToObject(x, "rule", t->rule);
		cJSON_AddStringToObject(x, "operator", t->op);
		cJSON_AddStringToObject(x, "scope", gpai_scope_name(t->scope));
		cJSON_AddStringToObject(x, "band", r[i].band == GPAI_NOT_APPLICABLE ?
					"not-applicable" : r[i].band == GPAI_ABOVE ? "above" :
					r[i].band == GPAI_BELOW ? "below" :
					r[i].band == GPAI_WITHIN_BAND_ABOVE ? "within-band-above" :
					"within-band-below");
		if (r[i].band != GPAI_NOT_APPLICABLE) {
			cJSON_AddNumberToObject(x, "threshold", r[i].limit);
			cJSON_AddNumberToObject(x, "compared", r[i].compared);
			cJSON_AddNumberToObject(x, "low", r[i].low);
			cJSON_AddNumberToObject(x, "high", r[i].high);
			cJSON_AddNumberToObject(x, "ratio", r[i].ratio);
			cJSON_AddNumberToObject(x, "log10_ratio", r[i].log10_ratio);
		}
		if (r[i].met < 0)
			cJSON_AddNullToObject(x, "met");
		else
			cJSON_AddBoolToObject(x, "met", r[i].met);
		cJSON_AddBoolToObject(x, "in_force", r[i].in_force);
		if (r[i].deadline[0])
			cJSON_AddStringToObject(x, "notification_deadline", r[i].deadline);
		else
			cJSON_AddNullToObject(x, "notification_deadline");
		cJSON_AddStringToObject(x, "explanation", r[i].explanation);
		cJSON_AddStringToObject(x, "conditions", t->conditions);
		cJSON_AddStringToObject(x, "source", t->source);
		cJSON_AddStringToObject(x, "valid_from", t->valid_from);
		cJSON_AddStringToObject(x, "valid_until", t->valid_until);
		cJSON_AddItemToArray(arr, x);
	}
	return o;
}

static void note(char *notes, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void note(char *notes, size_t size, const char *fmt, ...)
{
	size_t n = strlen(notes);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(notes + n, size - n, fmt, ap);
	va_end(ap);
}

/* Fills in from version o->ref: its compute per scope (facts or stages),
 * its base model's compute through the lineage, its output modalities and
 * its training start (the date the compute is known, Guidelines s2.3.2). */
static int from_registry(const struct cli *cli, const struct opts *o,
			 struct gpai_classify_input *in, char *notes, size_t size,
			 struct gpai_figure *f)
{
	struct gpai_registry *reg;
	struct comp_version cv;
	char a[32], b[32], c[32];
	int found, rc = CLI_FAIL;

	if (regutil_open(cli, &reg))
		return CLI_FAIL;
	if (comp_version_load(reg, o->ref, &cv)) {
		gpai_registry_close(reg);
		return CLI_FAIL;
	}
	/* One choice of the figure, shared with `gpai report --catalogue`
	 * (compute_estimator.h, "the compute figure of a version"). */
	if (cv.base_ref[0] && o->base_unknown)
		found = gpai_figure_modification(NULL, &cv.fin, f);
	else
		found = comp_version_figure(reg, &cv, 0, f);
	if (!found) {
		cli_failf("%s", cv.e.missing[0] ? cv.e.missing : f->why);
		goto out;
	}
	gpai_classify_input_figure(f, in);
	if (cv.have_stages && f->kind == GPAI_FIGURE_OWN) {
		/* gpai's own estimate from stages: each rule counts its scope. */
		for (int s = 0; s < GPAI_NSCOPES; s++)
			gpai_stages_total(&cv.stages, (enum gpai_scope)s, &in->scope_flop[s]);
		gpai_stages_modification(&cv.stages, &in->modification);
		if (gpai_stages_original(&cv.stages, &in->original_flop) &&
		    in->modification.flop > 0)
			in->original = GPAI_ORIGINAL_KNOWN;
	}
	note(notes, size, "figure used for %s: %s (%s)\n", cv.ref,
	     gpai_figure_kind_name(f->kind), f->why);
	if (f->have_own)
		note(notes, size, "cross-check, gpai's own estimate%s: %s FLOP [%s, %s] (%s)%s\n",
		     f->is_modification && f->have_base ? " (with the base's figure)" : "",
		     gpai_flop_2sf(f->own.flop, a), gpai_flop_2sf(f->own.low, b),
		     gpai_flop_2sf(f->own.high, c), cv.have_stages ? "fact training.stages" :
		     cv.e.method ? cv.e.method : "",
		     f->disagree ? "; DISAGREES with the figure by more than 30 % "
		     "(EU Guidelines Annex A.2 accuracy margin)" : "");
	else
		note(notes, size, "cross-check: gpai has no own estimate (%s)\n",
		     cv.e.missing[0] ? cv.e.missing : "no parameters, tokens or hardware");
	if (f->is_modification) {
		const char *rel = cv.relation[0] ? cv.relation : "modification";

		if (f->have_base && f->have_mod)
			note(notes, size, "%s is a %s of %s (figure %s, %s): the modification "
			     "rule compares its %s FLOP (%s) against one third of it\n", cv.ref,
			     rel, cv.base_ref, gpai_flop_2sf(f->base.flop, a),
			     gpai_figure_kind_name(f->base_kind), gpai_flop_2sf(f->mod.flop, b),
			     f->mod_from);
		else if (f->have_mod)
			note(notes, size, "%s is a %s of %s, whose compute is %s: the lower "
			     "fallback (10^23/3) is used; give --base-unknown systemic if the "
			     "original has systemic risk\n", cv.ref, rel, cv.base_ref,
			     o->base_unknown ? "given as unknown" : "unknown");
		else
			note(notes, size, "%s is a %s of %s: the modification's compute is not "
			     "known, so the modification rule does not apply\n", cv.ref, rel,
			     cv.base_ref);
	}
	if (!o->outputs && cv.have_outputs) {
		in->modality_known = 1;
		in->generative_modality = cv.generative;
		note(notes, size, "output modalities: fact model.modalities.output\n");
	}
	if (!o->known && cv.start[0]) {
		gpai_strlcpy(in->known_date, cv.start, sizeof(in->known_date));
		note(notes, size, "threshold known from %s (fact training.time.start: the "
		     "compute is planned before the run starts, Guidelines s2.3.2)\n", cv.start);
	}
	rc = CLI_OK;
out:
	comp_version_release(&cv);
	gpai_registry_close(reg);
	return rc;
}

/* Stores the result as the version's `classification` fact. */
static int record(const struct cli *cli, const char *ref,
		  const struct gpai_classification *r, size_t n,
		  const struct gpai_classify_input *in)
{
	struct gpai_registry *reg;
	struct gpai_buf b;
	struct gpai_error err;
	char a[32], c[32], source[128];
	int rc;

	gpai_buf_init(&b);
	gpai_buf_printf(&b, "judged on %s\n", in->on_date);
	for (size_t i = 0; i < n; i++) {
		if (r[i].band == GPAI_NOT_APPLICABLE) {
			gpai_buf_printf(&b, "%s: not applicable\n", r[i].threshold->id);
			continue;
		}
		gpai_buf_printf(&b, "%s: %s; %s (%s %s %s, log10 %+.2f%s)%s%s: %s\n",
				r[i].threshold->id, gpai_band_name(r[i].band),
				met_word(r[i].met), gpai_flop_2sf(r[i].compared, a),
				r[i].threshold->op, gpai_flop_2sf(r[i].limit, c),
				r[i].log10_ratio, r[i].in_force ? "" : ", not in force",
				r[i].deadline[0] ? "; notify by " : "", r[i].deadline,
				r[i].explanation);
	}
	snprintf(source, sizeof(source), "computed: gpai classify %s (gpai %s)", ref,
		 GPAI_VERSION);
	if (!b.data) {
		gpai_buf_release(&b);
		return cli_failf("out of memory");
	}
	if (regutil_open(cli, &reg)) {
		gpai_buf_release(&b);
		return CLI_FAIL;
	}
	gpai_error_init(&err);
	rc = gpai_registry_fact_set(reg, ref, "classification", b.data, source, &err);
	gpai_registry_close(reg);
	gpai_buf_release(&b);
	if (rc)
		return cli_fail(&err, "cannot record the classification of '%s'", ref);
	return CLI_OK;
}

static int run(struct cli *cli, int argc, char **argv)
{
	struct gpai_classify_input in;
	struct gpai_figure fig;
	struct gpai_classification res[16];
	struct gpai_error err;
	struct opts o;
	size_t n = gpai_threshold_count();
	char notes[1024] = "";
	int rc;

	rc = parse(argc, argv, &o);
	if (rc)
		return rc;
	if (o.list)
		return argc > 2 ? cli_usage("classify", "--list takes no other option") :
			list_thresholds(cli);
	if (o.ref && (o.flops || o.stages || o.low || o.high || o.base))
		return cli_usage("classify", "NAME@VER takes its compute and lineage from "
				 "the registry; give no --flops, --stages or --base-flops");
	if (!o.ref && !o.flops == !o.stages)
		return cli_usage("classify", "give NAME@VER, --flops or --stages (one of them)");
	if ((o.low || o.high) && (!o.low || !o.high || !o.flops))
		return cli_usage("classify", "--low and --high go together, with --flops");
	if (o.record && !o.ref)
		return cli_usage("classify", "--record needs NAME@VER");
	if (o.base && o.base_unknown)
		return cli_usage("classify", "give --base-flops or --base-unknown, not both");

	memset(&in, 0, sizeof(in));
	memset(&fig, 0, sizeof(fig));
	in.revenue_usd = in.cost_usd = -1;
	gpai_error_init(&err);
	if (o.flops) {
		struct gpai_estimate e;

		if (comp_posnum("--flops", o.flops, &e.flop))
			return CLI_FAIL;
		e.low = e.flop * (1 - GPAI_ACCURACY_BAND);
		e.high = e.flop * (1 + GPAI_ACCURACY_BAND);
		if (o.low && (comp_posnum("--low", o.low, &e.low) ||
			      comp_posnum("--high", o.high, &e.high)))
			return CLI_FAIL;
		if (!(e.low <= e.flop && e.flop <= e.high))
			return cli_failf("--low/--high: need low <= flops <= high (got %s, %s, %s)",
					 o.low, o.flops, o.high);
		if (e.high > GPAI_FLOP_PLAUSIBLE_MAX)
			return cli_failf("--flops: %s is above the plausible maximum %g", o.flops,
					 GPAI_FLOP_PLAUSIBLE_MAX);
		for (int s = 0; s < GPAI_NSCOPES; s++)
			in.scope_flop[s] = e;
		if (o.base || o.base_unknown)
			in.modification = e;
	} else if (o.stages) {
		struct gpai_stages st;

		if (gpai_stages_load(o.stages, &st, &err))
			return cli_fail(&err, "cannot read the stages");
		for (int s = 0; s < GPAI_NSCOPES; s++)
			gpai_stages_total(&st, (enum gpai_scope)s, &in.scope_flop[s]);
		gpai_stages_modification(&st, &in.modification);
		if (!o.base && !o.base_unknown &&
		    gpai_stages_original(&st, &in.original_flop) &&
		    in.modification.flop > 0)
			in.original = GPAI_ORIGINAL_KNOWN;
		gpai_stages_release(&st);
	}
	if (o.ref && from_registry(cli, &o, &in, notes, sizeof(notes), &fig))
		return CLI_FAIL;
	if (o.base) {
		double y;

		if (comp_posnum("--base-flops", o.base, &y))
			return CLI_FAIL;
		in.original = GPAI_ORIGINAL_KNOWN;
		in.original_flop.flop = y;
		in.original_flop.low = y * (1 - GPAI_ACCURACY_BAND);
		in.original_flop.high = y * (1 + GPAI_ACCURACY_BAND);
		if (o.flops) /* the modified model's cumulative compute includes the original's */
			for (int s = 0; s < GPAI_NSCOPES; s++) {
				in.scope_flop[s].flop += y;
				in.scope_flop[s].low += in.original_flop.low;
				in.scope_flop[s].high += in.original_flop.high;
			}
	} else if (o.base_unknown) {
		if (!strcmp(o.base_unknown, "systemic"))
			in.original = GPAI_ORIGINAL_UNKNOWN_SYSTEMIC;
		else if (!strcmp(o.base_unknown, "gpai"))
			in.original = GPAI_ORIGINAL_UNKNOWN_GPAI;
		else
			return cli_failf("--base-unknown: '%s' is not 'systemic' or 'gpai'",
					 o.base_unknown);
	}
	if (o.outputs) {
		if (outputs(o.outputs, &in.generative_modality))
			return CLI_FAIL;
		in.modality_known = 1;
	}
	if (o.revenue && money("--revenue", o.revenue, &in.revenue_usd))
		return CLI_FAIL;
	if (o.cost && money("--cost", o.cost, &in.cost_usd))
		return CLI_FAIL;
	if (o.known) {
		char tmp[11];

		if (gpai_date_add_days(o.known, 0, tmp, &err))
			return cli_fail(&err, "--known");
		gpai_strlcpy(in.known_date, o.known, sizeof(in.known_date));
	}
	if (o.on) {
		char tmp[11];

		if (gpai_date_add_days(o.on, 0, tmp, &err))
			return cli_fail(&err, "--on");
		gpai_strlcpy(in.on_date, o.on, sizeof(in.on_date));
	} else {
		today(in.on_date);
	}
	if (gpai_classify(&in, res, sizeof(res) / sizeof(res[0]), &err))
		return cli_fail(&err, "cannot classify");
	if (o.record && record(cli, o.ref, res, n, &in))
		return CLI_FAIL;
	if (cli->json) {
		cJSON *j = results_json(res, n, &in);

		if (o.ref) {
			cJSON *x = cJSON_AddObjectToObject(j, "figure");

			cJSON_AddStringToObject(j, "version", o.ref);
			cJSON_AddStringToObject(x, "kind", gpai_figure_kind_name(fig.kind));
			cJSON_AddStringToObject(x, "why", fig.why);
			cJSON_AddItemToObject(x, "estimate", comp_est_json(&fig.est));
			if (fig.have_own)
				cJSON_AddItemToObject(x, "own_estimate", comp_est_json(&fig.own));
			else
				cJSON_AddNullToObject(x, "own_estimate");
			cJSON_AddBoolToObject(x, "disagree", fig.disagree);
		}
		cJSON_AddStringToObject(j, "notes", notes);
		return cli_print_json(j);
	}
	if (!cli->quiet && notes[0])
		printf("%s", notes);
	if (!cli->quiet) {
		char a[32], b[32], c[32];
		const struct gpai_estimate *e = &in.scope_flop[GPAI_SCOPE_CUMULATIVE];

		printf("compute (cumulative): %s FLOP [%s, %s]%s\n", gpai_flop_2sf(e->flop, a),
		       gpai_flop_2sf(e->low, b), gpai_flop_2sf(e->high, c),
		       o.base ? " (modification plus the original's --base-flops)" : "");
	}
	print_results(res, n, &in, cli->quiet);
	return CLI_OK;
}

const struct cli_cmd cmd_classify = {
	"classify", "classify training compute against EU and US thresholds",
	usage, run,
};
