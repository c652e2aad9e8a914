/*
 * add.c - importing a model version: validation of every input first, then
 * the files (each read once, hashed while copied into the blob store; or,
 * for gpai_registry_add_staged, files the caller already hashed, moved in
 * without a read), then one transaction that makes the version visible.
 *
 * Invariant: nothing is written to the catalogue before every blob of the
 * version is in place; a failure at any point leaves at most unreferenced
 * blobs (dropped by gc) and no catalogue change.
 */
#include "registry_private.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "archive_private.h"
#include "inference.h"
#include "signing.h"

/* Largest fact file read (bytes). */
#define FACTS_FILE_MAX (16u << 20)
#define SHA256_LEN 32
/* Deepest directory nesting followed in a model folder. */
#define MAX_DEPTH 64
/* Longest licence id looked up in the licence table (longer: unknown). */
#define LICENSE_ID_MAX 128

/* Paths OMS ignores by default at the top of a model folder
 * (model_signing 1.x: hashing ignore_paths plus the signature file). */
static const char *const default_ignores[] = {
	".git", ".gitattributes", ".github", ".gitignore", "model.sig",
};

static const char *const relations[] = {
	"finetune", "quantized", "merge", "adapter", "distilled",
};

static const char *const archive_endings[] = {
	".tar.gz", ".tgz", ".tar.zst", ".tar.xz", ".tar", ".zip",
};

/* ---- syntax checks ---------------------------------------------------------------- */

static int word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static int check_word(const char *what, const char *s, size_t max,
		      struct gpai_error *err)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || !((s[0] >= 'a' && s[0] <= 'z') ||
				   (s[0] >= 'A' && s[0] <= 'Z') ||
				   (s[0] >= '0' && s[0] <= '9')))
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!word_char(s[i]))
			goto bad;
	return GPAI_OK;
bad:
	return gpai_error_set(err, GPAI_EFORMAT,
			      "invalid %s '%s' (a letter or digit, then letters, digits, "
			      "'.', '_' or '-'; at most %zu bytes)", what, s, max);
}

int gpai_registry_check_name(const char *name, struct gpai_error *err)
{
	return check_word("model name", name, GPAI_REG_NAME_MAX, err);
}

int gpai_registry_check_version(const char *version, struct gpai_error *err)
{
	return check_word("version", version, GPAI_REG_VERSION_MAX, err);
}

/* SPDX license expression syntax (SPDX spec v2.3 annex D): idstrings
 * [A-Za-z0-9.-]+ with an optional '+', LicenseRef-/DocumentRef- forms,
 * joined by AND, OR, WITH, with parentheses.  The id list itself is not
 * checked (it changes; LicenseRef- covers custom licences). */
int gpai_registry_check_license(const char *spdx, struct gpai_error *err)
{
	const char *p = spdx;
	int depth = 0, want_id = 1, ids = 0, after_with = 0;
	char unknown[LICENSE_ID_MAX] = "";

	while (*p) {
		const char *s;
		size_t n;

		if (*p == ' ') {
			p++;
			continue;
		}
		if (*p == '(') {
			if (!want_id)
				goto bad;
			depth++;
			p++;
			continue;
		}
		if (*p == ')') {
			if (want_id || depth == 0)
				goto bad;
			depth--;
			p++;
			continue;
		}
		s = p;
		while (*p && (isalnum((unsigned char)*p) || *p == '.' || *p == '-' ||
			      *p == ':' || *p == '+'))
			p++;
		n = (size_t)(p - s);
		if (n == 0)
			goto bad;
		if ((n == 3 && strncmp(s, "AND", 3) == 0) || (n == 2 && strncmp(s, "OR", 2) == 0) ||
		    (n == 4 && strncmp(s, "WITH", 4) == 0)) {
			if (want_id)
				goto bad;
			want_id = 1;
			after_with = n == 4;
			continue;
		}
		if (!want_id)
			goto bad;
		/* '+' only at the end; ':' only in DocumentRef-x:LicenseRef-y. */
		for (size_t i = 0; i < n; i++)
			if ((s[i] == '+' && i != n - 1) ||
			    (s[i] == ':' && strncmp(s, "DocumentRef-", 12) != 0))
				goto bad;
		/* A licence id (not the exception after WITH) needs a category. */
		if (!after_with && !unknown[0]) {
			size_t k = n && s[n - 1] == '+' ? n - 1 : n;

			if (k >= sizeof(unknown))
				k = sizeof(unknown) - 1;
			memcpy(unknown, s, k);
			unknown[k] = '\0';
			if (gpai_license_find(unknown))
				unknown[0] = '\0';
		}
		after_with = 0;
		want_id = 0;
		ids++;
	}
	if (want_id || depth != 0 || ids == 0)
		goto bad;
	/* Syntax first, then the first id the licence table does not know. */
	if (unknown[0])
		return gpai_error_set(err, GPAI_EFORMAT,
				      "unknown licence '%s' in '%s': not in gpai's licence table, so "
				      "it has no category for Art. 53(2) and openness (known ids: "
				      "docs/openness.md)", unknown, spdx);
	return GPAI_OK;
bad:
	return gpai_error_set(err, GPAI_EFORMAT,
			      "invalid licence '%s' (want an SPDX id such as Apache-2.0, "
			      "an expression such as 'MIT OR Apache-2.0', or LicenseRef-<name>)",
			      spdx);
}

int gpai_registry_check_relation(const char *relation, struct gpai_error *err)
{
	for (size_t i = 0; i < sizeof(relations) / sizeof(relations[0]); i++)
		if (strcmp(relation, relations[i]) == 0)
			return GPAI_OK;
	return gpai_error_set(err, GPAI_EFORMAT,
			      "invalid relation '%s' (want finetune, quantized, merge, "
			      "adapter or distilled)", relation);
}

