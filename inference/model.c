/*
 * model.c - the model handle: opening files and directories, the tensor
 * and metadata tables, the dtype table, probing and what a model says
 * about itself (struct gpai_modelinfo).
 *
 * Invariants: see model_private.h.  Nothing here reads tensor data except
 * tied_check(), which compares an output matrix with the token embedding
 * when both exist with the same type and shape.
 */
#include "model_private.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

/* ---- reader ------------------------------------------------------------ */

uint32_t mf_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

uint64_t mf_le64(const unsigned char *p)
{
	return (uint64_t)mf_le32(p) | (uint64_t)mf_le32(p + 4) << 32;
}

int mf_rd_fail(struct mf_rd *r, size_t off, const char *fmt, ...)
{
	char what[GPAI_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return gpai_error_set(r->err, GPAI_EFORMAT, "'%s': offset %zu: %s", r->path, off, what);
}

static int mf_rd_need(struct mf_rd *r, size_t n, const char *what)
{
	if (n > r->size - r->off)
		return mf_rd_fail(r, r->off, "%s truncated: file ends at %zu", what, r->size);
	return GPAI_OK;
}

int mf_rd_u8(struct mf_rd *r, uint8_t *v, const char *what)
{
	int rc = mf_rd_need(r, 1, what);

	if (!rc)
		*v = r->p[r->off++];
	return rc;
}

int mf_rd_u32(struct mf_rd *r, uint32_t *v, const char *what)
{
	int rc = mf_rd_need(r, 4, what);

	if (!rc) {
		*v = mf_le32(r->p + r->off);
		r->off += 4;
	}
	return rc;
}

int mf_rd_u64(struct mf_rd *r, uint64_t *v, const char *what)
{
	int rc = mf_rd_need(r, 8, what);

	if (!rc) {
		*v = mf_le64(r->p + r->off);
		r->off += 8;
	}
	return rc;
}

int mf_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* ---- dtypes -------------------------------------------------------------- */

struct dtype_info {
	const char *name;
	uint32_t block_elems, block_bits;
};

/* Block sizes: ggml-org/ggml src/ggml.c type_traits (blck_size, type_size)
 * and safetensors src/tensor.rs Dtype::bitsize. */
static const struct dtype_info dtypes[GPAI_DTYPE_COUNT] = {
	[GPAI_DTYPE_F32] = { "F32", 1, 32 },
	[GPAI_DTYPE_F16] = { "F16", 1, 16 },
	[GPAI_DTYPE_Q4_0] = { "Q4_0", 32, 18 * 8 },
	[GPAI_DTYPE_Q4_1] = { "Q4_1", 32, 20 * 8 },
	[GPAI_DTYPE_Q5_0] = { "Q5_0", 32, 22 * 8 },
	[GPAI_DTYPE_Q5_1] = { "Q5_1", 32, 24 * 8 },
	[GPAI_DTYPE_Q8_0] = { "Q8_0", 32, 34 * 8 },
	[GPAI_DTYPE_Q8_1] = { "Q8_1", 32, 36 * 8 },
	[GPAI_DTYPE_Q2_K] = { "Q2_K", 256, 84 * 8 },
	[GPAI_DTYPE_Q3_K] = { "Q3_K", 256, 110 * 8 },
	[GPAI_DTYPE_Q4_K] = { "Q4_K", 256, 144 * 8 },
	[GPAI_DTYPE_Q5_K] = { "Q5_K", 256, 176 * 8 },
	[GPAI_DTYPE_Q6_K] = { "Q6_K", 256, 210 * 8 },
	[GPAI_DTYPE_Q8_K] = { "Q8_K", 256, 292 * 8 },
	[GPAI_DTYPE_IQ2_XXS] = { "IQ2_XXS", 256, 66 * 8 },
	[GPAI_DTYPE_IQ2_XS] = { "IQ2_XS", 256, 74 * 8 },
	[GPAI_DTYPE_IQ3_XXS] = { "IQ3_XXS", 256, 98 * 8 },
	[GPAI_DTYPE_IQ1_S] = { "IQ1_S", 256, 50 * 8 },
	[GPAI_DTYPE_IQ4_NL] = { "IQ4_NL", 32, 18 * 8 },
	[GPAI_DTYPE_IQ3_S] = { "IQ3_S", 256, 110 * 8 },
	[GPAI_DTYPE_IQ2_S] = { "IQ2_S", 256, 82 * 8 },
	[GPAI_DTYPE_IQ4_XS] = { "IQ4_XS", 256, 136 * 8 },
	[GPAI_DTYPE_I8] = { "I8", 1, 8 },
	[GPAI_DTYPE_I16] = { "I16", 1, 16 },
	[GPAI_DTYPE_I32] = { "I32", 1, 32 },
	[GPAI_DTYPE_I64] = { "I64", 1, 64 },
	[GPAI_DTYPE_F64] = { "F64", 1, 64 },
	[GPAI_DTYPE_IQ1_M] = { "IQ1_M", 256, 56 * 8 },
	[GPAI_DTYPE_BF16] = { "BF16", 1, 16 },
	[GPAI_DTYPE_TQ1_0] = { "TQ1_0", 256, 54 * 8 },
	[GPAI_DTYPE_TQ2_0] = { "TQ2_0", 256, 66 * 8 },
	[GPAI_DTYPE_MXFP4] = { "MXFP4", 32, 17 * 8 },
	[GPAI_DTYPE_BOOL] = { "BOOL", 1, 8 },
	[GPAI_DTYPE_U8] = { "U8", 1, 8 },
	[GPAI_DTYPE_U16] = { "U16", 1, 16 },
	[GPAI_DTYPE_U32] = { "U32", 1, 32 },
	[GPAI_DTYPE_U64] = { "U64", 1, 64 },
	[GPAI_DTYPE_F8_E5M2] = { "F8_E5M2", 1, 8 },
	[GPAI_DTYPE_F8_E4M3] = { "F8_E4M3", 1, 8 },
	[GPAI_DTYPE_F8_E8M0] = { "F8_E8M0", 1, 8 },
	[GPAI_DTYPE_F8_E4M3FNUZ] = { "F8_E4M3FNUZ", 1, 8 },
	[GPAI_DTYPE_F8_E5M2FNUZ] = { "F8_E5M2FNUZ", 1, 8 },
	[GPAI_DTYPE_F4] = { "F4", 1, 4 },
	[GPAI_DTYPE_F6_E2M3] = { "F6_E2M3", 1, 6 },
	[GPAI_DTYPE_F6_E3M2] = { "F6_E3M2", 1, 6 },
	[GPAI_DTYPE_C64] = { "C64", 1, 64 },
	[GPAI_DTYPE_Q8_GROUP] = { "Q8_GROUP", 0, 0 },
};

const char *gpai_dtype_name(int dtype)
{
	if (dtype < 0 || dtype >= GPAI_DTYPE_COUNT)
		return NULL;
	return dtypes[dtype].name;
}

int gpai_dtype_block(int dtype, uint32_t *block_elems, uint32_t *block_bits)
{
	if (dtype < 0 || dtype >= GPAI_DTYPE_COUNT || !dtypes[dtype].block_elems)
		return GPAI_EMISUSE;
	*block_elems = dtypes[dtype].block_elems;
	*block_bits = dtypes[dtype].block_bits;
	return GPAI_OK;
}

int mf_dtype_nbytes(int dtype, uint64_t n, uint64_t *nbytes)
{
	uint32_t be, bb;
	uint64_t bits;

	if (gpai_dtype_block(dtype, &be, &bb) != GPAI_OK || n % be != 0)
		return GPAI_EFORMAT;
	if (__builtin_mul_overflow(n / be, (uint64_t)bb, &bits) || bits % 8 != 0)
		return GPAI_EFORMAT;
	*nbytes = bits / 8;
	return GPAI_OK;
}

/* ---- building the handle ------------------------------------------------ */

int mf_add_file(struct gpai_model *m, const char *path, int *idx,
		   struct gpai_error *err)
{
	struct model_file *f;
	int rc;

	f = realloc(m->files, (size_t)(m->n_files + 1) * sizeof(*f));
	if (!f)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory opening '%s'", path);
	m->files = f;
	f = &m->files[m->n_files];
	memset(f, 0, sizeof(*f));
	f->path = gpai_strdup(path);
	if (!f->path)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory opening '%s'", path);
	m->n_files++;
	rc = gpai_map_open(&f->map, path, err);
	if (rc)
		return rc;
	*idx = m->n_files - 1;
	return GPAI_OK;
}

int mf_add_tensor(struct gpai_model *m, int fidx, const char *name,
		     size_t name_len, int dtype, int n_dims,
		     const int64_t *shape, uint64_t offset, uint64_t nbytes,
		     size_t where, struct gpai_error *err)
{
	const struct model_file *f = &m->files[fidx];
	struct gpai_tensor *t;
	uint64_t n = 1;
	char *copy;

	if (n_dims < 0 || n_dims > GPAI_TENSOR_MAX_DIMS)
		return gpai_error_set(err, GPAI_EFORMAT,
				      "'%s': offset %zu: tensor '%.*s' has %d dimensions (at most %d)",
				      f->path, where, (int)name_len, name, n_dims,
				      GPAI_TENSOR_MAX_DIMS);
	for (int i = 0; i < n_dims; i++) {
		if (shape[i] < 0 || __builtin_mul_overflow(n, (uint64_t)shape[i], &n) ||
		    n > (uint64_t)INT64_MAX)
			return gpai_error_set(err, GPAI_EFORMAT,
					      "'%s': offset %zu: tensor '%.*s' dimensions overflow",
					      f->path, where, (int)name_len, name);
	}
	if (dtype != GPAI_DTYPE_Q8_GROUP && mf_dtype_nbytes(dtype, n, &nbytes) != GPAI_OK)
		return gpai_error_set(err, GPAI_EFORMAT,
				      "'%s': offset %zu: tensor '%.*s': %llu elements of %s are not a whole number of bytes or overflow",
				      f->path, where, (int)name_len, name,
				      (unsigned long long)n, gpai_dtype_name(dtype));
	if (offset != UINT64_MAX &&
	    (offset > f->map.size || nbytes > f->map.size - offset))
		return gpai_error_set(err, GPAI_EFORMAT,
				      "'%s': offset %zu: tensor '%.*s' data [%llu, +%llu) runs past the end of the file (%zu bytes)",
				      f->path, where, (int)name_len, name,
				      (unsigned long long)offset, (unsigned long long)nbytes,
				      f->map.size);
	if (m->n_tensors == m->cap_tensors) {
		size_t cap = m->cap_tensors ? m->cap_tensors * 2 : 64;
		struct gpai_tensor *nt = realloc(m->tensors, cap * sizeof(*nt));
		size_t *nw;

		if (!nt)
			goto out_nomem;
		m->tensors = nt;
		nw = realloc(m->where, cap * sizeof(*nw));
		if (!nw)
			goto out_nomem;
		m->where = nw;
		m->cap_tensors = cap;
	}
	copy = malloc(name_len + 1);
	if (!copy)
		goto out_nomem;
	memcpy(copy, name, name_len);
	copy[name_len] = '\0';
	t = &m->tensors[m->n_tensors];
	memset(t, 0, sizeof(*t));
	t->name = copy;
	t->dtype = dtype;
	t->n_dims = n_dims;
	for (int i = 0; i < n_dims; i++)
		t->shape[i] = shape[i];
	t->n_elements = n;
	t->nbytes = nbytes;
	t->file_index = fidx;
	if (offset != UINT64_MAX) {
		t->file_offset = offset;
		t->data = f->map.data + offset;
	}
	m->where[m->n_tensors++] = where;
	return GPAI_OK;
out_nomem:
	return gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", f->path);
}

struct meta_entry *mf_add_meta(struct gpai_model *m, const char *key,
				  size_t key_len)
{
	struct meta_entry *e;

	if (m->n_meta == m->cap_meta) {
		size_t cap = m->cap_meta ? m->cap_meta * 2 : 32;

		e = realloc(m->meta, cap * sizeof(*e));
		if (!e)
			return NULL;
		m->meta = e;
		m->cap_meta = cap;
	}
	e = &m->meta[m->n_meta];
	memset(e, 0, sizeof(*e));
	e->key = malloc(key_len + 1);
	if (!e->key)
		return NULL;
	memcpy(e->key, key, key_len);
	e->key[key_len] = '\0';
	e->elem_type = -1;
	m->n_meta++;
	return e;
}

static int cmp_tensor_ptr(const void *a, const void *b)
{
	const struct gpai_tensor *x = *(const struct gpai_tensor *const *)a;
	const struct gpai_tensor *y = *(const struct gpai_tensor *const *)b;
	int c = strcmp(x->name, y->name);

	/* Ties by position, so the later duplicate is the one reported. */
	return c ? c : (x < y ? -1 : x > y);
}

static int cmp_meta_ptr(const void *a, const void *b)
{
	const struct meta_entry *x = *(const struct meta_entry *const *)a;
	const struct meta_entry *y = *(const struct meta_entry *const *)b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x < y ? -1 : x > y);
}

