/*
 * params.c - parameter counts from Hugging Face config.json files.
 *
 * Each family's count follows the module layout of its Hugging Face
 * transformers implementation (modeling_<family>.py): every nn.Linear,
 * nn.Embedding and norm weight is added to exactly one part of the
 * breakdown, so the parts sum to the total.  Non-trainable buffers (rotary
 * inv_freq, attention masks) are not parameters.
 *
 * Invariants: every dimension read is an integer in [1, DIM_MAX] (so no
 * product below overflows 64 bits); total = sum of the parts; active =
 * total - experts + active_experts.
 */
#include "compute_estimator.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

/* Largest accepted dimension: far above any published model (the largest
 * vocabularies are ~2.6e5, hidden sizes ~2e4), small enough that products of
 * four dimensions stay below 2^63. */
#define DIM_MAX 16777216

/* A config being read: the file name for errors and the parsed object. */
struct cfg {
	const char *what;
	const cJSON *j;
	struct gpai_error *err;
};

/* Reads the first present of the names (aliases of one field); `def` when
 * none is present (def < 0: the field is required). */
static int get_int(struct cfg *c, const char *const *names, int64_t def,
		   int64_t lo, int64_t *out)
{
	for (size_t i = 0; names[i]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->j, names[i]);
		int64_t x;

		if (!v || cJSON_IsNull(v))
			continue;
		if (gpai_json_i64(c->j, names[i], &x) != GPAI_OK)
			return gpai_error_set(c->err, GPAI_EFORMAT,
					      "'%s': field '%s' is not an integer",
					      c->what, names[i]);
		if (x < lo || x > DIM_MAX)
			return gpai_error_set(c->err, GPAI_EFORMAT,
					      "'%s': field '%s' is %lld, outside [%lld, %d]",
					      c->what, names[i], (long long)x,
					      (long long)lo, DIM_MAX);
		*out = x;
		return GPAI_OK;
	}
	if (def < 0)
		return gpai_error_set(c->err, GPAI_EFORMAT,
				      "'%s': missing field '%s'", c->what, names[0]);
	*out = def;
	return GPAI_OK;
}

#define NAMES(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define REQ(c, out, ...) get_int((c), NAMES(__VA_ARGS__), -1, 1, (out))
#define OPT(c, out, def, ...) get_int((c), NAMES(__VA_ARGS__), (def), 0, (out))

/* A boolean field; `def` when absent.  Anything but true/false is an error. */
static int get_bool(struct cfg *c, const char *name, int def, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->j, name);

	if (!v || cJSON_IsNull(v)) {
		*out = def;
		return GPAI_OK;
	}
	if (!cJSON_IsBool(v))
		return gpai_error_set(c->err, GPAI_EFORMAT,
				      "'%s': field '%s' is not true or false",
				      c->what, name);
	*out = cJSON_IsTrue(v);
	return GPAI_OK;
}

/* Membership of layer i in an integer list field (mlp_only_layers). */
static int in_list(struct cfg *c, const char *name, int64_t i, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c->j, name), *e;

	*out = 0;
	if (!v || cJSON_IsNull(v))
		return GPAI_OK;
	if (!cJSON_IsArray(v))
		return gpai_error_set(c->err, GPAI_EFORMAT,
				      "'%s': field '%s' is not a list", c->what, name);
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsNumber(e))
			return gpai_error_set(c->err, GPAI_EFORMAT,
					      "'%s': field '%s' holds a non-number",
					      c->what, name);
		if ((int64_t)e->valuedouble == i)
			*out = 1;
	}
	return GPAI_OK;
}

/* head_dim: the config's, else hidden / heads, which must divide. */
static int head_dim(struct cfg *c, int64_t d, int64_t h, int64_t *out)
{
	int rc = OPT(c, out, 0, "head_dim");

	if (rc)
		return rc;
	if (*out)
		return GPAI_OK;
	if (d % h)
		return gpai_error_set(c->err, GPAI_EFORMAT,
				      "'%s': hidden size %lld is not a multiple of "
				      "num_attention_heads %lld (give head_dim)",
				      c->what, (long long)d, (long long)h);
	*out = d / h;
	return GPAI_OK;
}

