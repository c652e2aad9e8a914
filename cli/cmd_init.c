/*
 * cmd_init.c - `gpai init`: create a registry (catalogue and blob store).
 */
#include "regutil.h"

#include <stdio.h>

#include <cJSON.h>

static int run(struct cli *cli, int argc, char **argv)
{
	struct gpai_registry *reg;
	struct gpai_error err;
	cJSON *o;

	if (argc > 1)
		return cli_usage("init", argv[1][0] == '-' ? "unknown option '%s'"
				 : "unexpected argument '%s'", argv[1]);
	gpai_error_init(&err);
	if (gpai_registry_init(cli->registry, &reg, &err))
		return cli_fail(&err, "cannot create registry '%s'", cli->registry);
	gpai_registry_close(reg);
	if (cli->json) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "registry", cli->registry);
		cJSON_AddNumberToObject(o, "schema_version", GPAI_REG_SCHEMA_VERSION);
		return cli_print_json(o);
	}
	if (!cli->quiet)
		printf("created registry '%s'\n", cli->registry);
	return CLI_OK;
}

const struct cli_cmd cmd_init = {
	"init", "create a registry (catalogue and blob store)",
	"gpai init\n"
	"\n"
	"Creates the registry named by --registry (default $GPAI_REGISTRY, else\n"
	"./.gpai): a SQLite catalogue and a content-addressed blob store.  Fails if\n"
	"the directory already holds a registry.\n",
	run,
};
