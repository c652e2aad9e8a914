/* test_inference_safetensors.c - the safetensors reader (single and HF
 * sharded) on gpai-fixture models, checked against the independent Python
 * reader, and every malformed header and index. */
#include "common.h"
#include "inference.h"
#include "harness.h"
#include "fixture_run.h"
#include "pyref.h"

#include <stdlib.h>

/* Python's answer for one file: tensors, params and every offset agree. */
static int agrees_with_python(const char *path, const struct gpai_model *m)
{
	char args[1024];
	cJSON *py, *it;
	int n = 0, ok = 1;

	snprintf(args, sizeof(args), "safetensors '%s'", path);
	py = pyref(args);
	if (!py)
		return 0;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(py, "tensors")) {
		const char *name = cJSON_GetObjectItemCaseSensitive(it, "name")->valuestring;
		const struct gpai_tensor *t = gpai_model_find(m, name);

		if (!t || (long long)t->file_offset != pyref_int(it, "offset") ||
		    (long long)t->nbytes != pyref_int(it, "nbytes") ||
		    strcmp(gpai_dtype_name(t->dtype),
			   cJSON_GetObjectItemCaseSensitive(it, "type")->valuestring) != 0)
			ok = 0;
		n++;
	}
	if (n != pyref_int(py, "n_tensors"))
		ok = 0;
	cJSON_Delete(py);
	return ok ? n : 0;
}

TEST(single_file_fixture_in_three_dtypes)
{
	static const char *const dts[] = { "f32", "f16", "bf16" };
	static const char *const names[] = { "F32", "F16", "BF16" };
	static const int bytes[] = { 4, 2, 2 };

	for (int i = 0; i < 3; i++) {
		struct gpai_modelinfo info;
		struct gpai_error err;
		struct gpai_model *m = NULL;
		const struct gpai_tensor *t;
		struct gpai_strref s;
		char args[256], dir[32];

		gpai_error_init(&err);
		snprintf(dir, sizeof(dir), "st-%s", dts[i]);
		snprintf(args, sizeof(args), "safetensors %s --dtype %s", dir, dts[i]);
		CHECK_INT(0, fixture(args));
		CHECK_OK(gpai_model_probe_file(dir, &info, &err), &err);
		CHECK_STR("safetensors", info.format);
		CHECK_STR("llama", info.architecture);
		CHECK_STR(names[i], info.dtypes);
		CHECK_U64(9 * FX_L + 3, info.n_tensors);
		CHECK_U64(FX_PARAMS, info.n_params);
		CHECK_U64((uint64_t)bytes[i] * FX_PARAMS, info.n_bytes);
		CHECK_INT(1, info.n_files);
		CHECK_INT(0, info.tied_embeddings); /* config: tie_word_embeddings false */
		CHECK_INT(FX_L, info.n_layers);
		CHECK_INT(FX_D, info.hidden_size);
		CHECK_INT(FX_HID, info.ffn_hidden_size);
		CHECK_INT(FX_NH, info.n_heads);
		CHECK_INT(FX_NKV, info.n_kv_heads);
		CHECK_INT(FX_V, info.vocab_size);
		snprintf(args, sizeof(args), "%s/model.safetensors", dir);
		CHECK_OK(gpai_model_open(args, &m, &err), &err);
		CHECK_INT((int)info.n_tensors, agrees_with_python(args, m));
		t = gpai_model_find(m, "model.layers.1.mlp.down_proj.weight");
		CHECK(t != NULL);
		CHECK_INT(FX_D, t->shape[0]);
		CHECK_INT(FX_HID, t->shape[1]);
		CHECK_OK(gpai_model_meta_str(m, "format", &s, &err), &err);
		CHECK(s.len == 2 && memcmp(s.s, "pt", 2) == 0);
		gpai_model_close(m);
	}
}

TEST(sharded_fixture_counts_add_up_over_the_index)
{
	struct gpai_modelinfo all, idx, part, sum;
	struct gpai_error err;
	struct gpai_model *m = NULL;
	char path[64];
	int n = 0;

	gpai_error_init(&err);
	CHECK_INT(0, fixture("safetensors sh --dtype bf16 --shards 3"));
	CHECK_OK(gpai_model_probe_file("sh", &all, &err), &err);
	CHECK_OK(gpai_model_probe_file("sh/model.safetensors.index.json", &idx, &err), &err);
	CHECK_U64(FX_PARAMS, all.n_params);
	CHECK_U64(FX_PARAMS, idx.n_params);
	CHECK_U64(9 * FX_L + 3, idx.n_tensors);
	CHECK_INT(3, all.n_files);
	CHECK_STR("BF16", all.dtypes);
	CHECK_INT(FX_L, idx.n_layers);
	/* Each shard alone, merged, gives the same count; each agrees with
	 * the Python reader. */
	gpai_modelinfo_clear(&sum);
	CHECK_OK(gpai_model_open("sh", &m, &err), &err);
	CHECK_INT(3, gpai_model_file_count(m));
	for (int s = 1; s <= 3; s++) {
		snprintf(path, sizeof(path), "sh/model-%05d-of-00003.safetensors", s);
		CHECK_OK(gpai_model_probe_file(path, &part, &err), &err);
		gpai_modelinfo_merge(&sum, &part);
		n += agrees_with_python(path, m);
	}
	gpai_model_close(m);
	CHECK_INT(9 * FX_L + 3, n);
	CHECK_U64(FX_PARAMS, sum.n_params);
	CHECK_U64(9 * FX_L + 3, sum.n_tensors);
	CHECK_INT(3, sum.n_files);
}

