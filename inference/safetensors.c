/*
 * safetensors.c - safetensors header reader (huggingface/safetensors
 * README and src/tensor.rs) and the HF sharded layout
 * (model.safetensors.index.json with a weight_map).
 *
 * Rules enforced (as the reference implementation): header length at most
 * SAFETENSORS_MAX_HEADER and inside the file; the header is UTF-8 JSON, an
 * object without duplicate keys (cJSON keeps duplicates, so they are
 * looked for here); each tensor has a known dtype, a shape of non-negative
 * integers and data_offsets [begin, end] with end - begin equal to its
 * size; sorted by begin the tensors tile the byte buffer from 0 with no
 * gap or overlap, and the last end is the end of the file.
 * For shards: every weight_map entry names a tensor that exists in the
 * shard it names, and every tensor of every shard is in the weight_map.
 */
#include "model_private.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#define SAFETENSORS_LEN_BYTES 8
#define SAFETENSORS_MAX_HEADER 100000000ULL /* safetensors tensor.rs MAX_HEADER_SIZE */
#define INDEX_MAX_BYTES (64u << 20)          /* an index.json is a few hundred KB */
#define JSON_MAX_EXACT 9007199254740992.0    /* 2^53: larger doubles are not exact */

static const struct {
	const char *name;
	int dtype;
} st_dtypes[] = {
	{ "BOOL", GPAI_DTYPE_BOOL }, { "U8", GPAI_DTYPE_U8 }, { "I8", GPAI_DTYPE_I8 },
	{ "I16", GPAI_DTYPE_I16 }, { "U16", GPAI_DTYPE_U16 }, { "F16", GPAI_DTYPE_F16 },
	{ "BF16", GPAI_DTYPE_BF16 }, { "I32", GPAI_DTYPE_I32 }, { "U32", GPAI_DTYPE_U32 },
	{ "F32", GPAI_DTYPE_F32 }, { "F64", GPAI_DTYPE_F64 }, { "I64", GPAI_DTYPE_I64 },
	{ "U64", GPAI_DTYPE_U64 }, { "C64", GPAI_DTYPE_C64 },
	{ "F8_E5M2", GPAI_DTYPE_F8_E5M2 }, { "F8_E4M3", GPAI_DTYPE_F8_E4M3 },
	{ "F8_E8M0", GPAI_DTYPE_F8_E8M0 }, { "F8_E4M3FNUZ", GPAI_DTYPE_F8_E4M3FNUZ },
	{ "F8_E5M2FNUZ", GPAI_DTYPE_F8_E5M2FNUZ }, { "F4", GPAI_DTYPE_F4 },
	{ "F6_E2M3", GPAI_DTYPE_F6_E2M3 }, { "F6_E3M2", GPAI_DTYPE_F6_E3M2 },
};

int mf_safetensors_sniff(const unsigned char *p, size_t size, const char *path)
{
	uint64_t n;

	if (mf_ends_with(path, ".safetensors"))
		return 1;
	if (size < SAFETENSORS_LEN_BYTES + 2)
		return 0;
	n = mf_le64(p);
	return n >= 2 && n <= size - SAFETENSORS_LEN_BYTES && p[SAFETENSORS_LEN_BYTES] == '{';
}

/* Exact non-negative integer of a JSON number; -1 if not one. */
static int64_t json_uint(const cJSON *v)
{
	double d;

	if (!cJSON_IsNumber(v))
		return -1;
	d = v->valuedouble;
	if (d < 0 || d > JSON_MAX_EXACT || d != (double)(int64_t)d)
		return -1;
	return (int64_t)d;
}

/* Offset of "key" in the header text at or after *from (then from the
 * start), for error messages; the header start when not found.  The root's
 * keys come in document order, so a cursor makes finding all of them one
 * pass over the header instead of one pass per tensor. */
static size_t key_offset_from(const char *hdr, size_t n, const char *key, size_t *from)
{
	size_t k = strlen(key);

	for (int pass = 0; pass < 2; pass++) {
		size_t start = pass == 0 && from ? *from : 0;

		for (size_t i = start; i + k + 2 <= n; i++)
			if (hdr[i] == '"' && memcmp(hdr + i + 1, key, k) == 0 &&
			    hdr[i + 1 + k] == '"') {
				if (from)
					*from = i + k + 2;
				return SAFETENSORS_LEN_BYTES + i;
			}
		if (!from || !*from)
			break;
	}
	return SAFETENSORS_LEN_BYTES;
}

static size_t key_offset(const char *hdr, size_t n, const char *key)
{
	return key_offset_from(hdr, n, key, NULL);
}

static int cmp_child_name(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string);
}

