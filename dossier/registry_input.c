/*
 * registry_input.c - fills the dossier's model description from the
 * registry (registry.h's public API only): the version's name, provider,
 * licence, access and lineage, its current facts with sources and
 * recording dates, its OMS root digest and the signer of its newest
 * signature, and what its model files say (parameters, architecture,
 * context window).  The base model's published training compute feeds the
 * modification rule.  The compute estimate itself is the caller's (the
 * estimator's result goes in in->compute).
 *
 * The dossiers generated for a version are kept in the registry's
 * catalogue by history.c (see docs/dossier.md, "History").
 *
 * Invariant: every string the input view points to is owned by the struct
 * gpai_dossier_reg, which lives at least as long as the view.
 */
#include "dossier.h"
#include "registry.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cJSON.h>

struct gpai_dossier_reg {
	struct gpai_version v;
	struct gpai_fact *facts;
	size_t n_facts;
	struct gpai_signature *sigs;
	size_t n_sigs;
	struct gpai_dossier_fact *dfacts;
	struct gpai_dossier_eval *evals;
	size_t n_evals;
	char *strings[64];
	size_t n_strings;
	char digest[80];
	char base[GPAI_REG_NAME_MAX + GPAI_REG_VERSION_MAX + 2];
	char arch[64];
	struct gpai_dossier_input in;
};

static const char *keep(struct gpai_dossier_reg *r, char *s)
{
	if (!s || r->n_strings >= sizeof(r->strings) / sizeof(r->strings[0])) {
		free(s);
		return NULL;
	}
	r->strings[r->n_strings++] = s;
	return s;
}

/* Model-file metadata the registry stored when the version was added. */
static void from_model_json(struct gpai_dossier_reg *r)
{
	cJSON *j;
	const cJSON *x;
	const char *s;

	if (!r->v.model_json || gpai_json_parse("model metadata", r->v.model_json,
						strlen(r->v.model_json), &j, NULL))
		return;
	/* Distinct parameters: a tied classifier stored twice counts once. */
	x = cJSON_GetObjectItemCaseSensitive(j, "n_params_distinct");
	if (!cJSON_IsNumber(x) || x->valuedouble <= 0)
		x = cJSON_GetObjectItemCaseSensitive(j, "n_params");
	if (cJSON_IsNumber(x) && x->valuedouble > 0)
		r->in.parameters = x->valuedouble;
	x = cJSON_GetObjectItemCaseSensitive(j, "context_length");
	if (cJSON_IsNumber(x) && x->valuedouble > 0)
		r->in.context_window = (long long)x->valuedouble;
	s = gpai_json_str(j, "architecture");
	if (s && *s) {
		gpai_strlcpy(r->arch, s, sizeof(r->arch));
		r->in.architecture = r->arch;
	}
	s = gpai_json_str(j, "format");
	r->in.files_source = keep(r, gpai_asprintf("measured: model files (%s header, read at "
						   "gpai add)", s && *s ? s : "model"));
	cJSON_Delete(j);
}

/* The base's published compute (training.flop), for the modification rule. */
static void base_compute(struct gpai_registry *reg, struct gpai_dossier_reg *r)
{
	struct gpai_version b;
	struct gpai_fact *f = NULL;
	size_t n = 0;
	double x;

	memset(&b, 0, sizeof(b));
	if (gpai_registry_lookup(reg, r->base, &b, NULL))
		return;
	if (!gpai_registry_facts(reg, &b, NULL, 0, &f, &n, NULL)) {
		for (size_t i = 0; i < n; i++) {
			if (strcmp(f[i].field, "training.flop") == 0 &&
			    !gpai_parse_double(f[i].value, &x) && x > 0)
				r->in.base_flop = x;
			if (strcmp(f[i].field, "systemic.designated") == 0)
				r->in.base_systemic = strcmp(f[i].value, "yes") == 0;
		}
		gpai_facts_free(f, n);
	}
	if (r->in.base_flop > 0 && r->in.base_systemic < 0)
		r->in.base_systemic = r->in.base_flop > 1e25;
	gpai_version_release(&b);
}

/* Evaluation claims with their latest re-run (registry/evals.c); the
 * newest run's analytic FLOP is the benchmarked inference compute. */
