/*
 * cmd_flops.c - `gpai flops`: training compute by operation counting
 * (6 N D, optionally with the attention term) and from hardware, or the
 * cumulative total of a stages file; and the accelerator table.
 */
#include "computil.h"
#include "regutil.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

static const char usage[] =
	"gpai flops [NAME@VER] [--config FILE | --model PATH | --params N [--active-params N]]\n"
	"           [--tokens D [--epochs E]] [--detailed [--context T]]\n"
	"           [--hardware CHIP (--count N --hours H | --chip-hours X)\n"
	"            --precision fp32|tf32|bf16|fp16|fp8 [--utilization U]]\n"
	"       gpai flops --stages FILE\n"
	"       gpai flops --list-hardware\n"
	"\n"
	"Estimates training compute in FLOP (one multiply-add = 2 FLOP).\n"
	"  --config FILE        count parameters (total, active, breakdown) from an\n"
	"                       HF config.json\n"
	"  --model PATH         count from a model directory or file (config.json and\n"
	"                       tensor headers: GGUF, safetensors, llama2.c)\n"
	"  --params N           total parameters; --active-params N for MoE models\n"
	"  --tokens D           tokens seen per epoch; --epochs E multiplies (default 1)\n"
	"  --detailed           add the attention term (needs --config and --context)\n"
	"  --hardware CHIP      accelerator (see --list-hardware) with --count and\n"
	"                       --hours, or --chip-hours; --precision is the number\n"
	"                       format trained in; --utilization U in (0, 1] (default:\n"
	"                       0.38, range 0.30-0.50, printed as an assumption)\n"
	"  --stages FILE        cumulate the stages of a JSON file (docs/flops.md)\n"
	"  NAME@VER             take the inputs from the version's recorded facts\n"
	"Both methods are shown when their inputs are given, with a warning when\n"
	"they differ by more than 30 %.  Details: docs/flops.md.\n";

static int list_hardware(const struct cli *cli)
{
	size_t n = gpai_accelerator_count();

	if (cli->json) {
		cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "accelerators");

		cJSON_AddStringToObject(o, "source", gpai_accelerator_source);
		for (size_t i = 0; i < n; i++) {
			const struct gpai_accelerator *a = gpai_accelerator_at(i);
			cJSON *x = cJSON_CreateObject(), *pk = NULL, *src = NULL;

			cJSON_AddStringToObject(x, "id", a->id);
			cJSON_AddStringToObject(x, "aliases", a->aliases);
			cJSON_AddStringToObject(x, "epoch_name", a->epoch_name);
			pk = cJSON_AddObjectToObject(x, "dense_peak_flop_per_s");
			src = cJSON_AddObjectToObject(x, "column");
			for (int p = 0; p < GPAI_NPREC; p++) {
				if (!(a->peak[p] > 0))
					continue;
				cJSON_AddNumberToObject(pk, gpai_precision_name(p), a->peak[p]);
				cJSON_AddStringToObject(src, gpai_precision_name(p), a->column[p]);
			}
			cJSON_AddStringToObject(x, "note", a->note);
			cJSON_AddItemToArray(arr, x);
		}
		return cli_print_json(o);
	}
	if (!cli->quiet)
		printf("%-16s %9s %9s %9s %9s %9s  (dense TFLOP/s)\n", "ACCELERATOR", "FP32",
		       "TF32", "BF16", "FP16", "FP8");
	for (size_t i = 0; i < n; i++) {
		const struct gpai_accelerator *a = gpai_accelerator_at(i);

		if (cli->quiet) {
			printf("%s\n", a->id);
			continue;
		}
		printf("%-16s", a->id);
		for (int p = 0; p < GPAI_NPREC; p++) {
			if (a->peak[p] > 0)
				printf(" %9.6g", a->peak[p] / GPAI_FLOP_PER_TFLOP);
			else
				printf(" %9s", "-");
		}
		printf("  %s\n", a->epoch_name);
	}
	if (!cli->quiet)
		printf("source: %s\n'-': no figure in the table; asking for it is an error\n",
		       gpai_accelerator_source);
	return CLI_OK;
}

