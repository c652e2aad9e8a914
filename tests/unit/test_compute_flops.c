/*
 * test_compute_flops.c - the two FLOP methods against the EU Guidelines'
 * worked examples (C(2025) 5045 Annex A.3) and published figures, the
 * attention term, reporting, stages and bad input.
 */
#include "common.h"
#include "compute_estimator.h"
#include "harness.h"

#include <math.h>

static double ops(double n, double d, double epochs)
{
	struct gpai_ops_input in = { 0 };
	struct gpai_estimate e;

	in.params = n;
	in.tokens = d;
	in.epochs = epochs;
	if (gpai_flops_operations(&in, &e, NULL, NULL))
		return -1;
	return e.flop;
}

static double hw(const char *chip, double chip_hours, const char *prec, double u)
{
	struct gpai_hw_period p = { 0 };
	struct gpai_estimate e;
	int assumed;

	p.chip = gpai_accelerator_find(chip);
	if (!p.chip || gpai_precision_parse(prec, &p.precision))
		return -1;
	p.count = 1;
	p.seconds = chip_hours * 3600;
	p.utilization = u;
	if (gpai_flops_hardware(&p, 1, &e, &assumed, NULL))
		return -1;
	return e.flop;
}

#define REL(want, got, rel) CHECK_NEAR((want), (got), (rel) * (want))

TEST(eu_guidelines_worked_examples)
{
	/* Annex A.3, examples A, C-G: 6 P D, reported with 2 significant
	 * figures; G is 61B tokens x 164 epochs. */
	REL(7.5e22, ops(3.8e9, 3.3e12, 1), 0.01);
	REL(1.3e23, ops(0.6e9, 36e12, 1), 0.01);
	REL(1.663e23, ops(1.54e9, 18e12, 1), 0.001);
	REL(3.7e23, ops(1.7e9, 36e12, 1), 0.01);
	REL(1.8e23, ops(2.5e9, 12e12, 1), 0.001);
	REL(1.56e23, ops(2.6e9, 61e9, 164), 0.001);
	/* Example H: 370,000 H100-hours x 989 TFLOP/s x 50 % = 6.59e23. */
	REL(6.59e23, hw("H100-SXM", 370000, "bf16", 0.5), 0.001);
	/* Example B: 200,000 A100-hours at 50 %; the Guidelines round the A100
	 * to 300 TFLOP/s (1.08e23), Epoch's table has 312: 4 % apart. */
	REL(1.08e23, hw("A100", 200000, "bf16", 0.5), 0.05);
}

TEST(published_anchors)
{
	/* GPT-3: 6 x 175e9 x 300e9 = 3.15e23 (Epoch 3.14e23). */
	REL(3.14e23, ops(175e9, 300e9, 1), 0.01);
	/* Llama 3.1 405B: 6 x 405e9 x 15.6e12 = 3.79e25 (Epoch 3.8e25). */
	REL(3.8e25, ops(405e9, 15.6e12, 1), 0.01);
	/* ...and 30.84M H100-hours at the paper's 38-43 % MFU brackets it. */
	CHECK(hw("H100", 30.84e6, "bf16", 0.38) < 3.8e25 * 1.3);
	CHECK(hw("H100", 30.84e6, "bf16", 0.38) > 3.8e25 * 0.7);
	/* DeepSeek-V3: 6 x 37e9 x 14.8e12 = 3.29e24. */
	REL(3.29e24, ops(37e9, 14.8e12, 1), 0.01);
	/* Units: one multiply-add is 2 FLOP, so the forward pass is 2 N. */
	CHECK_NEAR(GPAI_FLOP_PER_PARAM_TOKEN_FORWARD * 3, 3 * 2.0, 0);
}

TEST(attention_term_follows_palm)
{
	struct gpai_ops_input in = { 0 };
	struct gpai_estimate base, det;
	struct gpai_error err;

	gpai_error_init(&err);
	/* GPT-3 175B: L = 96, H x Q = 12288, T = 2048: PaLM's 12 L H Q T per
	 * token on top of 6 N. */
	in.params = 175e9;
	in.tokens = 300e9;
	in.epochs = 1;
	in.n_layers = 96;
	in.context = 2048;
	in.attn_qk_width = 12288;
	in.attn_v_width = 12288;
	CHECK_OK(gpai_flops_operations(&in, &base, &det, &err), &err);
	CHECK_NEAR(12.0 * 96 * 12288 * 2048 * 300e9, det.flop - base.flop, 1e15);
	/* attention/linear = s/(6h) = 2.8 % for GPT-3 (notes section 1.1) */
	CHECK_NEAR(2048.0 / (6 * 12288), det.flop / base.flop - 1, 0.002);
	in.context = 0;
	CHECK_ERR(GPAI_EMISUSE, gpai_flops_operations(&in, &base, &det, &err), &err,
		  "attention term needs layers, context");
}

