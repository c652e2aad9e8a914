/* test_inference_gguf.c - the GGUF reader on the real stories260K file,
 * the llama.cpp vocab files, and every malformed header. */
#include "common.h"
#include "inference.h"
#include "harness.h"
#include "fixture_run.h"
#include "gguf_build.h"
#include "pyref.h"

#include <stdlib.h>

#include <openssl/evp.h>

#define STORIES_GGUF "models/stories260K/stories260K.gguf"

/* Published config of stories260K (shared/models/stories260K/SOURCE.md):
 * dim 64, hidden_dim 172, 5 layers, 8 heads, 4 kv heads, vocab 512. */
enum { D = 64, HID = 172, L = 5, NH = 8, NKV = 4, V = 512 };
#define KVD (D * NKV / NH)
/* token embedding + per layer (2 norms, wq, wk, wv, wo, w1, w2, w3) + final norm */
#define STORIES_PARAMS (V * D + L * (2 * D + D * D + 2 * KVD * D + D * D + 3 * HID * D) + D)

TEST(stories_gguf_counts_match_config_and_python)
{
	struct gpai_modelinfo info;
	struct gpai_error err;
	cJSON *py, *same;

	if (!t_have_shared(STORIES_GGUF)) {
		t_fail(__FILE__, __LINE__, "missing %s", t_shared(STORIES_GGUF));
		return;
	}
	gpai_error_init(&err);
	CHECK_OK(gpai_model_probe_file(t_shared(STORIES_GGUF), &info, &err), &err);
	CHECK_STR("gguf", info.format);
	CHECK_STR("llama", info.architecture);
	CHECK_STR("F32", info.dtypes);
	CHECK_U64(48, info.n_tensors);
	CHECK_INT(260032, STORIES_PARAMS);
	/* The GGUF stores the tied classifier as its own tensor: V * D more. */
	CHECK_U64(STORIES_PARAMS + V * D, info.n_params);
	CHECK_U64(292800, info.n_params);
	CHECK_U64(STORIES_PARAMS, info.n_params_distinct);
	CHECK_U64(4ull * 292800, info.n_bytes);
	CHECK_INT(1, info.tied_embeddings);
	CHECK(strstr(info.note, "byte-identical") != NULL);
	CHECK(strstr(info.note, "260032") != NULL);
	CHECK_INT(L, info.n_layers);
	CHECK_INT(D, info.hidden_size);
	CHECK_INT(HID, info.ffn_hidden_size);
	CHECK_INT(NH, info.n_heads);
	CHECK_INT(NKV, info.n_kv_heads);
	CHECK_INT(V, info.vocab_size);
	CHECK_INT(2048, info.context_length); /* SOURCE.md: the converter's value */
	CHECK_STR("llama", info.tokenizer);

	{
		char args[2048];

		snprintf(args, sizeof(args), "gguf '%s'", t_shared(STORIES_GGUF));
		py = pyref(args);
		CHECK(py != NULL);
		CHECK_INT(48, pyref_int(py, "n_tensors"));
		CHECK_INT((long long)info.n_params, pyref_int(py, "n_params"));
		CHECK_INT(14176, pyref_int(py, "data_start")); /* SOURCE.md */
		cJSON_Delete(py);
		snprintf(args, sizeof(args), "same '%s' output.weight token_embd.weight",
			 t_shared(STORIES_GGUF));
		same = pyref(args);
		CHECK(same != NULL);
		CHECK_INT(1, pyref_int(same, "same"));
		cJSON_Delete(same);
	}
}