static int check_gqa(struct cfg *c, int64_t h, int64_t kv)
{
	if (kv > h || h % kv)
		return gpai_error_set(c->err, GPAI_EFORMAT,
				      "'%s': num_key_value_heads %lld does not divide "
				      "num_attention_heads %lld", c->what,
				      (long long)kv, (long long)h);
	return GPAI_OK;
}

/* ---- building blocks (each adds `layers` copies) ----------------------- */

/* Q, K, V, O projections with grouped-query attention (kv = h: MHA, kv = 1:
 * MQA); qkv_bias/o_bias add the projection biases. */
static void add_gqa(struct gpai_param_count *pc, uint64_t layers, uint64_t d,
		    uint64_t h, uint64_t kv, uint64_t hd, int qkv_bias, int o_bias)
{
	pc->attention += layers * (d * h * hd + 2 * d * kv * hd + h * hd * d);
	if (qkv_bias)
		pc->biases += layers * (h * hd + 2 * kv * hd);
	if (o_bias)
		pc->biases += layers * d;
}

/* Feed-forward: gated (gate, up, down: SwiGLU/GeGLU) or two matrices. */
static uint64_t ffn_weights(uint64_t d, uint64_t ff, int gated)
{
	return (gated ? 3 : 2) * d * ff;
}

static void add_mlp(struct gpai_param_count *pc, uint64_t layers, uint64_t d,
		    uint64_t ff, int gated, int bias)
{
	pc->mlp += layers * ffn_weights(d, ff, gated);
	if (bias)
		pc->biases += layers * ((gated ? 2 : 1) * ff + d);
}

/* n norms of width w; LayerNorm has a bias as well as a scale. */
static void add_norms(struct gpai_param_count *pc, uint64_t n, uint64_t w,
		      int with_bias)
{
	pc->norms += n * w * (with_bias ? 2 : 1);
}

static void add_embed_head(struct gpai_param_count *pc, uint64_t v, uint64_t d,
			   int tied)
{
	pc->embedding += v * d;
	pc->tied = tied;
	if (!tied)
		pc->head += v * d;
}

static void set_dims(struct gpai_param_count *pc, int64_t L, int64_t d,
		     int64_t h, int64_t kv, int64_t hd, int64_t ff, int64_t v,
		     int64_t ctx)
{
	pc->n_layers = L;
	pc->d_model = d;
	pc->n_heads = h;
	pc->n_kv_heads = kv;
	pc->head_dim = hd;
	pc->d_ff = ff;
	pc->vocab = v;
	pc->context = ctx;
	pc->attn_qk_width = h * hd;
	pc->attn_v_width = h * hd;
}

/* ---- families ------------------------------------------------------------ */

/* Llama, Mistral, Mixtral, Qwen2/3 and their MoE variants, Gemma/Gemma 2:
 * pre-norm decoder with RMSNorm, rotary positions, gated MLP. */
enum llama_like { LL_LLAMA, LL_QWEN2, LL_QWEN3, LL_GEMMA, LL_GEMMA2 };

struct moe {
	int64_t experts, top_k, moe_ff, shared_ff, sparse_step;
	int shared_gate;
};

static int count_llama_like(struct cfg *c, struct gpai_param_count *pc,
			    enum llama_like kind, const struct moe *moe)
{
	int64_t L, d, h, kv, hd, ff = 0, v, ctx;
	int tied, attn_bias, mlp_bias, rc;
	int qkv_bias, o_bias, qk_norm = kind == LL_QWEN3;
	uint64_t norms_per_layer = (kind == LL_GEMMA2) ? 4 : 2;

