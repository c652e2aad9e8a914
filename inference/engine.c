/*
 * engine.c - the reference engine: model files bound to weight references,
 * and the transformer forward pass (Llama family and GPT-2) with a KV cache.
 *
 * Semantics (llama2.c run.c, llama.cpp; docs/inference.md):
 *   Llama: x = embed[token]; per layer: xb = RMSNorm(x) (x*w/sqrt(mean(x^2)
 *   + eps)); q,k,v = W xb; RoPE on adjacent pairs (i, i+1) of each head with
 *   freq = theta^(-(i mod hs)/hs), angle pos*freq (rotate-half pairs (j,
 *   j+hs/2) for raw HF checkpoints); query head h reads kv head
 *   h/(n_heads/n_kv_heads); scores scaled by 1/sqrt(hs), softmax over
 *   0..pos; x += Wo att; x += W2(silu(W1 RMSNorm(x)) * W3 RMSNorm(x)); a
 *   final RMSNorm and logits = Wcls x (Wcls = embed when tied).
 *   GPT-2: x = wte[token] + wpe[pos]; LayerNorm with bias; fused or separate
 *   qkv with biases; no RoPE; MLP with tanh-GELU; tied head.
 *
 * Invariants: weight references point into the file's memory map whenever
 * the kernels can use the stored type and layout directly; anything else
 * (a transposed or rotate-half matrix) is converted into a buffer listed
 * in `owned`.  All activations and the KV cache are float32.
 */
#include "engine_private.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* llama2.c checkpoint constants (export.py). */
/* Upper bounds that keep size arithmetic far from overflow; far above any
 * published model. */
#define DIM_MAX (1 << 20)
#define LAYERS_MAX 4096
#define VOCAB_MAX (1 << 24)
#define CTX_MAX (1 << 24)

/* ---- helpers ------------------------------------------------------------- */

void engine_free_batch(struct gpai_engine *e);

void gpai_engine_free(struct gpai_engine *e)
{
	if (!e)
		return;
	gpai_pool_free(e->kern.pool);
	kern_release(&e->kern);
	for (size_t i = 0; i < e->n_owned; i++)
		free(e->owned[i]);
	free(e->owned);
	free(e->l);
	free(e->key_cache);
	free(e->val_cache);
	free(e->x);
	free(e->xb);
	free(e->xb2);
	free(e->hb);
	free(e->hb2);
	free(e->q);
	free(e->att);
	free(e->logits);
	free(e->rope_freq);
	free(e->rope_cos);
	free(e->rope_sin);
	gpai_tokenizer_free(e->tok);
	engine_free_batch(e);
	gpai_model_close(e->model);
	free(e);
}

const struct gpai_engine_info *gpai_engine_info(const struct gpai_engine *e)
{
	return &e->info;
}

struct gpai_tokenizer *gpai_engine_tokenizer(struct gpai_engine *e)
{
	return e->tok;
}

int engine_check_config(struct gpai_engine *e, const char *path, struct gpai_error *err)
{
	struct gpai_engine_info *in = &e->info;

	if (in->dim <= 0 || in->dim > DIM_MAX || in->hidden_dim <= 0 || in->hidden_dim > DIM_MAX ||
	    in->n_layers <= 0 || in->n_layers > LAYERS_MAX || in->n_heads <= 0 ||
	    in->n_kv_heads <= 0 || in->vocab_size <= 0 || in->vocab_size > VOCAB_MAX ||
	    in->context_length <= 0 || in->context_length > CTX_MAX)
		return gpai_error_set(err, GPAI_EFORMAT,
				      "'%s': config out of range: dim %d, hidden_dim %d, n_layers %d, "
				      "n_heads %d, n_kv_heads %d, vocab_size %d, context %d",
				      path, in->dim, in->hidden_dim, in->n_layers, in->n_heads,
				      in->n_kv_heads, in->vocab_size, in->context_length);
	if (in->dim % in->n_heads != 0)
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': n_heads %d does not divide dim %d",
				      path, in->n_heads, in->dim);
	if (in->n_heads % in->n_kv_heads != 0)
		return gpai_error_set(err, GPAI_EFORMAT,
				      "'%s': n_kv_heads %d does not divide n_heads %d",
				      path, in->n_kv_heads, in->n_heads);
	in->head_size = in->dim / in->n_heads;
	if (e->rope && in->head_size % 2 != 0)
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': head size %d is odd, RoPE needs pairs",
				      path, in->head_size);
	e->kv_dim = in->head_size * in->n_kv_heads;
	return GPAI_OK;
}