int mf_index(struct gpai_model *m, struct gpai_error *err)
{
	free(m->by_name);
	free(m->meta_sorted);
	m->by_name = NULL;
	m->meta_sorted = NULL;
	if (m->n_tensors) {
		m->by_name = malloc(m->n_tensors * sizeof(*m->by_name));
		if (!m->by_name)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory indexing tensors");
		for (size_t i = 0; i < m->n_tensors; i++)
			m->by_name[i] = &m->tensors[i];
		qsort(m->by_name, m->n_tensors, sizeof(*m->by_name), cmp_tensor_ptr);
		for (size_t i = 1; i < m->n_tensors; i++)
			if (strcmp(m->by_name[i]->name, m->by_name[i - 1]->name) == 0) {
				const struct gpai_tensor *t = m->by_name[i];

				return gpai_error_set(err, GPAI_EFORMAT,
						      "'%s': offset %zu: duplicate tensor name '%s'",
						      m->files[t->file_index].path,
						      m->where[t - m->tensors], t->name);
			}
	}
	if (m->n_meta) {
		m->meta_sorted = malloc(m->n_meta * sizeof(*m->meta_sorted));
		if (!m->meta_sorted)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory indexing metadata");
		for (size_t i = 0; i < m->n_meta; i++)
			m->meta_sorted[i] = &m->meta[i];
		qsort(m->meta_sorted, m->n_meta, sizeof(*m->meta_sorted), cmp_meta_ptr);
		for (size_t i = 1; i < m->n_meta; i++)
			if (strcmp(m->meta_sorted[i]->key, m->meta_sorted[i - 1]->key) == 0)
				return gpai_error_set(err, GPAI_EFORMAT,
						      "'%s': offset %zu: duplicate metadata key '%s'",
						      m->files[0].path, m->meta_sorted[i]->where,
						      m->meta_sorted[i]->key);
	}
	return GPAI_OK;
}

