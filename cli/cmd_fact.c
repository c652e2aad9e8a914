/*
 * cmd_fact.c - `gpai fact set|show|history`: facts about a version, with
 * their sources; append-only (docs/facts.md).
 */
#include "regutil.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

static int fact_set(struct cli *cli, int argc, char **argv)
{
	const char *pos[3] = { NULL, NULL, NULL }, *source = NULL;
	struct gpai_registry *reg;
	struct gpai_error err;
	int npos = 0, rc;

	for (int i = 1; i < argc;) {
		int hit = regutil_opt("fact", argc, argv, &i, "--source", &source);

		if (hit < 0)
			return CLI_USAGE;
		if (hit)
			continue;
		if (argv[i][0] == '-' && argv[i][1] && npos < 2)
			return cli_usage("fact", "unknown option '%s'", argv[i]);
		if (npos == 3)
			return cli_usage("fact", "unexpected argument '%s'", argv[i]);
		pos[npos++] = argv[i++];
	}
	if (npos < 3)
		return cli_usage("fact", "fact set needs NAME@VER FIELD VALUE --source TEXT");
	if (!source)
		return cli_usage("fact", "fact set needs --source (a URL, a citation, "
				 "'measured:' or 'computed:')");
	if (regutil_open(cli, &reg))
		return CLI_FAIL;
	gpai_error_init(&err);
	rc = gpai_registry_fact_set(reg, pos[0], pos[1], pos[2], source, &err);
	gpai_registry_close(reg);
	if (rc)
		return cli_fail(&err, "cannot set fact on '%s'", pos[0]);
	if (cli->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "ref", pos[0]);
		cJSON_AddStringToObject(o, "field", pos[1]);
		cJSON_AddStringToObject(o, "source", source);
		return cli_print_json(o);
	}
	if (!cli->quiet)
		printf("%s: %s recorded\n", pos[0], pos[1]);
	return CLI_OK;
}

static int fact_list(struct cli *cli, int argc, char **argv, int history)
{
	const char *ref = NULL, *field = NULL;
	struct gpai_registry *reg;
	struct gpai_version v;
	struct gpai_fact *f = NULL;
	struct gpai_error err;
	size_t n = 0;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			return cli_usage("fact", "unknown option '%s'", argv[i]);
		if (!ref)
			ref = argv[i];
		else if (!field)
			field = argv[i];
		else
			return cli_usage("fact", "unexpected argument '%s'", argv[i]);
	}
	if (!ref)
		return cli_usage("fact", "fact %s needs NAME@VER", history ? "history" : "show");
	if (regutil_open(cli, &reg))
		return CLI_FAIL;
	gpai_error_init(&err);
	rc = gpai_registry_lookup(reg, ref, &v, &err);
	if (rc == GPAI_OK) {
		rc = gpai_registry_facts(reg, &v, field, history, &f, &n, &err);
		gpai_version_release(&v);
	}
	gpai_registry_close(reg);
	if (rc)
		return cli_fail(&err, "cannot read facts of '%s'", ref);
	if (field && n == 0) {
		const struct gpai_fact_field *def = gpai_fact_field_lookup(field);

		gpai_facts_free(f, n);
		if (!def && strncmp(field, "x.", 2) != 0)
			return cli_failf("cannot read facts of '%s': unknown field '%s' "
					 "(see docs/facts.md)", ref, field);
		return cli_failf("cannot read facts of '%s': no fact '%s' recorded", ref, field);
	}
	if (cli->json) {
		cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; i < n; i++)
			cJSON_AddItemToArray(arr, regutil_fact_json(&f[i]));
		gpai_facts_free(f, n);
		return cli_print_json(arr);
	}
	for (size_t i = 0; i < n; i++) {
		if (cli->quiet && field)
			printf("%s\n", f[i].value);
		else if (history)
			printf("%s  %s  %s = %s\n    source: %s\n", f[i].recorded_at,
			       f[i].recorded_by, f[i].field, f[i].value, f[i].source);
		else
			printf("%s = %s\n    source: %s (%s, %s)\n", f[i].field, f[i].value,
			       f[i].source, f[i].recorded_by, f[i].recorded_at);
	}
	gpai_facts_free(f, n);
	return CLI_OK;
}

static int run(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("fact", "missing set, show or history");
	if (strcmp(argv[1], "set") == 0)
		return fact_set(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return fact_list(cli, argc - 1, argv + 1, 0);
	if (strcmp(argv[1], "history") == 0)
		return fact_list(cli, argc - 1, argv + 1, 1);
	return cli_usage("fact", "unknown subcommand '%s' (set, show or history)", argv[1]);
}

const struct cli_cmd cmd_fact = {
	"fact", "record and read facts about a version, with their sources",
	"gpai fact set NAME@VER FIELD VALUE --source TEXT\n"
	"       gpai fact show NAME@VER [FIELD]\n"
	"       gpai fact history NAME@VER [FIELD]\n"
	"\n"
	"set records a fact (validated against the vocabulary in docs/facts.md;\n"
	"own fields start with 'x.') with its source: a URL, a citation, or\n"
	"'measured:' / 'computed:'.  Facts are append-only: setting a field again\n"
	"adds a row and the newest is current.  show prints the current value of\n"
	"each field (or one); history prints every row with who and when.\n",
	run,
};
