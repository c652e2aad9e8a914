/*
 * tokenizer.c - SentencePiece-BPE (llama2.c tokenizer.bin, GGUF "llama")
 * and GPT-2 byte-level BPE (GGUF "gpt2"): encode and decode.
 *
 * SPM encode (llama2.c run.c encode(), llama.cpp llm_tokenizer_spm):
 *   a space prefix is put before non-empty text; the text is split
 *   into UTF-8 codepoints; adjacent symbols whose concatenation is a vocab
 *   piece are merged, highest score first, ties to the leftmost pair, until
 *   no pair merges; a symbol that is no piece becomes its bytes (byte
 *   tokens "<0xHH>", in llama2.c files id = byte + 3).  With llama2.c rules
 *   an unknown codepoint turns into bytes before merging and never merges
 *   (run.c); with llama.cpp rules it may merge and falls back at the end.
 * GPT-2 encode: the text is cut by GPT-2's pre-tokenizer pattern
 *   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
 *   and each chunk's bytes are merged by the lowest merge rank first.
 * Pieces are kept as raw bytes: SPM's U+2581 is turned into ' ' and GPT-2's
 *   byte-to-unicode mapping is undone at load, so decode is concatenation.
 *
 * Invariants: every piece is NUL-terminated in the arena; byte_id[b] is the
 * token for byte b or -1.
 */
#include "engine_private.h"

#include <stdlib.h>
#include <string.h>

/* llama2.c's tokenizer.bin has no byte types: byte b is id b + 3 (run.c). */
#define LLAMA2C_BYTE_OFFSET 3
#define LLAMA2C_BOS 1
#define LLAMA2C_EOS 2
/* A sanity bound for one piece in tokenizer.bin (run.c reads into a buffer
 * of max_token_length; real files use at most a few dozen bytes). */
#define TOK_PIECE_MAX 4096

struct gpai_tokenizer *tok_alloc(int32_t n_vocab, size_t arena_bytes)
{
	struct gpai_tokenizer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->n_vocab = n_vocab;
	t->arena = malloc(arena_bytes ? arena_bytes : 1);
	t->piece = calloc((size_t)n_vocab + 1, sizeof(*t->piece));
	t->piece_len = calloc((size_t)n_vocab + 1, sizeof(*t->piece_len));
	t->score = calloc((size_t)n_vocab + 1, sizeof(*t->score));
	t->type = calloc((size_t)n_vocab + 1, sizeof(*t->type));
	t->bos = t->eos = t->unk = -1;
	if (!t->arena || !t->piece || !t->piece_len || !t->score || !t->type) {
		gpai_tokenizer_free(t);
		return NULL;
	}
	return t;
}

