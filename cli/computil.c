/*
 * computil.c - the single-stage estimate (flags, config or registry facts)
 * and the stages report shared by `gpai flops` and `gpai classify`.
 *
 * Every number printed carries its unit (FLOP, FLOP/s, hours) and every
 * input its source; an assumption (the default utilization) is printed as
 * one.  JSON shapes are documented in docs/flops.md.
 */
#include "computil.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

void comp_estimate_init(struct comp_estimate *e)
{
	memset(e, 0, sizeof(*e));
	e->ops.epochs = 1;
	e->period.utilization = -1;
}

void comp_add_input(struct comp_estimate *e, const char *name,
		    const char *source, const char *fmt, ...)
{
	struct comp_input *in;
	va_list ap;

	if (e->n_in >= COMPUTIL_MAX_INPUTS)
		return;
	in = &e->in[e->n_in++];
	gpai_strlcpy(in->name, name, sizeof(in->name));
	gpai_strlcpy(in->source, source, sizeof(in->source));
	va_start(ap, fmt);
	vsnprintf(in->value, sizeof(in->value), fmt, ap);
	va_end(ap);
}

int comp_posnum(const char *flag, const char *s, double *out)
{
	if (gpai_parse_double(s, out) != GPAI_OK)
		return cli_failf("%s: '%s' is not a number", flag, s);
	if (!(*out > 0))
		return cli_failf("%s: must be a positive number (got '%s')", flag, s);
	return CLI_OK;
}

const char *comp_group(uint64_t n, char out[32])
{
	char digits[24];
	int len, o = 0;

	snprintf(digits, sizeof(digits), "%llu", (unsigned long long)n);
	len = (int)strlen(digits);
	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return out;
}

int comp_estimate_run(struct comp_estimate *e, int detailed)
{
	struct gpai_error err;
	char need[200] = "";

	gpai_error_init(&err);
	e->method = NULL;
	if (e->have_params && e->ops.tokens > 0) {
		e->ops.params = e->active;
		if (gpai_flops_operations(&e->ops, &e->ops_est, NULL, &err))
			return cli_fail(&err, "cannot count operations");
		e->have_ops = 1;
		if (detailed) {
			if (e->have_params != 2)
				return cli_failf("insufficient information: --detailed needs "
						 "the architecture (a config.json: --config, or --model "
						 "with one)");
			e->ops.n_layers = e->pc.n_layers;
			e->ops.attn_qk_width = e->pc.attn_qk_width;
			e->ops.attn_v_width = e->pc.attn_v_width;
			if (e->ops.context <= 0)
				return cli_failf("insufficient information: --detailed needs "
						 "the training context length (--context)");
			if (gpai_flops_operations(&e->ops, &e->ops_est, &e->det_est, &err))
				return cli_fail(&err, "cannot count operations");
			e->have_detailed = 1;
		}
	}
	if (e->period.chip) {
		if (gpai_flops_hardware(&e->period, 1, &e->hw_est, &e->hw_assumed, &err))
			return cli_fail(&err, "cannot estimate from hardware");
		e->have_hw = 1;
	}
	if (e->have_ops && e->have_hw) {
		e->disagree = gpai_estimate_combine(e->have_detailed ? &e->det_est :
						    &e->ops_est, &e->hw_est, &e->est);
		e->method = "operations+hardware";
	} else if (e->have_ops) {
		e->est = e->have_detailed ? e->det_est : e->ops_est;
		e->method = e->have_detailed ? "operations (detailed)" : "operations";
	} else if (e->have_hw) {
		e->est = e->hw_est;
		e->method = "hardware";
	} else {
		if (!e->have_params)
			snprintf(need, sizeof(need), "the parameters (--config, --params or a "
				 "model) and the tokens seen (--tokens), or the hardware "
				 "(--hardware, --count, --hours, --precision)");
		else
			snprintf(need, sizeof(need), "the tokens seen (--tokens), or the "
				 "hardware (--hardware, --count, --hours, --precision)");
		snprintf(e->missing, sizeof(e->missing), "insufficient information: need %s",
			 need);
	}
	return CLI_OK;
}

/* ---- text -------------------------------------------------------------- */

