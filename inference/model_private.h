/*
 * model_private.h - what the model-file readers of inference/ share: the
 * handle's layout, a bounds-checked little-endian reader over a memory map,
 * and the tensor/metadata builders.
 *
 * Invariants of an open struct gpai_model: every tensor's [data, data +
 * nbytes) lies inside its file's map; tensor names are distinct, valid
 * UTF-8 without NUL; by_name is the tensor indices sorted by name;
 * meta_sorted likewise for metadata keys; nothing points outside a map
 * or a heap block the handle owns.
 */
#ifndef GPAI_MODEL_PRIVATE_H
#define GPAI_MODEL_PRIVATE_H

#include "common.h"
#include "inference.h"

/* Absurd-count bounds (a count beyond these is a corrupt header, not a
 * model: the largest published GGUF/safetensors files hold ~10^4 tensors). */
#define MODEL_MAX_TENSORS (1u << 20)
#define MODEL_MAX_META (1u << 20)
/* Nesting of GGUF arrays inside arrays. */
#define GGUF_MAX_ARRAY_DEPTH 4

/* One metadata entry.  For GGUF, val points into the map at the value
 * (for arrays: at the first element); strings point into the map too.
 * For safetensors __metadata__ the string is a heap copy (owned). */
struct meta_entry {
	char *key;
	int type, elem_type;     /* elem_type -1 unless an array */
	uint64_t count;          /* array elements */
	const unsigned char *val;
	const char *str;         /* GPAI_META_STRING */
	size_t str_len;
	char *owned;             /* heap copy behind str, or NULL */
	void *cache;             /* decoded array (see inference.h) */
	size_t where;            /* header offset of the key (GGUF), for errors */
	int cache_kind;
};

struct model_file {
	char *path;
	struct gpai_map map;
};

struct gpai_model {
	char format[16];
	struct model_file *files;
	int n_files;
	struct gpai_tensor *tensors;
	size_t n_tensors, cap_tensors;
	const struct gpai_tensor **by_name;
	size_t *where;                   /* header offset of each tensor, for errors */
	struct meta_entry *meta;
	size_t n_meta, cap_meta;
	struct meta_entry **meta_sorted;
	int is_llama2c;
	struct gpai_llama2c_config l2c;
	int have_config;                 /* config.json seen */
	struct gpai_modelinfo config;    /* its fields */
	uint32_t alignment;              /* GGUF */
	uint64_t extra_bytes;            /* non-parameter bytes (freq_cis) */
};

/* Bounds-checked reader: every read checks the remaining length and
 * leaves a message "'path': offset N: ..." in err. */
struct mf_rd {
	const unsigned char *p;
	size_t size, off;
	const char *path;
	struct gpai_error *err;
};

int mf_rd_fail(struct mf_rd *r, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int mf_rd_u8(struct mf_rd *r, uint8_t *v, const char *what);
int mf_rd_u32(struct mf_rd *r, uint32_t *v, const char *what);
int mf_rd_u64(struct mf_rd *r, uint64_t *v, const char *what);
uint32_t mf_le32(const unsigned char *p);
uint64_t mf_le64(const unsigned char *p);

/* Adds a file to the handle and maps it; *idx gets its index. */
int mf_add_file(struct gpai_model *m, const char *path, int *idx,
		   struct gpai_error *err);
/* Adds a tensor whose data starts at byte `offset` of file `fidx`: checks
 * the type, computes n_elements and nbytes with overflow checks (nbytes:
 * when 0 it is computed from the type; Q8_GROUP passes it), and checks
 * that the data lies inside the file.  `where` is the header offset named
 * in errors.  The name is copied. */
int mf_add_tensor(struct gpai_model *m, int fidx, const char *name,
		     size_t name_len, int dtype, int n_dims,
		     const int64_t *shape, uint64_t offset, uint64_t nbytes,
		     size_t where, struct gpai_error *err);
/* Tensor byte size from type and element count; GPAI_EFORMAT on a count
 * that is not a whole number of blocks or bytes, or on overflow. */
int mf_dtype_nbytes(int dtype, uint64_t n_elements, uint64_t *nbytes);
/* Appends a metadata entry (key copied); returns it or NULL on ENOMEM. */
struct meta_entry *mf_add_meta(struct gpai_model *m, const char *key,
				  size_t key_len);
/* Sorts names and keys; GPAI_EFORMAT on a duplicate tensor name or key. */
int mf_index(struct gpai_model *m, struct gpai_error *err);
const struct meta_entry *mf_meta_find(const struct gpai_model *m,
					 const char *key);

/* Format readers: parse the header of file fidx into the handle. */
int mf_gguf_load(struct gpai_model *m, int fidx, struct gpai_error *err);
int mf_llama2c_load(struct gpai_model *m, int fidx, int version,
		 struct gpai_error *err);
int mf_safetensors_load(struct gpai_model *m, int fidx, struct gpai_error *err);
int mf_safetensors_load_index(struct gpai_model *m, const char *index_path,
			   struct gpai_error *err);
/* Recognisers over the first bytes of a file (and its size and name). */
int mf_gguf_sniff(const unsigned char *p, size_t size);
int mf_safetensors_sniff(const unsigned char *p, size_t size, const char *path);
/* Returns -1 (not llama2.c), or the version 0, 1 or 2. */
int mf_llama2c_sniff(const unsigned char *p, size_t size, const char *path);

/* config.json reader, shared by gpai_model_probe_config and open. */
int mf_hfconfig_read(const char *path, struct gpai_modelinfo *info,
		  struct gpai_error *err);

/* 1 if the name ends with suffix. */
int mf_ends_with(const char *s, const char *suffix);

#endif
