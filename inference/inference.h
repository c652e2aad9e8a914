/*
 * inference.h - model files and the reference inference engine.
 *
 * Model-file API (this section): reads the headers of GGUF, safetensors
 * (single and HF-sharded) and llama2.c checkpoints, plus HF config.json,
 * without loading the weights.  The registry records what it returns; the
 * compute estimator counts parameters from it; the inference engine reads
 * the weights through the tensor-access handle (struct gpai_model).
 *
 * Malformed headers give GPAI_EFORMAT with a message that names the file
 * and the byte offset or field ("'m.gguf': offset 24: tensor count ...").
 * What is read and what is rejected: docs/model-files.md.
 *
 * Thread safety: the functions keep no global state.  A struct gpai_model
 * may be read from many threads at once (tensor and metadata lookups,
 * weights) once open, except the cached metadata-array getters, which fill
 * a cache on first use: call them once before sharing the handle.
 */
#ifndef GPAI_INFERENCE_H
#define GPAI_INFERENCE_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

/* ---- probing: what a model file says about the model ------------------ */

/* What a model file (or a directory's config.json) says about the model.
 * Unknown integer fields are 0; tied_embeddings is -1 when unknown. */
struct gpai_modelinfo {
	char format[16];        /* "gguf", "safetensors", "llama2c", "config", "opaque" */
	char architecture[64];  /* "llama", "gpt2", ... ("" if unknown) */
	uint64_t n_tensors;
	uint64_t n_params;      /* elements summed over all tensors in the file */
	char dtypes[128];       /* distinct tensor types, comma-separated: "F32,Q8_0" */
	int64_t n_layers, hidden_size, ffn_hidden_size, n_heads, n_kv_heads;
	int64_t vocab_size, context_length, n_experts, n_experts_used;
	int tied_embeddings;    /* 1 output shares the embedding, 0 separate, -1 unknown */
	char note[256];         /* one human sentence, e.g. why counts differ */
	/* Added fields (zero when unknown): */
	uint64_t n_params_distinct; /* n_params minus an output matrix that is a
				     * byte-identical copy of the token embedding
				     * (a tied classifier stored twice) */
	uint64_t n_bytes;       /* tensor data bytes summed over all tensors */
	int64_t n_files;        /* files the model spans (shards), 0 for "config" */
	char tokenizer[32];     /* GGUF tokenizer.ggml.model ("llama", "gpt2"), or "" */
};

/* Fills *info from the file's header.  path may be a GGUF, safetensors or
 * llama2.c file, an HF `*.safetensors.index.json` (all shards are read and
 * summed), a `config.json` (as gpai_model_probe_config), or a directory
 * (as gpai_model_open: sharded or single safetensors, or one GGUF/.bin, with
 * config.json merged in).  An unrecognised file is not an error: format
 * "opaque".  A recognised but malformed header is GPAI_EFORMAT (file and
 * offset in err); GPAI_ENOTFOUND/GPAI_EIO when the file cannot be read.
 * Never reads tensor data, except that when a GGUF or safetensors file has
 * both an output matrix and a token embedding of the same type and shape
 * they are compared (memcmp, stops at the first difference) to tell a tied
 * classifier stored twice. */
int gpai_model_probe_file(const char *path, struct gpai_modelinfo *info,
			  struct gpai_error *err);

/* Fills *info from an HF config.json (architecture fields only;
 * format "config").  GPAI_EFORMAT names the file and field on bad JSON or a
 * field of the wrong type. */
int gpai_model_probe_config(const char *path, struct gpai_modelinfo *info,
			    struct gpai_error *err);

/* Folds src into dst for a multi-file model: tensor, parameter, byte and
 * file counts add up, dtypes merge, and architecture fields that dst lacks
 * are taken from src (as is a note, when dst has none). */
void gpai_modelinfo_merge(struct gpai_modelinfo *dst,
			  const struct gpai_modelinfo *src);

