/*
 * cmd_export.c - `gpai export NAME@VER OUT`: the files and provenance.json,
 * to a directory or an archive (by OUT's ending).
 */
#include "regutil.h"

#include <stdio.h>

#include <cJSON.h>

static int run(struct cli *cli, int argc, char **argv)
{
	struct gpai_registry *reg;
	struct gpai_error err;
	int rc;

	rc = regutil_operands_open(cli, "export", argc, argv, 2, "needs NAME@VER OUT", &reg);
	if (rc)
		return rc;
	gpai_error_init(&err);
	rc = gpai_registry_export(reg, argv[1], argv[2], &err);
	gpai_registry_close(reg);
	if (rc)
		return cli_fail(&err, "cannot export '%s'", argv[1]);
	if (cli->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "ref", argv[1]);
		cJSON_AddStringToObject(o, "out", argv[2]);
		return cli_print_json(o);
	}
	if (!cli->quiet)
		printf("exported %s to '%s'\n", argv[1], argv[2]);
	return CLI_OK;
}

const struct cli_cmd cmd_export = {
	"export", "write a version's files and provenance.json to a directory or archive",
	"gpai export NAME@VER OUT\n"
	"\n"
	"Writes the version's files, byte for byte, and provenance.json (name,\n"
	"version, provider, licence, files with digests, root digest, facts with\n"
	"sources, lineage) to OUT: a new (or empty) directory, or an archive when\n"
	"OUT ends in .tar, .tar.gz, .tgz, .tar.zst, .tar.xz or .zip.  A signed\n"
	"version also gets its newest signature as model.sig, so `gpai verify OUT`\n"
	"checks the export.  Adding the export again gives the same root digest.\n",
	run,
};