TEST(stories_gguf_handle_gives_tensors_and_metadata)
{
	struct gpai_model *m = NULL;
	struct gpai_error err;
	const struct gpai_tensor *t;
	const struct gpai_strref *tok;
	const float *scores;
	const int32_t *types;
	struct gpai_strref s;
	size_t n;
	uint32_t u;
	float eps;
	int64_t i64;
	char args[2048];
	cJSON *py, *pt, *it;

	gpai_error_init(&err);
	CHECK_OK(gpai_model_open(t_shared(STORIES_GGUF), &m, &err), &err);
	CHECK_STR("gguf", gpai_model_format(m));
	CHECK_INT(1, gpai_model_file_count(m));
	CHECK_INT(48, gpai_model_tensor_count(m));
	CHECK(gpai_model_llama2c(m) == NULL);
	t = gpai_model_find(m, "token_embd.weight");
	CHECK(t != NULL);
	CHECK_INT(GPAI_DTYPE_F32, t->dtype);
	CHECK_INT(2, t->n_dims);
	CHECK_INT(V, t->shape[0]);
	CHECK_INT(D, t->shape[1]);
	CHECK_U64(V * D, t->n_elements);
	CHECK_U64(4 * V * D, t->nbytes);
	CHECK_INT(0, (int)((uintptr_t)t->data % 32));
	t = gpai_model_find(m, "blk.2.ffn_down.weight");
	CHECK(t != NULL);
	CHECK_INT(D, t->shape[0]);    /* [out][in] = [dim][hidden] */
	CHECK_INT(HID, t->shape[1]);
	CHECK(gpai_model_find(m, "blk.5.ffn_down.weight") == NULL);
	/* Every tensor's offset and shape agree with the Python reader. */
	snprintf(args, sizeof(args), "gguf '%s'", t_shared(STORIES_GGUF));
	py = pyref(args);
	CHECK(py != NULL);
	pt = cJSON_GetObjectItemCaseSensitive(py, "tensors");
	n = 0;
	cJSON_ArrayForEach(it, pt) {
		const char *name = cJSON_GetObjectItemCaseSensitive(it, "name")->valuestring;
		const cJSON *shape = cJSON_GetObjectItemCaseSensitive(it, "shape");

		t = gpai_model_find(m, name);
		if (!t)
			break;
		if ((long long)t->file_offset != pyref_int(it, "offset") ||
		    (long long)t->nbytes != pyref_int(it, "nbytes") ||
		    t->n_dims != cJSON_GetArraySize(shape) ||
		    t->shape[0] != (int64_t)cJSON_GetArrayItem(shape, 0)->valuedouble)
			break;
		n++;
	}
	cJSON_Delete(py);
	CHECK_INT(48, n);

	CHECK_OK(gpai_model_meta_str(m, "general.architecture", &s, &err), &err);
	CHECK_INT(5, s.len);
	CHECK(memcmp(s.s, "llama", 5) == 0);
	CHECK_OK(gpai_model_meta_u32(m, "llama.rope.dimension_count", &u, &err), &err);
	CHECK_INT(8, u);
	CHECK_OK(gpai_model_meta_i64(m, "tokenizer.ggml.bos_token_id", &i64, &err), &err);
	CHECK_INT(1, i64);
	CHECK_OK(gpai_model_meta_f32(m, "llama.attention.layer_norm_rms_epsilon", &eps, &err), &err);
	CHECK_NEAR(1e-5, eps, 1e-12);
	CHECK_ERR(GPAI_ENOTFOUND, gpai_model_meta_u32(m, "llama.nope", &u, &err), &err, "llama.nope");
	CHECK_ERR(GPAI_EFORMAT, gpai_model_meta_u32(m, "general.architecture", &u, &err), &err,
		  "general.architecture");
	CHECK_OK(gpai_model_meta_str_array(m, "tokenizer.ggml.tokens", &tok, &n, &err), &err);
	CHECK_INT(V, n);
	CHECK(tok[1].len == 3 && memcmp(tok[1].s, "<s>", 3) == 0);
	CHECK(tok[3].len == 6 && memcmp(tok[3].s, "<0x00>", 6) == 0);
	CHECK_OK(gpai_model_meta_f32_array(m, "tokenizer.ggml.scores", &scores, &n, &err), &err);
	CHECK_INT(V, n);
	/* SOURCE.md: scores 0 for ids 0..258, then -0, -1, ... -252. */
	CHECK_NEAR(0.0, scores[258], 0);
	CHECK_NEAR(-252.0, scores[511], 0);
	CHECK_OK(gpai_model_meta_i32_array(m, "tokenizer.ggml.token_type", &types, &n, &err), &err);
	CHECK_INT(V, n);
	CHECK_ERR(GPAI_EFORMAT, gpai_model_meta_f32_array(m, "tokenizer.ggml.tokens", &scores, &n, &err),
		  &err, "tokenizer.ggml.tokens");
	gpai_model_close(m);
}

