/*
 * fixture.c - gpai-fixture: writes small deterministic model files for the
 * tests and the demo (docs/fixtures.md).
 *
 *   gpai-fixture gguf OUT [--type f32|f16|bf16|q8_0|q4_0] [shape options]
 *   gpai-fixture safetensors OUTDIR [--dtype f32|f16|bf16] [--shards N] [...]
 *   gpai-fixture llama2c OUT [--version 0|1|2] [--group GS] [...]
 *   gpai-fixture tokenizer OUT [--vocab N]       llama2.c tokenizer.bin
 *   gpai-fixture gpt2-gguf OUT [--type f32|f16|q8_0] [shape options]
 *   gpai-fixture gpt2-safetensors OUTDIR [--dtype f32|f16|bf16] [...]
 *   gpai-fixture bad KIND OUT                    one malformed file
 *   gpai-fixture bad list                        the KINDs
 *
 * Shape options (all formats): --dim 16 --hidden 64 --layers 2 --heads 4
 * --kv-heads 2 --vocab 32 --seq 64 --seed 1 --tied.
 *
 * Organisation: one model in memory (struct fx_model: float32 tensors with
 * GGUF names, GGUF/llama2.c row layout, filled from one seeded RNG in a
 * fixed order), then one writer per format that converts it.  So the same
 * seed and shape give the same weights in every format; the safetensors
 * writer stores q/k in the HF (rotate-half) row order, as HF checkpoints
 * do.  Writers build the file in memory (struct fx_buf) so that `bad` can
 * damage a valid file at a known place.  Extending: add a builder next to
 * fx_llama_build() and a writer next to write_gguf().
 */
#include "common.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GGUF_ALIGN 32
#define ST_ALIGN 8
#define QK 32                   /* ggml Q8_0/Q4_0 block */
#define L2C_MAGIC 0x616b3432u
#define L2C_HEADER 256
#define ROPE_THETA 10000.0f
#define NORM_EPS 1e-5f

/* ---- output buffer ------------------------------------------------------ */

struct fx_buf {
	unsigned char *p;
	size_t n, cap;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("gpai-fixture: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void put(struct fx_buf *b, const void *src, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 256;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			die("out of memory");
	}
	if (n)
		memcpy(b->p + b->n, src, n);
	b->n += n;
}

static void put_u8(struct fx_buf *b, uint8_t v) { put(b, &v, 1); }

static void put_u32(struct fx_buf *b, uint32_t v)
{
	unsigned char x[4] = { v & 255, v >> 8 & 255, v >> 16 & 255, v >> 24 };

	put(b, x, 4);
}

static void put_u64(struct fx_buf *b, uint64_t v)
{
	put_u32(b, (uint32_t)v);
	put_u32(b, (uint32_t)(v >> 32));
}

static void put_f32(struct fx_buf *b, float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	put_u32(b, u);
}

static void put_u16(struct fx_buf *b, uint16_t v)
{
	unsigned char x[2] = { v & 255, v >> 8 };

	put(b, x, 2);
}

static void pad_to(struct fx_buf *b, size_t align, unsigned char v)
{
	while (b->n % align)
		put_u8(b, v);
}

static void write_out(const char *path, const struct fx_buf *b)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		die("cannot create '%s'", path);
	if (fwrite(b->p, 1, b->n, f) != b->n || fclose(f) != 0)
		die("cannot write '%s'", path);
}

/* ---- deterministic numbers ------------------------------------------------ */

/* splitmix64 (Steele, Lea, Flood 2014): small, seedable, no libc state. */
struct fx_rng {
	uint64_t s;
};