/* ---- open ------------------------------------------------------------- */

static uint64_t wref_elems(const struct wref *w)
{
	return w->data ? (uint64_t)w->rows * (uint64_t)w->cols : 0;
}

static uint64_t wref_bytes(const struct wref *w)
{
	uint64_t n = w->data ? wtype_row_bytes(w->type, w->cols) * (uint64_t)w->rows : 0;

	if (w->data && w->type == WT_Q8G)
		n += sizeof(float) * ((uint64_t)w->rows * (uint64_t)w->cols / (uint64_t)w->group);
	return n;
}

/* Fills n_params, weight_bytes, flop_per_token and dtype; checks the norm
 * vectors for NaN (cheap; matrices are checked through the logits). */
static int finish_info(struct gpai_engine *e, const char *path, struct gpai_error *err)
{
	struct gpai_engine_info *in = &e->info;
	uint64_t params = 0, bytes = 0, mm = 0;
	const struct wref *top[] = { &e->tok_embd, &e->pos_embd, &e->out_norm, &e->out_norm_b };

	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		params += wref_elems(top[i]);
		bytes += wref_bytes(top[i]);
	}
	if (!in->tied) {
		params += wref_elems(&e->output);
		bytes += wref_bytes(&e->output);
	}
	mm += wref_elems(&e->output);
	for (int32_t l = 0; l < in->n_layers; l++) {
		const struct lw *w = &e->l[l];
		const struct wref *all[] = { &w->attn_norm, &w->attn_norm_b, &w->wq, &w->wk, &w->wv,
			&w->bq, &w->bk, &w->bv, &w->wo, &w->bo, &w->ffn_norm, &w->ffn_norm_b,
			&w->w1, &w->w2, &w->w3, &w->b_up, &w->b_down };
		const struct wref *mats[] = { &w->wq, &w->wk, &w->wv, &w->wo, &w->w1, &w->w2, &w->w3 };
		const struct wref *norms[] = { &w->attn_norm, &w->ffn_norm };

		for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
			params += wref_elems(all[i]);
			bytes += wref_bytes(all[i]);
		}
		for (size_t i = 0; i < sizeof(mats) / sizeof(mats[0]); i++)
			mm += wref_elems(mats[i]);
		for (size_t i = 0; i < 2; i++) {
			const float *v = norms[i]->data;

			for (int64_t k = 0; v && k < norms[i]->cols; k++)
				if (isnan(v[k]))
					return gpai_error_set(err, GPAI_EFORMAT,
							      "'%s': layer %d: %s norm weight %lld is NaN",
							      path, (int)l, i ? "ffn" : "attention",
							      (long long)k);
		}
	}
	in->n_params = params;
	in->weight_bytes = bytes;
	/* 2 FLOP per multiply-add of every matrix; attention at position p
	 * adds 4 * n_layers * dim * (p + 1) (scores and weighted sum). */
	in->flop_per_token = 2.0 * (double)mm + 4.0 * in->n_layers * (double)in->dim;
	gpai_strlcpy(in->dtype, wtype_name(e->l[0].wq.type), sizeof(in->dtype));
	return GPAI_OK;
}