/* access describes the model (fact model.access); whether this registry
 * holds its files is has_files.  An open-weight model may be registered
 * without its files (the catalogue of real models, docs/catalogue.md). */
static int check_access(const char *access, struct gpai_error *err)
{
	static const char *const ok[] = { "open-weight", "api", "restricted", "none" };

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(access, ok[i]) == 0)
			return GPAI_OK;
	return gpai_error_set(err, GPAI_EFORMAT,
			      "invalid access '%s' (want open-weight, api, restricted or none)",
			      access);
}

/* Copies name into out with bytes that cannot be shown escaped as \xNN. */
static void show_name(const char *name, char *out, size_t n)
{
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)name; *p && o + 5 < n; p++) {
		if (*p < 0x20 || *p == 0x7f || *p >= 0x80) {
			static const char hx[] = "0123456789abcdef";

			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hx[*p >> 4];
			out[o++] = hx[*p & 15];
		} else {
			out[o++] = (char)*p;
		}
	}
	out[o] = '\0';
}

/* ---- the files to import ------------------------------------------------------------- */

struct entry {
	char *relpath;
	char *path;     /* on disk; NULL for archive entries */
	uint64_t size;
	char hex[65];
	char *model_json;
	int staged;     /* written and hashed by the caller (add_staged) */
};

struct entries {
	struct entry *e;
	size_t n, cap;
	uint64_t total;
};

static void entries_release(struct entries *es)
{
	for (size_t i = 0; i < es->n; i++) {
		free(es->e[i].relpath);
		free(es->e[i].path);
		free(es->e[i].model_json);
	}
	free(es->e);
	memset(es, 0, sizeof(*es));
}

static struct entry *entries_push(struct entries *es)
{
	if (es->n == es->cap) {
		size_t nc = es->cap ? 2 * es->cap : 16;
		struct entry *p = realloc(es->e, nc * sizeof(*p));

		if (!p)
			return NULL;
		es->e = p;
		es->cap = nc;
	}
	memset(&es->e[es->n], 0, sizeof(es->e[0]));
	return &es->e[es->n++];
}

static int check_entry_name(const char *shown_dir, const char *name,
			    struct gpai_error *err)
{
	char shown[512];

	if (!gpai_utf8_valid(name, strlen(name))) {
		show_name(name, shown, sizeof(shown));
		return gpai_error_set(err, GPAI_EFORMAT,
				      "'%s/%s': file name is not valid UTF-8", shown_dir, shown);
	}
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			show_name(name, shown, sizeof(shown));
			return gpai_error_set(err, GPAI_EFORMAT,
					      "'%s/%s': file name has a control character",
					      shown_dir, shown);
		}
	}
	return GPAI_OK;
}

/* 1 if path is a provenance.json that gpai export wrote. */
static int is_gpai_provenance(const char *path)
{
	struct gpai_error ignored;
	cJSON *j = NULL;
	int yes;

	gpai_error_init(&ignored);
	if (gpai_json_load(path, FACTS_FILE_MAX, &j, &ignored))
		return 0;
	yes = cJSON_IsObject(j) && gpai_json_str(j, "gpai_provenance") != NULL;
	cJSON_Delete(j);
	return yes;
}

static int walk_dir(const char *dir, const char *rel, int depth, struct entries *es,
		    struct gpai_error *err)
{
	struct dirent *de;
	DIR *d;
	int rc = GPAI_OK;

	if (depth > MAX_DEPTH)
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': directories nested too deep", dir);
	d = opendir(dir);
	if (!d)
		return gpai_error_errno(err, GPAI_EIO, errno, "cannot open directory '%s'", dir);
	while (rc == GPAI_OK && (de = readdir(d)) != NULL) {
		char *path, *relpath;
		struct stat st;
		int skip = 0;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!rel) {
			for (size_t i = 0; i < sizeof(default_ignores) / sizeof(default_ignores[0]); i++)
				if (strcmp(de->d_name, default_ignores[i]) == 0)
					skip = 1;
		}
		if (skip)
			continue;
		if (!rel && strcmp(de->d_name, REG_PROVENANCE) == 0) {
			char *p = gpai_path_join(dir, de->d_name);

			skip = p && is_gpai_provenance(p);
			free(p);
			if (skip)
				continue;
		}
		rc = check_entry_name(dir, de->d_name, err);
		if (rc)
			break;
		path = gpai_path_join(dir, de->d_name);
		relpath = rel ? gpai_path_join(rel, de->d_name) : gpai_strdup(de->d_name);
		if (!path || !relpath) {
			free(path);
			free(relpath);
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			break;
		}
		if (lstat(path, &st) != 0) {
			rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot stat '%s'", path);
		} else if (S_ISLNK(st.st_mode)) {
			rc = gpai_error_set(err, GPAI_EFORMAT,
					    "'%s' is a symbolic link (gpai stores regular files only)",
					    path);
		} else if (S_ISDIR(st.st_mode)) {
			rc = walk_dir(path, relpath, depth + 1, es, err);
		} else if (!S_ISREG(st.st_mode)) {
			rc = gpai_error_set(err, GPAI_EFORMAT,
					    "'%s' is not a regular file or directory", path);
		} else {
			struct entry *e = entries_push(es);

			if (!e) {
				rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			} else {
				e->path = path;
				e->relpath = relpath;
				e->size = (uint64_t)st.st_size;
				es->total += e->size;
				continue;
			}
		}
		free(path);
		free(relpath);
	}
	closedir(d);
	return rc;
}

/* ---- fact files -------------------------------------------------------------------------- */

struct fact_in {
	char *field, *value, *source;
};

struct facts_in {
	struct fact_in *f;
	size_t n;
	/* top-level members (NULL when absent) */
	char *name, *version, *provider, *license, *access, *base, *relation;
};