static uint64_t rng_next(struct fx_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [-1, 1) with 24 bits. */
static float rng_unit(struct fx_rng *r)
{
	return (float)(rng_next(r) >> 40) / (float)(1u << 23) - 1.0f;
}

/* ---- number formats --------------------------------------------------------- */

static uint16_t f32_to_f16(float f)
{
	uint32_t x;
	uint32_t sign, mant;
	int32_t exp;

	memcpy(&x, &f, 4);
	sign = (x >> 16) & 0x8000;
	exp = (int32_t)((x >> 23) & 0xff) - 127 + 15;
	mant = x & 0x7fffff;
	if (((x >> 23) & 0xff) == 0xff)
		return (uint16_t)(sign | 0x7c00 | (mant ? 0x200 : 0));
	if (exp >= 31)
		return (uint16_t)(sign | 0x7c00);
	if (exp <= 0) {
		uint32_t m, shift, r, half;

		if (exp < -10)
			return (uint16_t)sign;
		m = mant | 0x800000;
		shift = (uint32_t)(14 - exp);
		r = m >> shift;
		half = 1u << (shift - 1);
		if ((m & ((half << 1) - 1)) > half || ((m & ((half << 1) - 1)) == half && (r & 1)))
			r++;
		return (uint16_t)(sign | r);
	}
	{
		uint32_t h = sign | ((uint32_t)exp << 10) | (mant >> 13);
		uint32_t rest = mant & 0x1fff;

		if (rest > 0x1000 || (rest == 0x1000 && (h & 1)))
			h++; /* may carry into the exponent: correct rounding */
		return (uint16_t)h;
	}
}

static uint16_t f32_to_bf16(float f)
{
	uint32_t x;

	memcpy(&x, &f, 4);
	if ((x & 0x7fffffff) > 0x7f800000)
		return (uint16_t)((x >> 16) | 0x40);
	x += 0x7fff + ((x >> 16) & 1); /* round to nearest even */
	return (uint16_t)(x >> 16);
}

/* ggml quantize_row_q8_0_ref: d = amax / 127, q = round(x / d). */
static void put_q8_0(struct fx_buf *b, const float *x, size_t n)
{
	for (size_t i = 0; i < n; i += QK) {
		float amax = 0, d, id;

		for (int j = 0; j < QK; j++)
			amax = fmaxf(amax, fabsf(x[i + j]));
		d = amax / 127.0f;
		id = d ? 1.0f / d : 0.0f;
		put_u16(b, f32_to_f16(d));
		for (int j = 0; j < QK; j++)
			put_u8(b, (uint8_t)(int8_t)roundf(x[i + j] * id));
	}
}

/* ggml quantize_row_q4_0_ref: d = (value of largest magnitude) / -8,
 * q = min(15, (int)(x / d + 8.5)); low nibbles hold j < 16. */
static void put_q4_0(struct fx_buf *b, const float *x, size_t n)
{
	for (size_t i = 0; i < n; i += QK) {
		float amax = 0, max = 0, d, id;

		for (int j = 0; j < QK; j++)
			if (fabsf(x[i + j]) > amax) {
				amax = fabsf(x[i + j]);
				max = x[i + j];
			}
		d = max / -8.0f;
		id = d ? 1.0f / d : 0.0f;
		put_u16(b, f32_to_f16(d));
		for (int j = 0; j < QK / 2; j++) {
			int q0 = (int)(x[i + j] * id + 8.5f), q1 = (int)(x[i + QK / 2 + j] * id + 8.5f);

			q0 = q0 > 15 ? 15 : q0;
			q1 = q1 > 15 ? 15 : q1;
			put_u8(b, (uint8_t)(q0 | q1 << 4));
		}
	}
}

/* ---- the model in memory ------------------------------------------------------ */

struct fx_config {
	int dim, hidden, layers, heads, kv_heads, vocab, seq;
	uint64_t seed;
	int tied;
};

enum fx_role { ROLE_NORM, ROLE_MATRIX, ROLE_EMBED, ROLE_OUTPUT };

struct fx_tensor {
	char name[64];       /* GGUF name */
	char hf_name[96];    /* Hugging Face name */
	int n_dims;
	int64_t shape[2];    /* row-major [out][in] */
	size_t n;
	float *data;         /* GGUF/llama2.c row order */
	enum fx_role role;
	int permute_heads;   /* q/k: heads for the HF row order, else 0 */
	int layer;           /* -1 for global tensors */
	const char *l2c;     /* llama2.c array it belongs to */
};

struct fx_model {
	struct fx_config c;
	struct fx_tensor *t;
	int n;
};

static struct fx_tensor *add_tensor(struct fx_model *m, const char *name, const char *hf,
				    int n_dims, int64_t d0, int64_t d1, enum fx_role role,
				    int layer, const char *l2c)
{
	struct fx_tensor *t;

	m->t = realloc(m->t, (size_t)(m->n + 1) * sizeof(*m->t));
	if (!m->t)
		die("out of memory");
	t = &m->t[m->n++];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	snprintf(t->hf_name, sizeof(t->hf_name), "%s", hf);
	t->n_dims = n_dims;
	t->shape[0] = d0;
	t->shape[1] = n_dims == 2 ? d1 : 1;
	t->n = (size_t)d0 * (size_t)t->shape[1];
	t->role = role;
	t->layer = layer;
	t->l2c = l2c;
	t->data = malloc(t->n * sizeof(float));
	if (!t->data)
		die("out of memory");
	return t;
}

/* A tiny Llama: tensors in llama2.c v0 order; weights uniform in
 * +-1/sqrt(fan_in), norm weights 1 +- 0.1, all from one RNG stream. */
static void fx_llama_build(struct fx_model *m, const struct fx_config *c)
{
	static const struct {
		const char *gg, *hf, *l2c;
		int kind; /* 0 norm, 1 [dim][dim], 2 [kv][dim], 3 [hid][dim], 4 [dim][hid] */
	} per_layer[] = {
		{ "attn_norm", "input_layernorm", "rms_att", 0 },
		{ "attn_q", "self_attn.q_proj", "wq", 1 },
		{ "attn_k", "self_attn.k_proj", "wk", 2 },
		{ "attn_v", "self_attn.v_proj", "wv", 2 },
		{ "attn_output", "self_attn.o_proj", "wo", 1 },
		{ "ffn_norm", "post_attention_layernorm", "rms_ffn", 0 },
		{ "ffn_gate", "mlp.gate_proj", "w1", 3 },
		{ "ffn_down", "mlp.down_proj", "w2", 4 },
		{ "ffn_up", "mlp.up_proj", "w3", 3 },
	};
	struct fx_rng rng = { c->seed };
	int kv = c->dim / c->heads * c->kv_heads;
	char name[64], hf[96];

	memset(m, 0, sizeof(*m));
	m->c = *c;
	add_tensor(m, "token_embd.weight", "model.embed_tokens.weight", 2, c->vocab, c->dim,
		   ROLE_EMBED, -1, "token_embedding");
	/* llama2.c v0 order: each kind for all layers. */
	for (size_t k = 0; k < sizeof(per_layer) / sizeof(per_layer[0]); k++)
		for (int l = 0; l < c->layers; l++) {
			int64_t d0 = c->dim, d1 = c->dim;
			struct fx_tensor *t;

			snprintf(name, sizeof(name), "blk.%d.%s.weight", l, per_layer[k].gg);
			snprintf(hf, sizeof(hf), "model.layers.%d.%s.weight", l, per_layer[k].hf);
			switch (per_layer[k].kind) {
			case 2: d0 = kv; break;
			case 3: d0 = c->hidden; break;
			case 4: d1 = c->hidden; break;
			default: break;
			}
			t = add_tensor(m, name, hf, per_layer[k].kind ? 2 : 1, d0, d1,
				       per_layer[k].kind ? ROLE_MATRIX : ROLE_NORM, l,
				       per_layer[k].l2c);
			if (per_layer[k].kind == 1 && strcmp(per_layer[k].gg, "attn_q") == 0)
				t->permute_heads = c->heads;
			if (per_layer[k].kind == 2 && strcmp(per_layer[k].gg, "attn_k") == 0)
				t->permute_heads = c->kv_heads;
		}
	add_tensor(m, "output_norm.weight", "model.norm.weight", 1, c->dim, 0, ROLE_NORM, -1,
		   "rms_final");
	if (!c->tied)
		add_tensor(m, "output.weight", "lm_head.weight", 2, c->vocab, c->dim, ROLE_OUTPUT,
			   -1, "wcls");
	for (int i = 0; i < m->n; i++) {
		struct fx_tensor *t = &m->t[i];
		float a = t->role == ROLE_NORM ? 0.1f : 1.0f / sqrtf((float)t->shape[1]);

		for (size_t j = 0; j < t->n; j++)
			t->data[j] = (t->role == ROLE_NORM ? 1.0f : 0.0f) + a * rng_unit(&rng);
	}
}

static void fx_model_free(struct fx_model *m)
{
	for (int i = 0; i < m->n; i++)
		free(m->t[i].data);
	free(m->t);
}

/* ---- vocabulary (llama SentencePiece style) ---------------------------------- */

/* Pieces after the specials and byte tokens; U+2581 marks a word start. */
static const char *const pieces[] = {
	"\xe2\x96\x81", "e", "t", "a", "o", "h", "s", "n", "\xe2\x96\x81t", "he",
	"\xe2\x96\x81the", ("\xe2\x96\x81" "a"), "in", "er", "\xe2\x96\x81s", "at", "on",
	"\xe2\x96\x81o", "\xe2\x96\x81h", "d", "r",
};
/* Byte tokens of a small vocabulary (a full one has all 256). */
static const unsigned char small_bytes[] = { 0x0a, 0x21, 0x2c, 0x2e, 0x3f, 0xc3, 0xa9, 0xe2 };

enum { TT_NORMAL = 1, TT_UNKNOWN = 2, TT_CONTROL = 3, TT_BYTE = 6 }; /* llama.cpp */

struct fx_vocab {
	int n;
	char **text;
	float *score;
	int32_t *type;
};

static void vocab_build(struct fx_vocab *v, int n)
{
	int full = n >= 3 + 256 + 1, nb = full ? 256 : (int)sizeof(small_bytes), i = 0;
	char tmp[32];

	if (n < 3 + nb)
		die("--vocab %d is too small (at least %d)", n, 3 + nb);
	v->n = n;
	v->text = calloc((size_t)n, sizeof(char *));
	v->score = calloc((size_t)n, sizeof(float));
	v->type = calloc((size_t)n, sizeof(int32_t));
	if (!v->text || !v->score || !v->type)
		die("out of memory");
	v->text[i] = gpai_strdup("<unk>");
	v->type[i++] = TT_UNKNOWN;
	v->text[i] = gpai_strdup("<s>");
	v->type[i++] = TT_CONTROL;
	v->text[i] = gpai_strdup("</s>");
	v->type[i++] = TT_CONTROL;
	for (int b = 0; b < nb; b++) {
		snprintf(tmp, sizeof(tmp), "<0x%02X>", full ? b : small_bytes[b]);
		v->text[i] = gpai_strdup(tmp);
		v->type[i++] = TT_BYTE;
	}
	for (int p = 0; i < n; p++) {
		if (p < (int)(sizeof(pieces) / sizeof(pieces[0]))) {
			v->text[i] = gpai_strdup(pieces[p]);
		} else {
			snprintf(tmp, sizeof(tmp), "\xe2\x96\x81w%d", p);
			v->text[i] = gpai_strdup(tmp);
		}
		v->score[i] = -(float)p; /* earlier pieces merge first */
		v->type[i++] = TT_NORMAL;
	}
}

static void vocab_free(struct fx_vocab *v)
{
	for (int i = 0; i < v->n; i++)
		free(v->text[i]);
	free(v->text);
	free(v->score);
	free(v->type);
}

/* ---- GGUF writer ------------------------------------------------------------------ */

enum { GG_F32 = 0, GG_F16 = 1, GG_Q4_0 = 2, GG_Q8_0 = 8, GG_BF16 = 30 };
enum { KV_U32 = 4, KV_F32 = 6, KV_STRING = 8, KV_ARRAY = 9, KV_I32 = 5 };

static void gg_str(struct fx_buf *b, const char *s)
{
	put_u64(b, strlen(s));
	put(b, s, strlen(s));
}

static void kv_str(struct fx_buf *b, int *n, const char *k, const char *v)
{
	gg_str(b, k);
	put_u32(b, KV_STRING);
	gg_str(b, v);
	(*n)++;
}

static void kv_u32(struct fx_buf *b, int *n, const char *k, uint32_t v)
{
	gg_str(b, k);
	put_u32(b, KV_U32);
	put_u32(b, v);
	(*n)++;
}

static void kv_f32(struct fx_buf *b, int *n, const char *k, float v)
{
	gg_str(b, k);
	put_u32(b, KV_F32);
	put_f32(b, v);
	(*n)++;
}

/* Type a tensor gets: norms stay F32 (as llama.cpp); a quantized type
 * needs rows of whole blocks, else F32. */
static int gg_type_for(const struct fx_tensor *t, int type)
{
	if (t->n_dims == 1)
		return GG_F32;
	if ((type == GG_Q8_0 || type == GG_Q4_0) && t->shape[1] % QK != 0)
		return GG_F32;
	return type;
}

static size_t gg_nbytes(int type, size_t n)
{
	switch (type) {
	case GG_F16:
	case GG_BF16: return 2 * n;
	case GG_Q8_0: return n / QK * 34;
	case GG_Q4_0: return n / QK * 18;
	default: return 4 * n;
	}
}

static void gg_data(struct fx_buf *b, int type, const float *x, size_t n)
{
	switch (type) {
	case GG_F16:
		for (size_t i = 0; i < n; i++)
			put_u16(b, f32_to_f16(x[i]));
		break;
	case GG_BF16:
		for (size_t i = 0; i < n; i++)
			put_u16(b, f32_to_bf16(x[i]));
		break;
	case GG_Q8_0: put_q8_0(b, x, n); break;
	case GG_Q4_0: put_q4_0(b, x, n); break;
	default:
		for (size_t i = 0; i < n; i++)
			put_f32(b, x[i]);
	}
}

/* Writes the GGUF into b; the header offsets of the first tensor info and
 * of the tokens array go to *info_at / *tokens_at (for `bad`). */
static void write_gguf(struct fx_buf *b, struct fx_model *m, int type, size_t *info_at,
		       size_t *tokens_at)
{
	const struct fx_config *c = &m->c;
	struct fx_vocab v;
	struct fx_buf kv = { 0 };
	int n_kv = 0;
	uint64_t off = 0;
	/* llama.cpp llama_ftype: ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q4_0 2,
	 * MOSTLY_Q8_0 7, MOSTLY_BF16 32 */
	int ftype = type == GG_F32 ? 0 : type == GG_F16 ? 1 : type == GG_Q4_0 ? 2 :
		    type == GG_BF16 ? 32 : 7;

	vocab_build(&v, c->vocab);
	kv_str(&kv, &n_kv, "general.architecture", "llama");
	kv_str(&kv, &n_kv, "general.name", "gpai-fixture tiny llama");
	kv_u32(&kv, &n_kv, "general.alignment", GGUF_ALIGN);
	kv_u32(&kv, &n_kv, "general.file_type", (uint32_t)ftype);
	if (type == GG_Q8_0 || type == GG_Q4_0)
		kv_u32(&kv, &n_kv, "general.quantization_version", 2);
	kv_u32(&kv, &n_kv, "llama.context_length", (uint32_t)c->seq);
	kv_u32(&kv, &n_kv, "llama.embedding_length", (uint32_t)c->dim);
	kv_u32(&kv, &n_kv, "llama.block_count", (uint32_t)c->layers);
	kv_u32(&kv, &n_kv, "llama.feed_forward_length", (uint32_t)c->hidden);
	kv_u32(&kv, &n_kv, "llama.rope.dimension_count", (uint32_t)(c->dim / c->heads));
	kv_u32(&kv, &n_kv, "llama.attention.head_count", (uint32_t)c->heads);
	kv_u32(&kv, &n_kv, "llama.attention.head_count_kv", (uint32_t)c->kv_heads);
	kv_f32(&kv, &n_kv, "llama.attention.layer_norm_rms_epsilon", NORM_EPS);
	kv_f32(&kv, &n_kv, "llama.rope.freq_base", ROPE_THETA);
	kv_str(&kv, &n_kv, "tokenizer.ggml.model", "llama");
	*tokens_at = 24 + kv.n;
	gg_str(&kv, "tokenizer.ggml.tokens");
	put_u32(&kv, KV_ARRAY);
	put_u32(&kv, KV_STRING);
	put_u64(&kv, (uint64_t)v.n);
	for (int i = 0; i < v.n; i++)
		gg_str(&kv, v.text[i]);
	n_kv++;
	gg_str(&kv, "tokenizer.ggml.scores");
	put_u32(&kv, KV_ARRAY);
	put_u32(&kv, KV_F32);
	put_u64(&kv, (uint64_t)v.n);
	for (int i = 0; i < v.n; i++)
		put_f32(&kv, v.score[i]);
	n_kv++;
	gg_str(&kv, "tokenizer.ggml.token_type");
	put_u32(&kv, KV_ARRAY);
	put_u32(&kv, KV_I32);
	put_u64(&kv, (uint64_t)v.n);
	for (int i = 0; i < v.n; i++)
		put_u32(&kv, (uint32_t)v.type[i]);
	n_kv++;
	kv_u32(&kv, &n_kv, "tokenizer.ggml.unknown_token_id", 0);
	kv_u32(&kv, &n_kv, "tokenizer.ggml.bos_token_id", 1);
	kv_u32(&kv, &n_kv, "tokenizer.ggml.eos_token_id", 2);
	vocab_free(&v);

	put(b, "GGUF", 4);
	put_u32(b, 3);
	put_u64(b, (uint64_t)m->n);
	put_u64(b, (uint64_t)n_kv);
	put(b, kv.p, kv.n);
	free(kv.p);
	*info_at = b->n;
	for (int i = 0; i < m->n; i++) {
		const struct fx_tensor *t = &m->t[i];
		int ty = gg_type_for(t, type);

		gg_str(b, t->name);
		put_u32(b, (uint32_t)t->n_dims);
		put_u64(b, (uint64_t)t->shape[t->n_dims - 1]); /* ne[0]: contiguous */
		if (t->n_dims == 2)
			put_u64(b, (uint64_t)t->shape[0]);
		put_u32(b, (uint32_t)ty);
		put_u64(b, off);
		off += gg_nbytes(ty, t->n);
		off = (off + GGUF_ALIGN - 1) / GGUF_ALIGN * GGUF_ALIGN;
	}
	for (int i = 0; i < m->n; i++) {
		pad_to(b, GGUF_ALIGN, 0);
		gg_data(b, gg_type_for(&m->t[i], type), m->t[i].data, m->t[i].n);
	}
}

/* ---- safetensors writer ----------------------------------------------------------- */

enum { ST_F32, ST_F16, ST_BF16 };
static const char *const st_names[] = { "F32", "F16", "BF16" };
static const size_t st_size[] = { 4, 2, 2 };

/* Row r of an HF q/k matrix is GGUF row perm(r): within each head, HF keeps
 * the first halves of the rotary pairs first (convert_hf_to_gguf.py
 * permute(), inverted). */
static size_t hf_row_source(const struct fx_tensor *t, size_t r)
{
	size_t hd, h, j, i;

	if (!t->permute_heads)
		return r;
	hd = (size_t)t->shape[0] / (size_t)t->permute_heads;
	h = r / hd;
	j = (r % hd) / (hd / 2);
	i = r % (hd / 2);
	return h * hd + 2 * i + j;
}

static void st_tensor_data(struct fx_buf *b, const struct fx_tensor *t, int dt)
{
	size_t cols = (size_t)t->shape[1];

	for (size_t r = 0; r < (size_t)t->shape[0]; r++) {
		const float *row = t->data + hf_row_source(t, r) * cols;

		for (size_t j = 0; j < cols; j++) {
			if (dt == ST_F16)
				put_u16(b, f32_to_f16(row[j]));
			else if (dt == ST_BF16)
				put_u16(b, f32_to_bf16(row[j]));
			else
				put_f32(b, row[j]);
		}
	}
}

/* Bytes left unused before the first tensor (`bad` only). */
static uint64_t st_gap;

/* One safetensors file holding tensors [from, to) of m (HF names). */
static void write_safetensors(struct fx_buf *b, struct fx_model *m, int from, int to, int dt)
{
	struct gpai_buf h;
	uint64_t off = st_gap;
	size_t hlen;

	gpai_buf_init(&h);
	gpai_buf_puts(&h, "{\"__metadata__\":{\"format\":\"pt\"}");
	for (int i = from; i < to; i++) {
		const struct fx_tensor *t = &m->t[i];
		uint64_t nb = t->n * st_size[dt];

		if (t->n_dims == 2)
			gpai_buf_printf(&h, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%lld,%lld],\"data_offsets\":[%llu,%llu]}",
					t->hf_name, st_names[dt], (long long)t->shape[0],
					(long long)t->shape[1], (unsigned long long)off,
					(unsigned long long)(off + nb));
		else
			gpai_buf_printf(&h, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[%lld],\"data_offsets\":[%llu,%llu]}",
					t->hf_name, st_names[dt], (long long)t->shape[0],
					(unsigned long long)off, (unsigned long long)(off + nb));
		off += nb;
	}
	gpai_buf_puts(&h, "}");
	hlen = h.len;
	while ((8 + hlen) % ST_ALIGN)
		hlen++; /* space padding, as the reference writer */
	put_u64(b, hlen);
	put(b, h.data, h.len);
	for (size_t i = h.len; i < hlen; i++)
		put_u8(b, ' ');
	gpai_buf_release(&h);
	for (uint64_t i = 0; i < st_gap; i++)
		put_u8(b, 0);
	for (int i = from; i < to; i++)
		st_tensor_data(b, &m->t[i], dt);
}

