/*
 * engine_private.h - what the reference engine's files share: the tokenizer
 * structure, tensor references, weights, kernels and the string table.
 *
 * Invariants:
 * - A tensor reference points into a memory map (or, for layouts the
 *   kernels cannot use directly, into a buffer the engine owns); it is
 *   never written.
 * - Matrices are row-major [rows = outputs][cols = inputs]; block formats
 *   (Q8_0, Q4_0) quantize runs of GPAI_QK consecutive elements of a row.
 * - All kernels produce the same float result for a row whatever the
 *   number of threads: a row is always computed by one thread, with one
 *   fixed order of operations.
 */
#ifndef GPAI_ENGINE_PRIVATE_H
#define GPAI_ENGINE_PRIVATE_H

#include <stddef.h>
#include <stdint.h>

#include "inference.h"

/* ---- string table: bytes -> int32, open addressing -------------------- */

struct strtab {
	uint32_t cap;       /* power of two, 0 when empty */
	int32_t *slot;      /* value index or -1 */
	const char **key;   /* borrowed key pointers, one per value */
	uint32_t *keylen;
	int32_t *val;
	uint32_t n;
};

int strtab_init(struct strtab *t, uint32_t n_max);
void strtab_release(struct strtab *t);
/* Adds key -> val unless the key is present (first one wins).  The key
 * bytes must outlive the table. */
void strtab_put(struct strtab *t, const char *key, uint32_t len, int32_t val);
/* The value, or -1. */
int32_t strtab_get(const struct strtab *t, const char *key, uint32_t len);

/* u64 -> int32 hash (GPT-2 merge ranks keyed by the pair of ids). */
struct pairtab {
	uint32_t cap;
	uint64_t *key;
	int32_t *val;       /* -1 empty */
};
int pairtab_init(struct pairtab *t, uint32_t n_max);
void pairtab_release(struct pairtab *t);
void pairtab_put(struct pairtab *t, uint64_t key, int32_t val);
int32_t pairtab_get(const struct pairtab *t, uint64_t key);

/* ---- tokenizer ---------------------------------------------------------- */

enum tok_kind { TOK_SPM = 1, TOK_GPT2 = 2 };

/* GGUF tokenizer.ggml.token_type values (llama.cpp llama_token_type). */
enum tok_type {
	TOKT_NORMAL = 1, TOKT_UNKNOWN = 2, TOKT_CONTROL = 3,
	TOKT_USER = 4, TOKT_UNUSED = 5, TOKT_BYTE = 6,
};

struct gpai_tokenizer {
	enum tok_kind kind;
	int32_t n_vocab;
	char *arena;            /* all piece bytes */
	const char **piece;     /* decoded bytes of each token (SPM: U+2581 -> ' ') */
	uint32_t *piece_len;
	float *score;
	int32_t *type;          /* enum tok_type */
	struct strtab lookup;   /* piece bytes -> id */
	int32_t byte_id[256];   /* token of a raw byte, -1 if none */
	int32_t bos, eos, unk;  /* -1 if none */
	int llama2c;            /* llama2.c encode rules (see tokenizer.c) */
	int add_space_prefix;   /* SPM space prefix */
	struct pairtab merges;  /* GPT-2: (left id << 32 | right id) -> rank */
	int32_t *merge_result;  /* GPT-2: rank -> merged id */
	unsigned char byte_piece[256][2]; /* one-byte strings for decode */
};

/* Builds the lookup table and byte map once pieces are filled. */
int tok_finish(struct gpai_tokenizer *t, struct gpai_error *err);
/* Allocates a tokenizer of n entries with pieces to be filled. */
struct gpai_tokenizer *tok_alloc(int32_t n_vocab, size_t arena_bytes);

/* Unicode classes for the GPT-2 pre-tokenizer (unicode.c, generated). */
int uni_is_letter(uint32_t cp);
int uni_is_number(uint32_t cp);
int uni_is_space(uint32_t cp);

/* ---- tensors and kernels ----------------------------------------------- */

/* WT_Q8G: llama2.c v2 (runq.c) int8 with a float32 scale per group of
 * `group` elements of the flattened matrix (kernels_q8g.c). */
enum wtype { WT_F32 = 0, WT_F16, WT_BF16, WT_Q8_0, WT_Q4_0, WT_Q8G, WT_COUNT };

#define GPAI_QK 32                 /* elements per Q8_0/Q4_0 block (ggml QK8_0, QK4_0) */
#define GPAI_Q8_0_BLOCK 34         /* bytes: fp16 scale + 32 int8 */
#define GPAI_Q4_0_BLOCK 18         /* bytes: fp16 scale + 16 bytes of nibbles */

struct wref {
	const void *data;   /* NULL when the tensor is absent */
	enum wtype type;
	int64_t rows, cols; /* a vector has rows == 1 */
	/* WT_Q8G only: data is int8 q[rows * cols]; scales the float32 scales
	 * (in the map, maybe unaligned), one per group of `group` elements */
	const unsigned char *scales;
	int64_t group;
};

