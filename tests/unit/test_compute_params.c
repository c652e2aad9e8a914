/*
 * test_compute_params.c - parameter counts from HF config.json files against
 * published counts (tests/data/param_counts.tsv: model cards and papers),
 * the breakdown's own arithmetic, and bad configs.
 */
#include "common.h"
#include "compute_estimator.h"
#include "harness.h"

#include <math.h>
#include <stdlib.h>

#include <cJSON.h>

/* Path of a file in the source tree ($GPAI_TOP, set by tests/run.sh). */
static const char *top_path(const char *rel)
{
	static char buf[4096];
	const char *top = getenv("GPAI_TOP");

	snprintf(buf, sizeof(buf), "%s/%s", top ? top : ".", rel);
	return buf;
}

static int count(const char *name, struct gpai_param_count *pc,
		 struct gpai_error *err)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "tests/data/configs/%s.json", name);
	return gpai_params_from_config(top_path(rel), pc, err);
}

static uint64_t parts(const struct gpai_param_count *pc)
{
	return pc->embedding + pc->attention + pc->mlp + pc->experts +
	       pc->shared_experts + pc->router + pc->norms + pc->biases + pc->head;
}

TEST(published_counts_from_the_table)
{
	FILE *f = fopen(top_path("tests/data/param_counts.tsv"), "r");
	char line[1024];
	int rows = 0;

	CHECK(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		char name[128], active_s[64];
		double total, ttol, active = 0, atol_;
		struct gpai_param_count pc;
		struct gpai_error err;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%127s %lf %lf %63s %lf", name, &total, &ttol,
			   active_s, &atol_) != 5) {
			t_fail(__FILE__, __LINE__, "bad row: %s", line);
			break;
		}
		gpai_error_init(&err);
		if (count(name, &pc, &err) != GPAI_OK) {
			t_fail(__FILE__, __LINE__, "%s: %s", name, gpai_errmsg(&err));
			break;
		}
		if (fabs((double)pc.total - total) > ttol * total) {
			t_fail(__FILE__, __LINE__, "%s: total %llu, published %.6g (tolerance %g)",
			       name, (unsigned long long)pc.total, total, ttol);
			break;
		}
		if (active_s[0] == '=') {
			if (pc.active != pc.total) {
				t_fail(__FILE__, __LINE__, "%s: dense model, active %llu != total %llu",
				       name, (unsigned long long)pc.active,
				       (unsigned long long)pc.total);
				break;
			}
		} else {
			active = strtod(active_s, NULL);
			if (fabs((double)pc.active - active) > atol_ * active) {
				t_fail(__FILE__, __LINE__, "%s: active %llu, published %.6g (tolerance %g)",
				       name, (unsigned long long)pc.active, active, atol_);
				break;
			}
		}
		if (parts(&pc) != pc.total) {
			t_fail(__FILE__, __LINE__, "%s: parts do not add up to the total", name);
			break;
		}
		rows++;
	}
	fclose(f);
	CHECK(rows >= 20);
}

/* Exact breakdowns published with the models. */
TEST(gemma_embedding_split_matches_the_paper)
{
	struct gpai_param_count pc;
	struct gpai_error err;

	gpai_error_init(&err);
	/* arXiv:2403.08295 Table 2: 786,432,000 embedding parameters. */
	CHECK_OK(count("gemma-7b", &pc, &err), &err);
	CHECK_U64(786432000ULL, pc.embedding);
	CHECK_INT(1, pc.tied);
	CHECK_U64(0, pc.head);
	/* arXiv:2408.00118 Table 2: 917,504,000 embedding parameters. */
	CHECK_OK(count("gemma-2-9b", &pc, &err), &err);
	CHECK_U64(917504000ULL, pc.embedding);
}

TEST(stories260k_layout)
{
	struct gpai_param_count pc;
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_OK(count("stories260k", &pc, &err), &err);
	/* llama2.c: token table 512 x 64 shared with the classifier; per layer
	 * wq 64x64, wk/wv 64x32 (4 kv heads of 8), wo 64x64, w1/w2/w3 64x172,
	 * two RMSNorm vectors; one final norm. */
	CHECK_U64(512ULL * 64, pc.embedding);
	CHECK_U64(5ULL * (64 * 64 * 2 + 64 * 32 * 2), pc.attention);
	CHECK_U64(5ULL * 3 * 64 * 172, pc.mlp);
	CHECK_U64(5ULL * 2 * 64 + 64, pc.norms);
	CHECK_U64(0, pc.head);
	CHECK_U64(260032ULL, pc.total);
	CHECK_U64(260032ULL, pc.active);
}

