/*
 * figure.c - the one choice of a version's training-compute figure and its
 * hand-over to classification, shared by `gpai classify NAME@VER` and
 * `gpai report --catalogue` so both judge a version on the same number.
 *
 * Invariants: precedence is developer-published > third-party published >
 * gpai's own estimate; an interval is the published one where recorded,
 * else +/- GPAI_ACCURACY_BAND (EU Guidelines C(2025) 5045 Annex A.2); a
 * modification's figure is its base's figure plus the modification's
 * compute (EU cumulative compute includes the model it was built from,
 * ../shared/notes/compute.md section 1.3), and gpai's own estimate is
 * always kept as a cross-check.
 */
#include "compute_estimator.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *gpai_figure_kind_name(enum gpai_figure_kind k)
{
	switch (k) {
	case GPAI_FIGURE_REPORTED: return "reported";
	case GPAI_FIGURE_THIRD_PARTY: return "third-party";
	case GPAI_FIGURE_OWN: return "own-estimate";
	case GPAI_FIGURE_CUMULATIVE: return "cumulative";
	case GPAI_FIGURE_NONE: break;
	}
	return "none";
}

static void band(double flop, struct gpai_estimate *e)
{
	e->flop = flop;
	e->low = flop * (1 - GPAI_ACCURACY_BAND);
	e->high = flop * (1 + GPAI_ACCURACY_BAND);
}

/* 1 when a and b differ by more than the EU accuracy band. */
static int differ(double a, double b)
{
	return a > 0 && b > 0 && fmax(a, b) / fmin(a, b) - 1 > GPAI_ACCURACY_BAND;
}

static void cross_check(const struct gpai_figure_input *in, struct gpai_figure *out)
{
	out->have_own = in->have_own && in->own.flop > 0;
	if (out->have_own) {
		out->own = in->own;
		out->disagree = out->kind != GPAI_FIGURE_OWN &&
				differ(out->own.flop, out->est.flop);
	}
}

int gpai_figure_choose(const struct gpai_figure_input *in, struct gpai_figure *out)
{
	char a[32];

	memset(out, 0, sizeof(*out));
	if (in->have_flop && in->flop > 0) {
		band(in->flop, &out->est);
		if (in->have_low && in->low > 0 && in->low <= in->flop)
			out->est.low = in->low;
		if (in->have_high && in->high >= in->flop)
			out->est.high = in->high;
		out->kind = in->developer ? GPAI_FIGURE_REPORTED : GPAI_FIGURE_THIRD_PARTY;
		snprintf(out->why, sizeof(out->why), "%s FLOP, training.flop %s",
			 gpai_flop_2sf(in->flop, a),
			 in->developer ? "as published by the developer (preferred over any "
			 "estimate)" : "as estimated by a third party (no developer figure; "
			 "preferred over gpai's own estimate)");
	} else if (in->have_own && in->own.flop > 0) {
		out->est = in->own;
		out->kind = GPAI_FIGURE_OWN;
		snprintf(out->why, sizeof(out->why), "%s FLOP, gpai's own estimate (no "
			 "published training.flop)", gpai_flop_2sf(in->own.flop, a));
	} else {
		out->kind = GPAI_FIGURE_NONE;
		snprintf(out->why, sizeof(out->why), "insufficient information");
	}
	cross_check(in, out);
	return out->kind != GPAI_FIGURE_NONE;
}

int gpai_figure_modification(const struct gpai_figure *base,
			     const struct gpai_figure_input *self,
			     struct gpai_figure *out)
{
	struct gpai_figure published;
	struct gpai_figure_input pin = *self;
	char a[32], b[32], c[32];

	memset(out, 0, sizeof(*out));
	out->is_modification = 1;
	if (base && base->kind != GPAI_FIGURE_NONE) {
		out->have_base = 1;
		out->base_kind = base->kind;
		out->base = base->est;
	}
	if (self->have_modification && self->modification > 0) {
		out->have_mod = 1;
		band(self->modification, &out->mod);
		out->mod_from = "modification.flop";
	} else if (self->have_own && self->own.flop > 0) {
		out->have_mod = 1;
		out->mod = self->own;
		out->mod_from = "own estimate";
	}
	/* The version's own published training.flop, taken as its total. */
	pin.have_own = 0;
	gpai_figure_choose(&pin, &published);
	if (out->have_base && out->have_mod) {
		out->kind = GPAI_FIGURE_CUMULATIVE;
		out->est.flop = out->base.flop + out->mod.flop;
		out->est.low = out->base.low + out->mod.low;
		out->est.high = out->base.high + out->mod.high;
		snprintf(out->why, sizeof(out->why), "%s FLOP cumulative: the base's %s "
			 "(%s) + the modification's %s (%s)", gpai_flop_2sf(out->est.flop, a),
			 gpai_flop_2sf(out->base.flop, b), gpai_figure_kind_name(out->base_kind),
			 gpai_flop_2sf(out->mod.flop, c), out->mod_from);
	} else if (published.kind != GPAI_FIGURE_NONE) {
		out->kind = published.kind;
		out->est = published.est;
		snprintf(out->why, sizeof(out->why), "%s; taken as the total (the %s is "
			 "unknown)", published.why,
			 out->have_base ? "modification's compute" : "base's compute");
	} else if (out->have_mod) {
		out->kind = GPAI_FIGURE_CUMULATIVE;
		out->est = out->mod;
		snprintf(out->why, sizeof(out->why), "%s FLOP, the modification alone (%s): "
			 "the base's compute is unknown, so this is a lower bound",
			 gpai_flop_2sf(out->est.flop, a), out->mod_from);
	} else {
		out->kind = GPAI_FIGURE_NONE;
		snprintf(out->why, sizeof(out->why), "insufficient information: %s",
			 out->have_base ? "the modification's compute is unknown" :
			 "neither the base's nor the modification's compute is known");
	}
	if (self->have_own && self->own.flop > 0) {
		/* The cross-check: gpai's own estimate of the same total. */
		struct gpai_figure_input own = { 0 };

		own.have_own = 1;
		own.own = self->own;
		if (out->have_base) {
			own.own.flop += out->base.flop;
			own.own.low += out->base.low;
			own.own.high += out->base.high;
		}
		cross_check(&own, out);
	}
	return out->kind != GPAI_FIGURE_NONE;
}

void gpai_classify_input_figure(const struct gpai_figure *f,
				struct gpai_classify_input *in)
{
	for (int s = 0; s < GPAI_NSCOPES; s++)
		in->scope_flop[s] = f->est;
	memset(&in->modification, 0, sizeof(in->modification));
	memset(&in->original_flop, 0, sizeof(in->original_flop));
	in->original = GPAI_ORIGINAL_NONE;
	if (!f->is_modification || !f->have_mod)
		return;
	in->modification = f->mod;
	if (f->have_base) {
		in->original = GPAI_ORIGINAL_KNOWN;
		in->original_flop = f->base;
	} else {
		in->original = GPAI_ORIGINAL_UNKNOWN_GPAI;
	}
}
