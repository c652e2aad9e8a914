/* test_inference_stories.c - the real stories260K model against its published
 * references, read in place from notes/inference_refs.md: llama2.c
 * test_all.py's greedy text, the llama.cpp server prompt token counts
 * (18 and 46), the independently derived greedy ids, top-5 logits and
 * teacher-forced NLL; the sampled run.c output; and thread determinism. */
#include "common.h"
#include "harness.h"
#include "inference.h"

#include <math.h>
#include <stdlib.h>

#define MODEL "models/stories260K/stories260K.bin"
#define TOKENIZER "models/stories260K/tok512.bin"
#define REFS "notes/inference_refs.md"

static char *refs(void)
{
	struct gpai_error err;
	char *s = NULL;
	size_t n;

	gpai_error_init(&err);
	if (gpai_read_file(t_shared(REFS), 1 << 20, &s, &n, &err))
		return NULL;
	return s;
}

/* Decodes the Python bytes literal that starts at p ("b'...'"). */
static char *py_bytes(const char *p)
{
	struct gpai_buf b;

	gpai_buf_init(&b);
	if (p[0] != 'b' || p[1] != '\'')
		return NULL;
	for (p += 2; *p && *p != '\''; p++) {
		char c = *p;

		if (c == '\\') {
			p++;
			switch (*p) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '\\': c = '\\'; break;
			case '\'': c = '\''; break;
			case '"': c = '"'; break;
			default: gpai_buf_release(&b); return NULL;
			}
		}
		gpai_buf_append(&b, &c, 1);
	}
	gpai_buf_append(&b, "", 0);
	return gpai_buf_detach(&b);
}

/* Parses whitespace-separated integers from p up to the end of line (or
 * a backtick); returns the count. */
static size_t parse_ids(const char *p, int32_t *out, size_t max)
{
	size_t n = 0;

	while (*p && *p != '\n' && *p != '`' && n < max) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p) {
			p++;
			continue;
		}
		out[n++] = (int32_t)v;
		p = end;
	}
	return n;
}

static struct gpai_engine *open_model(int threads, struct gpai_error *err)
{
	struct gpai_engine_options opt = { threads, t_shared(TOKENIZER) };
	struct gpai_engine *e = NULL;

	if (gpai_engine_open(t_shared(MODEL), &opt, &e, err))
		return NULL;
	return e;
}

struct collect {
	struct gpai_buf text;
	int32_t ids[1024];
	size_t n;
};

static int collect(void *ctx, int32_t id, const char *piece, size_t len, int is_prompt)
{
	struct collect *c = ctx;

	if (c->n < 1024)
		c->ids[c->n++] = id;
	return gpai_buf_append(&c->text, piece, len);
}

TEST(greedy_200_steps_reproduces_llama2c_test_all)
{
	struct gpai_error err;
	struct gpai_engine *e;
	struct gpai_sampler s;
	struct gpai_generate_stats st;
	struct collect c = { { 0 }, { 0 }, 0 };
	char *r = refs(), *want;
	const char *at;
	int32_t ids[512];
	size_t n;

	gpai_error_init(&err);
	CHECK(r != NULL);
	at = strstr(r, "\nb'Once upon");
	CHECK(at != NULL);
	want = py_bytes(at + 1);
	CHECK(want != NULL);
	e = open_model(1, &err);
	CHECK_OK(e ? 0 : -1, &err);
	CHECK_OK(gpai_sampler_init(&s, 512, 0.0f, 0.9f, 1), &err);
	CHECK_OK(gpai_generate(e, gpai_engine_tokenizer(e), &s, "", 200, collect, &c, &st, &err), &err);
	CHECK_INT(1, st.n_prompt);
	CHECK_INT(200, st.n_generated);
	CHECK_STR(want, c.text.data);
	/* the independently derived ids: BOS then the 200 generated */
	at = strstr(r, "Greedy token ids (BOS first");
	CHECK(at != NULL);
	at = strstr(at, "\n1 ");
	CHECK(at != NULL);
	n = parse_ids(at + 1, ids, 512);
	CHECK_INT(201, n);
	CHECK_INT(200, c.n);
	for (size_t i = 0; i < 200; i++)
		CHECK_INT(ids[i + 1], c.ids[i]);
	gpai_sampler_release(&s);
	gpai_buf_release(&c.text);
	gpai_engine_free(e);
	free(want);
	free(r);
}