static int alloc_state(struct gpai_engine *e, int n_threads, struct gpai_error *err)
{
	const struct gpai_engine_info *in = &e->info;
	size_t cache = (size_t)in->n_layers * (size_t)in->context_length * (size_t)e->kv_dim;
	int64_t widest = in->dim > in->hidden_dim ? in->dim : in->hidden_dim;
	int rc;

	e->key_cache = calloc(cache, sizeof(float));
	e->val_cache = calloc(cache, sizeof(float));
	e->x = calloc((size_t)in->dim, sizeof(float));
	e->xb = calloc((size_t)in->dim * 3, sizeof(float));
	e->xb2 = calloc((size_t)in->dim, sizeof(float));
	e->hb = calloc((size_t)widest, sizeof(float));
	e->hb2 = calloc((size_t)widest, sizeof(float));
	/* q, then a decoded position's k and v (kv_dim <= dim each) */
	e->q = calloc((size_t)in->dim * 3, sizeof(float));
	e->att = calloc((size_t)in->n_heads * (size_t)in->context_length, sizeof(float));
	e->logits = calloc((size_t)in->vocab_size, sizeof(float));
	e->rope_freq = calloc((size_t)in->head_size / 2 + 1, sizeof(float));
	e->rope_cos = calloc(BATCH_MAX * ((size_t)in->head_size / 2 + 1), sizeof(float));
	e->rope_sin = calloc(BATCH_MAX * ((size_t)in->head_size / 2 + 1), sizeof(float));
	e->kern.xq.q = calloc((size_t)widest + GPAI_QK, 1);
	/* a scale per 32-block (Q8_0, Q4_0), or per llama2.c v2 group, which
	 * may be as small as one element */
	e->kern.xq.d = calloc((size_t)widest + 1, sizeof(float));
	e->kern.xq.cap = widest;
	if (!e->key_cache || !e->val_cache || !e->x || !e->xb || !e->xb2 || !e->hb || !e->hb2 ||
	    !e->q || !e->att || !e->logits || !e->rope_freq || !e->rope_cos || !e->rope_sin ||
	    !e->kern.xq.q || !e->kern.xq.d)
		return gpai_error_set(err, GPAI_ENOMEM,
				      "out of memory for the activations and KV cache (%zu floats)",
				      2 * cache);
	/* run.c computes theta^(-2j/hs) per element: powf, in float */
	for (int32_t j = 0; j < in->head_size / 2; j++)
		e->rope_freq[j] = 1.0f / powf(in->rope_theta, (float)(2 * j) / (float)in->head_size);
	rc = gpai_pool_new(n_threads, &e->kern.pool, err);
	return rc;
}

/* 1 if the file starts with the GGUF magic. */
static int is_gguf(const char *path)
{
	unsigned char magic[4] = { 0 };
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return 0;
	n = fread(magic, 1, 4, f);
	fclose(f);
	return n == 4 && memcmp(magic, "GGUF", 4) == 0;
}

int gpai_engine_open(const char *path, const struct gpai_engine_options *opt,
		     struct gpai_engine **out, struct gpai_error *err)
{
	struct gpai_engine *e;
	int n_threads = opt && opt->n_threads > 0 ? opt->n_threads : 1;
	int rc;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	rc = gpai_model_open(path, &e->model, err);
	if (rc)
		goto fail;
	if ((rc = engine_bind(e, path, err)) ||
	    (rc = tok_from_model(e->model, path, &e->tok, err)))
		goto fail;
	if ((rc = finish_info(e, path, err)) || (rc = alloc_state(e, n_threads, err)))
		goto fail;
	model_prefault(e->model);
	if (opt && opt->tokenizer_path) {
		struct gpai_tokenizer *t;

		if (is_gguf(opt->tokenizer_path))
			rc = gpai_tokenizer_open_gguf(opt->tokenizer_path, &t, err);
		else
			rc = gpai_tokenizer_open_llama2c(opt->tokenizer_path, e->info.vocab_size, &t, err);
		if (rc)
			goto fail;
		gpai_tokenizer_free(e->tok);
		e->tok = t;
	}
	if (e->tok && gpai_tokenizer_n_vocab(e->tok) != e->info.vocab_size) {
		rc = gpai_error_set(err, GPAI_EFORMAT,
				    "'%s': the tokenizer has %d tokens, the model %d",
				    path, (int)gpai_tokenizer_n_vocab(e->tok), e->info.vocab_size);
		goto fail;
	}
	*out = e;
	return GPAI_OK;
fail:
	gpai_engine_free(e);
	return rc;
}

/* ---- forward ------------------------------------------------------------- */

static void rmsnorm(float *o, const float *x, const struct wref *w, int32_t n, float eps)
{
	const float *g = w->data;
	float ss = 0;

	for (int32_t j = 0; j < n; j++)
		ss += x[j] * x[j];
	ss /= (float)n;
	ss += eps;
	ss = 1.0f / sqrtf(ss);
	for (int32_t j = 0; j < n; j++)
		o[j] = g[j] * (ss * x[j]);
}

static void layernorm(float *o, const float *x, const struct wref *w, const struct wref *b,
		      int32_t n, float eps)
{
	const float *g = w->data, *bb = b->data;
	float mean = 0, var = 0, inv;

	for (int32_t j = 0; j < n; j++)
		mean += x[j];
	mean /= (float)n;
	for (int32_t j = 0; j < n; j++)
		var += (x[j] - mean) * (x[j] - mean);
	var /= (float)n;
	inv = 1.0f / sqrtf(var + eps);
	for (int32_t j = 0; j < n; j++)
		o[j] = (x[j] - mean) * inv * g[j] + (bb ? bb[j] : 0.0f);
}