static void facts_in_release(struct facts_in *fi)
{
	for (size_t i = 0; i < fi->n; i++) {
		free(fi->f[i].field);
		free(fi->f[i].value);
		free(fi->f[i].source);
	}
	free(fi->f);
	free(fi->name);
	free(fi->version);
	free(fi->provider);
	free(fi->license);
	free(fi->access);
	free(fi->base);
	free(fi->relation);
	memset(fi, 0, sizeof(*fi));
}

/* Shortest text that reads back as the same double. */
static char *number_text(double d)
{
	char *s = gpai_asprintf("%.15g", d);

	if (s && strtod(s, NULL) != d) {
		free(s);
		s = gpai_asprintf("%.17g", d);
	}
	return s;
}

static int top_member(const char *path, const cJSON *root, const char *key,
		      char **out, struct gpai_error *err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);

	if (!v || cJSON_IsNull(v))
		return GPAI_OK;
	if (cJSON_IsString(v))
		*out = gpai_strdup(v->valuestring);
	else if (cJSON_IsNumber(v))
		*out = number_text(v->valuedouble);
	else
		return gpai_error_set(err, GPAI_EFORMAT, "'%s': member '%s' must be a string",
				      path, key);
	return *out ? GPAI_OK : gpai_error_set(err, GPAI_ENOMEM, "out of memory");
}

static int load_facts_file(const char *path, struct facts_in *fi, struct gpai_error *err)
{
	static const char *const members[] = {
		"name", "version", "provider", "license", "access", "base", "relation", "facts",
	};
	cJSON *root = NULL;
	const cJSON *facts, *it;
	size_t idx = 0;
	int rc;

	memset(fi, 0, sizeof(*fi));
	rc = gpai_json_load(path, FACTS_FILE_MAX, &root, err);
	if (rc)
		return rc;
	if (!cJSON_IsObject(root)) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': the top level must be an object", path);
		goto out;
	}
	cJSON_ArrayForEach(it, root) {
		int known = 0;

		for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
			if (it->string && strcmp(it->string, members[i]) == 0)
				known = 1;
		if (!known) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': unknown member '%s'", path,
					    it->string ? it->string : "");
			goto out;
		}
	}
	if ((rc = top_member(path, root, "name", &fi->name, err)) ||
	    (rc = top_member(path, root, "version", &fi->version, err)) ||
	    (rc = top_member(path, root, "provider", &fi->provider, err)) ||
	    (rc = top_member(path, root, "license", &fi->license, err)) ||
	    (rc = top_member(path, root, "access", &fi->access, err)) ||
	    (rc = top_member(path, root, "base", &fi->base, err)) ||
	    (rc = top_member(path, root, "relation", &fi->relation, err)))
		goto out;
	facts = cJSON_GetObjectItemCaseSensitive(root, "facts");
	if (!cJSON_IsArray(facts)) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': member 'facts' must be an array",
				    path);
		goto out;
	}
	fi->f = calloc((size_t)cJSON_GetArraySize(facts) + 1, sizeof(*fi->f));
	if (!fi->f) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	cJSON_ArrayForEach(it, facts) {
		const cJSON *fv = cJSON_GetObjectItemCaseSensitive(it, "value");
		const char *field = gpai_json_str(it, "field");
		const char *source = gpai_json_str(it, "source");
		const struct gpai_fact_field *def;
		char *text = NULL;

		if (!cJSON_IsObject(it)) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "'%s': facts[%zu] is not an object",
					    path, idx);
			goto out;
		}
		if (!field) {
			rc = gpai_error_set(err, GPAI_EFORMAT,
					    "'%s': facts[%zu]: member 'field' is missing or not a string",
					    path, idx);
			goto out;
		}
		def = gpai_fact_field_lookup(field);
		if (!fv) {
			rc = gpai_error_set(err, GPAI_EFORMAT,
					    "'%s': facts[%zu] (field '%s'): member 'value' is missing",
					    path, idx, field);
			goto out;
		}
		if (def && def->type == GPAI_FACT_JSON)
			text = cJSON_PrintUnformatted(fv);
		else if (cJSON_IsString(fv))
			text = gpai_strdup(fv->valuestring);
		else if (cJSON_IsNumber(fv))
			text = number_text(fv->valuedouble);
		else {
			rc = gpai_error_set(err, GPAI_EFORMAT,
					    "'%s': facts[%zu] (field '%s'): value must be a string "
					    "or a number", path, idx, field);
			goto out;
		}
		if (!text) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			goto out;
		}
		rc = gpai_fact_validate(field, text, &fi->f[idx].value, err);
		free(text);
		if (rc == GPAI_OK)
			rc = reg_check_source(field, source, err);
		if (rc) {
			gpai_error_prefix(err, "'%s': facts[%zu]", path, idx);
			goto out;
		}
		fi->f[idx].field = gpai_strdup(field);
		fi->f[idx].source = gpai_strdup(source);
		fi->n = ++idx;
		if (!fi->f[idx - 1].field || !fi->f[idx - 1].source) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			goto out;
		}
	}
out:
	cJSON_Delete(root);
	if (rc)
		facts_in_release(fi);
	return rc;
}

/* 1 if s ends with end. */
static int ends_with(const char *s, const char *end)
{
	size_t n = strlen(s), m = strlen(end);

	return n >= m && strcmp(s + n - m, end) == 0;
}

/* ---- model metadata (inference's model-file readers) ---- */

/* The JSON text stored for a model-file probe (docs/show.md, "model"); NULL
 * for an opaque file. */