	if ((rc = REQ(c, &L, "num_hidden_layers")) ||
	    (rc = REQ(c, &d, "hidden_size")) ||
	    (rc = REQ(c, &h, "num_attention_heads")) ||
	    (rc = REQ(c, &v, "vocab_size")) ||
	    (rc = get_int(c, NAMES("num_key_value_heads"), h, 1, &kv)) ||
	    (rc = OPT(c, &ctx, 0, "max_position_embeddings")) ||
	    (rc = head_dim(c, d, h, &hd)) || (rc = check_gqa(c, h, kv)))
		return rc;
	/* MoE configs need intermediate_size only for their dense layers. */
	rc = moe ? OPT(c, &ff, 0, "intermediate_size") :
		   REQ(c, &ff, "intermediate_size");
	if (rc)
		return rc;
	if ((rc = get_bool(c, "tie_word_embeddings",
			   kind == LL_GEMMA || kind == LL_GEMMA2, &tied)) ||
	    (rc = get_bool(c, "attention_bias", 0, &attn_bias)) ||
	    (rc = get_bool(c, "mlp_bias", 0, &mlp_bias)))
		return rc;
	/* Qwen2 (and Qwen2-MoE) always have Q/K/V biases and no O bias
	 * (modeling_qwen2.py); Llama's attention_bias covers all four. */
	qkv_bias = kind == LL_QWEN2 ? 1 : attn_bias;
	o_bias = kind == LL_QWEN2 ? 0 : attn_bias;

	set_dims(pc, L, d, h, kv, hd, ff, v, ctx);
	add_embed_head(pc, (uint64_t)v, (uint64_t)d, tied);
	add_gqa(pc, (uint64_t)L, (uint64_t)d, (uint64_t)h, (uint64_t)kv,
		(uint64_t)hd, qkv_bias, o_bias);
	if (qk_norm) /* q_norm and k_norm over head_dim (modeling_qwen3.py) */
		add_norms(pc, 2 * (uint64_t)L, (uint64_t)hd, 0);
	add_norms(pc, norms_per_layer * (uint64_t)L + 1, (uint64_t)d, 0);

	if (!moe) {
		add_mlp(pc, (uint64_t)L, (uint64_t)d, (uint64_t)ff, 1, mlp_bias);
		return GPAI_OK;
	}
	pc->n_experts = moe->experts;
	pc->experts_per_token = moe->top_k;
	for (int64_t i = 0; i < L; i++) {
		int dense_only;

		if ((rc = in_list(c, "mlp_only_layers", i, &dense_only)))
			return rc;
		if (dense_only || (i + 1) % moe->sparse_step) {
			if (!ff)
				return REQ(c, &ff, "intermediate_size");
			add_mlp(pc, 1, (uint64_t)d, (uint64_t)ff, 1, 0);
			continue;
		}
		pc->moe_layers++;
		pc->router += (uint64_t)d * (uint64_t)moe->experts;
		pc->experts += (uint64_t)moe->experts *
			ffn_weights((uint64_t)d, (uint64_t)moe->moe_ff, 1);
		pc->active_experts += (uint64_t)moe->top_k *
			ffn_weights((uint64_t)d, (uint64_t)moe->moe_ff, 1);
		if (moe->shared_ff)
			pc->shared_experts += ffn_weights((uint64_t)d,
							  (uint64_t)moe->shared_ff, 1);
		if (moe->shared_gate) /* shared_expert_gate: Linear(d, 1) */
			pc->shared_experts += (uint64_t)d;
	}
	return GPAI_OK;
}

static int count_mixtral(struct cfg *c, struct gpai_param_count *pc)
{
	struct moe m = { 0 };
	int rc;

	m.sparse_step = 1;
	if ((rc = REQ(c, &m.experts, "num_local_experts")) ||
	    (rc = REQ(c, &m.top_k, "num_experts_per_tok")) ||
	    (rc = REQ(c, &m.moe_ff, "intermediate_size")))
		return rc;
	if (m.top_k > m.experts)
		return gpai_error_set(c->err, GPAI_EFORMAT,
				      "'%s': num_experts_per_tok %lld exceeds num_local_experts %lld",
				      c->what, (long long)m.top_k, (long long)m.experts);
	return count_llama_like(c, pc, LL_LLAMA, &m);
}

