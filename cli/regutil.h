/*
 * regutil.h - what the registry commands share: opening the registry,
 * option parsing and the JSON shape of a version (docs/show.md).
 */
#ifndef GPAI_CLI_REGUTIL_H
#define GPAI_CLI_REGUTIL_H

#include "cli.h"
#include "registry.h"

/* Opens cli->registry; on failure prints the error and returns CLI_FAIL
 * (else CLI_OK and *reg is set). */
int regutil_open(const struct cli *cli, struct gpai_registry **reg);

/* For a command that takes no options and exactly n operands argv[1..n]:
 * checks argv (an option gives "unknown option", fewer operands the usage
 * message `missing`, more "unexpected argument"), then opens the registry.
 * Returns CLI_OK with *reg open (caller closes it), CLI_USAGE after a usage
 * error or CLI_FAIL when the registry cannot be opened (*reg untouched). */
int regutil_operands_open(const struct cli *cli, const char *cmd, int argc, char **argv,
			  int n, const char *missing, struct gpai_registry **reg);

/* If argv[*i] is option `name` ("--name VALUE" or "--name=VALUE"), stores
 * the value, advances *i and returns 1; returns 0 if it is another
 * argument; returns -1 after a usage error (value missing). */
int regutil_opt(const char *cmd, int argc, char **argv, int *i,
		const char *name, const char **value);

/* An option of an options struct: a valued option ("--tokens N") stores a
 * `const char *` at offset off; a flag ("--detailed") stores the int 1. */
struct regutil_optspec {
	const char *name;
	size_t off;
	int flag;
};

/* Parses argv[1..] into the struct at base by the table spec[0..n): each
 * option through regutil_opt, and at most one operand into *operand.
 * Returns CLI_OK, or CLI_USAGE after printing the usage error (unknown
 * option, missing value, a second operand). */
int regutil_parse(const char *cmd, int argc, char **argv, void *base,
		  const struct regutil_optspec *spec, size_t n, const char **operand);

/* Explicit registry credentials of push and pull: with --username USER,
 * --password-stdin reads the password from the first line of stdin (the
 * line end dropped) into *password (malloc'd; the caller cleanses and frees
 * it).  Neither option: CLI_OK with *password NULL.  CLI_USAGE when only
 * one of them is given; CLI_FAIL (message printed) when stdin has no line. */
int regutil_password_stdin(const char *cmd, const char *user, int pw_stdin, char **password);

/* JSON object of a version (without files and facts). */
struct cJSON *regutil_version_json(const struct gpai_version *v);
/* JSON object of a fact. */
struct cJSON *regutil_fact_json(const struct gpai_fact *f);
/* Parses a model-metadata JSON text (NULL or bad text gives JSON null). */
struct cJSON *regutil_model_json(const char *text);

#endif