/* The llama.cpp vocab files in shared/reference/tokenizer are not the
 * upstream bytes: every byte sequence that was not valid UTF-8 became
 * U+FFFD (EF BF BD), so the first binary float breaks the header.  The
 * reader must reject them at the same offset as the Python reader, and
 * that offset must hold the replacement character. */
static void check_mangled(const char *rel, const char *offset_text)
{
	struct gpai_modelinfo info;
	struct gpai_error err;
	struct gpai_map map;
	char args[2048], needle[64];
	cJSON *py;
	long long off;

	if (!t_have_shared(rel)) {
		t_fail(__FILE__, __LINE__, "missing %s", t_shared(rel));
		return;
	}
	gpai_error_init(&err);
	snprintf(args, sizeof(args), "gguf '%s'", t_shared(rel));
	py = pyref(args);
	CHECK(py != NULL);
	off = pyref_int(py, "offset");
	cJSON_Delete(py);
	snprintf(needle, sizeof(needle), "offset %lld:", off);
	CHECK_STR(offset_text, needle);
	CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file(t_shared(rel), &info, &err), &err, needle);
	CHECK(strstr(gpai_errmsg(&err), rel) != NULL);
	/* The value just before the failing length is the mangled float. */
	CHECK_OK(gpai_map_open(&map, t_shared(rel), &err), &err);
	{
		int found = 0;

		for (long long i = off - 8; i + 3 <= off; i++)
			found |= memcmp(map.data + i, "\xef\xbf\xbd", 3) == 0;
		CHECK(found);
	}
	gpai_map_close(&map);
}

TEST(llamacpp_vocab_ggufs_are_mangled_and_rejected_where_python_fails)
{
	check_mangled("reference/tokenizer/ggml-vocab-llama-spm.gguf", "offset 399:");
	if (t_failed)
		return;
	check_mangled("reference/tokenizer/ggml-vocab-gpt-2.gguf", "offset 339:");
}

/* A small valid GGUF: 2 tensors, a vocab, alignment 32. */
static void build_small(struct gb *b, uint32_t type_a)
{
	uint64_t ne_a[2] = { 32, 2 }, ne_b[1] = { 8 };

	gb_header(b, 2, 3);
	gb_kv_str(b, "general.architecture", "llama");
	gb_kv_u32(b, "llama.block_count", 1);
	gb_str(b, "tokenizer.ggml.tokens");
	gb_u32(b, 9);
	gb_u32(b, 8);
	gb_u64(b, 3);
	gb_str(b, "a");
	gb_str(b, "b");
	gb_str(b, "c");
	gb_tensor(b, "a.weight", 2, ne_a, type_a, 0);
	gb_tensor(b, "b.weight", 1, ne_b, 0, 512);
	gb_data(b, 32, 512 + 32, 1);
}

TEST(small_gguf_and_vocab_only_gguf)
{
	struct gb b = { 0 };
	struct gpai_modelinfo info;
	struct gpai_error err;
	struct gpai_model *m;
	const struct gpai_tensor *t;

	gpai_error_init(&err);
	build_small(&b, 8 /* Q8_0 */);
	CHECK_INT(0, t_write("s.gguf", b.p, b.n));
	CHECK_OK(gpai_model_probe_file("s.gguf", &info, &err), &err);
	CHECK_U64(2, info.n_tensors);
	CHECK_U64(64 + 8, info.n_params);
	CHECK_STR("Q8_0,F32", info.dtypes);
	CHECK_INT(3, info.vocab_size);
	CHECK_INT(1, info.n_layers);
	CHECK_OK(gpai_model_open("s.gguf", &m, &err), &err);
	t = gpai_model_find(m, "a.weight");
	CHECK(t != NULL);
	CHECK_U64(2 * 34, t->nbytes); /* 2 rows of one Q8_0 block */
	CHECK_INT(2, t->shape[0]);
	CHECK_INT(32, t->shape[1]);
	gpai_model_close(m);
	free(b.p);

	/* Vocab only: 0 tensors, the vocab size from the token array. */
	memset(&b, 0, sizeof(b));
	gb_header(&b, 0, 2);
	gb_kv_str(&b, "general.architecture", "gpt2");
	gb_str(&b, "tokenizer.ggml.tokens");
	gb_u32(&b, 9);
	gb_u32(&b, 8);
	gb_u64(&b, 2);
	gb_str(&b, "x");
	gb_str(&b, "\xc4\xa0y");
	CHECK_INT(0, t_write("v.gguf", b.p, b.n));
	free(b.p);
	CHECK_OK(gpai_model_probe_file("v.gguf", &info, &err), &err);
	CHECK_STR("gguf", info.format);
	CHECK_U64(0, info.n_tensors);
	CHECK_U64(0, info.n_params);
	CHECK_INT(2, info.vocab_size);
	CHECK_STR("gpt2", info.architecture);
}

