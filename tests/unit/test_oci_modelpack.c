/* test_oci_modelpack.c - the ModelPack config and the OCI manifest of a
 * registry version (oci/modelpack.c), checked field by field against the
 * ModelPack specification (model-spec docs/config.md and docs/spec.md, as
 * summarised in ../shared/notes/registry_dossier.md), the OCI image spec
 * (manifest.md) and digests computed here with OpenSSL over the files. */
#include "oci_private.h"
#include "harness.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <cJSON.h>
#include <openssl/evp.h>

#define STORIES "models/stories260K/"
static const char *const STORIES_FILES[] = {
	"SOURCE.md", "stories260K.bin", "stories260K.gguf", "tok512.bin",
};
#define N_STORIES (sizeof(STORIES_FILES) / sizeof(STORIES_FILES[0]))

/* The member names model-spec docs/config.md defines for each object. */
static const char *const SPEC_TOP[] = { "descriptor", "config", "modelfs", NULL };
static const char *const SPEC_DESCRIPTOR[] = {
	"createdAt", "authors", "vendor", "family", "name", "version", "title", "description",
	"docURL", "sourceURL", "datasetsURL", "revision", "licenses", NULL,
};
static const char *const SPEC_CONFIG[] = {
	"architecture", "format", "paramSize", "precision", "quantization", "capabilities", NULL,
};
static const char *const SPEC_MODELFS[] = { "type", "diffIds", NULL };

/* 1 when every member of o is one of names. */
static int members_in(const cJSON *o, const char *const *names)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, o) {
		int found = 0;

		for (size_t i = 0; names[i]; i++)
			found |= strcmp(it->string, names[i]) == 0;
		if (!found) {
			fprintf(stderr, "# member '%s' is not in the ModelPack spec\n", it->string);
			return 0;
		}
	}
	return 1;
}

/* "sha256:<hex>" of a file's bytes, computed here with OpenSSL. */
static int file_digest(const char *path, char out[72])
{
	struct gpai_error err;
	char *data = NULL;
	size_t len = 0;

	gpai_error_init(&err);
	if (gpai_read_file(path, 64u << 20, &data, &len, &err))
		return -1;
	oci_sha256_digest(data, len, out);
	free(data);
	return 0;
}

/* A registry r with stories260K as stories@3 (vendor Karpathy, MIT). */
static int stories(struct gpai_registry **reg, struct gpai_version *v, struct gpai_error *err)
{
	struct gpai_add_opts o = { 0 };

	if (gpai_registry_init("r", reg, err))
		return -1;
	o.path = t_shared("models/stories260K");
	o.name = "stories";
	o.version = "3";
	o.provider = "Karpathy";
	o.license = "MIT";
	return gpai_registry_add(*reg, &o, v, err) ? -1 : 0;
}

TEST(config_of_stories260k_has_the_spec_fields_and_the_file_digests)
{
	struct gpai_registry *reg = NULL;
	struct gpai_version v;
	struct gpai_file *f = NULL;
	struct gpai_fact *facts = NULL;
	size_t nf = 0, nfacts = 0;
	struct gpai_error err;
	char (*dg)[72] = NULL, *text = NULL;
	cJSON *j = NULL, *d, *c, *fs, *ids;

	gpai_error_init(&err);
	CHECK(t_have_shared(STORIES "stories260K.gguf"));
	CHECK_OK(stories(&reg, &v, &err), &err);
	CHECK_OK(gpai_registry_files(reg, &v, &f, &nf, &err), &err);
	CHECK_OK(gpai_registry_facts(reg, &v, NULL, 0, &facts, &nfacts, &err), &err);
	CHECK_U64(N_STORIES, nf);
	CHECK((dg = calloc(nf, sizeof(*dg))) != NULL);
	for (size_t i = 0; i < nf; i++)
		snprintf(dg[i], sizeof(dg[i]), "sha256:%s", f[i].sha256);
	CHECK((text = oci_modelpack_config(&v, facts, nfacts, dg, nf)) != NULL);
	CHECK((j = cJSON_Parse(text)) != NULL);
	CHECK(members_in(j, SPEC_TOP));
	d = cJSON_GetObjectItemCaseSensitive(j, "descriptor");
	c = cJSON_GetObjectItemCaseSensitive(j, "config");
	fs = cJSON_GetObjectItemCaseSensitive(j, "modelfs");
	CHECK(members_in(d, SPEC_DESCRIPTOR) && members_in(c, SPEC_CONFIG) &&
	      members_in(fs, SPEC_MODELFS));
	CHECK_STR("stories", gpai_json_str(d, "name"));
	CHECK_STR("3", gpai_json_str(d, "version"));
	CHECK_STR("Karpathy", gpai_json_str(d, "vendor"));
	CHECK_STR(v.added_at, gpai_json_str(d, "createdAt"));
	CHECK_INT(1, cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "licenses")));
	CHECK_STR("MIT", cJSON_GetStringValue(cJSON_GetArrayItem(
		cJSON_GetObjectItemCaseSensitive(d, "licenses"), 0)));
	/* llama2.c's stories260K: a Llama GGUF in F32 with 260K parameters
	 * (the name its author gave it) */
	CHECK_STR("llama", gpai_json_str(c, "architecture"));
	CHECK_STR("gguf", gpai_json_str(c, "format"));
	CHECK_STR("260K", gpai_json_str(c, "paramSize"));
	CHECK_STR("fp32", gpai_json_str(c, "precision"));
	CHECK(cJSON_GetObjectItemCaseSensitive(c, "quantization") == NULL);
	CHECK_STR("layers", gpai_json_str(fs, "type"));
	ids = cJSON_GetObjectItemCaseSensitive(fs, "diffIds");
	CHECK_INT((int)N_STORIES, cJSON_GetArraySize(ids));
	/* uncompressed layers: each diff id is the SHA-256 of the file */
	for (size_t i = 0; i < N_STORIES; i++) {
		char want[72], path[256];

		CHECK_STR(STORIES_FILES[i], f[i].relpath);
		snprintf(path, sizeof(path), STORIES "%s", STORIES_FILES[i]);
		CHECK_INT(0, file_digest(t_shared(path), want));
		CHECK_STR(want, cJSON_GetStringValue(cJSON_GetArrayItem(ids, (int)i)));
	}
	cJSON_Delete(j);
	free(text);
	free(dg);
	gpai_files_free(f, nf);
	gpai_facts_free(facts, nfacts);
	gpai_version_release(&v);
	gpai_registry_close(reg);
}