const struct meta_entry *mf_meta_find(const struct gpai_model *m, const char *key)
{
	size_t lo = 0, hi = m->n_meta;

	if (!m->meta_sorted) {
		/* Before mf_index (during a reader): linear. */
		for (size_t i = 0; i < m->n_meta; i++)
			if (strcmp(m->meta[i].key, key) == 0)
				return &m->meta[i];
		return NULL;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->meta_sorted[mid]->key, key);

		if (c == 0)
			return m->meta_sorted[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ---- opening -------------------------------------------------------------- */

void model_prefault(const struct gpai_model *m)
{
	for (int i = 0; i < m->n_files; i++)
		gpai_map_prefault(&m->files[i].map);
}

void gpai_model_close(struct gpai_model *m)
{
	if (!m)
		return;
	for (int i = 0; i < m->n_files; i++) {
		gpai_map_close(&m->files[i].map);
		free(m->files[i].path);
	}
	free(m->files);
	for (size_t i = 0; i < m->n_tensors; i++)
		free((char *)m->tensors[i].name);
	free(m->tensors);
	free(m->where);
	free(m->by_name);
	for (size_t i = 0; i < m->n_meta; i++) {
		free(m->meta[i].key);
		free(m->meta[i].owned);
		free(m->meta[i].cache);
	}
	free(m->meta);
	free(m->meta_sorted);
	free(m);
}

/* Reads config.json in dir (if any) into m->config. */
static int load_config_beside(struct gpai_model *m, const char *file_or_dir,
			      int is_dir, struct gpai_error *err)
{
	char *dir, *cfg;
	int rc = GPAI_OK;

	if (is_dir) {
		dir = gpai_strdup(file_or_dir);
	} else {
		const char *slash = strrchr(file_or_dir, '/');

		dir = slash ? gpai_asprintf("%.*s", (int)(slash - file_or_dir), file_or_dir)
			    : gpai_strdup(".");
	}
	if (!dir)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	if (!*dir) {
		free(dir);
		dir = gpai_strdup("/");
		if (!dir)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	}
	cfg = gpai_path_join(dir, "config.json");
	free(dir);
	if (!cfg)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	if (gpai_path_exists(cfg)) {
		rc = mf_hfconfig_read(cfg, &m->config, err);
		if (!rc)
			m->have_config = 1;
	}
	free(cfg);
	return rc;
}

/* Which format a mapped file is: 'g' GGUF, 's' safetensors, 'l' llama2.c
 * (version in *l2c_version), 0 none. */
static int sniff(const struct model_file *f, int *l2c_version)
{
	const unsigned char *p = f->map.data;
	size_t n = f->map.size;

	if (!p)
		return 0;
	if (mf_gguf_sniff(p, n))
		return 'g';
	if (mf_safetensors_sniff(p, n, f->path))
		return 's';
	*l2c_version = mf_llama2c_sniff(p, n, f->path);
	return *l2c_version >= 0 ? 'l' : 0;
}

/* Opens one file (not a directory).  *unknown (may be NULL) is set when
 * the file is of no known format; then GPAI_EFORMAT is returned. */
static int open_file(struct gpai_model *m, const char *path, int *unknown,
		     struct gpai_error *err)
{
	int fidx, kind, ver = -1, rc;

	if (mf_ends_with(path, ".safetensors.index.json")) {
		gpai_strlcpy(m->format, "safetensors", sizeof(m->format));
		rc = mf_safetensors_load_index(m, path, err);
		return rc ? rc : load_config_beside(m, path, 0, err);
	}
	rc = mf_add_file(m, path, &fidx, err);
	if (rc)
		return rc;
	kind = sniff(&m->files[fidx], &ver);
	switch (kind) {
	case 'g':
		gpai_strlcpy(m->format, "gguf", sizeof(m->format));
		return mf_gguf_load(m, fidx, err);
	case 's':
		gpai_strlcpy(m->format, "safetensors", sizeof(m->format));
		rc = mf_safetensors_load(m, fidx, err);
		return rc ? rc : load_config_beside(m, path, 0, err);
	case 'l':
		gpai_strlcpy(m->format, "llama2c", sizeof(m->format));
		return mf_llama2c_load(m, fidx, ver, err);
	default:
		if (unknown)
			*unknown = 1;
		return gpai_error_set(err, GPAI_EFORMAT,
				      "'%s': not a GGUF, safetensors or llama2.c model file", path);
	}
}

/* Picks the model file of a directory (see gpai_model_open). */
static int pick_in_dir(const char *dir, char **out, struct gpai_error *err)
{
	static const char *const fixed[] = { "model.safetensors.index.json",
					     "model.safetensors" };
	static const char *const exts[] = { ".safetensors", ".gguf", ".bin" };
	DIR *d;
	struct dirent *de;

	*out = NULL;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		char *p = gpai_path_join(dir, fixed[i]);

		if (!p)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		if (gpai_path_exists(p)) {
			*out = p;
			return GPAI_OK;
		}
		free(p);
	}
	for (size_t e = 0; e < sizeof(exts) / sizeof(exts[0]); e++) {
		char *found = NULL;
		int n = 0;

		d = opendir(dir);
		if (!d)
			return gpai_error_errno(err, GPAI_EIO, errno, "cannot read directory '%s'", dir);
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.' || !mf_ends_with(de->d_name, exts[e]))
				continue;
			if (++n == 1)
				found = gpai_path_join(dir, de->d_name);
		}
		closedir(d);
		if (n == 1 && found) {
			*out = found;
			return GPAI_OK;
		}
		free(found);
		if (n > 1)
			return gpai_error_set(err, GPAI_ENOTFOUND,
					      "'%s': %d *%s files and no model.safetensors.index.json: name the model file",
					      dir, n, exts[e]);
	}
	return gpai_error_set(err, GPAI_ENOTFOUND, "'%s': no model file in the directory", dir);
}

