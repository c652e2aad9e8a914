/*
 * stages.c - training stages from a JSON file (format: docs/flops.md), each
 * estimated by the methods its inputs allow, and what each rule counts.
 *
 * Scope (../shared/notes/compute.md section 1.3): the EU systemic-risk test
 * cumulates pre-training, fine-tuning, RL, non-public synthetic data
 * generation (all samples generated) and models used to initialise or merge
 * (AI Act Recital 111; Guidelines Annex A.1); the EU GPAI and modification
 * tests take the compute directly contributing to parameter updates; SB 53
 * counts the original run and later fine-tuning, RL and other material
 * modifications.  Evaluations, failed runs, teacher and reward models and
 * activation recomputation are never counted (Guidelines Annex A.1).
 *
 * Invariants: after gpai_stages_load every stage has a method and an
 * estimate with 0 < low <= flop <= high; an error leaves *s empty.
 */
#include "compute_estimator.h"
#include "estimator_private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#define STAGES_FILE_MAX (1u << 20)
#define STAGES_MAX 256

static const char *const kind_names[GPAI_NSTAGE_KINDS] = {
	"pretraining", "continued-pretraining", "sft", "rl", "synthetic-data",
	"init-model", "evaluation", "failed-run", "teacher", "reward-model",
	"recomputation",
};

const char *gpai_stage_kind_name(enum gpai_stage_kind k)
{
	return (unsigned)k < GPAI_NSTAGE_KINDS ? kind_names[k] : "?";
}

int gpai_stage_kind_parse(const char *s, enum gpai_stage_kind *out)
{
	for (int i = 0; i < GPAI_NSTAGE_KINDS; i++)
		if (s && strcmp(s, kind_names[i]) == 0) {
			*out = (enum gpai_stage_kind)i;
			return GPAI_OK;
		}
	return GPAI_EFORMAT;
}

static const char *const scope_names[GPAI_NSCOPES] = {
	"parameter-updates", "eu-cumulative", "us-state",
};

const char *gpai_scope_name(enum gpai_scope s)
{
	return (unsigned)s < GPAI_NSCOPES ? scope_names[s] : "?";
}

int gpai_scope_counts(enum gpai_scope s, enum gpai_stage_kind k, int public_,
		      const char **why)
{
	switch (k) {
	case GPAI_STAGE_PRETRAINING:
	case GPAI_STAGE_CONTINUED_PRETRAINING:
	case GPAI_STAGE_SFT:
	case GPAI_STAGE_RL:
		*why = "training that updates the parameters";
		return 1;
	case GPAI_STAGE_INIT_MODEL:
		*why = "the compute of a model used to initialise or merge is part "
		       "of this model's lifecycle";
		return 1;
	case GPAI_STAGE_SYNTHETIC_DATA:
		if (s == GPAI_SCOPE_UPDATES) {
			*why = "data generation does not update the parameters "
			       "(Guidelines Annex A.1)";
			return 0;
		}
		if (s == GPAI_SCOPE_US_STATE) {
			*why = "SB 53 counts the training run and its modifications; "
			       "data generation is not named";
			return 0;
		}
		if (public_) {
			*why = "synthetic data that is public is excluded (Guidelines Annex A.1)";
			return 0;
		}
		*why = "non-public synthetic data generation, all samples generated "
		       "(Recital 111; Guidelines Annex A.1)";
		return 1;
	case GPAI_STAGE_EVALUATION:
		*why = "evaluations and red-teaming are excluded (Guidelines Annex A.1)";
		return 0;
	case GPAI_STAGE_FAILED_RUN:
		*why = "failed runs and exploratory experiments are excluded (Guidelines Annex A.1)";
		return 0;
	case GPAI_STAGE_TEACHER:
		*why = "training a distillation teacher is excluded (Guidelines Annex A.1)";
		return 0;
	case GPAI_STAGE_REWARD_MODEL:
		*why = "training reward or value models is excluded (Guidelines Annex A.1)";
		return 0;
	case GPAI_STAGE_RECOMPUTATION:
		*why = "activation recomputation is hardware, not model, FLOP "
		       "(Guidelines Annex A.1)";
		return 0;
	default:
		*why = "unknown stage kind";
		return 0;
	}
}

