/*
 * inference.h - model files and the reference inference engine.
 *
 * Model-file API (this section): reads the headers of GGUF, safetensors
 * (single and HF-sharded) and llama2.c checkpoints, plus HF config.json,
 * without loading the weights.  The registry records what it returns; the
 * compute estimator counts parameters from it.
 *
 * Malformed headers give GPAI_EFORMAT with a message that names the file
 * and the byte offset or field ("'m.gguf': offset 24: tensor count ...").
 */
#ifndef GPAI_INFERENCE_H
#define GPAI_INFERENCE_H

#include <stddef.h>
#include <stdint.h>

#include "common.h"

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
};

/* Fills *info from the file's header.  An unrecognised file is not an
 * error: format "opaque".  A recognised but malformed header is
 * GPAI_EFORMAT (file and offset in err).  Never reads tensor data. */
int gpai_model_probe_file(const char *path, struct gpai_modelinfo *info,
			  struct gpai_error *err);

/* Fills *info from an HF config.json (architecture fields only;
 * format "config"). */
int gpai_model_probe_config(const char *path, struct gpai_modelinfo *info,
			    struct gpai_error *err);

/* Folds src into dst for a multi-file model: tensor and parameter counts
 * add up, dtypes merge, and architecture fields that dst lacks are taken
 * from src. */
void gpai_modelinfo_merge(struct gpai_modelinfo *dst,
			  const struct gpai_modelinfo *src);

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

/* Opens a model file (llama2.c .bin v0) and memory-maps its weights; the
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
	double seconds;        /* wall time of the forward passes */
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

#endif