/* The fixture's claim: one model in all formats, HF q/k in rotate-half
 * row order.  Python decodes and permutes (convert_hf_to_gguf.py). */
TEST(fixture_safetensors_hold_the_gguf_weights_in_hf_layout)
{
	static const struct {
		const char *gg, *hf, *heads;
		double tol;
	} cases[] = {
		{ "blk.1.attn_q.weight", "model.layers.1.self_attn.q_proj.weight", " 4", 0 },
		{ "blk.0.attn_k.weight", "model.layers.0.self_attn.k_proj.weight", " 2", 0 },
		{ "blk.0.attn_v.weight", "model.layers.0.self_attn.v_proj.weight", "", 0 },
		{ "blk.1.ffn_down.weight", "model.layers.1.mlp.down_proj.weight", "", 0 },
		{ "output.weight", "lm_head.weight", "", 0 },
	};
	char args[1024];
	cJSON *py;

	CHECK_INT(0, fixture("gguf m.gguf"));
	CHECK_INT(0, fixture("safetensors s32"));
	CHECK_INT(0, fixture("safetensors sbf --dtype bf16"));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(args, sizeof(args), "compare m.gguf %s s32/model.safetensors %s%s",
			 cases[i].gg, cases[i].hf, cases[i].heads);
		py = pyref(args);
		CHECK(py != NULL);
		CHECK_NEAR(0.0, cJSON_GetObjectItemCaseSensitive(py, "rel")->valuedouble, 0);
		cJSON_Delete(py);
	}
	/* BF16 keeps 8 significant bits: relative error below 2^-8. */
	py = pyref("compare m.gguf blk.0.ffn_up.weight sbf/model.safetensors model.layers.0.mlp.up_proj.weight");
	CHECK(py != NULL);
	CHECK_NEAR(0.0, cJSON_GetObjectItemCaseSensitive(py, "rel")->valuedouble, 1.0 / 256);
	cJSON_Delete(py);
}

/* Each malformed file gpai-fixture writes is rejected with this text. */
TEST(fixture_bad_safetensors_are_rejected)
{
	static const struct {
		const char *kind, *needle;
	} cases[] = {
		{ "safetensors-bad-offsets", "offset 40: tensor 'model.embed_tokens.weight' data_offsets begin at 4, expected 0" },
		{ "safetensors-header-too-long", "offset 0: header length 100000001 exceeds the limit of 100000000 bytes" },
		{ "safetensors-header-past-eof", "offset 0: header length" },
		{ "safetensors-dup-key", "duplicate key 'model.embed_tokens.weight'" },
		{ "safetensors-bad-json", "header is not valid JSON" },
		{ "safetensors-size-mismatch", "tensor 'model.embed_tokens.weight' data_offsets [0, 2048] hold 2048 bytes but F32 shape needs 4096" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gpai_modelinfo info;
		struct gpai_error err;
		char args[256], file[96];

		gpai_error_init(&err);
		snprintf(file, sizeof(file), "%s.safetensors", cases[i].kind);
		snprintf(args, sizeof(args), "bad %s %s", cases[i].kind, file);
		CHECK_INT(0, fixture(args));
		CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file(file, &info, &err), &err, cases[i].needle);
		CHECK(strstr(gpai_errmsg(&err), file) != NULL);
	}
}

/* 8-byte length + header text + data bytes. */
static int write_st(const char *path, const char *hdr, size_t data_len)
{
	size_t n = strlen(hdr);
	unsigned char *b = calloc(1, 8 + n + data_len + 1);
	int rc;

	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)((uint64_t)n >> (8 * i));
	memcpy(b + 8, hdr, n);
	rc = t_write(path, b, 8 + n + data_len);
	free(b);
	return rc;
}

