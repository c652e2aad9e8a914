/*
 * cmd_gc.c - `gpai gc`: delete blobs no version references.
 */
#include "regutil.h"

#include <stdio.h>

#include <cJSON.h>

static int run(struct cli *cli, int argc, char **argv)
{
	struct gpai_registry *reg;
	struct gpai_gc_result r;
	struct gpai_error err;
	char b[32];
	int rc;

	if (argc > 1)
		return cli_usage("gc", argv[1][0] == '-' ? "unknown option '%s'"
				 : "unexpected argument '%s'", argv[1]);
	if (regutil_open(cli, &reg))
		return CLI_FAIL;
	gpai_error_init(&err);
	rc = gpai_registry_gc(reg, &r, &err);
	gpai_registry_close(reg);
	if (rc)
		return cli_fail(&err, "cannot collect garbage");
	if (cli->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "blobs_removed", (double)r.blobs_removed);
		cJSON_AddNumberToObject(o, "bytes_removed", (double)r.bytes_removed);
		cJSON_AddNumberToObject(o, "blobs_kept", (double)r.blobs_kept);
		cJSON_AddNumberToObject(o, "tmp_removed", (double)r.tmp_removed);
		cJSON_AddNumberToObject(o, "legacy_removed", (double)r.legacy_removed);
		cJSON_AddNumberToObject(o, "bundles_removed", (double)r.bundles_removed);
		return cli_print_json(o);
	}
	if (!cli->quiet)
		printf("removed %llu blobs (%s), kept %llu; %llu temporary files removed\n",
		       (unsigned long long)r.blobs_removed, cli_bytes(r.bytes_removed, b),
		       (unsigned long long)r.blobs_kept, (unsigned long long)r.tmp_removed);
	if (!cli->quiet && r.bundles_removed)
		printf("removed %llu pulled dossier bundles that no kept dossier names\n",
		       (unsigned long long)r.bundles_removed);
	if (!cli->quiet && r.legacy_removed)
		printf("removed %llu files of the imported schema-3 dossiers/ folder\n",
		       (unsigned long long)r.legacy_removed);
	return CLI_OK;
}

const struct cli_cmd cmd_gc = {
	"gc", "delete blobs that no version references",
	"gpai gc\n"
	"\n"
	"Deletes every blob that no version references (after rm, or left by an\n"
	"interrupted add), among them the documents of dossiers kept for removed\n"
	"versions, and leftover temporary files.  Waits for running adds.\n",
	run,
};