static char *info_json(const struct gpai_modelinfo *mi)
{
	cJSON *o;
	char *text;

	if (strcmp(mi->format, "opaque") == 0 && !mi->note[0])
		return NULL;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "format", mi->format);
	cJSON_AddStringToObject(o, "architecture", mi->architecture);
	cJSON_AddNumberToObject(o, "n_tensors", (double)mi->n_tensors);
	cJSON_AddNumberToObject(o, "n_params", (double)mi->n_params);
	cJSON_AddNumberToObject(o, "n_params_distinct", (double)mi->n_params_distinct);
	cJSON_AddNumberToObject(o, "n_bytes", (double)mi->n_bytes);
	cJSON_AddStringToObject(o, "dtypes", mi->dtypes);
	cJSON_AddNumberToObject(o, "n_layers", (double)mi->n_layers);
	cJSON_AddNumberToObject(o, "hidden_size", (double)mi->hidden_size);
	cJSON_AddNumberToObject(o, "ffn_hidden_size", (double)mi->ffn_hidden_size);
	cJSON_AddNumberToObject(o, "n_heads", (double)mi->n_heads);
	cJSON_AddNumberToObject(o, "n_kv_heads", (double)mi->n_kv_heads);
	cJSON_AddNumberToObject(o, "vocab_size", (double)mi->vocab_size);
	cJSON_AddNumberToObject(o, "context_length", (double)mi->context_length);
	cJSON_AddNumberToObject(o, "n_experts", (double)mi->n_experts);
	cJSON_AddNumberToObject(o, "n_experts_used", (double)mi->n_experts_used);
	cJSON_AddNumberToObject(o, "tied_embeddings", mi->tied_embeddings);
	cJSON_AddStringToObject(o, "tokenizer", mi->tokenizer);
	cJSON_AddStringToObject(o, "note", mi->note);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

/* Probes one file (path on disk, shown as `shown`).  A malformed header
 * fails unless opaque, which records it as an opaque file with the reason
 * in the note.  *json is NULL for files that are no model. */
static int probe_one(const char *path, const char *shown, int opaque, char **json,
		     struct gpai_error *err)
{
	struct gpai_modelinfo mi;
	struct gpai_error perr;
	int rc;

	*json = NULL;
	gpai_error_init(&perr);
	rc = gpai_model_probe_file(path, &mi, &perr);
	if (rc == GPAI_EFORMAT && opaque) {
		memset(&mi, 0, sizeof(mi));
		gpai_strlcpy(mi.format, "opaque", sizeof(mi.format));
		mi.tied_embeddings = -1;
		snprintf(mi.note, sizeof(mi.note), "stored as opaque (--opaque): %s",
			 gpai_errmsg(&perr));
	} else if (rc) {
		gpai_error_set(err, rc, "%s", gpai_errmsg(&perr));
		if (strcmp(path, shown) != 0)
			gpai_error_prefix(err, "'%s'", shown);
		if (rc == GPAI_EFORMAT)
			gpai_error_prefix(err, "malformed model file (add --opaque to store "
					  "it as an opaque file)");
		return rc;
	}
	*json = info_json(&mi);
	if (!*json && strcmp(mi.format, "opaque") != 0)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	return GPAI_OK;
}

/* The index of an HF sharded checkpoint reads every shard: per file, only
 * the shards themselves are described. */
static int skip_probe(const char *relpath)
{
	return ends_with(relpath, ".safetensors.index.json");
}

/* ---- adding ---------------------------------------------------------------------------- */

/* The add options after merging the command line over the fact file. */
struct plan {
	const char *name, *version, *provider, *license, *access, *base, *relation;
	char *name_owned;
	int access_given; /* --access or the fact file's "access" */
};

/* Default model name: the last path component, without an archive ending. */
static char *default_name(const char *path)
{
	char *copy = gpai_strdup(path), *base;
	size_t n;

	if (!copy)
		return NULL;
	n = strlen(copy);
	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	base = strrchr(copy, '/');
	base = base ? base + 1 : copy;
	for (size_t i = 0; i < sizeof(archive_endings) / sizeof(archive_endings[0]); i++) {
		if (ends_with(base, archive_endings[i]) && strlen(base) > strlen(archive_endings[i])) {
			base[strlen(base) - strlen(archive_endings[i])] = '\0';
			break;
		}
	}
	base = gpai_strdup(base);
	free(copy);
	return base;
}

static int res_cmp_entries(const void *a, const void *b)
{
	return gpai_oms_path_cmp(((const struct entry *)a)->relpath,
				 ((const struct entry *)b)->relpath);
}

/* OMS root digest over the entries (sorted into manifest order here). */
static int root_digest(struct entries *es, char hex[65], struct gpai_error *err)
{
	struct gpai_resource *res;
	unsigned char root[SHA256_LEN];
	int rc;

	qsort(es->e, es->n, sizeof(*es->e), res_cmp_entries);
	for (size_t i = 1; i < es->n; i++)
		if (strcmp(es->e[i - 1].relpath, es->e[i].relpath) == 0)
			return gpai_error_set(err, GPAI_EFORMAT, "file '%s' appears twice",
					      es->e[i].relpath);
	res = calloc(es->n + 1, sizeof(*res));
	if (!res)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	for (size_t i = 0; i < es->n; i++) {
		res[i].name = es->e[i].relpath;
		gpai_strlcpy(res[i].algorithm, "sha256", sizeof(res[i].algorithm));
		res[i].digest_len = SHA256_LEN;
		if (gpai_hex_decode(es->e[i].hex, res[i].digest, SHA256_LEN)) {
			free(res);
			return gpai_error_set(err, GPAI_EFORMAT, "bad digest of '%s'",
					      es->e[i].relpath);
		}
	}
	rc = gpai_oms_root_digest(res, es->n, root, err);
	free(res);
	if (rc == GPAI_OK)
		gpai_hex_encode(root, SHA256_LEN, hex);
	return rc;
}

/* 1 and *num if s is all digits (a numbered version). */
static int version_number(const char *s, int64_t *num)
{
	return gpai_parse_i64(s, num) == GPAI_OK && *num >= 0 && isdigit((unsigned char)s[0]);
}