/* Qwen2-MoE (shared expert with a sigmoid gate) and Qwen3-MoE (none). */
static int count_qwen_moe(struct cfg *c, struct gpai_param_count *pc, int qwen3)
{
	struct moe m = { 0 };
	int rc;

	if ((rc = REQ(c, &m.experts, "num_experts")) ||
	    (rc = REQ(c, &m.top_k, "num_experts_per_tok")) ||
	    (rc = REQ(c, &m.moe_ff, "moe_intermediate_size")) ||
	    (rc = OPT(c, &m.sparse_step, 1, "decoder_sparse_step")))
		return rc;
	if (m.sparse_step < 1)
		return gpai_error_set(c->err, GPAI_EFORMAT,
				      "'%s': field 'decoder_sparse_step' must be at least 1",
				      c->what);
	if (!qwen3) {
		if ((rc = REQ(c, &m.shared_ff, "shared_expert_intermediate_size")))
			return rc;
		m.shared_gate = 1;
	}
	if (m.top_k > m.experts)
		return gpai_error_set(c->err, GPAI_EFORMAT,
				      "'%s': num_experts_per_tok %lld exceeds num_experts %lld",
				      c->what, (long long)m.top_k, (long long)m.experts);
	return count_llama_like(c, pc, qwen3 ? LL_QWEN3 : LL_QWEN2, &m);
}

/* DeepSeek-V2/V3 (modeling_deepseek_v3.py): multi-head latent attention,
 * dense first layers, shared + routed experts. */
static int count_deepseek(struct cfg *c, struct gpai_param_count *pc, int v3)
{
	int64_t L, d, h, v, ctx, ff, q_lora, kv_lora, nope, rope, vhd;
	int64_t E, shared, k, moe_ff, first_dense, freq, mtp;
	uint64_t attn, per_expert;
	int tied, bias, rc;
	const char *topk;

	if ((rc = REQ(c, &L, "num_hidden_layers")) ||
	    (rc = REQ(c, &d, "hidden_size")) ||
	    (rc = REQ(c, &h, "num_attention_heads")) ||
	    (rc = REQ(c, &v, "vocab_size")) ||
	    (rc = REQ(c, &ff, "intermediate_size")) ||
	    (rc = OPT(c, &ctx, 0, "max_position_embeddings")) ||
	    (rc = OPT(c, &q_lora, 0, "q_lora_rank")) ||
	    (rc = REQ(c, &kv_lora, "kv_lora_rank")) ||
	    (rc = REQ(c, &nope, "qk_nope_head_dim")) ||
	    (rc = REQ(c, &rope, "qk_rope_head_dim")) ||
	    (rc = REQ(c, &vhd, "v_head_dim")) ||
	    (rc = OPT(c, &E, 0, "n_routed_experts")) ||
	    (rc = OPT(c, &shared, 0, "n_shared_experts")) ||
	    (rc = OPT(c, &first_dense, 0, "first_k_dense_replace")) ||
	    (rc = OPT(c, &freq, 1, "moe_layer_freq")) ||
	    (rc = OPT(c, &mtp, 0, "num_nextn_predict_layers")) ||
	    (rc = get_bool(c, "tie_word_embeddings", 0, &tied)) ||
	    (rc = get_bool(c, "attention_bias", 0, &bias)))
		return rc;
	if (E) {
		if ((rc = REQ(c, &k, "num_experts_per_tok")) ||
		    (rc = REQ(c, &moe_ff, "moe_intermediate_size")))
			return rc;
		if (k > E)
			return gpai_error_set(c->err, GPAI_EFORMAT,
					      "'%s': num_experts_per_tok %lld exceeds n_routed_experts %lld",
					      c->what, (long long)k, (long long)E);
	} else {
		k = moe_ff = 0;
	}
	if (freq < 1)
		return gpai_error_set(c->err, GPAI_EFORMAT,
				      "'%s': field 'moe_layer_freq' must be at least 1", c->what);

	set_dims(pc, L, d, h, h, nope + rope, ff, v, ctx);
	pc->attn_qk_width = h * (nope + rope);
	pc->attn_v_width = h * vhd;
	pc->n_experts = E;
	pc->experts_per_token = k;
	add_embed_head(pc, (uint64_t)v, (uint64_t)d, tied);

	/* MLA per layer: queries through a low-rank (q_a, norm, q_b) or a plain
	 * q_proj; keys/values through kv_a_proj_with_mqa (latent + shared rope
	 * key), kv_a_layernorm, kv_b_proj; then o_proj. */
	if (q_lora) {
		attn = (uint64_t)d * q_lora + (uint64_t)q_lora * h * (nope + rope);
		add_norms(pc, (uint64_t)L, (uint64_t)q_lora, 0);
	} else {
		attn = (uint64_t)d * h * (nope + rope);
	}
	attn += (uint64_t)d * (kv_lora + rope) +
		(uint64_t)kv_lora * h * (nope + vhd) + (uint64_t)h * vhd * d;
	add_norms(pc, (uint64_t)L, (uint64_t)kv_lora, 0);
	pc->attention += (uint64_t)L * attn;
	if (bias) /* attention_bias: q (or q_a), kv_a and o_proj biases */
		pc->biases += (uint64_t)L * ((q_lora ? (uint64_t)q_lora :
				(uint64_t)h * (nope + rope)) + (kv_lora + rope) + d);
	add_norms(pc, 2 * (uint64_t)L + 1, (uint64_t)d, 0);

	/* Routing: v3's "noaux_tc" adds e_score_correction_bias per expert. */
	topk = gpai_json_str(c->j, "topk_method");
	per_expert = ffn_weights((uint64_t)d, (uint64_t)moe_ff, 1);
	for (int64_t i = 0; i < L; i++) {
		if (!E || i < first_dense || i % freq) {
			add_mlp(pc, 1, (uint64_t)d, (uint64_t)ff, 1, 0);
			continue;
		}
		pc->moe_layers++;
		pc->router += (uint64_t)E * d;
		if (v3 || (topk && strcmp(topk, "noaux_tc") == 0))
			pc->router += (uint64_t)E;
		pc->experts += (uint64_t)E * per_expert;
		pc->active_experts += (uint64_t)k * per_expert;
		pc->shared_experts += (uint64_t)shared * per_expert;
	}
	if (mtp)
		snprintf(pc->note, sizeof(pc->note),
			 "the %lld multi-token-prediction layer(s) "
			 "(num_nextn_predict_layers) are not counted: they are "
			 "not part of the published main-model count", (long long)mtp);
	return GPAI_OK;
}

