/*
 * cmd_eval.c - `gpai eval run|claim|verify` (docs/eval.md).
 *
 *   run     runs a task on a model file and prints the measured value
 *   claim   records a published result of a version with its source
 *   verify  re-runs every claim of a version on the registry's blobs,
 *           records each run, exits 1 if any fails
 *
 * Tasks: greedy (temperature-0 generation compared byte for byte),
 * perplexity (teacher-forced mean NLL in nats, within a tolerance) and
 * choice (multiple-choice accuracy by summed log-likelihood, as
 * lm-evaluation-harness, within a tolerance).
 * verify lays the version's files out in a temporary directory as links to
 * their blobs, so the engine opens them as it opens any model directory.
 */
#include "cli.h"
#include "inference.h"
#include "regutil.h"
#include "layout.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A data file for an evaluation (text) is read whole; this bounds it. */
#define EVAL_DATA_MAX ((size_t)1 << 30)
#define EVAL_THREADS_MAX 1024

struct eval_args {
	const char *model, *task, *tokenizer, *prompt, *expected, *data;
	const char *source, *tolerance, *file, *metric;
	int64_t steps, window, stride, threads;
	int bos;
};

static int num_opt(const char *opt, const char *val, int64_t lo, int64_t hi, int64_t *out)
{
	if (!val)
		return cli_usage("eval", "%s needs a value", opt);
	if (gpai_parse_i64(val, out) || *out < lo || *out > hi)
		return cli_usage("eval", "%s: '%s' is not a whole number in [%lld, %lld]", opt, val,
				 (long long)lo, (long long)hi);
	return CLI_OK;
}

/* claim: 1 for `eval claim` (tokenizer/file are paths inside the version,
 * --expected of perplexity is a number, --source is required). */
static int parse(int argc, char **argv, struct eval_args *a, int claim)
{
	int rc;

	memset(a, 0, sizeof(*a));
	a->bos = 1;
	a->threads = 1;
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char **s = NULL;
		int64_t *n = NULL, lo = 1, hi = INT32_MAX;

		if (strcmp(o, "--task") == 0) s = &a->task;
		else if (strcmp(o, "--tokenizer") == 0) s = &a->tokenizer;
		else if (strcmp(o, "--prompt") == 0) s = &a->prompt;
		else if (strcmp(o, "--expected") == 0) s = &a->expected;
		else if (strcmp(o, "--data") == 0) s = &a->data;
		else if (claim && strcmp(o, "--source") == 0) s = &a->source;
		else if (claim && strcmp(o, "--tolerance") == 0) s = &a->tolerance;
		else if (claim && strcmp(o, "--file") == 0) s = &a->file;
		else if (claim && strcmp(o, "--metric") == 0) s = &a->metric;
		else if (strcmp(o, "--steps") == 0) n = &a->steps;
		else if (strcmp(o, "--window") == 0) n = &a->window, lo = 2;
		else if (strcmp(o, "--stride") == 0) n = &a->stride;
		else if (strcmp(o, "--threads") == 0) n = &a->threads, hi = EVAL_THREADS_MAX;
		else if (strcmp(o, "--no-bos") == 0) { a->bos = 0; continue; }
		else if (o[0] == '-' && o[1]) return cli_usage("eval", "unknown option '%s'", o);
		else if (!a->model) { a->model = o; continue; }
		else return cli_usage("eval", "unexpected argument '%s'", o);
		if (s) {
			if (!v)
				return cli_usage("eval", "%s needs a value", o);
			*s = v;
		} else if ((rc = num_opt(o, v, lo, hi, n))) {
			return rc;
		}
		i++;
	}
	if (!a->model)
		return cli_usage("eval", claim ? "eval claim needs NAME@VER" : "eval run needs a model");
	if (!a->task)
		return cli_usage("eval", "eval %s needs --task greedy, perplexity or choice",
				 claim ? "claim" : "run");
	if (strcmp(a->task, "greedy") != 0 && strcmp(a->task, "perplexity") != 0 &&
	    strcmp(a->task, "choice") != 0)
		return cli_usage("eval", "unknown task '%s' (greedy, perplexity, choice)", a->task);
	if (strcmp(a->task, "greedy") != 0 && !a->data)
		return cli_usage("eval", "--task %s needs --data FILE", a->task);
	if (a->metric && (strcmp(a->task, "choice") != 0 ||
			  (strcmp(a->metric, "acc") != 0 && strcmp(a->metric, "acc_norm") != 0)))
		return cli_usage("eval", "--metric is acc or acc_norm, for --task choice");
	if (claim && !a->source)
		return cli_usage("eval", "eval claim needs --source (where the result was published)");
	if (claim && !a->expected)
		return cli_usage("eval", "eval claim needs --expected (a text file for greedy, "
				 "the mean NLL for perplexity, the accuracy for choice)");
	if (claim && strcmp(a->task, "greedy") != 0 && !a->tolerance)
		return cli_usage("eval", "a %s claim needs --tolerance", a->task);
	return CLI_OK;
}