static int open_any(const char *path, struct gpai_model **out, int *unknown,
		    struct gpai_error *err)
{
	struct gpai_model *m;
	int rc;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	m->config.tied_embeddings = -1;
	if (gpai_is_dir(path)) {
		char *file;

		rc = pick_in_dir(path, &file, err);
		if (rc)
			goto out_fail;
		rc = open_file(m, file, unknown, err);
		free(file);
	} else {
		rc = open_file(m, path, unknown, err);
	}
	if (rc)
		goto out_fail;
	rc = mf_index(m, err);
	if (rc)
		goto out_fail;
	*out = m;
	return GPAI_OK;
out_fail:
	gpai_model_close(m);
	return rc;
}

int gpai_model_open(const char *path, struct gpai_model **out,
		    struct gpai_error *err)
{
	return open_any(path, out, NULL, err);
}

const char *gpai_model_format(const struct gpai_model *m)
{
	return m->format;
}

int gpai_model_file_count(const struct gpai_model *m)
{
	return m->n_files;
}

const char *gpai_model_file_path(const struct gpai_model *m, int i)
{
	return i >= 0 && i < m->n_files ? m->files[i].path : NULL;
}

size_t gpai_model_tensor_count(const struct gpai_model *m)
{
	return m->n_tensors;
}

const struct gpai_tensor *gpai_model_tensor(const struct gpai_model *m, size_t i)
{
	return i < m->n_tensors ? &m->tensors[i] : NULL;
}