/* Phi-3 (modeling_phi3.py): fused qkv_proj and gate_up_proj, no biases. */
static int count_phi3(struct cfg *c, struct gpai_param_count *pc)
{
	int64_t L, d, h, kv, hd, ff, v, ctx;
	int tied, rc;

	if ((rc = REQ(c, &L, "num_hidden_layers")) ||
	    (rc = REQ(c, &d, "hidden_size")) ||
	    (rc = REQ(c, &h, "num_attention_heads")) ||
	    (rc = REQ(c, &v, "vocab_size")) ||
	    (rc = REQ(c, &ff, "intermediate_size")) ||
	    (rc = get_int(c, NAMES("num_key_value_heads"), h, 1, &kv)) ||
	    (rc = OPT(c, &ctx, 0, "max_position_embeddings")) ||
	    (rc = head_dim(c, d, h, &hd)) || (rc = check_gqa(c, h, kv)) ||
	    (rc = get_bool(c, "tie_word_embeddings", 0, &tied)))
		return rc;
	set_dims(pc, L, d, h, kv, hd, ff, v, ctx);
	add_embed_head(pc, (uint64_t)v, (uint64_t)d, tied);
	add_gqa(pc, (uint64_t)L, (uint64_t)d, (uint64_t)h, (uint64_t)kv,
		(uint64_t)hd, 0, 0);
	add_mlp(pc, (uint64_t)L, (uint64_t)d, (uint64_t)ff, 1, 0);
	add_norms(pc, 2 * (uint64_t)L + 1, (uint64_t)d, 0);
	return GPAI_OK;
}

