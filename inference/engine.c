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
#define LLAMA2C_MAGIC 0x616b3432u    /* "ak42" */
#define LLAMA2C_HEADER_V1 256        /* bytes of the v1/v2 header */
#define LLAMA2C_V0_HEADER 28         /* 7 int32 */
#define LLAMA2C_NORM_EPS 1e-5f       /* run.c rmsnorm */
#define LLAMA2C_ROPE_THETA 10000.0f  /* run.c RoPE base */
/* Upper bounds that keep size arithmetic far from overflow; far above any
 * published model. */
#define DIM_MAX (1 << 20)
#define LAYERS_MAX 4096
#define VOCAB_MAX (1 << 24)
#define CTX_MAX (1 << 24)

enum norm_kind { NORM_RMS, NORM_LAYER };
enum ffn_kind { FFN_SWIGLU, FFN_GELU };

struct lw {
	struct wref attn_norm, attn_norm_b;
	struct wref wq, wk, wv, bq, bk, bv, wo, bo;
	struct wref ffn_norm, ffn_norm_b;
	struct wref w1, w2, w3, b_up, b_down; /* w1 gate, w3 up, w2 down; GPT-2: w3 up, w2 down */
};

struct gpai_engine {
	struct gpai_engine_info info;
	struct gpai_map map;
	void **owned;
	size_t n_owned;
	enum norm_kind norm;
	enum ffn_kind ffn;
	int rope;             /* 0 none (GPT-2), 1 adjacent pairs, 2 rotate-half */
	struct wref tok_embd, pos_embd, out_norm, out_norm_b, output;
	struct lw *l;
	int32_t kv_dim;
	float *key_cache, *val_cache; /* [layer][context][kv_dim] */
	float *x, *xb, *xb2, *hb, *hb2, *q, *att, *logits;
	float *rope_cos, *rope_sin;   /* [head_size/2] for the current position */
	struct kern kern;
	struct gpai_tokenizer *tok;
};

/* ---- helpers ------------------------------------------------------------- */

static int32_t rd_i32(const unsigned char *p)
{
	int32_t v;

	memcpy(&v, p, 4);
	return v;
}

