/*
 * bind.c - from an open model (struct gpai_model: GGUF, safetensors,
 * llama2.c) to the engine: hyperparameters from the GGUF metadata, the
 * llama2.c header or the HF config.json; weight references by tensor name
 * with their shapes checked against the config; and the tokenizer a GGUF
 * file carries.
 *
 * Names: GGUF (and the llama2.c reader, which uses GGUF names):
 * token_embd, position_embd, output_norm, output, blk.N.{attn_norm,
 * attn_q, attn_k, attn_v, attn_qkv, attn_output, ffn_norm, ffn_gate,
 * ffn_up, ffn_down}.{weight,bias}.  HF Llama: model.embed_tokens,
 * model.layers.N.{input_layernorm, self_attn.{q,k,v,o}_proj,
 * post_attention_layernorm, mlp.{gate,up,down}_proj}, model.norm, lm_head.
 * HF GPT-2: [transformer.]{wte, wpe, h.N.{ln_1, attn.c_attn, attn.c_proj,
 * ln_2, mlp.c_fc, mlp.c_proj}, ln_f}.
 *
 * Invariants: a weight whose stored type the kernels run (F32, F16, BF16,
 * Q8_0, Q4_0, llama2.c v2 Q8_GROUP) and whose layout is [out][in] points
 * into the map (Q8_GROUP: its int8 values and its scales both).  Copies
 * are made only for (a) norm weights and biases that are not aligned
 * float32, converted to float32, and (b) HF GPT-2 Conv1D matrices, stored
 * [in][out], transposed into float32.  HF Llama q/k stay as stored: the
 * engine applies rotate-half RoPE to them instead of permuting.
 */
#include "engine_private.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Defaults where the metadata is silent (llama.cpp llama-model.cpp). */
#define DEFAULT_ROPE_THETA 10000.0f
#define DEFAULT_RMS_EPS 1e-5f
#define DEFAULT_LN_EPS 1e-5f
/* config.json is small; anything larger is not one. */
#define CONFIG_JSON_MAX (1 << 20)
/* GPT-2's MLP is 4 * dim wide (Radford et al. 2019, HF n_inner = None). */
#define GPT2_MLP_MULT 4

int engine_own(struct gpai_engine *e, void *p)
{
	void **v = realloc(e->owned, sizeof(*v) * (e->n_owned + 1));

	if (!v) {
		free(p);
		return GPAI_ENOMEM;
	}
	e->owned = v;
	e->owned[e->n_owned++] = p;
	return GPAI_OK;
}

static int map_dtype(int dt, enum wtype *out)
{
	switch (dt) {
	case GPAI_DTYPE_F32: *out = WT_F32; return 1;
	case GPAI_DTYPE_F16: *out = WT_F16; return 1;
	case GPAI_DTYPE_BF16: *out = WT_BF16; return 1;
	case GPAI_DTYPE_Q8_0: *out = WT_Q8_0; return 1;
	case GPAI_DTYPE_Q4_0: *out = WT_Q4_0; return 1;
	case GPAI_DTYPE_Q8_GROUP: *out = WT_Q8G; return 1;
	default: return 0;
	}
}

struct binder {
	struct gpai_engine *e;
	const char *path;
	struct gpai_error *err;
};

/* Looks a tensor up and checks it is [rows][cols] (rows 0: a vector of
 * cols).  A missing optional tensor leaves *w empty. */
static int get(struct binder *b, const char *name, int required, int64_t rows, int64_t cols,
	       const struct gpai_tensor **tp)
{
	const struct gpai_tensor *t = gpai_model_find(b->e->model, name);
	int ok;

	*tp = NULL;
	if (!t) {
		if (required)
			return gpai_error_set(b->err, GPAI_EFORMAT, "'%s': tensor '%s' is missing",
					      b->path, name);
		return GPAI_OK;
	}
	if (rows == 0)
		ok = (t->n_dims == 1 && t->shape[0] == cols) ||
		     (t->n_dims == 2 && t->shape[0] == 1 && t->shape[1] == cols);
	else
		ok = t->n_dims == 2 && t->shape[0] == rows && t->shape[1] == cols;
	if (!ok)
		return gpai_error_set(b->err, GPAI_EFORMAT,
				      "'%s': tensor '%s' has shape [%lld%s%lld], the config needs [%lld%s%lld]",
				      b->path, name, (long long)t->shape[0], t->n_dims > 1 ? ", " : "",
				      t->n_dims > 1 ? (long long)t->shape[1] : 0LL,
				      (long long)(rows ? rows : cols), rows ? ", " : "",
				      rows ? (long long)cols : 0LL);
	*tp = t;
	return GPAI_OK;
}

static int unsupported(struct binder *b, const struct gpai_tensor *t)
{
	const char *n = gpai_dtype_name(t->dtype);

	return gpai_error_set(b->err, GPAI_EUNSUPPORTED,
			      "'%s': tensor '%s' has type %s, which the engine does not run "
			      "(F32, F16, BF16, Q8_0, Q4_0, llama2.c Q8_GROUP)", b->path, t->name,
			      n ? n : "unknown");
}