static int st_bad(const char *hdr, size_t data_len, const char *needle)
{
	struct gpai_modelinfo info;
	struct gpai_error err;
	int rc;

	gpai_error_init(&err);
	write_st("x.safetensors", hdr, data_len);
	rc = gpai_model_probe_file("x.safetensors", &info, &err);
	if (rc != GPAI_EFORMAT || !strstr(gpai_errmsg(&err), needle) ||
	    !strstr(gpai_errmsg(&err), "'x.safetensors'")) {
		t_fail(__FILE__, __LINE__, "%s: want \"%s\", got rc %d: %s", hdr, needle, rc,
		       gpai_errmsg(&err));
		return 0;
	}
	return 1;
}

TEST(malformed_safetensors_headers)
{
	struct gpai_modelinfo info;
	struct gpai_error err;
	struct gpai_model *m;

	gpai_error_init(&err);
	/* Valid edge cases first: empty and 0-dim tensors, no tensors. */
	CHECK_INT(0, write_st("ok.safetensors",
			      "{\"e\":{\"dtype\":\"F32\",\"shape\":[0,4],\"data_offsets\":[0,0]},"
			      "\"s\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},"
			      "\"f\":{\"dtype\":\"F4\",\"shape\":[4],\"data_offsets\":[8,10]}}", 10));
	CHECK_OK(gpai_model_open("ok.safetensors", &m, &err), &err);
	CHECK_INT(3, gpai_model_tensor_count(m));
	CHECK_INT(0, gpai_model_find(m, "s")->n_dims);
	CHECK_U64(1, gpai_model_find(m, "s")->n_elements);
	CHECK_U64(2, gpai_model_find(m, "f")->nbytes);
	gpai_model_close(m);
	CHECK_INT(0, write_st("none.safetensors", "{}", 0));
	CHECK_OK(gpai_model_probe_file("none.safetensors", &info, &err), &err);
	CHECK_U64(0, info.n_tensors);

	CHECK(st_bad("[1,2]", 0, "offset 8: header is not a JSON object"));
	CHECK(st_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}\xff}", 4,
		     "offset 8: header is not valid UTF-8"));
	CHECK(st_bad("{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
		     "offset 9: tensor 'a' has unknown dtype F33"));
	CHECK(st_bad("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor 'a' has no dtype"));
	CHECK(st_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
		     "shape holds a value that is not a non-negative integer"));
	CHECK(st_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4,
		     "shape holds a value"));
	CHECK(st_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4,
		     "more than 8 dimensions"));
	CHECK(st_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4,
		     "data_offsets is not [begin, end] with begin <= end"));
	CHECK(st_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":\"0-4\"}}", 4,
		     "data_offsets is not"));
	CHECK(st_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],"
		     "\"data_offsets\":[0,4]}}", 4, "tensor 'a' dimensions overflow"));
	CHECK(st_bad("{\"a\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2,
		     "not a whole number of bytes"));
	CHECK(st_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
		     "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", 6,
		     "tensor 'b' data_offsets begin at 2, expected 4"));
	CHECK(st_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 9,
		     "tensor data ends at 4 but the file has 9 bytes after the header"));
	CHECK(st_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4,
		     "tensor data ends at 8 but the file has 4 bytes after the header"));
	CHECK(st_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"dtype\":\"F16\"}}", 4,
		     "duplicate key 'dtype'"));
	CHECK(st_bad("{\"__metadata__\":{\"k\":1}}", 0, "__metadata__ value 'k' is not a string"));
	CHECK(st_bad("{\"__metadata__\":[]}", 0, "__metadata__ is not an object"));
	CHECK(st_bad("{\"a\":5}", 0, "tensor 'a' is not an object"));
	CHECK_INT(0, t_write("short.safetensors", "\x10\x00\x00", 3));
	CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("short.safetensors", &info, &err), &err,
		  "'short.safetensors': offset 0: safetensors header length truncated");
}

/* Writes text to path. */
static void put_text(const char *path, const char *text)
{
	t_write(path, text, strlen(text));
}