static void print_est(const char *label, const struct gpai_estimate *x)
{
	char a[32], b[32], c[32];

	printf("%s%s FLOP  [%s, %s]\n", label, gpai_flop_2sf(x->flop, a),
	       gpai_flop_2sf(x->low, b), gpai_flop_2sf(x->high, c));
}

static void print_params(const struct gpai_param_count *pc)
{
	static const struct { const char *name; size_t off; } parts[] = {
		{ "embedding", offsetof(struct gpai_param_count, embedding) },
		{ "attention", offsetof(struct gpai_param_count, attention) },
		{ "mlp", offsetof(struct gpai_param_count, mlp) },
		{ "routed experts", offsetof(struct gpai_param_count, experts) },
		{ "shared experts", offsetof(struct gpai_param_count, shared_experts) },
		{ "router", offsetof(struct gpai_param_count, router) },
		{ "norms", offsetof(struct gpai_param_count, norms) },
		{ "biases", offsetof(struct gpai_param_count, biases) },
		{ "output head", offsetof(struct gpai_param_count, head) },
	};
	char g[32];

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		uint64_t v = *(const uint64_t *)((const char *)pc + parts[i].off);

		if (!v && strcmp(parts[i].name, "output head") != 0)
			continue;
		printf("  %-16s %20s%s\n", parts[i].name, comp_group(v, g),
		       !strcmp(parts[i].name, "output head") && pc->tied ?
		       "  (tied to the embedding)" : "");
	}
	printf("  %-16s %20s\n", "total", comp_group(pc->total, g));
	if (pc->experts)
		printf("  %-16s %20s  (%lld of %lld routed experts per token in %lld MoE layers)\n",
		       "active", comp_group(pc->active, g),
		       (long long)pc->experts_per_token, (long long)pc->n_experts,
		       (long long)pc->moe_layers);
	if (pc->note[0])
		printf("  note: %s\n", pc->note);
}

void comp_estimate_print(const struct comp_estimate *e, int quiet)
{
	char a[32], b[32], c[32], g[32];

	if (quiet) {
		if (e->method)
			printf("%s\n", gpai_flop_2sf(e->est.flop, a));
		return;
	}
	if (e->have_params == 2) {
		printf("parameters (%s, model_type %s):\n", e->params_source,
		       e->pc.architecture);
		print_params(&e->pc);
	} else if (e->have_params) {
		printf("parameters: total %.6g, active %.6g (%s)\n", e->params, e->active,
		       e->params_source);
	}
	if (e->params_note[0])
		printf("  %s\n", e->params_note);
	if (e->n_in) {
		printf("inputs:\n");
		for (size_t i = 0; i < e->n_in; i++)
			printf("  %-14s %-24s %s\n", e->in[i].name, e->in[i].value,
			       e->in[i].source);
	}
	if (e->have_ops) {
		printf("operation counting: %s x N_active x D = %s x %.4g x %.4g\n",
		       e->ops.forward_only ? "2" : "6", e->ops.forward_only ? "2" : "6",
		       e->ops.params, e->ops.tokens * e->ops.epochs);
		print_est("  = ", &e->ops_est);
	}
	if (e->have_detailed) {
		printf("detailed (with attention, PaLM arXiv:2204.02311 App. B): 6 N D + "
		       "6 x L x T x (w_qk + w_v) x D, L = %lld, T = %lld, w_qk + w_v = %lld\n",
		       (long long)e->ops.n_layers, (long long)e->ops.context,
		       (long long)(e->ops.attn_qk_width + e->ops.attn_v_width));
		print_est("  = ", &e->det_est);
		printf("  attention adds %.1f %% to 6 N D\n",
		       100 * (e->det_est.flop / e->ops_est.flop - 1));
	}
	if (e->have_hw) {
		const struct gpai_hw_period *p = &e->period;

		if (p->count > 1)
			printf("hardware: chip-hours x dense peak x utilization = %s chips x "
			       "%.6g h x ", comp_group((uint64_t)p->count, g),
			       p->seconds / GPAI_SECONDS_PER_HOUR);
		else
			printf("hardware: chip-hours x dense peak x utilization = %.6g chip-h x ",
			       p->seconds / GPAI_SECONDS_PER_HOUR);
		printf("%.6g TFLOP/s (%s %s) x %.2f\n", p->chip->peak[p->precision] / GPAI_FLOP_PER_TFLOP,
		       p->chip->id, gpai_precision_name(p->precision),
		       e->hw_assumed ? GPAI_UTILIZATION_DEFAULT : p->utilization);
		print_est("  = ", &e->hw_est);
		printf("  peak: Epoch AI chip table, row '%s', column '%s'\n",
		       p->chip->epoch_name, p->chip->column[p->precision]);
		if (e->hw_assumed)
			printf("  assumption: utilization %.2f (median reported MFU in Epoch AI's "
			       "models table), interval from its quartiles %.2f-%.2f\n",
			       GPAI_UTILIZATION_DEFAULT, GPAI_UTILIZATION_LOW,
			       GPAI_UTILIZATION_HIGH);
	}
	if (!e->method) {
		printf("training compute: %s\n", e->missing);
		return;
	}
	printf("estimate (%s%s): %s FLOP  [%s, %s]\n", e->method,
	       e->have_ops && e->have_hw ? ", geometric mean" : "",
	       gpai_flop_2sf(e->est.flop, a), gpai_flop_2sf(e->est.low, b),
	       gpai_flop_2sf(e->est.high, c));
	if (e->have_ops && e->have_hw) {
		const struct gpai_estimate *o = e->have_detailed ? &e->det_est : &e->ops_est;

		if (e->disagree)
			printf("warning: the two methods differ by a factor of %.2f, more than "
			       "the 30 %% accuracy the EU Guidelines ask for (Annex A.2)\n",
			       fmax(o->flop, e->hw_est.flop) / fmin(o->flop, e->hw_est.flop));
	}
	if (!(e->have_hw && e->hw_assumed) || e->have_ops)
		printf("interval: +/-30 %% (EU Guidelines Annex A.2 accuracy)%s\n",
		       e->have_hw && e->hw_assumed ? "; hardware: the utilization range" : "");
	else
		printf("interval: from the utilization range\n");
	printf("units: FLOP; one multiply-add = 2 FLOP; every number format counts the same\n");
}