void gpai_tokenizer_free(struct gpai_tokenizer *t)
{
	if (!t)
		return;
	strtab_release(&t->lookup);
	pairtab_release(&t->merges);
	free(t->merge_result);
	free(t->arena);
	free(t->piece);
	free(t->piece_len);
	free(t->score);
	free(t->type);
	free(t);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The byte of a "<0xHH>" piece, or -1. */
static int byte_piece(const char *p, uint32_t n)
{
	int hi, lo;

	if (n != 6 || memcmp(p, "<0x", 3) != 0 || p[5] != '>')
		return -1;
	hi = hexval(p[3]);
	lo = hexval(p[4]);
	if (hi < 0 || lo < 0)
		return -1;
	return hi * 16 + lo;
}

int tok_finish(struct gpai_tokenizer *t, struct gpai_error *err)
{
	for (int b = 0; b < 256; b++) {
		t->byte_id[b] = -1;
		t->byte_piece[b][0] = (unsigned char)b;
		t->byte_piece[b][1] = 0;
	}
	if (strtab_init(&t->lookup, (uint32_t)t->n_vocab))
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory for the vocabulary");
	for (int32_t i = 0; i < t->n_vocab; i++) {
		int b = t->kind == TOK_SPM ? byte_piece(t->piece[i], t->piece_len[i]) : -1;

		if (b >= 0 && (t->type[i] == TOKT_BYTE || t->llama2c)) {
			t->type[i] = TOKT_BYTE;
			if (t->byte_id[b] < 0)
				t->byte_id[b] = i;
			continue;
		}
		/* Control and unused tokens are never produced from text. */
		if (t->type[i] == TOKT_CONTROL || t->type[i] == TOKT_UNUSED)
			continue;
		strtab_put(&t->lookup, t->piece[i], t->piece_len[i], i);
	}
	if (t->kind == TOK_GPT2) {
		for (int b = 0; b < 256; b++)
			t->byte_id[b] = strtab_get(&t->lookup, (const char *)t->byte_piece[b], 1);
	}
	if (t->llama2c) {
		for (int b = 0; b < 256; b++)
			if (t->byte_id[b] < 0 && b + LLAMA2C_BYTE_OFFSET < t->n_vocab)
				t->byte_id[b] = b + LLAMA2C_BYTE_OFFSET;
	}
	return GPAI_OK;
}

int gpai_tokenizer_open_llama2c(const char *path, int32_t n_vocab,
				struct gpai_tokenizer **out,
				struct gpai_error *err)
{
	struct gpai_map m;
	struct gpai_tokenizer *t = NULL;
	size_t off = 4, arena_off = 0;
	int rc;

	*out = NULL;
	if (n_vocab <= 0)
		return gpai_error_set(err, GPAI_EMISUSE,
				      "tokenizer '%s': vocabulary size %d is not positive",
				      path, (int)n_vocab);
	rc = gpai_map_open(&m, path, err);
	if (rc)
		return rc;
	if (m.size < 4) {
		rc = gpai_error_set(err, GPAI_EFORMAT,
				    "tokenizer '%s': truncated at offset 0: no max_token_length", path);
		goto unmap;
	}
	/* Pieces plus a NUL each fit in the file size plus n_vocab bytes. */
	t = tok_alloc(n_vocab, m.size + (size_t)n_vocab);
	if (!t) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory for '%s'", path);
		goto unmap;
	}
	t->kind = TOK_SPM;
	t->llama2c = 1;
	t->add_space_prefix = 1;
	t->bos = LLAMA2C_BOS;
	t->eos = LLAMA2C_EOS;
	for (int32_t i = 0; i < n_vocab; i++) {
		float score;
		uint32_t len;

		if (m.size - off < 8) {
			rc = gpai_error_set(err, GPAI_EFORMAT,
					    "tokenizer '%s': truncated at offset %zu: entry %d of %d",
					    path, off, (int)i, (int)n_vocab);
			goto fail;
		}
		memcpy(&score, m.data + off, 4);
		memcpy(&len, m.data + off + 4, 4);
		off += 8;
		if (len > TOK_PIECE_MAX || m.size - off < len) {
			rc = gpai_error_set(err, GPAI_EFORMAT,
					    "tokenizer '%s': offset %zu: entry %d has length %u past the end of the file",
					    path, off - 4, (int)i, len);
			goto fail;
		}
		memcpy(t->arena + arena_off, m.data + off, len);
		t->arena[arena_off + len] = 0;
		t->piece[i] = t->arena + arena_off;
		t->piece_len[i] = len;
		t->score[i] = score;
		t->type[i] = TOKT_NORMAL;
		arena_off += len + 1;
		off += len;
	}
	rc = tok_finish(t, err);
	if (rc)
		goto fail;
	gpai_map_close(&m);
	*out = t;
	return GPAI_OK;
fail:
	gpai_tokenizer_free(t);
unmap:
	gpai_map_close(&m);
	return rc;
}

int32_t gpai_tokenizer_n_vocab(const struct gpai_tokenizer *t) { return t->n_vocab; }
int32_t gpai_tokenizer_bos(const struct gpai_tokenizer *t) { return t->bos; }
int32_t gpai_tokenizer_eos(const struct gpai_tokenizer *t) { return t->eos; }

/* ---- symbol merging shared by SPM and GPT-2 ------------------------------ */

struct sym {
	size_t start;
	uint32_t len;
	int32_t id;      /* vocab id of the span, -1 if none */
	int32_t prev, next;
	int nomerge;
};

struct cand {
	float prio;      /* higher merges first */
	int32_t left, right;
	uint32_t len;    /* len of left + right when pushed (staleness check) */
	int32_t id;      /* merged id */
};

struct heap {
	struct cand *v;
	size_t n, cap;
};

static int cand_before(const struct cand *a, const struct cand *b)
{
	if (a->prio != b->prio)
		return a->prio > b->prio;
	return a->left < b->left;
}