TEST(logits_at_bos_and_teacher_forced_nll_match_the_derived_reference)
{
	struct gpai_error err;
	struct gpai_engine *e;
	char *r = refs();
	const char *at;
	int32_t ids[512];
	size_t n;
	float *logits;
	double nll = 0, want_nll;

	gpai_error_init(&err);
	CHECK(r != NULL);
	e = open_model(2, &err);
	CHECK_OK(e ? 0 : -1, &err);
	at = strstr(r, "top 5 (id: logit): ");
	CHECK(at != NULL);
	at += strlen("top 5 (id: logit): ");
	CHECK_OK(gpai_engine_forward(e, 1, 0, &logits, &err), &err);
	for (int k = 0; k < 5; k++) {
		char *end;
		long id = strtol(at, &end, 10);
		double v;

		CHECK(end != at && *end == ':');
		v = strtod(end + 1, &end);
		/* the reference is float64; float32 agrees to about 1e-4 */
		CHECK_NEAR(v, logits[id], 2e-4);
		at = end;
		while (*at == ',' || *at == ' ' || *at == '\n')
			at++;
	}
	at = strstr(r, "Greedy token ids (BOS first");
	CHECK(at != NULL);
	n = parse_ids(strstr(at, "\n1 ") + 1, ids, 512);
	CHECK_INT(201, n);
	for (size_t p = 0; p < 200; p++) {
		double max, sum = 0;

		CHECK_OK(gpai_engine_forward(e, ids[p], (int32_t)p, &logits, &err), &err);
		max = logits[0];
		for (int i = 1; i < 512; i++)
			max = fmax(max, logits[i]);
		for (int i = 0; i < 512; i++)
			sum += exp(logits[i] - max);
		nll += -(logits[ids[p + 1]] - max - log(sum));
	}
	at = strstr(r, "Teacher-forced mean NLL of those 200 targets: ");
	CHECK(at != NULL);
	want_nll = strtod(at + strlen("Teacher-forced mean NLL of those 200 targets: "), NULL);
	/* 5 significant digits published */
	CHECK_NEAR(want_nll, nll / 200, 1e-5);
	gpai_engine_free(e);
	free(r);
}

TEST(sampled_run_matches_llama2c_seed_133742)
{
	struct gpai_error err;
	struct gpai_engine *e;
	struct gpai_sampler s;
	struct gpai_generate_stats st;
	struct collect c = { { 0 }, { 0 }, 0 };
	char *r = refs(), *want;
	const char *at, *end;

	gpai_error_init(&err);
	CHECK(r != NULL);
	/* run.c -t 1.0 -p 0.9 -s 133742; the published text is quoted up to "…" */
	at = strstr(r, "-t 1.0 -p 0.9 -s 133742`");
	CHECK(at != NULL);
	at = strstr(at, "\"Once upon");
	CHECK(at != NULL);
	end = strstr(at, " …\"");
	CHECK(end != NULL);
	want = strndup(at + 1, (size_t)(end - at - 1));
	e = open_model(1, &err);
	CHECK_OK(e ? 0 : -1, &err);
	CHECK_OK(gpai_sampler_init(&s, 512, 1.0f, 0.9f, 133742), &err);
	CHECK_OK(gpai_generate(e, gpai_engine_tokenizer(e), &s, "", 256, collect, &c, &st, &err), &err);
	CHECK(strlen(want) > 80);
	CHECK(strncmp(c.text.data, want, strlen(want)) == 0);
	gpai_sampler_release(&s);
	gpai_buf_release(&c.text);
	gpai_engine_free(e);
	free(want);
	free(r);
}

TEST(prompt_token_counts_match_llama_cpp_server_tests)
{
	struct gpai_error err;
	struct gpai_tokenizer *t;
	char *r = refs(), *text;
	const char *at;
	int32_t *ids, want[64];
	size_t n, nw;
	const char *joke = "Write a joke about AI from a very long prompt which will not be truncated";

	gpai_error_init(&err);
	CHECK(r != NULL);
	CHECK_OK(gpai_tokenizer_open_llama2c(t_shared(TOKENIZER), 512, &t, &err), &err);
	/* the exact ids given for the first prompt */
	at = strstr(r, "\"I believe the meaning of life is\" →");
	CHECK(at != NULL);
	at = strchr(at, '`');
	CHECK(at != NULL);
	nw = parse_ids(at + 1, want, 64);
	CHECK_OK(gpai_tokenizer_encode(t, "I believe the meaning of life is", 32, 1, &ids, &n, &err), &err);
	CHECK_INT(18, nw);
	CHECK_INT(nw, n);
	for (size_t i = 0; i < n; i++)
		CHECK_INT(want[i], ids[i]);
	CHECK_OK(gpai_tokenizer_decode(t, ids, n, &text, &n, &err), &err);
	CHECK_STR("I believe the meaning of life is", text);
	free(text);
	free(ids);
	/* the count for the second (llama.cpp test_completion.py: 46) */
	CHECK(strstr(r, joke) != NULL);
	CHECK_OK(gpai_tokenizer_encode(t, joke, strlen(joke), 1, &ids, &n, &err), &err);
	CHECK_INT(46, n);
	free(ids);
	at = strstr(r, "\"Once upon a time\" → `");
	CHECK(at != NULL);
	nw = parse_ids(strchr(at, '`') + 1, want, 64);
	CHECK_OK(gpai_tokenizer_encode(t, "Once upon a time", 16, 1, &ids, &n, &err), &err);
	CHECK_INT(nw, n);
	for (size_t i = 0; i < n; i++)
		CHECK_INT(want[i], ids[i]);
	free(ids);
	/* empty text: BOS only, no space prefix (run.c) */
	CHECK_OK(gpai_tokenizer_encode(t, "", 0, 1, &ids, &n, &err), &err);
	CHECK_INT(1, n);
	CHECK_INT(1, ids[0]);
	free(ids);
	gpai_tokenizer_free(t);
	free(r);
}

