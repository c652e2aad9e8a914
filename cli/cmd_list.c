/*
 * cmd_list.c - `gpai list`: every version in the registry.
 */
#include "regutil.h"

#include <stdio.h>

#include <cJSON.h>

static int run(struct cli *cli, int argc, char **argv)
{
	struct gpai_registry *reg;
	struct gpai_version *v = NULL;
	struct gpai_error err;
	size_t n = 0;
	int rc;

	if (argc > 1)
		return cli_usage("list", argv[1][0] == '-' ? "unknown option '%s'"
				 : "unexpected argument '%s'", argv[1]);
	if (regutil_open(cli, &reg))
		return CLI_FAIL;
	gpai_error_init(&err);
	rc = gpai_registry_list(reg, &v, &n, &err);
	gpai_registry_close(reg);
	if (rc)
		return cli_fail(&err, "cannot list the registry");
	if (cli->json) {
		cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, regutil_version_json(&v[i]));
		gpai_versions_free(v, n);
		return cli_print_json(arr);
	}
	if (!cli->quiet && n)
		printf("%-32s %6s %10s %-11s %-12s %s\n", "MODEL", "FILES", "SIZE", "ACCESS",
		       "ROOT", "ALIASES");
	for (size_t i = 0; i < n; i++) {
		char ref[GPAI_REG_NAME_MAX + GPAI_REG_VERSION_MAX + 2], b[32];

		snprintf(ref, sizeof(ref), "%s@%s", v[i].name, v[i].version);
		if (cli->quiet) {
			printf("%s\n", ref);
			continue;
		}
		printf("%-32s %6llu %10s %-11s %-12.12s ", ref, (unsigned long long)v[i].n_files,
		       v[i].has_files ? cli_bytes(v[i].total_bytes, b) : "-", v[i].access,
		       v[i].has_files ? v[i].root_digest : "-");
		for (size_t k = 0; k < v[i].n_aliases; k++)
			printf("%s%s", k ? "," : "", v[i].aliases[k]);
		putchar('\n');
	}
	gpai_versions_free(v, n);
	return CLI_OK;
}

const struct cli_cmd cmd_list = {
	"list", "list the model versions in the registry",
	"gpai list\n"
	"\n"
	"One line per version: NAME@VERSION, file count, size, access, the first\n"
	"12 hex digits of the root digest and the aliases.  --quiet prints only\n"
	"NAME@VERSION; --json prints every field (docs/list.md).\n",
	run,
};