static void write_config_json(const char *dir, const struct fx_model *m, int dt)
{
	const struct fx_config *c = &m->c;
	char *path = gpai_path_join(dir, "config.json");
	FILE *f = path ? fopen(path, "w") : NULL;

	if (!f)
		die("cannot create '%s/config.json'", dir);
	fprintf(f, "{\n  \"architectures\": [\"LlamaForCausalLM\"],\n  \"model_type\": \"llama\",\n"
		   "  \"hidden_size\": %d,\n  \"intermediate_size\": %d,\n  \"num_hidden_layers\": %d,\n"
		   "  \"num_attention_heads\": %d,\n  \"num_key_value_heads\": %d,\n"
		   "  \"vocab_size\": %d,\n  \"max_position_embeddings\": %d,\n"
		   "  \"rms_norm_eps\": 1e-05,\n  \"rope_theta\": 10000.0,\n"
		   "  \"tie_word_embeddings\": %s,\n  \"torch_dtype\": \"%s\",\n"
		   "  \"bos_token_id\": 1,\n  \"eos_token_id\": 2\n}\n",
		c->dim, c->hidden, c->layers, c->heads, c->kv_heads, c->vocab, c->seq,
		c->tied ? "true" : "false",
		dt == ST_F32 ? "float32" : dt == ST_F16 ? "float16" : "bfloat16");
	if (fclose(f) != 0)
		die("cannot write '%s'", path);
	free(path);
}

