/*
 * cmd_log.c - `gpai log NAME`: the append-only event log of a model
 * (adds, alias moves, removals) with who and when.
 */
#include "regutil.h"

#include <stdio.h>

#include <cJSON.h>

static cJSON *str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static int run(struct cli *cli, int argc, char **argv)
{
	struct gpai_registry *reg;
	struct gpai_event *e = NULL;
	struct gpai_error err;
	size_t n = 0;
	int rc;

	rc = regutil_operands_open(cli, "log", argc, argv, 1, "missing NAME", &reg);
	if (rc)
		return rc;
	gpai_error_init(&err);
	rc = gpai_registry_log(reg, argv[1], &e, &n, &err);
	gpai_registry_close(reg);
	if (rc)
		return cli_fail(&err, "cannot read the log of '%s'", argv[1]);
	if (cli->json) {
		cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; i < n; i++) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "at", e[i].at);
			cJSON_AddStringToObject(o, "who", e[i].who);
			cJSON_AddStringToObject(o, "event", e[i].kind);
			cJSON_AddItemToObject(o, "alias", str_or_null(e[i].alias));
			cJSON_AddItemToObject(o, "from", str_or_null(e[i].from_version));
			cJSON_AddItemToObject(o, "to", str_or_null(e[i].to_version));
			cJSON_AddItemToArray(arr, o);
		}
		gpai_events_free(e, n);
		return cli_print_json(arr);
	}
	for (size_t i = 0; i < n; i++) {
		printf("%s  %-12s %-6s", e[i].at, e[i].who, e[i].kind);
		if (e[i].alias)
			printf(" %s:", e[i].alias);
		printf(" %s -> %s\n", e[i].from_version ? e[i].from_version : "-",
		       e[i].to_version ? e[i].to_version : "-");
	}
	gpai_events_free(e, n);
	return CLI_OK;
}

const struct cli_cmd cmd_log = {
	"log", "the event log of a model: adds, alias moves, removals",
	"gpai log NAME\n"
	"\n"
	"Prints every event of model NAME, oldest first: when, who, the event\n"
	"(add, alias, rm), the alias for alias moves, and from -> to versions.\n"
	"The log is append-only.\n",
	run,
};