TEST(moe_breakdown)
{
	struct gpai_param_count pc;
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_OK(count("deepseek-v3", &pc, &err), &err);
	/* 3 dense layers then 58 MoE layers of 256 routed + 1 shared expert,
	 * each expert 3 x 7168 x 2048. */
	CHECK_INT(58, pc.moe_layers);
	CHECK_U64(58ULL * 256 * 3 * 7168 * 2048, pc.experts);
	CHECK_U64(58ULL * 8 * 3 * 7168 * 2048, pc.active_experts);
	CHECK_U64(58ULL * 1 * 3 * 7168 * 2048, pc.shared_experts);
	CHECK_U64(3ULL * 3 * 7168 * 18432, pc.mlp);
	CHECK_U64(58ULL * (256 * 7168 + 256), pc.router);
	CHECK_INT(128 * 192, pc.attn_qk_width);
	CHECK_INT(128 * 128, pc.attn_v_width);
	CHECK(pc.note[0] != '\0'); /* the MTP layer is named as not counted */

	CHECK_OK(count("mixtral-8x7b", &pc, &err), &err);
	CHECK_INT(8, pc.n_experts);
	CHECK_INT(2, pc.experts_per_token);
	CHECK_U64(32ULL * 8 * 3 * 4096 * 14336, pc.experts);
	CHECK_U64(pc.total - pc.experts + pc.experts / 4, pc.active);

	CHECK_OK(count("qwen1.5-moe-a2.7b", &pc, &err), &err);
	/* shared expert 3 x 2048 x 5632 plus its 2048-wide gate, 24 layers */
	CHECK_U64(24ULL * (3 * 2048 * 5632 + 2048), pc.shared_experts);
	/* Q/K/V biases, no O bias */
	CHECK_U64(24ULL * 3 * 2048, pc.biases);
}

TEST(biases_and_norms_of_layernorm_families)
{
	struct gpai_param_count pc;
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_OK(count("gpt2", &pc, &err), &err);
	/* wte 50257 x 768 + wpe 1024 x 768 */
	CHECK_U64(50257ULL * 768 + 1024 * 768, pc.embedding);
	CHECK_U64(124439808ULL, pc.total);
	CHECK_INT(1, pc.tied);
	/* 2 LayerNorms per layer + ln_f, weight and bias */
	CHECK_U64((12ULL * 2 + 1) * 2 * 768, pc.norms);
	CHECK_OK(count("opt-350m", &pc, &err), &err);
	/* no final LayerNorm with do_layer_norm_before = false */
	CHECK_U64(24ULL * 2 * 2 * 1024, pc.norms);
}

static int count_text(const char *json, struct gpai_param_count *pc,
		      struct gpai_error *err)
{
	cJSON *j = cJSON_Parse(json);
	int rc;

	if (!j)
		return -100;
	rc = gpai_params_from_config_json("c.json", j, pc, err);
	cJSON_Delete(j);
	return rc;
}

TEST(bad_configs_name_the_field)
{
	struct gpai_param_count pc;
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_ERR(GPAI_EFORMAT, count_text("{\"hidden_size\": 64}", &pc, &err), &err,
		  "'c.json': missing field 'model_type'");
	CHECK_ERR(GPAI_EUNSUPPORTED, count_text("{\"model_type\": \"rwkv\"}", &pc, &err),
		  &err, "unknown architecture 'rwkv'");
	CHECK_ERR(GPAI_EFORMAT,
		  count_text("{\"model_type\": \"llama\", \"num_hidden_layers\": 2,"
			     "\"num_attention_heads\": 2, \"vocab_size\": 10,"
			     "\"intermediate_size\": 8}", &pc, &err),
		  &err, "missing field 'hidden_size'");
	CHECK_ERR(GPAI_EFORMAT,
		  count_text("{\"model_type\": \"llama\", \"num_hidden_layers\": 2,"
			     "\"hidden_size\": -64, \"num_attention_heads\": 2,"
			     "\"vocab_size\": 10, \"intermediate_size\": 8}", &pc, &err),
		  &err, "field 'hidden_size' is -64");
	CHECK_ERR(GPAI_EFORMAT,
		  count_text("{\"model_type\": \"llama\", \"num_hidden_layers\": 2.5,"
			     "\"hidden_size\": 64, \"num_attention_heads\": 2,"
			     "\"vocab_size\": 10, \"intermediate_size\": 8}", &pc, &err),
		  &err, "field 'num_hidden_layers' is not an integer");
	CHECK_ERR(GPAI_EFORMAT,
		  count_text("{\"model_type\": \"llama\", \"num_hidden_layers\": 2,"
			     "\"hidden_size\": 64, \"num_attention_heads\": 8,"
			     "\"num_key_value_heads\": 3,"
			     "\"vocab_size\": 10, \"intermediate_size\": 8}", &pc, &err),
		  &err, "num_key_value_heads 3 does not divide");
	CHECK_ERR(GPAI_EFORMAT,
		  count_text("{\"model_type\": \"mixtral\", \"num_hidden_layers\": 2,"
			     "\"hidden_size\": 64, \"num_attention_heads\": 8,"
			     "\"num_local_experts\": 2, \"num_experts_per_tok\": 4,"
			     "\"vocab_size\": 10, \"intermediate_size\": 8}", &pc, &err),
		  &err, "num_experts_per_tok 4 exceeds");
	CHECK_ERR(GPAI_EFORMAT,
		  count_text("{\"model_type\": \"gpt2\", \"n_layer\": 2,"
			     "\"n_embd\": 64, \"n_head\": 8, \"vocab_size\": 10,"
			     "\"n_positions\": 16, \"tie_word_embeddings\": 1}", &pc, &err),
		  &err, "field 'tie_word_embeddings' is not true or false");
	CHECK_ERR(GPAI_EFORMAT, count_text("[1, 2]", &pc, &err), &err, "not a JSON object");
	CHECK_ERR(GPAI_ENOTFOUND, gpai_params_from_config("nonexistent.json", &pc, &err),
		  &err, "nonexistent.json");
	CHECK(t_write("bad.json", "{\"model_type\": ", 15) == 0);
	CHECK_ERR(GPAI_EFORMAT, gpai_params_from_config("bad.json", &pc, &err), &err,
		  "'bad.json' is not valid JSON");
}