/* Resets *info to "nothing known" (format "", tied_embeddings -1). */
void gpai_modelinfo_clear(struct gpai_modelinfo *info);

/* ---- tensor types ----------------------------------------------------- */

/* One enum for GGUF (ggml) and safetensors types.  Values below 64 are the
 * ggml type ids of the GGUF format (ggml-org/ggml docs/gguf.md), so a GGUF
 * type maps to itself; the others are safetensors-only types and the
 * llama2.c v2 grouped int8 layout. */
enum gpai_dtype {
	GPAI_DTYPE_F32 = 0, GPAI_DTYPE_F16 = 1, GPAI_DTYPE_Q4_0 = 2,
	GPAI_DTYPE_Q4_1 = 3, GPAI_DTYPE_Q5_0 = 6, GPAI_DTYPE_Q5_1 = 7,
	GPAI_DTYPE_Q8_0 = 8, GPAI_DTYPE_Q8_1 = 9, GPAI_DTYPE_Q2_K = 10,
	GPAI_DTYPE_Q3_K = 11, GPAI_DTYPE_Q4_K = 12, GPAI_DTYPE_Q5_K = 13,
	GPAI_DTYPE_Q6_K = 14, GPAI_DTYPE_Q8_K = 15, GPAI_DTYPE_IQ2_XXS = 16,
	GPAI_DTYPE_IQ2_XS = 17, GPAI_DTYPE_IQ3_XXS = 18, GPAI_DTYPE_IQ1_S = 19,
	GPAI_DTYPE_IQ4_NL = 20, GPAI_DTYPE_IQ3_S = 21, GPAI_DTYPE_IQ2_S = 22,
	GPAI_DTYPE_IQ4_XS = 23, GPAI_DTYPE_I8 = 24, GPAI_DTYPE_I16 = 25,
	GPAI_DTYPE_I32 = 26, GPAI_DTYPE_I64 = 27, GPAI_DTYPE_F64 = 28,
	GPAI_DTYPE_IQ1_M = 29, GPAI_DTYPE_BF16 = 30, GPAI_DTYPE_TQ1_0 = 34,
	GPAI_DTYPE_TQ2_0 = 35, GPAI_DTYPE_MXFP4 = 39,
	/* safetensors-only */
	GPAI_DTYPE_BOOL = 64, GPAI_DTYPE_U8, GPAI_DTYPE_U16, GPAI_DTYPE_U32,
	GPAI_DTYPE_U64, GPAI_DTYPE_F8_E5M2, GPAI_DTYPE_F8_E4M3,
	GPAI_DTYPE_F8_E8M0, GPAI_DTYPE_F8_E4M3FNUZ, GPAI_DTYPE_F8_E5M2FNUZ,
	GPAI_DTYPE_F4, GPAI_DTYPE_F6_E2M3, GPAI_DTYPE_F6_E3M2, GPAI_DTYPE_C64,
	/* llama2.c v2 (runq.c): int8 q[n] followed by float32 scale[n / group]
	 * in one contiguous range; the group size is in the llama2.c config. */
	GPAI_DTYPE_Q8_GROUP,
	GPAI_DTYPE_COUNT
};

/* "F32", "Q8_0", "BF16", "Q8_GROUP", ...; NULL for a value that is no type. */
const char *gpai_dtype_name(int dtype);
/* Block layout of a type: elements per block and bits per block (F32: 1 and
 * 32; Q8_0: 32 and 272; F4: 1 and 4).  GPAI_EMISUSE for a value that is no
 * type, and for GPAI_DTYPE_Q8_GROUP, whose size depends on the group. */
int gpai_dtype_block(int dtype, uint32_t *block_elems, uint32_t *block_bits);

/* ---- tensor access ---------------------------------------------------- */

#define GPAI_TENSOR_MAX_DIMS 8