/* Falcon (modeling_falcon.py): fused query_key_value with MQA (7B) or
 * grouped KV (new_decoder_architecture: 40B, 180B); LayerNorm with bias;
 * parallel attention + MLP; tied output head. */
static int count_falcon(struct cfg *c, struct gpai_param_count *pc)
{
	int64_t L, d, h, kv, ff, v, ctx, nln;
	int tied, mq, newarch, parallel, bias, rc;
	uint64_t qkv_out;

	if ((rc = REQ(c, &L, "num_hidden_layers", "n_layer")) ||
	    (rc = REQ(c, &d, "hidden_size")) ||
	    (rc = REQ(c, &h, "num_attention_heads", "n_head")) ||
	    (rc = REQ(c, &v, "vocab_size")) ||
	    (rc = get_bool(c, "multi_query", 1, &mq)) ||
	    (rc = get_bool(c, "new_decoder_architecture", 0, &newarch)) ||
	    (rc = get_bool(c, "parallel_attn", 1, &parallel)) ||
	    (rc = get_bool(c, "bias", 0, &bias)) ||
	    (rc = get_bool(c, "tie_word_embeddings", 1, &tied)) ||
	    (rc = OPT(c, &ctx, 0, "max_position_embeddings")) ||
	    (rc = OPT(c, &ff, 4 * d, "ffn_hidden_size")))
		return rc;
	if (d % h)
		return gpai_error_set(c->err, GPAI_EFORMAT,
				      "'%s': hidden_size %lld is not a multiple of "
				      "num_attention_heads %lld", c->what,
				      (long long)d, (long long)h);
	if (newarch) {
		if ((rc = REQ(c, &kv, "num_kv_heads", "n_head_kv")) ||
		    (rc = check_gqa(c, h, kv)) ||
		    (rc = OPT(c, &nln, 2, "num_ln_in_parallel_attn")))
			return rc;
	} else {
		kv = mq ? 1 : h;
		nln = parallel ? 1 : 2;
	}
	set_dims(pc, L, d, h, kv, d / h, ff, v, ctx);
	add_embed_head(pc, (uint64_t)v, (uint64_t)d, tied);
	qkv_out = (uint64_t)(h + 2 * kv) * (uint64_t)(d / h);
	pc->attention += (uint64_t)L * ((uint64_t)d * qkv_out + (uint64_t)d * d);
	if (bias)
		pc->biases += (uint64_t)L * (qkv_out + d);
	add_mlp(pc, (uint64_t)L, (uint64_t)d, (uint64_t)ff, 0, bias);
	add_norms(pc, (uint64_t)nln * L + 1, (uint64_t)d, 1);
	return GPAI_OK;
}

/* GPT-2 (modeling_gpt2.py): learned positions, Conv1D layers with biases,
 * LayerNorm, tied head. */
static int count_gpt2(struct cfg *c, struct gpai_param_count *pc)
{
	int64_t L, d, h, ff, v, ctx;
	int tied, rc;

	if ((rc = REQ(c, &L, "n_layer", "num_hidden_layers")) ||
	    (rc = REQ(c, &d, "n_embd", "hidden_size")) ||
	    (rc = REQ(c, &h, "n_head", "num_attention_heads")) ||
	    (rc = REQ(c, &v, "vocab_size")) ||
	    (rc = REQ(c, &ctx, "n_positions", "max_position_embeddings")) ||
	    (rc = OPT(c, &ff, 4 * d, "n_inner")) ||
	    (rc = get_bool(c, "tie_word_embeddings", 1, &tied)))
		return rc;
	if (d % h)
		return gpai_error_set(c->err, GPAI_EFORMAT,
				      "'%s': n_embd %lld is not a multiple of n_head %lld",
				      c->what, (long long)d, (long long)h);
	set_dims(pc, L, d, h, h, d / h, ff, v, ctx);
	add_embed_head(pc, (uint64_t)v, (uint64_t)d, tied);
	pc->embedding += (uint64_t)ctx * d; /* wpe */
	add_gqa(pc, (uint64_t)L, (uint64_t)d, (uint64_t)h, (uint64_t)h,
		(uint64_t)(d / h), 1, 1);
	add_mlp(pc, (uint64_t)L, (uint64_t)d, (uint64_t)ff, 0, 1);
	add_norms(pc, 2 * (uint64_t)L + 1, (uint64_t)d, 1);
	return GPAI_OK;
}

