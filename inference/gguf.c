/*
 * gguf.c - GGUF v2/v3 header reader (ggml-org/ggml docs/gguf.md).
 *
 * Reads the key/value metadata (every value type, arrays nested up to
 * GGUF_MAX_ARRAY_DEPTH) and the tensor infos from the memory map, never
 * the tensor data.  Invariants after mf_gguf_load: every count was bounded by
 * the bytes left in the file before anything was allocated from it; keys
 * and tensor names are valid UTF-8; the alignment is a power of two; every
 * tensor offset is a multiple of it and every tensor's data lies inside the
 * file without overlapping another.
 */
#include "model_private.h"

#include <stdlib.h>
#include <string.h>

#define GGUF_MAGIC "GGUF"
#define GGUF_MAGIC_LEN 4
#define GGUF_HEADER_LEN 24          /* magic, version, n_tensors, n_kv */
#define GGUF_DEFAULT_ALIGNMENT 32   /* docs/gguf.md: general.alignment default */
#define GGUF_MAX_DIMS 4             /* GGML_MAX_DIMS */
#define GGUF_MAX_NAME 64            /* GGML_MAX_NAME: tensor names < 64 bytes */
/* Smallest encodings, used to bound counts by the bytes left: a string is
 * a u64 length; a KV is key + u32 type + 1 byte; a tensor info is name +
 * u32 n_dims + u32 type + u64 offset. */
#define GGUF_MIN_STRING 8
#define GGUF_MIN_KV (GGUF_MIN_STRING + 4 + 1)
#define GGUF_MIN_TENSOR_INFO (GGUF_MIN_STRING + 4 + 4 + 8)
#define GGUF_MIN_ARRAY 12

int mf_gguf_sniff(const unsigned char *p, size_t size)
{
	return size >= GGUF_MAGIC_LEN && memcmp(p, GGUF_MAGIC, GGUF_MAGIC_LEN) == 0;
}

/* Size in bytes of a fixed-size value type, 0 for string/array/unknown. */
static size_t scalar_size(uint32_t type)
{
	switch (type) {
	case GPAI_META_U8: case GPAI_META_I8: case GPAI_META_BOOL: return 1;
	case GPAI_META_U16: case GPAI_META_I16: return 2;
	case GPAI_META_U32: case GPAI_META_I32: case GPAI_META_F32: return 4;
	case GPAI_META_U64: case GPAI_META_I64: case GPAI_META_F64: return 8;
	default: return 0;
	}
}

/* Reads a gguf_string; *s points into the map. */
static int rd_string(struct mf_rd *r, const char **s, uint64_t *len, const char *what)
{
	size_t at = r->off;
	uint64_t n;
	int rc;

	if ((rc = mf_rd_u64(r, &n, what)))
		return rc;
	if (n > r->size - r->off)
		return mf_rd_fail(r, at, "%s length %llu runs past the end of the file",
			       what, (unsigned long long)n);
	*s = (const char *)r->p + r->off;
	*len = n;
	r->off += (size_t)n;
	return GPAI_OK;
}

/* Validates and skips one value of `type`; depth counts array nesting. */
static int skip_value(struct mf_rd *r, uint32_t type, int depth)
{
	size_t at = r->off, sz = scalar_size(type);
	uint32_t et;
	uint64_t n;
	int rc;

	if (sz) {
		if (sz > r->size - r->off)
			return mf_rd_fail(r, at, "value runs past the end of the file");
		if (type == GPAI_META_BOOL && r->p[r->off] > 1)
			return mf_rd_fail(r, at, "bool value %u is not 0 or 1", r->p[r->off]);
		r->off += sz;
		return GPAI_OK;
	}
	if (type == GPAI_META_STRING) {
		const char *s;

		return rd_string(r, &s, &n, "string value");
	}
	if (type != GPAI_META_ARRAY)
		return mf_rd_fail(r, at, "unknown value type %u", type);
	if (depth >= GGUF_MAX_ARRAY_DEPTH)
		return mf_rd_fail(r, at, "arrays nested deeper than %d", GGUF_MAX_ARRAY_DEPTH);
	if ((rc = mf_rd_u32(r, &et, "array type")) || (rc = mf_rd_u64(r, &n, "array length")))
		return rc;
	sz = scalar_size(et);
	if (!sz && et != GPAI_META_STRING && et != GPAI_META_ARRAY)
		return mf_rd_fail(r, at, "unknown array element type %u", et);
	{
		size_t min = sz ? sz : et == GPAI_META_STRING ? GGUF_MIN_STRING : GGUF_MIN_ARRAY;

		if (n > (r->size - r->off) / min)
			return mf_rd_fail(r, at + 4, "array length %llu runs past the end of the file",
				       (unsigned long long)n);
	}
	if (sz && et != GPAI_META_BOOL) {
		r->off += (size_t)n * sz;
		return GPAI_OK;
	}
	for (uint64_t i = 0; i < n; i++)
		if ((rc = skip_value(r, et, depth + 1)))
			return rc;
	return GPAI_OK;
}

