/* test_inference_config.c - HF config.json architecture fields across
 * model families (the published configs in tests/data/configs/, each with
 * its _source URL), nested text_config, bad configs, and merging. */
#include "common.h"
#include "inference.h"
#include "harness.h"
#include "fixture_run.h"

#include <stdlib.h>

/* Values as the published config.json files state them (field names
 * differ per family; -1 tied = the config does not say). */
static const struct {
	const char *file, *arch;
	int64_t layers, hidden, ffn, heads, kv, vocab, ctx, experts, used;
	int tied;
} cases[] = {
	{ "llama-3.1-8b", "llama", 32, 4096, 14336, 32, 8, 128256, 131072, 0, 0, 0 },
	{ "mistral-7b-v0.1", "mistral", 32, 4096, 14336, 32, 8, 32000, 32768, 0, 0, 0 },
	{ "mixtral-8x7b", "mixtral", 32, 4096, 14336, 32, 8, 32000, 32768, 8, 2, 0 },
	{ "qwen2-7b", "qwen2", 28, 3584, 18944, 28, 4, 152064, 131072, 0, 0, 0 },
	{ "qwen1.5-moe-a2.7b", "qwen2_moe", 24, 2048, 5632, 16, 16, 151936, 8192, 60, 4, 0 },
	{ "deepseek-v3", "deepseek_v3", 61, 7168, 18432, 128, 128, 129280, 163840, 256, 8, 0 },
	{ "gemma-7b", "gemma", 28, 3072, 24576, 16, 16, 256000, 8192, 0, 0, -1 },
	{ "phi-3-mini-4k", "phi3", 32, 3072, 8192, 32, 32, 32064, 4096, 0, 0, 0 },
	/* GPT-2: n_layer, n_embd, n_head, n_positions; n_inner absent = 4 * n_embd */
	{ "gpt2", "gpt2", 12, 768, 3072, 12, 12, 50257, 1024, 0, 0, -1 },
	/* Falcon-7B: multi_query, one KV head; MLP 4 * hidden */
	{ "falcon-7b", "falcon", 32, 4544, 4 * 4544, 71, 1, 65024, 0, 0, 0, -1 },
	{ "falcon-180b", "falcon", 80, 14848, 4 * 14848, 232, 8, 65024, 2048, 0, 0, -1 },
	{ "opt-125m", "opt", 12, 768, 3072, 12, 12, 50272, 2048, 0, 0, -1 },
	{ "stories260k", "llama", 5, 64, 172, 8, 4, 512, 512, 0, 0, 1 },
};

TEST(published_configs_of_thirteen_families)
{
	const char *top = getenv("GPAI_TOP");

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gpai_modelinfo info;
		struct gpai_error err;
		char path[1024];

		gpai_error_init(&err);
		snprintf(path, sizeof(path), "%s/tests/data/configs/%s.json", top ? top : ".",
			 cases[i].file);
		CHECK_OK(gpai_model_probe_config(path, &info, &err), &err);
		CHECK_STR("config", info.format);
		CHECK_STR(cases[i].arch, info.architecture);
		CHECK_INT(cases[i].layers, info.n_layers);
		CHECK_INT(cases[i].hidden, info.hidden_size);
		CHECK_INT(cases[i].ffn, info.ffn_hidden_size);
		CHECK_INT(cases[i].heads, info.n_heads);
		CHECK_INT(cases[i].kv, info.n_kv_heads);
		CHECK_INT(cases[i].vocab, info.vocab_size);
		CHECK_INT(cases[i].ctx, info.context_length);
		CHECK_INT(cases[i].experts, info.n_experts);
		CHECK_INT(cases[i].used, info.n_experts_used);
		CHECK_INT(cases[i].tied, info.tied_embeddings);
		CHECK_U64(0, info.n_params);
	}
}