/* GPT-NeoX / Pythia (modeling_gpt_neox.py): fused QKV with biases,
 * LayerNorm, rotary, separate embed_out. */
static int count_neox(struct cfg *c, struct gpai_param_count *pc)
{
	int64_t L, d, h, ff, v, ctx;
	int tied, bias, rc;

	if ((rc = REQ(c, &L, "num_hidden_layers")) ||
	    (rc = REQ(c, &d, "hidden_size")) ||
	    (rc = REQ(c, &h, "num_attention_heads")) ||
	    (rc = REQ(c, &v, "vocab_size")) ||
	    (rc = REQ(c, &ff, "intermediate_size")) ||
	    (rc = OPT(c, &ctx, 0, "max_position_embeddings")) ||
	    (rc = get_bool(c, "attention_bias", 1, &bias)) ||
	    (rc = get_bool(c, "tie_word_embeddings", 0, &tied)))
		return rc;
	if (d % h)
		return gpai_error_set(c->err, GPAI_EFORMAT,
				      "'%s': hidden_size %lld is not a multiple of "
				      "num_attention_heads %lld", c->what,
				      (long long)d, (long long)h);
	set_dims(pc, L, d, h, h, d / h, ff, v, ctx);
	add_embed_head(pc, (uint64_t)v, (uint64_t)d, tied);
	add_gqa(pc, (uint64_t)L, (uint64_t)d, (uint64_t)h, (uint64_t)h,
		(uint64_t)(d / h), bias, bias);
	add_mlp(pc, (uint64_t)L, (uint64_t)d, (uint64_t)ff, 0, 1);
	add_norms(pc, 2 * (uint64_t)L + 1, (uint64_t)d, 1);
	return GPAI_OK;
}

/* OPT (modeling_opt.py): learned positions with an offset of 2, optional
 * project_in/out when word_embed_proj_dim differs, biases, LayerNorm; the
 * final LayerNorm exists only with do_layer_norm_before (350m has none). */
static int count_opt(struct cfg *c, struct gpai_param_count *pc)
{
	/* OPTLearnedPositionalEmbedding: num_embeddings + offset, offset = 2. */
	enum { OPT_POSITION_OFFSET = 2 };
	int64_t L, d, h, ff, v, ctx, proj;
	int tied, before, bias, affine, rc;

	if ((rc = REQ(c, &L, "num_hidden_layers")) ||
	    (rc = REQ(c, &d, "hidden_size")) ||
	    (rc = REQ(c, &h, "num_attention_heads")) ||
	    (rc = REQ(c, &v, "vocab_size")) ||
	    (rc = REQ(c, &ff, "ffn_dim")) ||
	    (rc = REQ(c, &ctx, "max_position_embeddings")) ||
	    (rc = OPT(c, &proj, d, "word_embed_proj_dim")) ||
	    (rc = get_bool(c, "do_layer_norm_before", 1, &before)) ||
	    (rc = get_bool(c, "enable_bias", 1, &bias)) ||
	    (rc = get_bool(c, "layer_norm_elementwise_affine", 1, &affine)) ||
	    (rc = get_bool(c, "tie_word_embeddings", 1, &tied)))
		return rc;
	if (d % h)
		return gpai_error_set(c->err, GPAI_EFORMAT,
				      "'%s': hidden_size %lld is not a multiple of "
				      "num_attention_heads %lld", c->what,
				      (long long)d, (long long)h);
	if (proj == 0)
		proj = d;
	set_dims(pc, L, d, h, h, d / h, ff, v, ctx);
	add_embed_head(pc, (uint64_t)v, (uint64_t)proj, tied);
	pc->embedding += (uint64_t)(ctx + OPT_POSITION_OFFSET) * d;
	if (proj != d) /* project_in and project_out, no bias */
		pc->embedding += 2 * (uint64_t)proj * d;
	add_gqa(pc, (uint64_t)L, (uint64_t)d, (uint64_t)h, (uint64_t)h,
		(uint64_t)(d / h), bias, bias);
	add_mlp(pc, (uint64_t)L, (uint64_t)d, (uint64_t)ff, 0, bias);
	if (affine)
		add_norms(pc, 2 * (uint64_t)L + (before ? 1 : 0), (uint64_t)d, 1);
	return GPAI_OK;
}

