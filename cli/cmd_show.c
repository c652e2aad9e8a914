/*
 * cmd_show.c - `gpai show NAME[@VER]`: one version in full: files and
 * digests, model metadata, facts with sources, lineage, aliases, and the
 * evaluation claims with their latest run (registry.h's eval API).
 */
#include "regutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

/* Prints the members of a model-metadata object after `head` on one line
 * (zero and empty members left out), then its note after `indent`. */
static void print_model(const char *head, const char *indent, const char *text)
{
	cJSON *j = text ? cJSON_Parse(text) : NULL, *it;
	int first = 1;

	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return;
	}
	fputs(head, stdout);
	cJSON_ArrayForEach(it, j) {
		if (strcmp(it->string, "note") == 0)
			continue;
		if (cJSON_IsNumber(it) && it->valuedouble == 0)
			continue;
		if (strcmp(it->string, "tied_embeddings") == 0 && it->valuedouble < 0)
			continue;
		if (cJSON_IsString(it) && !*it->valuestring)
			continue;
		if (cJSON_IsNumber(it))
			printf("%s%s %.0f", first ? "" : ", ", it->string, it->valuedouble);
		else if (cJSON_IsString(it))
			printf("%s%s %s", first ? "" : ", ", it->string, it->valuestring);
		else
			continue;
		first = 0;
	}
	putchar('\n');
	it = cJSON_GetObjectItemCaseSensitive(j, "note");
	if (cJSON_IsString(it) && *it->valuestring)
		printf("%snote: %s\n", indent, it->valuestring);
	cJSON_Delete(j);
}

/* The latest run of each claim (runs come oldest first); an entry's runs
 * array is NULL when the claim was never verified. */
struct claim_runs {
	struct gpai_eval_run *runs;
	size_t n;
};

/* The claims of v and the runs of each.  *cr has nclaims entries. */
static int load_evals(struct gpai_registry *reg, const struct gpai_version *v,
		      struct gpai_eval_claim **claims, size_t *nclaims,
		      struct claim_runs **cr, struct gpai_error *err)
{
	int rc = gpai_registry_eval_claims(reg, v, claims, nclaims, err);

	*cr = NULL;
	if (rc || *nclaims == 0)
		return rc;
	*cr = calloc(*nclaims, sizeof **cr);
	if (!*cr)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory reading eval runs");
	for (size_t i = 0; i < *nclaims && rc == GPAI_OK; i++)
		rc = gpai_registry_eval_runs(reg, (*claims)[i].id, &(*cr)[i].runs,
					     &(*cr)[i].n, err);
	return rc;
}

static void free_evals(struct gpai_eval_claim *claims, size_t nclaims,
		       struct claim_runs *cr)
{
	for (size_t i = 0; cr && i < nclaims; i++)
		gpai_eval_runs_free(cr[i].runs, cr[i].n);
	free(cr);
	gpai_eval_claims_free(claims, nclaims);
}

/* docs/show.md's `evals` member for one claim. */
static cJSON *eval_json(const struct gpai_eval_claim *c, const struct claim_runs *cr)
{
	cJSON *o = cJSON_CreateObject(), *p = c->params ? cJSON_Parse(c->params) : NULL;
	const struct gpai_eval_run *r = cr->n ? &cr->runs[cr->n - 1] : NULL;

	cJSON_AddNumberToObject(o, "claim", (double)c->id);
	cJSON_AddStringToObject(o, "task", c->task);
	cJSON_AddItemToObject(o, "params", p ? p : cJSON_CreateNull());
	if (c->expected_text) {
		cJSON_AddStringToObject(o, "expected", c->expected_text);
		cJSON_AddNullToObject(o, "tolerance");
	} else {
		cJSON_AddNumberToObject(o, "expected", c->expected_value);
		cJSON_AddNumberToObject(o, "tolerance", c->tolerance);
	}
	if (c->data_digest)
		cJSON_AddStringToObject(o, "data_digest", c->data_digest);
	else
		cJSON_AddNullToObject(o, "data_digest");
	cJSON_AddStringToObject(o, "source", c->source);
	cJSON_AddStringToObject(o, "recorded_by", c->recorded_by);
	cJSON_AddStringToObject(o, "recorded_at", c->recorded_at);
	cJSON_AddNumberToObject(o, "n_runs", (double)cr->n);
	if (!r) {
		cJSON_AddNullToObject(o, "latest_run");
		return o;
	}
	p = cJSON_AddObjectToObject(o, "latest_run");
	cJSON_AddBoolToObject(p, "passed", r->passed);
	cJSON_AddNumberToObject(p, "measured", r->measured);
	cJSON_AddStringToObject(p, "root_digest", r->root_digest);
	cJSON_AddStringToObject(p, "engine_version", r->engine_version ? r->engine_version : "");
	cJSON_AddNumberToObject(p, "flop", r->flop);
	cJSON_AddStringToObject(p, "run_by", r->run_by);
	cJSON_AddStringToObject(p, "run_at", r->run_at);
	return o;
}