static void norm(struct gpai_engine *e, float *o, const float *x, const struct wref *w,
		 const struct wref *b)
{
	if (e->norm == NORM_RMS)
		rmsnorm(o, x, w, e->info.dim, e->info.norm_eps);
	else
		layernorm(o, x, w, b, e->info.dim, e->info.norm_eps);
}

static void add_bias(float *o, const struct wref *b, int64_t n)
{
	const float *v = b->data;

	if (!v)
		return;
	for (int64_t i = 0; i < n; i++)
		o[i] += v[i];
}

static void softmax(float *x, int32_t n)
{
	float max = x[kern_argmax(x, n)], sum = 0;

	kern_exp_shifted(x, n, max);
	for (int32_t i = 0; i < n; i++)
		sum += x[i];
	kern_divide(x, n, sum);
}

/* Row b of the rope tables: cos/sin of pos * theta^(-2j/hs) for j < hs/2
 * (run.c computes the same per element: cosf/sinf of pos*freq in float).
 * A batch's position b uses row b, a one-token forward row 0. */
static float *rope_row(const struct gpai_engine *e, float *table, int b)
{
	return table + (size_t)b * ((size_t)e->info.head_size / 2 + 1);
}

static void rope_tables(struct gpai_engine *e, int row, int32_t pos)
{
	float *c = rope_row(e, e->rope_cos, row), *s = rope_row(e, e->rope_sin, row);

	for (int32_t j = 0; j < e->info.head_size / 2; j++) {
		float val = (float)pos * e->rope_freq[j];

		c[j] = cosf(val);
		s[j] = sinf(val);
	}
}

static void rope_apply(const struct gpai_engine *e, int row, float *v, int32_t n_heads)
{
	int32_t hs = e->info.head_size;
	const float *cs = rope_row(e, e->rope_cos, row), *sn = rope_row(e, e->rope_sin, row);

	for (int32_t h = 0; h < n_heads; h++) {
		float *p = v + h * hs;

		for (int32_t j = 0; j < hs / 2; j++) {
			float c = cs[j], s = sn[j];
			int32_t a = e->rope == 1 ? 2 * j : j, b = e->rope == 1 ? 2 * j + 1 : j + hs / 2;
			float v0 = p[a], v1 = p[b];

			p[a] = v0 * c - v1 * s;
			p[b] = v0 * s + v1 * c;
		}
	}
}

/* Attention of n consecutive positions pos..pos+n-1 of one layer, whose
 * queries are q + b * D and outputs out + b * D; a chunk is a set of heads,
 * each running the positions in order (so a head's score scratch is used
 * by one thread at a time). */
struct att_job {
	struct gpai_engine *e;
	int32_t layer, pos, n;
	const float *q;   /* n rows of [n_heads * head_size] queries */
	float *out;       /* n rows of [dim] attention output */
};

/* Where the KV cache holds the head_size values of kv head `kvh` at
 * position pos of a layer: each head's positions are contiguous, so
 * attention reads them in one stream. */
static float *kv_at(const struct gpai_engine *e, float *cache, int32_t layer, int32_t kvh,
		    int32_t pos)
{
	const struct gpai_engine_info *in = &e->info;

	return cache + (((size_t)layer * (size_t)in->n_kv_heads + (size_t)kvh) *
				(size_t)in->context_length + (size_t)pos) * (size_t)in->head_size;
}

/* Stores the k and v vectors (kv_dim each) of position pos in the cache. */
static void kv_store(struct gpai_engine *e, int32_t layer, int32_t pos, const float *k,
		     const float *v)
{
	int32_t hs = e->info.head_size;

	for (int32_t h = 0; h < e->info.n_kv_heads; h++) {
		memcpy(kv_at(e, e->key_cache, layer, h, pos), k + h * hs, (size_t)hs * sizeof(float));
		memcpy(kv_at(e, e->val_cache, layer, h, pos), v + h * hs, (size_t)hs * sizeof(float));
	}
}

static void att_part(void *ctx, int chunk, int n_chunks)
{
	struct att_job *j = ctx;
	struct gpai_engine *e = j->e;
	const struct gpai_engine_info *in = &e->info;
	int32_t hs = in->head_size, kv_mul = in->n_heads / in->n_kv_heads, D = in->dim;
	int32_t lo = in->n_heads * chunk / n_chunks, hi = in->n_heads * (chunk + 1) / n_chunks;
	float scale = 1.0f / sqrtf((float)hs);

	for (int32_t h = lo; h < hi; h++) {
		const float *k = kv_at(e, e->key_cache, j->layer, h / kv_mul, 0);
		const float *v = kv_at(e, e->val_cache, j->layer, h / kv_mul, 0);
		float *att = e->att + (size_t)h * in->context_length;

		for (int32_t b = 0; b < j->n; b++) {
			int32_t npos = j->pos + b + 1;

			kern_scores(att, j->q + (size_t)b * D + h * hs, k, hs, npos, hs, scale);
			softmax(att, npos);
			kern_wsum(j->out + (size_t)b * D + h * hs, att, v, hs, npos, hs);
		}
	}
}