/* Checks that name@version is free: neither a version nor an alias. */
static int check_free(struct gpai_registry *reg, int64_t mid, const char *name,
		      const char *version, struct gpai_error *err)
{
	sqlite3_stmt *st;
	int rc, s;

	if (mid <= 0)
		return mid < 0 ? (int)mid : GPAI_OK;
	rc = reg_prepare(reg, "SELECT 'version' FROM versions WHERE model_id = ?1 AND version = ?2"
			 " UNION ALL SELECT 'alias' FROM aliases WHERE model_id = ?1 AND alias = ?2",
			 &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW)
		rc = gpai_error_set(err, GPAI_EEXIST, "'%s@%s' already exists (as %s)", name,
				    version, (const char *)sqlite3_column_text(st, 0));
	else if (s != SQLITE_DONE)
		rc = reg_db_error(reg, err, "cannot look up a version");
	sqlite3_finalize(st);
	return rc;
}

static int resolve_base(struct gpai_registry *reg, const char *base, int64_t *id,
			struct gpai_error *err)
{
	struct gpai_version b;
	int rc;

	*id = 0;
	if (!base)
		return GPAI_OK;
	rc = gpai_registry_lookup(reg, base, &b, err);
	if (rc)
		return gpai_error_prefix(err, "base model '%s'", base);
	*id = b.id;
	gpai_version_release(&b);
	return GPAI_OK;
}