/* One tensor of an open model (read-only view, owned by the handle). */
struct gpai_tensor {
	const char *name;        /* NUL-terminated */
	int dtype;               /* enum gpai_dtype */
	int n_dims;              /* 0 (scalar) .. GPAI_TENSOR_MAX_DIMS */
	int64_t shape[GPAI_TENSOR_MAX_DIMS]; /* row-major, outermost first:
				  * an [out][in] matrix is {out, in} (GGUF's
				  * ne[] reversed) */
	uint64_t n_elements;     /* product of shape */
	const void *data;        /* in the memory map; never copied.  GGUF data
				  * is aligned to general.alignment; safetensors
				  * data may be unaligned when the writer did not
				  * pad the header (check before vector loads) */
	uint64_t nbytes;         /* bytes at data */
	uint64_t file_offset;    /* absolute offset of data in its file */
	int file_index;          /* which file (gpai_model_file_path) */
};

/* llama2.c checkpoint header (llama2.c run.c / export.py). */
struct gpai_llama2c_config {
	int version;             /* 0 (legacy), 1 (fp32) or 2 (Q8_0, runq.c) */
	int dim, hidden_dim, n_layers, n_heads, n_kv_heads;
	int vocab_size;          /* absolute value */
	int seq_len;
	int shared_classifier;   /* 1: output = token embedding */
	int group_size;          /* v2 only, else 0 */
	int has_freq_cis;        /* v0: the file carries the RoPE tables */
};

struct gpai_model;

/* Opens a model for tensor access: path is a GGUF file, a safetensors
 * file, a llama2.c .bin (v0, v1, v2), an HF `*.safetensors.index.json`, or
 * a directory holding model.safetensors.index.json (sharded), or else
 * model.safetensors / one *.safetensors, or else one *.gguf or one *.bin;
 * a config.json beside safetensors is read for the architecture.  Every
 * file is memory-mapped read-only (weights are never copied) and every
 * header is validated: all tensor data ranges lie inside their file.
 * Returns GPAI_OK and *out (free with gpai_model_close), GPAI_EFORMAT for
 * a malformed or unrecognised file (message names the file and offset),
 * GPAI_ENOTFOUND/GPAI_EIO when a file is missing or unreadable or a
 * directory holds no model file or several candidates, GPAI_ENOMEM. */
int gpai_model_open(const char *path, struct gpai_model **out,
		    struct gpai_error *err);
/* Unmaps and frees; accepts NULL.  Every pointer from the handle dies. */
void gpai_model_close(struct gpai_model *m);

/* "gguf", "safetensors", "llama2c". */
const char *gpai_model_format(const struct gpai_model *m);
/* What the model says about itself (as gpai_model_probe_file). */
void gpai_model_info(const struct gpai_model *m, struct gpai_modelinfo *info);

/* Files the model spans (1 except for sharded safetensors) and their
 * paths (borrowed from the handle). */
int gpai_model_file_count(const struct gpai_model *m);
const char *gpai_model_file_path(const struct gpai_model *m, int i);

size_t gpai_model_tensor_count(const struct gpai_model *m);
/* Tensor i in file order (for shards: weight-map order of the shards,
 * then file order); NULL when i is out of range. */
const struct gpai_tensor *gpai_model_tensor(const struct gpai_model *m,
					    size_t i);
/* Tensor by exact name (binary search); NULL when absent. */
const struct gpai_tensor *gpai_model_find(const struct gpai_model *m,
					  const char *name);

/* The llama2.c header, or NULL when the model is not a llama2.c file.
 * llama2.c tensors are named like GGUF ones (token_embd.weight,
 * blk.N.attn_q.weight, ..., output_norm.weight, output.weight when the
 * classifier is not shared) so one loader serves both formats. */
const struct gpai_llama2c_config *gpai_model_llama2c(const struct gpai_model *m);

/* ---- metadata (GGUF key/values; safetensors __metadata__ strings) ----- */