void gpai_stages_init(struct gpai_stages *s)
{
	s->v = NULL;
	s->n = 0;
}

void gpai_stages_release(struct gpai_stages *s)
{
	free(s->v);
	gpai_stages_init(s);
}

/* The stage being read, for error messages. */
struct ctx {
	const char *what;
	size_t idx;
	const char *name;
	struct gpai_error *err;
};

static int fail(struct ctx *c, const char *fmt, const char *field, const char *extra)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, field, extra ? extra : "");
	return gpai_error_set(c->err, GPAI_EFORMAT, "'%s': stages[%zu]%s%s%s: %s",
			      c->what, c->idx, c->name ? " ('" : "",
			      c->name ? c->name : "", c->name ? "')" : "", msg);
}

/* A number member: absent (returns 0, *present = 0) or a positive finite
 * number below max. */
static int num(struct ctx *c, const cJSON *o, const char *field, double max,
	       double *out, int *present)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, field);
	char got[64];

	*present = 0;
	if (!v)
		return GPAI_OK;
	if (!cJSON_IsNumber(v))
		return fail(c, "field '%s' is not a number%s", field, NULL);
	snprintf(got, sizeof(got), " (got %g)", v->valuedouble);
	if (!isfinite(v->valuedouble) || !(v->valuedouble > 0))
		return fail(c, "field '%s' must be a positive number%s", field, got);
	if (v->valuedouble > max)
		return fail(c, "field '%s' is implausibly large%s", field, got);
	*out = v->valuedouble;
	*present = 1;
	return GPAI_OK;
}

static int read_period(struct ctx *c, const cJSON *p, size_t pi,
		       struct gpai_hw_period *out)
{
	char field[48];
	const char *chip = gpai_json_str(p, "accelerator");
	const char *prec = gpai_json_str(p, "precision");
	double v;
	int have, have_hours, rc;

	if (!cJSON_IsObject(p)) {
		snprintf(field, sizeof(field), "hardware[%zu]", pi);
		return fail(c, "field '%s' is not an object%s", field, NULL);
	}
	snprintf(field, sizeof(field), "hardware[%zu].accelerator", pi);
	if (!chip)
		return fail(c, "missing field '%s'%s", field, NULL);
	out->chip = gpai_accelerator_find(chip);
	if (!out->chip)
		return fail(c, "field '%s': unknown accelerator '%s' (see gpai flops --list-hardware)",
			    field, chip);
	snprintf(field, sizeof(field), "hardware[%zu].precision", pi);
	if (!prec)
		return fail(c, "missing field '%s' (the number format trained in)%s",
			    field, NULL);
	if (gpai_precision_parse(prec, &out->precision))
		return fail(c, "field '%s': unknown number format '%s' (fp32, tf32, bf16, fp16, fp8)",
			    field, prec);
	if (!(out->chip->peak[out->precision] > 0)) {
		char why[160];

		snprintf(why, sizeof(why), "%s has no dense %s peak in the table",
			 out->chip->id, gpai_precision_name(out->precision));
		return fail(c, "field '%s': %s", field, why);
	}
	snprintf(field, sizeof(field), "hardware[%zu].utilization", pi);
	{
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(p, "utilization");

		out->utilization = -1;
		if (u) {
			if (!cJSON_IsNumber(u) || !(u->valuedouble > 0) ||
			    u->valuedouble > 1)
				return fail(c, "field '%s' must be a number in (0, 1]%s",
					    field, NULL);
			out->utilization = u->valuedouble;
		}
	}
	snprintf(field, sizeof(field), "hardware[%zu].chip_hours", pi);
	if ((rc = num(c, p, "chip_hours", GPAI_EST_CHIP_HOURS_MAX, &v, &have)))
		return rc;
	if (have) {
		out->count = 1;
		out->seconds = v * GPAI_SECONDS_PER_HOUR;
		return GPAI_OK;
	}
	snprintf(field, sizeof(field), "hardware[%zu].count", pi);
	if ((rc = num(c, p, "count", GPAI_EST_CHIPS_MAX, &out->count, &have)))
		return rc;
	if (!have)
		return fail(c, "missing field '%s' (or give chip_hours)%s", field, NULL);
	snprintf(field, sizeof(field), "hardware[%zu].hours", pi);
	if ((rc = num(c, p, "hours", GPAI_EST_HOURS_MAX, &v, &have_hours)))
		return rc;
	if (!have_hours)
		return fail(c, "missing field '%s' (or give chip_hours)%s", field, NULL);
	out->seconds = v * GPAI_SECONDS_PER_HOUR;
	return GPAI_OK;
}