static int read_kv(struct gpai_model *m, struct mf_rd *r)
{
	size_t at = r->off;
	const char *key;
	uint64_t klen;
	uint32_t type;
	struct meta_entry *e;
	int rc;

	if ((rc = rd_string(r, &key, &klen, "key")))
		return rc;
	if (klen == 0 || !gpai_utf8_valid(key, (size_t)klen) || memchr(key, 0, (size_t)klen))
		return mf_rd_fail(r, at, "key is empty or not valid UTF-8");
	if ((rc = mf_rd_u32(r, &type, "value type")))
		return rc;
	e = mf_add_meta(m, key, (size_t)klen);
	if (!e)
		return gpai_error_set(r->err, GPAI_ENOMEM, "out of memory reading '%s'", r->path);
	e->type = (int)type;
	e->where = at;
	if (type == GPAI_META_ARRAY) {
		size_t arr = r->off;

		if ((rc = skip_value(r, type, 0)))
			return rc;
		e->elem_type = (int)mf_le32(r->p + arr);
		e->count = mf_le64(r->p + arr + 4);
		e->val = r->p + arr + 12;
		return GPAI_OK;
	}
	e->val = r->p + r->off;
	if ((rc = skip_value(r, type, 0)))
		return rc;
	if (type == GPAI_META_STRING) {
		e->str = (const char *)e->val + GGUF_MIN_STRING;
		e->str_len = (size_t)mf_le64(e->val);
	}
	return GPAI_OK;
}

static int read_alignment(struct gpai_model *m, struct mf_rd *r)
{
	const struct meta_entry *e = mf_meta_find(m, "general.alignment");
	uint32_t a;

	m->alignment = GGUF_DEFAULT_ALIGNMENT;
	if (!e)
		return GPAI_OK;
	if (e->type != GPAI_META_U32)
		return gpai_error_set(r->err, GPAI_EFORMAT,
				      "'%s': offset %zu: general.alignment is not a u32",
				      r->path, (size_t)(e->val - r->p));
	a = mf_le32(e->val);
	if (a == 0 || (a & (a - 1)) != 0)
		return gpai_error_set(r->err, GPAI_EFORMAT,
				      "'%s': offset %zu: general.alignment %u is not a power of two",
				      r->path, (size_t)(e->val - r->p), a);
	m->alignment = a;
	return GPAI_OK;
}

/* One tensor info: name, n_dims, ne[], type, offset. */
static int read_tensor_info(struct gpai_model *m, struct mf_rd *r, int fidx,
			    uint64_t *rel_off, size_t *where)
{
	size_t at = r->off, at_off, name_at = r->off;
	const char *name;
	uint64_t nlen, ne[GGUF_MAX_DIMS];
	int64_t shape[GGUF_MAX_DIMS];
	uint32_t n_dims, type, be, bb;
	int rc;

	if ((rc = rd_string(r, &name, &nlen, "tensor name")))
		return rc;
	if (nlen == 0 || nlen >= GGUF_MAX_NAME)
		return mf_rd_fail(r, at, "tensor name length %llu is outside 1..%d",
			       (unsigned long long)nlen, GGUF_MAX_NAME - 1);
	if (!gpai_utf8_valid(name, (size_t)nlen) || memchr(name, 0, (size_t)nlen))
		return mf_rd_fail(r, at, "tensor name is not valid UTF-8");
	at = r->off;
	if ((rc = mf_rd_u32(r, &n_dims, "n_dims")))
		return rc;
	if (n_dims > GGUF_MAX_DIMS)
		return mf_rd_fail(r, at, "tensor '%.*s' has %u dimensions (at most %d)",
			       (int)nlen, name, n_dims, GGUF_MAX_DIMS);
	for (uint32_t i = 0; i < n_dims; i++) {
		at = r->off;
		if ((rc = mf_rd_u64(r, &ne[i], "dimension")))
			return rc;
		if (ne[i] > (uint64_t)INT64_MAX)
			return mf_rd_fail(r, at, "tensor '%.*s' dimension %u is too large",
				       (int)nlen, name, i);
		shape[n_dims - 1 - i] = (int64_t)ne[i];
	}
	at = r->off;
	if ((rc = mf_rd_u32(r, &type, "tensor type")))
		return rc;
	if (type >= 64 || gpai_dtype_block((int)type, &be, &bb) != GPAI_OK)
		return mf_rd_fail(r, at, "tensor '%.*s' has unknown ggml type %u",
			       (int)nlen, name, type);
	if (n_dims > 0 && ne[0] % be != 0)
		return mf_rd_fail(r, at, "tensor '%.*s' row of %llu elements is not a whole number of %s blocks of %u",
			       (int)nlen, name, (unsigned long long)ne[0],
			       gpai_dtype_name((int)type), be);
	at_off = r->off;
	if ((rc = mf_rd_u64(r, rel_off, "tensor offset")))
		return rc;
	if (*rel_off % m->alignment != 0)
		return mf_rd_fail(r, at_off, "tensor '%.*s' offset %llu is not a multiple of the alignment %u",
			       (int)nlen, name, (unsigned long long)*rel_off, m->alignment);
	*where = at_off;
	/* The data start is not known yet: record the relative offset; the
	 * caller rebases and range-checks once every info is read. */
	return mf_add_tensor(m, fidx, name, (size_t)nlen, (int)type, (int)n_dims,
				shape, UINT64_MAX, 0, name_at, r->err);
}

