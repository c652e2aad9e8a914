/*
 * flops.c - the two estimators (operation counting, hardware), their
 * combination, reporting with two significant figures, and training stages
 * read from a JSON file with what each rule counts.
 *
 * Formulas and sources (docs/compute.md):
 *   operations  C = 6 N D              Kaplan et al. 2020 (arXiv:2001.08361
 *               (2 N D forward only)   s2.1); EU Guidelines Annex A.2.2
 *   attention   + 6 L T (w_qk + w_v) D PaLM (arXiv:2204.02311 App. B: 12 L H Q T
 *                                      per token when w_qk = w_v = H Q)
 *   hardware    C = sum chips x seconds x dense peak(format) x utilization
 *                                      EU Guidelines Annex A.2.1; Epoch 2022
 * Invariants: every estimate has 0 < low <= flop <= high; inputs are checked
 * (positive, finite, below named limits) before any arithmetic.
 */
#include "compute_estimator.h"
#include "estimator_private.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

static int check_pos(double v, double max, const char *what,
		     struct gpai_error *err)
{
	if (isnan(v) || !(v > 0))
		return gpai_error_set(err, GPAI_EMISUSE,
				      "%s must be a positive number (got %g)", what, v);
	if (!(v <= max))
		return gpai_error_set(err, GPAI_EMISUSE,
				      "%s is %g, above the plausible maximum %g", what,
				      v, max);
	return GPAI_OK;
}

static void band(struct gpai_estimate *e, double flop, double rel)
{
	e->flop = flop;
	e->low = flop * (1 - rel);
	e->high = flop * (1 + rel);
}

int gpai_flops_operations(const struct gpai_ops_input *in,
			  struct gpai_estimate *base,
			  struct gpai_estimate *detailed,
			  struct gpai_error *err)
{
	double per_token = in->forward_only ? GPAI_FLOP_PER_PARAM_TOKEN_FORWARD :
					      GPAI_FLOP_PER_PARAM_TOKEN_TRAIN;
	double d, c;
	int rc;

	if ((rc = check_pos(in->params, GPAI_EST_PARAMS_MAX, "params", err)) ||
	    (rc = check_pos(in->tokens, GPAI_EST_TOKENS_MAX, "tokens", err)) ||
	    (rc = check_pos(in->epochs, GPAI_EST_EPOCHS_MAX, "epochs", err)))
		return rc;
	d = in->tokens * in->epochs;
	if ((rc = check_pos(d, GPAI_EST_TOKENS_MAX, "tokens x epochs", err)))
		return rc;
	c = per_token * in->params * d;
	band(base, c, GPAI_ACCURACY_BAND);
	if (!detailed)
		return GPAI_OK;
	if (in->n_layers <= 0 || in->context <= 0 ||
	    in->attn_qk_width + in->attn_v_width <= 0)
		return gpai_error_set(err, GPAI_EMISUSE,
				      "the attention term needs layers, context and "
				      "attention width (got %lld, %lld, %lld)",
				      (long long)in->n_layers, (long long)in->context,
				      (long long)(in->attn_qk_width + in->attn_v_width));
	if (in->context > GPAI_EST_CONTEXT_MAX)
		return gpai_error_set(err, GPAI_EMISUSE,
				      "context %lld is above the plausible maximum %g",
				      (long long)in->context, GPAI_EST_CONTEXT_MAX);
	/* Per token the forward pass does 2 T w FLOP for Q K^T and for A V in
	 * each layer; training is 3x the forward pass (forward only: 1x). */
	c += (per_token / 2.0) * 2.0 * (double)in->n_layers * (double)in->context *
	     (double)(in->attn_qk_width + in->attn_v_width) * d;
	band(detailed, c, GPAI_ACCURACY_BAND);
	return GPAI_OK;
}

int gpai_flops_hardware(const struct gpai_hw_period *periods, size_t n,
			struct gpai_estimate *out, int *assumed,
			struct gpai_error *err)
{
	double sum = 0, lo = 0, hi = 0;
	int rc;

	*assumed = 0;
	if (!n)
		return gpai_error_set(err, GPAI_EMISUSE, "no hardware period given");
	for (size_t i = 0; i < n; i++) {
		const struct gpai_hw_period *p = &periods[i];
		double peak, u = p->utilization, base;

		if (!p->chip)
			return gpai_error_set(err, GPAI_EMISUSE,
					      "period %zu: no accelerator", i + 1);
		if ((rc = gpai_accelerator_peak(p->chip, p->precision, &peak, err)))
			return gpai_error_prefix(err, "period %zu", i + 1);
		/* seconds is checked through chip-hours: a period given as
		 * chip-hours is one "chip" for all of them. */
		if ((rc = check_pos(p->count, GPAI_EST_CHIPS_MAX, "count", err)) ||
		    (rc = check_pos(p->seconds, GPAI_EST_CHIP_HOURS_MAX * GPAI_SECONDS_PER_HOUR,
				    "seconds", err)) ||
		    (rc = check_pos(p->count * p->seconds / GPAI_SECONDS_PER_HOUR,
				    GPAI_EST_CHIP_HOURS_MAX, "chip-hours", err)))
			return gpai_error_prefix(err, "period %zu", i + 1);
		base = p->count * p->seconds * peak;
		if (u < 0) {
			*assumed = 1;
			sum += base * GPAI_UTILIZATION_DEFAULT;
			lo += base * GPAI_UTILIZATION_LOW;
			hi += base * GPAI_UTILIZATION_HIGH;
			continue;
		}
		if (isnan(u) || !(u > 0) || u > 1)
			return gpai_error_set(err, GPAI_EMISUSE,
					      "period %zu: utilization must be in (0, 1] (got %g)",
					      i + 1, u);
		sum += base * u;
		lo += base * u * (1 - GPAI_ACCURACY_BAND);
		hi += base * u * (1 + GPAI_ACCURACY_BAND);
	}
	out->flop = sum;
	out->low = lo;
	out->high = hi;
	return GPAI_OK;
}

int gpai_estimate_combine(const struct gpai_estimate *a,
			  const struct gpai_estimate *b,
			  struct gpai_estimate *out)
{
	double mx = fmax(a->flop, b->flop), mn = fmin(a->flop, b->flop);

	out->flop = sqrt(a->flop * b->flop);
	out->low = fmin(a->low, b->low);
	out->high = fmax(a->high, b->high);
	return mx / mn - 1 > GPAI_ACCURACY_BAND;
}

const char *gpai_flop_2sf(double flop, char out[32])
{
	char tmp[32], *e;
	int exp10;

	if (!(flop > 0) || !isfinite(flop)) {
		snprintf(out, 32, "%g", flop);
		return out;
	}
	snprintf(tmp, sizeof(tmp), "%.1e", flop);
	e = strchr(tmp, 'e');
	exp10 = (int)strtol(e + 1, NULL, 10);
	*e = '\0';
	snprintf(out, 32, "%se%d", tmp, exp10);
	return out;
}