static int read_stage(struct ctx *c, const cJSON *o, struct gpai_stage *st)
{
	const char *kind, *name, *src;
	const cJSON *hw, *pub, *e;
	double epochs = 1;
	int have_params, have_tokens, have_epochs, rc;
	struct gpai_error sub;

	memset(st, 0, sizeof(*st));
	if (!cJSON_IsObject(o))
		return fail(c, "is not an object%s%s", "", NULL);
	name = gpai_json_str(o, "name");
	if (name) {
		gpai_strlcpy(st->name, name, sizeof(st->name));
		c->name = st->name;
	}
	kind = gpai_json_str(o, "kind");
	if (!kind)
		return fail(c, "missing field '%s'%s", "kind", NULL);
	if (gpai_stage_kind_parse(kind, &st->kind))
		return fail(c, "field '%s': unknown stage kind '%s'", "kind", kind);
	if (!name) {
		gpai_strlcpy(st->name, kind, sizeof(st->name));
		c->name = st->name;
	}
	src = gpai_json_str(o, "source");
	if (src)
		gpai_strlcpy(st->source, src, sizeof(st->source));
	pub = cJSON_GetObjectItemCaseSensitive(o, "public");
	if (pub && !cJSON_IsBool(pub))
		return fail(c, "field '%s' is not true or false%s", "public", NULL);
	st->public_ = pub && cJSON_IsTrue(pub);

	if ((rc = num(c, o, "flop", GPAI_EST_FLOP_MAX, &st->given_flop, &st->has_flop)) ||
	    (rc = num(c, o, "params", GPAI_EST_PARAMS_MAX, &st->ops.params, &have_params)) ||
	    (rc = num(c, o, "tokens", GPAI_EST_TOKENS_MAX, &st->ops.tokens, &have_tokens)) ||
	    (rc = num(c, o, "epochs", GPAI_EST_EPOCHS_MAX, &epochs, &have_epochs)))
		return rc;
	if (have_params != have_tokens)
		return fail(c, "insufficient information: need field '%s' for "
			    "operation counting%s", have_params ? "tokens" : "params", NULL);
	st->has_ops = have_params && have_tokens;
	st->ops.epochs = epochs;
	st->ops.forward_only = st->kind == GPAI_STAGE_SYNTHETIC_DATA;

	hw = cJSON_GetObjectItemCaseSensitive(o, "hardware");
	if (hw) {
		size_t pi = 0;

		if (!cJSON_IsArray(hw))
			return fail(c, "field '%s' is not a list of periods%s", "hardware", NULL);
		cJSON_ArrayForEach(e, hw) {
			if (pi >= GPAI_STAGE_MAX_PERIODS)
				return fail(c, "field '%s' has more than 16 periods%s",
					    "hardware", NULL);
			if ((rc = read_period(c, e, pi, &st->periods[pi])))
				return rc;
			pi++;
		}
		st->n_periods = pi;
		st->has_hw = pi > 0;
	}
	if (!st->has_flop && !st->has_ops && !st->has_hw)
		return fail(c, "insufficient information: need 'flop', or 'params' and "
			    "'tokens', or 'hardware'%s%s", "", NULL);

	gpai_error_init(&sub);
	if (st->has_ops &&
	    gpai_flops_operations(&st->ops, &st->ops_est, NULL, &sub))
		return fail(c, "%s%s", gpai_errmsg(&sub), NULL);
	if (st->has_hw &&
	    gpai_flops_hardware(st->periods, st->n_periods, &st->hw_est,
				&st->hw_assumed_utilization, &sub))
		return fail(c, "%s%s", gpai_errmsg(&sub), NULL);
	if (st->has_ops && st->has_hw) {
		st->disagree = gpai_estimate_combine(&st->ops_est, &st->hw_est, &st->est);
		st->method = "operations+hardware";
	} else if (st->has_ops) {
		st->est = st->ops_est;
		st->method = "operations";
	} else if (st->has_hw) {
		st->est = st->hw_est;
		st->method = "hardware";
	}
	if (st->has_flop) {
		/* A published figure wins; the estimates stay for comparison. */
		st->est.flop = st->given_flop;
		st->est.low = st->given_flop * (1 - GPAI_ACCURACY_BAND);
		st->est.high = st->given_flop * (1 + GPAI_ACCURACY_BAND);
		st->method = "reported";
	}
	return GPAI_OK;
}