/* A matrix [rows][cols] used as stored. */
static int mat(struct binder *b, const char *name, int required, int64_t rows, int64_t cols,
	       struct wref *w)
{
	const struct gpai_tensor *t;
	int rc = get(b, name, required, rows, cols, &t);

	memset(w, 0, sizeof(*w));
	if (rc || !t)
		return rc;
	if (!map_dtype(t->dtype, &w->type))
		return unsupported(b, t);
	if ((w->type == WT_Q8_0 || w->type == WT_Q4_0) && cols % GPAI_QK != 0)
		return gpai_error_set(b->err, GPAI_EFORMAT,
				      "'%s': tensor '%s': %lld columns are not whole %d-element blocks",
				      b->path, name, (long long)cols, GPAI_QK);
	w->rows = rows;
	w->cols = cols;
	w->data = t->data;
	if (w->type == WT_Q8G) {
		/* llama2.c v2: the reader checked the group size and that q and
		 * the scales fill the tensor's bytes */
		const struct gpai_llama2c_config *lc = gpai_model_llama2c(b->e->model);

		if (!lc || lc->group_size <= 0 ||
		    ((uint64_t)rows * (uint64_t)cols) % (uint64_t)lc->group_size != 0)
			return unsupported(b, t);
		w->group = lc->group_size;
		w->scales = (const unsigned char *)t->data + (size_t)rows * (size_t)cols;
	}
	if (w->type == WT_F32 && ((uintptr_t)t->data % sizeof(float)) != 0) {
		/* unaligned float32 (an unpadded safetensors header): copy */
		float *c = malloc(sizeof(float) * (size_t)rows * (size_t)cols);

		if (!c || engine_own(b->e, c))
			return gpai_error_set(b->err, GPAI_ENOMEM, "out of memory for '%s'", name);
		memcpy(c, t->data, sizeof(float) * (size_t)rows * (size_t)cols);
		w->data = c;
	}
	return GPAI_OK;
}

/* A float32 [rows][cols] reference. */
static struct wref f32_ref(const float *p, int64_t rows, int64_t cols)
{
	return (struct wref){ .data = p, .type = WT_F32, .rows = rows, .cols = cols };
}

/* Converts an n-element tensor (any run type) to float32 in a buffer the
 * engine owns, or points at it when it is aligned float32. */
static int to_f32(struct binder *b, const struct gpai_tensor *t, enum wtype type, int64_t rows,
		  int64_t cols, const float **out)
{
	struct wref src = { .data = t->data, .type = type, .rows = rows, .cols = cols };
	float *c;

	if (type == WT_F32 && ((uintptr_t)t->data % sizeof(float)) == 0) {
		*out = t->data;
		return GPAI_OK;
	}
	c = malloc(sizeof(float) * (size_t)rows * (size_t)cols);
	if (!c || engine_own(b->e, c))
		return gpai_error_set(b->err, GPAI_ENOMEM, "out of memory for '%s'", t->name);
	for (int64_t r = 0; r < rows; r++)
		wref_row(&src, r, c + r * cols);
	*out = c;
	return GPAI_OK;
}

/* A float32 vector of n (norm weight or bias). */
static int vec(struct binder *b, const char *name, int required, int64_t n, struct wref *w)
{
	const struct gpai_tensor *t;
	const float *f;
	enum wtype type;
	int rc = get(b, name, required, 0, n, &t);

	memset(w, 0, sizeof(*w));
	if (rc || !t)
		return rc;
	if (!map_dtype(t->dtype, &type) || type == WT_Q8_0 || type == WT_Q4_0 ||
	    type == WT_Q8G)
		return unsupported(b, t);
	if ((rc = to_f32(b, t, type, 1, n, &f)))
		return rc;
	for (int64_t i = 0; i < n; i++)
		if (isnan(f[i]))
			return gpai_error_set(b->err, GPAI_EFORMAT, "'%s': tensor '%s': element %lld is NaN",
					      b->path, name, (long long)i);
	*w = f32_ref(f, 1, n);
	return GPAI_OK;
}

/* An HF Conv1D weight stored [in][out]: transposed into float32 [out][in]. */
static int conv1d(struct binder *b, const char *name, int64_t out_n, int64_t in_n, struct wref *w)
{
	const struct gpai_tensor *t;
	enum wtype type;
	const float *src;
	float *c;
	int rc = get(b, name, 1, in_n, out_n, &t);

	if (rc)
		return rc;
	if (!map_dtype(t->dtype, &type) || type == WT_Q8_0 || type == WT_Q4_0 ||
	    type == WT_Q8G)
		return unsupported(b, t);
	if ((rc = to_f32(b, t, type, in_n, out_n, &src)))
		return rc;
	c = malloc(sizeof(float) * (size_t)in_n * (size_t)out_n);
	if (!c || engine_own(b->e, c))
		return gpai_error_set(b->err, GPAI_ENOMEM, "out of memory for '%s'", name);
	for (int64_t i = 0; i < in_n; i++)
		for (int64_t o = 0; o < out_n; o++)
			c[o * in_n + i] = src[i * out_n + o];
	*w = f32_ref(c, out_n, in_n);
	return GPAI_OK;
}