TEST(probe_file_on_config_json_and_text_config)
{
	struct gpai_modelinfo info;
	struct gpai_error err;
	const char *mm = "{\"model_type\": \"llava\", \"text_config\": {\"num_hidden_layers\": 40,"
			 " \"hidden_size\": 5120, \"num_attention_heads\": 40, \"vocab_size\": 32064,"
			 " \"max_position_embeddings\": 4096}, \"vocab_size\": null}";

	gpai_error_init(&err);
	CHECK_INT(0, fixture("safetensors d"));
	CHECK_OK(gpai_model_probe_file("d/config.json", &info, &err), &err);
	CHECK_STR("config", info.format);
	CHECK_INT(FX_L, info.n_layers);
	CHECK_INT(FX_NKV, info.n_kv_heads);
	CHECK_INT(0, info.tied_embeddings);
	CHECK_INT(0, t_write("config.json", mm, strlen(mm)));
	CHECK_OK(gpai_model_probe_file("config.json", &info, &err), &err);
	CHECK_STR("llava", info.architecture);
	CHECK_INT(40, info.n_layers);
	CHECK_INT(5120, info.hidden_size);
	CHECK_INT(40, info.n_kv_heads);
	CHECK_INT(32064, info.vocab_size);
	/* A directory with only a config.json reports the config. */
	CHECK_INT(0, system("mkdir -p only && cp config.json only/"));
	CHECK_OK(gpai_model_probe_file("only", &info, &err), &err);
	CHECK_STR("config", info.format);
	CHECK_INT(40, info.n_layers);
}

static int bad_config(const char *text, const char *needle)
{
	struct gpai_modelinfo info;
	struct gpai_error err;
	int rc;

	gpai_error_init(&err);
	t_write("c.json", text, strlen(text));
	rc = gpai_model_probe_config("c.json", &info, &err);
	if (rc != GPAI_EFORMAT || !strstr(gpai_errmsg(&err), needle) ||
	    !strstr(gpai_errmsg(&err), "'c.json'")) {
		t_fail(__FILE__, __LINE__, "%s: want \"%s\", got rc %d: %s", text, needle, rc,
		       gpai_errmsg(&err));
		return 0;
	}
	return 1;
}

TEST(bad_configs_name_file_and_field)
{
	CHECK(bad_config("{\"num_hidden_layers\": \"32\"}", "field 'num_hidden_layers' is not a non-negative integer"));
	CHECK(bad_config("{\"n_head\": 12.5}", "field 'n_head' is not a non-negative integer"));
	CHECK(bad_config("{\"vocab_size\": -1}", "field 'vocab_size'"));
	CHECK(bad_config("{\"tie_word_embeddings\": 1}", "field 'tie_word_embeddings' is not a boolean"));
	CHECK(bad_config("{\"hidden_size\": 4096,", "is not valid JSON (byte offset"));
	CHECK(bad_config("[1, 2]", "is not a JSON object"));
	CHECK(bad_config("{\"text_config\": {\"num_hidden_layers\": true}}",
			 "text_config: 'c.json': field 'num_hidden_layers'"));
	CHECK(bad_config("{\"model_type\": \"\xc3\x28\"}", "not valid UTF-8"));
}

TEST(merge_adds_counts_and_fills_missing_fields)
{
	struct gpai_modelinfo a, b;

	gpai_modelinfo_clear(&a);
	gpai_modelinfo_clear(&b);
	gpai_strlcpy(a.format, "safetensors", sizeof(a.format));
	a.n_tensors = 3;
	a.n_params = 100;
	a.n_files = 1;
	gpai_strlcpy(a.dtypes, "BF16,F32", sizeof(a.dtypes));
	a.n_layers = 2;
	gpai_strlcpy(b.format, "safetensors", sizeof(b.format));
	gpai_strlcpy(b.architecture, "llama", sizeof(b.architecture));
	b.n_tensors = 4;
	b.n_params = 50;
	b.n_files = 1;
	gpai_strlcpy(b.dtypes, "F32,F16", sizeof(b.dtypes));
	b.n_layers = 7;
	b.hidden_size = 64;
	b.tied_embeddings = 0;
	gpai_modelinfo_merge(&a, &b);
	CHECK_U64(7, a.n_tensors);
	CHECK_U64(150, a.n_params);
	CHECK_INT(2, a.n_files);
	CHECK_STR("BF16,F32,F16", a.dtypes);
	CHECK_STR("llama", a.architecture);
	CHECK_INT(2, a.n_layers); /* dst keeps what it has */
	CHECK_INT(64, a.hidden_size);
	CHECK_INT(0, a.tied_embeddings);
}
