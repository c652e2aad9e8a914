/*
 * choice.c - multiple-choice scoring by summed log-likelihood, as
 * lm-evaluation-harness's multiple_choice tasks (acc and acc_norm).
 *
 * Input: JSONL, one item per non-blank line, {"context": STRING,
 * "choices": [STRING, ...], "gold": INDEX}; other members are ignored.
 * Tokenization follows lm-eval-harness TemplateLM._encode_pair for causal
 * models: the context's trailing whitespace (Python str.isspace code
 * points) moves to the front of the continuation; context and
 * context + continuation are encoded without BOS; the continuation's
 * tokens are the whole's after the first len(context tokens).  The model
 * reads [BOS] context continuation; a choice's log-likelihood is the sum in
 * double of log softmax of each continuation token at the position before
 * it.  acc picks the argmax of the sums, acc_norm the argmax of the sums
 * divided by the choice's length in code points (lm-eval-harness's
 * len(choice)); ties go to the first.
 *
 * Invariants: the whole file is parsed, checked and tokenized before the
 * first forward pass, so bad input costs no compute.  For each item the
 * context runs once (positions 0..n_ctx); each choice then runs from
 * position n_ctx + 1, overwriting the KV cache after the context only, so
 * its logits are those of one pass over the whole sequence.
 */
#include "engine_private.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* What one JSONL line says, before tokenization (strings borrowed from
 * the parsed line). */
struct doc {
	cJSON *json;
	const char *context;
	size_t ctx_len;    /* bytes of the context without its trailing whitespace */
	const char **choices;
	size_t n;
	int32_t gold;
	size_t line;
};

void gpai_choice_result_release(struct gpai_choice_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; r->items && i < r->n_items; i++) {
		struct gpai_choice_item *it = &r->items[i];

		for (size_t k = 0; it->cont_ids && k < it->n_choices; k++)
			free(it->cont_ids[k]);
		free(it->cont_ids);
		free(it->n_cont);
		free(it->loglik);
		free(it->n_chars);
		free(it->ctx_ids);
	}
	free(r->items);
	memset(r, 0, sizeof(*r));
}

/* Python's str.isspace() for one code point (Unicode White_Space and the
 * ASCII separators 0x1c..0x1f). */