/* Rows [r0, r0 + n) of w. */
static struct wref rows_of(struct wref w, int64_t r0, int64_t n)
{
	if (w.data)
		w.data = (const unsigned char *)w.data + (size_t)r0 * wtype_row_bytes(w.type, w.cols);
	w.rows = n;
	return w;
}

static char *nm(char *buf, size_t n, const char *fmt, int l, const char *what)
{
	snprintf(buf, n, fmt, l, what);
	return buf;
}

/* ---- hyperparameters ------------------------------------------------------ */

static int meta_int(struct binder *b, const char *arch, const char *field, int required,
		    int32_t *out)
{
	char key[128];
	int64_t v;
	int rc;

	snprintf(key, sizeof(key), "%s.%s", arch, field);
	rc = gpai_model_meta_i64(b->e->model, key, &v, b->err);
	if (rc == GPAI_ENOTFOUND && !required)
		return GPAI_OK;
	if (rc == GPAI_ENOTFOUND)
		return gpai_error_set(b->err, GPAI_EFORMAT, "'%s': metadata key '%s' is missing",
				      b->path, key);
	if (rc)
		return rc;
	if (v <= 0 || v > INT32_MAX)
		return gpai_error_set(b->err, GPAI_EFORMAT, "'%s': metadata '%s' = %lld is out of range",
				      b->path, key, (long long)v);
	*out = (int32_t)v;
	return GPAI_OK;
}

static int meta_float(struct binder *b, const char *arch, const char *field, float *out)
{
	char key[128];
	int rc;

	snprintf(key, sizeof(key), "%s.%s", arch, field);
	rc = gpai_model_meta_f32(b->e->model, key, out, b->err);
	if (rc == GPAI_ENOTFOUND)
		return GPAI_OK;
	if (!rc && !(*out > 0 && isfinite(*out)))
		return gpai_error_set(b->err, GPAI_EFORMAT, "'%s': metadata '%s' = %g is out of range",
				      b->path, key, (double)*out);
	return rc;
}

static int config_gguf(struct binder *b, char *arch, size_t archn)
{
	struct gpai_engine_info *in = &b->e->info;
	struct gpai_strref s;
	int rc;

	rc = gpai_model_meta_str(b->e->model, "general.architecture", &s, b->err);
	if (rc)
		return gpai_error_set(b->err, GPAI_EFORMAT,
				      "'%s': metadata key 'general.architecture' is missing", b->path);
	if (s.len >= archn)
		s.len = archn - 1;
	memcpy(arch, s.s, s.len);
	arch[s.len] = 0;
	if (strcmp(arch, "llama") != 0 && strcmp(arch, "gpt2") != 0)
		return gpai_error_set(b->err, GPAI_EUNSUPPORTED,
				      "'%s': architecture '%s' is not supported (llama, gpt2)", b->path, arch);
	in->norm_eps = strcmp(arch, "gpt2") == 0 ? DEFAULT_LN_EPS : DEFAULT_RMS_EPS;
	in->rope_theta = DEFAULT_ROPE_THETA;
	if ((rc = meta_int(b, arch, "embedding_length", 1, &in->dim)) ||
	    (rc = meta_int(b, arch, "feed_forward_length", 1, &in->hidden_dim)) ||
	    (rc = meta_int(b, arch, "block_count", 1, &in->n_layers)) ||
	    (rc = meta_int(b, arch, "attention.head_count", 1, &in->n_heads)) ||
	    (rc = meta_int(b, arch, "context_length", 1, &in->context_length)))
		return rc;
	in->n_kv_heads = in->n_heads;
	if ((rc = meta_int(b, arch, "attention.head_count_kv", 0, &in->n_kv_heads)) ||
	    (rc = meta_float(b, arch, "rope.freq_base", &in->rope_theta)) ||
	    (rc = meta_float(b, arch, strcmp(arch, "gpt2") == 0 ? "attention.layer_norm_epsilon"
					: "attention.layer_norm_rms_epsilon", &in->norm_eps)))
		return rc;
	return GPAI_OK;
}