/* GPAI_EFORMAT naming the first duplicate key of obj. */
static int check_duplicates(const cJSON *obj, const char *path, const char *hdr,
			    size_t hlen, size_t *count, struct gpai_error *err)
{
	const cJSON *c;
	const cJSON **v;
	size_t n = 0, i;
	int rc = GPAI_OK;

	cJSON_ArrayForEach(c, obj)
		n++;
	*count = n;
	if (n < 2)
		return GPAI_OK;
	v = malloc(n * sizeof(*v));
	if (!v)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", path);
	i = 0;
	cJSON_ArrayForEach(c, obj)
		v[i++] = c;
	qsort(v, n, sizeof(*v), cmp_child_name);
	for (i = 1; i < n; i++)
		if (strcmp(v[i]->string, v[i - 1]->string) == 0) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': offset %zu: duplicate key '%s'",
					    path, hdr ? key_offset(hdr, hlen, v[i]->string) : 0,
					    v[i]->string);
			break;
		}
	free(v);
	return rc;
}

struct span {
	uint64_t begin, end;
	size_t tensor;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	return x->end < y->end ? -1 : x->end > y->end;
}

static int parse_tensor(struct gpai_model *m, int fidx, const cJSON *t, const char *hdr,
			size_t hlen, size_t *cursor, uint64_t buf_start, struct span *sp,
			struct gpai_error *err)
{
	const char *path = m->files[fidx].path, *name = t->string;
	size_t at = key_offset_from(hdr, hlen, name, cursor);
	const cJSON *dt = cJSON_GetObjectItemCaseSensitive(t, "dtype");
	const cJSON *sh = cJSON_GetObjectItemCaseSensitive(t, "shape");
	const cJSON *off = cJSON_GetObjectItemCaseSensitive(t, "data_offsets");
	int64_t shape[GPAI_TENSOR_MAX_DIMS], b, e;
	int dtype = -1, nd = 0, rc;
	size_t dups;
	const cJSON *c;

	if (!cJSON_IsObject(t))
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': offset %zu: tensor '%s' is not an object",
				      path, at, name);
	if ((rc = check_duplicates(t, path, hdr, hlen, &dups, err)))
		return rc;
	if (!*name)
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': offset %zu: empty tensor name",
				      path, at);
	if (cJSON_IsString(dt))
		for (size_t i = 0; i < sizeof(st_dtypes) / sizeof(st_dtypes[0]); i++)
			if (strcmp(dt->valuestring, st_dtypes[i].name) == 0)
				dtype = st_dtypes[i].dtype;
	if (dtype < 0)
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': offset %zu: tensor '%s' has %s dtype%s%s",
				      path, at, name, cJSON_IsString(dt) ? "unknown" : "no",
				      cJSON_IsString(dt) ? " " : "",
				      cJSON_IsString(dt) ? dt->valuestring : "");
	if (!cJSON_IsArray(sh))
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': offset %zu: tensor '%s' has no shape array",
				      path, at, name);
	cJSON_ArrayForEach(c, sh) {
		int64_t v = json_uint(c);

		if (nd == GPAI_TENSOR_MAX_DIMS)
			return gpai_error_set(err, GPAI_EFORMAT,
					      "'%s': offset %zu: tensor '%s' has more than %d dimensions",
					      path, at, name, GPAI_TENSOR_MAX_DIMS);
		if (v < 0)
			return gpai_error_set(err, GPAI_EFORMAT,
					      "'%s': offset %zu: tensor '%s' shape holds a value that is not a non-negative integer",
					      path, at, name);
		shape[nd++] = v;
	}
	if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2 ||
	    (b = json_uint(cJSON_GetArrayItem(off, 0))) < 0 ||
	    (e = json_uint(cJSON_GetArrayItem(off, 1))) < 0 || e < b)
		return gpai_error_set(err, GPAI_EFORMAT,
				      "'%s': offset %zu: tensor '%s' data_offsets is not [begin, end] with begin <= end",
				      path, at, name);
	/* Range against the file checked by the tiling; data set below. */
	rc = mf_add_tensor(m, fidx, name, strlen(name), dtype, nd, shape, UINT64_MAX, 0, at, err);
	if (rc)
		return rc;
	{
		struct gpai_tensor *tt = &m->tensors[m->n_tensors - 1];

		if ((uint64_t)(e - b) != tt->nbytes)
			return gpai_error_set(err, GPAI_EFORMAT,
					      "'%s': offset %zu: tensor '%s' data_offsets [%lld, %lld] hold %lld bytes but %s shape needs %llu",
					      path, at, name, (long long)b, (long long)e,
					      (long long)(e - b), dt->valuestring,
					      (unsigned long long)tt->nbytes);
		tt->file_offset = buf_start + (uint64_t)b;
	}
	sp->begin = (uint64_t)b;
	sp->end = (uint64_t)e;
	sp->tensor = m->n_tensors - 1;
	return GPAI_OK;
}

