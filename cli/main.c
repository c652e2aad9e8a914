/*
 * main.c - the gpai command line: global options and the command table.
 *
 * Every command lives in cli/cmd_<verb>.c and exports one struct cli_cmd;
 * the table below lists them all (git's git.c, tmux's cmd.c).  `gpai help
 * [COMMAND]` and `gpai COMMAND --help` print from the same table.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmd_help_run(struct cli *cli, int argc, char **argv);

extern const struct cli_cmd cmd_hash;
extern const struct cli_cmd cmd_run;
extern const struct cli_cmd cmd_init;
extern const struct cli_cmd cmd_add;
extern const struct cli_cmd cmd_list;
extern const struct cli_cmd cmd_show;
extern const struct cli_cmd cmd_key;
extern const struct cli_cmd cmd_sign;
extern const struct cli_cmd cmd_verify;
extern const struct cli_cmd cmd_catalogue;
extern const struct cli_cmd cmd_fact;
extern const struct cli_cmd cmd_alias;
extern const struct cli_cmd cmd_log;
extern const struct cli_cmd cmd_export;
extern const struct cli_cmd cmd_rm;
extern const struct cli_cmd cmd_gc;
extern const struct cli_cmd cmd_fsck;
extern const struct cli_cmd cmd_flops;
extern const struct cli_cmd cmd_classify;
extern const struct cli_cmd cmd_report;
extern const struct cli_cmd cmd_eval;
extern const struct cli_cmd cmd_dossier;
extern const struct cli_cmd cmd_openness;
extern const struct cli_cmd cmd_push;
extern const struct cli_cmd cmd_pull;

static const struct cli_cmd cmd_help = {
	"help", "show the commands, or one command's usage",
	"gpai help [COMMAND]\n"
	"\n"
	"Without COMMAND, lists the commands; with it, prints its usage.\n",
	cmd_help_run,
};

/* The command table: one line per command, in the order `help` lists them. */
static const struct cli_cmd *const commands[] = {
	&cmd_help,
	&cmd_hash,
	&cmd_run,
	&cmd_init,
	&cmd_add,
	&cmd_list,
	&cmd_show,
	&cmd_key,
	&cmd_sign,
	&cmd_verify,
	&cmd_catalogue,
	&cmd_fact,
	&cmd_alias,
	&cmd_log,
	&cmd_export,
	&cmd_rm,
	&cmd_gc,
	&cmd_fsck,
	&cmd_flops,
	&cmd_classify,
	&cmd_report,
	&cmd_eval,
	&cmd_dossier,
	&cmd_openness,
	&cmd_push,
	&cmd_pull,
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char global_usage[] =
	"usage: gpai [--registry DIR] [--json] [--quiet] COMMAND [ARGS]\n"
	"       gpai --version | gpai help [COMMAND] | gpai COMMAND --help\n"
	"\n"
	"Global options (before or after the command):\n"
	"  --registry DIR  the registry (default: $GPAI_REGISTRY, else ./.gpai)\n"
	"  --json          machine-readable output\n"
	"  --quiet         print only what was asked for\n"
	"\n"
	"Exit status: 0 success, 1 failure, 2 usage error.\n";

const struct cli_cmd *cli_find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static void list_commands(FILE *out)
{
	fputs(global_usage, out);
	fputs("\nCommands:\n", out);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
}

static int cmd_help_run(struct cli *cli, int argc, char **argv)
{
	const struct cli_cmd *c;

	if (argc < 2) {
		list_commands(stdout);
		return CLI_OK;
	}
	if (argc > 2)
		return cli_usage("help", "too many arguments");
	c = cli_find(argv[1]);
	if (!c)
		return cli_usage("help", "unknown command '%s'", argv[1]);
	fputs("usage: ", stdout);
	fputs(c->usage, stdout);
	return CLI_OK;
}

/* Removes the global options from argv (anywhere before "--"); returns the
 * new argc, or -1 after printing a usage error. */
static int take_globals(struct cli *cli, int argc, char **argv)
{
	int out = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(a, "--json") == 0) {
			cli->json = 1;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			cli->quiet = 1;
		} else if (strcmp(a, "--registry") == 0) {
			if (i + 1 >= argc) {
				fputs("gpai: --registry needs a directory\n", stderr);
				return -1;
			}
			cli->registry = argv[++i];
		} else if (strncmp(a, "--registry=", 11) == 0) {
			cli->registry = a + 11;
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;
	return out;
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	const struct cli_cmd *c;
	const char *env;

	argc = take_globals(&cli, argc, argv);
	if (argc < 0)
		return CLI_USAGE;
	if (!cli.registry) {
		env = getenv("GPAI_REGISTRY");
		cli.registry = env && *env ? env : ".gpai";
	}
	cli.progress = !cli.json && !cli.quiet && isatty(STDERR_FILENO);

	if (argc < 2) {
		list_commands(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("gpai %s\n", GPAI_VERSION);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		list_commands(stdout);
		return CLI_OK;
	}
	c = cli_find(argv[1]);
	if (!c) {
		fprintf(stderr, "gpai: '%s' is not a gpai command (see 'gpai help')\n", argv[1]);
		return CLI_USAGE;
	}
	for (int i = 2; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs("usage: ", stdout);
			fputs(c->usage, stdout);
			return CLI_OK;
		}
	}
	return c->run(&cli, argc - 1, argv + 1);
}