static void from_evals(struct gpai_registry *reg, struct gpai_dossier_reg *r)
{
	struct gpai_eval_claim *c = NULL;
	size_t n = 0;
	char newest[21] = "";

	if (gpai_registry_eval_claims(reg, &r->v, &c, &n, NULL) || !n)
		return;
	r->evals = calloc(n, sizeof(*r->evals));
	if (!r->evals) {
		gpai_eval_claims_free(c, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct gpai_dossier_eval *e = &r->evals[r->n_evals++];
		struct gpai_eval_run *runs = NULL;
		size_t nr = 0;
		int greedy = strcmp(c[i].task, "greedy") == 0;
		int choice = strcmp(c[i].task, "choice") == 0;

		e->name = keep(r, gpai_asprintf("%s %s", c[i].task, c[i].params ? c[i].params : ""));
		e->claimed = keep(r, greedy ? gpai_asprintf("text \"%.60s%s\"", c[i].expected_text ?
							    c[i].expected_text : "",
							    c[i].expected_text &&
							    strlen(c[i].expected_text) > 60 ? "..." : "")
					    : gpai_asprintf(choice ? "accuracy %.6g (tolerance %.3g)" :
							    "mean NLL %.6g nats (tolerance %.3g)",
							    c[i].expected_value, c[i].tolerance));
		e->source = keep(r, gpai_strdup(c[i].source));
		if (!gpai_registry_eval_runs(reg, c[i].id, &runs, &nr, NULL) && nr) {
			const struct gpai_eval_run *last = &runs[nr - 1];

			e->measured = keep(r, greedy ? gpai_strdup(last->passed ? "the same text" :
								   "a different text")
						     : gpai_asprintf(choice ? "accuracy %.6g" : "mean NLL %.6g nats",
								     last->measured));
			e->verdict = last->passed ? "verified" : "mismatch";
			e->measured_at = keep(r, gpai_strdup(last->run_at));
			if (last->flop > 0 && strcmp(last->run_at, newest) >= 0) {
				gpai_strlcpy(newest, last->run_at, sizeof(newest));
				r->in.inference_flop = last->flop;
				r->in.inference_source = keep(r, gpai_asprintf(
					"measured: gpai eval run of the %s claim on %s (%s, engine %s)",
					c[i].task, last->run_at, last->root_digest[0] ?
					"these weights" : "the stored weights",
					last->engine_version ? last->engine_version : "gpai"));
			}
		}
		gpai_eval_runs_free(runs, nr);
	}
	r->in.evals = r->evals;
	r->in.n_evals = r->n_evals;
	gpai_eval_claims_free(c, n);
}

int gpai_dossier_from_registry(struct gpai_registry *reg, const char *ref,
			       struct gpai_dossier_reg **out, struct gpai_error *err)
{
	struct gpai_dossier_reg *r;
	size_t k = 0, extra;
	int rc;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", ref);
	gpai_dossier_input_init(&r->in);
	rc = gpai_registry_lookup(reg, ref, &r->v, err);
	if (rc)
		goto fail;
	rc = gpai_registry_facts(reg, &r->v, NULL, 0, &r->facts, &r->n_facts, err);
	if (rc)
		goto fail;
	rc = gpai_registry_signatures(reg, &r->v, &r->sigs, &r->n_sigs, err);
	if (rc)
		goto fail;
	extra = 2;
	r->dfacts = calloc(r->n_facts + extra, sizeof(*r->dfacts));
	if (!r->dfacts) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", ref);
		goto fail;
	}
	/* The version's --license and --access stand for facts when no fact of
	 * that field is recorded (a fact, being newer, wins). */
	if (r->v.license)
		r->dfacts[k++] = (struct gpai_dossier_fact){ "license.spdx", r->v.license,
			"registry: the version's licence (gpai add --license)", r->v.added_at };
	if (r->v.access)
		r->dfacts[k++] = (struct gpai_dossier_fact){ "model.access", r->v.access,
			"registry: the version's access (gpai add --access)", r->v.added_at };
	for (size_t i = 0; i < r->n_facts; i++)
		r->dfacts[k++] = (struct gpai_dossier_fact){ r->facts[i].field, r->facts[i].value,
			r->facts[i].source, r->facts[i].recorded_at };
	r->in.facts = r->dfacts;
	r->in.n_facts = k;
	r->in.name = r->v.name;
	r->in.version = r->v.version;
	r->in.provider = r->v.provider;
	if (r->v.has_files && r->v.root_digest[0]) {
		snprintf(r->digest, sizeof(r->digest), "sha256:%s", r->v.root_digest);
		r->in.root_digest = r->digest;
	}
	if (r->n_sigs) /* newest first */
		r->in.signer = keep(r, gpai_asprintf("%s (%s method, %s)", r->sigs[0].signer,
						     r->sigs[0].method, r->sigs[0].signed_at));
	if (r->v.base_name && r->v.base_version) {
		snprintf(r->base, sizeof(r->base), "%s@%s", r->v.base_name, r->v.base_version);
		r->in.base = r->base;
		r->in.relation = r->v.relation;
		base_compute(reg, r);
	}
	from_model_json(r);
	from_evals(reg, r);
	*out = r;
	return GPAI_OK;

fail:
	gpai_dossier_reg_free(r);
	return rc;
}

struct gpai_dossier_input *gpai_dossier_reg_input(struct gpai_dossier_reg *r)
{
	return &r->in;
}

const char *gpai_dossier_reg_model_sig(const struct gpai_dossier_reg *r, size_t *len)
{
	if (!r->n_sigs)
		return NULL;
	*len = strlen(r->sigs[0].bundle);
	return r->sigs[0].bundle;
}

void gpai_dossier_reg_free(struct gpai_dossier_reg *r)
{
	if (!r)
		return;
	gpai_version_release(&r->v);
	gpai_facts_free(r->facts, r->n_facts);
	gpai_signatures_free(r->sigs, r->n_sigs);
	for (size_t i = 0; i < r->n_strings; i++)
		free(r->strings[i]);
	free(r->dfacts);
	free(r->evals);
	free(r);
}
