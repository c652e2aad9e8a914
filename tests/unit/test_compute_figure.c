/*
 * test_compute_figure.c - the choice of a version's compute figure
 * (gpai_figure_choose / gpai_figure_modification) against published
 * numbers: Meta's 3.8e25 FLOP for Llama 3.1 405B (arXiv:2407.21783, s1)
 * beats gpai's estimate; Epoch AI's DeepSeek-V3 3.4078e24 (upper 7.6e24)
 * plus DeepSeek-R1's 6.1e23 modification (Epoch, Erdil 2025); the EU 30 %
 * accuracy band (Guidelines Annex A.2) as default interval and flag.
 */
#include "common.h"
#include "compute_estimator.h"
#include "harness.h"

static struct gpai_estimate est(double flop)
{
	struct gpai_estimate e = { flop, flop * 0.7, flop * 1.3 };

	return e;
}

TEST(developer_figure_beats_own_estimate_and_flags_disagreement)
{
	struct gpai_figure_input in = { 0 };
	struct gpai_figure f;

	in.have_flop = 1;
	in.flop = 3.8e25;
	in.developer = 1;
	in.have_own = 1;
	in.own = est(5.5e25);   /* > 30 % above 3.8e25 */
	CHECK_INT(1, gpai_figure_choose(&in, &f));
	CHECK_INT(GPAI_FIGURE_REPORTED, f.kind);
	CHECK_NEAR(3.8e25, f.est.flop, 0);
	CHECK_NEAR(3.8e25 * 0.7, f.est.low, 1e12);
	CHECK_NEAR(3.8e25 * 1.3, f.est.high, 1e12);
	CHECK_INT(1, f.have_own);
	CHECK_INT(1, f.disagree);
	in.own = est(4.0e25);   /* within 30 % */
	gpai_figure_choose(&in, &f);
	CHECK_INT(0, f.disagree);
	CHECK_STR("reported", gpai_figure_kind_name(f.kind));
}

TEST(third_party_then_own_then_none)
{
	struct gpai_figure_input in = { 0 };
	struct gpai_figure f;

	in.have_flop = 1;
	in.flop = 3.4078e24;
	in.have_high = 1;
	in.high = 7.6e24;       /* published upper end only */
	CHECK_INT(1, gpai_figure_choose(&in, &f));
	CHECK_INT(GPAI_FIGURE_THIRD_PARTY, f.kind);
	CHECK_NEAR(3.4078e24 * 0.7, f.est.low, 1e12);
	CHECK_NEAR(7.6e24, f.est.high, 0);
	memset(&in, 0, sizeof(in));
	in.have_own = 1;
	in.own = est(6.3e24);
	CHECK_INT(1, gpai_figure_choose(&in, &f));
	CHECK_INT(GPAI_FIGURE_OWN, f.kind);
	CHECK_NEAR(6.3e24, f.est.flop, 0);
	memset(&in, 0, sizeof(in));
	CHECK_INT(0, gpai_figure_choose(&in, &f));
	CHECK_INT(GPAI_FIGURE_NONE, f.kind);
}

TEST(modification_is_base_plus_modification_and_feeds_the_one_third_rule)
{
	struct gpai_figure_input base_in = { 0 }, r1 = { 0 };
	struct gpai_figure base, f;
	struct gpai_classify_input ci;

	base_in.have_flop = 1;
	base_in.flop = 3.4078e24;
	gpai_figure_choose(&base_in, &base);
	r1.have_flop = 1;            /* Epoch's cumulative row: not added again */
	r1.flop = 4.02001e24;
	r1.have_modification = 1;
	r1.modification = 6.1e23;
	CHECK_INT(1, gpai_figure_modification(&base, &r1, &f));
	CHECK_INT(GPAI_FIGURE_CUMULATIVE, f.kind);
	CHECK_NEAR(3.4078e24 + 6.1e23, f.est.flop, 1e12);
	CHECK_STR("modification.flop", f.mod_from);
	memset(&ci, 0, sizeof(ci));
	gpai_classify_input_figure(&f, &ci);
	CHECK_INT(GPAI_ORIGINAL_KNOWN, ci.original);
	CHECK_NEAR(3.4078e24, ci.original_flop.flop, 0);
	CHECK_NEAR(6.1e23, ci.modification.flop, 0);
	CHECK_NEAR(3.4078e24 + 6.1e23, ci.scope_flop[GPAI_SCOPE_CUMULATIVE].flop, 1e12);
	/* Modification compute unknown: the version's published figure is the
	 * total and the one-third rule does not apply. */
	r1.have_modification = 0;
	CHECK_INT(1, gpai_figure_modification(&base, &r1, &f));
	CHECK_INT(GPAI_FIGURE_THIRD_PARTY, f.kind);
	CHECK_NEAR(4.02001e24, f.est.flop, 0);
	gpai_classify_input_figure(&f, &ci);
	CHECK_INT(GPAI_ORIGINAL_NONE, ci.original);
	/* Base unknown: the modification alone, judged on the 10^23/3 fallback. */
	r1.have_flop = 0;
	r1.have_modification = 1;
	CHECK_INT(1, gpai_figure_modification(NULL, &r1, &f));
	CHECK_NEAR(6.1e23, f.est.flop, 0);
	gpai_classify_input_figure(&f, &ci);
	CHECK_INT(GPAI_ORIGINAL_UNKNOWN_GPAI, ci.original);
	r1.have_modification = 0;
	CHECK_INT(0, gpai_figure_modification(NULL, &r1, &f));
}