static int collect(void *ctx, int32_t id, const char *piece, size_t len, int is_prompt)
{
	return gpai_buf_append(ctx, piece, len);
}

static int run_greedy(struct cli *cli, const struct eval_args *a, struct gpai_engine *eng,
		      struct gpai_tokenizer *tok, cJSON *j)
{
	struct gpai_sampler s;
	struct gpai_generate_stats st;
	struct gpai_error err;
	struct gpai_buf text;
	char *want = NULL;
	size_t want_len = 0;
	int rc, status = CLI_FAIL, match = -1;

	gpai_error_init(&err);
	gpai_buf_init(&text);
	if (a->expected && gpai_read_file(a->expected, EVAL_DATA_MAX, &want, &want_len, &err))
		return cli_fail(&err, "cannot read the expected text");
	if (gpai_sampler_init(&s, gpai_engine_info(eng)->vocab_size, 0.0f, 0.0f, 0)) {
		free(want);
		return cli_failf("out of memory");
	}
	rc = gpai_generate(eng, tok, &s, a->prompt ? a->prompt : "", (int32_t)a->steps, collect,
			   &text, &st, &err);
	gpai_sampler_release(&s);
	if (rc) {
		status = cli_fail(&err, "greedy generation on '%s' failed", a->model);
		goto out;
	}
	gpai_buf_append(&text, "", 0);
	if (want)
		match = text.len == want_len && memcmp(text.data, want, want_len) == 0;
	if (cli->json) {
		cJSON_AddStringToObject(j, "text", text.data);
		cJSON_AddNumberToObject(j, "n_generated", (double)st.n_generated);
		if (match >= 0)
			cJSON_AddBoolToObject(j, "matches_expected", match);
	} else {
		printf("%s\n", text.data);
		if (match >= 0 && !cli->quiet)
			printf("matches expected: %s\n", match ? "yes" : "no");
	}
	status = CLI_OK;
out:
	gpai_buf_release(&text);
	free(want);
	return status;
}

static int run_ppl(struct cli *cli, const struct eval_args *a, struct gpai_engine *eng,
		   struct gpai_tokenizer *tok, cJSON *j)
{
	struct gpai_ppl_options o = { (int32_t)a->window, (int32_t)a->stride, a->bos };
	struct gpai_ppl_result r;
	struct gpai_error err;
	char *data = NULL;
	size_t n;

	gpai_error_init(&err);
	if (gpai_read_file(a->data, EVAL_DATA_MAX, &data, &n, &err))
		return cli_fail(&err, "cannot read the data file");
	if (gpai_eval_perplexity(eng, tok, data, n, &o, &r, &err)) {
		free(data);
		return cli_fail(&err, "perplexity of '%s' on '%s' failed", a->data, a->model);
	}
	free(data);
	if (cli->json) {
		cJSON_AddNumberToObject(j, "mean_nll", r.mean_nll);
		cJSON_AddNumberToObject(j, "perplexity", r.perplexity);
		cJSON_AddNumberToObject(j, "n_scored", (double)r.n_scored);
		cJSON_AddNumberToObject(j, "n_tokens", (double)r.n_tokens);
		cJSON_AddNumberToObject(j, "n_positions", (double)r.n_positions);
		cJSON_AddNumberToObject(j, "seconds", r.seconds);
		cJSON_AddNumberToObject(j, "positions_per_second",
					r.seconds > 0 ? (double)r.n_positions / r.seconds : 0);
	} else {
		printf("mean NLL %.6f nats, perplexity %.6f, %zu tokens scored\n", r.mean_nll,
		       r.perplexity, r.n_scored);
	}
	return CLI_OK;
}

