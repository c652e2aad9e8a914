/*
 * llama2c.c - llama2.c checkpoint reader: legacy v0 (run.c), v1 (fp32,
 * export.py version1_export) and v2 (Q8_0, runq.c).
 *
 * The header gives the config; the file size must be exactly what the
 * config implies, so a truncated or padded file is rejected before any
 * tensor is described.  Tensors get GGUF names (token_embd.weight,
 * blk.N.attn_q.weight, ...) with row-major shapes [out][in], so the engine
 * has one weight loader for both formats.  freq_cis (v0) is not a tensor:
 * it is a RoPE table, not a parameter.
 */
#include "model_private.h"

#include <stdio.h>
#include <string.h>

#define L2C_V0_HEADER 28          /* 7 x int32 */
#define L2C_HEADER 256            /* v1/v2 */
#define L2C_MAGIC 0x616b3432u     /* "ak42" read as little-endian u32 */
#define L2C_SHARED_AT 36          /* uint8 shared_classifier */
#define L2C_GROUP_AT 37           /* int32 group_size (v2), unaligned */
#define F32_BYTES 4
/* Plausibility bounds for a v0 header (no magic): far above any llama2.c
 * model, far below what random bytes give. */
#define L2C_MAX_DIM (1 << 16)
#define L2C_MAX_HIDDEN (1 << 18)
#define L2C_MAX_LAYERS 1024
#define L2C_MAX_HEADS 1024
#define L2C_MAX_VOCAB (1 << 22)
#define L2C_MAX_SEQ (1 << 24)

struct cfg7 {
	int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
};

static void read_cfg(const unsigned char *p, struct cfg7 *c)
{
	c->dim = (int32_t)mf_le32(p);
	c->hidden_dim = (int32_t)mf_le32(p + 4);
	c->n_layers = (int32_t)mf_le32(p + 8);
	c->n_heads = (int32_t)mf_le32(p + 12);
	c->n_kv_heads = (int32_t)mf_le32(p + 16);
	c->vocab_size = (int32_t)mf_le32(p + 20);
	c->seq_len = (int32_t)mf_le32(p + 24);
}

/* NULL if the config is plausible, else what is wrong. */
static const char *cfg_problem(const struct cfg7 *c)
{
	int64_t v = c->vocab_size < 0 ? -(int64_t)c->vocab_size : c->vocab_size;

	if (c->dim <= 0 || c->dim > L2C_MAX_DIM) return "dim out of range";
	if (c->hidden_dim <= 0 || c->hidden_dim > L2C_MAX_HIDDEN) return "hidden_dim out of range";
	if (c->n_layers <= 0 || c->n_layers > L2C_MAX_LAYERS) return "n_layers out of range";
	if (c->n_heads <= 0 || c->n_heads > L2C_MAX_HEADS) return "n_heads out of range";
	if (c->n_kv_heads <= 0 || c->n_kv_heads > c->n_heads) return "n_kv_heads out of range";
	if (c->n_heads % c->n_kv_heads) return "n_heads is not a multiple of n_kv_heads";
	if (c->dim % c->n_heads) return "dim is not a multiple of n_heads";
	if (v <= 0 || v > L2C_MAX_VOCAB) return "vocab_size out of range";
	if (c->seq_len <= 0 || c->seq_len > L2C_MAX_SEQ) return "seq_len out of range";
	return NULL;
}

/* Elements of the weights in the config (without classifier, freq_cis). */
static uint64_t n_weights(const struct cfg7 *c, uint64_t vocab)
{
	uint64_t d = (uint64_t)c->dim, h = (uint64_t)c->hidden_dim, L = (uint64_t)c->n_layers;
	uint64_t kv = d * (uint64_t)c->n_kv_heads / (uint64_t)c->n_heads;

	return vocab * d + L * (2 * d + 2 * d * d + 2 * kv * d + 3 * h * d) + d;
}

int mf_llama2c_sniff(const unsigned char *p, size_t size, const char *path)
{
	struct cfg7 c;
	uint64_t v, hs, want;

	if (size >= 8 && mf_le32(p) == L2C_MAGIC)
		return (int)(mf_le32(p + 4) & 0x7fffffff);
	if (size < L2C_V0_HEADER)
		return -1;
	read_cfg(p, &c);
	if (cfg_problem(&c))
		return -1;
	if (mf_ends_with(path, ".bin"))
		return 0;
	/* Without the extension only an exact size match counts. */
	v = (uint64_t)(c.vocab_size < 0 ? -(int64_t)c.vocab_size : c.vocab_size);
	hs = (uint64_t)(c.dim / c.n_heads);
	want = L2C_V0_HEADER + F32_BYTES * (n_weights(&c, v) + (uint64_t)c.seq_len * 2 * (hs / 2) +
					   (c.vocab_size < 0 ? v * (uint64_t)c.dim : 0));
	return want == size ? 0 : -1;
}

