/*
 * cmd_openness.c - `gpai openness`: how open a model is (closed-weight,
 * open-weight with a restricted or an open licence, open-source AI under
 * OSAID 1.0, open science under MOF Class I), the MOF class reached and
 * what the next class needs, and whether the Art. 53(2) exemption applies.
 */
#include "cli.h"
#include "computil.h"
#include "dossier.h"
#include "registry.h"
#include "regutil.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

static const char usage[] =
	"gpai openness NAME@VER|--facts FILE\n"
	"\n"
	"Classifies a registry version, or the model described by a fact file, from\n"
	"its per-component facts openness.<component> = licence id, \"unspecified\" or\n"
	"\"not-included\" (the Model Openness\n"
	"Framework's 17 components, see docs/openness.md), license.spdx and\n"
	"model.access.  Prints the level, the MOF class and what is missing for the\n"
	"next, and the Art. 53(2) decision with its reason.  Exit 1 when a licence is\n"
	"unknown or a component value is malformed (listed), 0 otherwise.\n";

static int run(struct cli *cli, int argc, char **argv)
{
	const char *facts = NULL, *ref = NULL;
	struct gpai_dossier_file *file = NULL;
	struct gpai_dossier_reg *regin = NULL;
	struct gpai_registry *reg = NULL;
	struct comp_version cv;
	int have_cv = 0;
	struct gpai_dossier_input *in;
	struct gpai_error err;
	cJSON *doc = NULL, *op, *x;
	int rc = CLI_FAIL, nprob;

	gpai_error_init(&err);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--facts") == 0) {
			if (i + 1 >= argc)
				return cli_usage("openness", "--facts needs a file");
			facts = argv[++i];
		} else if (argv[i][0] == '-') {
			return cli_usage("openness", "unknown option '%s'", argv[i]);
		} else if (!ref) {
			ref = argv[i];
		} else {
			return cli_usage("openness", "one model at a time ('%s')", argv[i]);
		}
	}
	if (!facts == !ref)
		return cli_usage("openness", ref ? "give NAME@VER or --facts FILE, not both" :
				 "no model: give NAME@VER or --facts FILE");
	memset(&cv, 0, sizeof(cv));
	if (ref) {
		struct gpai_figure f;

		if (regutil_open(cli, &reg))
			return CLI_FAIL;
		if (gpai_dossier_from_registry(reg, ref, &regin, &err)) {
			rc = cli_fail(&err, "cannot read '%s'", ref);
			goto cleanup;
		}
		in = gpai_dossier_reg_input(regin);
		/* The systemic-risk status decides the exemption: the estimator's
		 * compute, as for `gpai classify NAME@VER`. */
		have_cv = comp_version_load(reg, ref, &cv) == CLI_OK;
		if (have_cv && comp_version_figure(reg, &cv, 0, &f) > 0 && f.est.flop > 0) {
			in->compute.have = 1;
			in->compute.flop = f.est.flop;
			in->compute.low = f.est.low;
			in->compute.high = f.est.high;
			in->compute.method = gpai_figure_kind_name(f.kind);
		}
	} else {
		if (gpai_dossier_file_load(facts, &file, &err))
			return cli_fail(&err, "cannot read fact file");
		in = gpai_dossier_file_input(file);
	}
	/* The AI Office view carries the full classification. */
	if (gpai_dossier_build(in, GPAI_AUD_AIO, &doc, &err)) {
		rc = cli_fail(&err, "cannot classify '%s@%s'", in->name, in->version);
		goto cleanup;
	}
	op = cJSON_GetObjectItemCaseSensitive(doc, "openness");
	nprob = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(op, "problems"));
	if (cli->json) {
		cJSON *j = cJSON_Duplicate(op, 1);

		cJSON_AddStringToObject(j, "model", in->name);
		cJSON_AddStringToObject(j, "version", in->version);
		cli_print_json(j);
	} else if (!cli->quiet) {
		printf("%s@%s: %s\n", in->name, in->version, gpai_json_str(op, "level"));
		x = cJSON_GetObjectItemCaseSensitive(op, "mof_class");
		if (x->valueint)
			printf("MOF class: %s\n", x->valueint == 1 ? "I (open science)" :
			       x->valueint == 2 ? "II (open tooling)" : "III (open model)");
		else
			printf("MOF class: none reached\n");
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(op, "missing_for_next_class"))) {
			printf("missing for MOF class %s:\n", x->valueint == 0 ? "III" :
			       x->valueint == 3 ? "II" : "I");
			cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(op, "missing_for_next_class"))
				printf("  %s\n", x->valuestring);
		}
		printf("Art. 53(2) exemption: %s\n", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(op,
			"art53_2_exempt")) ? "applies" : "does not apply");
		printf("reason: %s\n", gpai_json_str(op, "reason"));
	}
	cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(op, "problems"))
		fprintf(stderr, "gpai: openness of '%s@%s': %s\n", in->name, in->version, x->valuestring);
	rc = nprob ? CLI_FAIL : CLI_OK;
cleanup:
	cJSON_Delete(doc);
	if (have_cv)
		comp_version_release(&cv);
	gpai_dossier_file_free(file);
	gpai_dossier_reg_free(regin);
	gpai_registry_close(reg);
	return rc;
}

const struct cli_cmd cmd_openness = {
	"openness", "classify openness (MOF, OSAID) and the Art. 53(2) exemption", usage, run,
};