/* Writes b, probes it, expects GPAI_EFORMAT naming file and offset. */
static int expect_bad(struct gb *b, const char *file, const char *needle)
{
	struct gpai_modelinfo info;
	struct gpai_error err;
	struct gpai_model *m = NULL;
	int rc;

	gpai_error_init(&err);
	t_write(file, b->p, b->n);
	free(b->p);
	memset(b, 0, sizeof(*b));
	rc = gpai_model_probe_file(file, &info, &err);
	if (rc != GPAI_EFORMAT || !strstr(gpai_errmsg(&err), needle) ||
	    !strstr(gpai_errmsg(&err), file)) {
		t_fail(__FILE__, __LINE__, "%s: want EFORMAT with \"%s\", got rc %d: %s",
		       file, needle, rc, gpai_errmsg(&err));
		return 0;
	}
	rc = gpai_model_open(file, &m, &err);
	if (rc != GPAI_EFORMAT || m) {
		t_fail(__FILE__, __LINE__, "%s: open gave rc %d", file, rc);
		return 0;
	}
	return 1;
}

TEST(malformed_gguf_headers_are_rejected_with_offsets)
{
	struct gb b = { 0 };
	uint64_t ne[2] = { 32, 2 }, big[5] = { 1ull << 62, 1ull << 62, 4, 1, 1 };

	gb_header(&b, 0, 0);
	b.n = 20;
	CHECK(expect_bad(&b, "trunc.gguf", "offset 20: GGUF header truncated"));

	gb_header(&b, 1ull << 40, 0);
	CHECK(expect_bad(&b, "huge.gguf", "offset 8: tensor count 1099511627776 is absurd"));

	gb_header(&b, 0, 1ull << 40);
	CHECK(expect_bad(&b, "hugekv.gguf", "offset 16: key/value count"));

	gb_header(&b, 0, 1);
	gb_u64(&b, 1000);
	gb_raw(&b, "general", 7);
	CHECK(expect_bad(&b, "keyeof.gguf", "offset 24: key length 1000 runs past the end"));

	gb_header(&b, 0, 1);
	gb_str(&b, "k");
	gb_u32(&b, 8);
	gb_u64(&b, 1ull << 50);
	CHECK(expect_bad(&b, "streof.gguf", "offset 37: string value length"));

	gb_header(&b, 0, 1);
	gb_str(&b, "bad\xff");
	gb_u32(&b, 4);
	gb_u32(&b, 1);
	CHECK(expect_bad(&b, "utf8.gguf", "offset 24: key is empty or not valid UTF-8"));

	gb_header(&b, 0, 1);
	gb_str(&b, "k");
	gb_u32(&b, 9);
	gb_u32(&b, 4);
	gb_u64(&b, 1ull << 40);
	CHECK(expect_bad(&b, "arreof.gguf", "offset 41: array length 1099511627776 runs past"));

	gb_header(&b, 0, 1);
	gb_str(&b, "k");
	gb_u32(&b, 13);
	CHECK(expect_bad(&b, "vtype.gguf", "offset 37: unknown value type 13"));

	gb_header(&b, 0, 1);
	gb_str(&b, "k");
	gb_u32(&b, 7);
	gb_u8(&b, 2);
	CHECK(expect_bad(&b, "bool.gguf", "offset 37: bool value 2"));

	gb_header(&b, 0, 1);
	gb_str(&b, "k");
	gb_u32(&b, 9);                 /* value type: array */
	for (int i = 0; i < 6; i++) {  /* arrays of one array each */
		gb_u32(&b, 9);
		gb_u64(&b, 1);
	}
	gb_u32(&b, 4);                 /* innermost: empty u32 array */
	gb_u64(&b, 0);
	gb_raw(&b, "pad-pad-pad-pad-", 16);
	CHECK(expect_bad(&b, "nest.gguf", "arrays nested deeper than 4"));

	gb_header(&b, 0, 2);
	gb_kv_u32(&b, "k", 1);
	gb_kv_u32(&b, "k", 2);
	CHECK(expect_bad(&b, "dupkey.gguf", "offset 41: duplicate metadata key 'k'"));

	gb_header(&b, 0, 1);
	gb_kv_u32(&b, "general.alignment", 24);
	CHECK(expect_bad(&b, "align.gguf", "general.alignment 24 is not a power of two"));

	gb_header(&b, 2, 0);
	gb_tensor(&b, "t", 2, ne, 0, 0);
	gb_tensor(&b, "t", 2, ne, 0, 256);
	gb_data(&b, 32, 512, 0);
	CHECK(expect_bad(&b, "dup.gguf", "offset 65: duplicate tensor name 't'"));

	gb_header(&b, 1, 0);
	gb_tensor(&b, "t", 2, ne, 5, 0);
	gb_data(&b, 32, 256, 0);
	CHECK(expect_bad(&b, "type.gguf", "offset 53: tensor 't' has unknown ggml type 5"));

	gb_header(&b, 1, 0);
	gb_tensor(&b, "t", 2, ne, 0, 16);
	gb_data(&b, 32, 512, 0);
	CHECK(expect_bad(&b, "misalign.gguf", "offset 57: tensor 't' offset 16 is not a multiple of the alignment 32"));

	gb_header(&b, 1, 0);
	gb_tensor(&b, "t", 2, ne, 0, 0);
	gb_data(&b, 32, 100, 0);
	CHECK(expect_bad(&b, "short.gguf", "offset 57: tensor 't' data [96, +256) runs past the end"));

	gb_header(&b, 1, 0);
	gb_tensor(&b, "t", 4, big, 0, 0);
	gb_data(&b, 32, 64, 0);
	CHECK(expect_bad(&b, "dims.gguf", "tensor 't' dimensions overflow"));

	gb_header(&b, 1, 0);
	gb_tensor(&b, "t", 5, big, 0, 0);
	CHECK(expect_bad(&b, "ndims.gguf", "offset 33: tensor 't' has 5 dimensions"));

	gb_header(&b, 1, 0);
	gb_tensor(&b, "t\xc3", 2, ne, 0, 0);
	CHECK(expect_bad(&b, "tname.gguf", "offset 24: tensor name is not valid UTF-8"));

	gb_header(&b, 1, 0);
	ne[0] = 33;
	gb_tensor(&b, "q", 2, ne, 8, 0);
	gb_data(&b, 32, 256, 0);
	CHECK(expect_bad(&b, "blocks.gguf", "not a whole number of Q8_0 blocks of 32"));

	gb_header(&b, 2, 0);
	ne[0] = 32;
	gb_tensor(&b, "a", 2, ne, 0, 0);
	gb_tensor(&b, "b", 2, ne, 0, 128);
	gb_data(&b, 32, 512, 0);
	CHECK(expect_bad(&b, "overlap.gguf", "tensor 'b' data overlaps tensor 'a'"));

	gb_raw(&b, "GGUF", 4);
	gb_u32(&b, 3u << 24);
	gb_u64(&b, 0);
	gb_u64(&b, 0);
	CHECK(expect_bad(&b, "bigend.gguf", "offset 4: unsupported GGUF version 50331648 (big-endian file?)"));
}