TEST(interval_and_assumed_utilization)
{
	struct gpai_hw_period p = { 0 };
	struct gpai_estimate e;
	struct gpai_error err;
	int assumed;

	gpai_error_init(&err);
	p.chip = gpai_accelerator_find("H100");
	p.precision = GPAI_PREC_BF16;
	p.count = 1000;
	p.seconds = 3600;
	p.utilization = -1;
	CHECK_OK(gpai_flops_hardware(&p, 1, &e, &assumed, &err), &err);
	CHECK_INT(1, assumed);
	REL(1000 * 3600 * 989.4e12 * GPAI_UTILIZATION_DEFAULT, e.flop, 1e-12);
	REL(1000 * 3600 * 989.4e12 * GPAI_UTILIZATION_LOW, e.low, 1e-12);
	REL(1000 * 3600 * 989.4e12 * GPAI_UTILIZATION_HIGH, e.high, 1e-12);
	p.utilization = 0.5;
	CHECK_OK(gpai_flops_hardware(&p, 1, &e, &assumed, &err), &err);
	CHECK_INT(0, assumed);
	REL(e.flop * 0.7, e.low, 1e-12);
	REL(e.flop * 1.3, e.high, 1e-12);
}

TEST(combine_flags_disagreement)
{
	struct gpai_estimate a = { 6.6e22, 0, 0 }, b = { 6.59e23, 0, 0 }, c;

	/* Llama 3.2 1B: 6ND vs EU example H on the same 370k H100-hours. */
	a.low = a.flop * 0.7, a.high = a.flop * 1.3;
	b.low = b.flop * 0.7, b.high = b.flop * 1.3;
	CHECK_INT(1, gpai_estimate_combine(&a, &b, &c));
	REL(sqrt(6.6e22 * 6.59e23), c.flop, 1e-12);
	CHECK_NEAR(a.low, c.low, 0);
	CHECK_NEAR(b.high, c.high, 0);
	b.flop = a.flop * 1.29;
	CHECK_INT(0, gpai_estimate_combine(&a, &b, &c));
}

TEST(two_significant_figures)
{
	char buf[32];

	CHECK_STR("3.8e25", gpai_flop_2sf(3.79e25, buf));
	CHECK_STR("2.3e25", gpai_flop_2sf(2.34e25, buf));
	CHECK_STR("1.0e23", gpai_flop_2sf(9.96e22, buf));
	CHECK_STR("6.6e23", gpai_flop_2sf(6.59e23, buf));
}

TEST(bad_numbers_are_refused)
{
	struct gpai_ops_input in = { 0 };
	struct gpai_hw_period p = { 0 };
	struct gpai_estimate e;
	struct gpai_error err;
	int assumed;

	gpai_error_init(&err);
	in.params = 8e9, in.tokens = -1, in.epochs = 1;
	CHECK_ERR(GPAI_EMISUSE, gpai_flops_operations(&in, &e, NULL, &err), &err,
		  "tokens must be a positive number (got -1)");
	in.tokens = 0;
	CHECK_ERR(GPAI_EMISUSE, gpai_flops_operations(&in, &e, NULL, &err), &err,
		  "tokens must be a positive number");
	in.tokens = NAN;
	CHECK_ERR(GPAI_EMISUSE, gpai_flops_operations(&in, &e, NULL, &err), &err,
		  "tokens must be a positive number");
	in.tokens = 1e12, in.params = 1e20;
	CHECK_ERR(GPAI_EMISUSE, gpai_flops_operations(&in, &e, NULL, &err), &err,
		  "params is 1e+20, above the plausible maximum");
	p.chip = gpai_accelerator_find("A100");
	p.precision = GPAI_PREC_FP8;
	p.count = 8, p.seconds = 3600, p.utilization = 0.4;
	CHECK_ERR(GPAI_ENOTFOUND, gpai_flops_hardware(&p, 1, &e, &assumed, &err), &err,
		  "period 1: accelerator 'A100-SXM4-80GB' has no dense fp8 peak");
	p.precision = GPAI_PREC_BF16;
	p.utilization = 1.5;
	CHECK_ERR(GPAI_EMISUSE, gpai_flops_hardware(&p, 1, &e, &assumed, &err), &err,
		  "utilization must be in (0, 1]");
	p.utilization = 0.4, p.count = -8;
	CHECK_ERR(GPAI_EMISUSE, gpai_flops_hardware(&p, 1, &e, &assumed, &err), &err,
		  "period 1: count must be a positive number");
}

