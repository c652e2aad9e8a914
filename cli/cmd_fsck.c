/*
 * cmd_fsck.c - `gpai fsck`: re-hash every blob, check the database, and
 * compare the catalogue with the store.
 */
#include "regutil.h"

#include <stdio.h>

#include <cJSON.h>

static cJSON *strv(char **v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static int run(struct cli *cli, int argc, char **argv)
{
	struct cli_progress prog = { cli, "checking", 0 };
	struct gpai_registry *reg;
	struct gpai_fsck_report r;
	struct gpai_error err;
	char b[32];
	int rc;

	if (argc > 1)
		return cli_usage("fsck", argv[1][0] == '-' ? "unknown option '%s'"
				 : "unexpected argument '%s'", argv[1]);
	if (regutil_open(cli, &reg))
		return CLI_FAIL;
	gpai_error_init(&err);
	rc = gpai_registry_fsck(reg, &r, cli_progress_cb, &prog, &err);
	cli_progress_end(&prog);
	gpai_registry_close(reg);
	if (rc) {
		gpai_fsck_report_release(&r);
		return cli_fail(&err, "cannot check the registry");
	}
	if (cli->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddBoolToObject(o, "clean", r.clean);
		cJSON_AddStringToObject(o, "database", r.integrity);
		cJSON_AddNumberToObject(o, "blobs_checked", (double)r.blobs_checked);
		cJSON_AddNumberToObject(o, "bytes_checked", (double)r.bytes_checked);
		cJSON_AddItemToObject(o, "corrupt", strv(r.corrupt, r.n_corrupt));
		cJSON_AddItemToObject(o, "missing", strv(r.missing, r.n_missing));
		cJSON_AddItemToObject(o, "orphans", strv(r.orphans, r.n_orphans));
		cJSON_AddItemToObject(o, "strays", strv(r.strays, r.n_strays));
		cJSON_AddNumberToObject(o, "dossiers_checked", (double)r.dossiers_checked);
		cJSON_AddItemToObject(o, "bad_dossiers", strv(r.bad_dossiers, r.n_bad_dossiers));
		if (r.legacy_dir)
			cJSON_AddStringToObject(o, "legacy_dossiers", r.legacy_dir);
		else
			cJSON_AddNullToObject(o, "legacy_dossiers");
		cli_print_json(o);
	} else {
		for (size_t i = 0; i < r.n_corrupt; i++)
			printf("corrupt blob %s (content does not match its digest)\n", r.corrupt[i]);
		for (size_t i = 0; i < r.n_missing; i++)
			printf("missing blob %s (referenced by the catalogue)\n", r.missing[i]);
		for (size_t i = 0; i < r.n_strays; i++)
			printf("stray file '%s' in the blob store\n", r.strays[i]);
		for (size_t i = 0; i < r.n_bad_dossiers; i++)
			printf("bad dossier %s\n", r.bad_dossiers[i]);
		if (r.legacy_dir && !cli->quiet)
			printf("leftover folder '%s' (already imported into the catalogue; "
			       "'gpai gc' removes it)\n", r.legacy_dir);
		for (size_t i = 0; i < r.n_orphans && !cli->quiet; i++)
			printf("orphan blob %s (unreferenced; 'gpai gc' removes it)\n", r.orphans[i]);
		if (!r.clean || !cli->quiet)
			printf("database: %s\n", r.integrity);
		if (!cli->quiet) {
			printf("%s: %llu blobs, %s checked", r.clean ? "clean" : "NOT CLEAN",
			       (unsigned long long)r.blobs_checked, cli_bytes(r.bytes_checked, b));
			if (r.dossiers_checked)
				printf(", %llu kept dossiers", (unsigned long long)r.dossiers_checked);
			printf("\n");
		}
	}
	rc = r.clean ? CLI_OK : CLI_FAIL;
	gpai_fsck_report_release(&r);
	return rc;
}

const struct cli_cmd cmd_fsck = {
	"fsck", "re-hash every blob and check the catalogue",
	"gpai fsck\n"
	"\n"
	"Re-hashes every blob against its name, runs SQLite's integrity check and\n"
	"compares the catalogue with the store.  Checks every kept dossier: its\n"
	"document blob is there, matches its digest and size and is a dossier.\n"
	"Reports corrupt blobs, missing blobs, stray files and bad dossiers\n"
	"(exit 1), and orphan blobs (unreferenced: harmless, removed by gc; they\n"
	"do not fail the check).\n",
	run,
};