TEST(malformed_shard_index)
{
	struct gpai_modelinfo info;
	struct gpai_error err;
	const char *one = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
	const char *two = "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
			  "\"c\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";

	gpai_error_init(&err);
	CHECK_INT(0, write_st("s1.safetensors", one, 4));
	CHECK_INT(0, write_st("s2.safetensors", two, 8));
	put_text("i.safetensors.index.json",
		 "{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\",\"c\":\"s2.safetensors\"}}");
	CHECK_OK(gpai_model_probe_file("i.safetensors.index.json", &info, &err), &err);
	CHECK_U64(3, info.n_params);
	CHECK_INT(2, info.n_files);

	put_text("i.safetensors.index.json", "{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}}");
	CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("i.safetensors.index.json", &info, &err), &err,
		  "tensor 'c' of shard 's2.safetensors' is not in the weight_map");
	put_text("i.safetensors.index.json",
		 "{\"weight_map\":{\"a\":\"s2.safetensors\",\"b\":\"s2.safetensors\",\"c\":\"s2.safetensors\"}}");
	CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("i.safetensors.index.json", &info, &err), &err,
		  "weight_map names tensor 'a', which shard 's2.safetensors' does not hold");
	put_text("i.safetensors.index.json",
		 "{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s1.safetensors\",\"c\":\"s2.safetensors\"}}");
	CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("i.safetensors.index.json", &info, &err), &err,
		  "weight_map puts tensor 'b' in 's1.safetensors' but it is in 's2.safetensors'");
	put_text("i.safetensors.index.json", "{\"weight_map\":{\"a\":\"../s1.safetensors\"}}");
	CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("i.safetensors.index.json", &info, &err), &err,
		  "weight_map['a'] is not a relative shard file name");
	put_text("i.safetensors.index.json", "{\"weight_map\":{\"a\":\"/etc/passwd\"}}");
	CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("i.safetensors.index.json", &info, &err), &err,
		  "is not a relative shard file name");
	put_text("i.safetensors.index.json", "{\"weight_map\":{\"a\":\"gone.safetensors\"}}");
	CHECK_ERR(GPAI_ENOTFOUND, gpai_model_probe_file("i.safetensors.index.json", &info, &err), &err,
		  "gone.safetensors");
	put_text("i.safetensors.index.json", "{\"weight_map\":{\"a\":\"s1.safetensors\",\"a\":\"s1.safetensors\"}}");
	CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("i.safetensors.index.json", &info, &err), &err,
		  "duplicate key 'a'");
	put_text("i.safetensors.index.json", "{\"metadata\":{}}");
	CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("i.safetensors.index.json", &info, &err), &err,
		  "'i.safetensors.index.json': field 'weight_map' is missing");
	put_text("i.safetensors.index.json", "{\"weight_map\":{}}");
	CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("i.safetensors.index.json", &info, &err), &err,
		  "weight_map is empty");
	put_text("i.safetensors.index.json", "{\"weight_map\": {\"a\" 1}}");
	CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("i.safetensors.index.json", &info, &err), &err,
		  "is not valid JSON (byte offset");
	/* A broken shard is named. */
	CHECK_INT(0, write_st("s1.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4));
	put_text("i.safetensors.index.json", "{\"weight_map\":{\"a\":\"s1.safetensors\"}}");
	CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("i.safetensors.index.json", &info, &err), &err,
		  "shard of 'i.safetensors.index.json': 's1.safetensors': offset 9: tensor 'a'");
}

TEST(tied_safetensors_without_lm_head)
{
	struct gpai_modelinfo info;
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_INT(0, fixture("safetensors tied --tied"));
	CHECK_OK(gpai_model_probe_file("tied", &info, &err), &err);
	CHECK_INT(1, info.tied_embeddings);
	CHECK_U64(FX_PARAMS - FX_V * FX_D, info.n_params);
	CHECK_U64(9 * FX_L + 2, info.n_tensors);
}

/* Many tensors: all read, and an error in the last one names the byte
 * offset of its key (found with strstr on the header the test wrote). */
TEST(many_tensors_and_the_offset_of_the_last)
{
	enum { N = 5000 };
	struct gpai_buf h;
	struct gpai_modelinfo info;
	struct gpai_error err;
	char needle[128];
	const char *last;

	gpai_error_init(&err);
	gpai_buf_init(&h);
	gpai_buf_puts(&h, "{");
	for (int i = 0; i < N; i++)
		gpai_buf_printf(&h, "%s\"layers.%d.w\":{\"dtype\":\"%s\",\"shape\":[2],\"data_offsets\":[%d,%d]}",
				i ? "," : "", i, i == N - 1 ? "F99" : "F32", 8 * i, 8 * i + 8);
	gpai_buf_puts(&h, "}");
	CHECK_INT(0, write_st("many.safetensors", h.data, 8 * N));
	last = strstr(h.data, "\"layers.4999.w\"");
	CHECK(last != NULL);
	snprintf(needle, sizeof(needle), "offset %zu: tensor 'layers.4999.w' has unknown dtype F99",
		 (size_t)(8 + (last - h.data)));
	CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file("many.safetensors", &info, &err), &err, needle);
	/* The same with a valid last dtype: every tensor counted. */
	memcpy(strstr(h.data, "F99"), "F32", 3);
	CHECK_INT(0, write_st("many.safetensors", h.data, 8 * N));
	CHECK_OK(gpai_model_probe_file("many.safetensors", &info, &err), &err);
	CHECK_U64(N, info.n_tensors);
	CHECK_U64(2 * N, info.n_params);
	gpai_buf_release(&h);
}