/* ---- entry points ------------------------------------------------------- */

int gpai_params_from_config_json(const char *what, const cJSON *j,
				 struct gpai_param_count *pc,
				 struct gpai_error *err)
{
	struct cfg c = { what, j, err };
	const char *type;
	int rc;

	memset(pc, 0, sizeof(*pc));
	if (!cJSON_IsObject(j))
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': not a JSON object", what);
	type = gpai_json_str(j, "model_type");
	if (!type)
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': missing field 'model_type'",
				      what);
	gpai_strlcpy(pc->architecture, type, sizeof(pc->architecture));

	if (!strcmp(type, "llama") || !strcmp(type, "mistral"))
		rc = count_llama_like(&c, pc, LL_LLAMA, NULL);
	else if (!strcmp(type, "mixtral"))
		rc = count_mixtral(&c, pc);
	else if (!strcmp(type, "qwen2"))
		rc = count_llama_like(&c, pc, LL_QWEN2, NULL);
	else if (!strcmp(type, "qwen3"))
		rc = count_llama_like(&c, pc, LL_QWEN3, NULL);
	else if (!strcmp(type, "qwen2_moe"))
		rc = count_qwen_moe(&c, pc, 0);
	else if (!strcmp(type, "qwen3_moe"))
		rc = count_qwen_moe(&c, pc, 1);
	else if (!strcmp(type, "deepseek_v3"))
		rc = count_deepseek(&c, pc, 1);
	else if (!strcmp(type, "deepseek_v2"))
		rc = count_deepseek(&c, pc, 0);
	else if (!strcmp(type, "gemma"))
		rc = count_llama_like(&c, pc, LL_GEMMA, NULL);
	else if (!strcmp(type, "gemma2"))
		rc = count_llama_like(&c, pc, LL_GEMMA2, NULL);
	else if (!strcmp(type, "phi3"))
		rc = count_phi3(&c, pc);
	else if (!strcmp(type, "falcon") || !strcmp(type, "RefinedWeb") ||
		 !strcmp(type, "RefinedWebModel"))
		rc = count_falcon(&c, pc);
	else if (!strcmp(type, "gpt2"))
		rc = count_gpt2(&c, pc);
	else if (!strcmp(type, "gpt_neox"))
		rc = count_neox(&c, pc);
	else if (!strcmp(type, "opt"))
		rc = count_opt(&c, pc);
	else
		return gpai_error_set(err, GPAI_EUNSUPPORTED,
				      "'%s': unknown architecture '%s' (model_type): "
				      "only a tensor count (gpai flops --model) can "
				      "give its parameters", what, type);
	if (rc)
		return rc;
	pc->total = pc->embedding + pc->attention + pc->mlp + pc->experts +
		    pc->shared_experts + pc->router + pc->norms + pc->biases +
		    pc->head;
	if (!pc->experts)
		pc->active_experts = 0;
	pc->active = pc->total - pc->experts + pc->active_experts;
	return GPAI_OK;
}

/* A config.json is a few kB; anything past this is not one. */
#define CONFIG_MAX_BYTES (16u << 20)

int gpai_params_from_config(const char *path, struct gpai_param_count *pc,
			    struct gpai_error *err)
{
	cJSON *j = NULL;
	int rc;

	rc = gpai_json_load(path, CONFIG_MAX_BYTES, &j, err);
	if (rc)
		return rc;
	rc = gpai_params_from_config_json(path, j, pc, err);
	cJSON_Delete(j);
	return rc;
}