/* GGUF value types (docs/gguf.md). */
enum gpai_meta_type {
	GPAI_META_U8 = 0, GPAI_META_I8 = 1, GPAI_META_U16 = 2,
	GPAI_META_I16 = 3, GPAI_META_U32 = 4, GPAI_META_I32 = 5,
	GPAI_META_F32 = 6, GPAI_META_BOOL = 7, GPAI_META_STRING = 8,
	GPAI_META_ARRAY = 9, GPAI_META_U64 = 10, GPAI_META_I64 = 11,
	GPAI_META_F64 = 12
};

/* A string inside the map: not NUL-terminated. */
struct gpai_strref {
	const char *s;
	size_t len;
};

/* Number of metadata entries, and entry i: key (NUL-terminated, borrowed)
 * and type; for arrays also the element type and count (else -1 and 0).
 * GPAI_ENOTFOUND when i is out of range. */
size_t gpai_model_meta_count(const struct gpai_model *m);
int gpai_model_meta_entry(const struct gpai_model *m, size_t i,
			  const char **key, int *type, int *elem_type,
			  uint64_t *count);

/* Scalar getters.  GPAI_ENOTFOUND when the key is absent, GPAI_EFORMAT
 * (message names the key) when its type does not fit: the integer getters
 * accept every integer type (and bool) whose value is in range, the float
 * getters accept f32 and f64.  err may be NULL. */
int gpai_model_meta_i64(const struct gpai_model *m, const char *key,
			int64_t *out, struct gpai_error *err);
int gpai_model_meta_u32(const struct gpai_model *m, const char *key,
			uint32_t *out, struct gpai_error *err);
int gpai_model_meta_f32(const struct gpai_model *m, const char *key,
			float *out, struct gpai_error *err);
int gpai_model_meta_f64(const struct gpai_model *m, const char *key,
			double *out, struct gpai_error *err);
/* String value (borrowed from the map, not NUL-terminated). */
int gpai_model_meta_str(const struct gpai_model *m, const char *key,
			struct gpai_strref *out, struct gpai_error *err);
/* Arrays, decoded once into a cache owned by the handle (the map's
 * elements may be unaligned): strings, float32 (f32 elements), int32
 * (i32 elements; also u32/i8/u8/i16/u16/bool when every value fits).
 * *n gets the count.  GPAI_EFORMAT when the key is not an array of that
 * type. */
int gpai_model_meta_str_array(struct gpai_model *m, const char *key,
			      const struct gpai_strref **out, size_t *n,
			      struct gpai_error *err);
int gpai_model_meta_f32_array(struct gpai_model *m, const char *key,
			      const float **out, size_t *n,
			      struct gpai_error *err);
int gpai_model_meta_i32_array(struct gpai_model *m, const char *key,
			      const int32_t **out, size_t *n,
			      struct gpai_error *err);

/* ==== Reference engine: tokenizers, forward pass, sampling ==============
 *
 * Semantics follow llama2.c run.c (and llama.cpp for the same models);
 * docs/inference.md states them and the tolerances the tests hold.
 * Handles are not thread-safe: one thread per handle (the engine runs its
 * own worker threads inside a call).
 */

/* ---- tokenizers ---- */

struct gpai_tokenizer;

/* Opens a llama2.c tokenizer.bin with n_vocab entries (the vocabulary size
 * comes from the model).  GPAI_EFORMAT names the file and offset of a
 * truncated or inconsistent entry.  Free with gpai_tokenizer_free. */
int gpai_tokenizer_open_llama2c(const char *path, int32_t n_vocab,
				struct gpai_tokenizer **out,
				struct gpai_error *err);
/* Opens the tokenizer a GGUF file carries (tokenizer.ggml.model "llama":
 * SentencePiece-BPE with scores, token types and <0xHH> byte tokens;
 * "gpt2": byte-level BPE with merges).  GPAI_ENOTFOUND when the file has
 * none, GPAI_EUNSUPPORTED for another tokenizer model. */