/* Heads are spread over threads once the context makes attention cost
 * more than a pool wake-up (the workers spin between the jobs of a step,
 * so a wake-up is a few microseconds): positions times dim above this. */
#define ATT_PARALLEL_MIN (1 << 13)

static void attention(struct gpai_engine *e, struct att_job *aj)
{
	int64_t work = 0;

	for (int32_t b = 0; b < aj->n; b++)
		work += (int64_t)(aj->pos + b + 1) * e->info.dim;
	if (work >= ATT_PARALLEL_MIN)
		gpai_pool_run(e->kern.pool, e->info.n_heads, att_part, aj);
	else
		att_part(aj, 0, 1);
}

static float gelu_tanh(float x)
{
	/* sqrt(2/pi) and 0.044715: Hendrycks & Gimpel 2016, GPT-2's gelu */
	const float k = 0.7978845608028654f, c = 0.044715f;

	return 0.5f * x * (1.0f + tanhf(k * (x + c * x * x * x)));
}

int gpai_engine_forward(struct gpai_engine *e, int32_t token, int32_t pos,
			float **logits, struct gpai_error *err)
{
	const struct gpai_engine_info *in = &e->info;
	int32_t D = in->dim, H = in->hidden_dim, KV = e->kv_dim;
	float *x = e->x;

	*logits = NULL;
	if (token < 0 || token >= in->vocab_size)
		return gpai_error_set(err, GPAI_EMISUSE, "token %d is outside the vocabulary of %d",
				      (int)token, in->vocab_size);
	if (pos < 0 || pos >= in->context_length)
		return gpai_error_set(err, GPAI_EMISUSE,
				      "position %d is outside the context of %d tokens",
				      (int)pos, in->context_length);
	wref_row(&e->tok_embd, token, x);
	if (e->pos_embd.data) {
		wref_row(&e->pos_embd, pos, e->xb);
		for (int32_t i = 0; i < D; i++)
			x[i] += e->xb[i];
	}
	if (e->rope)
		rope_tables(e, 0, pos);
	for (int32_t l = 0; l < in->n_layers; l++) {
		struct lw *w = &e->l[l];
		/* this position's k and v follow q in e->q (3 * dim floats) */
		float *k = e->q + D, *v = k + KV;
		struct att_job aj = { e, l, pos, 1, e->q, e->xb };

		norm(e, e->xb, x, &w->attn_norm, &w->attn_norm_b);
		{
			struct kern_mv qkv[3] = { { e->q, &w->wq, 0 }, { k, &w->wk, 0 }, { v, &w->wv, 0 } };

			kern_matvec_group(&e->kern, qkv, 3, e->xb);
		}
		add_bias(e->q, &w->bq, D);
		add_bias(k, &w->bk, KV);
		add_bias(v, &w->bv, KV);
		if (e->rope) {
			rope_apply(e, 0, e->q, in->n_heads);
			rope_apply(e, 0, k, in->n_kv_heads);
		}
		kv_store(e, l, pos, k, v);
		attention(e, &aj);
		kern_matvec(&e->kern, e->xb2, &w->wo, e->xb);
		add_bias(e->xb2, &w->bo, D);
		for (int32_t i = 0; i < D; i++)
			x[i] += e->xb2[i];

		norm(e, e->xb, x, &w->ffn_norm, &w->ffn_norm_b);
		if (e->ffn == FFN_SWIGLU) {
			struct kern_mv up[2] = { { e->hb, &w->w1, 0 }, { e->hb2, &w->w3, 0 } };

			kern_matvec_group(&e->kern, up, 2, e->xb);
			kern_swiglu(e->hb, e->hb2, H);
		} else {
			kern_matvec(&e->kern, e->hb, &w->w3, e->xb);
			add_bias(e->hb, &w->b_up, H);
			for (int32_t i = 0; i < H; i++)
				e->hb[i] = gelu_tanh(e->hb[i]);
		}
		kern_matvec(&e->kern, e->xb, &w->w2, e->hb);
		add_bias(e->xb, &w->b_down, D);
		for (int32_t i = 0; i < D; i++)
			x[i] += e->xb[i];
	}
	norm(e, x, x, &e->out_norm, &e->out_norm_b);
	kern_matvec(&e->kern, e->logits, &e->output, x);
	{
		int64_t bad = kern_first_nonfinite(e->logits, in->vocab_size);

		if (bad >= 0)
			return gpai_error_set(err, GPAI_EFORMAT,
					      "logit %d at position %d is not finite: the weights hold "
					      "NaN or infinity", (int)bad, (int)pos);
	}
	e->flop_done += gpai_engine_flop_at(e, pos);
	*logits = e->logits;
	return GPAI_OK;
}