/* HF config.json beside the safetensors file(s). */
static int config_hf(struct binder *b, char *arch, size_t archn)
{
	struct gpai_engine_info *in = &b->e->info;
	const char *first = gpai_model_file_path(b->e->model, 0);
	const char *slash = strrchr(first, '/');
	char *dir = slash ? strndup(first, (size_t)(slash - first)) : gpai_strdup(".");
	char *cfg = dir ? gpai_path_join(dir, "config.json") : NULL;
	struct cJSON *j = NULL, *v;
	const char *mt;
	int rc;
	struct { const char *key; int32_t *dst; int required; } ints[] = {
		{ "hidden_size", &in->dim, 1 }, { "n_embd", &in->dim, 0 },
		{ "intermediate_size", &in->hidden_dim, 0 }, { "n_inner", &in->hidden_dim, 0 },
		{ "num_hidden_layers", &in->n_layers, 0 }, { "n_layer", &in->n_layers, 0 },
		{ "num_attention_heads", &in->n_heads, 0 }, { "n_head", &in->n_heads, 0 },
		{ "num_key_value_heads", &in->n_kv_heads, 0 },
		{ "max_position_embeddings", &in->context_length, 0 },
		{ "n_positions", &in->context_length, 0 },
	};

	free(dir);
	if (!cfg)
		return gpai_error_set(b->err, GPAI_ENOMEM, "out of memory");
	rc = gpai_json_load(cfg, CONFIG_JSON_MAX, &j, b->err);
	if (rc) {
		gpai_error_prefix(b->err, "'%s': safetensors models need config.json beside them", b->path);
		free(cfg);
		return rc;
	}
	mt = gpai_json_str(j, "model_type");
	if (mt && strcmp(mt, "llama") == 0)
		gpai_strlcpy(arch, "llama", archn);
	else if (mt && strcmp(mt, "gpt2") == 0)
		gpai_strlcpy(arch, "gpt2", archn);
	else {
		rc = gpai_error_set(b->err, GPAI_EUNSUPPORTED,
				    "'%s': model_type '%s' is not supported (llama, gpt2)", cfg,
				    mt ? mt : "(none)");
		goto out;
	}
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		int64_t x;
		int r = gpai_json_i64(j, ints[i].key, &x);

		if (r == GPAI_ENOTFOUND)
			continue;
		if (r || x <= 0 || x > INT32_MAX) {
			rc = gpai_error_set(b->err, GPAI_EFORMAT, "'%s': field '%s' is not a positive integer",
					    cfg, ints[i].key);
			goto out;
		}
		*ints[i].dst = (int32_t)x;
	}
	if (!in->n_kv_heads)
		in->n_kv_heads = in->n_heads;
	if (!in->hidden_dim && strcmp(arch, "gpt2") == 0)
		in->hidden_dim = GPT2_MLP_MULT * in->dim;
	in->norm_eps = strcmp(arch, "gpt2") == 0 ? DEFAULT_LN_EPS : DEFAULT_RMS_EPS;
	in->rope_theta = DEFAULT_ROPE_THETA;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "rms_norm_eps")) && cJSON_IsNumber(v))
		in->norm_eps = (float)v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "layer_norm_epsilon")) && cJSON_IsNumber(v))
		in->norm_eps = (float)v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "rope_theta")) && cJSON_IsNumber(v))
		in->rope_theta = (float)v->valuedouble;
	rc = GPAI_OK;
out:
	cJSON_Delete(j);
	free(cfg);
	return rc;
}

/* ---- binding -------------------------------------------------------------- */

static int bind_llama_gguf(struct binder *b)
{
	struct gpai_engine *e = b->e;
	const struct gpai_engine_info *in = &e->info;
	int64_t D = in->dim, H = in->hidden_dim, KV = e->kv_dim, V = in->vocab_size;
	char n[96];
	int rc;

	if ((rc = mat(b, "token_embd.weight", 1, V, D, &e->tok_embd)) ||
	    (rc = vec(b, "output_norm.weight", 1, D, &e->out_norm)) ||
	    (rc = mat(b, "output.weight", 0, V, D, &e->output)))
		return rc;
	for (int l = 0; l < in->n_layers; l++) {
		struct lw *w = &e->l[l];

		if ((rc = vec(b, nm(n, sizeof(n), "blk.%d.%s.weight", l, "attn_norm"), 1, D, &w->attn_norm)) ||
		    (rc = mat(b, nm(n, sizeof(n), "blk.%d.%s.weight", l, "attn_q"), 1, D, D, &w->wq)) ||
		    (rc = mat(b, nm(n, sizeof(n), "blk.%d.%s.weight", l, "attn_k"), 1, KV, D, &w->wk)) ||
		    (rc = mat(b, nm(n, sizeof(n), "blk.%d.%s.weight", l, "attn_v"), 1, KV, D, &w->wv)) ||
		    (rc = mat(b, nm(n, sizeof(n), "blk.%d.%s.weight", l, "attn_output"), 1, D, D, &w->wo)) ||
		    (rc = vec(b, nm(n, sizeof(n), "blk.%d.%s.weight", l, "ffn_norm"), 1, D, &w->ffn_norm)) ||
		    (rc = mat(b, nm(n, sizeof(n), "blk.%d.%s.weight", l, "ffn_gate"), 1, H, D, &w->w1)) ||
		    (rc = mat(b, nm(n, sizeof(n), "blk.%d.%s.weight", l, "ffn_down"), 1, D, H, &w->w2)) ||
		    (rc = mat(b, nm(n, sizeof(n), "blk.%d.%s.weight", l, "ffn_up"), 1, H, D, &w->w3)))
			return rc;
	}
	return GPAI_OK;
}

