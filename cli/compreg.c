/*
 * compreg.c - training compute of a registry version, from its recorded
 * facts (docs/facts.md: model.*, training.*), its files (config.json or
 * tensor headers when no parameter count is recorded) and its lineage, for
 * `gpai flops NAME@VER` and `gpai classify NAME@VER`.
 *
 * Facts on a version that has a base model describe the modification
 * itself; the base's compute is read from the base version.
 * training.tokens is tokens seen over all epochs (it is not multiplied by
 * training.epochs).
 */
#include "computil.h"
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

static const struct gpai_fact *fact(const struct gpai_fact *f, size_t n,
				    const char *field)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].field, field))
			return &f[i];
	return NULL;
}

static void src(char *out, size_t n, const struct gpai_fact *f)
{
	snprintf(out, n, "fact %s: %s", f->field, f->source);
}

/* A positive number fact; 0 if absent, -1 after printing an error. */
static int num_fact(const struct gpai_fact *f, size_t n, const char *field,
		    const char *ref, double *out)
{
	const struct gpai_fact *x = fact(f, n, field);

	if (!x)
		return 0;
	if (gpai_parse_double(x->value, out) != GPAI_OK || !(*out > 0)) {
		cli_failf("'%s': fact %s is '%s', not a positive number", ref, field, x->value);
		return -1;
	}
	return 1;
}

/* Parameters from the version's files: its config.json, else the tensor
 * headers of its model files. */
static int params_from_files(struct gpai_registry *reg, const struct gpai_version *v,
			     struct comp_version *cv)
{
	struct gpai_file *files = NULL;
	struct gpai_error err;
	size_t n = 0;
	int rc = CLI_OK, done = 0;

	gpai_error_init(&err);
	if (!v->has_files || gpai_registry_files(reg, v, &files, &n, &err))
		return CLI_OK;
	for (size_t i = 0; i < n && !done; i++) {
		const char *base = strrchr(files[i].relpath, '/');

		base = base ? base + 1 : files[i].relpath;
		if (strcmp(base, "config.json") != 0)
			continue;
		if (gpai_params_from_config(files[i].blob_path, &cv->e.pc, &err) == GPAI_OK) {
			cv->e.have_params = 2;
			cv->e.params = (double)cv->e.pc.total;
			cv->e.active = (double)cv->e.pc.active;
			snprintf(cv->e.params_source, sizeof(cv->e.params_source),
				 "'%s' of %s", files[i].relpath, cv->ref);
			done = 1;
		}
	}
	for (size_t i = 0; i < n && !done; i++) {
		struct gpai_model_count mc;

		if (gpai_params_from_model(files[i].blob_path, &mc, &err) != GPAI_OK ||
		    !mc.have_tensors || !mc.active)
			continue;
		cv->e.have_params = 1;
		cv->e.params = (double)mc.total;
		cv->e.active = (double)mc.active;
		snprintf(cv->e.params_source, sizeof(cv->e.params_source),
			 "tensor count of '%s' of %s", files[i].relpath, cv->ref);
		gpai_strlcpy(cv->e.params_note, mc.note, sizeof(cv->e.params_note));
		done = 1;
	}
	gpai_files_free(files, n);
	return rc;
}

int comp_version_load(struct gpai_registry *reg, const char *ref,
		      struct comp_version *cv)
{
	struct gpai_version v;
	struct gpai_fact *f = NULL;
	struct gpai_error err;
	char name[160], base[160];
	size_t n = 0;
	int rc;

	gpai_error_init(&err);
	if (gpai_registry_lookup(reg, ref, &v, &err))
		return cli_fail(&err, "cannot read '%s'", ref);
	snprintf(name, sizeof(name), "%s@%s", v.name, v.version);
	base[0] = '\0';
	if (v.base_name)
		snprintf(base, sizeof(base), "%s@%s", v.base_name,
			 v.base_version ? v.base_version : "");
	if (gpai_registry_facts(reg, &v, NULL, 0, &f, &n, &err)) {
		gpai_version_release(&v);
		return cli_fail(&err, "cannot read the facts of '%s'", name);
	}
	rc = comp_version_from_facts(name, base, v.relation, f, n, reg, &v, cv);
	gpai_facts_free(f, n);
	gpai_version_release(&v);
	return rc;
}

int comp_version_from_facts(const char *ref, const char *base_ref, const char *relation,
			    const struct gpai_fact *f, size_t n,
			    struct gpai_registry *reg, const struct gpai_version *v,
			    struct comp_version *cv)
{
	struct gpai_error err;
	const struct gpai_fact *x;
	struct comp_estimate *e = &cv->e;
	double d;
	int r, rc = CLI_FAIL;