double gpai_engine_flop_at(const struct gpai_engine *e, int32_t pos)
{
	/* flop_per_token counts position 0; each further attended position adds
	 * 2 FLOP per element of q.k and of the weighted sum of v */
	return e->info.flop_per_token + 4.0 * e->info.n_layers * (double)e->info.dim * pos;
}

double gpai_engine_flop_done(const struct gpai_engine *e)
{
	return e->flop_done;
}

/* ---- batched forward -------------------------------------------------------- */

static int alloc_batch(struct gpai_engine *e, struct gpai_error *err)
{
	const struct gpai_engine_info *in = &e->info;
	size_t D = (size_t)in->dim, W = (size_t)(in->dim > in->hidden_dim ? in->dim : in->hidden_dim);

	if (e->bx)
		return GPAI_OK;
	e->bx = calloc(BATCH_MAX * D, sizeof(float));
	e->bxb = calloc(BATCH_MAX * D, sizeof(float));
	e->bxb2 = calloc(BATCH_MAX * D, sizeof(float));
	e->bq = calloc(BATCH_MAX * D, sizeof(float));
	e->bk = calloc(BATCH_MAX * (size_t)e->kv_dim, sizeof(float));
	e->bv = calloc(BATCH_MAX * (size_t)e->kv_dim, sizeof(float));
	e->bhb = calloc(BATCH_MAX * W, sizeof(float));
	e->bhb2 = calloc(BATCH_MAX * W, sizeof(float));
	e->blogits = calloc(BATCH_MAX * (size_t)in->vocab_size, sizeof(float));
	e->bxq.q = calloc(BATCH_MAX * (W + GPAI_QK), 1);
	e->bxq.d = calloc(BATCH_MAX * (W + 1), sizeof(float)); /* see alloc_state */
	e->bxq.cap = (int64_t)W;
	if (!e->bx || !e->bxb || !e->bxb2 || !e->bq || !e->bk || !e->bv || !e->bhb || !e->bhb2 ||
	    !e->blogits || !e->bxq.q || !e->bxq.d)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory for batch buffers");
	return GPAI_OK;
}

void engine_free_batch(struct gpai_engine *e)
{
	free(e->bx);
	free(e->bxb);
	free(e->bxb2);
	free(e->bq);
	free(e->bk);
	free(e->bv);
	free(e->bhb);
	free(e->bhb2);
	free(e->blogits);
	free(e->bxq.q);
	free(e->bxq.d);
}

/* The per-position steps of a batched layer, run for positions [lo, hi)
 * of the batch; each position's values are what the one-token forward
 * computes, so spreading positions over threads changes nothing. */
enum batch_step { STEP_IN, STEP_ATTN_IN, STEP_QKV, STEP_ATTN_OUT, STEP_ACT, STEP_FFN_OUT, STEP_OUT,
		  STEP_CHECK };

struct step_job {
	struct gpai_engine *e;
	const struct lw *w;
	enum batch_step step;
	int n;
	int32_t pos0, layer;
	const int32_t *tokens; /* STEP_IN */
	int32_t bad[BATCH_MAX]; /* STEP_CHECK: first non-finite logit, or -1 */
};

