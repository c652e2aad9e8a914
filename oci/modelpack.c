/*
 * modelpack.c - the documents of a pushed version: the CNCF ModelPack
 * config (descriptor, config, modelfs) and the OCI image manifest that
 * lists one uncompressed layer per file (model-spec docs/spec.md,
 * docs/config.md, docs/annotations.md; the layout is docs/oci.md).
 *
 * Invariant: pure functions of the catalogue's rows (version, files with
 * their SHA-256, facts); nothing here reads a file or the network, so the
 * unit tests check the documents directly (tests/unit/test_oci_modelpack.c).
 */
#include "oci_private.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

/* Layer media types of ModelPack (model-spec docs/spec.md). */
#define MT_WEIGHT "application/vnd.cncf.model.weight.v1.raw"
#define MT_WEIGHT_CONFIG "application/vnd.cncf.model.weight.config.v1.raw"
#define MT_DOC "application/vnd.cncf.model.doc.v1.raw"
#define MT_CODE "application/vnd.cncf.model.code.v1.raw"
/* Units for ModelPack's paramSize ("8b", "6.7B"). */
static const struct { double v; const char *s; } PARAM_UNITS[] = {
	{ 1e12, "T" }, { 1e9, "B" }, { 1e6, "M" }, { 1e3, "K" },
};

/* Layer media type of a file: weights (files gpai parsed as a model),
 * docs, code, and everything else as weight configuration (tokenizers,
 * config.json). */
static const char *layer_type(const struct gpai_file *f)
{
	const char *base = strrchr(f->relpath, '/'), *ext;

	base = base ? base + 1 : f->relpath;
	ext = strrchr(base, '.');
	if (f->model_json)
		return MT_WEIGHT;
	if (ext && (strcmp(ext, ".md") == 0 || strcmp(ext, ".txt") == 0 ||
		    strcmp(ext, ".pdf") == 0 || strcmp(ext, ".rst") == 0 ||
		    strcmp(ext, ".html") == 0))
		return MT_DOC;
	if (strncmp(base, "LICENSE", 7) == 0 || strncmp(base, "README", 6) == 0 ||
	    strncmp(base, "NOTICE", 6) == 0)
		return MT_DOC;
	if (ext && (strcmp(ext, ".py") == 0 || strcmp(ext, ".sh") == 0 ||
		    strcmp(ext, ".c") == 0 || strcmp(ext, ".cpp") == 0 ||
		    strcmp(ext, ".js") == 0 || strcmp(ext, ".ipynb") == 0))
		return MT_CODE;
	return MT_WEIGHT_CONFIG;
}

/* ModelPack paramSize: three significant digits and a unit. */
static void param_size(uint64_t n, char out[32])
{
	for (size_t i = 0; i < sizeof(PARAM_UNITS) / sizeof(PARAM_UNITS[0]); i++)
		if ((double)n >= PARAM_UNITS[i].v) {
			snprintf(out, 32, "%.3g%s", (double)n / PARAM_UNITS[i].v,
				 PARAM_UNITS[i].s);
			return;
		}
	snprintf(out, 32, "%" PRIu64, n);
}

/* precision and quantization from the dtypes list ("F32", "BF16,Q4_K"):
 * float types give the precision (fp32, fp16, bf16), the rest (GGUF
 * quantized types, integers) the quantization. */
static void dtypes_split(const char *dtypes, cJSON *cfg)
{
	char buf[256], *save = NULL, prec[64] = "", quant[160] = "";

	gpai_strlcpy(buf, dtypes, sizeof(buf));
	for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
		const char *p = NULL;

		if (strcmp(t, "F32") == 0)
			p = "fp32";
		else if (strcmp(t, "F16") == 0)
			p = "fp16";
		else if (strcmp(t, "BF16") == 0)
			p = "bf16";
		else if (strcmp(t, "F64") == 0)
			p = "fp64";
		if (p && !prec[0]) {
			gpai_strlcpy(prec, p, sizeof(prec));
		} else if (!p) {
			if (quant[0])
				gpai_strlcpy(quant + strlen(quant), ",", sizeof(quant) - strlen(quant));
			gpai_strlcpy(quant + strlen(quant), t, sizeof(quant) - strlen(quant));
		}
	}
	if (prec[0])
		cJSON_AddStringToObject(cfg, "precision", prec);
	if (quant[0])
		cJSON_AddStringToObject(cfg, "quantization", quant);
}

static const char *fact_value(const struct gpai_fact *f, size_t n, const char *field)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].field, field) == 0)
			return f[i].value;
	return NULL;
}