static cJSON *ids_json(const int32_t *ids, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateNumber(ids[i]));
	return a;
}

/* docs/eval.md's `items` member: one object per item, per-choice arrays. */
static cJSON *choice_items_json(const struct gpai_choice_result *r)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; arr && i < r->n_items; i++) {
		const struct gpai_choice_item *it = &r->items[i];
		cJSON *o = cJSON_CreateObject(), *ll = cJSON_CreateArray(), *nc = cJSON_CreateArray();
		cJSON *ct = cJSON_CreateArray();

		if (!o || !ll || !nc || !ct) {
			cJSON_Delete(o);
			cJSON_Delete(ll);
			cJSON_Delete(nc);
			cJSON_Delete(ct);
			cJSON_Delete(arr);
			return NULL;
		}
		cJSON_AddNumberToObject(o, "line", (double)it->line);
		cJSON_AddNumberToObject(o, "gold", it->gold);
		cJSON_AddNumberToObject(o, "pred", it->pred);
		cJSON_AddNumberToObject(o, "pred_norm", it->pred_norm);
		for (size_t k = 0; k < it->n_choices; k++) {
			cJSON_AddItemToArray(ll, cJSON_CreateNumber(it->loglik[k]));
			cJSON_AddItemToArray(nc, cJSON_CreateNumber((double)it->n_chars[k]));
			cJSON_AddItemToArray(ct, ids_json(it->cont_ids[k], it->n_cont[k]));
		}
		cJSON_AddItemToObject(o, "loglik", ll);
		cJSON_AddItemToObject(o, "n_chars", nc);
		cJSON_AddItemToObject(o, "context_tokens", ids_json(it->ctx_ids, it->n_ctx));
		cJSON_AddItemToObject(o, "continuation_tokens", ct);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static int run_choice(struct cli *cli, const struct eval_args *a, struct gpai_engine *eng,
		      struct gpai_tokenizer *tok, cJSON *j)
{
	struct gpai_choice_result r;
	struct gpai_error err;
	char *data = NULL;
	size_t n;
	int rc;

	gpai_error_init(&err);
	if (gpai_read_file(a->data, EVAL_DATA_MAX, &data, &n, &err))
		return cli_fail(&err, "cannot read the data file");
	rc = gpai_eval_choice(eng, tok, a->data, data, n, &r, &err);
	free(data);
	if (rc)
		return cli_fail(&err, "multiple-choice scoring of '%s' on '%s' failed", a->data,
				a->model);
	if (cli->json) {
		cJSON *items = choice_items_json(&r);

		if (!items) {
			gpai_choice_result_release(&r);
			return cli_failf("out of memory");
		}
		cJSON_AddNumberToObject(j, "accuracy", r.accuracy);
		cJSON_AddNumberToObject(j, "acc_norm", r.acc_norm);
		cJSON_AddNumberToObject(j, "n_items", (double)r.n_items);
		cJSON_AddNumberToObject(j, "n_correct", (double)r.n_correct);
		cJSON_AddNumberToObject(j, "n_correct_norm", (double)r.n_correct_norm);
		cJSON_AddItemToObject(j, "items", items);
	} else {
		printf("accuracy %.6f (%zu of %zu), acc_norm %.6f (%zu of %zu)\n", r.accuracy,
		       r.n_correct, r.n_items, r.acc_norm, r.n_correct_norm, r.n_items);
	}
	gpai_choice_result_release(&r);
	return CLI_OK;
}

static int eval_run(struct cli *cli, int argc, char **argv)
{
	struct eval_args a;
	struct gpai_engine_options opt = { 1, NULL };
	struct gpai_engine *eng = NULL;
	struct gpai_tokenizer *tok;
	struct gpai_error err;
	cJSON *j = NULL;
	int status;

	if ((status = parse(argc, argv, &a, 0)))
		return status;
	gpai_error_init(&err);
	opt.n_threads = (int)a.threads;
	opt.tokenizer_path = a.tokenizer;
	if (gpai_engine_open(a.model, &opt, &eng, &err))
		return cli_fail(&err, "cannot load model '%s'", a.model);
	tok = gpai_engine_tokenizer(eng);
	if (!tok) {
		gpai_engine_free(eng);
		return cli_failf("model '%s' carries no tokenizer: give one with --tokenizer", a.model);
	}
	if (cli->json) {
		j = cJSON_CreateObject();
		if (!j) {
			gpai_engine_free(eng);
			return cli_failf("out of memory");
		}
		cJSON_AddStringToObject(j, "model", a.model);
		cJSON_AddStringToObject(j, "task", a.task);
	}
	if (strcmp(a.task, "greedy") == 0)
		status = run_greedy(cli, &a, eng, tok, j);
	else if (strcmp(a.task, "perplexity") == 0)
		status = run_ppl(cli, &a, eng, tok, j);
	else
		status = run_choice(cli, &a, eng, tok, j);
	if (status == CLI_OK && cli->json) {
		cJSON_AddNumberToObject(j, "flop", gpai_engine_flop_done(eng));
		cJSON_AddNumberToObject(j, "flop_per_token", gpai_engine_info(eng)->flop_per_token);
		status = cli_print_json(j);
		j = NULL;
	} else if (status == CLI_OK && !cli->quiet) {
		fprintf(stderr, "inference FLOP: %.4g (%.4g per token at position 0)\n",
			gpai_engine_flop_done(eng), gpai_engine_info(eng)->flop_per_token);
	}
	cJSON_Delete(j);
	gpai_engine_free(eng);
	return status;
}


/* ---- claim --------------------------------------------------------------- */

static int eval_claim(struct cli *cli, int argc, char **argv)
{
	struct eval_args a;
	struct gpai_eval_claim c;
	struct gpai_registry *reg;
	struct gpai_error err;
	cJSON *params;
	char *text = NULL;
	size_t n;
	int64_t id;
	double v;
	int rc, greedy;

	if ((rc = parse(argc, argv, &a, 1)))
		return rc;
	greedy = strcmp(a.task, "greedy") == 0;
	memset(&c, 0, sizeof(c));
	gpai_error_init(&err);
	if (greedy) {
		if (gpai_read_file(a.expected, EVAL_DATA_MAX, &text, &n, &err))
			return cli_fail(&err, "cannot read the expected text");
		c.expected_text = text;
	} else {
		if (gpai_parse_double(a.expected, &c.expected_value))
			return cli_usage("eval", "--expected '%s' is not a number", a.expected);
		if (gpai_parse_double(a.tolerance, &v) || v < 0)
			return cli_usage("eval", "--tolerance '%s' is not a non-negative number", a.tolerance);
		c.tolerance = v;
	}
	params = cJSON_CreateObject();
	if (!params) {
		free(text);
		return cli_failf("out of memory");
	}
	if (a.file)
		cJSON_AddStringToObject(params, "file", a.file);
	if (a.tokenizer)
		cJSON_AddStringToObject(params, "tokenizer", a.tokenizer);
	if (greedy) {
		cJSON_AddStringToObject(params, "prompt", a.prompt ? a.prompt : "");
		cJSON_AddNumberToObject(params, "steps", (double)a.steps);
	} else if (strcmp(a.task, "perplexity") == 0) {
		cJSON_AddNumberToObject(params, "window", (double)a.window);
		cJSON_AddNumberToObject(params, "stride", (double)a.stride);
		cJSON_AddBoolToObject(params, "bos", a.bos);
	} else {
		cJSON_AddStringToObject(params, "metric", a.metric ? a.metric : "acc");
	}
	c.task = (char *)a.task;
	c.source = (char *)a.source;
	c.params = cJSON_PrintUnformatted(params);
	cJSON_Delete(params);
	if (!c.params) {
		free(text);
		return cli_failf("out of memory");
	}
	if (regutil_open(cli, &reg)) {
		free(text);
		free(c.params);
		return CLI_FAIL;
	}
	rc = gpai_registry_eval_claim_add(reg, a.model, &c, greedy ? NULL : a.data, &id, &err);
	gpai_registry_close(reg);
	free(text);
	free(c.params);
	if (rc)
		return cli_fail(&err, "cannot record the claim on '%s'", a.model);
	if (cli->json) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "ref", a.model);
		cJSON_AddNumberToObject(o, "claim", (double)id);
		cJSON_AddStringToObject(o, "task", a.task);
		return cli_print_json(o);
	}
	if (!cli->quiet)
		printf("%s: %s claim %lld recorded\n", a.model, a.task, (long long)id);
	return CLI_OK;
}