/* Bytes of one row of cols elements of type t (WT_Q8G: the int8 part). */
size_t wtype_row_bytes(enum wtype t, int64_t cols);
const char *wtype_name(enum wtype t);

float fp16_to_f32(uint16_t h);
uint16_t f32_to_fp16(float f);
float bf16_to_f32(uint16_t h);

/* Dequantizes row r of w into out[cols]. */
void wref_row(const struct wref *w, int64_t r, float *out);

/* Activations quantized to Q8_0 for the int8 dot products. */
struct q8buf {
	int8_t *q;          /* cols bytes */
	float *d;           /* cols/32 scales */
	int64_t cap;
};

struct kern {
	struct gpai_pool *pool;
	struct q8buf xq;
	/* Batched Q8_0 products with SIMD: the quantized vectors one lane
	 * each (for each block and 4-byte group, that group of every vector;
	 * x + 128 as unsigned bytes with VNNI) and their scales block by block,
	 * made once per job; grown on demand (without them the one-vector
	 * kernel runs, with the same results). */
	uint8_t *xl;
	float *xdt;
	size_t xl_cap, xdt_cap;
};

/* gpai_engine_forward_batch with fn called for the positions of each
 * batch from the engine's threads at once: fn must touch only what
 * belongs to its position.  Each non-zero code is kept and the first (by
 * position) returned after the batch. */
int engine_forward_batch_parallel(struct gpai_engine *e, const int32_t *tokens, int32_t n,
				  int32_t pos0, gpai_logits_fn fn, void *ctx,
				  struct gpai_error *err);

/* Maps in the pages of every file of m (gpai_map_prefault), so that an
 * engine's first forward pass is not also the one that faults the weights
 * in (model.c). */
void model_prefault(const struct gpai_model *m);

/* Frees the buffers of k (xq and the batch buffers), not its pool. */
void kern_release(struct kern *k);

/* out[rows] = W[rows][cols] . x[cols], threaded over rows. */
void kern_matvec(struct kern *k, float *out, const struct wref *w,
		 const float *x);
/* Attention's two halves for one head over n positions whose keys and
 * values are `stride` floats apart: att[t] = (q . k_t) * scale, the dot
 * product summed as the F32 matrix kernels sum a row; and out[i] = sum
 * over t of a[t] * v_t[i], t ascending from 0, each term a product and
 * then a sum (no fused multiply-add), so every path rounds each element
 * alike. */
void kern_scores(float *att, const float *q, const float *k, int64_t stride, int n,
		 int64_t cols, float scale);
void kern_wsum(float *out, const float *a, const float *v, int64_t stride, int n, int64_t cols);
/* The sum over i < n of exp((double)x[i] - max), for max >= every x[i]
 * (a term below e^-708 is left out).  Each term is within 2 ulp of exp()'s
 * and the terms are summed in a fixed order (four running sums, i mod 4,
 * then (s0 + s1) + (s2 + s3)), so every SIMD level gives the same value. */
double kern_sum_exp(const float *x, int64_t n, float max);
/* x[i] = exp(x[i] - max) for i < n, with gpai's own float exp (within
 * 1 ulp of exp rounded to float, the same bits on every path; kernels.c).
 * (libm's expf, one call per element, had been 4 % of a Q8_0 perplexity
 * run in attention's softmax and SwiGLU.) */
void kern_exp_shifted(float *x, int64_t n, float max);
/* h[i] = SiLU(h[i]) * g[i], SiLU(v) = v * (1 / (1 + exp(-v))) with
 * kern_exp_shifted's exp: llama's SwiGLU, as llama2.c's run.c computes it. */
void kern_swiglu(float *h, const float *g, int64_t n);
/* x[i] /= d for i < n (a division, not a product with 1 / d). */
void kern_divide(float *x, int64_t n, float d);
/* The index of the first largest of x[0..n), n >= 1, as the loop
 * `if (x[i] > x[best]) best = i` from best = 0 finds it (so NaNs are
 * never taken after the first element): the logits of greedy decoding. */
int64_t kern_argmax(const float *x, int64_t n);
/* The index of the first x[i] that is NaN or infinite, or -1 if none. */
int64_t kern_first_nonfinite(const float *x, int64_t n);
/* out[b * ostride + r] = W[r] . x[b * xstride] for b < n: the weights are
 * read once for the n vectors, and every value equals kern_matvec's.
 * xqn holds n quantized vectors of the widest matrix (Q8_0/Q4_0 only). */
void kern_matmat(struct kern *k, float *out, int64_t ostride, const struct wref *w,
		 const float *x, int64_t xstride, int n, struct q8buf *xqn);

/* One product of a group: out[b * ostride + r] = w[r] . x[b]. */
struct kern_mv {
	float *out;
	const struct wref *w;
	int64_t ostride;    /* unused by kern_matvec_group (one vector) */
};
/* Several products with the same input (q, k and v; gate and up) in one
 * dispatch to the thread pool: the matrices' rows are split over threads
 * together.  All matrices have the same cols; each value equals what
 * kern_matvec / kern_matmat give for that matrix alone. */