TEST(dtype_table_matches_ggml_block_sizes)
{
	uint32_t be, bb;

	/* ggml.c type_traits: Q4_0 32 elements in 18 bytes, Q8_0 32 in 34,
	 * Q4_K 256 in 144, Q6_K 256 in 210; safetensors F4 is 4 bits. */
	CHECK_OK(gpai_dtype_block(GPAI_DTYPE_Q4_0, &be, &bb), NULL);
	CHECK_INT(32, be);
	CHECK_INT(18 * 8, bb);
	CHECK_OK(gpai_dtype_block(GPAI_DTYPE_Q8_0, &be, &bb), NULL);
	CHECK_INT(34 * 8, bb);
	CHECK_OK(gpai_dtype_block(GPAI_DTYPE_Q4_K, &be, &bb), NULL);
	CHECK_INT(256, be);
	CHECK_INT(144 * 8, bb);
	CHECK_OK(gpai_dtype_block(GPAI_DTYPE_Q6_K, &be, &bb), NULL);
	CHECK_INT(210 * 8, bb);
	CHECK_OK(gpai_dtype_block(GPAI_DTYPE_F4, &be, &bb), NULL);
	CHECK_INT(4, bb);
	CHECK_INT(GPAI_EMISUSE, gpai_dtype_block(4, &be, &bb));
	CHECK_INT(GPAI_EMISUSE, gpai_dtype_block(GPAI_DTYPE_Q8_GROUP, &be, &bb));
	CHECK_STR("BF16", gpai_dtype_name(GPAI_DTYPE_BF16));
	CHECK(gpai_dtype_name(5) == NULL);
}