static void write_safetensors_dir(const char *dir, struct fx_model *m, int dt, int shards)
{
	struct gpai_error err;

	gpai_error_init(&err);
	if (gpai_mkdir_p(dir, 0777, &err) != GPAI_OK)
		die("%s", gpai_errmsg(&err));
	write_config_json(dir, m, dt);
	if (shards <= 1) {
		struct fx_buf b = { 0 };
		char *p = gpai_path_join(dir, "model.safetensors");

		write_safetensors(&b, m, 0, m->n, dt);
		write_out(p, &b);
		free(p);
		free(b.p);
		return;
	}
	{
		struct gpai_buf idx;
		uint64_t total = 0;
		char *p;
		FILE *f;

		if (shards > m->n)
			die("--shards %d: the model has only %d tensors", shards, m->n);
		gpai_buf_init(&idx);
		for (int s = 0; s < shards; s++) {
			int from = m->n * s / shards, to = m->n * (s + 1) / shards;
			struct fx_buf b = { 0 };
			char name[64];

			snprintf(name, sizeof(name), "model-%05d-of-%05d.safetensors", s + 1, shards);
			write_safetensors(&b, m, from, to, dt);
			p = gpai_path_join(dir, name);
			write_out(p, &b);
			free(p);
			free(b.p);
			for (int i = from; i < to; i++) {
				total += m->t[i].n * st_size[dt];
				gpai_buf_printf(&idx, "%s\n    \"%s\": \"%s\"", idx.len ? "," : "",
						m->t[i].hf_name, name);
			}
		}
		p = gpai_path_join(dir, "model.safetensors.index.json");
		f = p ? fopen(p, "w") : NULL;
		if (!f)
			die("cannot create the index in '%s'", dir);
		fprintf(f, "{\n  \"metadata\": {\"total_size\": %llu},\n  \"weight_map\": {%s\n  }\n}\n",
			(unsigned long long)total, idx.data);
		if (fclose(f) != 0)
			die("cannot write '%s'", p);
		free(p);
		gpai_buf_release(&idx);
	}
}

/* ---- llama2.c writer ------------------------------------------------------------------ */