/* ---- JSON -------------------------------------------------------------- */

struct cJSON *comp_est_json(const struct gpai_estimate *e)
{
	cJSON *o = cJSON_CreateObject();
	char a[32];

	cJSON_AddNumberToObject(o, "flop", e->flop);
	cJSON_AddNumberToObject(o, "low", e->low);
	cJSON_AddNumberToObject(o, "high", e->high);
	cJSON_AddStringToObject(o, "reported", gpai_flop_2sf(e->flop, a));
	return o;
}

static cJSON *params_json(const struct comp_estimate *e)
{
	const struct gpai_param_count *pc = &e->pc;
	cJSON *o = cJSON_CreateObject(), *b;

	cJSON_AddStringToObject(o, "source", e->params_source);
	if (e->params_note[0])
		cJSON_AddStringToObject(o, "count_note", e->params_note);
	cJSON_AddNumberToObject(o, "total", e->params);
	cJSON_AddNumberToObject(o, "active", e->active);
	if (e->have_params != 2)
		return o;
	cJSON_AddStringToObject(o, "architecture", pc->architecture);
	b = cJSON_AddObjectToObject(o, "breakdown");
	cJSON_AddNumberToObject(b, "embedding", (double)pc->embedding);
	cJSON_AddNumberToObject(b, "attention", (double)pc->attention);
	cJSON_AddNumberToObject(b, "mlp", (double)pc->mlp);
	cJSON_AddNumberToObject(b, "routed_experts", (double)pc->experts);
	cJSON_AddNumberToObject(b, "shared_experts", (double)pc->shared_experts);
	cJSON_AddNumberToObject(b, "router", (double)pc->router);
	cJSON_AddNumberToObject(b, "norms", (double)pc->norms);
	cJSON_AddNumberToObject(b, "biases", (double)pc->biases);
	cJSON_AddNumberToObject(b, "output_head", (double)pc->head);
	cJSON_AddBoolToObject(o, "tied_embeddings", pc->tied);
	cJSON_AddNumberToObject(o, "layers", (double)pc->n_layers);
	cJSON_AddNumberToObject(o, "experts", (double)pc->n_experts);
	cJSON_AddNumberToObject(o, "experts_per_token", (double)pc->experts_per_token);
	cJSON_AddStringToObject(o, "note", pc->note);
	return o;
}