static int bind_llama_hf(struct binder *b)
{
	struct gpai_engine *e = b->e;
	const struct gpai_engine_info *in = &e->info;
	int64_t D = in->dim, H = in->hidden_dim, KV = e->kv_dim, V = in->vocab_size;
	char n[128];
	int rc;

	if ((rc = mat(b, "model.embed_tokens.weight", 1, V, D, &e->tok_embd)) ||
	    (rc = vec(b, "model.norm.weight", 1, D, &e->out_norm)) ||
	    (rc = mat(b, "lm_head.weight", 0, V, D, &e->output)))
		return rc;
	for (int l = 0; l < in->n_layers; l++) {
		struct lw *w = &e->l[l];
		const char *f = "model.layers.%d.%s.weight";

		if ((rc = vec(b, nm(n, sizeof(n), f, l, "input_layernorm"), 1, D, &w->attn_norm)) ||
		    (rc = mat(b, nm(n, sizeof(n), f, l, "self_attn.q_proj"), 1, D, D, &w->wq)) ||
		    (rc = mat(b, nm(n, sizeof(n), f, l, "self_attn.k_proj"), 1, KV, D, &w->wk)) ||
		    (rc = mat(b, nm(n, sizeof(n), f, l, "self_attn.v_proj"), 1, KV, D, &w->wv)) ||
		    (rc = mat(b, nm(n, sizeof(n), f, l, "self_attn.o_proj"), 1, D, D, &w->wo)) ||
		    (rc = vec(b, nm(n, sizeof(n), f, l, "post_attention_layernorm"), 1, D, &w->ffn_norm)) ||
		    (rc = mat(b, nm(n, sizeof(n), f, l, "mlp.gate_proj"), 1, H, D, &w->w1)) ||
		    (rc = mat(b, nm(n, sizeof(n), f, l, "mlp.down_proj"), 1, D, H, &w->w2)) ||
		    (rc = mat(b, nm(n, sizeof(n), f, l, "mlp.up_proj"), 1, H, D, &w->w3)))
			return rc;
	}
	return GPAI_OK;
}

static int bind_gpt2_gguf(struct binder *b)
{
	struct gpai_engine *e = b->e;
	const struct gpai_engine_info *in = &e->info;
	int64_t D = in->dim, H = in->hidden_dim, V = in->vocab_size;
	char n[96];
	int rc;

	if ((rc = mat(b, "token_embd.weight", 1, V, D, &e->tok_embd)) ||
	    (rc = mat(b, "position_embd.weight", 1, in->context_length, D, &e->pos_embd)) ||
	    (rc = vec(b, "output_norm.weight", 1, D, &e->out_norm)) ||
	    (rc = vec(b, "output_norm.bias", 1, D, &e->out_norm_b)) ||
	    (rc = mat(b, "output.weight", 0, V, D, &e->output)))
		return rc;
	for (int l = 0; l < in->n_layers; l++) {
		struct lw *w = &e->l[l];
		struct wref qkv, bqkv;
		const char *fw = "blk.%d.%s.weight", *fb = "blk.%d.%s.bias";

		if ((rc = vec(b, nm(n, sizeof(n), fw, l, "attn_norm"), 1, D, &w->attn_norm)) ||
		    (rc = vec(b, nm(n, sizeof(n), fb, l, "attn_norm"), 1, D, &w->attn_norm_b)) ||
		    (rc = mat(b, nm(n, sizeof(n), fw, l, "attn_qkv"), 1, 3 * D, D, &qkv)) ||
		    (rc = vec(b, nm(n, sizeof(n), fb, l, "attn_qkv"), 1, 3 * D, &bqkv)) ||
		    (rc = mat(b, nm(n, sizeof(n), fw, l, "attn_output"), 1, D, D, &w->wo)) ||
		    (rc = vec(b, nm(n, sizeof(n), fb, l, "attn_output"), 1, D, &w->bo)) ||
		    (rc = vec(b, nm(n, sizeof(n), fw, l, "ffn_norm"), 1, D, &w->ffn_norm)) ||
		    (rc = vec(b, nm(n, sizeof(n), fb, l, "ffn_norm"), 1, D, &w->ffn_norm_b)) ||
		    (rc = mat(b, nm(n, sizeof(n), fw, l, "ffn_up"), 1, H, D, &w->w3)) ||
		    (rc = vec(b, nm(n, sizeof(n), fb, l, "ffn_up"), 1, H, &w->b_up)) ||
		    (rc = mat(b, nm(n, sizeof(n), fw, l, "ffn_down"), 1, D, H, &w->w2)) ||
		    (rc = vec(b, nm(n, sizeof(n), fb, l, "ffn_down"), 1, D, &w->b_down)))
			return rc;
		w->wq = rows_of(qkv, 0, D);
		w->wk = rows_of(qkv, D, D);
		w->wv = rows_of(qkv, 2 * D, D);
		w->bq = f32_ref((const float *)bqkv.data, 1, D);
		w->bk = f32_ref((const float *)bqkv.data + D, 1, D);
		w->bv = f32_ref((const float *)bqkv.data + 2 * D, 1, D);
	}
	return GPAI_OK;
}

