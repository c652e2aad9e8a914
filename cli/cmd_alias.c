/*
 * cmd_alias.c - `gpai alias NAME@VER ALIAS`: point an alias at a version;
 * every move is logged (gpai log).
 */
#include "regutil.h"

#include <stdio.h>

#include <cJSON.h>

static int run(struct cli *cli, int argc, char **argv)
{
	struct gpai_registry *reg;
	struct gpai_error err;
	int rc;

	rc = regutil_operands_open(cli, "alias", argc, argv, 2, "needs NAME@VER ALIAS", &reg);
	if (rc)
		return rc;
	gpai_error_init(&err);
	rc = gpai_registry_alias_set(reg, argv[1], argv[2], &err);
	gpai_registry_close(reg);
	if (rc)
		return cli_fail(&err, "cannot set alias '%s'", argv[2]);
	if (cli->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "ref", argv[1]);
		cJSON_AddStringToObject(o, "alias", argv[2]);
		return cli_print_json(o);
	}
	if (!cli->quiet)
		printf("%s -> %s\n", argv[2], argv[1]);
	return CLI_OK;
}

const struct cli_cmd cmd_alias = {
	"alias", "point an alias (e.g. production) at a version",
	"gpai alias NAME@VER ALIAS\n"
	"\n"
	"Points ALIAS (a letter, then letters, digits, '.', '_', '-') at the\n"
	"version, moving it if it pointed elsewhere.  NAME@ALIAS then works\n"
	"wherever a version is taken.  Every move is an event in `gpai log NAME`.\n",
	run,
};