/* All tensors of llama2.c array `l2c` (one or one per layer), in order. */
static void l2c_put_array(struct fx_buf *b, struct fx_model *m, const char *l2c, int q8,
			  int gs)
{
	for (int i = 0; i < m->n; i++) {
		const struct fx_tensor *t = &m->t[i];

		if (strcmp(t->l2c, l2c) != 0)
			continue;
		if (!q8) {
			for (size_t j = 0; j < t->n; j++)
				put_f32(b, t->data[j]);
			continue;
		}
		/* export.py version2_export / runq.c: int8 q[n], then float
		 * scale[n / gs], scale = max|w| / 127 per group, q = w / scale
		 * rounded half to even (torch.round). */
		{
			struct fx_buf s = { 0 };

			for (size_t g = 0; g < t->n / (size_t)gs; g++) {
				float wmax = 0, scale;

				for (int j = 0; j < gs; j++)
					wmax = fmaxf(wmax, fabsf(t->data[g * gs + j]));
				scale = wmax / 127.0f;
				for (int j = 0; j < gs; j++)
					put_u8(b, (uint8_t)(int8_t)rintf(scale ? t->data[g * gs + j] / scale : 0));
				put_f32(&s, scale);
			}
			put(b, s.p, s.n);
			free(s.p);
		}
	}
}

/* v2 group size (--group); 0: export.py's choice. */
static int l2c_group;

static void write_llama2c(struct fx_buf *b, struct fx_model *m, int version)
{
	static const char *const mats[] = { "wq", "wk", "wv", "wo", "w1", "w2", "w3" };
	const struct fx_config *c = &m->c;
	int32_t cfg[7] = { c->dim, c->hidden, c->layers, c->heads, c->kv_heads, c->vocab, c->seq };
	int gs = 64;

	while (c->dim % gs)
		gs /= 2; /* export.py: halve until it divides dim */
	if (l2c_group)
		gs = l2c_group;
	if (version == 0) {
		int hs = c->dim / c->heads;

		if (!c->tied)
			cfg[5] = -cfg[5]; /* negative vocab: unshared classifier */
		for (int i = 0; i < 7; i++)
			put_u32(b, (uint32_t)cfg[i]);
		l2c_put_array(b, m, "token_embedding", 0, 0);
		l2c_put_array(b, m, "rms_att", 0, 0);
		for (int k = 0; k < 4; k++)
			l2c_put_array(b, m, mats[k], 0, 0);
		l2c_put_array(b, m, "rms_ffn", 0, 0);
		for (int k = 4; k < 7; k++)
			l2c_put_array(b, m, mats[k], 0, 0);
		l2c_put_array(b, m, "rms_final", 0, 0);
		/* freq_cis_real then freq_cis_imag [seq][hs/2] (legacy export) */
		for (int part = 0; part < 2; part++)
			for (int p = 0; p < c->seq; p++)
				for (int i = 0; i < hs / 2; i++) {
					double f = 1.0 / pow(ROPE_THETA, (2.0 * i) / hs);

					put_f32(b, (float)(part ? sin(p * f) : cos(p * f)));
				}
		l2c_put_array(b, m, "wcls", 0, 0);
		return;
	}
	put_u32(b, L2C_MAGIC);
	put_u32(b, (uint32_t)version);
	for (int i = 0; i < 7; i++)
		put_u32(b, (uint32_t)cfg[i]);
	put_u8(b, (uint8_t)(c->tied ? 1 : 0));
	if (version == 2)
		put_u32(b, (uint32_t)gs);
	while (b->n < L2C_HEADER)
		put_u8(b, 0);
	l2c_put_array(b, m, "rms_att", 0, 0);
	l2c_put_array(b, m, "rms_ffn", 0, 0);
	l2c_put_array(b, m, "rms_final", 0, 0);
	l2c_put_array(b, m, "token_embedding", version == 2, gs);
	for (int k = 0; k < 7; k++)
		l2c_put_array(b, m, mats[k], version == 2, gs);
	l2c_put_array(b, m, "wcls", version == 2, gs);
}

/* llama2.c tokenizer.bin (tokenizer.py export): max_token_length, then per
 * id: float score, int32 length, bytes; U+2581 becomes a space, <s> and
 * </s> become "\n<s>\n" and "\n</s>\n". */
static void write_tokenizer(struct fx_buf *b, int n)
{
	struct fx_vocab v;
	char **text;
	uint32_t maxlen = 0;

	vocab_build(&v, n);
	text = calloc((size_t)n, sizeof(char *));
	if (!text)
		die("out of memory");
	for (int i = 0; i < n; i++) {
		struct gpai_buf t;
		const char *p = v.text[i];

		gpai_buf_init(&t);
		if (i == 1 || i == 2)
			gpai_buf_printf(&t, "\n%s\n", p);
		else
			for (; *p; p++) {
				if (strncmp(p, "\xe2\x96\x81", 3) == 0) {
					gpai_buf_puts(&t, " ");
					p += 2;
				} else {
					gpai_buf_append(&t, p, 1);
				}
			}
		text[i] = gpai_buf_detach(&t);
		if (strlen(text[i]) > maxlen)
			maxlen = (uint32_t)strlen(text[i]);
	}
	put_u32(b, maxlen);
	for (int i = 0; i < n; i++) {
		put_f32(b, v.score[i]);
		put_u32(b, (uint32_t)strlen(text[i]));
		put(b, text[i], strlen(text[i]));
		free(text[i]);
	}
	free(text);
	vocab_free(&v);
}

/* ---- malformed files ------------------------------------------------------------------- */

static const struct {
	const char *kind, *what;
} bad_kinds[] = {
	{ "gguf-truncated", "a valid GGUF cut inside its tensor infos" },
	{ "gguf-huge-count", "tensor count 2^40" },
	{ "gguf-string-past-eof", "the token array's first string length is 2^40" },
	{ "gguf-bad-utf8", "the first tensor name holds byte 0xff" },
	{ "gguf-dup-tensor", "blk.1.attn_norm.weight renamed blk.0.attn_norm.weight" },
	{ "gguf-unknown-type", "the first tensor's ggml type is 5" },
	{ "gguf-misaligned", "the first tensor's offset is 1" },
	{ "gguf-data-past-eof", "the file ends before the last tensor's data" },
	{ "safetensors-bad-offsets", "the first tensor's data_offsets leave a gap" },
	{ "safetensors-header-too-long", "header length 100000001" },
	{ "safetensors-header-past-eof", "header length larger than the file" },
	{ "safetensors-dup-key", "a tensor name twice in the header" },
	{ "safetensors-bad-json", "the header JSON is cut short" },
	{ "safetensors-size-mismatch", "one tensor's shape needs more bytes than its offsets hold" },
	{ "llama2c-truncated", "a valid v0 .bin missing its last 4 bytes" },
	{ "llama2c-bad-version", "a v1 header with version 9" },
	{ "llama2c-bad-group", "a v2 header whose group size does not divide dim" },
	{ "llama2c-v2-truncated", "a valid v2 .bin missing its last byte (a scale's)" },
	{ "llama2c-v2-group-zero", "a v2 header with group size 0" },
};

/* Index of the first occurrence of needle in b, from `from`. */
static size_t find_bytes(const struct fx_buf *b, size_t from, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = from; i + k <= b->n; i++)
		if (memcmp(b->p + i, needle, k) == 0)
			return i;
	die("internal: '%s' not found", needle);
	return 0;
}