static int bind_gpt2_hf(struct binder *b)
{
	struct gpai_engine *e = b->e;
	const struct gpai_engine_info *in = &e->info;
	int64_t D = in->dim, H = in->hidden_dim, V = in->vocab_size;
	const char *pre = gpai_model_find(e->model, "transformer.wte.weight") ? "transformer." : "";
	char n[128], f[64];
	int rc;

	snprintf(n, sizeof(n), "%swte.weight", pre);
	if ((rc = mat(b, n, 1, V, D, &e->tok_embd)))
		return rc;
	snprintf(n, sizeof(n), "%swpe.weight", pre);
	if ((rc = mat(b, n, 1, in->context_length, D, &e->pos_embd)))
		return rc;
	snprintf(n, sizeof(n), "%sln_f.weight", pre);
	if ((rc = vec(b, n, 1, D, &e->out_norm)))
		return rc;
	snprintf(n, sizeof(n), "%sln_f.bias", pre);
	if ((rc = vec(b, n, 1, D, &e->out_norm_b)))
		return rc;
	for (int l = 0; l < in->n_layers; l++) {
		struct lw *w = &e->l[l];
		struct wref qkv, bqkv;

		snprintf(f, sizeof(f), "%sh.%%d.%%s", pre);
		if ((rc = vec(b, nm(n, sizeof(n), f, l, "ln_1.weight"), 1, D, &w->attn_norm)) ||
		    (rc = vec(b, nm(n, sizeof(n), f, l, "ln_1.bias"), 1, D, &w->attn_norm_b)) ||
		    (rc = conv1d(b, nm(n, sizeof(n), f, l, "attn.c_attn.weight"), 3 * D, D, &qkv)) ||
		    (rc = vec(b, nm(n, sizeof(n), f, l, "attn.c_attn.bias"), 1, 3 * D, &bqkv)) ||
		    (rc = conv1d(b, nm(n, sizeof(n), f, l, "attn.c_proj.weight"), D, D, &w->wo)) ||
		    (rc = vec(b, nm(n, sizeof(n), f, l, "attn.c_proj.bias"), 1, D, &w->bo)) ||
		    (rc = vec(b, nm(n, sizeof(n), f, l, "ln_2.weight"), 1, D, &w->ffn_norm)) ||
		    (rc = vec(b, nm(n, sizeof(n), f, l, "ln_2.bias"), 1, D, &w->ffn_norm_b)) ||
		    (rc = conv1d(b, nm(n, sizeof(n), f, l, "mlp.c_fc.weight"), H, D, &w->w3)) ||
		    (rc = vec(b, nm(n, sizeof(n), f, l, "mlp.c_fc.bias"), 1, H, &w->b_up)) ||
		    (rc = conv1d(b, nm(n, sizeof(n), f, l, "mlp.c_proj.weight"), D, H, &w->w2)) ||
		    (rc = vec(b, nm(n, sizeof(n), f, l, "mlp.c_proj.bias"), 1, D, &w->b_down)))
			return rc;
		w->wq = rows_of(qkv, 0, D);
		w->wk = rows_of(qkv, D, D);
		w->wv = rows_of(qkv, 2 * D, D);
		w->bq = f32_ref((const float *)bqkv.data, 1, D);
		w->bk = f32_ref((const float *)bqkv.data + D, 1, D);
		w->bv = f32_ref((const float *)bqkv.data + 2 * D, 1, D);
	}
	return GPAI_OK;
}

/* The vocabulary size from the embedding's first dimension. */
static int vocab_from(struct binder *b, const char *name)
{
	const struct gpai_tensor *t = gpai_model_find(b->e->model, name);

	if (!t)
		return gpai_error_set(b->err, GPAI_EFORMAT, "'%s': tensor '%s' is missing", b->path, name);
	if (t->n_dims != 2 || t->shape[0] <= 0 || t->shape[0] > INT32_MAX)
		return gpai_error_set(b->err, GPAI_EFORMAT, "'%s': tensor '%s' is not a [vocab, dim] matrix",
				      b->path, name);
	b->e->info.vocab_size = (int32_t)t->shape[0];
	return GPAI_OK;
}

