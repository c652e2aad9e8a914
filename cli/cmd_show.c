/*
 * cmd_show.c - `gpai show NAME[@VER]`: one version in full: files and
 * digests, model metadata, facts with sources, lineage, aliases.
 */
#include "regutil.h"

#include <stdio.h>
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

static int run(struct cli *cli, int argc, char **argv)
{
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
	gpai_registry_close(reg);
	if (rc) {
		gpai_version_release(&v);
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
	rc = CLI_OK;
out:
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
	"(newest first).  --json: docs/show.md.\n",
	run,
};