/* Adds one tensor; *pos advances past it. */
static int add(struct gpai_model *m, int fidx, const char *name, int dtype,
	       int n_dims, int64_t d0, int64_t d1, uint64_t *pos, uint64_t group,
	       struct gpai_error *err)
{
	int64_t shape[2] = { d0, d1 };
	uint64_t n = (uint64_t)d0 * (uint64_t)(n_dims == 2 ? d1 : 1), nbytes = 0;
	int rc;

	if (n_dims == 1)
		shape[0] = d0;
	if (dtype == GPAI_DTYPE_Q8_GROUP)
		nbytes = n + F32_BYTES * (n / group);
	rc = mf_add_tensor(m, fidx, name, strlen(name), dtype, n_dims, shape, *pos,
			      nbytes, (size_t)*pos, err);
	if (rc)
		return rc;
	*pos += m->tensors[m->n_tensors - 1].nbytes;
	return GPAI_OK;
}

/* Per-layer tensors blk.i.<what>.weight for i in 0..L-1. */
static int add_layers(struct gpai_model *m, int fidx, const char *what, int dtype,
		      int n_dims, int64_t d0, int64_t d1, int L, uint64_t *pos,
		      uint64_t group, struct gpai_error *err)
{
	char name[64];
	int rc;

	for (int i = 0; i < L; i++) {
		snprintf(name, sizeof(name), "blk.%d.%s.weight", i, what);
		if ((rc = add(m, fidx, name, dtype, n_dims, d0, d1, pos, group, err)))
			return rc;
	}
	return GPAI_OK;
}