static int parse_metadata(struct gpai_model *m, const char *path, const cJSON *md,
			  const char *hdr, size_t hlen, struct gpai_error *err)
{
	const cJSON *c;
	size_t n;
	int rc;

	if (!cJSON_IsObject(md))
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': offset %zu: __metadata__ is not an object",
				      path, key_offset(hdr, hlen, "__metadata__"));
	if ((rc = check_duplicates(md, path, hdr, hlen, &n, err)))
		return rc;
	cJSON_ArrayForEach(c, md) {
		struct meta_entry *e;

		if (!cJSON_IsString(c))
			return gpai_error_set(err, GPAI_EFORMAT,
					      "'%s': offset %zu: __metadata__ value '%s' is not a string",
					      path, key_offset(hdr, hlen, c->string), c->string);
		if (mf_meta_find(m, c->string))
			continue; /* an earlier shard said it already */
		e = mf_add_meta(m, c->string, strlen(c->string));
		if (!e || !(e->owned = gpai_strdup(c->valuestring)))
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", path);
		e->type = GPAI_META_STRING;
		e->str = e->owned;
		e->str_len = strlen(e->owned);
	}
	return GPAI_OK;
}

int mf_safetensors_load(struct gpai_model *m, int fidx, struct gpai_error *err)
{
	struct model_file *f = &m->files[fidx];
	struct mf_rd r = { f->map.data, f->map.size, 0, f->path, err };
	const char *hdr, *end = NULL;
	uint64_t n, buf_start, buf_len, expect = 0;
	cJSON *root = NULL;
	const cJSON *c;
	struct span *sp = NULL;
	size_t count, nt = 0, first = m->n_tensors, cursor = 0;
	int rc;

	if (r.size < SAFETENSORS_LEN_BYTES)
		return mf_rd_fail(&r, 0, "safetensors header length truncated (%zu of %d bytes)",
			       r.size, SAFETENSORS_LEN_BYTES);
	n = mf_le64(r.p);
	if (n > SAFETENSORS_MAX_HEADER)
		return mf_rd_fail(&r, 0, "header length %llu exceeds the limit of %llu bytes",
			       (unsigned long long)n, SAFETENSORS_MAX_HEADER);
	if (n > r.size - SAFETENSORS_LEN_BYTES)
		return mf_rd_fail(&r, 0, "header length %llu runs past the end of the file (%zu bytes)",
			       (unsigned long long)n, r.size);
	hdr = (const char *)r.p + SAFETENSORS_LEN_BYTES;
	if (!gpai_utf8_valid(hdr, (size_t)n))
		return mf_rd_fail(&r, SAFETENSORS_LEN_BYTES, "header is not valid UTF-8");
	root = cJSON_ParseWithLengthOpts(hdr, (size_t)n, &end, 0);
	if (!root)
		return mf_rd_fail(&r, SAFETENSORS_LEN_BYTES + (end && end >= hdr ? (size_t)(end - hdr) : 0),
			       "header is not valid JSON");
	if (!cJSON_IsObject(root)) {
		rc = mf_rd_fail(&r, SAFETENSORS_LEN_BYTES, "header is not a JSON object");
		goto out_free;
	}
	if ((rc = check_duplicates(root, f->path, hdr, (size_t)n, &count, err)))
		goto out_free;
	buf_start = SAFETENSORS_LEN_BYTES + n;
	buf_len = r.size - buf_start;
	if (count) {
		sp = calloc(count, sizeof(*sp));
		if (!sp) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", f->path);
			goto out_free;
		}
	}
	cJSON_ArrayForEach(c, root) {
		if (strcmp(c->string, "__metadata__") == 0)
			rc = parse_metadata(m, f->path, c, hdr, (size_t)n, err);
		else
			rc = parse_tensor(m, fidx, c, hdr, (size_t)n, &cursor, buf_start,
					  &sp[nt++], err);
		if (rc)
			goto out_free;
	}
	if (nt)
		qsort(sp, nt, sizeof(*sp), cmp_span);
	for (size_t i = 0; i < nt; i++) {
		const struct gpai_tensor *t = &m->tensors[sp[i].tensor];

		if (sp[i].begin != expect) {
			rc = gpai_error_set(err, GPAI_EFORMAT,
					    "'%s': offset %zu: tensor '%s' data_offsets begin at %llu, expected %llu: tensors must tile the data buffer without gaps or overlaps",
					    f->path, m->where[sp[i].tensor], t->name,
					    (unsigned long long)sp[i].begin, (unsigned long long)expect);
			goto out_free;
		}
		expect = sp[i].end;
	}
	if (expect != buf_len) {
		rc = mf_rd_fail(&r, (size_t)(buf_start + (expect < buf_len ? expect : buf_len)),
			     "tensor data ends at %llu but the file has %llu bytes after the header",
			     (unsigned long long)expect, (unsigned long long)buf_len);
		goto out_free;
	}
	for (size_t i = first; i < m->n_tensors; i++)
		m->tensors[i].data = f->map.data + m->tensors[i].file_offset;
	rc = GPAI_OK;