TEST(manifest_lists_one_raw_layer_per_file_with_its_path)
{
	struct gpai_registry *reg = NULL;
	struct gpai_version v;
	struct gpai_file *f = NULL;
	struct gpai_fact *facts = NULL;
	size_t nf = 0, nfacts = 0;
	struct gpai_error err;
	char (*dg)[72] = NULL, *config = NULL, *text = NULL, cdig[72];
	cJSON *m = NULL, *cd, *layers, *ann, *given = NULL;
	/* model-spec docs/spec.md: weights are files gpai reads as a model, the
	 * Markdown source note a doc, the tokenizer weight configuration */
	static const char *const want_type[] = {
		"application/vnd.cncf.model.doc.v1.raw", "application/vnd.cncf.model.weight.v1.raw",
		"application/vnd.cncf.model.weight.v1.raw",
		"application/vnd.cncf.model.weight.config.v1.raw",
	};

	gpai_error_init(&err);
	CHECK(t_have_shared(STORIES "stories260K.gguf"));
	CHECK_OK(stories(&reg, &v, &err), &err);
	CHECK_OK(gpai_registry_fact_set(reg, "stories@3", "training.tokens", "5e8",
					"test: a made-up figure", &err), &err);
	CHECK_OK(gpai_registry_files(reg, &v, &f, &nf, &err), &err);
	CHECK_OK(gpai_registry_facts(reg, &v, NULL, 0, &facts, &nfacts, &err), &err);
	CHECK((dg = calloc(nf, sizeof(*dg))) != NULL);
	for (size_t i = 0; i < nf; i++)
		snprintf(dg[i], sizeof(dg[i]), "sha256:%s", f[i].sha256);
	CHECK((config = oci_modelpack_config(&v, facts, nfacts, dg, nf)) != NULL);
	oci_sha256_digest(config, strlen(config), cdig);
	CHECK((text = oci_modelpack_manifest(&v, f, nf, dg, cdig, strlen(config), facts,
					     nfacts)) != NULL);
	CHECK((m = cJSON_Parse(text)) != NULL);
	/* OCI image spec manifest.md with the ModelPack artifact type */
	CHECK_NEAR(2, cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(m, "schemaVersion")), 0);
	CHECK_STR("application/vnd.oci.image.manifest.v1+json", gpai_json_str(m, "mediaType"));
	CHECK_STR("application/vnd.cncf.model.manifest.v1+json", gpai_json_str(m, "artifactType"));
	cd = cJSON_GetObjectItemCaseSensitive(m, "config");
	CHECK_STR("application/vnd.cncf.model.config.v1+json", gpai_json_str(cd, "mediaType"));
	CHECK_STR(cdig, gpai_json_str(cd, "digest"));
	CHECK_NEAR((double)strlen(config), cJSON_GetNumberValue(
		cJSON_GetObjectItemCaseSensitive(cd, "size")), 0);
	layers = cJSON_GetObjectItemCaseSensitive(m, "layers");
	CHECK_INT((int)N_STORIES, cJSON_GetArraySize(layers));
	for (size_t i = 0; i < N_STORIES; i++) {
		cJSON *l = cJSON_GetArrayItem(layers, (int)i);
		char path[256];
		struct stat st;

		snprintf(path, sizeof(path), STORIES "%s", STORIES_FILES[i]);
		CHECK_INT(0, stat(t_shared(path), &st));
		CHECK_STR(want_type[i], gpai_json_str(l, "mediaType"));
		CHECK_STR(dg[i], gpai_json_str(l, "digest"));
		CHECK_NEAR((double)st.st_size, cJSON_GetNumberValue(
			cJSON_GetObjectItemCaseSensitive(l, "size")), 0);
		CHECK_STR(STORIES_FILES[i], gpai_json_str(cJSON_GetObjectItemCaseSensitive(
			l, "annotations"), "org.cncf.model.filepath"));
	}
	ann = cJSON_GetObjectItemCaseSensitive(m, "annotations");
	CHECK_STR(v.added_at, gpai_json_str(ann, "org.opencontainers.image.created"));
	CHECK_STR("stories", gpai_json_str(ann, "org.opencontainers.image.title"));
	CHECK_STR("3", gpai_json_str(ann, "org.opencontainers.image.version"));
	CHECK_STR(v.root_digest, gpai_json_str(ann, "dev.gpai.root-digest"));
	CHECK_STR("open-weight", gpai_json_str(ann, "dev.gpai.access"));
	CHECK((given = cJSON_Parse(gpai_json_str(ann, "dev.gpai.facts"))) != NULL);
	{
		const cJSON *it;
		int seen = 0;

		cJSON_ArrayForEach(it, given)
			if (strcmp(gpai_json_str(it, "field"), "training.tokens") == 0) {
				CHECK_STR("test: a made-up figure", gpai_json_str(it, "source"));
				CHECK_NEAR(5e8, strtod(gpai_json_str(it, "value"), NULL), 0);
				seen = 1;
			}
		CHECK_INT(1, seen);
	}
	cJSON_Delete(given);
	cJSON_Delete(m);
	free(text);
	free(config);
	free(dg);
	gpai_files_free(f, nf);
	gpai_facts_free(facts, nfacts);
	gpai_version_release(&v);
	gpai_registry_close(reg);
}

