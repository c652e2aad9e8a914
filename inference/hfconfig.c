/*
 * hfconfig.c - architecture fields from a Hugging Face config.json.
 *
 * Transformers names the same quantity differently per model family
 * (llama/mistral/mixtral/qwen2/gemma/phi3: num_hidden_layers, hidden_size;
 * gpt2: n_layer, n_embd; deepseek: n_routed_experts; ...).  Each field is
 * looked up under its known names in order; the first present wins.
 * Fields that only sit in a nested "text_config" (multimodal models) are
 * read from there.  A present field of the wrong type is an error naming
 * the file and field; null counts as absent.
 */
#include "model_private.h"

#include <string.h>

#include <cJSON.h>

#define CONFIG_MAX_BYTES (16u << 20) /* config.json files are a few KB */

/* Looks the names up in obj; *out untouched when none is present. */
static int int_field(const cJSON *obj, const char *const *names, const char *path,
		     int64_t *out, struct gpai_error *err)
{
	for (; *names; names++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, *names);
		int64_t x;

		if (!v || cJSON_IsNull(v))
			continue;
		if (gpai_json_i64(obj, *names, &x) != GPAI_OK || x < 0)
			return gpai_error_set(err, GPAI_EFORMAT,
					      "'%s': field '%s' is not a non-negative integer",
					      path, *names);
		*out = x;
		return GPAI_OK;
	}
	return GPAI_OK;
}

static const char *const k_layers[] = { "num_hidden_layers", "n_layer", "num_layers", "n_layers", NULL };
static const char *const k_hidden[] = { "hidden_size", "n_embd", "d_model", "dim", NULL };
static const char *const k_ffn[] = { "intermediate_size", "n_inner", "ffn_dim", "hidden_dim", NULL };
static const char *const k_heads[] = { "num_attention_heads", "n_head", "n_heads", "num_heads", NULL };
static const char *const k_kv[] = { "num_key_value_heads", "n_kv_heads", "num_kv_heads", NULL };
static const char *const k_vocab[] = { "vocab_size", "n_vocab", NULL };
static const char *const k_ctx[] = { "max_position_embeddings", "n_positions", "n_ctx",
				     "max_seq_len", "seq_length", NULL };
static const char *const k_experts[] = { "num_local_experts", "n_routed_experts", "num_experts", NULL };
static const char *const k_used[] = { "num_experts_per_tok", "moe_topk", NULL };

static int read_fields(const cJSON *o, const char *path, struct gpai_modelinfo *info,
		       struct gpai_error *err)
{
	const cJSON *tie = cJSON_GetObjectItemCaseSensitive(o, "tie_word_embeddings");
	int rc;

	if ((rc = int_field(o, k_layers, path, &info->n_layers, err)) ||
	    (rc = int_field(o, k_hidden, path, &info->hidden_size, err)) ||
	    (rc = int_field(o, k_ffn, path, &info->ffn_hidden_size, err)) ||
	    (rc = int_field(o, k_heads, path, &info->n_heads, err)) ||
	    (rc = int_field(o, k_kv, path, &info->n_kv_heads, err)) ||
	    (rc = int_field(o, k_vocab, path, &info->vocab_size, err)) ||
	    (rc = int_field(o, k_ctx, path, &info->context_length, err)) ||
	    (rc = int_field(o, k_experts, path, &info->n_experts, err)) ||
	    (rc = int_field(o, k_used, path, &info->n_experts_used, err)))
		return rc;
	if (tie && !cJSON_IsNull(tie)) {
		if (!cJSON_IsBool(tie))
			return gpai_error_set(err, GPAI_EFORMAT,
					      "'%s': field 'tie_word_embeddings' is not a boolean", path);
		info->tied_embeddings = cJSON_IsTrue(tie) ? 1 : 0;
	}
	return GPAI_OK;
}

int mf_hfconfig_read(const char *path, struct gpai_modelinfo *info, struct gpai_error *err)
{
	struct gpai_modelinfo inner;
	cJSON *root = NULL;
	const cJSON *arch, *text;
	const char *mt;
	int rc;

	rc = gpai_json_load(path, CONFIG_MAX_BYTES, &root, err);
	if (rc)
		return rc;
	if (!cJSON_IsObject(root)) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "'%s' is not a JSON object", path);
		goto out_free;
	}
	gpai_strlcpy(info->format, "config", sizeof(info->format));
	mt = gpai_json_str(root, "model_type");
	arch = cJSON_GetObjectItemCaseSensitive(root, "architectures");
	if (mt)
		gpai_strlcpy(info->architecture, mt, sizeof(info->architecture));
	else if (cJSON_IsArray(arch) && cJSON_IsString(cJSON_GetArrayItem(arch, 0)))
		gpai_strlcpy(info->architecture, cJSON_GetArrayItem(arch, 0)->valuestring,
			     sizeof(info->architecture));
	if ((rc = read_fields(root, path, info, err)))
		goto out_free;
	text = cJSON_GetObjectItemCaseSensitive(root, "text_config");
	if (cJSON_IsObject(text)) {
		gpai_modelinfo_clear(&inner);
		if ((rc = read_fields(text, path, &inner, err))) {
			gpai_error_prefix(err, "text_config");
			goto out_free;
		}
		gpai_modelinfo_merge(info, &inner);
		gpai_strlcpy(info->format, "config", sizeof(info->format));
	}
	/* Falcon: multi_query without num_kv_heads is one KV head
	 * (transformers FalconConfig). */
	if (!info->n_kv_heads && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "multi_query")))
		info->n_kv_heads = 1;
	/* HF defaults: no num_key_value_heads means one KV head per head. */
	if (!info->n_kv_heads)
		info->n_kv_heads = info->n_heads;
	/* gpt2: n_inner null means 4 * n_embd (transformers GPT2MLP); falcon's
	 * MLP is 4 * hidden_size (FalconMLP dense_h_to_4h). */
	if (!info->ffn_hidden_size && (cJSON_GetObjectItemCaseSensitive(root, "n_embd") ||
				       (mt && strcmp(mt, "falcon") == 0)))
		info->ffn_hidden_size = 4 * info->hidden_size;
	rc = GPAI_OK;
out_free:
	cJSON_Delete(root);
	return rc;
}