/* ---- verify -------------------------------------------------------------- */

struct verify_out {
	int passed;
	double measured;
	char *text;
	double flop;
};

static int verify_claim(const struct gpai_eval_claim *c, const char *dir,
			const struct gpai_file *files, size_t nf, struct gpai_registry *reg,
			int threads, struct verify_out *o, struct gpai_error *err)
{
	struct gpai_engine_options opt = { threads, NULL };
	struct gpai_engine *eng = NULL;
	struct gpai_tokenizer *tok;
	cJSON *p = NULL;
	const char *file, *tk;
	char *model = NULL, *tpath = NULL;
	int rc;

	memset(o, 0, sizeof(*o));
	rc = gpai_json_parse("claim protocol", c->params, strlen(c->params), &p, err);
	if (rc)
		return rc;
	file = gpai_json_str(p, "file");
	tk = gpai_json_str(p, "tokenizer");
	if (file)
		model = gpai_path_join(dir, file);
	else if (nf == 1)
		model = gpai_path_join(dir, files[0].relpath);
	else
		model = gpai_strdup(dir);
	if (tk)
		tpath = gpai_path_join(dir, tk);
	opt.tokenizer_path = tpath;
	if (!model || (tk && !tpath)) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	rc = gpai_engine_open(model, &opt, &eng, err);
	if (rc)
		goto out;
	tok = gpai_engine_tokenizer(eng);
	if (!tok) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "the model carries no tokenizer and the claim "
				    "names none");
		goto out;
	}
	if (strcmp(c->task, "greedy") == 0) {
		struct gpai_sampler s;
		struct gpai_generate_stats st;
		struct gpai_buf text;
		int64_t steps = 0;

		gpai_json_i64(p, "steps", &steps);
		gpai_buf_init(&text);
		if (gpai_sampler_init(&s, gpai_engine_info(eng)->vocab_size, 0.0f, 0.0f, 0)) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			goto out;
		}
		rc = gpai_generate(eng, tok, &s, gpai_json_str(p, "prompt"), (int32_t)steps, collect,
				   &text, &st, err);
		gpai_sampler_release(&s);
		if (!rc)
			rc = gpai_buf_append(&text, "", 0);
		if (rc) {
			gpai_buf_release(&text);
			goto out;
		}
		o->passed = strcmp(text.data, c->expected_text) == 0;
		o->measured = o->passed;
		o->text = gpai_buf_detach(&text);
	} else if (strcmp(c->task, "perplexity") == 0) {
		struct gpai_ppl_options po = { 0, 0, 1 };
		struct gpai_ppl_result r;
		char *data = NULL;
		int64_t v;
		size_t n;

		if (gpai_json_i64(p, "window", &v) == GPAI_OK)
			po.window = (int32_t)v;
		if (gpai_json_i64(p, "stride", &v) == GPAI_OK)
			po.stride = (int32_t)v;
		po.bos = cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(p, "bos")) ? 0 : 1;
		rc = gpai_registry_eval_data(reg, c, EVAL_DATA_MAX, &data, &n, err);
		if (!rc)
			rc = gpai_eval_perplexity(eng, tok, data, n, &po, &r, err);
		free(data);
		if (rc)
			goto out;
		o->measured = r.mean_nll;
		o->passed = r.n_scored > 0 && fabs(r.mean_nll - c->expected_value) <= c->tolerance;
	} else {
		struct gpai_choice_result r;
		const char *metric = gpai_json_str(p, "metric");
		char *data = NULL, *name;
		size_t n;

		rc = gpai_registry_eval_data(reg, c, EVAL_DATA_MAX, &data, &n, err);
		if (rc)
			goto out;
		name = gpai_asprintf("data blob %s", c->data_digest);
		rc = name ? gpai_eval_choice(eng, tok, name, data, n, &r, err)
			  : gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		free(name);
		free(data);
		if (rc)
			goto out;
		o->measured = metric && strcmp(metric, "acc_norm") == 0 ? r.acc_norm : r.accuracy;
		o->passed = fabs(o->measured - c->expected_value) <= c->tolerance;
		gpai_choice_result_release(&r);
	}
	o->flop = gpai_engine_flop_done(eng);