static int heap_push(struct heap *h, struct cand c)
{
	size_t i;

	if (h->n == h->cap) {
		size_t cap = h->cap ? 2 * h->cap : 64;
		struct cand *v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return GPAI_ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	i = h->n++;
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!cand_before(&c, &h->v[p]))
			break;
		h->v[i] = h->v[p];
		i = p;
	}
	h->v[i] = c;
	return GPAI_OK;
}

static struct cand heap_pop(struct heap *h)
{
	struct cand top = h->v[0], last = h->v[--h->n];
	size_t i = 0;

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, best = l;

		if (l >= h->n)
			break;
		if (r < h->n && cand_before(&h->v[r], &h->v[l]))
			best = r;
		if (!cand_before(&h->v[best], &last))
			break;
		h->v[i] = h->v[best];
		i = best;
	}
	if (h->n)
		h->v[i] = last;
	return top;
}

struct ids {
	int32_t *v;
	size_t n, cap;
};

static int ids_push(struct ids *o, int32_t id)
{
	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 64;
		int32_t *v = realloc(o->v, cap * sizeof(*v));

		if (!v)
			return GPAI_ENOMEM;
		o->v = v;
		o->cap = cap;
	}
	o->v[o->n++] = id;
	return GPAI_OK;
}

/* Offers the pair (l, r) as a merge candidate. */
static int offer(const struct gpai_tokenizer *t, const char *text,
		 struct sym *s, int32_t l, int32_t r, struct heap *h)
{
	struct cand c;

	if (l < 0 || r < 0 || s[l].nomerge || s[r].nomerge)
		return GPAI_OK;
	if (t->kind == TOK_SPM) {
		c.id = strtab_get(&t->lookup, text + s[l].start, s[l].len + s[r].len);
		if (c.id < 0)
			return GPAI_OK;
		c.prio = t->score[c.id];
	} else {
		int32_t rank;

		if (s[l].id < 0 || s[r].id < 0)
			return GPAI_OK;
		rank = pairtab_get(&t->merges, (uint64_t)(uint32_t)s[l].id << 32 |
					       (uint32_t)s[r].id);
		if (rank < 0)
			return GPAI_OK;
		c.id = t->merge_result[rank];
		c.prio = -(float)rank;
	}
	c.left = l;
	c.right = r;
	c.len = s[l].len + s[r].len;
	return heap_push(h, c);
}

/* Merges the symbols [first, first + n) (linked in order) and appends the
 * resulting ids to out. */
static int merge_run(const struct gpai_tokenizer *t, const char *text,
		     struct sym *s, int32_t first, int32_t n, struct heap *h,
		     struct ids *o)
{
	int rc = GPAI_OK;

	h->n = 0;
	for (int32_t i = first; i + 1 < first + n; i++)
		if ((rc = offer(t, text, s, i, i + 1, h)))
			return rc;
	while (h->n) {
		struct cand c = heap_pop(h);
		struct sym *l = &s[c.left], *r = &s[c.right];

		if (l->len == 0 || r->len == 0 || l->next != c.right ||
		    l->len + r->len != c.len)
			continue;
		l->len += r->len;
		l->id = c.id;
		l->next = r->next;
		if (r->next >= 0)
			s[r->next].prev = c.left;
		r->len = 0;
		if ((rc = offer(t, text, s, l->prev, c.left, h)) ||
		    (rc = offer(t, text, s, c.left, l->next, h)))
			return rc;
	}
	for (int32_t i = first; i >= 0 && i < first + n; i = s[i].next) {
		if (s[i].id >= 0) {
			rc = ids_push(o, s[i].id);
		} else {
			for (uint32_t k = 0; k < s[i].len && !rc; k++) {
				int32_t b = t->byte_id[(unsigned char)text[s[i].start + k]];

				rc = ids_push(o, b >= 0 ? b : t->unk);
			}
		}
		if (rc)
			return rc;
	}
	return GPAI_OK;
}

/* Length of the UTF-8 sequence at p (run.c grouping: a lead byte takes up
 * to three following continuation bytes). */
static uint32_t cp_len(const unsigned char *p, size_t avail)
{
	uint32_t n = 1;

	while (n < avail && n < 4 && (p[n] & 0xC0) == 0x80)
		n++;
	return n;
}