int mf_llama2c_load(struct gpai_model *m, int fidx, int version, struct gpai_error *err)
{
	const struct model_file *f = &m->files[fidx];
	struct mf_rd r = { f->map.data, f->map.size, 0, f->path, err };
	struct gpai_llama2c_config *lc = &m->l2c;
	struct cfg7 c;
	const char *bad;
	uint64_t vocab, d, hd, kv, hs, want, freq = 0, pos, group = 0, numel_q = 0;
	int shared, q = version == 2, rc;
	int qt = q ? GPAI_DTYPE_Q8_GROUP : GPAI_DTYPE_F32;

	if (version > 2)
		return mf_rd_fail(&r, 4, "unsupported llama2.c checkpoint version %d", version);
	if (version == 0 && r.size < L2C_V0_HEADER)
		return mf_rd_fail(&r, r.size, "llama2.c header truncated (%zu of %d bytes)",
			       r.size, L2C_V0_HEADER);
	if (version > 0 && r.size < L2C_HEADER)
		return mf_rd_fail(&r, r.size, "llama2.c v%d header truncated (%zu of %d bytes)",
			       version, r.size, L2C_HEADER);
	read_cfg(r.p + (version ? 8 : 0), &c);
	if ((bad = cfg_problem(&c)) != NULL)
		return mf_rd_fail(&r, version ? 8 : 0, "llama2.c config: %s", bad);
	if (version == 0) {
		shared = c.vocab_size > 0;
		vocab = (uint64_t)(shared ? c.vocab_size : -(int64_t)c.vocab_size);
	} else {
		if (c.vocab_size < 0)
			return mf_rd_fail(&r, 28, "llama2.c v%d config: negative vocab_size", version);
		shared = r.p[L2C_SHARED_AT];
		if (shared > 1)
			return mf_rd_fail(&r, L2C_SHARED_AT, "shared_classifier flag %d is not 0 or 1", shared);
		vocab = (uint64_t)c.vocab_size;
	}
	d = (uint64_t)c.dim;
	hd = (uint64_t)c.hidden_dim;
	kv = d * (uint64_t)c.n_kv_heads / (uint64_t)c.n_heads;
	hs = d / (uint64_t)c.n_heads;
	if (q) {
		int32_t gs = (int32_t)mf_le32(r.p + L2C_GROUP_AT);

		if (gs <= 0)
			return mf_rd_fail(&r, L2C_GROUP_AT, "group size %d is not positive", gs);
		if (c.dim % gs != 0)
			return mf_rd_fail(&r, L2C_GROUP_AT, "group size %d does not divide dim %d",
				       gs, c.dim);
		group = (uint64_t)gs;
	}
	/* Expected size from the config. */
	if (!q) {
		want = (version ? L2C_HEADER : L2C_V0_HEADER) +
		       F32_BYTES * (n_weights(&c, vocab) + (shared ? 0 : vocab * d));
		if (version == 0)
			freq = F32_BYTES * (uint64_t)c.seq_len * 2 * (hs / 2);
	} else {
		uint64_t L = (uint64_t)c.n_layers;

		numel_q = vocab * d + L * (2 * d * d + 2 * kv * d + 3 * hd * d) +
			  (shared ? 0 : vocab * d);
		want = L2C_HEADER + F32_BYTES * (L * 2 * d + d) + numel_q +
		       F32_BYTES * (numel_q / group);
	}
	if (r.size != want + freq && !(version == 0 && r.size == want)) {
		if (version == 0)
			return mf_rd_fail(&r, r.size < want + freq ? r.size : want + freq,
				       "file is %zu bytes; its config (dim %d, %d layers, vocab %llu) needs %llu with the freq_cis tables or %llu without",
				       r.size, c.dim, c.n_layers, (unsigned long long)vocab,
				       (unsigned long long)(want + freq), (unsigned long long)want);
		return mf_rd_fail(&r, r.size < want ? r.size : want,
			       "file is %zu bytes; its config (dim %d, %d layers, vocab %llu) needs %llu",
			       r.size, c.dim, c.n_layers, (unsigned long long)vocab,
			       (unsigned long long)want);
	}
	lc->version = version;
	lc->dim = c.dim;
	lc->hidden_dim = c.hidden_dim;
	lc->n_layers = c.n_layers;
	lc->n_heads = c.n_heads;
	lc->n_kv_heads = c.n_kv_heads;
	lc->vocab_size = (int)vocab;
	lc->seq_len = c.seq_len;
	lc->shared_classifier = shared;
	lc->group_size = (int)group;
	lc->has_freq_cis = version == 0 && r.size == want + freq;
	m->is_llama2c = 1;
	m->extra_bytes = lc->has_freq_cis ? freq : 0;

	{
		int L = c.n_layers;
		int64_t D = c.dim, H = c.hidden_dim, K = (int64_t)kv, V = (int64_t)vocab;

		pos = version ? L2C_HEADER : L2C_V0_HEADER;
		if (version == 0) {
			rc = add(m, fidx, "token_embd.weight", qt, 2, V, D, &pos, group, err);
			if (!rc) rc = add_layers(m, fidx, "attn_norm", GPAI_DTYPE_F32, 1, D, 0, L, &pos, group, err);
		} else {
			rc = add_layers(m, fidx, "attn_norm", GPAI_DTYPE_F32, 1, D, 0, L, &pos, group, err);
			if (!rc) rc = add_layers(m, fidx, "ffn_norm", GPAI_DTYPE_F32, 1, D, 0, L, &pos, group, err);
			if (!rc) rc = add(m, fidx, "output_norm.weight", GPAI_DTYPE_F32, 1, D, 0, &pos, group, err);
			if (!rc) rc = add(m, fidx, "token_embd.weight", qt, 2, V, D, &pos, group, err);
		}
		if (!rc) rc = add_layers(m, fidx, "attn_q", qt, 2, D, D, L, &pos, group, err);
		if (!rc) rc = add_layers(m, fidx, "attn_k", qt, 2, K, D, L, &pos, group, err);
		if (!rc) rc = add_layers(m, fidx, "attn_v", qt, 2, K, D, L, &pos, group, err);
		if (!rc) rc = add_layers(m, fidx, "attn_output", qt, 2, D, D, L, &pos, group, err);
		if (version == 0 && !rc)
			rc = add_layers(m, fidx, "ffn_norm", GPAI_DTYPE_F32, 1, D, 0, L, &pos, group, err);
		if (!rc) rc = add_layers(m, fidx, "ffn_gate", qt, 2, H, D, L, &pos, group, err);
		if (!rc) rc = add_layers(m, fidx, "ffn_down", qt, 2, D, H, L, &pos, group, err);
		if (!rc) rc = add_layers(m, fidx, "ffn_up", qt, 2, H, D, L, &pos, group, err);
		if (version == 0 && !rc) {
			rc = add(m, fidx, "output_norm.weight", GPAI_DTYPE_F32, 1, D, 0, &pos, group, err);
			if (lc->has_freq_cis)
				pos += freq;
		}
		if (!shared && !rc)
			rc = add(m, fidx, "output.weight", qt, 2, V, D, &pos, group, err);
		if (rc)
			return rc;
		if (pos != r.size)
			return mf_rd_fail(&r, (size_t)pos, "llama2.c layout ends at %llu, file at %zu",
				       (unsigned long long)pos, r.size);
	}
	return GPAI_OK;
}
