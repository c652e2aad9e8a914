/*
 * cmd_rm.c - `gpai rm NAME@VER`: remove a version (blobs stay until gc).
 */
#include "regutil.h"

#include <stdio.h>

#include <cJSON.h>

static int run(struct cli *cli, int argc, char **argv)
{
	struct gpai_registry *reg;
	struct gpai_error err;
	int rc;

	rc = regutil_operands_open(cli, "rm", argc, argv, 1, "missing NAME@VER", &reg);
	if (rc)
		return rc;
	gpai_error_init(&err);
	rc = gpai_registry_rm(reg, argv[1], &err);
	gpai_registry_close(reg);
	if (rc)
		return cli_fail(&err, "cannot remove '%s'", argv[1]);
	if (cli->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "removed", argv[1]);
		return cli_print_json(o);
	}
	if (!cli->quiet)
		printf("removed %s (run 'gpai gc' to free unreferenced blobs)\n", argv[1]);
	return CLI_OK;
}

const struct cli_cmd cmd_rm = {
	"rm", "remove a version (its blobs stay until gc)",
	"gpai rm NAME@VER\n"
	"\n"
	"Removes the version with its file list, facts, aliases, signatures,\n"
	"evaluation claims and runs and kept dossiers, in one transaction, and\n"
	"logs it.  Refused while another version names it as\n"
	"its base.  The blobs stay until `gpai gc`.\n",
	run,
};