/* The text lines of one claim. */
static void print_eval(const struct gpai_eval_claim *c, const struct claim_runs *cr)
{
	const struct gpai_eval_run *r = cr->n ? &cr->runs[cr->n - 1] : NULL;

	printf("    claim %lld %s: ", (long long)c->id, c->task);
	if (!r)
		printf("not verified\n");
	else
		printf("%s (%s by %s, %zu run%s)\n", r->passed ? "pass" : "FAIL", r->run_at,
		       r->run_by, cr->n, cr->n == 1 ? "" : "s");
	if (!c->expected_text)
		printf("      expected %g +- %g", c->expected_value, c->tolerance);
	else
		printf("      expected text of %zu bytes", strlen(c->expected_text));
	if (r && !c->expected_text)
		printf(", measured %g", r->measured);
	printf("\n      source: %s (%s, %s)\n", c->source, c->recorded_by, c->recorded_at);
}

static int run(struct cli *cli, int argc, char **argv)
{
	struct gpai_eval_claim *claims = NULL;
	struct claim_runs *cr = NULL;
	size_t nclaims = 0;
	struct gpai_registry *reg;
	struct gpai_version v;
	struct gpai_file *files = NULL;
	struct gpai_fact *facts = NULL;
	struct gpai_signature *sigs = NULL;
	struct gpai_error err;
	size_t nfiles = 0, nfacts = 0, nsigs = 0;
	const char *ref = NULL;
	char b[32];
	int rc;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			return cli_usage("show", "unknown option '%s'", argv[i]);
		if (ref)
			return cli_usage("show", "unexpected argument '%s'", argv[i]);
		ref = argv[i];
	}
	if (!ref)
		return cli_usage("show", "missing NAME[@VER]");
	if (regutil_open(cli, &reg))
		return CLI_FAIL;
	gpai_error_init(&err);
	rc = gpai_registry_lookup(reg, ref, &v, &err);
	if (rc) {
		gpai_registry_close(reg);
		return cli_fail(&err, "cannot show '%s'", ref);
	}
	if (v.has_files)
		rc = gpai_registry_files(reg, &v, &files, &nfiles, &err);
	if (rc == GPAI_OK)
		rc = gpai_registry_facts(reg, &v, NULL, 0, &facts, &nfacts, &err);
	if (rc == GPAI_OK)
		rc = gpai_registry_signatures(reg, &v, &sigs, &nsigs, &err);
	if (rc == GPAI_OK)
		rc = load_evals(reg, &v, &claims, &nclaims, &cr, &err);
	gpai_registry_close(reg);
	if (rc) {
		gpai_version_release(&v);
		free_evals(claims, nclaims, cr);
		return cli_fail(&err, "cannot show '%s'", ref);
	}
	if (cli->json) {
		cJSON *o = regutil_version_json(&v), *arr;

		cJSON_AddItemToObject(o, "model", regutil_model_json(v.model_json));
		arr = cJSON_AddArrayToObject(o, "files");
		for (size_t i = 0; i < nfiles; i++) {
			cJSON *f = cJSON_CreateObject();

			cJSON_AddStringToObject(f, "path", files[i].relpath);
			cJSON_AddNumberToObject(f, "size", (double)files[i].size);
			cJSON_AddStringToObject(f, "sha256", files[i].sha256);
			cJSON_AddItemToObject(f, "model", regutil_model_json(files[i].model_json));
			cJSON_AddItemToArray(arr, f);
		}
		arr = cJSON_AddArrayToObject(o, "facts");
		for (size_t i = 0; i < nfacts; i++)
			cJSON_AddItemToArray(arr, regutil_fact_json(&facts[i]));
		arr = cJSON_AddArrayToObject(o, "signatures");
		for (size_t i = 0; i < nsigs; i++) {
			cJSON *g = cJSON_CreateObject();

			cJSON_AddStringToObject(g, "method", sigs[i].method);
			cJSON_AddStringToObject(g, "signer", sigs[i].signer);
			cJSON_AddStringToObject(g, "root_digest", sigs[i].root_digest);
			cJSON_AddStringToObject(g, "signed_by", sigs[i].signed_by);
			cJSON_AddStringToObject(g, "signed_at", sigs[i].signed_at);
			cJSON_AddItemToArray(arr, g);
		}
		arr = cJSON_AddArrayToObject(o, "evals");
		for (size_t i = 0; i < nclaims; i++)
			cJSON_AddItemToArray(arr, eval_json(&claims[i], &cr[i]));
		rc = cli_print_json(o);
		goto out;
	}
	printf("%s@%s\n", v.name, v.version);
	printf("  provider   %s\n", v.provider ? v.provider : "-");
	printf("  license    %s\n", v.license ? v.license : "-");
	printf("  access     %s\n", v.access);
	printf("  added      %s by %s\n", v.added_at, v.added_by);
	if (v.base_name)
		printf("  base       %s@%s (%s)\n", v.base_name, v.base_version, v.relation);
	if (v.n_aliases) {
		fputs("  aliases   ", stdout);
		for (size_t i = 0; i < v.n_aliases; i++)
			printf(" %s", v.aliases[i]);
		putchar('\n');
	}
	if (!v.has_files) {
		printf("  files      none (registered with --no-files)\n");
	} else {
		printf("  root       sha256:%s\n", v.root_digest);
		if (v.model_json)
			print_model("  model      ", "             ", v.model_json);
		printf("  files      %zu, %s\n", nfiles, cli_bytes(v.total_bytes, b));
		for (size_t i = 0; i < nfiles; i++) {
			printf("    %s  %12llu  %s\n", files[i].sha256,
			       (unsigned long long)files[i].size, files[i].relpath);
			if (files[i].model_json)
				print_model("      ", "      ", files[i].model_json);
		}
	}
	if (nfacts) {
		printf("  facts\n");
		for (size_t i = 0; i < nfacts; i++)
			printf("    %s = %s\n      source: %s (%s, %s)\n", facts[i].field,
			       facts[i].value, facts[i].source, facts[i].recorded_by,
			       facts[i].recorded_at);
	}
	if (nsigs) {
		printf("  signatures\n");
		for (size_t i = 0; i < nsigs; i++)
			printf("    %s %s %s\n      root sha256:%s (%s, %s)\n", sigs[i].signed_at,
			       sigs[i].method, sigs[i].signer, sigs[i].root_digest,
			       sigs[i].signed_by, sigs[i].signed_at);
	}
	if (nclaims) {
		printf("  evals\n");
		for (size_t i = 0; i < nclaims; i++)
			print_eval(&claims[i], &cr[i]);
	}
	rc = CLI_OK;
out:
	free_evals(claims, nclaims, cr);
	gpai_files_free(files, nfiles);
	gpai_facts_free(facts, nfacts);
	gpai_signatures_free(sigs, nsigs);
	gpai_version_release(&v);
	return rc;
}

const struct cli_cmd cmd_show = {
	"show", "show a version: files, digests, model metadata, facts, lineage",
	"gpai show NAME[@VER|@ALIAS]\n"
	"\n"
	"Prints one version (the latest when VER is omitted): provider, licence,\n"
	"access, lineage, aliases, the OMS root digest, each file with its SHA-256\n"
	"and size, the model metadata read from the file headers, the current\n"
	"facts with their sources, and the OMS signatures stored by `gpai sign`\n"
	"(newest first), and the evaluation claims with their latest `gpai eval\n"
	"verify` run.  --json: docs/show.md.\n",
	run,
};
