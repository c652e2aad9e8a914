/*
 * cli.h - what the command files share: the command descriptor, global
 * options and terminal helpers.  Only cli/ prints; the library returns
 * status codes and messages.
 */
#ifndef GPAI_CLI_H
#define GPAI_CLI_H

#include <stdint.h>

#include "common.h"

struct cJSON;

/* Global options, parsed by main.c before the command runs. */
struct cli {
	const char *registry; /* --registry, else $GPAI_REGISTRY, else ./.gpai */
	int json;             /* --json: machine-readable output on stdout */
	int quiet;            /* --quiet: nothing on stdout but requested data */
	int progress;         /* stderr is a terminal and neither of the above */
};

/* One command (tmux's cmd_entry, git's cmd_struct). */
struct cli_cmd {
	const char *name;
	const char *summary; /* one line for `gpai help` */
	const char *usage;   /* full usage text, first line "gpai NAME ..." */
	int (*run)(struct cli *cli, int argc, char **argv); /* 0, 1 or 2 */
};

/* Exit statuses. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Prints "gpai: <what>: <why>" for err and returns CLI_FAIL. */
int cli_fail(const struct gpai_error *err, const char *what, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints "gpai: <message>" and returns CLI_FAIL. */
int cli_failf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "gpai <cmd>: <message>", the usage line, and returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints a cJSON value on stdout, indented, and frees it.  Returns CLI_OK,
 * or CLI_FAIL when j is NULL (out of memory). */
int cli_print_json(struct cJSON *j);
/* Progress callback for the library: draws "what: 42% (1.2 GB of 3 GB)" on
 * stderr when cli->progress; ctx is the struct cli_progress. */
struct cli_progress {
	const struct cli *cli;
	const char *what;
	int drawn;
};
void cli_progress_cb(void *ctx, uint64_t done, uint64_t total);
void cli_progress_end(struct cli_progress *p);
/* Formats a byte count as "1.2 GB" into out[32]. */
const char *cli_bytes(uint64_t n, char out[32]);

/* Looks a command up in the table; NULL if there is none. */
const struct cli_cmd *cli_find(const char *name);

#endif
