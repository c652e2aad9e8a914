/* test_inference_tokenizers.c - the GGUF tokenizers (llama SentencePiece
 * and GPT-2 byte-level BPE) against llama.cpp's tokenizer vectors, read in
 * place from reference/tokenizer/: every .inp case (cases separated by
 * "\n__ggml_vocab_test__\n") encodes, without BOS, to the ids on the same
 * line of .out, and decodes back to the input.
 *
 * The shared .gguf vocabularies went through a lossy UTF-8 conversion
 * upstream (numbers whose bytes are not UTF-8 became U+FFFD);
 * tests/vocab_repair.py rebuilds them into the temp dir and proves the
 * rebuild damages back to the shared bytes exactly (see that script). */
#include "common.h"
#include "harness.h"
#include "inference.h"

#include <stdlib.h>

#define SEP "\n__ggml_vocab_test__\n"

static char *slurp(const char *rel, size_t *n)
{
	struct gpai_error err;
	char *s = NULL;

	gpai_error_init(&err);
	if (gpai_read_file(t_shared(rel), 1 << 20, &s, n, &err))
		return NULL;
	return s;
}

/* Runs every case of vocab; returns the number checked, -1 on failure
 * (after reporting it). */
static int run_vectors(const char *vocab, int *checked)
{
	struct gpai_error err;
	struct gpai_tokenizer *t;
	char inp_rel[128], out_rel[128];
	size_t ni, no;
	char *inp, *out, *ip, *op;
	int cases = 0;

	gpai_error_init(&err);
	snprintf(inp_rel, sizeof(inp_rel), "reference/tokenizer/%s.inp", vocab);
	snprintf(out_rel, sizeof(out_rel), "reference/tokenizer/%s.out", vocab);
	inp = slurp(inp_rel, &ni);
	out = slurp(out_rel, &no);
	if (!inp || !out) {
		t_fail(__FILE__, __LINE__, "cannot read %s or %s", inp_rel, out_rel);
		return -1;
	}
	snprintf(inp_rel, sizeof(inp_rel), "reference/tokenizer/%s", vocab);
	{
		char *cmd = gpai_asprintf("/usr/bin/python3 '%s/tests/vocab_repair.py' '%s' vocab.gguf",
					  getenv("GPAI_TOP") ? getenv("GPAI_TOP") : ".",
					  t_shared(inp_rel));

		if (!cmd || system(cmd) != 0) {
			t_fail(__FILE__, __LINE__, "tests/vocab_repair.py failed on %s", vocab);
			free(cmd);
			return -1;
		}
		free(cmd);
	}
	if (gpai_tokenizer_open_gguf("vocab.gguf", &t, &err)) {
		t_fail(__FILE__, __LINE__, "open %s: %s", vocab, gpai_errmsg(&err));
		return -1;
	}
	ip = inp;
	op = out;
	for (;;) {
		char *end = strstr(ip, SEP), *eol, *text;
		int32_t want[1024], *ids;
		size_t nw = 0, n, len;

		if (!end)
			break;
		eol = strchr(op, '\n');
		if (!eol) {
			t_fail(__FILE__, __LINE__, "%s: .out has fewer lines than .inp cases", vocab);
			return -1;
		}
		*eol = 0;
		for (char *p = op; *p;) {
			char *e;
			long v = strtol(p, &e, 10);

			if (e == p)
				break;
			want[nw++] = (int32_t)v;
			p = e;
		}
		if (gpai_tokenizer_encode(t, ip, (size_t)(end - ip), 0, &ids, &n, &err)) {
			t_fail(__FILE__, __LINE__, "%s case %d: %s", vocab, cases, gpai_errmsg(&err));
			return -1;
		}
		if (n != nw || memcmp(ids, want, n * sizeof(int32_t)) != 0) {
			struct gpai_buf got;

			gpai_buf_init(&got);
			for (size_t i = 0; i < n; i++)
				gpai_buf_printf(&got, " %d", (int)ids[i]);
			t_fail(__FILE__, __LINE__, "%s case %d \"%.*s\": want%s, got%s", vocab, cases,
			       (int)(end - ip), ip, op, got.data ? got.data : "");
			return -1;
		}
		if (gpai_tokenizer_decode(t, ids, n, &text, &len, &err)) {
			t_fail(__FILE__, __LINE__, "%s case %d: %s", vocab, cases, gpai_errmsg(&err));
			return -1;
		}
		if (len != (size_t)(end - ip) || memcmp(text, ip, len) != 0) {
			t_fail(__FILE__, __LINE__, "%s case %d: decode gives \"%s\", want \"%.*s\"",
			       vocab, cases, text, (int)(end - ip), ip);
			return -1;
		}
		free(text);
		free(ids);
		cases++;
		ip = end + strlen(SEP);
		op = eol + 1;
	}
	if (*op != '\0' || *ip != '\0') {
		t_fail(__FILE__, __LINE__, "%s: .inp and .out hold different numbers of cases", vocab);
		return -1;
	}
	*checked = cases;
	gpai_tokenizer_free(t);
	free(inp);
	free(out);
	return 0;
}

TEST(llama_spm_vectors_encode_and_round_trip)
{
	int n = 0;

	CHECK_INT(0, run_vectors("ggml-vocab-llama-spm.gguf", &n));
	CHECK(n >= 30);
}

TEST(gpt2_vectors_encode_and_round_trip)
{
	int n = 0;

	CHECK_INT(0, run_vectors("ggml-vocab-gpt-2.gguf", &n));
	CHECK(n >= 30);
}

TEST(stories260k_gguf_vocab_matches_tok512)
{
	struct gpai_error err;
	struct gpai_tokenizer *g, *b;
	const char *s = "I believe the meaning of life is";
	int32_t *ig, *ib;
	size_t ng, nb;

	gpai_error_init(&err);
	CHECK_OK(gpai_tokenizer_open_gguf(t_shared("models/stories260K/stories260K.gguf"), &g, &err), &err);
	CHECK_OK(gpai_tokenizer_open_llama2c(t_shared("models/stories260K/tok512.bin"), 512, &b, &err), &err);
	CHECK_OK(gpai_tokenizer_encode(g, s, strlen(s), 1, &ig, &ng, &err), &err);
	CHECK_OK(gpai_tokenizer_encode(b, s, strlen(s), 1, &ib, &nb, &err), &err);
	CHECK_INT(18, ng);
	CHECK_INT(nb, ng);
	CHECK(memcmp(ig, ib, ng * sizeof(int32_t)) == 0);
	free(ig);
	free(ib);
	gpai_tokenizer_free(g);
	gpai_tokenizer_free(b);
}

TEST(a_gguf_without_a_vocabulary_is_a_clear_error)
{
	struct gpai_error err;
	struct gpai_tokenizer *t;

	gpai_error_init(&err);
	CHECK_INT(0, t_write("x.txt", "not a model", 11));
	CHECK(gpai_tokenizer_open_gguf("x.txt", &t, &err) != GPAI_OK);
	CHECK(strstr(gpai_errmsg(&err), "x.txt") != NULL);
}