static void step_part(void *ctx, int chunk, int n_chunks)
{
	struct step_job *j = ctx;
	struct gpai_engine *e = j->e;
	const struct lw *w = j->w;
	int32_t D = e->info.dim, H = e->info.hidden_dim, KV = e->kv_dim, V = e->info.vocab_size;
	int64_t W = D > H ? D : H;

	for (int b = j->n * chunk / n_chunks; b < j->n * (chunk + 1) / n_chunks; b++) {
		float *x = e->bx + (size_t)b * D;

		switch (j->step) {
		case STEP_IN: /* the embeddings, and the position's RoPE table */
			wref_row(&e->tok_embd, j->tokens[b], x);
			if (e->pos_embd.data) {
				float *p = e->bxb + (size_t)b * D;

				wref_row(&e->pos_embd, j->pos0 + b, p);
				for (int32_t i = 0; i < D; i++)
					x[i] += p[i];
			}
			if (e->rope)
				rope_tables(e, b, j->pos0 + b);
			break;
		case STEP_ATTN_IN:
			norm(e, e->bxb + (size_t)b * D, x, &w->attn_norm, &w->attn_norm_b);
			break;
		case STEP_QKV: { /* biases, RoPE at the position, k and v to the cache */
			float *q = e->bq + (size_t)b * D, *k = e->bk + (size_t)b * KV;
			float *v = e->bv + (size_t)b * KV;

			add_bias(q, &w->bq, D);
			add_bias(k, &w->bk, KV);
			add_bias(v, &w->bv, KV);
			if (e->rope) {
				rope_apply(e, b, q, e->info.n_heads);
				rope_apply(e, b, k, e->info.n_kv_heads);
			}
			kv_store(e, j->layer, j->pos0 + b, k, v);
			break;
		}
		case STEP_ATTN_OUT: { /* x += Wo att + bo; then the FFN's input norm */
			float *o = e->bxb2 + (size_t)b * D;

			add_bias(o, &w->bo, D);
			for (int32_t i = 0; i < D; i++)
				x[i] += o[i];
			norm(e, e->bxb + (size_t)b * D, x, &w->ffn_norm, &w->ffn_norm_b);
			break;
		}
		case STEP_ACT: {
			float *h = e->bhb + (size_t)b * W, *h2 = e->bhb2 + (size_t)b * W;

			if (e->ffn == FFN_SWIGLU) {
				kern_swiglu(h, h2, H);
			} else {
				add_bias(h, &w->b_up, H);
				for (int32_t i = 0; i < H; i++)
					h[i] = gelu_tanh(h[i]);
			}
			break;
		}
		case STEP_FFN_OUT: { /* x += W2 h + b_down */
			float *o = e->bxb + (size_t)b * D;

			add_bias(o, &w->b_down, D);
			for (int32_t i = 0; i < D; i++)
				x[i] += o[i];
			break;
		}
		case STEP_OUT:
			norm(e, x, x, &e->out_norm, &e->out_norm_b);
			break;
		case STEP_CHECK: {
			const float *lg = e->blogits + (size_t)b * V;

			j->bad[b] = (int32_t)kern_first_nonfinite(lg, V);
			break;
		}
		}
	}
}

/* Positions are spread over threads when the batch has enough of them to
 * pay for a pool wake-up. */
#define STEP_PARALLEL_MIN 4

static void run_step(struct gpai_engine *e, struct step_job *j)
{
	if (j->n >= STEP_PARALLEL_MIN)
		gpai_pool_run(e->kern.pool, j->n, step_part, j);
	else
		step_part(j, 0, 1);
}

static void batch_step(struct gpai_engine *e, const struct lw *w, enum batch_step step, int n)
{
	struct step_job j = { .e = e, .w = w, .step = step, .n = n };

	run_step(e, &j);
}

/* Runs n <= BATCH_MAX tokens at positions pos0.. pos0 + n - 1. */
static int forward_batch(struct gpai_engine *e, const int32_t *tokens, int n, int32_t pos0,
			 struct gpai_error *err)
{
	const struct gpai_engine_info *in = &e->info;
	int32_t D = in->dim, KV = e->kv_dim;
	int64_t W = in->dim > in->hidden_dim ? in->dim : in->hidden_dim;