int engine_bind(struct gpai_engine *e, const char *path, struct gpai_error *err)
{
	struct binder b = { e, path, err };
	struct gpai_engine_info *in = &e->info;
	const char *fmt = gpai_model_format(e->model);
	const struct gpai_llama2c_config *lc = gpai_model_llama2c(e->model);
	char arch[32] = "";
	int hf = 0, rc;

	gpai_strlcpy(in->format, fmt, sizeof(in->format));
	if (lc) {
		gpai_strlcpy(arch, "llama", sizeof(arch));
		in->dim = lc->dim;
		in->hidden_dim = lc->hidden_dim;
		in->n_layers = lc->n_layers;
		in->n_heads = lc->n_heads;
		in->n_kv_heads = lc->n_kv_heads;
		in->vocab_size = lc->vocab_size;
		in->context_length = lc->seq_len;
		in->norm_eps = DEFAULT_RMS_EPS;
		in->rope_theta = DEFAULT_ROPE_THETA;
	} else if (strcmp(fmt, "gguf") == 0) {
		if ((rc = config_gguf(&b, arch, sizeof(arch))) ||
		    (rc = vocab_from(&b, "token_embd.weight")))
			return rc;
	} else if (strcmp(fmt, "safetensors") == 0) {
		hf = 1;
		if ((rc = config_hf(&b, arch, sizeof(arch))))
			return rc;
		if ((rc = vocab_from(&b, strcmp(arch, "llama") == 0 ? "model.embed_tokens.weight"
					 : gpai_model_find(e->model, "transformer.wte.weight")
					 ? "transformer.wte.weight" : "wte.weight")))
			return rc;
	} else {
		return gpai_error_set(err, GPAI_EUNSUPPORTED, "'%s': format '%s' is not supported",
				      path, fmt);
	}
	gpai_strlcpy(in->arch, arch, sizeof(in->arch));
	if (strcmp(arch, "llama") == 0) {
		e->norm = NORM_RMS;
		e->ffn = FFN_SWIGLU;
		e->rope = hf ? 2 : 1;
	} else {
		e->norm = NORM_LAYER;
		e->ffn = FFN_GELU;
		e->rope = 0;
	}
	if ((rc = engine_check_config(e, path, err)))
		return rc;
	e->l = calloc((size_t)in->n_layers, sizeof(*e->l));
	if (!e->l)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory for '%s'", path);
	if (strcmp(arch, "llama") == 0)
		rc = hf ? bind_llama_hf(&b) : bind_llama_gguf(&b);
	else
		rc = hf ? bind_gpt2_hf(&b) : bind_gpt2_gguf(&b);
	if (rc)
		return rc;
	in->tied = e->output.data == NULL;
	if (in->tied)
		e->output = e->tok_embd;
	return GPAI_OK;
}

/* ---- the GGUF tokenizer ----------------------------------------------------- */

/* GPT-2's bytes_to_unicode (openai/gpt-2 encoder.py): printable bytes map
 * to themselves, the others to 256 + n in byte order.  Fills the inverse. */
static void gpt2_unicode_to_byte(int32_t inv[512])
{
	int n = 0;

	for (int i = 0; i < 512; i++)
		inv[i] = -1;
	for (int b = 0; b < 256; b++) {
		int keep = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);

		inv[keep ? b : 256 + n++] = b;
	}
}

/* Undoes the byte-to-unicode mapping of a GPT-2 token into out (at most
 * len bytes); a codepoint outside the mapping is kept as UTF-8. */
static size_t gpt2_raw(const int32_t inv[512], const char *s, size_t len, char *out)
{
	size_t o = 0, i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		uint32_t cp, n;

		if (c < 0x80) {
			cp = c, n = 1;
		} else if ((c & 0xE0) == 0xC0 && i + 1 < len) {
			cp = (uint32_t)(c & 0x1F) << 6 | (s[i + 1] & 0x3F), n = 2;
		} else {
			/* three- and four-byte sequences are never mapped bytes */
			n = (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
			if (i + n > len)
				n = (uint32_t)(len - i);
			memcpy(out + o, s + i, n);
			o += n;
			i += n;
			continue;
		}
		if (cp < 512 && inv[cp] >= 0) {
			out[o++] = (char)inv[cp];
		} else {
			memcpy(out + o, s + i, n);
			o += n;
		}
		i += n;
	}
	return o;
}

static int meta_id(struct gpai_model *m, const char *key, int32_t n_vocab, int32_t *out)
{
	int64_t v;

	if (gpai_model_meta_i64(m, key, &v, NULL) == GPAI_OK && v >= 0 && v < n_vocab)
		*out = (int32_t)v;
	return GPAI_OK;
}

int tok_from_model(struct gpai_model *m, const char *path, struct gpai_tokenizer **out,
		   struct gpai_error *err)
{
	const struct gpai_strref *tokens, *merges = NULL;
	const float *scores = NULL;
	const int32_t *types = NULL;
	size_t n, ns = 0, nt = 0, nm_ = 0, bytes = 0, off = 0;
	struct gpai_strref model;
	struct gpai_tokenizer *t;
	enum tok_kind kind;
	int32_t inv[512];
	int64_t flag;
	int rc;

