/*
 * eval.c - evaluations on the engine: teacher-forced perplexity of a text
 * and greedy-match of a generation against an expected text.
 *
 * Perplexity protocol (defaults): the text is encoded without BOS into
 * tokens t[0..n); windows of `window` positions (default: the context
 * length) start with BOS when `bos` is set, so each holds window - 1 text
 * tokens; window k starts at text token k * stride (default: window - 1,
 * no overlap) and scores the tokens no earlier window scored, each given
 * everything before it in its window.  Without BOS the first token of the
 * text cannot be scored.  Mean NLL is in nats; perplexity = exp(mean NLL).
 * Log-probabilities are accumulated in double, position by position within
 * a window, then window by window.  Each window runs as one batch (weights
 * read once per 32 positions, the same logits as token-by-token decoding),
 * and the positions of a batch are scored on the engine's threads at once.
 */
#include "engine_private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct score_ctx {
	int32_t vocab;
	const int32_t *targets; /* target of position p */
	int32_t first;          /* first position to score */
	double *nll;            /* nll[p]: -log p(target[p]) */
};

/* Called for several positions at once (engine_forward_batch_parallel):
 * writes only its own position's nll; the window sums them in order. */
static int score_pos(void *ctx, int32_t pos, const float *logits)
{
	struct score_ctx *c = ctx;

	if (pos >= c->first)
		c->nll[pos] = -gpai_log_softmax_at(logits, c->vocab, c->targets[pos]);
	return GPAI_OK;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int gpai_eval_perplexity(struct gpai_engine *eng, const struct gpai_tokenizer *tok,
			 const char *text, size_t len, const struct gpai_ppl_options *opt,
			 struct gpai_ppl_result *res, struct gpai_error *err)
{
	const struct gpai_engine_info *in = gpai_engine_info(eng);
	int32_t window = opt && opt->window > 0 ? opt->window : in->context_length;
	int bos = opt ? opt->bos : 1;
	int32_t per, stride;
	int32_t *t = NULL, *in_ids = NULL;
	double *nll = NULL;
	size_t n, scored_until = 0;
	double sum = 0;
	int rc;

	memset(res, 0, sizeof(*res));
	if (window > in->context_length)
		return gpai_error_set(err, GPAI_EMISUSE, "window %d is longer than the context of %d",
				      (int)window, in->context_length);
	if (bos && gpai_tokenizer_bos(tok) < 0)
		return gpai_error_set(err, GPAI_EMISUSE, "the vocabulary has no BOS token");
	per = bos ? window - 1 : window;
	if (per < 1 || (!bos && per < 2))
		return gpai_error_set(err, GPAI_EMISUSE, "window %d is too short", (int)window);
	stride = opt && opt->stride > 0 ? opt->stride : (bos ? per : per - 1);
	if (stride > per)
		return gpai_error_set(err, GPAI_EMISUSE, "stride %d is longer than the window", (int)stride);
	rc = gpai_tokenizer_encode(tok, text, len, 0, &t, &n, err);
	if (rc)
		return rc;
	if (!bos)
		scored_until = 1;
	in_ids = malloc(sizeof(int32_t) * (size_t)window);
	nll = malloc(sizeof(double) * (size_t)window);
	if (!in_ids || !nll) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t start = 0; scored_until < n; start += (size_t)stride) {
		size_t end = start + (size_t)per < n ? start + (size_t)per : n;
		struct score_ctx sc = { in->vocab_size, NULL, 0, nll };
		int32_t m = 0;
		double t0;

		/* inputs: [BOS] t[start] .. t[end - 2]; position p predicts
		 * target[p] = t[start + p] (BOS) or t[start + p + 1] */
		if (bos)
			in_ids[m++] = gpai_tokenizer_bos(tok);
		for (size_t i = start; i + 1 < end; i++)
			in_ids[m++] = t[i];
		sc.targets = bos ? t + start : t + start + 1;
		/* positions whose target an earlier window scored are skipped */
		sc.first = (int32_t)(scored_until > start ? scored_until - start - (bos ? 0 : 1) : 0);
		t0 = now_s();
		rc = engine_forward_batch_parallel(eng, in_ids, m, 0, score_pos, &sc, err);
		if (rc)
			goto out;
		res->seconds += now_s() - t0;
		res->n_positions += (size_t)m;
		{
			double wsum = 0; /* the window's sum first, as before threads */

			for (int32_t p = sc.first; p < m; p++) {
				wsum += nll[p];
				res->n_scored++;
			}
			sum += wsum;
		}
		if (end > scored_until)
			scored_until = end;
		if (end == n)
			break;
	}
	res->n_tokens = n;
	if (res->n_scored) {
		res->mean_nll = sum / (double)res->n_scored;
		res->perplexity = exp(res->mean_nll);
	}
out:
	free(nll);
	free(in_ids);
	free(t);
	return rc;
}

double gpai_log_softmax_at(const float *logits, int32_t n, int32_t id)
{
	/* the largest logit, found 8 lanes at a time */
	float max = logits[kern_argmax(logits, n)];

	return (double)logits[id] - (double)max - log(kern_sum_exp(logits, n, max));
}