static int run_stages(const struct cli *cli, const char *path)
{
	struct gpai_stages s;
	struct gpai_error err;

	gpai_error_init(&err);
	if (gpai_stages_load(path, &s, &err))
		return cli_fail(&err, "cannot read the stages");
	if (cli->json) {
		cJSON *j = comp_stages_json(&s);

		gpai_stages_release(&s);
		return cli_print_json(j);
	}
	comp_stages_print(&s, cli->quiet);
	gpai_stages_release(&s);
	return CLI_OK;
}

/* `gpai flops NAME@VER`: the stages fact if recorded, and the estimate
 * from the other facts. */
static int run_version(const struct cli *cli, const char *ref)
{
	struct gpai_registry *reg;
	struct comp_version cv;
	int rc;

	if (regutil_open(cli, &reg))
		return CLI_FAIL;
	rc = comp_version_load(reg, ref, &cv);
	gpai_registry_close(reg);
	if (rc)
		return rc;
	if (cli->json) {
		cJSON *o = comp_estimate_json(&cv.e);

		cJSON_AddStringToObject(o, "version", cv.ref);
		if (cv.have_stages)
			cJSON_AddItemToObject(o, "stages", comp_stages_json(&cv.stages));
		rc = cli_print_json(o);
	} else if (cv.have_stages) {
		if (!cli->quiet)
			printf("%s: stages from fact training.stages\n", cv.ref);
		comp_stages_print(&cv.stages, cli->quiet);
	} else {
		if (!cli->quiet)
			printf("%s:\n", cv.ref);
		comp_estimate_print(&cv.e, cli->quiet);
	}
	if (rc == CLI_OK && !cv.have_stages && !cv.e.method)
		rc = cli_failf("%s", cv.e.missing);
	comp_version_release(&cv);
	return rc;
}

/* Parsed options. */
struct opts {
	const char *config, *model, *params, *active, *tokens, *epochs, *context;
	const char *hardware, *count, *hours, *chip_hours, *precision, *util;
	const char *stages, *ref;
	int detailed, list;
};

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct regutil_optspec spec[] = {
		{ "--config", offsetof(struct opts, config), 0 },
		{ "--model", offsetof(struct opts, model), 0 },
		{ "--params", offsetof(struct opts, params), 0 },
		{ "--active-params", offsetof(struct opts, active), 0 },
		{ "--tokens", offsetof(struct opts, tokens), 0 },
		{ "--epochs", offsetof(struct opts, epochs), 0 },
		{ "--context", offsetof(struct opts, context), 0 },
		{ "--hardware", offsetof(struct opts, hardware), 0 },
		{ "--count", offsetof(struct opts, count), 0 },
		{ "--hours", offsetof(struct opts, hours), 0 },
		{ "--chip-hours", offsetof(struct opts, chip_hours), 0 },
		{ "--precision", offsetof(struct opts, precision), 0 },
		{ "--utilization", offsetof(struct opts, util), 0 },
		{ "--stages", offsetof(struct opts, stages), 0 },
		{ "--detailed", offsetof(struct opts, detailed), 1 },
		{ "--list-hardware", offsetof(struct opts, list), 1 },
	};

	memset(o, 0, sizeof(*o));
	return regutil_parse("flops", argc, argv, o, spec, sizeof(spec) / sizeof(spec[0]),
			     &o->ref);
}

