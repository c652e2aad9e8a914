/*
 * cmd_run.c - `gpai run`: generate text with the reference engine, the
 * equivalent of llama2.c `run MODEL -z TOKENIZER -i PROMPT -n STEPS -t T
 * -p P -s SEED`.
 *
 * Output: the prompt (after BOS) and the generated text on stdout, then a
 * newline, as run.c prints it; with --json one object (see docs/run.md).
 * The speed line goes to stderr unless --quiet or --json.
 */
#include "cli.h"
#include "inference.h"
#include "layout.h"
#include "regutil.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* llama2.c run.c defaults. */
#define RUN_DEFAULT_TEMPERATURE 1.0
#define RUN_DEFAULT_TOP_P 0.9
#define RUN_DEFAULT_STEPS 256
/* More threads than this is a typing error, not a machine. */
#define RUN_THREADS_MAX 1024

struct run_out {
	const struct cli *cli;
	struct gpai_buf text;
	cJSON *prompt_ids, *ids;
	int failed;
};

/* run.c safe_printf: a lone control byte is not printed. */
static int printable(const char *p, size_t len)
{
	unsigned char c = (unsigned char)p[0];

	if (len != 1)
		return len > 0;
	return c >= 0x20 ? c != 0x7F : (c == '\n' || c == '\t' || c == '\r');
}

static int on_token(void *ctx, int32_t id, const char *piece, size_t len, int is_prompt)
{
	struct run_out *o = ctx;

	if (o->cli->json) {
		cJSON *n = cJSON_CreateNumber(id);

		if (!n || !cJSON_AddItemToArray(is_prompt ? o->prompt_ids : o->ids, n))
			return GPAI_ENOMEM;
	}
	if (!printable(piece, len))
		return GPAI_OK;
	if (o->cli->json)
		return gpai_buf_append(&o->text, piece, len);
	if (fwrite(piece, 1, len, stdout) != len)
		return GPAI_EIO;
	fflush(stdout);
	return GPAI_OK;
}

static int parse_num(const char *opt, const char *val, double lo, double hi, double *out)
{
	if (!val)
		return cli_usage("run", "%s needs a value", opt);
	if (gpai_parse_double(val, out) || *out < lo || *out > hi)
		return cli_usage("run", "%s: '%s' is not a number in [%g, %g]", opt, val, lo, hi);
	return CLI_OK;
}