/* (offset, index) pairs, sorted to find overlapping tensor data. */
struct off_idx {
	uint64_t off, end;
	size_t where;
	size_t idx;
};

static int cmp_off(const void *a, const void *b)
{
	const struct off_idx *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

int mf_gguf_load(struct gpai_model *m, int fidx, struct gpai_error *err)
{
	struct model_file *f = &m->files[fidx];
	struct mf_rd r = { f->map.data, f->map.size, 0, f->path, err };
	struct off_idx *oi = NULL;
	uint32_t version;
	uint64_t n_tensors, n_kv, data_start;
	size_t first = m->n_tensors;
	int rc;

	if (r.size < GGUF_HEADER_LEN)
		return mf_rd_fail(&r, r.size, "GGUF header truncated (%zu of %d bytes)",
			       r.size, GGUF_HEADER_LEN);
	r.off = GGUF_MAGIC_LEN;
	if ((rc = mf_rd_u32(&r, &version, "version")))
		return rc;
	if (version != 2 && version != 3)
		return mf_rd_fail(&r, GGUF_MAGIC_LEN, "unsupported GGUF version %u%s", version,
			       (version & 0xffff) == 0 ? " (big-endian file?)" : "");
	if ((rc = mf_rd_u64(&r, &n_tensors, "tensor count")) || (rc = mf_rd_u64(&r, &n_kv, "key/value count")))
		return rc;
	if (n_tensors > MODEL_MAX_TENSORS ||
	    n_tensors > (r.size - GGUF_HEADER_LEN) / GGUF_MIN_TENSOR_INFO)
		return mf_rd_fail(&r, 8, "tensor count %llu is absurd for a file of %zu bytes",
			       (unsigned long long)n_tensors, r.size);
	if (n_kv > MODEL_MAX_META || n_kv > (r.size - GGUF_HEADER_LEN) / GGUF_MIN_KV)
		return mf_rd_fail(&r, 16, "key/value count %llu is absurd for a file of %zu bytes",
			       (unsigned long long)n_kv, r.size);
	for (uint64_t i = 0; i < n_kv; i++)
		if ((rc = read_kv(m, &r)))
			return rc;
	if ((rc = read_alignment(m, &r)))
		return rc;
	if (n_tensors) {
		oi = calloc((size_t)n_tensors, sizeof(*oi));
		if (!oi)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", f->path);
	}
	for (uint64_t i = 0; i < n_tensors; i++) {
		if ((rc = read_tensor_info(m, &r, fidx, &oi[i].off, &oi[i].where)))
			goto out_free;
		oi[i].idx = first + (size_t)i;
	}
	/* Data section: end of header rounded up to the alignment. */
	data_start = ((uint64_t)r.off + m->alignment - 1) / m->alignment * m->alignment;
	if (n_tensors && data_start > r.size) {
		rc = mf_rd_fail(&r, r.off, "data section at %llu starts past the end of the file",
			     (unsigned long long)data_start);
		goto out_free;
	}
	for (uint64_t i = 0; i < n_tensors; i++) {
		struct gpai_tensor *t = &m->tensors[oi[i].idx];
		uint64_t room = r.size - data_start;

		if (oi[i].off > room || t->nbytes > room - oi[i].off) {
			rc = mf_rd_fail(&r, oi[i].where,
				     "tensor '%s' data [%llu, +%llu) runs past the end of the file (%zu bytes)",
				     t->name, (unsigned long long)(data_start + oi[i].off),
				     (unsigned long long)t->nbytes, r.size);
			goto out_free;
		}
		t->file_offset = data_start + oi[i].off;
		t->data = f->map.data + t->file_offset;
		oi[i].end = oi[i].off + t->nbytes;
	}
	if (n_tensors)
		qsort(oi, (size_t)n_tensors, sizeof(*oi), cmp_off);
	for (uint64_t i = 1; i < n_tensors; i++)
		if (oi[i].off < oi[i - 1].end) {
			rc = mf_rd_fail(&r, oi[i].where, "tensor '%s' data overlaps tensor '%s'",
				     m->tensors[oi[i].idx].name, m->tensors[oi[i - 1].idx].name);
			goto out_free;
		}
	rc = GPAI_OK;
out_free:
	free(oi);
	return rc;
}