out_free:
	free(sp);
	cJSON_Delete(root);
	return rc;
}

/* A shard file name from the weight map: a plain relative path without
 * "..", absolute or empty parts. */
static int shard_name_ok(const char *s)
{
	const char *p = s;

	if (!*s || *s == '/')
		return 0;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t k = slash ? (size_t)(slash - p) : strlen(p);

		if (k == 0 || (k == 1 && p[0] == '.') || (k == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += k + (slash ? 1 : 0);
	}
	return 1;
}

int mf_safetensors_load_index(struct gpai_model *m, const char *index_path,
			   struct gpai_error *err)
{
	cJSON *root = NULL;
	const cJSON *wm, *c;
	const char **shards = NULL;
	size_t n_entries, n_shards = 0;
	char *dir = NULL;
	const char *slash;
	int rc;

	rc = gpai_json_load(index_path, INDEX_MAX_BYTES, &root, err);
	if (rc)
		return rc;
	wm = cJSON_GetObjectItemCaseSensitive(root, "weight_map");
	if (!cJSON_IsObject(root) || !cJSON_IsObject(wm)) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': field 'weight_map' is missing or not an object",
				    index_path);
		goto out_free;
	}
	if ((rc = check_duplicates(wm, index_path, NULL, 0, &n_entries, err)))
		goto out_free;
	if (n_entries == 0) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': weight_map is empty", index_path);
		goto out_free;
	}
	shards = calloc(n_entries, sizeof(*shards));
	if (!shards) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory reading '%s'", index_path);
		goto out_free;
	}
	cJSON_ArrayForEach(c, wm) {
		size_t i;

		if (!cJSON_IsString(c) || !shard_name_ok(c->valuestring)) {
			rc = gpai_error_set(err, GPAI_EFORMAT,
					    "'%s': weight_map['%s'] is not a relative shard file name",
					    index_path, c->string);
			goto out_free;
		}
		for (i = 0; i < n_shards; i++)
			if (strcmp(shards[i], c->valuestring) == 0)
				break;
		if (i == n_shards)
			shards[n_shards++] = c->valuestring;
	}
	slash = strrchr(index_path, '/');
	dir = slash ? gpai_asprintf("%.*s", (int)(slash - index_path + 1), index_path)
		    : gpai_strdup("");
	if (!dir) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out_free;
	}
	for (size_t i = 0; i < n_shards; i++) {
		char *p = gpai_asprintf("%s%s", dir, shards[i]);
		int fidx;

		if (!p) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			goto out_free;
		}
		rc = mf_add_file(m, p, &fidx, err);
		free(p);
		if (!rc)
			rc = mf_safetensors_load(m, fidx, err);
		if (rc) {
			gpai_error_prefix(err, "shard of '%s'", index_path);
			goto out_free;
		}
	}
	if ((rc = mf_index(m, err)))
		goto out_free;
	cJSON_ArrayForEach(c, wm) {
		const struct gpai_tensor *t = gpai_model_find(m, c->string);
		const char *fp;

		if (!t) {
			rc = gpai_error_set(err, GPAI_EFORMAT,
					    "'%s': weight_map names tensor '%s', which shard '%s' does not hold",
					    index_path, c->string, c->valuestring);
			goto out_free;
		}
		fp = m->files[t->file_index].path + strlen(dir);
		if (strcmp(fp, c->valuestring) != 0) {
			rc = gpai_error_set(err, GPAI_EFORMAT,
					    "'%s': weight_map puts tensor '%s' in '%s' but it is in '%s'",
					    index_path, c->string, c->valuestring, fp);
			goto out_free;
		}
	}
	if (m->n_tensors != n_entries) {
		/* Every entry was found, so some shard tensor is not listed. */
		for (size_t i = 0; i < m->n_tensors; i++)
			if (!cJSON_GetObjectItemCaseSensitive(wm, m->tensors[i].name)) {
				rc = gpai_error_set(err, GPAI_EFORMAT,
						    "'%s': tensor '%s' of shard '%s' is not in the weight_map",
						    index_path, m->tensors[i].name,
						    m->files[m->tensors[i].file_index].path);
				goto out_free;
			}
	}
	rc = GPAI_OK;
out_free:
	free(dir);
	free(shards);
	cJSON_Delete(root);
	return rc;
}
