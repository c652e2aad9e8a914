/*
 * cmd_report.c - `gpai report --catalogue`: the classification table of the
 * catalogue's models, in Markdown, HTML or JSON (docs/catalogue.md).
 */
#include "report_catalogue.h"
#include "regutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#define DATE_LEN 10

static const char usage[] =
	"gpai report --catalogue [--format md|html|json] [--date YYYY-MM-DD]\n"
	"                        [--dir DIR] [--out FILE]\n"
	"\n"
	"The classification table of the catalogue's models (docs/catalogue.md):\n"
	"model, developer, openness class and why, parameters, tokens, training\n"
	"FLOP with method, interval and source, the EU GPAI, systemic-risk and\n"
	"modification rules, US-CA SB 53 and US-NY RAISE with the margin, and what\n"
	"the developer did not publish; then a note per model with the Art. 53(2)\n"
	"licence reading.  --date is the day the rules are judged on (default:\n"
	"today, UTC); --dir reads another catalogue directory; --out writes to\n"
	"FILE instead of stdout.  --json is --format json.\n";

static int run(struct cli *cli, int argc, char **argv)
{
	const char *format = cli->json ? "json" : "md", *date = NULL, *dir = NULL, *out = NULL;
	struct catalogue_model *m = NULL;
	struct rc_row *rows = NULL;
	struct gpai_error err;
	char today[21], *text = NULL;
	int catalogue = 0, rc = CLI_FAIL;
	size_t n = 0;

	for (int i = 1; i < argc;) {
		int r;

		if (strcmp(argv[i], "--catalogue") == 0) {
			catalogue = 1;
			i++;
			continue;
		}
		if ((r = regutil_opt("report", argc, argv, &i, "--format", &format)) ||
		    (r = regutil_opt("report", argc, argv, &i, "--date", &date)) ||
		    (r = regutil_opt("report", argc, argv, &i, "--dir", &dir)) ||
		    (r = regutil_opt("report", argc, argv, &i, "--out", &out))) {
			if (r < 0)
				return CLI_USAGE;
			continue;
		}
		return cli_usage("report", argv[i][0] == '-' ? "unknown option '%s'"
				 : "unexpected argument '%s'", argv[i]);
	}
	if (!catalogue)
		return cli_usage("report", "say what to report: --catalogue");
	if (strcmp(format, "md") && strcmp(format, "html") && strcmp(format, "json"))
		return cli_usage("report", "unknown format '%s' (want md, html or json)", format);
	if (!date) {
		gpai_now_iso8601(today);
		today[DATE_LEN] = '\0';
		date = today;
	}
	gpai_error_init(&err);
	if (catalogue_load(dir, &m, &n, &err))
		return cli_fail(&err, "cannot read the catalogue");
	if (rc_build(m, n, date, &rows, &err)) {
		rc = cli_fail(&err, "cannot classify the catalogue");
		goto done;
	}
	if (strcmp(format, "json") == 0) {
		cJSON *j = rc_json(rows, n, date);

		text = j ? cJSON_Print(j) : NULL;
		cJSON_Delete(j);
		if (text) {
			char *t2 = gpai_asprintf("%s\n", text);

			free(text);
			text = t2;
		}
	} else {
		text = strcmp(format, "md") == 0 ? rc_markdown(rows, n, date)
			: rc_html(rows, n, date);
	}
	if (!text) {
		rc = cli_failf("out of memory");
		goto done;
	}
	if (out) {
		if (gpai_write_file_atomic(out, text, strlen(text), 0644, &err)) {
			rc = cli_fail(&err, "cannot write the report");
			goto done;
		}
	} else {
		fputs(text, stdout);
	}
	rc = CLI_OK;
done:
	free(text);
	free(rows);
	catalogue_free(m, n);
	return rc;
}

const struct cli_cmd cmd_report = {
	"report", "reports over many models: the classified catalogue",
	usage,
	run,
};