out:
	gpai_engine_free(eng);
	cJSON_Delete(p);
	free(model);
	free(tpath);
	return rc;
}

static int eval_verify(struct cli *cli, int argc, char **argv)
{
	const char *ref = NULL;
	int64_t threads = 1;
	struct gpai_registry *reg;
	struct gpai_version v;
	struct gpai_eval_claim *c = NULL;
	struct gpai_file *f = NULL;
	struct gpai_error err;
	size_t nc = 0, nf = 0;
	char *dir = NULL;
	cJSON *arr = NULL;
	int status = CLI_FAIL, failed = 0, rc;

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--threads") == 0) {
			if ((rc = num_opt(argv[i], i + 1 < argc ? argv[i + 1] : NULL, 1,
					  EVAL_THREADS_MAX, &threads)))
				return rc;
			i++;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage("eval", "unknown option '%s'", argv[i]);
		} else if (!ref) {
			ref = argv[i];
		} else {
			return cli_usage("eval", "unexpected argument '%s'", argv[i]);
		}
	}
	if (!ref)
		return cli_usage("eval", "eval verify needs NAME@VER");
	if (regutil_open(cli, &reg))
		return CLI_FAIL;
	gpai_error_init(&err);
	if (gpai_registry_lookup(reg, ref, &v, &err)) {
		gpai_registry_close(reg);
		return cli_fail(&err, "cannot verify '%s'", ref);
	}
	if ((rc = gpai_registry_eval_claims(reg, &v, &c, &nc, &err)) ||
	    (rc = gpai_registry_files(reg, &v, &f, &nf, &err))) {
		status = cli_fail(&err, "cannot verify '%s'", ref);
		goto out;
	}
	if (nc == 0) {
		status = cli_failf("'%s' has no evaluation claims (record one with gpai eval claim)", ref);
		goto out;
	}
	if (layout_create(f, nf, &dir, &err)) {
		status = cli_fail(&err, "cannot verify '%s'", ref);
		goto out;
	}
	if (cli->json && !(arr = cJSON_CreateArray())) {
		status = cli_failf("out of memory");
		goto out;
	}
	for (size_t i = 0; i < nc; i++) {
		struct verify_out o;
		struct gpai_eval_run r;

		memset(&r, 0, sizeof(r));
		gpai_error_init(&err);
		rc = verify_claim(&c[i], dir, f, nf, reg, (int)threads, &o, &err);
		if (rc) {
			/* a claim that cannot run (damaged weights, ...) fails */
			o.passed = 0;
			o.measured = 0;
		}
		r.claim_id = c[i].id;
		r.measured = o.measured;
		r.measured_text = o.text;
		r.passed = o.passed;
		gpai_strlcpy(r.root_digest, v.root_digest, sizeof(r.root_digest));
		r.data_digest = c[i].data_digest;
		r.engine_version = (char *)GPAI_VERSION;
		r.flop = o.flop;
		{
			struct gpai_error e2;

			gpai_error_init(&e2);
			if (gpai_registry_eval_run_add(reg, &r, &e2)) {
				free(o.text);
				status = cli_fail(&e2, "cannot record the run of claim %lld", (long long)c[i].id);
				goto out;
			}
		}
		failed += !o.passed;
		if (cli->json) {
			cJSON *j = cJSON_CreateObject();

			cJSON_AddNumberToObject(j, "claim", (double)c[i].id);
			cJSON_AddStringToObject(j, "task", c[i].task);
			cJSON_AddStringToObject(j, "source", c[i].source);
			cJSON_AddBoolToObject(j, "passed", o.passed);
			cJSON_AddNumberToObject(j, "measured", o.measured);
			if (strcmp(c[i].task, "greedy") != 0) {
				cJSON_AddNumberToObject(j, "expected", c[i].expected_value);
				cJSON_AddNumberToObject(j, "tolerance", c[i].tolerance);
				cJSON_AddStringToObject(j, "data_digest", c[i].data_digest);
			}
			cJSON_AddNumberToObject(j, "flop", o.flop);
			if (rc)
				cJSON_AddStringToObject(j, "error", gpai_errmsg(&err));
			cJSON_AddItemToArray(arr, j);
		} else if (rc) {
			printf("claim %lld %s: FAIL (%s)\n", (long long)c[i].id, c[i].task, gpai_errmsg(&err));
		} else if (strcmp(c[i].task, "greedy") == 0) {
			printf("claim %lld greedy: %s (the text %s the claim)\n", (long long)c[i].id,
			       o.passed ? "pass" : "FAIL", o.passed ? "matches" : "differs from");
		} else if (strcmp(c[i].task, "perplexity") == 0) {
			printf("claim %lld perplexity: %s (mean NLL %.6f, claimed %.6g +- %.3g)\n",
			       (long long)c[i].id, o.passed ? "pass" : "FAIL", o.measured,
			       c[i].expected_value, c[i].tolerance);
		} else {
			printf("claim %lld choice: %s (accuracy %.6f, claimed %.6g +- %.3g)\n",
			       (long long)c[i].id, o.passed ? "pass" : "FAIL", o.measured,
			       c[i].expected_value, c[i].tolerance);
		}
		free(o.text);
	}
	if (cli->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "ref", ref);
		cJSON_AddStringToObject(j, "root_digest", v.root_digest);
		cJSON_AddBoolToObject(j, "passed", failed == 0);
		cJSON_AddItemToObject(j, "claims", arr);
		arr = NULL;
		cli_print_json(j);
	}
	status = failed ? CLI_FAIL : CLI_OK;
	if (failed && !cli->json)
		fprintf(stderr, "gpai: '%s': %d of %zu claims failed\n", ref, failed, nc);