	{
		struct step_job j = { .e = e, .step = STEP_IN, .n = n, .pos0 = pos0, .tokens = tokens };

		run_step(e, &j);
	}
	for (int32_t l = 0; l < in->n_layers; l++) {
		struct lw *w = &e->l[l];

		batch_step(e, w, STEP_ATTN_IN, n);
		{
			struct kern_mv qkv[3] = { { e->bq, &w->wq, D }, { e->bk, &w->wk, KV },
						  { e->bv, &w->wv, KV } };

			kern_matmat_group(&e->kern, qkv, 3, e->bxb, D, n, &e->bxq);
		}
		{
			struct step_job j = { .e = e, .w = w, .step = STEP_QKV, .n = n, .pos0 = pos0,
					      .layer = l };

			run_step(e, &j);
		}
		{
			struct att_job aj = { e, l, pos0, n, e->bq, e->bxb };

			attention(e, &aj);
		}
		kern_matmat(&e->kern, e->bxb2, D, &w->wo, e->bxb, D, n, &e->bxq);
		batch_step(e, w, STEP_ATTN_OUT, n);
		if (e->ffn == FFN_SWIGLU) {
			struct kern_mv up[2] = { { e->bhb, &w->w1, W }, { e->bhb2, &w->w3, W } };

			kern_matmat_group(&e->kern, up, 2, e->bxb, D, n, &e->bxq);
		} else {
			kern_matmat(&e->kern, e->bhb, W, &w->w3, e->bxb, D, n, &e->bxq);
		}
		batch_step(e, w, STEP_ACT, n);
		kern_matmat(&e->kern, e->bxb, D, &w->w2, e->bhb, W, n, &e->bxq);
		batch_step(e, w, STEP_FFN_OUT, n);
	}
	batch_step(e, NULL, STEP_OUT, n);
	kern_matmat(&e->kern, e->blogits, in->vocab_size, &e->output, e->bx, D, n, &e->bxq);
	{
		struct step_job j = { .e = e, .step = STEP_CHECK, .n = n };

		run_step(e, &j);
		for (int b = 0; b < n; b++) {
			if (j.bad[b] >= 0)
				return gpai_error_set(err, GPAI_EFORMAT,
						      "logit %d at position %d is not finite: the weights "
						      "hold NaN or infinity", (int)j.bad[b], (int)(pos0 + b));
			e->flop_done += gpai_engine_flop_at(e, pos0 + b);
		}
	}
	return GPAI_OK;
}

/* fn for positions [lo, hi) of a batch, each position's code kept. */
struct logits_job {
	gpai_logits_fn fn;
	void *ctx;
	int32_t pos0, vocab;
	int m;
	const float *logits;
	int rc[BATCH_MAX];
};

static void logits_part(void *ctx, int chunk, int n_chunks)
{
	struct logits_job *j = ctx;

	for (int b = j->m * chunk / n_chunks; b < j->m * (chunk + 1) / n_chunks; b++)
		j->rc[b] = j->fn(j->ctx, j->pos0 + b, j->logits + (size_t)b * (size_t)j->vocab);
}

static int forward_batches(struct gpai_engine *e, const int32_t *tokens, int32_t n, int32_t pos0,
			   gpai_logits_fn fn, void *ctx, int parallel, struct gpai_error *err)
{
	const struct gpai_engine_info *in = &e->info;
	int rc;

	if (n < 0 || pos0 < 0 || (int64_t)pos0 + n > in->context_length)
		return gpai_error_set(err, GPAI_EMISUSE,
				      "positions %d..%d are outside the context of %d tokens",
				      (int)pos0, (int)(pos0 + n - 1), in->context_length);
	for (int32_t i = 0; i < n; i++)
		if (tokens[i] < 0 || tokens[i] >= in->vocab_size)
			return gpai_error_set(err, GPAI_EMISUSE, "token %d is outside the vocabulary of %d",
					      (int)tokens[i], in->vocab_size);
	if ((rc = alloc_batch(e, err)))
		return rc;
	for (int32_t done = 0; done < n;) {
		int m = n - done < BATCH_MAX ? n - done : BATCH_MAX;

		rc = forward_batch(e, tokens + done, m, pos0 + done, err);
		if (rc)
			return rc;
		if (fn && parallel) {
			struct logits_job j = { fn, ctx, pos0 + done, in->vocab_size, m, e->blogits, { 0 } };

			gpai_pool_run(e->kern.pool, m, logits_part, &j);
			for (int b = 0; b < m; b++)
				if (j.rc[b])
					return j.rc[b];
		}
		for (int b = 0; b < m && fn && !parallel; b++)
			if ((rc = fn(ctx, pos0 + done + b, e->blogits + (size_t)b * in->vocab_size)))
				return rc;
		done += m;
	}
	return GPAI_OK;
}

int gpai_engine_forward_batch(struct gpai_engine *e, const int32_t *tokens, int32_t n,
			      int32_t pos0, gpai_logits_fn fn, void *ctx, struct gpai_error *err)
{
	return forward_batches(e, tokens, n, pos0, fn, ctx, 0, err);
}

int engine_forward_batch_parallel(struct gpai_engine *e, const int32_t *tokens, int32_t n,
				  int32_t pos0, gpai_logits_fn fn, void *ctx,
				  struct gpai_error *err)
{
	return forward_batches(e, tokens, n, pos0, fn, ctx, 1, err);
}