static void set_u64(struct fx_buf *b, size_t at, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		b->p[at + i] = (unsigned char)(v >> (8 * i));
}

/* Replaces the safetensors header of b with text h (same data). */
static void st_replace_header(struct fx_buf *b, const char *h)
{
	uint64_t old = 0;
	struct fx_buf nb = { 0 };

	for (int i = 0; i < 8; i++)
		old |= (uint64_t)b->p[i] << (8 * i);
	put_u64(&nb, strlen(h));
	put(&nb, h, strlen(h));
	put(&nb, b->p + 8 + old, b->n - 8 - old);
	free(b->p);
	*b = nb;
}

static char *st_header_text(const struct fx_buf *b)
{
	uint64_t n = 0;
	char *h;

	for (int i = 0; i < 8; i++)
		n |= (uint64_t)b->p[i] << (8 * i);
	h = malloc(n + 1);
	if (!h)
		die("out of memory");
	memcpy(h, b->p + 8, n);
	h[n] = '\0';
	return h;
}

static int write_bad(const char *kind, const char *out, const struct fx_config *c)
{
	struct fx_model m;
	struct fx_buf b = { 0 };
	size_t info_at, tokens_at;

	fx_llama_build(&m, c);
	if (strncmp(kind, "gguf-", 5) == 0) {
		write_gguf(&b, &m, GG_F32, &info_at, &tokens_at);
		if (strcmp(kind, "gguf-truncated") == 0) {
			b.n = info_at + 20;
		} else if (strcmp(kind, "gguf-huge-count") == 0) {
			set_u64(&b, 8, 1ull << 40);
		} else if (strcmp(kind, "gguf-string-past-eof") == 0) {
			/* key, type, elem type, count, then the first string */
			size_t at = tokens_at + 8 + strlen("tokenizer.ggml.tokens") + 4 + 4 + 8;

			set_u64(&b, at, 1ull << 40);
		} else if (strcmp(kind, "gguf-bad-utf8") == 0) {
			b.p[info_at + 8] = 0xff;
		} else if (strcmp(kind, "gguf-dup-tensor") == 0) {
			/* blk.1.attn_norm.weight is renamed blk.0.attn_norm.weight
			 * (same length, so nothing else moves) */
			size_t at = find_bytes(&b, info_at, "blk.1.attn_norm.weight");

			b.p[at + 4] = '0';
		} else if (strcmp(kind, "gguf-unknown-type") == 0) {
			size_t at = info_at + 8 + strlen("token_embd.weight") + 4 + 16;

			b.p[at] = 5;
		} else if (strcmp(kind, "gguf-misaligned") == 0) {
			size_t at = info_at + 8 + strlen("token_embd.weight") + 4 + 16 + 4;

			b.p[at] = 1;
		} else if (strcmp(kind, "gguf-data-past-eof") == 0) {
			b.n -= 4;
		} else {
			goto out_unknown;
		}
	} else if (strncmp(kind, "safetensors-", 12) == 0) {
		char *h;

		write_safetensors(&b, &m, 0, m.n, ST_F32);
		h = st_header_text(&b);
		if (strcmp(kind, "safetensors-bad-offsets") == 0) {
			/* every offset moved up by 4 bytes: a gap at 0 */
			free(b.p);
			memset(&b, 0, sizeof(b));
			st_gap = 4;
			write_safetensors(&b, &m, 0, m.n, ST_F32);
			st_gap = 0;
		} else if (strcmp(kind, "safetensors-header-too-long") == 0) {
			set_u64(&b, 0, 100000001ull);
		} else if (strcmp(kind, "safetensors-header-past-eof") == 0) {
			set_u64(&b, 0, b.n);
		} else if (strcmp(kind, "safetensors-dup-key") == 0) {
			/* model.norm.weight's entry gets the embedding's name */
			char *p = strstr(h, "\"model.norm.weight\"");
			char *q = gpai_asprintf("%.*s\"model.embed_tokens.weight\"%s", (int)(p - h), h,
						p + strlen("\"model.norm.weight\""));

			st_replace_header(&b, q);
			free(q);
		} else if (strcmp(kind, "safetensors-bad-json") == 0) {
			h[strlen(h) / 2] = '\0';
			st_replace_header(&b, h);
			b.n = 8 + strlen(h) + 64;
		} else if (strcmp(kind, "safetensors-size-mismatch") == 0) {
			char *p = strstr(h, "\"shape\":[");
			char *q = gpai_asprintf("%.*s\"shape\":[2,%s", (int)(p - h), h,
						p + strlen("\"shape\":["));

			st_replace_header(&b, q);
			free(q);
		} else {
			free(h);
			goto out_unknown;
		}
		free(h);
	} else if (strncmp(kind, "llama2c-", 8) == 0) {
		if (strcmp(kind, "llama2c-truncated") == 0) {
			write_llama2c(&b, &m, 0);
			b.n -= 4;
		} else if (strcmp(kind, "llama2c-bad-version") == 0) {
			write_llama2c(&b, &m, 1);
			b.p[4] = 9;
		} else if (strcmp(kind, "llama2c-bad-group") == 0) {
			write_llama2c(&b, &m, 2);
			b.p[37] = 3;
		} else if (strcmp(kind, "llama2c-v2-truncated") == 0) {
			write_llama2c(&b, &m, 2);
			b.n -= 1;
		} else if (strcmp(kind, "llama2c-v2-group-zero") == 0) {
			write_llama2c(&b, &m, 2);
			memset(b.p + 37, 0, 4);
		} else {
			goto out_unknown;
		}
	} else {
		goto out_unknown;
	}
	write_out(out, &b);
	free(b.p);
	fx_model_free(&m);
	return 0;
out_unknown:
	free(b.p);
	fx_model_free(&m);
	fprintf(stderr, "gpai-fixture: unknown bad KIND '%s' (see: gpai-fixture bad list)\n", kind);
	return 2;
}

/* ---- command line ------------------------------------------------------------------------ */

static const char usage[] =
	"usage: gpai-fixture gguf OUT [--type f32|f16|bf16|q8_0|q4_0] [SHAPE]\n"
	"       gpai-fixture safetensors OUTDIR [--dtype f32|f16|bf16] [--shards N] [SHAPE]\n"
	"       gpai-fixture llama2c OUT [--version 0|1|2] [--group GS] [SHAPE]\n"
	"       gpai-fixture tokenizer OUT [--vocab N]\n"
	"       gpai-fixture gpt2-gguf OUT [--type f32|f16|q8_0] [SHAPE]\n"
	"       gpai-fixture gpt2-safetensors OUTDIR [--dtype f32|f16|bf16] [SHAPE]\n"
	"       gpai-fixture bad KIND OUT | bad list\n"
	"SHAPE: --dim 16 --hidden 64 --layers 2 --heads 4 --kv-heads 2 --vocab 32\n"
	"       --seq 64 --seed 1 --tied\n";