TEST(precision_quantization_and_param_size_from_the_model_metadata)
{
	/* a version as the catalogue would give it: a Q4_K_M Llama 3 8B GGUF
	 * (8,030,261,248 parameters, Meta's model card), F16 norms */
	struct gpai_version v = { 0 };
	struct gpai_fact fact = { 0 };
	char *text;
	cJSON *j, *c;

	v.name = "llama3";
	v.version = "1";
	gpai_strlcpy(v.added_at, "2026-11-29T00:00:00Z", sizeof(v.added_at));
	v.model_json = "{\"format\":\"gguf\",\"architecture\":\"llama\",\"dtypes\":\"F32,F16,Q4_K,"
		       "Q6_K\",\"n_params_distinct\":8030261248}";
	CHECK((text = oci_modelpack_config(&v, NULL, 0, NULL, 0)) != NULL);
	CHECK((j = cJSON_Parse(text)) != NULL);
	c = cJSON_GetObjectItemCaseSensitive(j, "config");
	CHECK_STR("8.03B", gpai_json_str(c, "paramSize"));
	CHECK_STR("fp32", gpai_json_str(c, "precision")); /* the first float type */
	CHECK_STR("Q4_K,Q6_K", gpai_json_str(c, "quantization"));
	CHECK(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "descriptor"),
					       "vendor") == NULL);
	CHECK_INT(0, cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(j, "modelfs"), "diffIds")));
	cJSON_Delete(j);
	free(text);
	/* a model.parameters fact wins over the tensor count; the
	 * model.architecture fact over the file's */
	fact.field = "model.parameters";
	fact.value = "6738415616"; /* Llama 2 7B */
	CHECK((text = oci_modelpack_config(&v, &fact, 1, NULL, 0)) != NULL);
	CHECK((j = cJSON_Parse(text)) != NULL);
	CHECK_STR("6.74B", gpai_json_str(cJSON_GetObjectItemCaseSensitive(j, "config"),
					 "paramSize"));
	cJSON_Delete(j);
	free(text);
	fact.field = "model.architecture";
	fact.value = "mistral";
	CHECK((text = oci_modelpack_config(&v, &fact, 1, NULL, 0)) != NULL);
	CHECK((j = cJSON_Parse(text)) != NULL);
	CHECK_STR("mistral", gpai_json_str(cJSON_GetObjectItemCaseSensitive(j, "config"),
					   "architecture"));
	cJSON_Delete(j);
	free(text);
}