/* Fills e from the flags. */
static int from_flags(const struct opts *o, struct comp_estimate *e)
{
	struct gpai_error err;
	double v;
	int rc;

	gpai_error_init(&err);
	if (o->config) {
		rc = gpai_params_from_config(o->config, &e->pc, &err);
		if (rc)
			return cli_fail(&err, "cannot count the parameters");
		e->have_params = 2;
		e->params = (double)e->pc.total;
		e->active = (double)e->pc.active;
		snprintf(e->params_source, sizeof(e->params_source), "config '%s'", o->config);
		if (e->pc.context)
			e->ops.context = e->pc.context;
	}
	if (o->model) {
		struct gpai_model_count mc;

		rc = gpai_params_from_model(o->model, &mc, &err);
		if (rc)
			return cli_fail(&err, "cannot count the parameters");
		if (mc.have_config) {
			e->pc = mc.pc;
			e->have_params = 2;
			if (e->pc.context)
				e->ops.context = e->pc.context;
		} else {
			e->have_params = 1;
		}
		e->params = (double)mc.total;
		e->active = (double)mc.active;
		snprintf(e->params_source, sizeof(e->params_source), "model '%s' (%s count)",
			 o->model, mc.basis);
		gpai_strlcpy(e->params_note, mc.note, sizeof(e->params_note));
		if (!mc.active && !o->active)
			return cli_failf("insufficient information: need --active-params "
					 "('%s' is a mixture of experts without a config.json)",
					 o->model);
		if (!mc.active)
			e->active = e->params;
	}
	if (o->params) {
		if (comp_posnum("--params", o->params, &e->params))
			return CLI_FAIL;
		e->active = e->params;
		if (!e->have_params)
			e->have_params = 1;
		gpai_strlcpy(e->params_source, "--params", sizeof(e->params_source));
	}
	if (o->active) {
		if (!o->params && !o->config && !o->model)
			return cli_usage("flops", "--active-params needs --params or --model");
		if (comp_posnum("--active-params", o->active, &e->active))
			return CLI_FAIL;
		if (e->active > e->params)
			return cli_failf("--active-params: %s is more than the %s total parameters",
					 o->active, o->params ? o->params : "counted");
		if (o->params)
			gpai_strlcpy(e->params_source, "--params, --active-params",
				     sizeof(e->params_source));
	}
	if (e->have_params)
		comp_add_input(e, "N_active", e->params_source, "%.6g", e->active);
	if (o->tokens) {
		if (comp_posnum("--tokens", o->tokens, &e->ops.tokens))
			return CLI_FAIL;
		comp_add_input(e, "tokens", "--tokens", "%s", o->tokens);
	}
	if (o->epochs) {
		if (!o->tokens)
			return cli_usage("flops", "--epochs needs --tokens");
		if (comp_posnum("--epochs", o->epochs, &e->ops.epochs))
			return CLI_FAIL;
		comp_add_input(e, "epochs", "--epochs", "%s", o->epochs);
	}
	if (o->context) {
		if (comp_posnum("--context", o->context, &v))
			return CLI_FAIL;
		if (v != floor(v) || v > GPAI_CONTEXT_PLAUSIBLE_MAX)
			return cli_failf("--context: '%s' is not a whole number of tokens", o->context);
		e->ops.context = (int64_t)v;
		comp_add_input(e, "context", "--context", "%s", o->context);
	} else if (o->detailed && e->ops.context) {
		comp_add_input(e, "context", "config max_position_embeddings (give "
			       "--context for the training length)", "%lld",
			       (long long)e->ops.context);
	}
	if (!o->hardware) {
		if (o->count || o->hours || o->chip_hours || o->precision || o->util)
			return cli_usage("flops", "--count, --hours, --chip-hours, --precision "
					 "and --utilization need --hardware");
		return CLI_OK;
	}
	e->period.chip = gpai_accelerator_find(o->hardware);
	if (!e->period.chip)
		return cli_failf("--hardware: unknown accelerator '%s' (see gpai flops "
				 "--list-hardware)", o->hardware);
	if (!o->precision)
		return cli_failf("insufficient information: need --precision (the number "
				 "format trained in: fp32, tf32, bf16, fp16 or fp8)");
	if (gpai_precision_parse(o->precision, &e->period.precision))
		return cli_failf("--precision: unknown number format '%s' (fp32, tf32, "
				 "bf16, fp16, fp8)", o->precision);
	if (gpai_accelerator_peak(e->period.chip, e->period.precision, &v, &err))
		return cli_fail(&err, "--precision");
	if (o->chip_hours) {
		if (o->count || o->hours)
			return cli_usage("flops", "give --chip-hours or --count and --hours, "
					 "not both");
		if (comp_posnum("--chip-hours", o->chip_hours, &v))
			return CLI_FAIL;
		e->period.count = 1;
		e->period.seconds = v * GPAI_SECONDS_PER_HOUR;
		comp_add_input(e, "chip-hours", "--chip-hours", "%s", o->chip_hours);
	} else {
		if (!o->count || !o->hours)
			return cli_failf("insufficient information: need --count and --hours "
					 "(or --chip-hours) with --hardware");
		if (comp_posnum("--count", o->count, &e->period.count) ||
		    comp_posnum("--hours", o->hours, &v))
			return CLI_FAIL;
		e->period.seconds = v * GPAI_SECONDS_PER_HOUR;
		comp_add_input(e, "count", "--count", "%s", o->count);
		comp_add_input(e, "hours", "--hours", "%s", o->hours);
	}
	comp_add_input(e, "accelerator", gpai_accelerator_source, "%s", e->period.chip->id);
	comp_add_input(e, "precision", "--precision", "%s",
		       gpai_precision_name(e->period.precision));
	if (o->util) {
		if (comp_posnum("--utilization", o->util, &e->period.utilization))
			return CLI_FAIL;
		if (e->period.utilization > 1)
			return cli_failf("--utilization: must be in (0, 1] (got '%s')", o->util);
		comp_add_input(e, "utilization", "--utilization", "%s", o->util);
	} else {
		comp_add_input(e, "utilization", "assumed: median reported MFU, Epoch AI "
			       "models table (June 2025); range 0.30-0.50", "%.2f",
			       GPAI_UTILIZATION_DEFAULT);
	}
	return CLI_OK;
}