void kern_matvec_group(struct kern *k, const struct kern_mv *mv, int n_mv, const float *x);
void kern_matmat_group(struct kern *k, const struct kern_mv *mv, int n_mv, const float *x,
		       int64_t xstride, int n, struct q8buf *xqn);

/* Quantizes x[n] (n a multiple of GPAI_QK) to Q8_0 blocks in o: per 32
 * values d = max|x| / 127 and q = x * (1/d) rounded to nearest even (0
 * where that is NaN); both paths give the same bytes. */
void kern_quantize_q8(struct q8buf *o, const float *x, int64_t n);

/* The kernel paths: portable C; AVX2 with FMA and F16C; and, for the
 * batched Q8_0 products, AVX-VNNI (256-bit) or AVX-512 with VNNI (which
 * level also decodes F32 rows with 512-bit FMAs).  All
 * SIMD levels give identical results; the portable path differs from them
 * only by float reassociation. */
enum kern_level {
	KERN_PORTABLE = 0,
	KERN_AVX2 = 1,
	KERN_AVX2_VNNI = 2,
	KERN_AVX512_VNNI = 3,
	KERN_BEST = 3
};
/* Selects the kernels for the whole process: the highest level up to
 * `level` that the CPU has (for tests; the default is the CPU's best;
 * GPAI_NO_SIMD=1 in the environment forces the portable paths,
 * GPAI_NO_VNNI=1 the AVX2 ones, GPAI_NO_AVX512=1 stops below AVX-512).
 * Call only while no product runs. */
void kern_use_simd(int level);
/* The kern_level in use. */
int kern_simd(void);

/* llama2.c v2 grouped Q8 (kernels_q8g.c): row dequantization and the
 * products kern_matvec / kern_matmat hand over for WT_Q8G.  The scales of
 * the quantized activations need up to cols floats per vector. */
void q8g_row(const struct wref *w, int64_t r, float *out);
void q8g_matvec(struct kern *k, float *out, const struct wref *w, const float *x);
void q8g_matmat(struct kern *k, float *out, int64_t ostride, const struct wref *w,
		const float *x, int64_t xstride, int n, struct q8buf *xqn);

/* ---- the engine ---------------------------------------------------------- */

enum norm_kind { NORM_RMS, NORM_LAYER };
enum ffn_kind { FFN_SWIGLU, FFN_GELU };

struct lw {
	struct wref attn_norm, attn_norm_b;
	struct wref wq, wk, wv, bq, bk, bv, wo, bo;
	struct wref ffn_norm, ffn_norm_b;
	struct wref w1, w2, w3, b_up, b_down; /* w1 gate, w3 up, w2 down; GPT-2: w3 up, w2 down */
};

/* Tokens per batch (gpai_engine_forward_batch): the weights are read once
 * per batch. */
#define BATCH_MAX 32

struct gpai_engine {
	struct gpai_engine_info info;
	struct gpai_model *model;     /* the open model file(s), when bound through it */
	void **owned;
	size_t n_owned;
	enum norm_kind norm;
	enum ffn_kind ffn;
	int rope;             /* 0 none (GPT-2), 1 adjacent pairs, 2 rotate-half */
	struct wref tok_embd, pos_embd, out_norm, out_norm_b, output;
	struct lw *l;
	int32_t kv_dim;
	float *key_cache, *val_cache; /* [layer][kv head][context][head_size]: kv_at */
	float *x, *xb, *xb2, *hb, *hb2, *q, *att, *logits;
	float *rope_freq;             /* [head_size/2]: theta^(-2j/head_size) */
	float *rope_cos, *rope_sin;   /* [BATCH_MAX][head_size/2 + 1]: see rope_row */
	struct kern kern;
	struct gpai_tokenizer *tok;
	double flop_done;             /* FLOP of every forward since open */
	/* batch buffers (gpai_engine_forward_batch), allocated on first use */
	float *bx, *bxb, *bxb2, *bq, *bk, *bv, *bhb, *bhb2, *blogits;
	struct q8buf bxq;
};

/* Binds e->model (GGUF, safetensors, llama2.c) to e's config and weight
 * references; path names the model in errors. */
int engine_bind(struct gpai_engine *e, const char *path, struct gpai_error *err);
/* Builds the tokenizer a GGUF model carries (tokenizer.ggml.*); *out is
 * NULL when it carries none. */
int tok_from_model(struct gpai_model *m, const char *path, struct gpai_tokenizer **out,
		   struct gpai_error *err);
/* Frees the buffer with the engine. */
int engine_own(struct gpai_engine *e, void *p);
/* Checks the config's shape rules and fills head_size and kv_dim. */
int engine_check_config(struct gpai_engine *e, const char *path, struct gpai_error *err);

#endif