static int usage_error(const char *fmt, const char *arg)
{
	fputs("gpai-fixture: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	fputs(usage, stderr);
	return 2;
}

static int int_arg(const char *s, int *out)
{
	int64_t v;

	if (gpai_parse_i64(s, &v) != GPAI_OK || v < 1 || v > (1 << 24))
		return -1;
	*out = (int)v;
	return 0;
}

/* ---- GPT-2 (engine tests) -------------------------------------------------------
 * A tiny GPT-2: GGUF names and [out][in] rows in fx_model (fused attn_qkv),
 * HF names beside them.  The HF writer stores the Conv1D matrices (c_attn,
 * c_proj, c_fc, mlp.c_proj) transposed, [in][out], as HF checkpoints do.
 * Weights uniform in +-1/sqrt(fan_in), LayerNorm weights 1 +- 0.1, biases
 * and position embeddings +-0.1, from one RNG stream in tensor order. */

static void fx_gpt2_build(struct fx_model *m, const struct fx_config *c)
{
	static const struct {
		const char *gg, *hf;
		int kind; /* 0 norm/bias [dim], 1 [3dim][dim], 2 [3dim] bias, 3 [dim][dim],
			   * 4 [hid][dim], 5 [hid] bias, 6 [dim][hid] */
	} per_layer[] = {
		{ "attn_norm.weight", "ln_1.weight", 0 },
		{ "attn_norm.bias", "ln_1.bias", 0 },
		{ "attn_qkv.weight", "attn.c_attn.weight", 1 },
		{ "attn_qkv.bias", "attn.c_attn.bias", 2 },
		{ "attn_output.weight", "attn.c_proj.weight", 3 },
		{ "attn_output.bias", "attn.c_proj.bias", 0 },
		{ "ffn_norm.weight", "ln_2.weight", 0 },
		{ "ffn_norm.bias", "ln_2.bias", 0 },
		{ "ffn_up.weight", "mlp.c_fc.weight", 4 },
		{ "ffn_up.bias", "mlp.c_fc.bias", 5 },
		{ "ffn_down.weight", "mlp.c_proj.weight", 6 },
		{ "ffn_down.bias", "mlp.c_proj.bias", 0 },
	};
	struct fx_rng rng = { c->seed };
	char name[64], hf[96];

	memset(m, 0, sizeof(*m));
	m->c = *c;
	add_tensor(m, "token_embd.weight", "wte.weight", 2, c->vocab, c->dim, ROLE_EMBED, -1, "");
	add_tensor(m, "position_embd.weight", "wpe.weight", 2, c->seq, c->dim, ROLE_NORM, -1, "");
	for (int l = 0; l < c->layers; l++)
		for (size_t k = 0; k < sizeof(per_layer) / sizeof(per_layer[0]); k++) {
			int64_t d0 = c->dim, d1 = 0;
			int nd = 1;

			switch (per_layer[k].kind) {
			case 1: d0 = 3 * c->dim; d1 = c->dim; nd = 2; break;
			case 2: d0 = 3 * c->dim; break;
			case 3: d1 = c->dim; nd = 2; break;
			case 4: d0 = c->hidden; d1 = c->dim; nd = 2; break;
			case 5: d0 = c->hidden; break;
			case 6: d1 = c->hidden; nd = 2; break;
			default: break;
			}
			snprintf(name, sizeof(name), "blk.%d.%s", l, per_layer[k].gg);
			snprintf(hf, sizeof(hf), "h.%d.%s", l, per_layer[k].hf);
			add_tensor(m, name, hf, nd, d0, d1, nd == 2 ? ROLE_MATRIX : ROLE_NORM, l, "");
		}
	add_tensor(m, "output_norm.weight", "ln_f.weight", 1, c->dim, 0, ROLE_NORM, -1, "");
	add_tensor(m, "output_norm.bias", "ln_f.bias", 1, c->dim, 0, ROLE_NORM, -1, "");
	for (int i = 0; i < m->n; i++) {
		struct fx_tensor *t = &m->t[i];
		int ln_weight = strstr(t->name, "norm.weight") != NULL;
		float a = t->role == ROLE_NORM ? 0.1f : 1.0f / sqrtf((float)t->shape[1]);

		for (size_t j = 0; j < t->n; j++)
			t->data[j] = (ln_weight ? 1.0f : 0.0f) + a * rng_unit(&rng);
	}
}

static void write_gguf_gpt2(struct fx_buf *b, struct fx_model *m, int type)
{
	const struct fx_config *c = &m->c;
	struct fx_buf kv = { 0 };
	int n_kv = 0;
	uint64_t off = 0;

	kv_str(&kv, &n_kv, "general.architecture", "gpt2");
	kv_str(&kv, &n_kv, "general.name", "gpai-fixture tiny gpt2");
	kv_u32(&kv, &n_kv, "general.alignment", GGUF_ALIGN);
	kv_u32(&kv, &n_kv, "gpt2.context_length", (uint32_t)c->seq);
	kv_u32(&kv, &n_kv, "gpt2.embedding_length", (uint32_t)c->dim);
	kv_u32(&kv, &n_kv, "gpt2.feed_forward_length", (uint32_t)c->hidden);
	kv_u32(&kv, &n_kv, "gpt2.block_count", (uint32_t)c->layers);
	kv_u32(&kv, &n_kv, "gpt2.attention.head_count", (uint32_t)c->heads);
	kv_f32(&kv, &n_kv, "gpt2.attention.layer_norm_epsilon", NORM_EPS);
	put(b, "GGUF", 4);
	put_u32(b, 3);
	put_u64(b, (uint64_t)m->n);
	put_u64(b, (uint64_t)n_kv);
	put(b, kv.p, kv.n);
	free(kv.p);
	for (int i = 0; i < m->n; i++) {
		const struct fx_tensor *t = &m->t[i];
		int ty = gg_type_for(t, type);

		gg_str(b, t->name);
		put_u32(b, (uint32_t)t->n_dims);
		put_u64(b, (uint64_t)t->shape[t->n_dims - 1]);
		if (t->n_dims == 2)
			put_u64(b, (uint64_t)t->shape[0]);
		put_u32(b, (uint32_t)ty);
		put_u64(b, off);
		off += gg_nbytes(ty, t->n);
		off = (off + GGUF_ALIGN - 1) / GGUF_ALIGN * GGUF_ALIGN;
	}
	for (int i = 0; i < m->n; i++) {
		pad_to(b, GGUF_ALIGN, 0);
		gg_data(b, gg_type_for(&m->t[i], type), m->t[i].data, m->t[i].n);
	}
}

/* The matrices HF GPT-2 keeps in Conv1D layers, stored [in][out]. */
static int gpt2_conv1d(const struct fx_tensor *t)
{
	return t->n_dims == 2 && strncmp(t->hf_name, "h.", 2) == 0;
}

/* HF GPT-2 directory: config.json and model.safetensors (Conv1D [in][out]). */
static void write_safetensors_gpt2(const char *dir, struct fx_model *m, int dt)
{
	const struct fx_config *c = &m->c;
	struct gpai_error err;
	struct fx_model hf = m[0];
	struct fx_buf b = { 0 };
	char *p;
	FILE *f;

	gpai_error_init(&err);
	if (gpai_mkdir_p(dir, 0777, &err) != GPAI_OK)
		die("%s", gpai_errmsg(&err));
	hf.t = calloc((size_t)m->n, sizeof(*hf.t));
	if (!hf.t)
		die("out of memory");
	for (int i = 0; i < m->n; i++) {
		struct fx_tensor *t = &hf.t[i];

		*t = m->t[i];
		if (gpt2_conv1d(t)) {
			size_t r = (size_t)t->shape[0], cc = (size_t)t->shape[1];

			t->data = malloc(t->n * sizeof(float));
			if (!t->data)
				die("out of memory");
			for (size_t x = 0; x < r; x++)
				for (size_t y = 0; y < cc; y++)
					t->data[y * r + x] = m->t[i].data[x * cc + y];
			t->shape[0] = (int64_t)cc;
			t->shape[1] = (int64_t)r;
		}
	}
	write_safetensors(&b, &hf, 0, hf.n, dt);
	for (int i = 0; i < m->n; i++)
		if (gpt2_conv1d(&m->t[i]))
			free(hf.t[i].data);
	free(hf.t);
	p = gpai_path_join(dir, "model.safetensors");
	write_out(p, &b);
	free(p);
	free(b.p);
	p = gpai_path_join(dir, "config.json");
	f = p ? fopen(p, "w") : NULL;
	if (!f)
		die("cannot create '%s/config.json'", dir);
	fprintf(f, "{\n  \"architectures\": [\"GPT2LMHeadModel\"],\n  \"model_type\": \"gpt2\",\n"
		   "  \"n_embd\": %d,\n  \"n_inner\": %d,\n  \"n_layer\": %d,\n  \"n_head\": %d,\n"
		   "  \"n_positions\": %d,\n  \"vocab_size\": %d,\n  \"layer_norm_epsilon\": 1e-05,\n"
		   "  \"tie_word_embeddings\": true\n}\n",
		c->dim, c->hidden, c->layers, c->heads, c->seq, c->vocab);
	if (fclose(f) != 0)
		die("cannot write '%s'", p);
	free(p);
}

int main(int argc, char **argv)
{
	struct fx_config c = { 16, 64, 2, 4, 2, 32, 64, 1, 0 };
	const char *cmd, *out, *type = NULL;
	int version = 0, shards = 1;

	if (argc >= 3 && strcmp(argv[1], "bad") == 0 && strcmp(argv[2], "list") == 0) {
		for (size_t i = 0; i < sizeof(bad_kinds) / sizeof(bad_kinds[0]); i++)
			printf("%-30s %s\n", bad_kinds[i].kind, bad_kinds[i].what);
		return 0;
	}
	if (argc < 3)
		return usage_error("%s", "missing arguments");
	cmd = argv[1];
	if (strcmp(cmd, "bad") == 0) {
		if (argc != 4)
			return usage_error("%s", "bad takes KIND and OUT");
		return write_bad(argv[2], argv[3], &c);
	}
	out = argv[2];
	for (int i = 3; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int *slot = NULL;

		if (strcmp(o, "--tied") == 0) {
			c.tied = 1;
			continue;
		}
		if (!v)
			return usage_error("option '%s' needs a value", o);
		i++;
		if (strcmp(o, "--type") == 0 || strcmp(o, "--dtype") == 0) {
			type = v;
			continue;
		}
		if (strcmp(o, "--seed") == 0) {
			uint64_t s;

			if (gpai_parse_u64(v, &s) != GPAI_OK)
				return usage_error("bad --seed '%s'", v);
			c.seed = s;
			continue;
		}
		if (strcmp(o, "--version") == 0) slot = &version;
		else if (strcmp(o, "--shards") == 0) slot = &shards;
		else if (strcmp(o, "--group") == 0) slot = &l2c_group;
		else if (strcmp(o, "--dim") == 0) slot = &c.dim;
		else if (strcmp(o, "--hidden") == 0) slot = &c.hidden;
		else if (strcmp(o, "--layers") == 0) slot = &c.layers;
		else if (strcmp(o, "--heads") == 0) slot = &c.heads;
		else if (strcmp(o, "--kv-heads") == 0) slot = &c.kv_heads;
		else if (strcmp(o, "--vocab") == 0) slot = &c.vocab;
		else if (strcmp(o, "--seq") == 0) slot = &c.seq;
		else
			return usage_error("unknown option '%s'", o);
		if (slot == &version) {
			if (strcmp(v, "0") && strcmp(v, "1") && strcmp(v, "2"))
				return usage_error("--version '%s' is not 0, 1 or 2", v);
			version = v[0] - '0';
		} else if (int_arg(v, slot) != 0) {
			return usage_error("bad value '%s'", v);
		}
	}
	if (l2c_group && c.dim % l2c_group)
		return usage_error("%s", "--group must divide --dim");
	if (c.dim % c.heads || c.heads % c.kv_heads || (c.dim / c.heads) % 2)
		return usage_error("%s", "--dim must be a multiple of --heads (even head size), "
					 "--heads a multiple of --kv-heads");
	if (strcmp(cmd, "gguf") == 0) {
		struct fx_model m;
		struct fx_buf b = { 0 };
		size_t a, t;
		int ty = GG_F32;

		if (!type || strcmp(type, "f32") == 0) ty = GG_F32;
		else if (strcmp(type, "f16") == 0) ty = GG_F16;
		else if (strcmp(type, "bf16") == 0) ty = GG_BF16;
		else if (strcmp(type, "q8_0") == 0) ty = GG_Q8_0;
		else if (strcmp(type, "q4_0") == 0) ty = GG_Q4_0;
		else return usage_error("--type '%s' is not f32, f16, bf16, q8_0 or q4_0", type);
		fx_llama_build(&m, &c);
		write_gguf(&b, &m, ty, &a, &t);
		write_out(out, &b);
		free(b.p);
		fx_model_free(&m);
		return 0;
	}
	if (strcmp(cmd, "safetensors") == 0) {
		struct fx_model m;
		int dt;

		if (!type || strcmp(type, "f32") == 0) dt = ST_F32;
		else if (strcmp(type, "f16") == 0) dt = ST_F16;
		else if (strcmp(type, "bf16") == 0) dt = ST_BF16;
		else return usage_error("--dtype '%s' is not f32, f16 or bf16", type);
		fx_llama_build(&m, &c);
		write_safetensors_dir(out, &m, dt, shards);
		fx_model_free(&m);
		return 0;
	}
	if (strcmp(cmd, "llama2c") == 0) {
		struct fx_model m;
		struct fx_buf b = { 0 };

		fx_llama_build(&m, &c);
		write_llama2c(&b, &m, version);
		write_out(out, &b);
		free(b.p);
		fx_model_free(&m);
		return 0;
	}
	if (strcmp(cmd, "tokenizer") == 0) {
		struct fx_buf b = { 0 };

		write_tokenizer(&b, c.vocab);
		write_out(out, &b);
		free(b.p);
		return 0;
	}
	if (strcmp(cmd, "gpt2-gguf") == 0 || strcmp(cmd, "gpt2-safetensors") == 0) {
		struct fx_model m;
		int gguf = cmd[5] == 'g', ty;

		if (!type || strcmp(type, "f32") == 0) ty = gguf ? GG_F32 : ST_F32;
		else if (strcmp(type, "f16") == 0) ty = gguf ? GG_F16 : ST_F16;
		else if (!gguf && strcmp(type, "bf16") == 0) ty = ST_BF16;
		else if (gguf && strcmp(type, "q8_0") == 0) ty = GG_Q8_0;
		else return usage_error("type '%s' is not f32, f16, bf16 (safetensors) or q8_0 (gguf)", type);
		fx_gpt2_build(&m, &c);
		if (gguf) {
			struct fx_buf b = { 0 };

			write_gguf_gpt2(&b, &m, ty);
			write_out(out, &b);
			free(b.p);
		} else {
			write_safetensors_gpt2(out, &m, ty);
		}
		fx_model_free(&m);
		return 0;
	}
	return usage_error("unknown command '%s'", cmd);
}