static const char stages_json[] =
	"{\"stages\": [\n"
	" {\"name\": \"base\", \"kind\": \"pretraining\", \"params\": 8e9,"
	"  \"tokens\": 15e12, \"source\": \"x\"},\n"
	" {\"name\": \"sft\", \"kind\": \"sft\", \"hardware\": [{\"accelerator\":"
	"  \"H100\", \"count\": 64, \"hours\": 10, \"precision\": \"bf16\","
	"  \"utilization\": 0.4}]},\n"
	" {\"name\": \"synth\", \"kind\": \"synthetic-data\", \"params\": 70e9,"
	"  \"tokens\": 1e12},\n"
	" {\"name\": \"pubsynth\", \"kind\": \"synthetic-data\", \"public\": true,"
	"  \"flop\": 1e22},\n"
	" {\"name\": \"evals\", \"kind\": \"evaluation\", \"flop\": 5e22},\n"
	" {\"name\": \"rm\", \"kind\": \"reward-model\", \"flop\": 3e22}\n"
	"]}\n";

TEST(stages_cumulate_per_scope)
{
	struct gpai_stages s;
	struct gpai_estimate t;
	struct gpai_error err;
	double pre = 6 * 8e9 * 15e12, sft = 64 * 10 * 3600 * 989.4e12 * 0.4;
	double synth = 2 * 70e9 * 1e12; /* generation: forward pass only */

	gpai_error_init(&err);
	CHECK(t_write("s.json", stages_json, sizeof(stages_json) - 1) == 0);
	CHECK_OK(gpai_stages_load("s.json", &s, &err), &err);
	CHECK_INT(6, s.n);
	CHECK_STR("operations", s.v[0].method);
	CHECK_STR("hardware", s.v[1].method);
	gpai_stages_total(&s, GPAI_SCOPE_CUMULATIVE, &t);
	REL(pre + sft + synth, t.flop, 1e-12);
	gpai_stages_total(&s, GPAI_SCOPE_UPDATES, &t);
	REL(pre + sft, t.flop, 1e-12);
	gpai_stages_total(&s, GPAI_SCOPE_US_STATE, &t);
	REL(pre + sft, t.flop, 1e-12);
	gpai_stages_release(&s);
}

static void expect_stage_error(const char *json, const char *needle)
{
	struct gpai_stages s;
	struct gpai_error err;

	gpai_error_init(&err);
	if (t_write("bad.json", json, strlen(json)) != 0) {
		t_fail(__FILE__, __LINE__, "cannot write");
		return;
	}
	if (gpai_stages_load("bad.json", &s, &err) == GPAI_OK ||
	    !strstr(gpai_errmsg(&err), needle))
		t_fail(__FILE__, __LINE__, "want error with \"%s\", got \"%s\"", needle,
		       gpai_errmsg(&err));
}

TEST(malformed_stages_name_file_stage_and_field)
{
	expect_stage_error("{\"stages\": [{\"kind\": \"sft\", \"params\": 1e9,"
			   " \"tokens\": -5}]}",
			   "'bad.json': stages[0] ('sft'): field 'tokens' must be a positive number (got -5)");
	expect_stage_error("{\"stages\": [{\"kind\": \"sft\", \"flop\": 1e20},"
			   " {\"name\": \"rl\", \"kind\": \"rl\", \"hardware\": ["
			   "{\"accelerator\": \"H100\", \"count\": 8, \"hours\": 1}]}]}",
			   "'bad.json': stages[1] ('rl'): missing field 'hardware[0].precision'");
	expect_stage_error("{\"stages\": [{\"kind\": \"sft\", \"hardware\": ["
			   "{\"accelerator\": \"TPU9\", \"count\": 8, \"hours\": 1,"
			   " \"precision\": \"bf16\"}]}]}",
			   "unknown accelerator 'TPU9'");
	expect_stage_error("{\"stages\": [{\"kind\": \"sft\", \"hardware\": ["
			   "{\"accelerator\": \"V100\", \"count\": 8, \"hours\": 1,"
			   " \"precision\": \"bf16\"}]}]}",
			   "field 'hardware[0].precision': V100-SXM2 has no dense bf16 peak");
	expect_stage_error("{\"stages\": [{\"kind\": \"pretraining\", \"params\": 7e9}]}",
			   "insufficient information: need field 'tokens'");
	expect_stage_error("{\"stages\": [{\"kind\": \"pretraining\"}]}",
			   "insufficient information: need 'flop'");
	expect_stage_error("{\"stages\": [{\"kind\": \"distillation\", \"flop\": 1}]}",
			   "stages[0]: field 'kind': unknown stage kind 'distillation'");
	expect_stage_error("{\"stages\": [{\"flop\": 1}]}", "stages[0]: missing field 'kind'");
	expect_stage_error("{\"stages\": []}", "'bad.json': no stages");
	expect_stage_error("{\"stage\": []}", "'bad.json': missing field 'stages'");
	expect_stage_error("{\"stages\": [{\"kind\": \"sft\", \"flop\": \"1e20\"}]}",
			   "field 'flop' is not a number");
	expect_stage_error("{\"stages\": [", "'bad.json' is not valid JSON");
}