struct cJSON *comp_estimate_json(const struct comp_estimate *e)
{
	cJSON *o = cJSON_CreateObject(), *arr, *x;

	if (e->have_params)
		cJSON_AddItemToObject(o, "parameters", params_json(e));
	arr = cJSON_AddArrayToObject(o, "inputs");
	for (size_t i = 0; i < e->n_in; i++) {
		x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "name", e->in[i].name);
		cJSON_AddStringToObject(x, "value", e->in[i].value);
		cJSON_AddStringToObject(x, "source", e->in[i].source);
		cJSON_AddItemToArray(arr, x);
	}
	if (e->have_ops) {
		x = comp_est_json(&e->ops_est);
		cJSON_AddStringToObject(x, "formula", e->ops.forward_only ? "2*N*D" : "6*N*D");
		cJSON_AddNumberToObject(x, "params", e->ops.params);
		cJSON_AddNumberToObject(x, "tokens", e->ops.tokens * e->ops.epochs);
		cJSON_AddItemToObject(o, "operations", x);
	}
	if (e->have_detailed) {
		x = comp_est_json(&e->det_est);
		cJSON_AddStringToObject(x, "formula", "6*N*D + 6*L*T*(w_qk+w_v)*D");
		cJSON_AddNumberToObject(x, "layers", (double)e->ops.n_layers);
		cJSON_AddNumberToObject(x, "context", (double)e->ops.context);
		cJSON_AddNumberToObject(x, "attention_width",
					(double)(e->ops.attn_qk_width + e->ops.attn_v_width));
		cJSON_AddItemToObject(o, "detailed", x);
	}
	if (e->have_hw) {
		const struct gpai_hw_period *p = &e->period;

		x = comp_est_json(&e->hw_est);
		cJSON_AddStringToObject(x, "formula", "chips*seconds*peak*utilization");
		cJSON_AddStringToObject(x, "accelerator", p->chip->id);
		cJSON_AddStringToObject(x, "precision", gpai_precision_name(p->precision));
		cJSON_AddNumberToObject(x, "count", p->count);
		cJSON_AddNumberToObject(x, "hours", p->seconds / GPAI_SECONDS_PER_HOUR);
		cJSON_AddNumberToObject(x, "peak_flop_per_s", p->chip->peak[p->precision]);
		cJSON_AddStringToObject(x, "peak_source", gpai_accelerator_source);
		cJSON_AddNumberToObject(x, "utilization",
					e->hw_assumed ? GPAI_UTILIZATION_DEFAULT : p->utilization);
		cJSON_AddBoolToObject(x, "utilization_assumed", e->hw_assumed);
		cJSON_AddItemToObject(o, "hardware", x);
	}
	if (e->method) {
		x = comp_est_json(&e->est);
		cJSON_AddStringToObject(x, "method", e->method);
		cJSON_AddItemToObject(o, "estimate", x);
		cJSON_AddBoolToObject(o, "methods_disagree", e->disagree);
	} else {
		cJSON_AddNullToObject(o, "estimate");
		cJSON_AddStringToObject(o, "missing", e->missing);
	}
	cJSON_AddStringToObject(o, "units", "FLOP (one multiply-add = 2 FLOP)");
	return o;
}

/* ---- stages ------------------------------------------------------------- */

static const char *const scope_titles[GPAI_NSCOPES] = {
	"EU GPAI indicative criterion and modification rule (parameter updates)",
	"EU systemic-risk presumption, Art. 51(2) (cumulative)",
	"US-CA SB 53 / US-NY RAISE (training run and modifications)",
};

