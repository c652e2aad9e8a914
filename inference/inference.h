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

#endif