	memset(cv, 0, sizeof(*cv));
	comp_estimate_init(e);
	gpai_stages_init(&cv->stages);
	gpai_error_init(&err);
	gpai_strlcpy(cv->ref, ref, sizeof(cv->ref));
	if (base_ref)
		gpai_strlcpy(cv->base_ref, base_ref, sizeof(cv->base_ref));
	if (relation)
		gpai_strlcpy(cv->relation, relation, sizeof(cv->relation));

	if ((x = fact(f, n, "training.stages"))) {
		cJSON *j = NULL;
		char what[200];

		snprintf(what, sizeof(what), "%s fact training.stages", cv->ref);
		if (gpai_json_parse(what, x->value, strlen(x->value), &j, &err) ||
		    gpai_stages_from_json(what, j, &cv->stages, &err)) {
			cJSON_Delete(j);
			cli_fail(&err, "cannot read the stages");
			goto out;
		}
		cJSON_Delete(j);
		cv->have_stages = 1;
	}
	if ((r = num_fact(f, n, "training.flop", cv->ref, &cv->reported)) < 0)
		goto out;
	if (r) {
		double lo, hi;
		int rl, rh;

		cv->have_reported = 1;
		src(cv->reported_source, sizeof(cv->reported_source), fact(f, n, "training.flop"));
		cv->reported_est.flop = cv->reported;
		cv->reported_est.low = cv->reported * (1 - GPAI_ACCURACY_BAND);
		cv->reported_est.high = cv->reported * (1 + GPAI_ACCURACY_BAND);
		rl = num_fact(f, n, "training.flop.low", cv->ref, &lo);
		rh = num_fact(f, n, "training.flop.high", cv->ref, &hi);
		if (rl < 0 || rh < 0)
			goto out;
		cv->fin.have_flop = 1;
		cv->fin.flop = cv->reported;
		cv->fin.have_low = rl;
		cv->fin.low = lo;
		cv->fin.have_high = rh;
		cv->fin.high = hi;
		x = fact(f, n, "training.flop.method");
		cv->fin.developer = x && strstr(x->value, "reported") != NULL;
		if (rl > 0 && lo <= cv->reported)
			cv->reported_est.low = lo;  /* published interval replaces +/-30 % */
		if (rh > 0 && cv->reported <= hi)
			cv->reported_est.high = hi;
	}
	if ((r = num_fact(f, n, "modification.flop", cv->ref, &d)) < 0)
		goto out;
	if (r) {
		cv->have_modification = 1;
		cv->modification.flop = d;
		cv->modification.low = d * (1 - GPAI_ACCURACY_BAND);
		cv->modification.high = d * (1 + GPAI_ACCURACY_BAND);
		cv->fin.have_modification = 1;
		cv->fin.modification = d;
	}
	if ((x = fact(f, n, "model.modalities.output"))) {
		cv->have_outputs = 1;
		cv->generative = strstr(x->value, "text") || strstr(x->value, "audio") ||
				 strstr(x->value, "image") || strstr(x->value, "video");
	}
	if ((x = fact(f, n, "training.time.start")) && strlen(x->value) == 10)
		gpai_strlcpy(cv->start, x->value, sizeof(cv->start));

	/* Parameters: recorded facts first, else the files. */
	if ((r = num_fact(f, n, "model.parameters", cv->ref, &e->params)) < 0)
		goto out;
	if (r) {
		e->have_params = 1;
		e->active = e->params;
		src(e->params_source, sizeof(e->params_source), fact(f, n, "model.parameters"));
	}
	if ((r = num_fact(f, n, "model.active_parameters", cv->ref, &d)) < 0)
		goto out;
	if (r) {
		if (!e->have_params)
			e->params = d;
		e->have_params = 1;
		e->active = d;
		src(e->params_source, sizeof(e->params_source),
		    fact(f, n, "model.active_parameters"));
	}
	if (!e->have_params && reg && v && params_from_files(reg, v, cv))
		goto out;
	if (e->have_params)
		comp_add_input(e, "N_active", e->params_source, "%.6g", e->active);
	if ((r = num_fact(f, n, "training.tokens", cv->ref, &e->ops.tokens)) < 0)
		goto out;
	if (r) {
		char s[320];

		src(s, sizeof(s), fact(f, n, "training.tokens"));
		comp_add_input(e, "tokens", s, "%s (all epochs)",
			       fact(f, n, "training.tokens")->value);
	}