TEST(byte_fallback_and_decode_round_trip)
{
	struct gpai_error err;
	struct gpai_tokenizer *t;
	int32_t *ids;
	size_t n, len;
	char *text;
	const char *piece;
	/* U+4E2D is not in the 512-token vocabulary: its bytes + 3 */
	const char *s = "caf\xC3\xA9 \xE4\xB8\xAD!";

	gpai_error_init(&err);
	CHECK_OK(gpai_tokenizer_open_llama2c(t_shared(TOKENIZER), 512, &t, &err), &err);
	CHECK_OK(gpai_tokenizer_encode(t, s, strlen(s), 0, &ids, &n, &err), &err);
	{
		int found = 0;

		for (size_t i = 0; i < n; i++)
			if (ids[i] == 0xE4 + 3 && i + 2 < n && ids[i + 1] == 0xB8 + 3 &&
			    ids[i + 2] == 0xAD + 3)
				found = 1;
		CHECK(found);
	}
	CHECK_OK(gpai_tokenizer_decode(t, ids, n, &text, &len, &err), &err);
	CHECK_STR(s, text);
	piece = gpai_tokenizer_piece(t, 5, 0x41 + 3, &len);
	CHECK_INT(1, len);
	CHECK_INT('A', piece[0]);
	free(text);
	free(ids);
	CHECK_ERR(GPAI_EMISUSE, gpai_tokenizer_decode(t, (int32_t[]){ 512 }, 1, &text, &len, &err),
		  &err, "outside the vocabulary");
	gpai_tokenizer_free(t);
}

TEST(logits_are_bit_identical_across_thread_counts)
{
	struct gpai_error err;
	struct gpai_engine *a, *b;
	float *la, *lb;

	gpai_error_init(&err);
	a = open_model(1, &err);
	CHECK_OK(a ? 0 : -1, &err);
	b = open_model(2, &err);
	CHECK_OK(b ? 0 : -1, &err);
	for (int32_t p = 0; p < 64; p++) {
		int32_t tok = (p * 37 + 1) % 512;

		CHECK_OK(gpai_engine_forward(a, tok, p, &la, &err), &err);
		CHECK_OK(gpai_engine_forward(b, tok, p, &lb, &err), &err);
		CHECK(memcmp(la, lb, 512 * sizeof(float)) == 0);
	}
	gpai_engine_free(a);
	gpai_engine_free(b);
}

TEST(bad_inputs_are_clear_errors)
{
	struct gpai_error err;
	struct gpai_engine *e;
	struct gpai_tokenizer *t;
	struct gpai_engine_options opt = { 1, NULL };
	struct gpai_map m;
	float *logits;

	gpai_error_init(&err);
	CHECK_OK(gpai_map_open(&m, t_shared(MODEL), &err), &err);
	/* truncated model */
	CHECK_INT(0, t_write("short.bin", m.data, 100000));
	CHECK_ERR(GPAI_EFORMAT, gpai_engine_open("short.bin", &opt, &e, &err), &err,
		  "'short.bin': offset 100000: file is 100000 bytes");
	/* header inconsistent: n_heads 7 does not divide dim 64 */
	{
		unsigned char *copy = malloc(m.size);
		int32_t seven = 7;

		memcpy(copy, m.data, m.size);
		memcpy(copy + 12, &seven, 4);
		CHECK_INT(0, t_write("heads.bin", copy, m.size));
		free(copy);
	}
	/* the reader no longer recognises the header as llama2.c */
	CHECK_ERR(GPAI_EFORMAT, gpai_engine_open("heads.bin", &opt, &e, &err), &err,
		  "'heads.bin': ");
	gpai_map_close(&m);
	/* truncated tokenizer */
	CHECK_OK(gpai_map_open(&m, t_shared(TOKENIZER), &err), &err);
	CHECK_INT(0, t_write("tok.bin", m.data, 3000));
	gpai_map_close(&m);
	CHECK_ERR(GPAI_EFORMAT, gpai_tokenizer_open_llama2c("tok.bin", 512, &t, &err), &err,
		  "tokenizer 'tok.bin': truncated at offset");
	/* token and position out of range */
	e = open_model(1, &err);
	CHECK_OK(e ? 0 : -1, &err);
	CHECK_ERR(GPAI_EMISUSE, gpai_engine_forward(e, 512, 0, &logits, &err), &err,
		  "token 512 is outside the vocabulary");
	CHECK_ERR(GPAI_EMISUSE, gpai_engine_forward(e, 1, 512, &logits, &err), &err,
		  "position 512 is outside the context");
	gpai_engine_free(e);
	CHECK_ERR(GPAI_ENOTFOUND, gpai_engine_open("nosuch.bin", &opt, &e, &err), &err,
		  "nosuch.bin");
}