static int py_isspace(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 ||
	       c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
	       c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/* Bytes of s[0..n) (valid UTF-8) left after stripping trailing whitespace,
 * as Python's rstrip(). */
static size_t rstrip_len(const char *s, size_t n)
{
	while (n > 0) {
		size_t b = n - 1;
		uint32_t c;

		while (b > 0 && ((unsigned char)s[b] & 0xC0) == 0x80)
			b--;
		c = (unsigned char)s[b];
		if (c >= 0xF0)
			c &= 0x07;
		else if (c >= 0xE0)
			c &= 0x0F;
		else if (c >= 0xC0)
			c &= 0x1F;
		for (size_t k = b + 1; k < n; k++)
			c = c << 6 | ((unsigned char)s[k] & 0x3F);
		if (!py_isspace(c))
			break;
		n = b;
	}
	return n;
}

static size_t codepoints(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static int blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

/* Parses line `line` (text[0..n)) into *d. */
static int parse_line(const char *name, size_t line, const char *text, size_t n, struct doc *d,
		      struct gpai_error *err)
{
	const char *end = NULL;
	cJSON *ch, *g, *c;
	size_t k = 0;

	memset(d, 0, sizeof(*d));
	d->line = line;
	d->json = cJSON_ParseWithLengthOpts(text, n, &end, 0);
	if (!d->json)
		return gpai_error_set(err, GPAI_EFORMAT, "'%s' line %zu: not valid JSON (column %zu)",
				      name, line, end && end >= text ? (size_t)(end - text) + 1 : 1);
	if (!cJSON_IsObject(d->json))
		return gpai_error_set(err, GPAI_EFORMAT, "'%s' line %zu: not a JSON object", name, line);
	c = cJSON_GetObjectItemCaseSensitive(d->json, "context");
	if (!cJSON_IsString(c))
		return gpai_error_set(err, GPAI_EFORMAT, "'%s' line %zu: \"context\" is %s", name, line,
				      c ? "not a string" : "missing");
	d->context = c->valuestring;
	d->ctx_len = rstrip_len(d->context, strlen(d->context));
	ch = cJSON_GetObjectItemCaseSensitive(d->json, "choices");
	if (!cJSON_IsArray(ch))
		return gpai_error_set(err, GPAI_EFORMAT, "'%s' line %zu: \"choices\" is %s", name, line,
				      ch ? "not an array" : "missing");
	d->n = (size_t)cJSON_GetArraySize(ch);
	if (d->n == 0)
		return gpai_error_set(err, GPAI_EFORMAT, "'%s' line %zu: \"choices\" is empty", name, line);
	d->choices = calloc(d->n, sizeof(*d->choices));
	if (!d->choices)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	cJSON_ArrayForEach(c, ch) {
		if (!cJSON_IsString(c))
			return gpai_error_set(err, GPAI_EFORMAT, "'%s' line %zu: choice %zu is not a string",
					      name, line, k);
		if (!*c->valuestring)
			return gpai_error_set(err, GPAI_EFORMAT, "'%s' line %zu: choice %zu is empty",
					      name, line, k);
		d->choices[k++] = c->valuestring;
	}
	g = cJSON_GetObjectItemCaseSensitive(d->json, "gold");
	if (!g)
		return gpai_error_set(err, GPAI_EFORMAT, "'%s' line %zu: \"gold\" is missing", name, line);
	if (!cJSON_IsNumber(g) || g->valuedouble != floor(g->valuedouble))
		return gpai_error_set(err, GPAI_EFORMAT, "'%s' line %zu: \"gold\" is not a whole number",
				      name, line);
	if (g->valuedouble < 0 || g->valuedouble >= (double)d->n)
		return gpai_error_set(err, GPAI_EFORMAT,
				      "'%s' line %zu: \"gold\" %.0f is out of range (%zu choices: 0..%zu)",
				      name, line, g->valuedouble, d->n, d->n - 1);
	d->gold = (int32_t)g->valuedouble;
	return GPAI_OK;
}

/* Tokenizes item d into *it (lm-eval-harness _encode_pair for every choice)
 * and checks that each sequence fits the context. */
static int tokenize_item(const char *name, const struct doc *d, const struct gpai_tokenizer *tok,
			 int32_t context_length, struct gpai_choice_item *it, struct gpai_error *err)
{
	size_t clen = strlen(d->context);
	int rc;

	it->line = d->line;
	it->gold = d->gold;
	it->n_choices = d->n;
	it->loglik = calloc(d->n, sizeof(*it->loglik));
	it->n_chars = calloc(d->n, sizeof(*it->n_chars));
	it->cont_ids = calloc(d->n, sizeof(*it->cont_ids));
	it->n_cont = calloc(d->n, sizeof(*it->n_cont));
	if (!it->loglik || !it->n_chars || !it->cont_ids || !it->n_cont)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	rc = gpai_tokenizer_encode(tok, d->context, d->ctx_len, 0, &it->ctx_ids, &it->n_ctx, err);
	if (rc)
		return rc;
	for (size_t k = 0; k < d->n; k++) {
		size_t wl = strlen(d->choices[k]), nw = 0;
		char *whole = malloc(clen + wl + 1);
		int32_t *w = NULL;

		if (!whole)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		memcpy(whole, d->context, clen);
		memcpy(whole + clen, d->choices[k], wl);
		rc = gpai_tokenizer_encode(tok, whole, clen + wl, 0, &w, &nw, err);
		free(whole);
		if (rc)
			return rc;
		it->n_chars[k] = codepoints(d->choices[k]);
		if (nw <= it->n_ctx) {
			free(w);
			return gpai_error_set(err, GPAI_EFORMAT, "'%s' line %zu: choice %zu adds no token "
					      "after the context", name, d->line, k);
		}
		it->n_cont[k] = nw - it->n_ctx;
		it->cont_ids[k] = malloc(sizeof(int32_t) * it->n_cont[k]);
		if (!it->cont_ids[k]) {
			free(w);
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		}
		memcpy(it->cont_ids[k], w + it->n_ctx, sizeof(int32_t) * it->n_cont[k]);
		free(w);
		/* positions fed: BOS, the context, the continuation less its last token */
		if (it->n_ctx + it->n_cont[k] > (size_t)context_length)
			return gpai_error_set(err, GPAI_EMISUSE,
					      "'%s' line %zu: choice %zu needs %zu positions (BOS, %zu "
					      "context and %zu continuation tokens, less the last), more "
					      "than the context of %d", name, d->line, k,
					      it->n_ctx + it->n_cont[k], it->n_ctx, it->n_cont[k],
					      (int)context_length);
	}
	return GPAI_OK;
}

/* Batch callbacks: the context's last logits are kept; a choice's
 * positions add up the log-probability of the next continuation token. */
struct ctx_keep {
	int32_t last, vocab;
	float *logits;
};

static int keep_last(void *ctx, int32_t pos, const float *logits)
{
	struct ctx_keep *c = ctx;

	if (pos == c->last)
		memcpy(c->logits, logits, sizeof(float) * (size_t)c->vocab);
	return GPAI_OK;
}

struct cont_sum {
	int32_t pos0, vocab;
	const int32_t *targets; /* targets[p - pos0] follows position p */
	double sum;
};

static int add_cont(void *ctx, int32_t pos, const float *logits)
{
	struct cont_sum *c = ctx;

	c->sum += gpai_log_softmax_at(logits, c->vocab, c->targets[pos - c->pos0]);
	return GPAI_OK;
}

static int score_item(struct gpai_engine *eng, int32_t bos, struct gpai_choice_item *it,
		      float *last, int32_t *seq, struct gpai_error *err)
{
	int32_t vocab = gpai_engine_info(eng)->vocab_size;
	struct ctx_keep kc = { (int32_t)it->n_ctx, vocab, last };
	double best = 0, best_norm = 0;
	int rc;

	seq[0] = bos;
	memcpy(seq + 1, it->ctx_ids, sizeof(int32_t) * it->n_ctx);
	rc = gpai_engine_forward_batch(eng, seq, (int32_t)it->n_ctx + 1, 0, keep_last, &kc, err);
	if (rc)
		return rc;
	for (size_t k = 0; k < it->n_choices; k++) {
		struct cont_sum cs = { (int32_t)it->n_ctx + 1, vocab, it->cont_ids[k] + 1, 0 };
		double norm;

		cs.sum = gpai_log_softmax_at(last, vocab, it->cont_ids[k][0]);
		if (it->n_cont[k] > 1) {
			rc = gpai_engine_forward_batch(eng, it->cont_ids[k], (int32_t)it->n_cont[k] - 1,
						       cs.pos0, add_cont, &cs, err);
			if (rc)
				return rc;
		}
		it->loglik[k] = cs.sum;
		norm = cs.sum / (double)it->n_chars[k];
		if (k == 0 || cs.sum > best) {
			best = cs.sum;
			it->pred = (int32_t)k;
		}
		if (k == 0 || norm > best_norm) {
			best_norm = norm;
			it->pred_norm = (int32_t)k;
		}
	}
	return GPAI_OK;
}

int gpai_eval_choice(struct gpai_engine *eng, const struct gpai_tokenizer *tok,
		     const char *name, const char *data, size_t len,
		     struct gpai_choice_result *res, struct gpai_error *err)
{
	const struct gpai_engine_info *in = gpai_engine_info(eng);
	int32_t bos = gpai_tokenizer_bos(tok);
	struct doc *docs = NULL;
	size_t nd = 0, cap = 0, line = 0;
	float *last = NULL;
	int32_t *seq = NULL;
	int rc = GPAI_OK;

	memset(res, 0, sizeof(*res));
	if (bos < 0)
		return gpai_error_set(err, GPAI_EMISUSE, "the vocabulary has no BOS token");
	if (!gpai_utf8_valid(data, len))
		return gpai_error_set(err, GPAI_EFORMAT, "'%s' is not valid UTF-8", name);
	for (size_t p = 0; p < len;) {
		const char *nl = memchr(data + p, '\n', len - p);
		size_t n = nl ? (size_t)(nl - (data + p)) : len - p;

		line++;
		if (!blank(data + p, n)) {
			if (nd == cap) {
				size_t nc = cap ? cap * 2 : 16;
				struct doc *g = realloc(docs, nc * sizeof(*docs));

				if (!g) {
					rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
					goto out;
				}
				docs = g;
				cap = nc;
			}
			rc = parse_line(name, line, data + p, n, &docs[nd], err);
			nd++;
			if (rc)
				goto out;
		}
		p += n + 1;
	}
	if (nd == 0) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "'%s' holds no items", name);
		goto out;
	}
	res->items = calloc(nd, sizeof(*res->items));
	last = malloc(sizeof(float) * (size_t)in->vocab_size);
	seq = malloc(sizeof(int32_t) * (size_t)in->context_length);
	if (!res->items || !last || !seq) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nd; i++) {
		res->n_items = i + 1;
		rc = tokenize_item(name, &docs[i], tok, in->context_length, &res->items[i], err);
		if (rc)
			goto out;
	}
	for (size_t i = 0; i < nd; i++) {
		struct gpai_choice_item *it = &res->items[i];

		rc = score_item(eng, bos, it, last, seq, err);
		if (rc) {
			gpai_error_prefix(err, "'%s' line %zu", name, it->line);
			goto out;
		}
		res->n_correct += it->pred == it->gold;
		res->n_correct_norm += it->pred_norm == it->gold;
	}
	res->accuracy = (double)res->n_correct / (double)nd;
	res->acc_norm = (double)res->n_correct_norm / (double)nd;
out:
	for (size_t i = 0; i < nd; i++) {
		cJSON_Delete(docs[i].json);
		free(docs[i].choices);
	}
	free(docs);
	free(last);
	free(seq);
	if (rc)
		gpai_choice_result_release(res);
	return rc;
}
