/*
 * test_compute_model.c - the config count equals the tensor count on
 * stories260K (../shared/models/stories260K, read in place): the llama2.c
 * .bin stores every parameter once (260,032); the GGUF stores the tied
 * classifier a second time as output.weight (512 x 64 = 32,768 more, byte-
 * identical to token_embd.weight: llama.cpp's convert-llama2c-to-ggml
 * writes it), which is counted once.
 */
#include "common.h"
#include "compute_estimator.h"
#include "harness.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define BIN "models/stories260K/stories260K.bin"
#define GGUF "models/stories260K/stories260K.gguf"

static const char *config_path(void)
{
	static char buf[4096];
	const char *top = getenv("GPAI_TOP");

	snprintf(buf, sizeof(buf), "%s/tests/data/configs/stories260k.json", top ? top : ".");
	return buf;
}

TEST(config_count_equals_llama2c_tensor_count)
{
	struct gpai_param_count pc;
	struct gpai_model_count mc;
	struct gpai_error err;

	gpai_error_init(&err);
	if (!t_have_shared(BIN)) {
		t_fail(__FILE__, __LINE__, "missing %s", t_shared(BIN));
		return;
	}
	CHECK_OK(gpai_params_from_config(config_path(), &pc, &err), &err);
	CHECK_OK(gpai_params_from_model(t_shared(BIN), &mc, &err), &err);
	CHECK_INT(1, mc.have_tensors);
	CHECK_STR("llama2c", mc.format);
	CHECK_U64(260032ULL, pc.total);
	CHECK_U64(pc.total, mc.tensor_params);
	CHECK_U64(pc.total, mc.total);
	CHECK_U64(pc.total, mc.active);
}

TEST(gguf_stores_the_tied_classifier_twice)
{
	struct gpai_param_count pc;
	struct gpai_model_count mc;
	struct gpai_error err;

	gpai_error_init(&err);
	if (!t_have_shared(GGUF)) {
		t_fail(__FILE__, __LINE__, "missing %s", t_shared(GGUF));
		return;
	}
	CHECK_OK(gpai_params_from_config(config_path(), &pc, &err), &err);
	CHECK_OK(gpai_params_from_model(t_shared(GGUF), &mc, &err), &err);
	CHECK_STR("gguf", mc.format);
	CHECK_U64(pc.total + 512ULL * 64, mc.tensor_params);
	CHECK_U64(pc.total, mc.tensor_params_distinct);
	CHECK_U64(pc.total, mc.total);
}

TEST(directory_with_config_and_weights_reconciles)
{
	struct gpai_model_count mc;
	struct gpai_error err;
	char *cfg = NULL;
	size_t n;

	gpai_error_init(&err);
	if (!t_have_shared(GGUF)) {
		t_fail(__FILE__, __LINE__, "missing %s", t_shared(GGUF));
		return;
	}
	CHECK(mkdir("m", 0755) == 0);
	CHECK_OK(gpai_read_file(config_path(), 1 << 20, &cfg, &n, &err), &err);
	CHECK(t_write("m/config.json", cfg, n) == 0);
	free(cfg);
	CHECK(symlink(t_shared(GGUF), "m/stories260K.gguf") == 0);
	CHECK_OK(gpai_params_from_model("m", &mc, &err), &err);
	CHECK_INT(1, mc.have_config);
	CHECK_INT(1, mc.have_tensors);
	CHECK_INT(1, mc.agree);
	CHECK_STR("config", mc.basis);
	CHECK(strstr(mc.note, "equals the tensor count 260032") != NULL);
}

TEST(unknown_architecture_falls_back_to_tensors)
{
	static const char cfg[] = "{\"model_type\": \"rwkv\", \"hidden_size\": 64}";
	struct gpai_model_count mc;
	struct gpai_error err;

	gpai_error_init(&err);
	if (!t_have_shared(BIN)) {
		t_fail(__FILE__, __LINE__, "missing %s", t_shared(BIN));
		return;
	}
	CHECK(mkdir("m", 0755) == 0);
	CHECK(t_write("m/config.json", cfg, sizeof(cfg) - 1) == 0);
	CHECK(symlink(t_shared(BIN), "m/model.bin") == 0);
	CHECK_OK(gpai_params_from_model("m", &mc, &err), &err);
	CHECK_STR("tensor", mc.basis);
	CHECK_U64(260032ULL, mc.total);
	CHECK(strstr(mc.note, "unknown architecture 'rwkv'") != NULL);
	CHECK(strstr(mc.note, "from the tensor count instead") != NULL);
	/* no tensors to fall back on: an error that says so */
	CHECK(t_write("c.json", cfg, sizeof(cfg) - 1) == 0);
	CHECK_ERR(GPAI_EUNSUPPORTED, gpai_params_from_model("c.json", &mc, &err), &err,
		  "has no model tensors to count");
}