char *oci_modelpack_config(const struct gpai_version *v, const struct gpai_fact *facts,
			   size_t nf, char (*digests)[72], size_t n)
{
	cJSON *root = cJSON_CreateObject(), *d, *cfg, *fs, *ids, *mj = NULL;
	const char *arch = fact_value(facts, nf, "model.architecture"), *s;
	const char *params = fact_value(facts, nf, "model.parameters");
	char *text = NULL, ps[32];
	uint64_t np = 0;

	if (!root)
		return NULL;
	if (v->model_json)
		mj = cJSON_Parse(v->model_json);
	d = cJSON_AddObjectToObject(root, "descriptor");
	cJSON_AddStringToObject(d, "createdAt", v->added_at);
	cJSON_AddStringToObject(d, "name", v->name);
	cJSON_AddStringToObject(d, "version", v->version);
	if (v->provider)
		cJSON_AddStringToObject(d, "vendor", v->provider);
	if (v->license) {
		cJSON *l = cJSON_AddArrayToObject(d, "licenses");

		cJSON_AddItemToArray(l, cJSON_CreateString(v->license));
	}
	cfg = cJSON_AddObjectToObject(root, "config");
	if (!arch)
		arch = gpai_json_str(mj, "architecture");
	if (arch)
		cJSON_AddStringToObject(cfg, "architecture", arch);
	if ((s = gpai_json_str(mj, "format")))
		cJSON_AddStringToObject(cfg, "format", s);
	if (params && gpai_parse_u64(params, &np) == 0) {
		param_size(np, ps);
		cJSON_AddStringToObject(cfg, "paramSize", ps);
	} else {
		int64_t i64;

		if (gpai_json_i64(mj, "n_params_distinct", &i64) == 0 && i64 > 0) {
			param_size((uint64_t)i64, ps);
			cJSON_AddStringToObject(cfg, "paramSize", ps);
		}
	}
	if ((s = gpai_json_str(mj, "dtypes")))
		dtypes_split(s, cfg);
	fs = cJSON_AddObjectToObject(root, "modelfs");
	cJSON_AddStringToObject(fs, "type", "layers");
	ids = cJSON_AddArrayToObject(fs, "diffIds");
	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(ids, cJSON_CreateString(digests[i]));
	text = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	cJSON_Delete(mj);
	return text;
}

/* The facts as the dev.gpai.facts annotation: [{field, value, source}]. */
static char *facts_annotation(const struct gpai_fact *f, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	char *text;

	for (size_t i = 0; a && i < n; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "field", f[i].field);
		cJSON_AddStringToObject(o, "value", f[i].value);
		cJSON_AddStringToObject(o, "source", f[i].source);
		cJSON_AddItemToArray(a, o);
	}
	text = a ? cJSON_PrintUnformatted(a) : NULL;
	cJSON_Delete(a);
	return text;
}

cJSON *oci_descriptor(const char *mtype, const char *digest, uint64_t size)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "mediaType", mtype);
	cJSON_AddStringToObject(d, "digest", digest);
	cJSON_AddNumberToObject(d, "size", (double)size);
	return d;
}

char *oci_modelpack_manifest(const struct gpai_version *v, const struct gpai_file *files,
			     size_t n, char (*digests)[72], const char *config_digest,
			     uint64_t config_size, const struct gpai_fact *facts, size_t nf)
{
	cJSON *m = cJSON_CreateObject(), *layers, *ann;
	char *factstext = facts_annotation(facts, nf), *text = NULL;

	if (!m || !factstext)
		goto out;
	cJSON_AddNumberToObject(m, "schemaVersion", 2);
	cJSON_AddStringToObject(m, "mediaType", GPAI_OCI_MANIFEST_TYPE);
	cJSON_AddStringToObject(m, "artifactType", GPAI_MODELPACK_ARTIFACT);
	cJSON_AddItemToObject(m, "config", oci_descriptor(GPAI_MODELPACK_CONFIG, config_digest,
							  config_size));
	layers = cJSON_AddArrayToObject(m, "layers");
	for (size_t i = 0; i < n; i++) {
		cJSON *l = oci_descriptor(layer_type(&files[i]), digests[i], files[i].size);
		cJSON *la = cJSON_AddObjectToObject(l, "annotations");
		int single = strcmp(files[i].relpath, ".") == 0;

		/* a single-file model is "." in OMS; its layer is named after the model */
		cJSON_AddStringToObject(la, GPAI_MODELPACK_FILEPATH,
					single ? v->name : files[i].relpath);
		if (single)
			cJSON_AddStringToObject(la, "dev.gpai.single-file", "true");
		cJSON_AddItemToArray(layers, l);
	}
	ann = cJSON_AddObjectToObject(m, "annotations");
	cJSON_AddStringToObject(ann, "org.opencontainers.image.created", v->added_at);
	cJSON_AddStringToObject(ann, "org.opencontainers.image.title", v->name);
	cJSON_AddStringToObject(ann, "org.opencontainers.image.version", v->version);
	cJSON_AddStringToObject(ann, "dev.gpai.root-digest", v->root_digest);
	cJSON_AddStringToObject(ann, "dev.gpai.access", v->access ? v->access : "open-weight");
	cJSON_AddStringToObject(ann, "dev.gpai.facts", factstext);
	text = cJSON_PrintUnformatted(m);
out:
	cJSON_Delete(m);
	free(factstext);
	return text;
}
