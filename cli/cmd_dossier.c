/*
 * cmd_dossier.c - `gpai dossier`: draw up the compliance dossier of a model
 * for one audience, in one format, with a completeness report.
 *
 * The model description comes from a fact file (--facts FILE).  The
 * document is built by the dossier module; this file only chooses where
 * it goes, runs headless Chromium for PDF, and reports.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include "cli.h"
#include "dossier.h"

#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>

#define FMT_PDF 100 /* not a library format: HTML through Chromium */

static const char usage[] =
	"gpai dossier --facts FILE [--audience aio|nca|dp|public]\n"
	"             [--format json|md|html|pdf|cyclonedx] [--out PATH] [--date YYYY-MM-DD] [--strict]\n"
	"\n"
	"Draws up the compliance dossier (Model Documentation Form, Annex XI / XII,\n"
	"Arts. 52, 53, 55, the public training-content summary, openness) of the model\n"
	"described by a fact file (docs/facts.md), for one audience:\n"
	"  aio     AI Office: every value, precise\n"
	"  nca     national competent authorities: training time as a range, FLOP and\n"
	"          data-point counts as orders of magnitude\n"
	"  dp      downstream providers: the Annex XII items\n"
	"  public  the training-content summary, copyright policy, contact point\n"
	"\n"
	"Without --out the document goes to stdout (pdf needs --out) and a one-line\n"
	"completeness summary to stderr; with --out the completeness report (every\n"
	"required field still missing, with the `gpai fact set` command that would\n"
	"record it) goes to stdout, or as JSON with --json.\n"
	"\n"
	"  --audience A   default aio\n"
	"  --format F     default md; pdf renders the HTML with headless Chromium\n"
	"  --date D       document date (default today)\n"
	"  --strict       exit 1 when a required field is missing or a fact is inconsistent\n"
	"\n"
	"PDF: Chromium is looked up as $GPAI_CHROMIUM, chromium, chromium-browser.\n";

static const char *find_chromium(void)
{
	static const char *const names[] = { "chromium", "chromium-browser", "google-chrome" };
	static char found[4096];
	const char *env = getenv("GPAI_CHROMIUM"), *path = getenv("PATH");

	if (env && *env)
		return access(env, X_OK) == 0 ? env : NULL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const char *p = path ? path : "/usr/bin:/bin";

		while (*p) {
			size_t n = strcspn(p, ":");

			snprintf(found, sizeof(found), "%.*s/%s", (int)n, p, names[i]);
			if (n && access(found, X_OK) == 0)
				return found;
			p += n + (p[n] == ':');
		}
	}
	return NULL;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* Renders html (a file) to pdf with headless Chromium; flags keep it off
 * the network and out of the user's profile. */
static int html_to_pdf(const char *html, const char *pdf)
{
	const char *chromium = find_chromium();
	char tmpl[] = "/tmp/gpai-chromium-XXXXXX", *profile, *arg_out = NULL, *arg_dir = NULL,
	     *url = NULL, *html_abs = NULL;
	int status = -1, rc = CLI_FAIL, devnull;
	pid_t pid;

	if (!chromium)
		return cli_failf("cannot render '%s' as PDF: headless Chromium is not installed "
				 "(Debian: apt-get install chromium; or set GPAI_CHROMIUM); "
				 "--format html gives the same document", pdf);
	profile = mkdtemp(tmpl);
	html_abs = realpath(html, NULL);
	if (!profile || !html_abs)
		goto cleanup;
	arg_out = gpai_asprintf("--print-to-pdf=%s", pdf);
	arg_dir = gpai_asprintf("--user-data-dir=%s", profile);
	url = gpai_asprintf("file://%s", html_abs);
	if (!arg_out || !arg_dir || !url)
		goto cleanup;
	pid = fork();
	if (pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
			dup2(devnull, STDERR_FILENO);
		}
		execl(chromium, chromium, "--headless", "--no-sandbox", "--disable-gpu",
		      "--disable-background-networking", "--disable-component-update",
		      "--disable-sync", "--no-first-run", "--disable-quic",
		      "--no-pdf-header-footer", arg_dir, arg_out, url, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		goto cleanup;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !gpai_path_exists(pdf)) {
		cli_failf("cannot render '%s' as PDF: %s exited with status %d", pdf, chromium,
			  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		rc = CLI_FAIL;
		goto cleanup_quiet;
	}
	rc = CLI_OK;
	goto cleanup_quiet;
cleanup:
	cli_failf("cannot render '%s' as PDF: %s", pdf, strerror(errno));
cleanup_quiet:
	if (profile)
		nftw(profile, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(arg_out);
	free(arg_dir);
	free(url);
	free(html_abs);
	return rc;
}

static int write_out(const char *path, const char *data, size_t len, struct gpai_error *err)
{
	return gpai_write_file_atomic(path, data, len, 0644, err);
}

static void print_report(const struct cli *cli, const cJSON *doc, const char *out,
			 const char *format)
{
	const cJSON *comp = cJSON_GetObjectItemCaseSensitive(doc, "completeness"), *m;
	const cJSON *model = cJSON_GetObjectItemCaseSensitive(doc, "model");

	if (cli->quiet)
		return;
	if (cli->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "out", out);
		cJSON_AddStringToObject(j, "format", format);
		cJSON_AddStringToObject(j, "audience", gpai_json_str(doc, "audience"));
		cJSON_AddItemToObject(j, "completeness", cJSON_Duplicate(comp, 1));
		cJSON_AddItemToObject(j, "inconsistencies",
				      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(doc, "inconsistencies"), 1));
		cli_print_json(j);
		return;
	}
	printf("wrote %s (%s, audience %s) for %s@%s\n", out, format, gpai_json_str(doc, "audience"),
	       gpai_json_str(model, "name"), gpai_json_str(model, "version"));
	printf("%d of %d required fields present\n",
	       cJSON_GetObjectItemCaseSensitive(comp, "present")->valueint,
	       cJSON_GetObjectItemCaseSensitive(comp, "required")->valueint);
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(comp, "missing"))
		printf("%s: %s (%s)\n  %s\n", gpai_json_str(m, "status"), gpai_json_str(m, "label"),
		       gpai_json_str(m, "ref"), gpai_json_str(m, "command"));
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(doc, "inconsistencies"))
		printf("inconsistent: %s\n", gpai_json_str(m, "message"));
}

