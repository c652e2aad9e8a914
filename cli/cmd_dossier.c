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
#include "computil.h"
#include "dossier.h"
#include "regutil.h"
#include "registry.h"
#include "signing.h"

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
#include <openssl/sha.h>

#define FMT_PDF 100 /* not a library format: HTML through Chromium */

static const char usage[] =
	"gpai dossier NAME@VER|--facts FILE [--audience aio|nca|dp|public]\n"
	"             [--format json|md|html|pdf|cyclonedx] [--out PATH] [--key KEY.pem]\n"
	"             [--date YYYY-MM-DD] [--strict]\n"
	"gpai dossier NAME@VER --history\n"
	"gpai dossier verify BUNDLE.tar.gz --key PUB.pem [--model PATH | --ref NAME@VER]\n"
	"\n"
	"Draws up the compliance dossier (Model Documentation Form, Annex XI / XII,\n"
	"Arts. 52, 53, 55, the public training-content summary, openness) of a registry\n"
	"version (facts, files, lineage, signatures, and the compute estimator's\n"
	"result) or of the model described by a fact file (docs/facts.md), for one\n"
	"audience:\n"
	"  aio     AI Office: every value, precise\n"
	"  nca     national competent authorities: training time as a range, FLOP and\n"
	"          data-point counts as orders of magnitude\n"
	"  dp      downstream providers: the Annex XII items\n"
	"  public  the training-content summary, copyright policy, contact point\n"
	"\n"
	"Without --out the document goes to stdout (pdf needs --out) and a one-line\n"
	"completeness summary to stderr; with --out the completeness report (every\n"
	"required field still missing, with the `gpai fact set` command that would\n"
	"record it) goes to stdout, or as JSON with --json.  A registry dossier is\n"
	"kept with its version number; --history lists them.\n"
	"\n"
	"--out FILE.tar.gz writes a bundle: the dossier in every format (PDF when\n"
	"Chromium is installed), the model's root digest, its OMS signature when the\n"
	"registry has one, and with --key a signature (dossier.sig, OMS v1.0) over all\n"
	"of them.  `gpai dossier verify` checks a bundle: every file against the\n"
	"signature, the root digest bound to the dossier, and with --model or --ref\n"
	"that the model's weights are the ones described.\n"
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
	const char *tmpdir = getenv("TMPDIR");
	char *tmpl = gpai_asprintf("%s/gpai-chromium-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	char *profile, *arg_out = NULL, *arg_dir = NULL,
	     *url = NULL, *html_abs = NULL;
	int status = -1, rc = CLI_FAIL, devnull;
	pid_t pid;

	if (!chromium) {
		free(tmpl);
		return cli_failf("cannot render '%s' as PDF: headless Chromium is not installed "
				 "(Debian: apt-get install chromium; or set GPAI_CHROMIUM); "
				 "--format html gives the same document", pdf);
	}
	profile = tmpl ? mkdtemp(tmpl) : NULL;
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
	free(tmpl);
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

/* ---- registry mode ---------------------------------------------------- */

/* The version's training-compute figure, chosen exactly as `gpai classify
 * NAME@VER` chooses it (comp_version_figure: a published training.flop
 * first, and for a modification the base's figure plus its own), so that
 * the dossier and the classification never disagree.  Missing inputs are
 * not an error: the dossier lists the compute items as missing. */
static void fill_compute(struct gpai_registry *reg, const char *ref,
			 struct gpai_dossier_input *in, struct comp_version *cv,
			 int *have_cv)
{
	struct gpai_figure f;

	*have_cv = comp_version_load(reg, ref, cv) == CLI_OK;
	if (!*have_cv || comp_version_figure(reg, cv, 0, &f) <= 0)
		return;
	if (f.est.flop > 0) {
		in->compute.have = 1;
		in->compute.flop = f.est.flop;
		in->compute.low = f.est.low;
		in->compute.high = f.est.high;
		in->compute.method = gpai_figure_kind_name(f.kind);
	}
	if (in->base && in->base_flop <= 0 && f.is_modification && f.have_base &&
	    f.base.flop > 0)
		in->base_flop = f.base.flop;
}

static void sha256_hex(const char *data, size_t len, char out[65])
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256((const unsigned char *)data, len, md);
	gpai_hex_encode(md, sizeof(md), out);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Renders doc in every format (and PDF when Chromium is there) plus the
 * bound root digest and the model's signature, and writes the bundle. */
static int write_bundle(const cJSON *doc, const char *out, const char *key,
			const char *model_sig, int *with_pdf)
{
	struct gpai_bundle_file files[8];
	char *texts[5] = { NULL }, *root = NULL, *pdf = NULL, *html_tmp = NULL, *pdf_tmp = NULL;
	size_t n = 0, len, pdf_len = 0;
	struct gpai_error err;
	const char *rd = gpai_json_str(cJSON_GetObjectItemCaseSensitive(doc, "model"), "root_digest");
	int rc = CLI_FAIL;

	gpai_error_init(&err);
	*with_pdf = 0;
	for (int f = GPAI_FMT_JSON; f <= GPAI_FMT_CYCLONEDX; f++) {
		char *name;

		if (gpai_dossier_render(doc, (enum gpai_dossier_format)f, &texts[f], &len, &err)) {
			cli_fail(&err, "cannot render the dossier");
			goto out;
		}
		name = gpai_asprintf("dossier.%s", gpai_dossier_format_ext((enum gpai_dossier_format)f));
		files[n++] = (struct gpai_bundle_file){ name, texts[f], len };
	}
	if (find_chromium()) {
		html_tmp = gpai_asprintf("%s.html.tmp", out);
		pdf_tmp = gpai_asprintf("%s.pdf.tmp", out);
		if (!html_tmp || !pdf_tmp ||
		    gpai_write_file_atomic(html_tmp, texts[GPAI_FMT_HTML], strlen(texts[GPAI_FMT_HTML]),
					   0644, &err)) {
			cli_fail(&err, "cannot write '%s'", out);
			goto out;
		}
		if (html_to_pdf(html_tmp, pdf_tmp) != CLI_OK)
			goto out;
		if (gpai_read_file(pdf_tmp, (size_t)1 << 30, &pdf, &pdf_len, &err)) {
			cli_fail(&err, "cannot read the PDF");
			goto out;
		}
		files[n++] = (struct gpai_bundle_file){ gpai_strdup("dossier.pdf"), pdf, pdf_len };
		*with_pdf = 1;
	}
	root = gpai_asprintf("%s\n", rd ? rd : "none");
	files[n++] = (struct gpai_bundle_file){ gpai_strdup("model-root-digest"), root,
						root ? strlen(root) : 0 };
	if (model_sig)
		files[n++] = (struct gpai_bundle_file){ gpai_strdup("model.sig"), model_sig,
							strlen(model_sig) };
	for (size_t i = 0; i < n; i++)
		if (!files[i].name || !files[i].data) {
			cli_failf("cannot write '%s': out of memory", out);
			goto out;
		}
	if (gpai_dossier_bundle_write(out, files, n, key, &err)) {
		cli_fail(&err, "cannot write the bundle");
		goto out;
	}
	rc = CLI_OK;
out:
	for (size_t i = 0; i < n; i++)
		free((char *)files[i].name);
	for (int f = 0; f < 4; f++)
		free(texts[f]);
	free(root);
	free(pdf);
	if (html_tmp)
		unlink(html_tmp);
	if (pdf_tmp)
		unlink(pdf_tmp);
	free(html_tmp);
	free(pdf_tmp);
	return rc;
}

static int run_history(struct cli *cli, struct gpai_registry *reg, const char *name,
		       const char *version)
{
	struct gpai_error err;
	cJSON *list = NULL, *e;

	gpai_error_init(&err);
	if (gpai_dossier_history_list(reg, name, version, &list, &err))
		return cli_fail(&err, "cannot list the dossiers of '%s@%s'", name, version);
	if (cli->json)
		return cli_print_json(list);
	cJSON_ArrayForEach(e, list)
		printf("%d  %s  %-6s  %-9s  %s  %s\n",
		       cJSON_GetObjectItemCaseSensitive(e, "number")->valueint,
		       gpai_json_str(e, "generated_at"), gpai_json_str(e, "audience"),
		       gpai_json_str(e, "format"), gpai_json_str(e, "sha256"), gpai_json_str(e, "out"));
	if (!cli->quiet && !cJSON_GetArraySize(list))
		printf("no dossier generated for %s@%s yet\n", name, version);
	cJSON_Delete(list);
	return CLI_OK;
}

static int run_verify(struct cli *cli, int argc, char **argv)
{
	const char *bundle = NULL, *key = NULL, *model = NULL, *ref = NULL;
	struct gpai_bundle_check chk;
	struct gpai_bundle_trust trust;
	struct gpai_error err;
	char root[80];
	const char *want = NULL;
	int rc;

	gpai_error_init(&err);
	for (int i = 1; i < argc; i++) {
		const char **dst = strcmp(argv[i], "--key") == 0 ? &key :
				   strcmp(argv[i], "--model") == 0 ? &model :
				   strcmp(argv[i], "--ref") == 0 ? &ref : NULL;

		if (dst) {
			if (i + 1 >= argc)
				return cli_usage("dossier", "%s needs a value", argv[i]);
			*dst = argv[++i];
		} else if (argv[i][0] == '-') {
			return cli_usage("dossier", "unknown option '%s'", argv[i]);
		} else if (!bundle) {
			bundle = argv[i];
		} else {
			return cli_usage("dossier", "verify takes one bundle");
		}
	}
	if (!bundle)
		return cli_usage("dossier", "verify needs a bundle");
	if (!key)
		return cli_usage("dossier", "verify needs --key PUB.pem (the dossier signer's key)");
	if (model && ref)
		return cli_usage("dossier", "give --model or --ref, not both");
	if (model) {
		struct gpai_hash_options ho;
		struct gpai_manifest m;
		char hex[65];

		memset(&ho, 0, sizeof(ho));
		gpai_manifest_init(&m);
		if (gpai_oms_hash_model(model, &ho, &m, &err)) {
			gpai_manifest_release(&m);
			return cli_fail(&err, "cannot hash '%s'", model);
		}
		gpai_hex_encode(m.root, sizeof(m.root), hex);
		snprintf(root, sizeof(root), "sha256:%s", hex);
		gpai_manifest_release(&m);
		want = root;
	} else if (ref) {
		struct gpai_registry *reg;
		struct gpai_version v;

		if (regutil_open(cli, &reg))
			return CLI_FAIL;
		memset(&v, 0, sizeof(v));
		rc = gpai_registry_lookup(reg, ref, &v, &err);
		if (!rc)
			snprintf(root, sizeof(root), "sha256:%s", v.has_files ? v.root_digest : "");
		gpai_version_release(&v);
		gpai_registry_close(reg);
		if (rc)
			return cli_fail(&err, "cannot find '%s'", ref);
		want = root;
	}
	memset(&trust, 0, sizeof(trust));
	trust.key_path = key;
	rc = gpai_dossier_bundle_verify(bundle, &trust, want, &chk, &err);
	if (cli->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "bundle", bundle);
		cJSON_AddBoolToObject(j, "ok", rc == GPAI_OK);
		cJSON_AddBoolToObject(j, "signature_ok", chk.signature_ok);
		cJSON_AddStringToObject(j, "signer", chk.signer);
		cJSON_AddStringToObject(j, "root_digest", chk.root_digest);
		cJSON_AddBoolToObject(j, "model_checked", chk.model_ok);
		if (rc)
			cJSON_AddStringToObject(j, "error", gpai_errmsg(&err));
		cli_print_json(j);
	}
	if (rc)
		return cli_fail(&err, "verification failed");
	if (!cli->json && !cli->quiet) {
		printf("%s: OK: %zu files signed by %s\n", bundle, chk.n_files, chk.signer);
		printf("dossier of model with root digest %s%s\n", chk.root_digest,
		       chk.model_ok ? " (matches the model given)" : "");
	}
	return CLI_OK;
}