static int encode_spm(const struct gpai_tokenizer *t, const char *text,
		      size_t len, struct ids *o)
{
	struct sym *s = NULL;
	struct heap h = { 0 };
	char *buf;
	size_t n = 0, blen = len + 1, i = 0;
	int rc = GPAI_ENOMEM;

	buf = malloc(blen + 1);
	s = malloc(sizeof(*s) * (blen + 1));
	if (!buf || !s)
		goto out;
	buf[0] = ' ';
	memcpy(buf + 1, text, len);
	if (!t->add_space_prefix) {
		memmove(buf, buf + 1, len);
		blen = len;
	}
	while (i < blen) {
		uint32_t cl = cp_len((const unsigned char *)buf + i, blen - i);
		int32_t id = strtab_get(&t->lookup, buf + i, cl);

		if (id < 0 && t->llama2c) {
			/* run.c: unknown codepoint -> byte tokens, never merged */
			for (uint32_t k = 0; k < cl; k++) {
				s[n] = (struct sym){ i + k, 1,
					t->byte_id[(unsigned char)buf[i + k]],
					(int32_t)n - 1, (int32_t)n + 1, 1 };
				n++;
			}
		} else {
			s[n] = (struct sym){ i, cl, id, (int32_t)n - 1, (int32_t)n + 1, 0 };
			n++;
		}
		i += cl;
	}
	if (n)
		s[n - 1].next = -1;
	rc = merge_run(t, buf, s, 0, (int32_t)n, &h, o);
out:
	free(h.v);
	free(s);
	free(buf);
	return rc;
}

/* ---- GPT-2 pre-tokenizer ------------------------------------------------- */

/* Decodes one codepoint at p (at most avail bytes); invalid bytes decode
 * as themselves with length 1, which classifies them as "other". */
static uint32_t utf8_next(const unsigned char *p, size_t avail, uint32_t *len)
{
	uint32_t cp, n;

	if (p[0] < 0x80) {
		*len = 1;
		return p[0];
	}
	if ((p[0] & 0xE0) == 0xC0)
		n = 2, cp = p[0] & 0x1F;
	else if ((p[0] & 0xF0) == 0xE0)
		n = 3, cp = p[0] & 0x0F;
	else if ((p[0] & 0xF8) == 0xF0)
		n = 4, cp = p[0] & 0x07;
	else
		n = 0, cp = 0;
	if (n == 0 || n > avail) {
		*len = 1;
		return 0xFFFD;
	}
	for (uint32_t k = 1; k < n; k++) {
		if ((p[k] & 0xC0) != 0x80) {
			*len = 1;
			return 0xFFFD;
		}
		cp = cp << 6 | (p[k] & 0x3F);
	}
	*len = n;
	return cp;
}

enum cls { C_LETTER, C_NUMBER, C_SPACE, C_OTHER };

static enum cls classify(uint32_t cp)
{
	if (uni_is_letter(cp))
		return C_LETTER;
	if (uni_is_number(cp))
		return C_NUMBER;
	if (uni_is_space(cp))
		return C_SPACE;
	return C_OTHER;
}

/* Length of the GPT-2 pre-token starting at text[i]. */
static size_t gpt2_chunk(const char *text, size_t len, size_t i)
{
	const unsigned char *u = (const unsigned char *)text;
	static const char *const contractions[] = { "s", "t", "re", "ve", "m", "ll", "d" };
	size_t j = i;
	uint32_t cl, cp;
	enum cls c, want;

	if (text[i] == '\'') {
		for (size_t k = 0; k < sizeof(contractions) / sizeof(contractions[0]); k++) {
			size_t n = strlen(contractions[k]);

			if (len - i - 1 >= n && memcmp(text + i + 1, contractions[k], n) == 0)
				return n + 1;
		}
	}
	/* ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+` */
	if (text[j] == ' ' && j + 1 < len)
		j++;
	cp = utf8_next(u + j, len - j, &cl);
	c = classify(cp);
	if (c != C_SPACE) {
		want = c;
		while (j < len) {
			cp = utf8_next(u + j, len - j, &cl);
			if (classify(cp) != want)
				break;
			j += cl;
		}
		return j - i;
	}
	/* `\s+(?!\S)|\s+` */
	j = i;
	{
		size_t last = i;

		while (j < len) {
			cp = utf8_next(u + j, len - j, &cl);
			if (classify(cp) != C_SPACE)
				break;
			last = j;
			j += cl;
		}
		if (j < len && last > i)
			return last - i;
		return j - i;
	}
}