TEST(unrecognised_file_is_opaque)
{
	struct gpai_modelinfo info;
	struct gpai_error err;

	gpai_error_init(&err);
	CHECK_INT(0, t_write("notes.txt", "hello world, not a model\n", 25));
	CHECK_OK(gpai_model_probe_file("notes.txt", &info, &err), &err);
	CHECK_STR("opaque", info.format);
	CHECK_U64(0, info.n_params);
	CHECK_INT(0, t_write("empty", "", 0));
	CHECK_OK(gpai_model_probe_file("empty", &info, &err), &err);
	CHECK_STR("opaque", info.format);
	CHECK_ERR(GPAI_ENOTFOUND, gpai_model_probe_file("missing.gguf", &info, &err), &err,
		  "missing.gguf");
}

/* gpai-fixture GGUFs in every type: counts from the fixture shape, every
 * tensor where the Python reader finds it, and the quantized weights
 * within the format's error bound of the float ones (Python dequantizes). */
TEST(fixture_gguf_types_agree_with_python)
{
	/* --dim 32: rows of 32 and 64 elements, so every matrix quantizes. */
	enum { QD = 32, QH = 64, QL = 2, QKV = QD * 2 / 4, QV = 32 };
	static const struct {
		const char *type, *dtypes;
		double bound; /* max |q - w| / max |w| */
	} cases[] = {
		{ "f32", "F32", 0 },
		{ "f16", "F16,F32", 1.0 / 2048 },   /* 11 significant bits */
		/* Quantized: the rounding bound plus the fp16 rounding (2^-11
		 * relative) of the block scale d, times the largest |q|. */
		{ "q8_0", "Q8_0,F32", 0.5 / 127 + 1.0 / 2048 }, /* half a step of amax/127 */
		{ "q4_0", "Q4_0,F32", 1.0 / 8 + 1.0 / 2048 },   /* clamp at 15: a step of amax/8 */
	};
	const uint64_t params = 2 * QV * QD + QL * (2 * QD + 2 * QD * QD + 2 * QKV * QD + 3 * QH * QD) + QD;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gpai_modelinfo info;
		struct gpai_error err;
		struct gpai_model *m = NULL;
		char args[512], file[32];
		cJSON *py, *it;
		size_t n = 0;

		gpai_error_init(&err);
		snprintf(file, sizeof(file), "m-%s.gguf", cases[i].type);
		snprintf(args, sizeof(args), "gguf %s --type %s --dim %d --hidden %d", file,
			 cases[i].type, QD, QH);
		CHECK_INT(0, fixture(args));
		CHECK_OK(gpai_model_probe_file(file, &info, &err), &err);
		CHECK_STR(cases[i].dtypes, info.dtypes);
		CHECK_U64(params, info.n_params);
		CHECK_U64(9 * QL + 3, info.n_tensors);
		CHECK_INT(0, info.tied_embeddings);
		CHECK_INT(QL, info.n_layers);
		CHECK_INT(QD, info.hidden_size);
		CHECK_INT(QH, info.ffn_hidden_size);
		CHECK_INT(4, info.n_heads);
		CHECK_INT(2, info.n_kv_heads);
		CHECK_INT(QV, info.vocab_size);
		CHECK_INT(64, info.context_length);
		CHECK_OK(gpai_model_open(file, &m, &err), &err);
		snprintf(args, sizeof(args), "gguf %s", file);
		py = pyref(args);
		CHECK(py != NULL);
		CHECK_INT((long long)info.n_params, pyref_int(py, "n_params"));
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(py, "tensors")) {
			const struct gpai_tensor *t = gpai_model_find(m,
				cJSON_GetObjectItemCaseSensitive(it, "name")->valuestring);

			if (t && (long long)t->file_offset == pyref_int(it, "offset") &&
			    (long long)t->nbytes == pyref_int(it, "nbytes") &&
			    strcmp(gpai_dtype_name(t->dtype),
				   cJSON_GetObjectItemCaseSensitive(it, "type")->valuestring) == 0)
				n++;
		}
		cJSON_Delete(py);
		gpai_model_close(m);
		CHECK_INT(9 * QL + 3, n);
		if (i == 0)
			continue;
		for (int k = 0; k < 3; k++) {
			static const char *const names[] = { "blk.1.attn_q.weight",
							     "blk.0.ffn_down.weight", "output.weight" };

			snprintf(args, sizeof(args), "compare m-f32.gguf %s %s %s", names[k], file,
				 names[k]);
			py = pyref(args);
			CHECK(py != NULL);
			CHECK_NEAR(0.0, cJSON_GetObjectItemCaseSensitive(py, "rel")->valuedouble,
				   cases[i].bound + 1e-6);
			cJSON_Delete(py);
		}
	}
}