int gpai_stages_from_json(const char *what, const cJSON *j,
			  struct gpai_stages *s, struct gpai_error *err)
{
	const cJSON *arr = j, *e;
	struct ctx c = { what, 0, NULL, err };
	size_t n;
	int rc;

	gpai_stages_init(s);
	if (cJSON_IsObject(j)) {
		arr = cJSON_GetObjectItemCaseSensitive(j, "stages");
		if (!arr)
			return gpai_error_set(err, GPAI_EFORMAT,
					      "'%s': missing field 'stages'", what);
	}
	if (!cJSON_IsArray(arr))
		return gpai_error_set(err, GPAI_EFORMAT,
				      "'%s': field 'stages' is not a list", what);
	n = (size_t)cJSON_GetArraySize(arr);
	if (n == 0)
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': no stages", what);
	if (n > STAGES_MAX)
		return gpai_error_set(err, GPAI_EFORMAT,
				      "'%s': more than %d stages", what, STAGES_MAX);
	s->v = calloc(n, sizeof(*s->v));
	if (!s->v)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	cJSON_ArrayForEach(e, arr) {
		c.idx = s->n;
		c.name = NULL;
		rc = read_stage(&c, e, &s->v[s->n]);
		if (rc) {
			gpai_stages_release(s);
			return rc;
		}
		s->n++;
	}
	return GPAI_OK;
}

int gpai_stages_load(const char *path, struct gpai_stages *s,
		     struct gpai_error *err)
{
	cJSON *j = NULL;
	int rc;

	gpai_stages_init(s);
	rc = gpai_json_load(path, STAGES_FILE_MAX, &j, err);
	if (rc)
		return rc;
	rc = gpai_stages_from_json(path, j, s, err);
	cJSON_Delete(j);
	return rc;
}

static void add(struct gpai_estimate *sum, const struct gpai_estimate *e)
{
	sum->flop += e->flop;
	sum->low += e->low;
	sum->high += e->high;
}

void gpai_stages_total(const struct gpai_stages *s, enum gpai_scope scope,
		       struct gpai_estimate *out)
{
	const char *why;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < s->n; i++)
		if (gpai_scope_counts(scope, s->v[i].kind, s->v[i].public_, &why))
			add(out, &s->v[i].est);
}

void gpai_stages_modification(const struct gpai_stages *s,
			      struct gpai_estimate *out)
{
	const char *why;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].kind != GPAI_STAGE_INIT_MODEL &&
		    gpai_scope_counts(GPAI_SCOPE_UPDATES, s->v[i].kind,
				      s->v[i].public_, &why))
			add(out, &s->v[i].est);
}

int gpai_stages_original(const struct gpai_stages *s, struct gpai_estimate *out)
{
	int any = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].kind == GPAI_STAGE_INIT_MODEL) {
			add(out, &s->v[i].est);
			any = 1;
		}
	return any;
}