static int run(struct cli *cli, int argc, char **argv)
{
	struct comp_estimate e;
	struct opts o;
	int rc;

	rc = parse(argc, argv, &o);
	if (rc)
		return rc;
	if (o.list)
		return argc > 2 ? cli_usage("flops", "--list-hardware takes no other option")
				: list_hardware(cli);
	if (o.stages) {
		if (o.config || o.model || o.params || o.active || o.tokens || o.epochs || o.context ||
		    o.hardware || o.count || o.hours || o.chip_hours || o.precision ||
		    o.util || o.detailed || o.ref)
			return cli_usage("flops", "--stages takes no other option");
		return run_stages(cli, o.stages);
	}
	if (!!o.config + !!o.model + !!o.params > 1)
		return cli_usage("flops", "give one of --config, --model and --params");
	if (o.ref) {
		if (o.config || o.model || o.params || o.active || o.tokens || o.epochs ||
		    o.context || o.hardware || o.count || o.hours || o.chip_hours ||
		    o.precision || o.util || o.detailed)
			return cli_usage("flops", "NAME@VER takes its inputs from the "
					 "registry; give no other option");
		return run_version(cli, o.ref);
	}
	comp_estimate_init(&e);
	rc = from_flags(&o, &e);
	if (rc)
		return rc;
	rc = comp_estimate_run(&e, o.detailed);
	if (rc)
		return rc;
	if (cli->json) {
		rc = cli_print_json(comp_estimate_json(&e));
		if (rc)
			return rc;
	} else {
		comp_estimate_print(&e, cli->quiet);
	}
	if (!e.method)
		return cli_failf("%s", e.missing);
	return CLI_OK;
}

const struct cli_cmd cmd_flops = {
	"flops", "estimate training compute (FLOP) from architecture, tokens and hardware",
	usage, run,
};