int gpai_tokenizer_open_gguf(const char *path, struct gpai_tokenizer **out,
			     struct gpai_error *err);
void gpai_tokenizer_free(struct gpai_tokenizer *tok);
int32_t gpai_tokenizer_n_vocab(const struct gpai_tokenizer *tok);
/* Special tokens; -1 when the vocabulary has none. */
int32_t gpai_tokenizer_bos(const struct gpai_tokenizer *tok);
int32_t gpai_tokenizer_eos(const struct gpai_tokenizer *tok);

/* Encodes len bytes of text (BOS first when add_bos and the vocabulary
 * has one).  *ids is malloc'd (caller frees), *n_ids its length.
 * Returns GPAI_OK, GPAI_ENOMEM or GPAI_EMISUSE. */
int gpai_tokenizer_encode(const struct gpai_tokenizer *tok, const char *text,
			  size_t len, int add_bos, int32_t **ids,
			  size_t *n_ids, struct gpai_error *err);
/* The bytes token id stands for when it follows prev (-1: none): byte
 * tokens give their byte, and after BOS a leading space is dropped
 * (llama2.c decode).  Borrowed from tok; *len bytes, not NUL-terminated
 * when a byte token.  An id outside the vocabulary gives "". */
const char *gpai_tokenizer_piece(const struct gpai_tokenizer *tok,
				 int32_t prev, int32_t id, size_t *len);
/* Decodes a whole sequence into text: a leading BOS is skipped and the
 * SentencePiece space prefix is removed, so that
 * decode(encode(x)) == x.  *out is malloc'd and NUL-terminated.
 * GPAI_EMISUSE names an id outside the vocabulary. */
int gpai_tokenizer_decode(const struct gpai_tokenizer *tok,
			  const int32_t *ids, size_t n, char **out,
			  size_t *outlen, struct gpai_error *err);

/* ---- the engine: weights, forward pass ---- */

struct gpai_engine;

struct gpai_engine_options {
	int n_threads;              /* worker threads (1 when <= 0) */
	const char *tokenizer_path; /* llama2.c tokenizer.bin, or NULL */
};

/* What the engine runs; filled at open. */
struct gpai_engine_info {
	char format[16];       /* "llama2c", "gguf", "safetensors" */
	char arch[16];         /* "llama" or "gpt2" */
	char dtype[16];        /* weight type of the matrices: "F32", "Q8_0", ... */
	int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, head_size;
	int32_t vocab_size, context_length;
	float norm_eps, rope_theta;
	int tied;              /* output matrix is the token embedding */
	uint64_t n_params;     /* elements of all weights */
	uint64_t weight_bytes; /* bytes of all weights as stored */
	double flop_per_token; /* forward FLOP at position 0, 2 per multiply-add */
};

/* Opens a model (anything gpai_model_open takes: GGUF, safetensors with
 * config.json, llama2.c .bin v0/v1) and memory-maps its weights; the
 * KV cache for the whole context is allocated here.  GPAI_EFORMAT names
 * the file and the field (truncated file, shapes inconsistent with the
 * config, NaN in a norm weight); GPAI_EUNSUPPORTED an unknown format or
 * tensor type.  Free with gpai_engine_free. */
int gpai_engine_open(const char *path, const struct gpai_engine_options *opt,
		     struct gpai_engine **out, struct gpai_error *err);
void gpai_engine_free(struct gpai_engine *eng);
/* Borrowed from eng. */
const struct gpai_engine_info *gpai_engine_info(const struct gpai_engine *eng);
/* The tokenizer the model file carries or the options named; NULL if
 * neither.  Borrowed from eng. */
struct gpai_tokenizer *gpai_engine_tokenizer(struct gpai_engine *eng);

/* Runs token at position pos (0 <= pos < context_length) through the
 * model, extending the KV cache (positions after pos are forgotten), and
 * points *logits at vocab_size floats that stay valid, and may be
 * modified by the caller, until the next call.  Results are bit-identical
 * whatever n_threads.  GPAI_EMISUSE for a token or position out of range. */
