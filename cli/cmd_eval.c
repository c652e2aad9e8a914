/*
 * cmd_eval.c - `gpai eval run`: runs an evaluation task on a model file and
 * prints the measured value (docs/eval.md).
 *
 *   greedy      generation at temperature 0 from a prompt; with --expected
 *               the text is compared byte for byte
 *   perplexity  teacher-forced mean NLL (nats) and perplexity of a text
 *
 * The registry side (claim, verify) is not part of this build.
 */
#include "cli.h"
#include "inference.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A data file for an evaluation (text) is read whole; this bounds it. */
#define EVAL_DATA_MAX ((size_t)1 << 30)
#define EVAL_THREADS_MAX 1024

struct eval_args {
	const char *model, *task, *tokenizer, *prompt, *expected, *data;
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

static int parse(int argc, char **argv, struct eval_args *a)
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
		return cli_usage("eval", "eval run needs a model");
	if (!a->task)
		return cli_usage("eval", "eval run needs --task greedy or --task perplexity");
	if (strcmp(a->task, "greedy") != 0 && strcmp(a->task, "perplexity") != 0)
		return cli_usage("eval", "unknown task '%s' (greedy, perplexity)", a->task);
	if (strcmp(a->task, "perplexity") == 0 && !a->data)
		return cli_usage("eval", "--task perplexity needs --data FILE");
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
	} else {
		printf("mean NLL %.6f nats, perplexity %.6f, %zu tokens scored\n", r.mean_nll,
		       r.perplexity, r.n_scored);
	}
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

	if ((status = parse(argc, argv, &a)))
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
	else
		status = run_ppl(cli, &a, eng, tok, j);
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

static int eval_cmd(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("eval", "missing subcommand (run)");
	if (strcmp(argv[1], "run") == 0)
		return eval_run(cli, argc, argv);
	return cli_usage("eval", "unknown subcommand '%s' (run)", argv[1]);
}

const struct cli_cmd cmd_eval = {
	"eval", "run an evaluation (greedy match, perplexity) on a model",
	"gpai eval run MODEL --task greedy|perplexity [--tokenizer FILE] [--threads N]\n"
	"         greedy:     [--prompt TEXT] [--steps N] [--expected FILE]\n"
	"         perplexity: --data FILE [--window N] [--stride N] [--no-bos]\n"
	"\n"
	"greedy: temperature-0 generation (as gpai run); --expected compares the\n"
	"text byte for byte.  perplexity: teacher-forced mean NLL in nats over\n"
	"the text, in windows of the context length that start with BOS (each\n"
	"token after BOS scored once).  With --json: the values, the inference\n"
	"FLOP of the run and per token.\n",
	eval_cmd,
};