	*out = NULL;
	if (gpai_model_meta_str(m, "tokenizer.ggml.model", &model, NULL) != GPAI_OK)
		return GPAI_OK;
	if (model.len == 5 && memcmp(model.s, "llama", 5) == 0)
		kind = TOK_SPM;
	else if (model.len == 4 && memcmp(model.s, "gpt2", 4) == 0)
		kind = TOK_GPT2;
	else
		return gpai_error_set(err, GPAI_EUNSUPPORTED,
				      "'%s': tokenizer.ggml.model '%.*s' is not supported (llama, gpt2)",
				      path, (int)model.len, model.s);
	rc = gpai_model_meta_str_array(m, "tokenizer.ggml.tokens", &tokens, &n, err);
	if (rc)
		return gpai_error_prefix(err, "'%s': tokenizer", path);
	if (n == 0 || n > INT32_MAX)
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': tokenizer.ggml.tokens has %zu entries",
				      path, n);
	if (gpai_model_meta_f32_array(m, "tokenizer.ggml.scores", &scores, &ns, NULL) != GPAI_OK)
		scores = NULL;
	if (gpai_model_meta_i32_array(m, "tokenizer.ggml.token_type", &types, &nt, NULL) != GPAI_OK)
		types = NULL;
	if ((scores && ns != n) || (types && nt != n))
		return gpai_error_set(err, GPAI_EFORMAT,
				      "'%s': tokenizer.ggml.scores/token_type have %zu/%zu entries, tokens %zu",
				      path, ns, nt, n);
	if (kind == TOK_SPM && !scores)
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': tokenizer.ggml.scores is missing", path);
	if (kind == TOK_GPT2 &&
	    (rc = gpai_model_meta_str_array(m, "tokenizer.ggml.merges", &merges, &nm_, err)))
		return gpai_error_prefix(err, "'%s': tokenizer", path);
	for (size_t i = 0; i < n; i++)
		bytes += tokens[i].len + 1;
	t = tok_alloc((int32_t)n, bytes);
	if (!t)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory for the vocabulary of '%s'", path);
	t->kind = kind;
	t->add_space_prefix = kind == TOK_SPM;
	if (gpai_model_meta_i64(m, "tokenizer.ggml.add_space_prefix", &flag, NULL) == GPAI_OK)
		t->add_space_prefix = flag != 0;
	gpt2_unicode_to_byte(inv);
	for (size_t i = 0; i < n; i++) {
		char *dst = t->arena + off;
		size_t len = 0;

		if (kind == TOK_SPM) {
			/* U+2581 (E2 96 81) is SentencePiece's space */
			for (size_t k = 0; k < tokens[i].len; k++) {
				if (k + 2 < tokens[i].len && memcmp(tokens[i].s + k, "\xE2\x96\x81", 3) == 0) {
					dst[len++] = ' ';
					k += 2;
				} else {
					dst[len++] = tokens[i].s[k];
				}
			}
		} else {
			len = gpt2_raw(inv, tokens[i].s, tokens[i].len, dst);
		}
		dst[len] = 0;
		t->piece[i] = dst;
		t->piece_len[i] = (uint32_t)len;
		t->score[i] = scores ? scores[i] : 0.0f;
		t->type[i] = types ? types[i] : TOKT_NORMAL;
		off += len + 1;
	}
	meta_id(m, "tokenizer.ggml.bos_token_id", t->n_vocab, &t->bos);
	meta_id(m, "tokenizer.ggml.eos_token_id", t->n_vocab, &t->eos);
	meta_id(m, "tokenizer.ggml.unknown_token_id", t->n_vocab, &t->unk);
	if ((rc = tok_finish(t, err)))
		goto fail;
	if (kind == TOK_GPT2) {
		char *buf = malloc(2 * 1024);

		t->merge_result = malloc(sizeof(int32_t) * (nm_ + 1));
		if (!buf || !t->merge_result || pairtab_init(&t->merges, (uint32_t)nm_)) {
			free(buf);
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory for the merges of '%s'", path);
			goto fail;
		}
		for (size_t r = 0; r < nm_; r++) {
			const char *sp = memchr(merges[r].s, ' ', merges[r].len);
			size_t la, lb;
			int32_t a, bb, c;

			t->merge_result[r] = -1;
			if (!sp || merges[r].len > 1000)
				continue;
			la = gpt2_raw(inv, merges[r].s, (size_t)(sp - merges[r].s), buf);
			lb = gpt2_raw(inv, sp + 1, merges[r].len - (size_t)(sp - merges[r].s) - 1, buf + la);
			a = strtab_get(&t->lookup, buf, (uint32_t)la);
			bb = strtab_get(&t->lookup, buf + la, (uint32_t)lb);
			c = strtab_get(&t->lookup, buf, (uint32_t)(la + lb));
			if (a < 0 || bb < 0 || c < 0)
				continue;
			t->merge_result[r] = c;
			pairtab_put(&t->merges, (uint64_t)(uint32_t)a << 32 | (uint32_t)bb, (int32_t)r);
		}
		free(buf);
	}
	*out = t;
	return GPAI_OK;
fail:
	gpai_tokenizer_free(t);
	return rc;
}

int gpai_tokenizer_open_gguf(const char *path, struct gpai_tokenizer **out,
			     struct gpai_error *err)
{
	struct gpai_model *m;
	int rc;

	*out = NULL;
	rc = gpai_model_open(path, &m, err);
	if (rc)
		return rc;
	rc = tok_from_model(m, path, out, err);
	gpai_model_close(m);
	if (!rc && !*out)
		rc = gpai_error_set(err, GPAI_ENOTFOUND, "'%s': the file carries no tokenizer "
				    "(tokenizer.ggml.model)", path);
	return rc;
}