int gpai_engine_forward(struct gpai_engine *eng, int32_t token, int32_t pos,
			float **logits, struct gpai_error *err);

/* Called for each position of a batch with its logits (vocab_size floats,
 * borrowed until the call returns); non-zero stops the batch. */
typedef int (*gpai_logits_fn)(void *ctx, int32_t pos, const float *logits);

/* Runs tokens[0..n) at positions pos0..pos0+n-1 (prompt processing): the
 * weights are read once per batch of tokens instead of once per token, and
 * every logit is bit-identical to what gpai_engine_forward gives for the
 * same sequence.  fn (may be NULL) receives each position's logits.
 * GPAI_EMISUSE for positions past the context or tokens outside the
 * vocabulary. */
int gpai_engine_forward_batch(struct gpai_engine *eng, const int32_t *tokens, int32_t n,
			      int32_t pos0, gpai_logits_fn fn, void *ctx, struct gpai_error *err);

/* Forward FLOP at position pos (0-based), counted analytically: 2 per
 * multiply-add of every matrix, plus 4 * n_layers * dim * (pos + 1) for
 * attention (q.k scores and the weighted sum of v). */
double gpai_engine_flop_at(const struct gpai_engine *eng, int32_t pos);
/* Sum of gpai_engine_flop_at over every forward since the engine opened. */
double gpai_engine_flop_done(const struct gpai_engine *eng);

/* ---- sampling and generation ---- */

/* llama2.c's sampler: temperature 0 is argmax; otherwise softmax of
 * logits/temperature and, when 0 < top_p < 1, nucleus sampling; the
 * random numbers are llama2.c's xorshift64* (so a seed gives the same
 * draws as run.c -s SEED).  Caller-owned: _init/_release. */
struct gpai_sampler {
	int32_t n_vocab;
	float temperature, top_p;
	uint64_t rng_state;
	void *scratch;         /* private */
};
int gpai_sampler_init(struct gpai_sampler *s, int32_t n_vocab,
		      float temperature, float top_p, uint64_t seed);
void gpai_sampler_release(struct gpai_sampler *s);
/* Picks the next token; logits[n_vocab] are overwritten. */
int32_t gpai_sampler_sample(struct gpai_sampler *s, float *logits);

/* Called for every token after the first: the prompt's (is_prompt 1)
 * then the generated ones; piece as gpai_tokenizer_piece.  A non-zero
 * return stops generation with that status. */
typedef int (*gpai_token_fn)(void *ctx, int32_t id, const char *piece,
			     size_t len, int is_prompt);

struct gpai_generate_stats {
	size_t n_prompt;       /* prompt tokens including BOS */
	size_t n_generated;    /* sampled tokens */
	size_t n_timed;        /* forward passes after the first */
	double seconds;        /* their wall time: as llama2.c's run.c, the
				* clock starts after the first pass, which
				* also wakes the threads and touches the state */
};

/* run.c generate(): the prompt is encoded with BOS, then `steps` forward
 * passes in all (steps <= 0 or past the context means the context
 * length), feeding prompt tokens while there are any and sampled tokens
 * after; stops early when BOS is sampled.  GPAI_EMISUSE when the prompt
 * does not fit in the context. */
int gpai_generate(struct gpai_engine *eng, const struct gpai_tokenizer *tok,
		  struct gpai_sampler *s, const char *prompt, int32_t steps,
		  gpai_token_fn fn, void *ctx, struct gpai_generate_stats *st,
		  struct gpai_error *err);

/* ---- evaluations ---- */

/* Perplexity protocol (docs/eval.md).  Zero fields take the defaults. */
struct gpai_ppl_options {
	int32_t window;   /* positions per window, BOS included (default: context) */
	int32_t stride;   /* text tokens between window starts (default: no overlap) */
	int bos;          /* 1: each window starts with BOS (the default protocol) */
};