TEST(fixture_gguf_vocab_and_hyperparameters)
{
	struct gpai_model *m = NULL;
	struct gpai_error err;
	const struct gpai_strref *tok;
	const float *sc;
	const int32_t *ty;
	size_t n;
	float f;
	uint32_t u;

	gpai_error_init(&err);
	CHECK_INT(0, fixture("gguf v.gguf"));
	CHECK_OK(gpai_model_open("v.gguf", &m, &err), &err);
	CHECK_OK(gpai_model_meta_str_array(m, "tokenizer.ggml.tokens", &tok, &n, &err), &err);
	CHECK_INT(FX_V, n);
	CHECK(tok[2].len == 4 && memcmp(tok[2].s, "</s>", 4) == 0);
	CHECK(tok[3].len == 6 && memcmp(tok[3].s, "<0x0A>", 6) == 0);
	CHECK_OK(gpai_model_meta_f32_array(m, "tokenizer.ggml.scores", &sc, &n, &err), &err);
	CHECK_INT(FX_V, n);
	CHECK(sc[11] > sc[12]); /* earlier pieces merge first */
	CHECK_OK(gpai_model_meta_i32_array(m, "tokenizer.ggml.token_type", &ty, &n, &err), &err);
	CHECK_INT(3, ty[1]);   /* control */
	CHECK_INT(6, ty[3]);   /* byte */
	CHECK_INT(1, ty[20]);  /* normal */
	CHECK_OK(gpai_model_meta_f32(m, "llama.rope.freq_base", &f, &err), &err);
	CHECK_NEAR(10000.0, f, 0);
	CHECK_OK(gpai_model_meta_u32(m, "llama.rope.dimension_count", &u, &err), &err);
	CHECK_INT(FX_D / FX_NH, u);
	CHECK_OK(gpai_model_meta_u32(m, "general.alignment", &u, &err), &err);
	CHECK_INT(32, u);
	gpai_model_close(m);
}