static int encode_gpt2(const struct gpai_tokenizer *t, const char *text,
		       size_t len, struct ids *o)
{
	struct sym *s = malloc(sizeof(*s) * (len + 1));
	struct heap h = { 0 };
	size_t i = 0;
	int rc = GPAI_OK;

	if (!s)
		return GPAI_ENOMEM;
	while (i < len && !rc) {
		size_t n = gpt2_chunk(text, len, i);

		for (size_t k = 0; k < n; k++)
			s[i + k] = (struct sym){ i + k, 1,
				t->byte_id[(unsigned char)text[i + k]],
				k ? (int32_t)(i + k - 1) : -1,
				k + 1 < n ? (int32_t)(i + k + 1) : -1, 0 };
		rc = merge_run(t, text, s, (int32_t)i, (int32_t)n, &h, o);
		i += n;
	}
	free(h.v);
	free(s);
	return rc;
}

int gpai_tokenizer_encode(const struct gpai_tokenizer *t, const char *text,
			  size_t len, int add_bos, int32_t **ids, size_t *n_ids,
			  struct gpai_error *err)
{
	struct ids o = { 0 };
	int rc = GPAI_OK;

	*ids = NULL;
	*n_ids = 0;
	if (len > (size_t)INT32_MAX)
		return gpai_error_set(err, GPAI_EMISUSE, "text of %zu bytes is too long to tokenize", len);
	if (add_bos && t->bos >= 0)
		rc = ids_push(&o, t->bos);
	if (!rc && len > 0)
		rc = t->kind == TOK_SPM ? encode_spm(t, text, len, &o)
					: encode_gpt2(t, text, len, &o);
	if (!rc && !o.v)
		rc = ids_push(&o, 0), o.n = 0;
	if (rc) {
		free(o.v);
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory while tokenizing");
	}
	*ids = o.v;
	*n_ids = o.n;
	return GPAI_OK;
}

const char *gpai_tokenizer_piece(const struct gpai_tokenizer *t, int32_t prev,
				 int32_t id, size_t *len)
{
	const char *p;
	size_t n;

	if (id < 0 || id >= t->n_vocab) {
		*len = 0;
		return "";
	}
	p = t->piece[id];
	n = t->piece_len[id];
	if (t->type[id] == TOKT_BYTE && t->kind == TOK_SPM) {
		int b = byte_piece(p, (uint32_t)n);

		*len = 1;
		return (const char *)t->byte_piece[b];
	}
	if (t->type[id] == TOKT_CONTROL && !t->llama2c) {
		*len = 0;
		return "";
	}
	/* run.c decode(): after BOS a leading space is dropped. */
	if (t->kind == TOK_SPM && prev == t->bos && n > 0 && p[0] == ' ') {
		p++;
		n--;
	}
	*len = n;
	return p;
}

int gpai_tokenizer_decode(const struct gpai_tokenizer *t, const int32_t *ids,
			  size_t n, char **out, size_t *outlen,
			  struct gpai_error *err)
{
	struct gpai_buf b;
	int first = 1;

	gpai_buf_init(&b);
	*out = NULL;
	*outlen = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *p;

		if (ids[i] < 0 || ids[i] >= t->n_vocab) {
			gpai_buf_release(&b);
			return gpai_error_set(err, GPAI_EMISUSE,
					      "token %d at position %zu is outside the vocabulary of %d",
					      (int)ids[i], i, (int)t->n_vocab);
		}
		if (i == 0 && ids[i] == t->bos)
			continue;
		/* The space prefix before the first piece is not part of the
		 * text (the BOS rule of gpai_tokenizer_piece does the same). */
		p = gpai_tokenizer_piece(t, first ? -1 : ids[i - 1], ids[i], &len);
		if (first && t->kind == TOK_SPM && t->add_space_prefix && len > 0 &&
		    p[0] == ' ' && t->type[ids[i]] != TOKT_BYTE) {
			p++;
			len--;
		}
		first = 0;
		if (gpai_buf_append(&b, p, len)) {
			gpai_buf_release(&b);
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory while decoding");
		}
	}
	if (gpai_buf_append(&b, "", 0)) {
		gpai_buf_release(&b);
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory while decoding");
	}
	*outlen = b.len;
	*out = gpai_buf_detach(&b);
	return GPAI_OK;
}