	/* Hardware. */
	if ((x = fact(f, n, "training.hardware.type"))) {
		const struct gpai_fact *p = fact(f, n, "training.precision");
		char s[320];
		double count, hours, gpuh;
		int rc1, rc2, rc3;

		e->period.chip = gpai_accelerator_find(x->value);
		if (!e->period.chip) {
			cli_failf("'%s': fact training.hardware.type '%s' is not in the "
				  "accelerator table (gpai flops --list-hardware)", cv->ref, x->value);
			goto out;
		}
		src(s, sizeof(s), x);
		comp_add_input(e, "accelerator", s, "%s", e->period.chip->id);
		rc1 = num_fact(f, n, "training.gpu_hours", cv->ref, &gpuh);
		rc2 = num_fact(f, n, "training.hardware.count", cv->ref, &count);
		rc3 = num_fact(f, n, "training.hardware.hours", cv->ref, &hours);
		if (rc1 < 0 || rc2 < 0 || rc3 < 0)
			goto out;
		if (!p || (!rc1 && !(rc2 && rc3))) {
			/* Not enough for the hardware method: it is left out. */
			e->period.chip = NULL;
			comp_add_input(e, "hardware", "facts", "%s",
				       !p ? "no training.precision: hardware method not used" :
				       "no training.gpu_hours or count and hours: "
				       "hardware method not used");
		} else if (gpai_precision_parse(p->value, &e->period.precision) ||
			   gpai_accelerator_peak(e->period.chip, e->period.precision, &d, &err)) {
			cli_failf("'%s': fact training.precision '%s': %s", cv->ref, p->value,
				  gpai_errmsg(&err)[0] ? gpai_errmsg(&err) : "unknown format");
			goto out;
		} else {
			src(s, sizeof(s), p);
			comp_add_input(e, "precision", s, "%s", p->value);
			if (rc1) {
				e->period.count = 1;
				e->period.seconds = gpuh * GPAI_SECONDS_PER_HOUR;
				src(s, sizeof(s), fact(f, n, "training.gpu_hours"));
				comp_add_input(e, "chip-hours", s, "%.6g", gpuh);
			} else {
				e->period.count = count;
				e->period.seconds = hours * GPAI_SECONDS_PER_HOUR;
				src(s, sizeof(s), fact(f, n, "training.hardware.count"));
				comp_add_input(e, "count", s, "%.6g", count);
				src(s, sizeof(s), fact(f, n, "training.hardware.hours"));
				comp_add_input(e, "hours", s, "%.6g", hours);
			}
			if ((r = num_fact(f, n, "training.utilization", cv->ref,
					  &e->period.utilization)) < 0)
				goto out;
			if (r) {
				src(s, sizeof(s), fact(f, n, "training.utilization"));
				comp_add_input(e, "utilization", s, "%.3g", e->period.utilization);
			} else {
				e->period.utilization = -1;
				comp_add_input(e, "utilization", "assumed: median reported MFU, "
					       "Epoch AI models table (June 2025); range 0.30-0.50",
					       "%.2f", GPAI_UTILIZATION_DEFAULT);
			}
		}
	}
	if (cv->have_reported)
		comp_add_input(e, "training.flop", cv->reported_source, "%.3g (reported)",
			       cv->reported);
	if (comp_estimate_run(e, 0))
		goto out;
	if (!e->method && !cv->have_reported)
		snprintf(e->missing, sizeof(e->missing), "insufficient information: "
			 "'%s' needs %s, or training.hardware.type, training.precision "
			 "and training.gpu_hours, or training.flop or training.stages",
			 cv->ref, e->have_params ? "fact training.tokens (tokens seen)" :
			 e->ops.tokens > 0 ? "fact model.parameters (or model files)" :
			 "facts model.parameters (or model files) and training.tokens");
	/* gpai's own estimate: the stages total, else the facts' estimate. */
	if (cv->have_stages) {
		gpai_stages_total(&cv->stages, GPAI_SCOPE_CUMULATIVE, &cv->fin.own);
		cv->fin.have_own = cv->fin.own.flop > 0;
	} else if (e->method) {
		cv->fin.have_own = 1;
		cv->fin.own = e->est;
	}
	if (!e->method && cv->have_reported) {
		e->est = cv->reported_est;
		e->method = "reported";
	}
	rc = CLI_OK;
out:
	if (rc)
		comp_version_release(cv);
	return rc;
}

void comp_version_release(struct comp_version *cv)
{
	gpai_stages_release(&cv->stages);
}

int comp_version_figure(struct gpai_registry *reg, const struct comp_version *cv,
			int depth, struct gpai_figure *out)
{
	struct comp_version base;
	struct gpai_figure bf;
	int have = 0;

	if (!cv->base_ref[0])
		return gpai_figure_choose(&cv->fin, out);
	if (depth < COMP_LINEAGE_MAX && reg &&
	    comp_version_load(reg, cv->base_ref, &base) == CLI_OK) {
		have = comp_version_figure(reg, &base, depth + 1, &bf) >= 0;
		comp_version_release(&base);
	}
	return gpai_figure_modification(have ? &bf : NULL, &cv->fin, out);
}