static int run(struct cli *cli, int argc, char **argv)
{
	const char *facts = NULL, *aud_s = "aio", *fmt_s = "md", *out = NULL, *date = NULL;
	const char *ref = NULL, *key = NULL, *model_sig = NULL;
	struct gpai_dossier_file *file = NULL;
	struct gpai_dossier_reg *regin = NULL;
	struct gpai_registry *reg = NULL;
	struct gpai_dossier_input *in;
	struct comp_version cv;
	int have_cv = 0, number = 0, bundle = 0, with_pdf = 0;
	struct gpai_error err;
	enum gpai_audience aud;
	int fmt, strict = 0, history = 0, rc = CLI_FAIL;
	cJSON *doc = NULL;
	char *text = NULL, *tmp_html = NULL, *written = NULL, *abs_out = NULL;
	size_t len, wlen = 0;
	char sha[65] = "";

	if (argc >= 2 && strcmp(argv[1], "verify") == 0)
		return run_verify(cli, argc - 1, argv + 1);
	gpai_error_init(&err);
	memset(&cv, 0, sizeof(cv));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = strcmp(a, "--facts") == 0 ? &facts :
				   strcmp(a, "--audience") == 0 ? &aud_s :
				   strcmp(a, "--format") == 0 ? &fmt_s :
				   strcmp(a, "--out") == 0 ? &out :
				   strcmp(a, "--key") == 0 ? &key :
				   strcmp(a, "--date") == 0 ? &date : NULL;

		if (dst) {
			if (i + 1 >= argc)
				return cli_usage("dossier", "%s needs a value", a);
			*dst = argv[++i];
		} else if (strcmp(a, "--strict") == 0) {
			strict = 1;
		} else if (strcmp(a, "--history") == 0) {
			history = 1;
		} else if (a[0] == '-') {
			return cli_usage("dossier", "unknown option '%s'", a);
		} else if (!ref) {
			ref = a;
		} else {
			return cli_usage("dossier", "one model at a time ('%s')", a);
		}
	}
	if (!facts == !ref)
		return cli_usage("dossier", ref ? "give NAME@VER or --facts FILE, not both" :
				 "no model: give NAME@VER or --facts FILE");
	if (history && !ref)
		return cli_usage("dossier", "--history needs NAME@VER");
	aud = gpai_audience_parse(aud_s);
	if (!aud)
		return cli_usage("dossier", "unknown audience '%s' (aio, nca, dp, public)", aud_s);
	fmt = strcmp(fmt_s, "pdf") == 0 ? FMT_PDF : gpai_dossier_format_parse(fmt_s);
	if (fmt < 0)
		return cli_usage("dossier", "unknown format '%s' (json, md, html, pdf, cyclonedx)", fmt_s);
	bundle = out && (ends_with(out, ".tar.gz") || ends_with(out, ".tgz"));
	if (fmt == FMT_PDF && !out)
		return cli_usage("dossier", "--format pdf needs --out FILE.pdf");
	if (key && !bundle)
		return cli_usage("dossier", "--key signs a bundle: give --out FILE.tar.gz");
	if (date) {
		long d;

		if (gpai_date_parse(date, &d))
			return cli_usage("dossier", "--date '%s' is not a date (YYYY-MM-DD)", date);
	}

	if (ref) {
		if (regutil_open(cli, &reg))
			return CLI_FAIL;
		if (gpai_dossier_from_registry(reg, ref, &regin, &err)) {
			rc = cli_fail(&err, "cannot read '%s'", ref);
			goto cleanup;
		}
		in = gpai_dossier_reg_input(regin);
		if (history) {
			rc = run_history(cli, reg, in->name, in->version);
			goto cleanup;
		}
		model_sig = gpai_dossier_reg_model_sig(regin, &len);
		fill_compute(reg, ref, in, &cv, &have_cv);
		if (gpai_dossier_history_reserve(reg, in->name, in->version, &number, &err)) {
			rc = cli_fail(&err, "cannot number the dossier of '%s'", ref);
			goto cleanup;
		}
		in->doc_version = number;
	} else {
		if (gpai_dossier_file_load(facts, &file, &err))
			return cli_fail(&err, "cannot read fact file");
		in = gpai_dossier_file_input(file);
	}
	in->doc_date = date;
	if (gpai_dossier_build(in, aud, &doc, &err)) {
		rc = cli_fail(&err, "cannot draw up the dossier of '%s@%s'", in->name, in->version);
		goto cleanup;
	}
	if (bundle) {
		if (write_bundle(doc, out, key, model_sig, &with_pdf))
			goto cleanup;
		fmt_s = "bundle";
	} else {
		if (gpai_dossier_render(doc, fmt == FMT_PDF ? GPAI_FMT_HTML :
					(enum gpai_dossier_format)fmt, &text, &len, &err)) {
			rc = cli_fail(&err, "cannot render the dossier");
			goto cleanup;
		}
		if (!out) {
			if (fwrite(text, 1, len, stdout) != len) {
				rc = cli_failf("cannot write the dossier to stdout: %s", strerror(errno));
				goto cleanup;
			}
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
			rc = CLI_FAIL;
		} else if (write_out(out, text, len, &err)) {
			rc = cli_fail(&err, "cannot write the dossier");
			goto cleanup;
		}
	}
	/* The digest of what was written, for the history. */
	if (out && !gpai_read_file(out, (size_t)1 << 30, &written, &wlen, &err))
		sha256_hex(written, wlen, sha);
	else if (text)
		sha256_hex(text, len, sha);
	/* the absolute path, so gpai push finds the bundle from any directory */
	if (out)
		abs_out = realpath(out, NULL);
	if (reg && gpai_dossier_history_store(reg, in->name, in->version, number, doc, fmt_s,
					      abs_out ? abs_out : out ? out : "-", sha, &err)) {
		rc = cli_fail(&err, "cannot keep the dossier of '%s' in the registry", ref);
		goto cleanup;
	}
	if (!out) {
		if (!cli->quiet)
			fprintf(stderr, "gpai: dossier %s@%s (%s): %d of %d required fields present, "
				"%d inconsistent facts\n", in->name, in->version, aud_s,
				cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc,
					"completeness"), "present")->valueint,
				cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc,
					"completeness"), "required")->valueint,
				gpai_dossier_inconsistent(doc));
	} else {
		print_report(cli, doc, out, fmt_s);
		if (bundle && !cli->quiet && !cli->json)
			printf("bundle: every format%s, model root digest%s%s\n",
			       with_pdf ? " incl. PDF" : " (no PDF: Chromium not installed)",
			       model_sig ? ", the model's OMS signature" : "",
			       key ? ", signed (dossier.sig)" : ", not signed (no --key)");
	}
	if (number && !cli->quiet && !cli->json && out)
		printf("kept as dossier %d of %s@%s (gpai dossier %s@%s --history)\n", number,
		       in->name, in->version, in->name, in->version);
	rc = CLI_OK;
	if (strict && (gpai_dossier_missing(doc) || gpai_dossier_inconsistent(doc)))
		rc = cli_failf("dossier '%s@%s' (%s) is incomplete: %d required fields missing, "
			       "%d inconsistent facts (--strict)", in->name, in->version, aud_s,
			       gpai_dossier_missing(doc), gpai_dossier_inconsistent(doc));
cleanup:
	free(abs_out);
	free(written);
	free(tmp_html);
	free(text);
	cJSON_Delete(doc);
	if (have_cv)
		comp_version_release(&cv);
	gpai_dossier_file_free(file);
	gpai_dossier_reg_free(regin);
	gpai_registry_close(reg);
	return rc;
}

const struct cli_cmd cmd_dossier = {
	"dossier", "draw up the compliance dossier (Form, Annex XI/XII, summary); verify bundles",
	usage, run,
};