out:
	cJSON_Delete(arr);
	if (dir)
		layout_remove(dir, f, nf);
	free(dir);
	gpai_files_free(f, nf);
	gpai_eval_claims_free(c, nc);
	gpai_version_release(&v);
	gpai_registry_close(reg);
	return status;
}

static int eval_cmd(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("eval", "missing subcommand (run, claim, verify)");
	if (strcmp(argv[1], "run") == 0)
		return eval_run(cli, argc, argv);
	if (strcmp(argv[1], "claim") == 0)
		return eval_claim(cli, argc, argv);
	if (strcmp(argv[1], "verify") == 0)
		return eval_verify(cli, argc, argv);
	return cli_usage("eval", "unknown subcommand '%s' (run, claim, verify)", argv[1]);
}

const struct cli_cmd cmd_eval = {
	"eval", "run an evaluation (greedy match, perplexity, multiple choice) on a model",
	"gpai eval run MODEL --task greedy|perplexity|choice [--tokenizer FILE]\n"
	"         [--threads N]\n"
	"         greedy:     [--prompt TEXT] [--steps N] [--expected FILE]\n"
	"         perplexity: --data FILE [--window N] [--stride N] [--no-bos]\n"
	"         choice:     --data FILE.jsonl\n"
	"gpai eval claim NAME@VER --task greedy --expected FILE [--prompt TEXT]\n"
	"         [--steps N] [--file REL] [--tokenizer REL] --source TEXT\n"
	"gpai eval claim NAME@VER --task perplexity --data FILE --expected NLL\n"
	"         --tolerance T [--window N] [--stride N] [--no-bos] [--file REL]\n"
	"         [--tokenizer REL] --source TEXT\n"
	"gpai eval claim NAME@VER --task choice --data FILE.jsonl --expected ACC\n"
	"         --tolerance T [--metric acc|acc_norm] [--file REL]\n"
	"         [--tokenizer REL] --source TEXT\n"
	"gpai eval verify NAME@VER [--threads N]\n"
	"\n"
	"greedy: temperature-0 generation (as gpai run); --expected compares the\n"
	"text byte for byte.  perplexity: teacher-forced mean NLL in nats over\n"
	"the text, in windows of the context length that start with BOS (each\n"
	"token after BOS scored once).  choice: JSONL lines {\"context\": S,\n"
	"\"choices\": [S, ...], \"gold\": I}; each choice scored by its summed\n"
	"log-likelihood after BOS + context (lm-evaluation-harness), accuracy and\n"
	"acc_norm (divided by the choice's length in characters).  claim records\n"
	"a published result of a version (REL: paths inside the version); verify\n"
	"re-runs every claim on the registry's blobs, records each run and exits 1\n"
	"if any fails.\n",
	eval_cmd,
};