const struct gpai_tensor *gpai_model_find(const struct gpai_model *m, const char *name)
{
	size_t lo = 0, hi = m->n_tensors;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(m->by_name[mid]->name, name);

		if (c == 0)
			return m->by_name[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct gpai_llama2c_config *gpai_model_llama2c(const struct gpai_model *m)
{
	return m->is_llama2c ? &m->l2c : NULL;
}

/* ---- metadata getters ---------------------------------------------------- */

size_t gpai_model_meta_count(const struct gpai_model *m)
{
	return m->n_meta;
}

int gpai_model_meta_entry(const struct gpai_model *m, size_t i, const char **key,
			  int *type, int *elem_type, uint64_t *count)
{
	if (i >= m->n_meta)
		return GPAI_ENOTFOUND;
	*key = m->meta[i].key;
	*type = m->meta[i].type;
	*elem_type = m->meta[i].elem_type;
	*count = m->meta[i].count;
	return GPAI_OK;
}

static const struct meta_entry *meta_get(const struct gpai_model *m, const char *key,
					 struct gpai_error *err)
{
	const struct meta_entry *e = mf_meta_find(m, key);

	if (!e)
		gpai_error_set(err, GPAI_ENOTFOUND, "'%s': no metadata key '%s'",
			       m->n_files ? m->files[0].path : "", key);
	return e;
}

static int meta_type_err(const struct gpai_model *m, const char *key, const char *want,
			 struct gpai_error *err)
{
	return gpai_error_set(err, GPAI_EFORMAT, "'%s': metadata key '%s' is not %s",
			      m->n_files ? m->files[0].path : "", key, want);
}

/* Integer value of a scalar integer (or bool) at p; 0 if the type is not
 * one.  *big is set for a u64 above INT64_MAX. */
static int int_value(int type, const unsigned char *p, int64_t *v, int *big)
{
	*big = 0;
	switch (type) {
	case GPAI_META_U8: case GPAI_META_BOOL: *v = p[0]; return 1;
	case GPAI_META_I8: *v = (int8_t)p[0]; return 1;
	case GPAI_META_U16: *v = (uint16_t)(p[0] | p[1] << 8); return 1;
	case GPAI_META_I16: *v = (int16_t)(uint16_t)(p[0] | p[1] << 8); return 1;
	case GPAI_META_U32: *v = mf_le32(p); return 1;
	case GPAI_META_I32: *v = (int32_t)mf_le32(p); return 1;
	case GPAI_META_U64:
		*big = mf_le64(p) > (uint64_t)INT64_MAX;
		*v = (int64_t)(mf_le64(p) & (uint64_t)INT64_MAX);
		return 1;
	case GPAI_META_I64: *v = (int64_t)mf_le64(p); return 1;
	default: return 0;
	}
}

static float f32_value(const unsigned char *p)
{
	uint32_t u = mf_le32(p);
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

static double f64_value(const unsigned char *p)
{
	uint64_t u = mf_le64(p);
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

int gpai_model_meta_i64(const struct gpai_model *m, const char *key, int64_t *out,
			struct gpai_error *err)
{
	const struct meta_entry *e = meta_get(m, key, err);
	int big;

	if (!e)
		return GPAI_ENOTFOUND;
	if (!int_value(e->type, e->val, out, &big) || big)
		return meta_type_err(m, key, "an integer in range", err);
	return GPAI_OK;
}

int gpai_model_meta_u32(const struct gpai_model *m, const char *key, uint32_t *out,
			struct gpai_error *err)
{
	int64_t v;
	int rc = gpai_model_meta_i64(m, key, &v, err);

	if (rc)
		return rc;
	if (v < 0 || v > (int64_t)UINT32_MAX)
		return meta_type_err(m, key, "a u32 value", err);
	*out = (uint32_t)v;
	return GPAI_OK;
}

int gpai_model_meta_f64(const struct gpai_model *m, const char *key, double *out,
			struct gpai_error *err)
{
	const struct meta_entry *e = meta_get(m, key, err);

	if (!e)
		return GPAI_ENOTFOUND;
	if (e->type == GPAI_META_F32)
		*out = f32_value(e->val);
	else if (e->type == GPAI_META_F64)
		*out = f64_value(e->val);
	else
		return meta_type_err(m, key, "a float", err);
	return GPAI_OK;
}

int gpai_model_meta_f32(const struct gpai_model *m, const char *key, float *out,
			struct gpai_error *err)
{
	double d;
	int rc = gpai_model_meta_f64(m, key, &d, err);

	if (!rc)
		*out = (float)d;
	return rc;
}

int gpai_model_meta_str(const struct gpai_model *m, const char *key,
			struct gpai_strref *out, struct gpai_error *err)
{
	const struct meta_entry *e = meta_get(m, key, err);

	if (!e)
		return GPAI_ENOTFOUND;
	if (e->type != GPAI_META_STRING)
		return meta_type_err(m, key, "a string", err);
	out->s = e->str;
	out->len = e->str_len;
	return GPAI_OK;
}

enum { CACHE_NONE, CACHE_STR, CACHE_F32, CACHE_I32 };

static struct meta_entry *array_get(struct gpai_model *m, const char *key,
				    struct gpai_error *err)
{
	struct meta_entry *e = (struct meta_entry *)meta_get(m, key, err);

	if (e && e->type != GPAI_META_ARRAY) {
		meta_type_err(m, key, "an array", err);
		return NULL;
	}
	return e;
}

int gpai_model_meta_str_array(struct gpai_model *m, const char *key,
			      const struct gpai_strref **out, size_t *n,
			      struct gpai_error *err)
{
	struct meta_entry *e = array_get(m, key, err);
	struct gpai_strref *a;
	const unsigned char *p;

	if (!e)
		return err ? err->code : GPAI_ENOTFOUND;
	if (e->elem_type != GPAI_META_STRING)
		return meta_type_err(m, key, "an array of strings", err);
	if (e->cache_kind != CACHE_STR) {
		/* count was bounded by the file size when the header was read,
		 * and every length checked against it. */
		a = calloc(e->count ? (size_t)e->count : 1, sizeof(*a));
		if (!a)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", key);
		p = e->val;
		for (uint64_t i = 0; i < e->count; i++) {
			a[i].len = (size_t)mf_le64(p);
			a[i].s = (const char *)p + 8;
			p += 8 + a[i].len;
		}
		free(e->cache);
		e->cache = a;
		e->cache_kind = CACHE_STR;
	}
	*out = e->cache;
	*n = (size_t)e->count;
	return GPAI_OK;
}

int gpai_model_meta_f32_array(struct gpai_model *m, const char *key,
			      const float **out, size_t *n, struct gpai_error *err)
{
	struct meta_entry *e = array_get(m, key, err);
	float *a;

	if (!e)
		return err ? err->code : GPAI_ENOTFOUND;
	if (e->elem_type != GPAI_META_F32)
		return meta_type_err(m, key, "an array of f32", err);
	if (e->cache_kind != CACHE_F32) {
		a = malloc(e->count ? (size_t)e->count * sizeof(*a) : 1);
		if (!a)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", key);
		for (uint64_t i = 0; i < e->count; i++)
			a[i] = f32_value(e->val + 4 * i);
		free(e->cache);
		e->cache = a;
		e->cache_kind = CACHE_F32;
	}
	*out = e->cache;
	*n = (size_t)e->count;
	return GPAI_OK;
}

int gpai_model_meta_i32_array(struct gpai_model *m, const char *key,
			      const int32_t **out, size_t *n, struct gpai_error *err)
{
	struct meta_entry *e = array_get(m, key, err);
	size_t esz;
	int32_t *a;

	if (!e)
		return err ? err->code : GPAI_ENOTFOUND;
	switch (e->elem_type) {
	case GPAI_META_U8: case GPAI_META_I8: case GPAI_META_BOOL: esz = 1; break;
	case GPAI_META_U16: case GPAI_META_I16: esz = 2; break;
	case GPAI_META_U32: case GPAI_META_I32: esz = 4; break;
	default: return meta_type_err(m, key, "an array of 32-bit or smaller integers", err);
	}
	if (e->cache_kind != CACHE_I32) {
		a = malloc(e->count ? (size_t)e->count * sizeof(*a) : 1);
		if (!a)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", key);
		for (uint64_t i = 0; i < e->count; i++) {
			int64_t v;
			int big;

			int_value(e->elem_type, e->val + esz * i, &v, &big);
			if (v > INT32_MAX) {
				free(a);
				return meta_type_err(m, key, "an array of values that fit int32", err);
			}
			a[i] = (int32_t)v;
		}
		free(e->cache);
		e->cache = a;
		e->cache_kind = CACHE_I32;
	}
	*out = e->cache;
	*n = (size_t)e->count;
	return GPAI_OK;
}

/* ---- modelinfo -------------------------------------------------------------- */

void gpai_modelinfo_clear(struct gpai_modelinfo *info)
{
	memset(info, 0, sizeof(*info));
	info->tied_embeddings = -1;
}

/* Appends a dtype name to the comma list unless present. */
static void dtypes_add(char *list, size_t size, const char *name)
{
	size_t n = strlen(name), len = strlen(list);
	const char *p = list;

	while (*p) {
		const char *c = strchr(p, ',');
		size_t k = c ? (size_t)(c - p) : strlen(p);

		if (k == n && memcmp(p, name, n) == 0)
			return;
		p += k + (c ? 1 : 0);
	}
	if (len + n + 2 > size)
		return;
	if (len)
		list[len++] = ',';
	memcpy(list + len, name, n + 1);
}

/* Integer architecture field: a scalar, or the largest value of an array
 * (per-layer counts).  0 when absent or not an integer. */
static int64_t arch_int(const struct gpai_model *m, const char *arch, const char *field)
{
	char key[192];
	const struct meta_entry *e;
	int64_t v = 0, best = 0;
	int big;

	snprintf(key, sizeof(key), "%s.%s", arch, field);
	e = mf_meta_find(m, key);
	if (!e)
		return 0;
	if (e->type != GPAI_META_ARRAY)
		return int_value(e->type, e->val, &v, &big) && !big && v > 0 ? v : 0;
	{
		size_t esz = 0;

		switch (e->elem_type) {
		case GPAI_META_U8: case GPAI_META_I8: esz = 1; break;
		case GPAI_META_U16: case GPAI_META_I16: esz = 2; break;
		case GPAI_META_U32: case GPAI_META_I32: esz = 4; break;
		case GPAI_META_U64: case GPAI_META_I64: esz = 8; break;
		default: return 0;
		}
		for (uint64_t i = 0; i < e->count; i++)
			if (int_value(e->elem_type, e->val + esz * i, &v, &big) && !big && v > best)
				best = v;
	}
	return best;
}

/* Names of the output matrix and the token embedding across formats. */
static const char *const output_names[] = { "output.weight", "lm_head.weight" };
static const char *const embed_names[] = { "token_embd.weight", "model.embed_tokens.weight",
					   "transformer.wte.weight", "wte.weight" };

static const struct gpai_tensor *find_any(const struct gpai_model *m,
					  const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct gpai_tensor *t = gpai_model_find(m, names[i]);

		if (t)
			return t;
	}
	return NULL;
}

/* Sets tied_embeddings, n_params_distinct and the note from the tensors. */
static void tied_check(const struct gpai_model *m, struct gpai_modelinfo *info)
{
	const struct gpai_tensor *out = find_any(m, output_names, 2);
	const struct gpai_tensor *emb = find_any(m, embed_names, 4);

	if (!emb)
		return;
	if (!out) {
		if (info->tied_embeddings < 0)
			info->tied_embeddings = 1;
		if (info->tied_embeddings == 1)
			snprintf(info->note, sizeof(info->note),
				 "no separate output matrix: the classifier reuses %s",
				 emb->name);
		return;
	}
	if (out->dtype == emb->dtype && out->n_dims == emb->n_dims &&
	    out->nbytes == emb->nbytes &&
	    memcmp(out->shape, emb->shape, sizeof(out->shape)) == 0 &&
	    (out->nbytes == 0 || memcmp(out->data, emb->data, out->nbytes) == 0)) {
		info->tied_embeddings = 1;
		info->n_params_distinct = info->n_params - out->n_elements;
		snprintf(info->note, sizeof(info->note),
			 "%s is a byte-identical copy of %s (a tied classifier stored twice), "
			 "so %llu of the %llu elements repeat and the model has %llu distinct parameters",
			 out->name, emb->name, (unsigned long long)out->n_elements,
			 (unsigned long long)info->n_params,
			 (unsigned long long)info->n_params_distinct);
		return;
	}
	if (info->tied_embeddings < 0)
		info->tied_embeddings = 0;
}

static void info_gguf(const struct gpai_model *m, struct gpai_modelinfo *info)
{
	const struct meta_entry *e = mf_meta_find(m, "general.architecture");
	const char *arch = "";

	if (e && e->type == GPAI_META_STRING && e->str_len < sizeof(info->architecture) &&
	    gpai_utf8_valid(e->str, e->str_len) && !memchr(e->str, 0, e->str_len)) {
		memcpy(info->architecture, e->str, e->str_len);
		info->architecture[e->str_len] = '\0';
		arch = info->architecture;
	}
	e = mf_meta_find(m, "tokenizer.ggml.model");
	if (e && e->type == GPAI_META_STRING && e->str_len < sizeof(info->tokenizer) &&
	    gpai_utf8_valid(e->str, e->str_len) && !memchr(e->str, 0, e->str_len)) {
		memcpy(info->tokenizer, e->str, e->str_len);
		info->tokenizer[e->str_len] = '\0';
	}
	if (*arch) {
		info->n_layers = arch_int(m, arch, "block_count");
		info->hidden_size = arch_int(m, arch, "embedding_length");
		info->ffn_hidden_size = arch_int(m, arch, "feed_forward_length");
		info->n_heads = arch_int(m, arch, "attention.head_count");
		info->n_kv_heads = arch_int(m, arch, "attention.head_count_kv");
		if (!info->n_kv_heads)
			info->n_kv_heads = info->n_heads; /* GGUF default: no GQA */
		info->context_length = arch_int(m, arch, "context_length");
		info->n_experts = arch_int(m, arch, "expert_count");
		info->n_experts_used = arch_int(m, arch, "expert_used_count");
		info->vocab_size = arch_int(m, arch, "vocab_size");
	}
	e = mf_meta_find(m, "tokenizer.ggml.tokens");
	if (e && e->type == GPAI_META_ARRAY)
		info->vocab_size = (int64_t)e->count;
	if (!info->vocab_size) {
		const struct gpai_tensor *t = gpai_model_find(m, "token_embd.weight");

		if (t && t->n_dims == 2)
			info->vocab_size = t->shape[0];
	}
}

static void info_llama2c(const struct gpai_model *m, struct gpai_modelinfo *info)
{
	const struct gpai_llama2c_config *c = &m->l2c;

	gpai_strlcpy(info->architecture, "llama", sizeof(info->architecture));
	info->n_layers = c->n_layers;
	info->hidden_size = c->dim;
	info->ffn_hidden_size = c->hidden_dim;
	info->n_heads = c->n_heads;
	info->n_kv_heads = c->n_kv_heads;
	info->vocab_size = c->vocab_size;
	info->context_length = c->seq_len;
	info->tied_embeddings = c->shared_classifier;
	if (c->shared_classifier && c->has_freq_cis)
		snprintf(info->note, sizeof(info->note),
			 "llama2.c v%d checkpoint: the classifier shares token_embd.weight, and the "
			 "%llu freq_cis floats it stores are RoPE tables, not parameters",
			 c->version, (unsigned long long)(m->extra_bytes / 4));
	else if (c->shared_classifier)
		snprintf(info->note, sizeof(info->note),
			 "llama2.c v%d checkpoint: the classifier shares token_embd.weight",
			 c->version);
	else
		snprintf(info->note, sizeof(info->note),
			 "llama2.c v%d checkpoint with a separate classifier (output.weight)",
			 c->version);
}

/* Architecture from safetensors tensor names when there is no config. */
static void info_safetensors_shapes(const struct gpai_model *m, struct gpai_modelinfo *info)
{
	const struct gpai_tensor *emb = find_any(m, embed_names, 4);
	int64_t layers = 0;

	if (emb && emb->n_dims == 2) {
		info->vocab_size = emb->shape[0];
		info->hidden_size = emb->shape[1];
	}
	for (size_t i = 0; i < m->n_tensors; i++) {
		const char *n = m->tensors[i].name, *p = NULL;
		uint64_t v;
		char num[24];
		size_t k = 0;

		if (strncmp(n, "model.layers.", 13) == 0)
			p = n + 13;
		else if (strncmp(n, "transformer.h.", 14) == 0)
			p = n + 14;
		else if (strncmp(n, "h.", 2) == 0)
			p = n + 2;
		if (!p)
			continue;
		while (p[k] >= '0' && p[k] <= '9' && k < sizeof(num) - 1) {
			num[k] = p[k];
			k++;
		}
		num[k] = '\0';
		if (k && p[k] == '.' && gpai_parse_u64(num, &v) == GPAI_OK &&
		    v < (uint64_t)INT32_MAX && (int64_t)v + 1 > layers)
			layers = (int64_t)v + 1;
	}
	info->n_layers = layers;
}

void gpai_model_info(const struct gpai_model *m, struct gpai_modelinfo *info)
{
	gpai_modelinfo_clear(info);
	gpai_strlcpy(info->format, m->format, sizeof(info->format));
	info->n_tensors = m->n_tensors;
	info->n_files = m->n_files;
	for (size_t i = 0; i < m->n_tensors; i++) {
		info->n_params += m->tensors[i].n_elements;
		info->n_bytes += m->tensors[i].nbytes;
		dtypes_add(info->dtypes, sizeof(info->dtypes),
			   gpai_dtype_name(m->tensors[i].dtype));
	}
	info->n_params_distinct = info->n_params;
	if (strcmp(m->format, "gguf") == 0)
		info_gguf(m, info);
	else if (m->is_llama2c)
		info_llama2c(m, info);
	else
		info_safetensors_shapes(m, info);
	if (m->have_config) {
		/* config.json knows the architecture better than names do. */
		struct gpai_modelinfo c = m->config;

		c.n_tensors = c.n_params = c.n_params_distinct = c.n_bytes = 0;
		c.n_files = 0;
		c.dtypes[0] = '\0';
		c.format[0] = '\0';
		if (c.n_layers) info->n_layers = c.n_layers;
		if (c.hidden_size) info->hidden_size = c.hidden_size;
		if (c.vocab_size) info->vocab_size = c.vocab_size;
		gpai_modelinfo_merge(info, &c);
		info->n_files = m->n_files;
	}
	if (!m->is_llama2c)
		tied_check(m, info);
}

int gpai_model_probe_config(const char *path, struct gpai_modelinfo *info,
			    struct gpai_error *err)
{
	gpai_modelinfo_clear(info);
	return mf_hfconfig_read(path, info, err);
}

int gpai_model_probe_file(const char *path, struct gpai_modelinfo *info,
			  struct gpai_error *err)
{
	struct gpai_model *m = NULL;
	const char *base = strrchr(path, '/');
	int unknown = 0, rc;

	base = base ? base + 1 : path;
	gpai_modelinfo_clear(info);
	if (!gpai_is_dir(path) && strcmp(base, "config.json") == 0)
		return gpai_model_probe_config(path, info, err);
	rc = open_any(path, &m, &unknown, err);
	if (rc == GPAI_OK) {
		gpai_model_info(m, info);
		gpai_model_close(m);
		return GPAI_OK;
	}
	if (unknown || (rc == GPAI_ENOTFOUND && gpai_is_dir(path))) {
		/* Not a model file: opaque (a directory may still have a
		 * config.json). */
		if (gpai_is_dir(path)) {
			char *cfg = gpai_path_join(path, "config.json");

			if (!cfg)
				return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			if (gpai_path_exists(cfg)) {
				rc = gpai_model_probe_config(cfg, info, err);
				free(cfg);
				return rc;
			}
			free(cfg);
		}
		gpai_modelinfo_clear(info);
		gpai_strlcpy(info->format, "opaque", sizeof(info->format));
		info->n_files = 1;
		if (err)
			gpai_error_init(err);
		return GPAI_OK;
	}
	return rc;
}

void gpai_modelinfo_merge(struct gpai_modelinfo *dst,
			  const struct gpai_modelinfo *src)
{
	const char *p = src->dtypes;

	if (!dst->format[0])
		gpai_strlcpy(dst->format, src->format, sizeof(dst->format));
	if (!dst->architecture[0])
		gpai_strlcpy(dst->architecture, src->architecture, sizeof(dst->architecture));
	if (!dst->tokenizer[0])
		gpai_strlcpy(dst->tokenizer, src->tokenizer, sizeof(dst->tokenizer));
	dst->n_tensors += src->n_tensors;
	dst->n_params += src->n_params;
	dst->n_params_distinct += src->n_params_distinct;
	dst->n_bytes += src->n_bytes;
	dst->n_files += src->n_files;
	while (*p) {
		char one[32];
		const char *c = strchr(p, ',');
		size_t k = c ? (size_t)(c - p) : strlen(p);

		if (k < sizeof(one)) {
			memcpy(one, p, k);
			one[k] = '\0';
			dtypes_add(dst->dtypes, sizeof(dst->dtypes), one);
		}
		p += k + (c ? 1 : 0);
	}
#define TAKE(f) do { if (!dst->f) dst->f = src->f; } while (0)
	TAKE(n_layers);
	TAKE(hidden_size);
	TAKE(ffn_hidden_size);
	TAKE(n_heads);
	TAKE(n_kv_heads);
	TAKE(vocab_size);
	TAKE(context_length);
	TAKE(n_experts);
	TAKE(n_experts_used);
#undef TAKE
	if (dst->tied_embeddings < 0)
		dst->tied_embeddings = src->tied_embeddings;
	if (!dst->note[0])
		gpai_strlcpy(dst->note, src->note, sizeof(dst->note));
}