struct gpai_ppl_result {
	double mean_nll;    /* nats per scored token */
	double perplexity;  /* exp(mean_nll) */
	size_t n_scored;    /* tokens scored */
	size_t n_tokens;    /* tokens of the text (without BOS) */
	size_t n_positions; /* positions run through the model (BOS included) */
	double seconds;     /* wall-clock time of those forward passes */
};

/* Teacher-forced mean negative log-likelihood of text under the model.
 * GPAI_EMISUSE for a window longer than the context or shorter than two
 * positions, or a stride longer than the window. */
int gpai_eval_perplexity(struct gpai_engine *eng, const struct gpai_tokenizer *tok,
			 const char *text, size_t len, const struct gpai_ppl_options *opt,
			 struct gpai_ppl_result *res, struct gpai_error *err);
/* Multiple-choice scoring (docs/eval.md, lm-evaluation-harness's
 * loglikelihood requests).  One item per non-blank JSONL line:
 * {"context": STRING, "choices": [STRING, ...], "gold": INDEX}.  Each choice
 * is the continuation appended to the context as written (no delimiter is
 * inserted).  Tokenization (lm-eval-harness TemplateLM._encode_pair): the
 * context's trailing whitespace moves to the front of the continuation;
 * the context and context + continuation are encoded (without BOS); the
 * continuation's tokens are the whole's tokens after the first
 * len(context tokens).  The model reads BOS, the context tokens, then the
 * continuation tokens; a choice's log-likelihood is the sum (double) of
 * log softmax of each continuation token given everything before it. */
struct gpai_choice_item {
	size_t line;           /* 1-based line of the file */
	int32_t gold;          /* index of the right choice */
	int32_t pred;          /* argmax of loglik (first on ties) */
	int32_t pred_norm;     /* argmax of loglik / n_chars (first on ties) */
	size_t n_choices;
	int32_t *ctx_ids;      /* context tokens, BOS not included */
	size_t n_ctx;
	double *loglik;        /* [n_choices] summed log-likelihood, nats */
	size_t *n_chars;       /* [n_choices] Unicode code points of the choice
				* as written (acc_norm's divisor, as
				* lm-eval-harness's len(choice)) */
	int32_t **cont_ids;    /* [n_choices] continuation tokens */
	size_t *n_cont;        /* [n_choices] their counts */
};

struct gpai_choice_result {
	size_t n_items;
	size_t n_correct;      /* items with pred == gold */
	size_t n_correct_norm; /* items with pred_norm == gold */
	double accuracy;       /* n_correct / n_items */
	double acc_norm;       /* n_correct_norm / n_items */
	struct gpai_choice_item *items; /* [n_items], in file order */
};

/* Frees what gpai_eval_choice put in *r and zeroes it; accepts an empty
 * result. */
void gpai_choice_result_release(struct gpai_choice_result *r);

/* Scores every item of the JSONL text data[0..len) (name: the file, for
 * messages) and fills *res (release with gpai_choice_result_release; on
 * error it is left empty).  Every line is read and tokenized before the
 * first forward pass.  The context's KV cache is computed once per item
 * and reused by each choice (gpai_engine_forward_batch at the position
 * after the context).  GPAI_EFORMAT, naming the file and line, for text
 * that is not UTF-8, a line that is not a JSON object, a missing or
 * mistyped field, no choices, an empty choice, a gold index out of range,
 * a choice that adds no token after the context, or a file with no item;
 * GPAI_EMISUSE when BOS + context + choice (less its last token) needs
 * more positions than the context length, or the vocabulary has no BOS. */
int gpai_eval_choice(struct gpai_engine *eng, const struct gpai_tokenizer *tok,
		     const char *name, const char *data, size_t len,
		     struct gpai_choice_result *res, struct gpai_error *err);
/* log softmax(logits)[id] in double precision. */
double gpai_log_softmax_at(const float *logits, int32_t n, int32_t id);

#endif