static int run(struct cli *cli, int argc, char **argv)
{
	const char *facts = NULL, *aud_s = "aio", *fmt_s = "md", *out = NULL, *date = NULL;
	struct gpai_dossier_file *file = NULL;
	struct gpai_dossier_input *in;
	struct gpai_error err;
	enum gpai_audience aud;
	int fmt, strict = 0, rc = CLI_FAIL;
	cJSON *doc = NULL;
	char *text = NULL, *tmp_html = NULL;
	size_t len;

	gpai_error_init(&err);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = strcmp(a, "--facts") == 0 ? &facts :
				   strcmp(a, "--audience") == 0 ? &aud_s :
				   strcmp(a, "--format") == 0 ? &fmt_s :
				   strcmp(a, "--out") == 0 ? &out :
				   strcmp(a, "--date") == 0 ? &date : NULL;

		if (dst) {
			if (i + 1 >= argc)
				return cli_usage("dossier", "%s needs a value", a);
			*dst = argv[++i];
		} else if (strcmp(a, "--strict") == 0) {
			strict = 1;
		} else if (a[0] == '-') {
			return cli_usage("dossier", "unknown option '%s'", a);
		} else {
			return cli_usage("dossier", "reading a model from the registry ('%s') needs "
					 "the registry; use --facts FILE", a);
		}
	}
	if (!facts)
		return cli_usage("dossier", "no model: give --facts FILE");
	aud = gpai_audience_parse(aud_s);
	if (!aud)
		return cli_usage("dossier", "unknown audience '%s' (aio, nca, dp, public)", aud_s);
	fmt = strcmp(fmt_s, "pdf") == 0 ? FMT_PDF : gpai_dossier_format_parse(fmt_s);
	if (fmt < 0)
		return cli_usage("dossier", "unknown format '%s' (json, md, html, pdf, cyclonedx)", fmt_s);
	if (fmt == FMT_PDF && !out)
		return cli_usage("dossier", "--format pdf needs --out FILE.pdf");
	if (date) {
		long d;

		if (gpai_date_parse(date, &d))
			return cli_usage("dossier", "--date '%s' is not a date (YYYY-MM-DD)", date);
	}

	if (gpai_dossier_file_load(facts, &file, &err))
		return cli_fail(&err, "cannot read fact file");
	in = gpai_dossier_file_input(file);
	in->doc_date = date;
	if (gpai_dossier_build(in, aud, &doc, &err)) {
		rc = cli_fail(&err, "cannot draw up the dossier of '%s@%s'", in->name, in->version);
		goto cleanup;
	}
	if (gpai_dossier_render(doc, fmt == FMT_PDF ? GPAI_FMT_HTML : (enum gpai_dossier_format)fmt,
				&text, &len, &err)) {
		rc = cli_fail(&err, "cannot render the dossier");
		goto cleanup;
	}
	if (!out) {
		if (fwrite(text, 1, len, stdout) != len) {
			rc = cli_failf("cannot write the dossier to stdout: %s", strerror(errno));
			goto cleanup;
		}
		if (!cli->quiet)
			fprintf(stderr, "gpai: dossier %s@%s (%s): %d of %d required fields present, "
				"%d inconsistent facts\n", in->name, in->version, aud_s,
				cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc,
					"completeness"), "present")->valueint,
				cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc,
					"completeness"), "required")->valueint,
				gpai_dossier_inconsistent(doc));
	} else if (fmt == FMT_PDF) {
		tmp_html = gpai_asprintf("%s.html", out);
		if (!tmp_html || write_out(tmp_html, text, len, &err)) {
			rc = cli_fail(&err, "cannot write '%s'", tmp_html ? tmp_html : out);
			goto cleanup;
		}
		rc = html_to_pdf(tmp_html, out);
		unlink(tmp_html);
		if (rc)
			goto cleanup;
		print_report(cli, doc, out, fmt_s);
	} else {
		if (write_out(out, text, len, &err)) {
			rc = cli_fail(&err, "cannot write the dossier");
			goto cleanup;
		}
		print_report(cli, doc, out, fmt_s);
	}
	rc = CLI_OK;
	if (strict && (gpai_dossier_missing(doc) || gpai_dossier_inconsistent(doc)))
		rc = cli_failf("dossier '%s@%s' (%s) is incomplete: %d required fields missing, "
			       "%d inconsistent facts (--strict)", in->name, in->version, aud_s,
			       gpai_dossier_missing(doc), gpai_dossier_inconsistent(doc));
cleanup:
	free(tmp_html);
	free(text);
	cJSON_Delete(doc);
	gpai_dossier_file_free(file);
	return rc;
}

const struct cli_cmd cmd_dossier = {
	"dossier", "draw up the compliance dossier (Form, Annex XI/XII, summary)", usage, run,
};