static int run_run(struct cli *cli, int argc, char **argv)
{
	struct gpai_engine_options opt = { 1, NULL };
	struct gpai_engine *eng = NULL;
	struct gpai_tokenizer *tok;
	struct gpai_sampler smp = { 0 };
	struct gpai_generate_stats st;
	struct gpai_error err;
	struct run_out o = { cli, { 0 }, NULL, NULL, 0 };
	const char *model = NULL, *prompt = "", *file = NULL;
	struct gpai_registry *reg = NULL;
	struct gpai_version ver;
	struct gpai_file *files = NULL;
	size_t nfiles = 0;
	char *dir = NULL, *mpath = NULL, *tpath = NULL;
	double temperature = RUN_DEFAULT_TEMPERATURE, top_p = RUN_DEFAULT_TOP_P;
	double steps = RUN_DEFAULT_STEPS, threads = 1;
	uint64_t seed = 0;
	int have_seed = 0, rc, status = CLI_FAIL;

	gpai_error_init(&err);
	gpai_buf_init(&o.text);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--tokenizer") == 0 || strcmp(a, "--prompt") == 0 ||
		    strcmp(a, "--file") == 0) {
			if (!val)
				return cli_usage("run", "%s needs a value", a);
			if (a[2] == 't')
				opt.tokenizer_path = val;
			else if (a[2] == 'f')
				file = val;
			else
				prompt = val;
			i++;
		} else if (strcmp(a, "--steps") == 0) {
			if ((rc = parse_num(a, val, 0, INT32_MAX, &steps)))
				return rc;
			i++;
		} else if (strcmp(a, "--temperature") == 0) {
			if ((rc = parse_num(a, val, 0, 1e6, &temperature)))
				return rc;
			i++;
		} else if (strcmp(a, "--top-p") == 0) {
			if ((rc = parse_num(a, val, 0, 1, &top_p)))
				return rc;
			i++;
		} else if (strcmp(a, "--threads") == 0) {
			if ((rc = parse_num(a, val, 1, RUN_THREADS_MAX, &threads)))
				return rc;
			i++;
		} else if (strcmp(a, "--seed") == 0) {
			if (!val || gpai_parse_u64(val, &seed))
				return cli_usage("run", "--seed needs a non-negative integer");
			have_seed = 1;
			i++;
		} else if (a[0] == '-' && a[1]) {
			return cli_usage("run", "unknown option '%s'", a);
		} else if (!model) {
			model = a;
		} else {
			return cli_usage("run", "unexpected argument '%s'", a);
		}
	}
	if (!model)
		return cli_usage("run", "no model given");
	if (steps != (double)(int32_t)steps || threads != (double)(int)threads)
		return cli_usage("run", "--steps and --threads take whole numbers");
	opt.n_threads = (int)threads;
	if (!have_seed)
		seed = (uint64_t)time(NULL); /* run.c: seed from the clock */

	memset(&ver, 0, sizeof(ver));
	if (!gpai_path_exists(model) && strchr(model, '@')) {
		/* a registry version: run its stored blobs */
		if (regutil_open(cli, &reg))
			return CLI_FAIL;
		if (gpai_registry_lookup(reg, model, &ver, &err) ||
		    gpai_registry_files(reg, &ver, &files, &nfiles, &err) ||
		    layout_create(files, nfiles, &dir, &err)) {
			status = cli_fail(&err, "cannot load model '%s'", model);
			goto out;
		}
		mpath = file ? gpai_path_join(dir, file)
			     : nfiles == 1 ? gpai_path_join(dir, files[0].relpath) : gpai_strdup(dir);
		if (opt.tokenizer_path && !gpai_path_exists(opt.tokenizer_path)) {
			tpath = gpai_path_join(dir, opt.tokenizer_path);
			opt.tokenizer_path = tpath;
		}
		if (!mpath) {
			status = cli_failf("out of memory");
			goto out;
		}
	} else if (file) {
		return cli_usage("run", "--file names a file inside a registry version (NAME@VER)");
	}
	rc = gpai_engine_open(mpath ? mpath : model, &opt, &eng, &err);
	if (rc) {
		status = cli_fail(&err, "cannot load model '%s'", model);
		goto out;
	}
	tok = gpai_engine_tokenizer(eng);
	if (!tok) {
		status = cli_failf("model '%s' carries no tokenizer: give one with --tokenizer", model);
		goto out;
	}
	if (gpai_sampler_init(&smp, gpai_engine_info(eng)->vocab_size, (float)temperature,
			      (float)top_p, seed)) {
		status = cli_failf("out of memory");
		goto out;
	}
	if (cli->json) {
		o.prompt_ids = cJSON_CreateArray();
		o.ids = cJSON_CreateArray();
		if (!o.prompt_ids || !o.ids ||
		    !cJSON_AddItemToArray(o.prompt_ids, cJSON_CreateNumber(gpai_tokenizer_bos(tok)))) {
			status = cli_failf("out of memory");
			goto out;
		}
	}
	rc = gpai_generate(eng, tok, &smp, prompt, (int32_t)steps, on_token, &o, &st, &err);
	if (rc) {
		if (!cli->json)
			putchar('\n');
		if (err.msg[0])
			status = cli_fail(&err, "generation failed");
		else
			status = cli_failf("generation failed: %s", gpai_strerror(rc));
		goto out;
	}
	if (cli->json) {
		cJSON *j = cJSON_CreateObject();
		const struct gpai_engine_info *in = gpai_engine_info(eng);

		if (!j) {
			status = cli_failf("out of memory");
			goto out;
		}
		cJSON_AddStringToObject(j, "model", model);
		cJSON_AddStringToObject(j, "format", in->format);
		cJSON_AddStringToObject(j, "arch", in->arch);
		cJSON_AddStringToObject(j, "dtype", in->dtype);
		cJSON_AddNumberToObject(j, "seed", (double)seed);
		cJSON_AddNumberToObject(j, "temperature", temperature);
		cJSON_AddNumberToObject(j, "top_p", top_p);
		cJSON_AddNumberToObject(j, "steps", steps);
		cJSON_AddNumberToObject(j, "threads", threads);
		cJSON_AddItemToObject(j, "prompt_ids", o.prompt_ids);
		cJSON_AddItemToObject(j, "ids", o.ids);
		o.prompt_ids = o.ids = NULL;
		cJSON_AddStringToObject(j, "text", o.text.data ? o.text.data : "");
		cJSON_AddNumberToObject(j, "n_prompt", (double)st.n_prompt);
		cJSON_AddNumberToObject(j, "n_generated", (double)st.n_generated);
		cJSON_AddNumberToObject(j, "seconds", st.seconds);
		cJSON_AddNumberToObject(j, "tokens_per_second",
					st.seconds > 0 ? (double)st.n_timed / st.seconds : 0);
		cJSON_AddNumberToObject(j, "flop_per_token", in->flop_per_token);
		cJSON_AddNumberToObject(j, "weight_bytes", (double)in->weight_bytes);
		cJSON_AddNumberToObject(j, "n_params", (double)in->n_params);
		status = cli_print_json(j);
	} else {
		putchar('\n');
		fflush(stdout);
		status = CLI_OK;
	}
	if (!cli->quiet && !cli->json && st.seconds > 0)
		fprintf(stderr, "achieved tok/s: %.2f (%zu tokens in %.3f s after the first)\n",
			(double)st.n_timed / st.seconds, st.n_timed, st.seconds);
