/*
 * gguf_build.h - a byte-level GGUF builder for the reader tests: the tests
 * assemble well-formed and deliberately broken headers field by field
 * (docs/gguf.md layout), independent of gpai-fixture's writer.
 * Static functions: include from one test file.
 */
#ifndef GPAI_TEST_GGUF_BUILD_H
#define GPAI_TEST_GGUF_BUILD_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct gb {
	unsigned char *p;
	size_t n, cap;
};

static inline void gb_raw(struct gb *b, const void *src, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, src, n);
	b->n += n;
}

static inline void gb_u8(struct gb *b, uint8_t v) { gb_raw(b, &v, 1); }

static inline void gb_u32(struct gb *b, uint32_t v)
{
	unsigned char x[4] = { v & 255, v >> 8 & 255, v >> 16 & 255, v >> 24 };

	gb_raw(b, x, 4);
}

static inline void gb_u64(struct gb *b, uint64_t v)
{
	gb_u32(b, (uint32_t)v);
	gb_u32(b, (uint32_t)(v >> 32));
}

static inline void gb_f32(struct gb *b, float f)
{
	uint32_t u;

	memcpy(&u, &f, 4);
	gb_u32(b, u);
}

static inline void gb_str(struct gb *b, const char *s)
{
	gb_u64(b, strlen(s));
	gb_raw(b, s, strlen(s));
}

/* Header: magic, version 3, counts. */
static inline void gb_header(struct gb *b, uint64_t n_tensors, uint64_t n_kv)
{
	gb_raw(b, "GGUF", 4);
	gb_u32(b, 3);
	gb_u64(b, n_tensors);
	gb_u64(b, n_kv);
}

static inline void gb_kv_str(struct gb *b, const char *k, const char *v)
{
	gb_str(b, k);
	gb_u32(b, 8);
	gb_str(b, v);
}

static inline void gb_kv_u32(struct gb *b, const char *k, uint32_t v)
{
	gb_str(b, k);
	gb_u32(b, 4);
	gb_u32(b, v);
}

/* Tensor info with ne[] in GGUF order (contiguous dimension first). */
static inline void gb_tensor(struct gb *b, const char *name, uint32_t n_dims,
		      const uint64_t *ne, uint32_t type, uint64_t offset)
{
	gb_str(b, name);
	gb_u32(b, n_dims);
	for (uint32_t i = 0; i < n_dims; i++)
		gb_u64(b, ne[i]);
	gb_u32(b, type);
	gb_u64(b, offset);
}

/* Zero padding to a multiple of align, then n data bytes of value v. */
static inline void gb_data(struct gb *b, size_t align, size_t n, unsigned char v)
{
	while (b->n % align)
		gb_u8(b, 0);
	for (size_t i = 0; i < n; i++)
		gb_u8(b, v);
}

#endif
