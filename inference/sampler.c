/*
 * sampler.c - llama2.c's sampler (argmax, multinomial, top-p) with its
 * xorshift64* generator, and the generation loop of run.c generate().
 *
 * Invariants: the same seed, temperature, top-p and logits give the same
 * token as llama2.c run.c; ties in argmax go to the lowest id.
 */
#include "engine_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct probindex {
	float prob;
	int32_t index;
};

int gpai_sampler_init(struct gpai_sampler *s, int32_t n_vocab, float temperature,
		      float top_p, uint64_t seed)
{
	memset(s, 0, sizeof(*s));
	s->n_vocab = n_vocab;
	s->temperature = temperature;
	s->top_p = top_p;
	s->rng_state = seed;
	s->scratch = calloc((size_t)n_vocab, sizeof(struct probindex));
	return s->scratch ? GPAI_OK : GPAI_ENOMEM;
}

void gpai_sampler_release(struct gpai_sampler *s)
{
	free(s->scratch);
	s->scratch = NULL;
}

/* xorshift64* (Vigna), exactly run.c random_u32/random_f32. */
static uint32_t random_u32(uint64_t *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (uint32_t)((*state * 0x2545F4914F6CDD1DULL) >> 32);
}

static float random_f32(uint64_t *state)
{
	/* 24 random bits over 2^24: a float in [0, 1) */
	return (float)(random_u32(state) >> 8) / 16777216.0f;
}

static int32_t sample_mult(const float *p, int32_t n, float coin)
{
	float cdf = 0;

	for (int32_t i = 0; i < n; i++) {
		cdf += p[i];
		if (coin < cdf)
			return i;
	}
	return n - 1;
}

static int cmp_prob(const void *a, const void *b)
{
	const struct probindex *x = a, *y = b;

	if (x->prob > y->prob)
		return -1;
	if (x->prob < y->prob)
		return 1;
	return 0;
}

static int32_t sample_topp(const float *p, int32_t n, float topp, struct probindex *pi,
			   float coin)
{
	/* run.c: tokens below (1 - topp)/(n - 1) cannot be in the nucleus */
	const float cutoff = (1.0f - topp) / (float)(n - 1);
	int32_t n0 = 0, last = 0;
	float cum = 0, r, cdf = 0;

	for (int32_t i = 0; i < n; i++) {
		if (p[i] >= cutoff) {
			pi[n0].index = i;
			pi[n0].prob = p[i];
			n0++;
		}
	}
	qsort(pi, (size_t)n0, sizeof(*pi), cmp_prob);
	last = n0 - 1;
	for (int32_t i = 0; i < n0; i++) {
		cum += pi[i].prob;
		if (cum > topp) {
			last = i;
			break;
		}
	}
	r = coin * cum;
	for (int32_t i = 0; i <= last; i++) {
		cdf += pi[i].prob;
		if (r < cdf)
			return pi[i].index;
	}
	return pi[last].index;
}

int32_t gpai_sampler_sample(struct gpai_sampler *s, float *logits)
{
	float coin;

	if (s->temperature == 0.0f)
		return (int32_t)kern_argmax(logits, s->n_vocab);
	for (int32_t i = 0; i < s->n_vocab; i++)
		logits[i] /= s->temperature;
	{
		float max = logits[0], sum = 0;

		for (int32_t i = 1; i < s->n_vocab; i++)
			if (logits[i] > max)
				max = logits[i];
		for (int32_t i = 0; i < s->n_vocab; i++) {
			logits[i] = expf(logits[i] - max);
			sum += logits[i];
		}
		for (int32_t i = 0; i < s->n_vocab; i++)
			logits[i] /= sum;
	}
	coin = random_f32(&s->rng_state);
	if (s->top_p <= 0 || s->top_p >= 1)
		return sample_mult(logits, s->n_vocab, coin);
	return sample_topp(logits, s->n_vocab, s->top_p, s->scratch, coin);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int gpai_generate(struct gpai_engine *eng, const struct gpai_tokenizer *tok,
		  struct gpai_sampler *s, const char *prompt, int32_t steps,
		  gpai_token_fn fn, void *ctx, struct gpai_generate_stats *st,
		  struct gpai_error *err)
{
	const struct gpai_engine_info *in = gpai_engine_info(eng);
	int32_t *ids = NULL, token, pos = 0;
	size_t n_ids = 0;
	double t0;
	int rc;

	memset(st, 0, sizeof(*st));
	if (!prompt)
		prompt = "";
	rc = gpai_tokenizer_encode(tok, prompt, strlen(prompt), 1, &ids, &n_ids, err);
	if (rc)
		return rc;
	if (n_ids == 0) {
		free(ids);
		return gpai_error_set(err, GPAI_EMISUSE,
				      "the vocabulary has no BOS token to start generation from");
	}
	if (steps <= 0 || steps > in->context_length)
		steps = in->context_length;
	if (n_ids > (size_t)steps) {
		rc = gpai_error_set(err, GPAI_EMISUSE,
				    "the prompt has %zu tokens, more than the %d steps "
				    "(context %d tokens)", n_ids, (int)steps, in->context_length);
		goto out;
	}
	st->n_prompt = n_ids;
	token = ids[0];
	t0 = 0;
	while (pos < steps) {
		float *logits;
		int32_t next;
		size_t len;
		const char *piece;
		int is_prompt = (size_t)pos < n_ids - 1;

		rc = gpai_engine_forward(eng, token, pos, &logits, err);
		if (rc)
			goto out;
		if (pos == 0)
			t0 = now_s();
		if (is_prompt) {
			next = ids[pos + 1];
		} else {
			next = gpai_sampler_sample(s, logits);
			st->n_generated++;
		}
		pos++;
		/* run.c: sampling BOS ends the text */
		if (next == gpai_tokenizer_bos(tok))
			break;
		piece = gpai_tokenizer_piece(tok, token, next, &len);
		if (fn && (rc = fn(ctx, next, piece, len, is_prompt)))
			goto out;
		token = next;
	}
	st->n_timed = (size_t)pos - 1;
	st->seconds = now_s() - t0;
out:
	free(ids);
	return rc;
}