/* The one transaction that makes the version visible. */
static int commit_version(struct gpai_registry *reg, const struct plan *pl,
			  int has_files, struct entries *es, const char *root,
			  const char *model_json,
			  const struct facts_in *fi, int64_t *vid, struct gpai_error *err)
{
	char who[128], at[21], numbuf[32];
	const char *version = pl->version;
	sqlite3_stmt *st = NULL;
	int64_t mid, base_id, num, last = 0;
	int rc;

	gpai_whoami(who, sizeof(who));
	gpai_now_iso8601(at);
	rc = reg_begin(reg, err);
	if (rc)
		return rc;
	rc = reg_prepare(reg, "INSERT OR IGNORE INTO models (name, created_at) VALUES (?, ?)",
			 &st, err);
	if (rc)
		goto fail;
	sqlite3_bind_text(st, 1, pl->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = reg_db_error(reg, err, "cannot record the model");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	mid = reg_model_id(reg, pl->name, err);
	if (mid <= 0) {
		rc = mid < 0 ? (int)mid : gpai_error_set(err, GPAI_EDB, "model row vanished");
		goto fail;
	}
	/* Next number: above every numbered version ever added to the model. */
	rc = reg_prepare(reg, "SELECT last_number FROM models WHERE id = ?", &st, err);
	if (rc)
		goto fail;
	sqlite3_bind_int64(st, 1, mid);
	if (sqlite3_step(st) == SQLITE_ROW)
		last = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (!version) {
		snprintf(numbuf, sizeof(numbuf), "%lld", (long long)last + 1);
		version = numbuf;
	}
	rc = check_free(reg, mid, pl->name, version, err);
	if (rc)
		goto fail;
	rc = resolve_base(reg, pl->base, &base_id, err);
	if (rc)
		goto fail;
	rc = reg_prepare(reg, "INSERT INTO versions (model_id, version, provider, license,"
			 " access, has_files, root_digest, n_files, total_bytes, base_id,"
			 " relation, model_json, added_by, added_at)"
			 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &st, err);
	if (rc)
		goto fail;
	sqlite3_bind_int64(st, 1, mid);
	sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pl->provider, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, pl->license, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, pl->access, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, has_files);
	sqlite3_bind_text(st, 7, has_files ? root : NULL, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, (int64_t)es->n);
	sqlite3_bind_int64(st, 9, (int64_t)es->total);
	if (base_id)
		sqlite3_bind_int64(st, 10, base_id);
	else
		sqlite3_bind_null(st, 10);
	sqlite3_bind_text(st, 11, pl->relation, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, model_json, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, at, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE) {
		rc = reg_db_error(reg, err, "cannot record the version");
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	*vid = sqlite3_last_insert_rowid(reg->db);
	rc = reg_prepare(reg, "INSERT INTO files (version_id, relpath, size, sha256, model_json)"
			 " VALUES (?, ?, ?, ?, ?)", &st, err);
	if (rc)
		goto fail;
	for (size_t i = 0; i < es->n; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, *vid);
		sqlite3_bind_text(st, 2, es->e[i].relpath, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (int64_t)es->e[i].size);
		sqlite3_bind_text(st, 4, es->e[i].hex, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, es->e[i].model_json, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = reg_db_error(reg, err, "cannot record a file");
			goto fail;
		}
	}
	sqlite3_finalize(st);
	st = NULL;
	/* Options given at add time are facts too, so that readers of facts
	 * (estimator, dossier) see them with where they came from. */
	if (pl->provider && (rc = reg_insert_fact(reg, *vid, "model.provider", pl->provider,
						  "gpai add --provider", err)))
		goto fail;
	if (pl->license && (rc = reg_insert_fact(reg, *vid, "license.spdx", pl->license,
						 "gpai add --license", err)))
		goto fail;
	if (pl->access_given &&
	    (rc = reg_insert_fact(reg, *vid, "model.access", pl->access, "gpai add --access", err)))
		goto fail;
	for (size_t i = 0; fi && i < fi->n; i++) {
		rc = reg_insert_fact(reg, *vid, fi->f[i].field, fi->f[i].value, fi->f[i].source, err);
		if (rc)
			goto fail;
	}
	if (version_number(version, &num) && num > last) {
		rc = reg_prepare(reg, "UPDATE models SET last_number = ? WHERE id = ?", &st, err);
		if (rc)
			goto fail;
		sqlite3_bind_int64(st, 1, num);
		sqlite3_bind_int64(st, 2, mid);
		if (sqlite3_step(st) != SQLITE_DONE) {
			rc = reg_db_error(reg, err, "cannot update the version counter");
			goto fail;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	rc = reg_add_event(reg, mid, "add", NULL, NULL, version, err);
	if (rc)
		goto fail;
	return reg_commit(reg, err);
fail:
	sqlite3_finalize(st);
	reg_rollback(reg);
	return rc;
}

/* ---- archives ---- */

struct arc_ctx {
	struct gpai_registry *reg;
	struct entries *es;
	const struct gpai_add_opts *o;
	const char *path;
	struct gpai_error *err;
};

struct mem_reader {
	const char *data;
	size_t len, off;
};

static long mem_read(void *ctx, void *buf, unsigned long n)
{
	struct mem_reader *m = ctx;
	size_t k = m->len - m->off < n ? m->len - m->off : n;

	memcpy(buf, m->data + m->off, k);
	m->off += k;
	return (long)k;
}

static long entry_read(void *ctx, void *buf, unsigned long n)
{
	struct reg_archive_entry *e = ctx;

	return e->read(e, buf, n);
}

/* Reads a small entry whole (for provenance.json); *len its size. */
static int slurp_entry(struct reg_archive_entry *e, char **out, size_t *len)
{
	struct gpai_buf b;
	char chunk[4096];
	long got;

	gpai_buf_init(&b);
	while ((got = e->read(e, chunk, sizeof(chunk))) > 0) {
		if (gpai_buf_append(&b, chunk, (size_t)got)) {
			gpai_buf_release(&b);
			return GPAI_ENOMEM;
		}
	}
	if (got < 0) {
		gpai_buf_release(&b);
		return (int)got;
	}
	*len = b.len;
	*out = gpai_buf_detach(&b);
	return *out ? GPAI_OK : GPAI_ENOMEM;
}

static int arc_entry(void *ctx, struct reg_archive_entry *ae)
{
	struct arc_ctx *a = ctx;
	struct mem_reader mem = { NULL, 0, 0 };
	struct entry *e;
	char *what, *data = NULL;
	uint64_t size = 0, done = a->es->total;
	int rc;

	for (size_t i = 0; i < sizeof(default_ignores) / sizeof(default_ignores[0]); i++) {
		size_t n = strlen(default_ignores[i]);

		if (strncmp(ae->relpath, default_ignores[i], n) == 0 &&
		    (ae->relpath[n] == '\0' || ae->relpath[n] == '/'))
			return GPAI_OK; /* the walk reads the rest of the entry */
	}
	if (strcmp(ae->relpath, REG_PROVENANCE) == 0 && ae->size <= FACTS_FILE_MAX) {
		cJSON *j;

		rc = slurp_entry(ae, &data, &mem.len);
		if (rc)
			return rc == GPAI_ENOMEM ? gpai_error_set(a->err, rc, "out of memory") : rc;
		j = cJSON_ParseWithLength(data, mem.len);
		if (cJSON_IsObject(j) && gpai_json_str(j, "gpai_provenance")) {
			cJSON_Delete(j);
			free(data);
			return GPAI_OK;
		}
		cJSON_Delete(j);
		mem.data = data;
	}
	e = entries_push(a->es);
	what = gpai_asprintf("%s: %s", a->path, ae->relpath);
	if (!e || !what || !(e->relpath = gpai_strdup(ae->relpath))) {
		free(what);
		free(data);
		return gpai_error_set(a->err, GPAI_ENOMEM, "out of memory");
	}
	if (data)
		rc = reg_store_stream(a->reg, mem_read, &mem, what, e->hex, &size,
				      a->o->progress, a->o->progress_ctx, done, done + ae->size,
				      a->err);
	else
		rc = reg_store_stream(a->reg, entry_read, ae, what, e->hex, &size,
				      a->o->progress, a->o->progress_ctx, done, done + ae->size,
				      a->err);
	free(what);
	free(data);
	if (rc)
		return rc;
	e->size = size;
	a->es->total += size;
	return GPAI_OK;
}

/* The version's metadata when no single model can be opened: the first
 * model file in the order a directory is opened in (safetensors, GGUF,
 * llama2.c); *model_json stays NULL when no file is a model. */
static int pick_model(const struct entries *es, char **model_json, struct gpai_error *err)
{
	static const char *const prefer[] = { "\"safetensors\"", "\"gguf\"", "\"llama2c\"" };

	for (size_t k = 0; k < sizeof(prefer) / sizeof(prefer[0]); k++) {
		for (size_t i = 0; i < es->n; i++) {
			if (es->e[i].model_json && strstr(es->e[i].model_json, prefer[k])) {
				*model_json = gpai_strdup(es->e[i].model_json);
				return *model_json ? GPAI_OK
					: gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			}
		}
	}
	return GPAI_OK;
}

/* Archive entries are described from their blobs (formats are sniffed by
 * content); the version takes the first model file in the order a
 * directory would be opened in (safetensors, GGUF, llama2.c). */
static int probe_archive(struct gpai_registry *reg, struct entries *es,
			 const struct gpai_add_opts *o, char **model_json,
			 struct gpai_error *err)
{
	for (size_t i = 0; i < es->n; i++) {
		char *blob, *shown;
		int rc;

		if (skip_probe(es->e[i].relpath))
			continue;
		blob = reg_blob_path(reg, es->e[i].hex);
		shown = gpai_asprintf("%s: %s", o->path, es->e[i].relpath);
		if (!blob || !shown) {
			free(blob);
			free(shown);
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		}
		rc = probe_one(blob, shown, o->opaque, &es->e[i].model_json, err);
		free(blob);
		free(shown);
		if (rc)
			return rc;
	}
	return pick_model(es, model_json, err);
}

/* Collects the files of path: a directory tree or one file; for an
 * archive only sets *is_archive (its files are stored as it is read). */
static int collect(const char *path, struct entries *es, int *is_archive,
		   struct gpai_error *err)
{
	struct stat st;
	int rc;

	if (lstat(path, &st) != 0)
		return gpai_error_errno(err, errno == ENOENT ? GPAI_ENOTFOUND : GPAI_EIO, errno,
					"cannot open '%s'", path);
	if (S_ISLNK(st.st_mode)) {
		/* The top-level path may be a link to a model; inside, none. */
		if (stat(path, &st) != 0)
			return gpai_error_errno(err, GPAI_EIO, errno, "cannot open '%s'", path);
	}
	if (S_ISDIR(st.st_mode)) {
		rc = walk_dir(path, NULL, 0, es, err);
		if (rc == GPAI_OK && es->n == 0)
			rc = gpai_error_set(err, GPAI_EFORMAT, "'%s' holds no files", path);
		return rc;
	}
	/* An archive by content, or by name (so that a damaged archive is
	 * refused instead of being stored as one opaque file). */
	if (S_ISREG(st.st_mode) && (reg_archive_detect(path) || reg_archive_is_archive_name(path))) {
		*is_archive = 1;
		return GPAI_OK;
	}
	if (S_ISREG(st.st_mode)) {
		struct entry *e = entries_push(es);
		const char *slash = strrchr(path, '/');

		if (!e)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		/* Resolved, so that the store opens it without following links. */
		e->path = realpath(path, NULL);
		/* OMS names a single-file model by its basename (spec v1.0). */
		e->relpath = gpai_strdup(slash ? slash + 1 : path);
		e->size = (uint64_t)st.st_size;
		es->total = e->size;
		if (!e->path || !e->relpath)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		return check_entry_name(".", e->relpath, err);
	}
	return gpai_error_set(err, GPAI_EFORMAT, "'%s' is not a regular file or directory", path);
}

/* The entries of gpai_registry_add_staged: every name, digest and size
 * checked, each file a regular file (not a link) of its size. */
static int collect_staged(const struct gpai_staged_file *f, size_t n, struct entries *es,
			  struct gpai_error *err)
{
	int rc;

	if (n == 0)
		return gpai_error_set(err, GPAI_EFORMAT, "no staged files given");
	for (size_t i = 0; i < n; i++) {
		struct entry *e;
		struct stat st;
		size_t k;

		if (!f[i].relpath || !f[i].path || !f[i].sha256)
			return gpai_error_set(err, GPAI_EMISUSE, "staged file %zu lacks a path, "
					      "name or digest", i);
		if ((rc = check_entry_name(".", f[i].relpath, err)))
			return rc;
		if (!gpai_oms_name_valid(f[i].relpath) || strcmp(f[i].relpath, ".") == 0)
			return gpai_error_set(err, GPAI_EFORMAT, "staged file '%s': '%s' is not a "
					      "relative path without '.' or '..' components",
					      f[i].path, f[i].relpath);
		for (k = 0; k < SHA256_LEN * 2; k++)
			if (!isdigit((unsigned char)f[i].sha256[k]) &&
			    !(f[i].sha256[k] >= 'a' && f[i].sha256[k] <= 'f'))
				break;
		if (k != SHA256_LEN * 2 || f[i].sha256[k] != '\0')
			return gpai_error_set(err, GPAI_EFORMAT, "staged file '%s': digest '%s' is "
					      "not 64 lowercase hex digits", f[i].path, f[i].sha256);
		if (lstat(f[i].path, &st) != 0)
			return gpai_error_errno(err, errno == ENOENT ? GPAI_ENOTFOUND : GPAI_EIO,
						errno, "cannot open '%s'", f[i].path);
		if (!S_ISREG(st.st_mode))
			return gpai_error_set(err, GPAI_EFORMAT, "staged file '%s' is not a regular "
					      "file", f[i].path);
		if ((uint64_t)st.st_size != f[i].size)
			return gpai_error_set(err, GPAI_EVERIFY, "staged file '%s' is %llu bytes, "
					      "not %llu", f[i].path, (unsigned long long)st.st_size,
					      (unsigned long long)f[i].size);
		if (!(e = entries_push(es)))
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		e->relpath = gpai_strdup(f[i].relpath);
		e->path = gpai_strdup(f[i].path);
		if (!e->relpath || !e->path)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		e->size = f[i].size;
		e->staged = 1;
		memcpy(e->hex, f[i].sha256, sizeof(e->hex));
		es->total += e->size;
	}
	return GPAI_OK;
}

/* gpai_registry_add, or with staged files gpai_registry_add_staged. */
static int add_version(struct gpai_registry *reg, const struct gpai_add_opts *o,
		       const struct gpai_staged_file *staged, size_t n_staged,
		       uint64_t *hashed, struct gpai_version *out, struct gpai_error *err)
{
	struct facts_in fi;
	struct entries es;
	struct plan pl;
	char root[65] = "";
	int64_t vid = 0, mid, base_id;
	int rc, has_files = !o->no_files, is_archive = 0;
	char *model_json = NULL;

	memset(&fi, 0, sizeof(fi));
	memset(&es, 0, sizeof(es));
	memset(&pl, 0, sizeof(pl));
	if (out)
		memset(out, 0, sizeof(*out));
	if (has_files && !o->path)
		return gpai_error_set(err, GPAI_EMISUSE, "no model path given");
	if (!has_files && o->path)
		return gpai_error_set(err, GPAI_EMISUSE, "--no-files takes no model path");

	/* 1. Every input is checked before anything is written. */
	if (o->facts_file) {
		rc = load_facts_file(o->facts_file, &fi, err);
		if (rc)
			return rc;
	}
	pl.name = o->name ? o->name : fi.name;
	pl.version = o->version ? o->version : fi.version;
	pl.provider = o->provider ? o->provider : fi.provider;
	pl.license = o->license ? o->license : fi.license;
	pl.access = o->access ? o->access : fi.access;
	pl.base = o->base ? o->base : fi.base;
	pl.relation = o->relation ? o->relation : fi.relation;
	pl.access_given = pl.access != NULL;
	if (!pl.access)
		pl.access = has_files ? "open-weight" : NULL;
	if (!pl.name && has_files)
		pl.name = pl.name_owned = default_name(o->path);
	if (!pl.name) {
		rc = has_files ? gpai_error_set(err, GPAI_ENOMEM, "out of memory")
			: gpai_error_set(err, GPAI_EMISUSE, "--no-files needs --name");
		goto out;
	}
	if (!pl.access) {
		rc = gpai_error_set(err, GPAI_EMISUSE,
				    "--no-files needs --access (open-weight, api, restricted or none)");
		goto out;
	}
	if ((rc = gpai_registry_check_name(pl.name, err)) ||
	    (pl.version && (rc = gpai_registry_check_version(pl.version, err))) ||
	    (pl.license && (rc = gpai_registry_check_license(pl.license, err))) ||
	    (pl.relation && (rc = gpai_registry_check_relation(pl.relation, err))) ||
	    (rc = check_access(pl.access, err)))
		goto out;
	if (pl.provider && (!*pl.provider || strchr(pl.provider, '\n') ||
			    !gpai_utf8_valid(pl.provider, strlen(pl.provider)))) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "invalid provider '%s' (one line of UTF-8)",
				    pl.provider);
		goto out;
	}
	if (!pl.base != !pl.relation) {
		rc = gpai_error_set(err, GPAI_EMISUSE, pl.base ? "--base needs --relation"
				    : "--relation needs --base");
		goto out;
	}
	if (has_files) {
		rc = staged ? collect_staged(staged, n_staged, &es, err)
			: collect(o->path, &es, &is_archive, err);
		if (rc)
			goto out;
		/* Model headers are read before anything is stored, so that a
		 * malformed one stops the add with nothing written. */
		for (size_t i = 0; i < es.n; i++) {
			if (skip_probe(es.e[i].relpath))
				continue;
			rc = probe_one(es.e[i].path, es.e[i].path, o->opaque, &es.e[i].model_json, err);
			if (rc)
				goto out;
		}
		if (!is_archive && gpai_is_dir(o->path)) {
			struct gpai_error derr;

			/* The directory as inference opens it (sharded index,
			 * config.json merged).  Every file's header is already
			 * known good, so a failure here means no single model
			 * stands out (e.g. several .bin files): pick one. */
			gpai_error_init(&derr);
			if (probe_one(o->path, o->path, 0, &model_json, &derr) != GPAI_OK) {
				free(model_json);
				model_json = NULL;
				rc = pick_model(&es, &model_json, err);
				if (rc)
					goto out;
			}
		} else if (!is_archive && es.n == 1 && es.e[0].model_json) {
			model_json = gpai_strdup(es.e[0].model_json);
		}
	}
	rc = reg_write_lock(reg, NULL, err);
	if (rc)
		goto out;
	mid = reg_model_id(reg, pl.name, err);
	if (mid < 0) {
		rc = (int)mid;
		goto out;
	}
	if (pl.version && (rc = check_free(reg, mid, pl.name, pl.version, err)))
		goto out;
	if ((rc = resolve_base(reg, pl.base, &base_id, err)))
		goto out;

	/* 2. The files: hashed while copied, each into place before the row. */
	{
		uint64_t done = 0;

		for (size_t i = 0; i < es.n; i++) {
			uint64_t size = 0, h = 0;

			if (es.e[i].staged) {
				rc = reg_adopt_file(reg, es.e[i].path, es.e[i].hex, es.e[i].size,
						    &h, err);
				size = es.e[i].size;
				if (hashed)
					*hashed += h;
				if (rc == GPAI_OK && o->progress)
					o->progress(o->progress_ctx, done + size, es.total);
			} else {
				rc = reg_store_file(reg, es.e[i].path, es.e[i].hex, &size,
						    o->progress, o->progress_ctx, done, es.total,
						    err);
			}
			if (rc)
				goto out;
			if (size != es.e[i].size)
				es.total += size - es.e[i].size; /* it changed while we read */
			es.e[i].size = size;
			done += size;
		}
	}
	if (is_archive) {
		struct arc_ctx a = { reg, &es, o, o->path, err };
		struct reg_archive_limits lim = { o->max_archive_entry_bytes,
						  o->max_archive_bytes, o->max_archive_entries };

		rc = reg_archive_walk(o->path, &lim, arc_entry, &a, err);
		if (rc)
			goto out;
		if (es.n == 0) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "archive '%s' holds no files", o->path);
			goto out;
		}
		rc = probe_archive(reg, &es, o, &model_json, err);
		if (rc)
			goto out;
	}
	if (has_files && (rc = root_digest(&es, root, err)))
		goto out;

	/* 3. One transaction makes the version visible. */
	rc = commit_version(reg, &pl, has_files, &es, root, model_json, &fi, &vid, err);
	if (rc == GPAI_OK && out)
		rc = reg_load_version(reg, vid, out, err);
out:
	free(model_json);
	free(pl.name_owned);
	facts_in_release(&fi);
	entries_release(&es);
	return rc;
}

int gpai_registry_add(struct gpai_registry *reg, const struct gpai_add_opts *o,
		      struct gpai_version *out, struct gpai_error *err)
{
	return add_version(reg, o, NULL, 0, NULL, out, err);
}

int gpai_registry_add_staged(struct gpai_registry *reg, const struct gpai_add_opts *o,
			     const struct gpai_staged_file *files, size_t n,
			     uint64_t *hashed, struct gpai_version *out,
			     struct gpai_error *err)
{
	if (hashed)
		*hashed = 0;
	if (o->no_files)
		return gpai_error_set(err, GPAI_EMISUSE, "staged files and --no-files exclude "
				      "each other");
	return add_version(reg, o, files, n, hashed, out, err);
}
