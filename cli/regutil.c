/*
 * regutil.c - helpers shared by the registry commands.
 */
#include "regutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

int regutil_open(const struct cli *cli, struct gpai_registry **reg)
{
	struct gpai_error err;

	gpai_error_init(&err);
	if (gpai_registry_open(cli->registry, reg, &err))
		return cli_fail(&err, "cannot open registry");
	return CLI_OK;
}

int regutil_operands_open(const struct cli *cli, const char *cmd, int argc, char **argv,
			  int n, const char *missing, struct gpai_registry **reg)
{
	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			return cli_usage(cmd, "unknown option '%s'", argv[i]);
	if (argc < n + 1)
		return cli_usage(cmd, "%s", missing);
	if (argc > n + 1)
		return cli_usage(cmd, "unexpected argument '%s'", argv[n + 1]);
	return regutil_open(cli, reg);
}

int regutil_opt(const char *cmd, int argc, char **argv, int *i,
		const char *name, const char **value)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*value = a + n + 1;
		(*i)++;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		cli_usage(cmd, "%s needs a value", name);
		return -1;
	}
	*value = argv[*i + 1];
	*i += 2;
	return 1;
}

int regutil_parse(const char *cmd, int argc, char **argv, void *base,
		  const struct regutil_optspec *spec, size_t n, const char **operand)
{
	int i = 1;

	while (i < argc) {
		const char *a = argv[i];
		int matched = 0;

		for (size_t k = 0; k < n && !matched; k++) {
			void *slot = (char *)base + spec[k].off;
			int r;

			if (spec[k].flag) {
				if (strcmp(a, spec[k].name) == 0) {
					*(int *)slot = 1;
					i++;
					matched = 1;
				}
				continue;
			}
			r = regutil_opt(cmd, argc, argv, &i, spec[k].name, (const char **)slot);
			if (r < 0)
				return CLI_USAGE;
			matched = r > 0;
		}
		if (matched)
			continue;
		if (a[0] == '-')
			return cli_usage(cmd, "unknown option '%s'", a);
		if (*operand)
			return cli_usage(cmd, "unexpected argument '%s'", a);
		*operand = a;
		i++;
	}
	return CLI_OK;
}

static cJSON *str_or_null(const char *s)
{
	return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

cJSON *regutil_model_json(const char *text)
{
	cJSON *j = text ? cJSON_Parse(text) : NULL;

	return j ? j : cJSON_CreateNull();
}

cJSON *regutil_version_json(const struct gpai_version *v)
{
	cJSON *o = cJSON_CreateObject(), *a;
	char *ref = gpai_asprintf("%s@%s", v->name, v->version);

	cJSON_AddItemToObject(o, "ref", str_or_null(ref));
	free(ref);
	cJSON_AddStringToObject(o, "name", v->name);
	cJSON_AddStringToObject(o, "version", v->version);
	cJSON_AddItemToObject(o, "provider", str_or_null(v->provider));
	cJSON_AddItemToObject(o, "license", str_or_null(v->license));
	cJSON_AddStringToObject(o, "access", v->access);
	cJSON_AddBoolToObject(o, "has_files", v->has_files);
	cJSON_AddItemToObject(o, "root_digest",
			      v->has_files ? cJSON_CreateString(v->root_digest) : cJSON_CreateNull());
	cJSON_AddNumberToObject(o, "n_files", (double)v->n_files);
	cJSON_AddNumberToObject(o, "total_bytes", (double)v->total_bytes);
	if (v->base_name) {
		cJSON *b = cJSON_AddObjectToObject(o, "base");

		cJSON_AddStringToObject(b, "name", v->base_name);
		cJSON_AddStringToObject(b, "version", v->base_version);
		cJSON_AddStringToObject(b, "relation", v->relation);
	} else {
		cJSON_AddNullToObject(o, "base");
	}
	a = cJSON_AddArrayToObject(o, "aliases");
	for (size_t i = 0; i < v->n_aliases; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v->aliases[i]));
	cJSON_AddStringToObject(o, "added_by", v->added_by);
	cJSON_AddStringToObject(o, "added_at", v->added_at);
	return o;
}

cJSON *regutil_fact_json(const struct gpai_fact *f)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "field", f->field);
	cJSON_AddStringToObject(o, "value", f->value);
	cJSON_AddStringToObject(o, "source", f->source);
	cJSON_AddStringToObject(o, "recorded_by", f->recorded_by);
	cJSON_AddStringToObject(o, "recorded_at", f->recorded_at);
	return o;
}

int regutil_password_stdin(const char *cmd, const char *user, int pw_stdin, char **password)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	*password = NULL;
	if (!user && !pw_stdin)
		return CLI_OK;
	if (!user || !*user)
		return cli_usage(cmd, "--password-stdin needs --username USER");
	if (!pw_stdin)
		return cli_usage(cmd, "--username needs --password-stdin (the password is read "
				 "from stdin, never from the command line)");
	n = getline(&line, &cap, stdin);
	if (n <= 0) {
		free(line);
		return cli_failf("%s: --password-stdin: no password on stdin", cmd);
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	*password = line;
	return CLI_OK;
}