void gpai_engine_free(struct gpai_engine *e)
{
	if (!e)
		return;
	gpai_pool_free(e->kern.pool);
	free(e->kern.xq.q);
	free(e->kern.xq.d);
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
	free(e->rope_cos);
	free(e->rope_sin);
	gpai_tokenizer_free(e->tok);
	gpai_map_close(&e->map);
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

/* ---- llama2.c checkpoints ------------------------------------------------ */

struct cursor {
	const unsigned char *base;
	size_t off, size;
	const char *path;
	int bad;
};

/* Takes a float32 [rows][cols] array at the cursor. */
static struct wref take(struct cursor *c, int64_t rows, int64_t cols)
{
	struct wref w = { NULL, WT_F32, rows, cols };
	uint64_t n = (uint64_t)rows * (uint64_t)cols * 4;

	if (c->bad || c->size - c->off < n) {
		c->bad = 1;
		return w;
	}
	w.data = c->base + c->off;
	c->off += n;
	return w;
}

/* Layer l of a [L][rows][cols] array starting at w. */
static struct wref layer_of(struct wref w, int64_t l, int64_t rows)
{
	struct wref r = { NULL, WT_F32, rows, w.cols };

	if (w.data)
		r.data = (const float *)w.data + l * rows * w.cols;
	return r;
}

static int check_config(struct gpai_engine *e, const char *path, struct gpai_error *err)
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

static int load_llama2c(struct gpai_engine *e, const char *path, struct gpai_error *err)
{
	struct gpai_engine_info *in = &e->info;
	const unsigned char *d = e->map.data;
	size_t size = e->map.size, hdr;
	struct cursor c;
	struct wref rms_att, rms_ffn, wq, wk, wv, wo, w1, w2, w3;
	int version = 0, shared;
	int32_t cfg[7];
	int rc;

	if (size >= 8 && (uint32_t)rd_i32(d) == LLAMA2C_MAGIC) {
		version = rd_i32(d + 4);
		if (version == 2)
			return gpai_error_set(err, GPAI_EUNSUPPORTED,
					      "'%s': llama2.c version 2 (Q8_0 export) checkpoints are not supported; "
					      "export version 1 or GGUF", path);
		if (version != 1)
			return gpai_error_set(err, GPAI_EUNSUPPORTED,
					      "'%s': offset 4: unknown llama2.c checkpoint version %d", path, version);
		if (size < LLAMA2C_HEADER_V1)
			return gpai_error_set(err, GPAI_EFORMAT,
					      "'%s': truncated: %zu bytes, the v1 header has %d", path, size,
					      LLAMA2C_HEADER_V1);
		for (int i = 0; i < 7; i++)
			cfg[i] = rd_i32(d + 8 + 4 * i);
		shared = d[36];
		hdr = LLAMA2C_HEADER_V1;
	} else {
		if (size < LLAMA2C_V0_HEADER)
			return gpai_error_set(err, GPAI_EFORMAT,
					      "'%s': truncated: %zu bytes, a llama2.c header has %d", path,
					      size, LLAMA2C_V0_HEADER);
		for (int i = 0; i < 7; i++)
			cfg[i] = rd_i32(d + 4 * i);
		shared = cfg[5] > 0;
		if (cfg[5] < 0 && cfg[5] > -VOCAB_MAX)
			cfg[5] = -cfg[5];
		hdr = LLAMA2C_V0_HEADER;
	}
	gpai_strlcpy(in->format, "llama2c", sizeof(in->format));
	gpai_strlcpy(in->arch, "llama", sizeof(in->arch));
	gpai_strlcpy(in->dtype, "F32", sizeof(in->dtype));
	in->dim = cfg[0];
	in->hidden_dim = cfg[1];
	in->n_layers = cfg[2];
	in->n_heads = cfg[3];
	in->n_kv_heads = cfg[4];
	in->vocab_size = cfg[5];
	in->context_length = cfg[6];
	in->norm_eps = LLAMA2C_NORM_EPS;
	in->rope_theta = LLAMA2C_ROPE_THETA;
	in->tied = shared;
	e->norm = NORM_RMS;
	e->ffn = FFN_SWIGLU;
	e->rope = 1;
	if ((rc = check_config(e, path, err)))
		return rc;

	e->l = calloc((size_t)in->n_layers, sizeof(*e->l));
	if (!e->l)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory for '%s'", path);
	c = (struct cursor){ d, hdr, size, path, 0 };
	{
		int64_t L = in->n_layers, D = in->dim, H = in->hidden_dim, KV = e->kv_dim;
		int64_t V = in->vocab_size;

		if (version == 0) {
			e->tok_embd = take(&c, V, D);
			rms_att = take(&c, L, D);
			wq = take(&c, L * D, D);
			wk = take(&c, L * KV, D);
			wv = take(&c, L * KV, D);
			wo = take(&c, L * D, D);
			rms_ffn = take(&c, L, D);
			w1 = take(&c, L * H, D);
			w2 = take(&c, L * D, H);
			w3 = take(&c, L * H, D);
			e->out_norm = take(&c, 1, D);
			/* freq_cis_real and freq_cis_imag, unused (run.c) */
			take(&c, in->context_length, in->head_size);
		} else {
			rms_att = take(&c, L, D);
			rms_ffn = take(&c, L, D);
			e->out_norm = take(&c, 1, D);
			e->tok_embd = take(&c, V, D);
			wq = take(&c, L * D, D);
			wk = take(&c, L * KV, D);
			wv = take(&c, L * KV, D);
			wo = take(&c, L * D, D);
			w1 = take(&c, L * H, D);
			w2 = take(&c, L * D, H);
			w3 = take(&c, L * H, D);
		}
		e->output = shared ? e->tok_embd : take(&c, V, D);
		if (c.bad) {
			/* recompute the size the config needs for the message */
			uint64_t need = (uint64_t)hdr + 4 * ((uint64_t)V * D * (shared ? 1 : 2) +
				(uint64_t)L * (2 * D + 2 * D * D + 2 * KV * D + 3 * H * D) + D +
				(version == 0 ? (uint64_t)in->context_length * in->head_size : 0));

			return gpai_error_set(err, GPAI_EFORMAT,
					      "'%s': truncated: the header's config (dim %d, hidden_dim %d, "
					      "n_layers %d, n_heads %d, n_kv_heads %d, vocab_size %d, seq_len %d) "
					      "needs %llu bytes, the file has %zu",
					      path, in->dim, in->hidden_dim, in->n_layers, in->n_heads,
					      in->n_kv_heads, in->vocab_size, in->context_length,
					      (unsigned long long)need, size);
		}
		for (int64_t l = 0; l < L; l++) {
			struct lw *w = &e->l[l];

			w->attn_norm = layer_of(rms_att, l, 1);
			w->ffn_norm = layer_of(rms_ffn, l, 1);
			w->wq = layer_of(wq, l, D);
			w->wk = layer_of(wk, l, KV);
			w->wv = layer_of(wv, l, KV);
			w->wo = layer_of(wo, l, D);
			w->w1 = layer_of(w1, l, H);
			w->w2 = layer_of(w2, l, D);
			w->w3 = layer_of(w3, l, H);
		}
	}
	return GPAI_OK;
}

/* ---- open ------------------------------------------------------------- */

static uint64_t wref_elems(const struct wref *w)
{
	return w->data ? (uint64_t)w->rows * (uint64_t)w->cols : 0;
}

static uint64_t wref_bytes(const struct wref *w)
{
	return w->data ? wtype_row_bytes(w->type, w->cols) * (uint64_t)w->rows : 0;
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
	e->q = calloc((size_t)in->dim * 3, sizeof(float));
	e->att = calloc((size_t)in->n_heads * (size_t)in->context_length, sizeof(float));
	e->logits = calloc((size_t)in->vocab_size, sizeof(float));
	e->rope_cos = calloc((size_t)in->head_size / 2 + 1, sizeof(float));
	e->rope_sin = calloc((size_t)in->head_size / 2 + 1, sizeof(float));
	e->kern.xq.q = calloc((size_t)widest + GPAI_QK, 1);
	e->kern.xq.d = calloc((size_t)widest / GPAI_QK + 1, sizeof(float));
	e->kern.xq.cap = widest;
	if (!e->key_cache || !e->val_cache || !e->x || !e->xb || !e->xb2 || !e->hb || !e->hb2 ||
	    !e->q || !e->att || !e->logits || !e->rope_cos || !e->rope_sin || !e->kern.xq.q ||
	    !e->kern.xq.d)
		return gpai_error_set(err, GPAI_ENOMEM,
				      "out of memory for the activations and KV cache (%zu floats)",
				      2 * cache);
	rc = gpai_pool_new(n_threads, &e->kern.pool, err);
	return rc;
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
	rc = gpai_map_open(&e->map, path, err);
	if (rc)
		goto fail;
	if (e->map.size >= 4 && memcmp(e->map.data, "GGUF", 4) == 0) {
		rc = gpai_error_set(err, GPAI_EUNSUPPORTED,
				    "'%s': GGUF models are not supported by this build yet", path);
		goto fail;
	}
	rc = load_llama2c(e, path, err);
	if (rc)
		goto fail;
	if ((rc = finish_info(e, path, err)) || (rc = alloc_state(e, n_threads, err)))
		goto fail;
	if (opt && opt->tokenizer_path) {
		struct gpai_tokenizer *t;

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
	float max = x[0], sum = 0;

	for (int32_t i = 1; i < n; i++)
		if (x[i] > max)
			max = x[i];
	for (int32_t i = 0; i < n; i++) {
		x[i] = expf(x[i] - max);
		sum += x[i];
	}
	for (int32_t i = 0; i < n; i++)
		x[i] /= sum;
}

/* cos/sin of pos * theta^(-2j/hs) for j < hs/2 (run.c computes the same
 * per element: powf, then cosf/sinf of pos*freq in float). */
static void rope_tables(struct gpai_engine *e, int32_t pos)
{
	int32_t hs = e->info.head_size;

	for (int32_t j = 0; j < hs / 2; j++) {
		float freq = 1.0f / powf(e->info.rope_theta, (float)(2 * j) / (float)hs);
		float val = (float)pos * freq;

		e->rope_cos[j] = cosf(val);
		e->rope_sin[j] = sinf(val);
	}
}

static void rope_apply(const struct gpai_engine *e, float *v, int32_t n_heads)
{
	int32_t hs = e->info.head_size;

	for (int32_t h = 0; h < n_heads; h++) {
		float *p = v + h * hs;

		for (int32_t j = 0; j < hs / 2; j++) {
			float c = e->rope_cos[j], s = e->rope_sin[j];
			int32_t a = e->rope == 1 ? 2 * j : j, b = e->rope == 1 ? 2 * j + 1 : j + hs / 2;
			float v0 = p[a], v1 = p[b];

			p[a] = v0 * c - v1 * s;
			p[b] = v0 * s + v1 * c;
		}
	}
}

struct att_job {
	struct gpai_engine *e;
	int32_t layer, pos;
};

static void att_part(void *ctx, int index, int n_threads)
{
	struct att_job *j = ctx;
	struct gpai_engine *e = j->e;
	const struct gpai_engine_info *in = &e->info;
	int32_t hs = in->head_size, kv_mul = in->n_heads / in->n_kv_heads;
	int32_t lo = in->n_heads * index / n_threads, hi = in->n_heads * (index + 1) / n_threads;
	size_t loff = (size_t)j->layer * (size_t)in->context_length * (size_t)e->kv_dim;
	float scale = 1.0f / sqrtf((float)hs);

	for (int32_t h = lo; h < hi; h++) {
		const float *q = e->q + h * hs;
		float *att = e->att + (size_t)h * in->context_length;
		float *xb = e->xb + h * hs;

		for (int32_t t = 0; t <= j->pos; t++) {
			const float *k = e->key_cache + loff + (size_t)t * e->kv_dim + (h / kv_mul) * hs;

			att[t] = dot_f32(q, k, hs) * scale;
		}
		softmax(att, j->pos + 1);
		memset(xb, 0, sizeof(float) * (size_t)hs);
		for (int32_t t = 0; t <= j->pos; t++) {
			const float *v = e->val_cache + loff + (size_t)t * e->kv_dim + (h / kv_mul) * hs;
			float a = att[t];

			for (int32_t i = 0; i < hs; i++)
				xb[i] += a * v[i];
		}
	}
}

/* Heads are spread over threads once the context makes attention cost
 * more than a pool wake-up: positions times dim above this. */
#define ATT_PARALLEL_MIN (1 << 16)

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
		rope_tables(e, pos);
	for (int32_t l = 0; l < in->n_layers; l++) {
		struct lw *w = &e->l[l];
		size_t loff = (size_t)l * (size_t)in->context_length * (size_t)KV;
		float *k = e->key_cache + loff + (size_t)pos * KV;
		float *v = e->val_cache + loff + (size_t)pos * KV;
		struct att_job aj = { e, l, pos };

		norm(e, e->xb, x, &w->attn_norm, &w->attn_norm_b);
		kern_matvec(&e->kern, e->q, &w->wq, e->xb);
		kern_matvec(&e->kern, k, &w->wk, e->xb);
		kern_matvec(&e->kern, v, &w->wv, e->xb);
		add_bias(e->q, &w->bq, D);
		add_bias(k, &w->bk, KV);
		add_bias(v, &w->bv, KV);
		if (e->rope) {
			rope_apply(e, e->q, in->n_heads);
			rope_apply(e, k, in->n_kv_heads);
		}
		if ((int64_t)(pos + 1) * D >= ATT_PARALLEL_MIN)
			gpai_pool_run(e->kern.pool, att_part, &aj);
		else
			att_part(&aj, 0, 1);
		kern_matvec(&e->kern, e->xb2, &w->wo, e->xb);
		add_bias(e->xb2, &w->bo, D);
		for (int32_t i = 0; i < D; i++)
			x[i] += e->xb2[i];

		norm(e, e->xb, x, &w->ffn_norm, &w->ffn_norm_b);
		if (e->ffn == FFN_SWIGLU) {
			kern_matvec(&e->kern, e->hb, &w->w1, e->xb);
			kern_matvec(&e->kern, e->hb2, &w->w3, e->xb);
			for (int32_t i = 0; i < H; i++) {
				float val = e->hb[i];

				val *= 1.0f / (1.0f + expf(-val));
				e->hb[i] = val * e->hb2[i];
			}
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
	for (int32_t i = 0; i < in->vocab_size; i++)
		if (!isfinite(e->logits[i]))
			return gpai_error_set(err, GPAI_EFORMAT,
					      "logit %d at position %d is not finite: the weights hold "
					      "NaN or infinity", (int)i, (int)pos);
	*logits = e->logits;
	return GPAI_OK;
}