void comp_stages_print(const struct gpai_stages *s, int quiet)
{
	struct gpai_estimate t;
	char a[32];

	if (quiet) {
		gpai_stages_total(s, GPAI_SCOPE_CUMULATIVE, &t);
		printf("%s\n", gpai_flop_2sf(t.flop, a));
		return;
	}
	for (size_t i = 0; i < s->n; i++) {
		const struct gpai_stage *st = &s->v[i];

		printf("stages[%zu] %s (%s%s): %s\n", i, st->name,
		       gpai_stage_kind_name(st->kind), st->public_ ? ", public" : "",
		       st->method);
		if (st->has_flop)
			print_est("  reported: ", &st->est);
		if (st->has_ops) {
			char b[32];

			printf("  operations: %s x %s params x %s tokens\n",
			       st->ops.forward_only ? "2" : "6",
			       gpai_flop_2sf(st->ops.params, a),
			       gpai_flop_2sf(st->ops.tokens * st->ops.epochs, b));
			print_est("    = ", &st->ops_est);
		}
		if (st->has_hw) {
			for (size_t k = 0; k < st->n_periods; k++) {
				const struct gpai_hw_period *p = &st->periods[k];

				printf("  hardware[%zu]: %.6g x %s x %.6g h x %.6g TFLOP/s (%s) x %s\n",
				       k, p->count, p->chip->id, p->seconds / GPAI_SECONDS_PER_HOUR,
				       p->chip->peak[p->precision] / GPAI_FLOP_PER_TFLOP,
				       gpai_precision_name(p->precision),
				       p->utilization < 0 ? "0.38 (assumed)" : "given utilization");
			}
			print_est("    = ", &st->hw_est);
		}
		if (st->disagree)
			printf("  warning: the two methods differ by more than 30 %%\n");
		if (st->source[0])
			printf("  source: %s\n", st->source);
	}
	for (int sc = 0; sc < GPAI_NSCOPES; sc++) {
		printf("%s:\n", scope_titles[sc]);
		for (size_t i = 0; i < s->n; i++) {
			const char *why;
			int in = gpai_scope_counts((enum gpai_scope)sc, s->v[i].kind,
						   s->v[i].public_, &why);

			printf("  %s stages[%zu] %s: %s\n", in ? "counted " : "excluded",
			       i, s->v[i].name, why);
		}
		gpai_stages_total(s, (enum gpai_scope)sc, &t);
		print_est("  total: ", &t);
	}
	printf("units: FLOP; one multiply-add = 2 FLOP; every number format counts the same\n");
}

struct cJSON *comp_stages_json(const struct gpai_stages *s)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "stages");
	cJSON *tot = cJSON_AddObjectToObject(o, "totals");
	struct gpai_estimate t;

	for (size_t i = 0; i < s->n; i++) {
		const struct gpai_stage *st = &s->v[i];
		cJSON *x = cJSON_CreateObject(), *cnt;

		cJSON_AddStringToObject(x, "name", st->name);
		cJSON_AddStringToObject(x, "kind", gpai_stage_kind_name(st->kind));
		cJSON_AddBoolToObject(x, "public", st->public_);
		cJSON_AddStringToObject(x, "method", st->method);
		cJSON_AddItemToObject(x, "estimate", comp_est_json(&st->est));
		if (st->has_ops)
			cJSON_AddItemToObject(x, "operations", comp_est_json(&st->ops_est));
		if (st->has_hw) {
			cJSON_AddItemToObject(x, "hardware", comp_est_json(&st->hw_est));
			cJSON_AddBoolToObject(x, "utilization_assumed",
					      st->hw_assumed_utilization);
		}
		cJSON_AddBoolToObject(x, "methods_disagree", st->disagree);
		cJSON_AddStringToObject(x, "source", st->source);
		cnt = cJSON_AddObjectToObject(x, "counted");
		for (int sc = 0; sc < GPAI_NSCOPES; sc++) {
			const char *why;
			int in = gpai_scope_counts((enum gpai_scope)sc, st->kind,
						   st->public_, &why);

			cJSON_AddBoolToObject(cnt, gpai_scope_name((enum gpai_scope)sc), in);
		}
		cJSON_AddItemToArray(arr, x);
	}
	for (int sc = 0; sc < GPAI_NSCOPES; sc++) {
		gpai_stages_total(s, (enum gpai_scope)sc, &t);
		cJSON_AddItemToObject(tot, gpai_scope_name((enum gpai_scope)sc),
				      comp_est_json(&t));
	}
	cJSON_AddStringToObject(o, "units", "FLOP (one multiply-add = 2 FLOP)");
	return o;
}