TEST(fixture_bad_ggufs_are_rejected)
{
	static const struct {
		const char *kind, *needle;
	} cases[] = {
		{ "gguf-truncated", "tensor name length 17 runs past the end of the file" },
		{ "gguf-huge-count", "offset 8: tensor count 1099511627776 is absurd" },
		{ "gguf-string-past-eof", "string value length 1099511627776 runs past the end" },
		{ "gguf-bad-utf8", "tensor name is not valid UTF-8" },
		{ "gguf-dup-tensor", "duplicate tensor name 'blk.0.attn_norm.weight'" },
		{ "gguf-unknown-type", "tensor 'token_embd.weight' has unknown ggml type 5" },
		{ "gguf-misaligned", "tensor 'token_embd.weight' offset 1 is not a multiple of the alignment 32" },
		{ "gguf-data-past-eof", "tensor 'output.weight' data" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct gpai_modelinfo info;
		struct gpai_error err;
		char args[256], file[64];

		gpai_error_init(&err);
		snprintf(file, sizeof(file), "%s.gguf", cases[i].kind);
		snprintf(args, sizeof(args), "bad %s %s", cases[i].kind, file);
		CHECK_INT(0, fixture(args));
		CHECK_ERR(GPAI_EFORMAT, gpai_model_probe_file(file, &info, &err), &err, cases[i].needle);
		CHECK(strstr(gpai_errmsg(&err), file) != NULL);
		CHECK(strstr(gpai_errmsg(&err), ": offset ") != NULL);
	}
}

/* Path of reference/tokenizer/ggml-vocab-NAME.gguf. */
static const char *t_shared2(const char *name)
{
	static char rel[128];

	snprintf(rel, sizeof(rel), "reference/tokenizer/ggml-vocab-%s.gguf", name);
	return t_shared(rel);
}

/* tests/vocab_repair.py rebuilds the mangled vocab files; the result must
 * be upstream's bytes (the sha256 of llama.cpp's git-lfs pointers for
 * models/ggml-vocab-*.gguf, github.com/ggml-org/llama.cpp commit 0dc0e9aa),
 * and then a vocab-only GGUF: 0 tensors, the vocab size SOURCE.md states
 * and the Python reader counts. */
static void check_repaired(const char *name, const char *sha256, const char *arch,
			   long long vocab)
{
	struct gpai_modelinfo info;
	struct gpai_error err;
	struct gpai_map map;
	unsigned char md[32];
	char hex[65], cmd[2048], out[64];
	const char *top = getenv("GPAI_TOP");
	cJSON *py;

	gpai_error_init(&err);
	snprintf(out, sizeof(out), "%s.gguf", name);
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s/tests/vocab_repair.py' '%s' %s",
		 top ? top : ".", t_shared2(name), out);
	CHECK_INT(0, system(cmd));
	CHECK_OK(gpai_map_open(&map, out, &err), &err);
	CHECK(EVP_Digest(map.data, map.size, md, NULL, EVP_sha256(), NULL) == 1);
	gpai_map_close(&map);
	gpai_hex_encode(md, 32, hex);
	CHECK_STR(sha256, hex);
	CHECK_OK(gpai_model_probe_file(out, &info, &err), &err);
	CHECK_STR("gguf", info.format);
	CHECK_STR(arch, info.architecture);
	CHECK_U64(0, info.n_tensors);
	CHECK_U64(0, info.n_params);
	CHECK_INT(vocab, info.vocab_size);
	snprintf(cmd, sizeof(cmd), "gguf %s", out);
	py = pyref(cmd);
	CHECK(py != NULL);
	CHECK_INT(0, pyref_int(py, "n_tensors"));
	CHECK_INT(vocab, pyref_int(cJSON_GetObjectItemCaseSensitive(py, "arrays"),
				   "tokenizer.ggml.tokens"));
	cJSON_Delete(py);
}

TEST(repaired_llamacpp_vocabs_are_upstream_and_vocab_only)
{
	check_repaired("llama-spm", "16c3724582d59aa8bf84711894e833f916ee46a31d80e21312759c48bf8d0e69",
		       "llama", 32000);
	if (t_failed)
		return;
	check_repaired("gpt-2", "cedc56ca6e2e89f63e781696d1fd76b4b1d49e6720dee86463e915f6e90016ac",
		       "gpt2", 50257);
}