out:
	cJSON_Delete(o.prompt_ids);
	cJSON_Delete(o.ids);
	gpai_buf_release(&o.text);
	gpai_sampler_release(&smp);
	gpai_engine_free(eng);
	if (dir)
		layout_remove(dir, files, nfiles);
	free(dir);
	free(mpath);
	free(tpath);
	gpai_files_free(files, nfiles);
	if (reg) {
		gpai_version_release(&ver);
		gpai_registry_close(reg);
	}
	return status;
}

const struct cli_cmd cmd_run = {
	"run", "generate text with the reference inference engine",
	"gpai run MODEL|NAME@VER [--file REL] [--tokenizer FILE] [--prompt TEXT]\n"
	"         [--steps N] [--temperature T] [--top-p P] [--seed S] [--threads N]\n"
	"\n"
	"Runs MODEL (GGUF, safetensors with config.json, llama2.c .bin) from BOS\n"
	"plus the prompt and prints the prompt and the generated text; llama2.c\n"
	"run.c semantics.\n"
	"  --tokenizer FILE  llama2.c tokenizer.bin or a GGUF vocabulary (when the\n"
	"                    model has none); for NAME@VER also a path inside it\n"
	"  --file REL        for NAME@VER: which of its files is the model\n"
	"  --prompt TEXT     text to start from (default: none)\n"
	"  --steps N         forward passes in all, prompt included (default 256;\n"
	"                    0 or more than the context: the context length)\n"
	"  --temperature T   0 is greedy (argmax); default 1.0\n"
	"  --top-p P         nucleus sampling when 0 < P < 1; default 0.9\n"
	"  --seed S          random seed (default: the clock); same as run.c -s\n"
	"  --threads N       worker threads (default 1); output is identical\n"
	"With --json: model, ids, prompt_ids, text, tokens_per_second, ...\n",
	run_run,
};
