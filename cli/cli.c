/*
 * cli.c - terminal helpers shared by the commands: error and usage lines,
 * JSON output, progress on a terminal.
 */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

int cli_fail(const struct gpai_error *err, const char *what, ...)
{
	va_list ap;

	fputs("gpai: ", stderr);
	va_start(ap, what);
	vfprintf(stderr, what, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", gpai_errmsg(err));
	return CLI_FAIL;
}

int cli_failf(const char *fmt, ...)
{
	va_list ap;

	fputs("gpai: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return CLI_FAIL;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	const struct cli_cmd *c = cli_find(cmd);
	va_list ap;

	fprintf(stderr, "gpai %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c) {
		const char *nl = strchr(c->usage, '\n');
		int n = nl ? (int)(nl - c->usage) : (int)strlen(c->usage);

		fprintf(stderr, "usage: %.*s\n", n, c->usage);
	}
	fprintf(stderr, "(see 'gpai help %s')\n", cmd);
	return CLI_USAGE;
}

int cli_print_json(cJSON *j)
{
	char *s;

	if (!j)
		return cli_failf("out of memory");
	s = cJSON_Print(j);
	cJSON_Delete(j);
	if (!s)
		return cli_failf("out of memory");
	puts(s);
	free(s);
	return CLI_OK;
}

const char *cli_bytes(uint64_t n, char out[32])
{
	static const char *units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
	double v = (double)n;
	int u = 0;

	while (v >= 1000 && u < 5) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(out, 32, "%llu B", (unsigned long long)n);
	else
		snprintf(out, 32, "%.1f %s", v, units[u]);
	return out;
}

void cli_progress_cb(void *ctx, uint64_t done, uint64_t total)
{
	struct cli_progress *p = ctx;
	char a[32], b[32];

	if (!p || !p->cli->progress)
		return;
	fprintf(stderr, "\r%s: %3d%% (%s of %s)", p->what,
		total ? (int)(100.0 * (double)done / (double)total) : 100,
		cli_bytes(done, a), cli_bytes(total, b));
	fflush(stderr);
	p->drawn = 1;
}

void cli_progress_end(struct cli_progress *p)
{
	if (p && p->drawn) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
		p->drawn = 0;
	}
}
