/*
 * pull.c - gpai_oci_pull: an OCI model artifact into the registry.
 *
 * Order: manifest (its SHA-256 checked against the digest asked for or the
 * registry's Docker-Content-Digest), config, every layer streamed into a
 * staging folder (REGISTRY/pull-XXXXXX, removed at the end) while hashed,
 * then the signature and dossier referrers (referrers API, else the tag
 * schema), the optional signature check against the staged files, and only
 * then gpai_registry_add_staged (the checked layers move into the blob
 * store without a second read), the stored signature and the caller's
 * dossier hook (whose failure removes the version again).
 *
 * Readable: ModelPack and older CNAI artifacts (.raw and tar layers) and
 * KitOps ModelKits (tar layers; the config is the Kitfile as JSON).
 *
 * Invariants: nothing is registered unless every digest matched and, with
 * verification, the signature verified; a layer whose path would leave the
 * staging folder (absolute, "..") is refused; .raw layer paths come from
 * the org.cncf.model.filepath (or the older org.cnai.model.filepath)
 * annotation; tar layers are fetched whole (digest checked) and unpacked by
 * gpai_registry_archive_unpack, the checked reader of gpai add ARCHIVE,
 * which never overwrites a file an earlier layer gave.
 */
#include "oci_private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#define CNAI_ARTIFACT "application/vnd.cnai.model.manifest.v1+json"
#define CNAI_CONFIG "application/vnd.cnai.model.config.v1+json"
#define CNAI_FILEPATH "org.cnai.model.filepath"
#define KITOPS_CONFIG "application/vnd.kitops.modelkit.config.v1+json"
#define SIG_ARTIFACT GPAI_BUNDLE_MEDIA_TYPE
/* Accept header of manifest requests. */
#define ACCEPT_MANIFEST "Accept: " GPAI_OCI_MANIFEST_TYPE ", " GPAI_OCI_INDEX_TYPE
/* Largest referrer layer (signature, dossier bundle) read into memory. */
#define REFERRER_MAX (256u << 20)
/* Most layers one artifact may have. */
#define LAYERS_MAX 100000

void gpai_oci_pull_result_release(struct gpai_oci_pull_result *r)
{
	if (!r)
		return;
	free(r->artifact);
	memset(r, 0, sizeof(*r));
}

/* GETs a manifest or blob into memory and checks its digest: want (when
 * set) or the registry's Docker-Content-Digest; the digest is written to
 * got[72].  *status receives the HTTP status (404 is returned as
 * GPAI_ENOTFOUND). */
static int fetch_doc_max(struct oci_conn *c, const char *kind, const char *ref,
			 const char *want, size_t max, struct gpai_buf *out, char got[72],
			 struct gpai_error *err)
{
	static const char *const accept[] = { ACCEPT_MANIFEST, NULL };
	char path[512];
	struct oci_sink sink;
	struct oci_resp r;
	int rc;

	snprintf(path, sizeof(path), "/v2/%s/%s/%s", c->repo, kind, ref);
	memset(&sink, 0, sizeof(sink));
	sink.mem = out;
	sink.max = max;
	out->len = 0;
	if ((rc = oci_request(c, "GET", path, accept, NULL, &sink, &r, err)))
		goto out;
	if (r.status != 200) {
		rc = oci_status_error(c, "GET", path, &r, err);
		goto out;
	}
	oci_sha256_digest(out->data ? out->data : "", out->len, got);
	if (!want && strcmp(kind, "manifests") == 0 && r.digest)
		want = r.digest;
	if (want && strcmp(want, got) != 0) {
		rc = gpai_error_set(err, GPAI_EVERIFY, "registry '%s': %s %s has digest %s, "
				    "not %s", c->host, kind, ref, got, want);
		goto out;
	}
	if (gpai_buf_append(out, "", 1)) { /* NUL-terminate for the parsers */
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	out->len--;
out:
	oci_resp_release(&r);
	return rc;
}

static int fetch_doc(struct oci_conn *c, const char *kind, const char *ref, const char *want,
		     struct gpai_buf *out, char got[72], struct gpai_error *err)
{
	return fetch_doc_max(c, kind, ref, want, OCI_DOC_MAX, out, got, err);
}

/* Streams blob digest (size bytes) into a new file at path, hashing; the
 * file is kept only when its SHA-256 and size match (oci_sink_file_close:
 * the contract of gpai_registry_add_staged).  No fsync here: the registry
 * syncs what it keeps. */
static int fetch_blob_file(struct oci_conn *c, const char *digest, uint64_t size,
			   const char *name, const char *path, struct gpai_error *err)
{
	char urlpath[512];
	struct oci_sink sink;
	struct oci_resp r;
	int rc;

	memset(&r, 0, sizeof(r));
	if ((rc = oci_sink_file_open(&sink, path, err)))
		return rc;
	snprintf(urlpath, sizeof(urlpath), "/v2/%s/blobs/%s", c->repo, digest);
	if ((rc = oci_request(c, "GET", urlpath, NULL, NULL, &sink, &r, err)))
		goto fail;
	if (r.status != 200) {
		rc = oci_status_error(c, "GET", urlpath, &r, err);
		goto fail;
	}
	oci_resp_release(&r);
	return oci_sink_file_close(&sink, path, digest, size, name, c->host, err);
fail:
	oci_sink_file_discard(&sink, path);
	oci_resp_release(&r);
	return rc;
}

/* Removes the staging tree (files and directories below dir). */
static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d) {
		unlink(dir);
		return;
	}
	while ((e = readdir(d))) {
		char *p;
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (!(p = gpai_path_join(dir, e->d_name)))
			continue;
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
			rm_tree(p);
		else
			unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

/* What a layer holds, by its media type. */
enum layer_kind { LAYER_UNSUPPORTED = 0, LAYER_RAW, LAYER_TAR };

/* 1 when mt ends in one of the tar endings (.tar, .tar+gzip, .tar+zstd). */
static int tar_ending(const char *mt)
{
	static const char *const ends[] = { ".v1.tar", ".v1.tar+gzip", ".v1.tar+zstd" };
	size_t n = strlen(mt);

	for (size_t i = 0; i < sizeof(ends) / sizeof(ends[0]); i++) {
		size_t k = strlen(ends[i]);

		if (n > k && strcmp(mt + n - k, ends[i]) == 0)
			return 1;
	}
	return 0;
}

/* ModelPack and older CNAI layers: one file (.raw) or a tar of files
 * (.tar, .tar+gzip, .tar+zstd); KitOps ModelKit layers
 * (application/vnd.kitops.modelkit.{model,modelpart,dataset,code,docs,...}
 * .v1.tar[+gzip|+zstd]): tars of the files at their Kitfile paths. */
static enum layer_kind layer_kind(const char *mt)
{
	size_t n = strlen(mt);

	if (strncmp(mt, "application/vnd.kitops.modelkit.", 32) == 0)
		return tar_ending(mt) ? LAYER_TAR : LAYER_UNSUPPORTED;
	if (strncmp(mt, "application/vnd.cncf.model.", 27) != 0 &&
	    strncmp(mt, "application/vnd.cnai.model.", 27) != 0)
		return LAYER_UNSUPPORTED;
	if (n > 4 && strcmp(mt + n - 4, ".raw") == 0)
		return LAYER_RAW;
	return tar_ending(mt) ? LAYER_TAR : LAYER_UNSUPPORTED;
}

/* Takes from image index body (referrers API answer or tag schema index)
 * the newest (last listed) manifest of the signature artifact type into
 * sig[72] and of the dossier artifact type into dossier[72]. */
static int scan_referrers(struct oci_conn *c, const char *subject, const struct gpai_buf *body,
			  char sig[72], char dossier[72], struct gpai_error *err)
{
	cJSON *idx, *m;

	if (!(idx = cJSON_ParseWithLength(body->data ? body->data : "", body->len)))
		return gpai_error_set(err, GPAI_EFORMAT, "registry '%s': referrers of %s: not "
				      "JSON", c->host, subject);
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(idx, "manifests")) {
		const char *at = gpai_json_str(m, "artifactType"), *dg = gpai_json_str(m, "digest");

		if (!at || !dg || !oci_digest_valid(dg))
			continue;
		if (strcmp(at, SIG_ARTIFACT) == 0)
			gpai_strlcpy(sig, dg, 72);
		else if (strcmp(at, GPAI_OCI_DOSSIER_TYPE) == 0)
			gpai_strlcpy(dossier, dg, 72);
	}
	cJSON_Delete(idx);
	return GPAI_OK;
}

/* The referrers of subject: the referrers API, else (404, or an API that
 * lists none of gpai's: referrers pushed before the registry offered the
 * API) the referrers tag schema.  The newest signature manifest goes to
 * sig[72], the newest dossier manifest to dossier[72] ("" when there is
 * none); *how receives "tag" when they came from the tag schema, else
 * "api" when the referrers API answered, else NULL. */
static int find_referrers(struct oci_conn *c, const char *subject, char sig[72],
			  char dossier[72], const char **how, struct gpai_error *err)
{
	static const char *const accept[] = { "Accept: " GPAI_OCI_INDEX_TYPE, NULL };
	char path[600];
	struct gpai_buf body;
	struct oci_sink sink;
	struct oci_resp r;
	int rc;

	sig[0] = dossier[0] = '\0';
	*how = NULL;
	gpai_buf_init(&body);
	memset(&sink, 0, sizeof(sink));
	sink.mem = &body;
	sink.max = OCI_DOC_MAX;
	snprintf(path, sizeof(path), "/v2/%s/referrers/%s", c->repo, subject);
	if ((rc = oci_request(c, "GET", path, accept, NULL, &sink, &r, err)))
		goto out;
	if (r.status == 200) {
		if ((rc = scan_referrers(c, subject, &body, sig, dossier, err)))
			goto out;
		*how = "api";
		if (sig[0] || dossier[0])
			goto out;
	}
	oci_resp_release(&r);
	body.len = 0;
	snprintf(path, sizeof(path), "/v2/%s/manifests/sha256-%s", c->repo, subject + 7);
	if ((rc = oci_request(c, "GET", path, accept, NULL, &sink, &r, err)))
		goto out;
	if (r.status == 404)
		goto out;
	if (r.status != 200) {
		rc = oci_status_error(c, "GET", path, &r, err);
		goto out;
	}
	if ((rc = scan_referrers(c, subject, &body, sig, dossier, err)))
		goto out;
	*how = "tag";
out:
	oci_resp_release(&r);
	gpai_buf_release(&body);
	return rc;
}

/* Fetches referrer manifest refdig (checking its digest) of artifact type
 * atype, checks that its subject is the model manifest, and fetches its
 * first layer (checking its digest) into *blob, *len.  *man receives the
 * parsed manifest (cJSON_Delete). */
static int fetch_referrer(struct oci_conn *c, const char *refdig, const char *subject,
			  const char *atype, const char *what, cJSON **man, char **blob,
			  size_t *len, struct gpai_error *err)
{
	struct gpai_buf doc, data;
	char got[72];
	cJSON *m = NULL, *l0;
	const char *dg, *s;
	int rc;

	gpai_buf_init(&doc);
	gpai_buf_init(&data);
	*man = NULL;
	if ((rc = fetch_doc(c, "manifests", refdig, refdig, &doc, got, err)))
		goto out;
	if (!(m = cJSON_ParseWithLength(doc.data, doc.len))) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "%s manifest %s is not JSON", what, refdig);
		goto out;
	}
	s = gpai_json_str(cJSON_GetObjectItemCaseSensitive(m, "subject"), "digest");
	if (!s || strcmp(s, subject) != 0) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "%s manifest %s refers to %s, not to %s",
				    what, refdig, s ? s : "nothing", subject);
		goto out;
	}
	s = gpai_json_str(m, "artifactType");
	if (!s || strcmp(s, atype) != 0) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "%s manifest %s has artifactType %s, not %s",
				    what, refdig, s ? s : "none", atype);
		goto out;
	}
	l0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(m, "layers"), 0);
	dg = gpai_json_str(l0, "digest");
	if (!dg || !oci_digest_valid(dg)) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "%s manifest %s has no layer", what, refdig);
		goto out;
	}
	if ((rc = fetch_doc_max(c, "blobs", dg, dg, REFERRER_MAX, &data, got, err)))
		goto out;
	*len = data.len;
	if (!(*blob = gpai_buf_detach(&data))) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	*man = m;
	m = NULL;
out:
	cJSON_Delete(m);
	gpai_buf_release(&doc);
	gpai_buf_release(&data);
	return rc;
}

/* Fetches the bundle of signature manifest sigdig (checking both digests)
 * and checks that its subject is the model manifest. */
static int fetch_signature(struct oci_conn *c, const char *sigdig, const char *subject,
			   char **bundle, char method[32], char signer[256],
			   struct gpai_error *err)
{
	cJSON *m = NULL;
	const char *s;
	size_t len = 0;
	int rc;

	if ((rc = fetch_referrer(c, sigdig, subject, SIG_ARTIFACT, "signature", &m, bundle, &len,
				 err)))
		return rc;
	s = gpai_json_str(cJSON_GetObjectItemCaseSensitive(m, "annotations"),
			  "dev.gpai.signature.method");
	gpai_strlcpy(method, s && (strcmp(s, "key") == 0 || strcmp(s, "certificate") == 0)
		     ? s : "key", 32);
	s = gpai_json_str(cJSON_GetObjectItemCaseSensitive(m, "annotations"),
			  "dev.gpai.signature.signer");
	gpai_strlcpy(signer, s ? s : "(not checked at pull)", 256);
	cJSON_Delete(m);
	return GPAI_OK;
}

/* Checks the signature against the pulled files.  When the bundle signs
 * the `files` serialization with SHA-256 (gpai sign's default), the OMS
 * digest of each file is its plain SHA-256, which the layer's digest
 * already is (checked while streamed), so the signed manifest is compared
 * with those digests and nothing is read again.  Other serializations
 * (shards, BLAKE2b), a single-file model and --ignore-unsigned-files
 * re-hash the staged files; *again is set to 1 then. */
static int verify_pulled(const struct gpai_oms_file *files, char (*hex)[65], size_t n,
			 const char *subject, int single, const char *bundle,
			 const struct gpai_verify_options *vo, struct gpai_verify_report *rep,
			 int *again, struct gpai_error *err)
{
	struct gpai_manifest actual;
	int rc;

	*again = 0;
	if (single || vo->ignore_unsigned)
		goto rehash;
	if ((rc = gpai_oms_verify_bundle_text("signature referrer", bundle, strlen(bundle), vo,
					      rep, err)))
		return rc;
	if (rep->signed_m.cfg.method != GPAI_OMS_FILES || rep->signed_m.cfg.hash != GPAI_OMS_SHA256) {
		gpai_verify_report_release(rep);
		gpai_verify_report_init(rep);
		goto rehash;
	}
	gpai_manifest_init(&actual);
	actual.cfg.method = GPAI_OMS_FILES;
	actual.cfg.hash = GPAI_OMS_SHA256;
	actual.subject = gpai_strdup(subject);
	actual.res = calloc(n ? n : 1, sizeof(*actual.res));
	if (!actual.subject || !actual.res) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct gpai_resource *r = &actual.res[i];

		if (!(r->name = gpai_strdup(files[i].name))) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			goto out;
		}
		actual.n++;
		gpai_strlcpy(r->algorithm, "sha256", sizeof(r->algorithm));
		r->digest_len = 32;
		if (gpai_hex_decode(hex[i], r->digest, r->digest_len)) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "bad digest of '%s'", files[i].name);
			goto out;
		}
	}
	gpai_oms_sort_resources(actual.res, actual.n);
	if ((rc = gpai_oms_root_digest(actual.res, actual.n, actual.root, err)))
		goto out;
	rc = gpai_oms_compare(rep, &actual, 0, err);
out:
	gpai_manifest_release(&actual);
	return rc;
rehash:
	*again = 1;
	return gpai_oms_verify_text(NULL, files, n, subject, "signature referrer", bundle,
				    strlen(bundle), vo, rep, err);
}

/* Writes the fact file for gpai_registry_add: the dev.gpai.facts
 * annotation (fields this build knows), else the config's architecture;
 * each with source "SRC" plus the recorded source. */
static int write_facts(const char *path, const cJSON *ann, const cJSON *cfg,
		       const char *src, struct gpai_error *err)
{
	cJSON *root = cJSON_CreateObject(), *fa, *given = NULL, *f;
	const char *ft = gpai_json_str(ann, "dev.gpai.facts"), *arch;
	char *text = NULL;
	int rc;

	if (!root)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	fa = cJSON_AddArrayToObject(root, "facts");
	if (ft)
		given = cJSON_Parse(ft);
	cJSON_ArrayForEach(f, given) {
		const char *field = gpai_json_str(f, "field"), *value = gpai_json_str(f, "value");
		const char *fsrc = gpai_json_str(f, "source");
		cJSON *o;
		char *s;

		if (!field || !value || (!gpai_fact_field_lookup(field) &&
					 strncmp(field, "x.", 2) != 0))
			continue;
		o = cJSON_CreateObject();
		s = fsrc ? gpai_asprintf("%s (recorded source: %s)", src, fsrc) : gpai_strdup(src);
		cJSON_AddStringToObject(o, "field", field);
		cJSON_AddStringToObject(o, "value", value);
		cJSON_AddStringToObject(o, "source", s ? s : src);
		free(s);
		cJSON_AddItemToArray(fa, o);
	}
	arch = gpai_json_str(cJSON_GetObjectItemCaseSensitive(cfg, "config"), "architecture");
	if (!given && arch && *arch) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "field", "model.architecture");
		cJSON_AddStringToObject(o, "value", arch);
		cJSON_AddStringToObject(o, "source", src);
		cJSON_AddItemToArray(fa, o);
	}
	if (!(text = cJSON_Print(root)))
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	else
		rc = gpai_write_file_atomic(path, text, strlen(text), 0644, err);
	free(text);
	cJSON_Delete(given);
	cJSON_Delete(root);
	return rc;
}

/* Makes the parent directories of rel below dir. */
static int mkparents(const char *dir, const char *rel, struct gpai_error *err)
{
	const char *slash = strrchr(rel, '/');
	char *sub, *p;
	int rc;

	if (!slash)
		return GPAI_OK;
	if (!(sub = strndup(rel, (size_t)(slash - rel))) || !(p = gpai_path_join(dir, sub))) {
		free(sub);
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	}
	rc = gpai_mkdir_p(p, 0755, err);
	free(sub);
	free(p);
	return rc;
}

int gpai_oci_pull(struct gpai_registry *reg, const char *uri,
		  const struct gpai_oci_pull_options *o, struct gpai_version *out,
		  struct gpai_oci_pull_result *res, struct gpai_error *err)
{
	struct gpai_oci_ref oref;
	struct oci_conn c;
	struct gpai_buf mdoc, cdoc;
	struct gpai_oms_file *files = NULL;
	struct gpai_staged_file *staged = NULL;
	char (*hexes)[65] = NULL;
	struct gpai_verify_report rep;
	struct gpai_version v;
	cJSON *man = NULL, *cfg = NULL, *layers, *l, *ann, *desc;
	char got[72], sigdig[72], method[32] = "key", signer[256] = "";
	char *stage = NULL, *modeldir = NULL, *factsp = NULL, *src = NULL, *bundle = NULL;
	char *dossier = NULL;
	size_t dossier_len = 0;
	const char *at, *ct, *name, *version, *license = NULL, *lic0 = NULL, *cdig;
	const char *kname, *kversion, *vendor;
	enum layer_kind kind;
	size_t li = 0;
	uint64_t unpacked = 0, ubytes = 0;
	int kitops = 0, has_tar = 0;
	size_t nl = 0, nf = 0;
	uint64_t rehashed = 0;
	int rc, have_ref = 0, have_conn = 0, single = 0, added = 0;
	struct gpai_add_opts ao;

	memset(res, 0, sizeof(*res));
	memset(&c, 0, sizeof(c));
	gpai_buf_init(&mdoc);
	gpai_buf_init(&cdoc);
	gpai_verify_report_init(&rep);
	memset(&v, 0, sizeof(v));
	if ((rc = gpai_oci_ref_parse(uri, &oref, err)))
		return rc;
	have_ref = 1;
	if ((rc = oci_conn_open(&c, &oref, &o->net, 0, err)))
		goto out;
	have_conn = 1;
	rc = fetch_doc(&c, "manifests", oref.digest ? oref.digest : (oref.tag ? oref.tag : "latest"),
		       oref.digest, &mdoc, res->manifest_digest, err);
	if (rc)
		goto out;
	if (!(man = cJSON_ParseWithLength(mdoc.data, mdoc.len))) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "manifest of '%s' is not JSON", uri);
		goto out;
	}
	at = gpai_json_str(man, "artifactType");
	ct = gpai_json_str(cJSON_GetObjectItemCaseSensitive(man, "config"), "mediaType");
	cdig = gpai_json_str(cJSON_GetObjectItemCaseSensitive(man, "config"), "digest");
	if (!ct || !cdig || !oci_digest_valid(cdig) ||
	    (strcmp(ct, GPAI_MODELPACK_CONFIG) != 0 && strcmp(ct, CNAI_CONFIG) != 0 &&
	     strcmp(ct, KITOPS_CONFIG) != 0)) {
		rc = gpai_error_set(err, GPAI_EUNSUPPORTED, "'%s' is not a ModelPack model or a "
				    "KitOps ModelKit (artifactType %s, config %s)", uri,
				    at ? at : "none", ct ? ct : "none");
		goto out;
	}
	kitops = strcmp(ct, KITOPS_CONFIG) == 0;
	res->artifact = gpai_strdup(kitops ? "kitops" : strcmp(ct, CNAI_CONFIG) == 0 ? "cnai"
				    : "modelpack");
	if ((rc = fetch_doc(&c, "blobs", cdig, cdig, &cdoc, got, err)))
		goto out;
	if (!(cfg = cJSON_ParseWithLength(cdoc.data, cdoc.len))) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "config %s of '%s' is not JSON", cdig, uri);
		goto out;
	}
	layers = cJSON_GetObjectItemCaseSensitive(man, "layers");
	nl = (size_t)cJSON_GetArraySize(layers);
	if (nl == 0 || nl > LAYERS_MAX) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "manifest of '%s' has %zu layers", uri, nl);
		goto out;
	}
	/* staging folder inside the registry directory (same filesystem) */
	stage = gpai_asprintf("%s/pull-XXXXXX", gpai_registry_dir(reg));
	if (!stage || !mkdtemp(stage)) {
		rc = stage ? gpai_error_errno(err, GPAI_EIO, errno, "cannot create '%s'", stage)
			   : gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		free(stage);
		stage = NULL;
		goto out;
	}
	modeldir = gpai_path_join(stage, "model");
	factsp = gpai_path_join(stage, "facts.json");
	files = calloc(nl, sizeof(*files));
	staged = calloc(nl, sizeof(*staged));
	hexes = calloc(nl, sizeof(*hexes));
	if (!modeldir || !factsp || !files || !staged || !hexes) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = gpai_mkdir_p(modeldir, 0755, err)))
		goto out;
	cJSON_ArrayForEach(l, layers) {
		const char *mt = gpai_json_str(l, "mediaType"), *dg = gpai_json_str(l, "digest");
		cJSON *la = cJSON_GetObjectItemCaseSensitive(l, "annotations");
		const char *fp = gpai_json_str(la, GPAI_MODELPACK_FILEPATH);
		const char *one = gpai_json_str(la, "dev.gpai.single-file");
		int64_t size;
		char *dst;

		if (!fp)
			fp = gpai_json_str(la, CNAI_FILEPATH);
		if (!mt || !dg || !oci_digest_valid(dg) || gpai_json_i64(l, "size", &size) ||
		    size < 0) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "manifest of '%s': layer %zu has no "
					    "valid mediaType, digest or size", uri, li);
			goto out;
		}
		kind = layer_kind(mt);
		if (kind == LAYER_UNSUPPORTED) {
			rc = gpai_error_set(err, GPAI_EUNSUPPORTED, "manifest of '%s': layer %zu "
					    "has media type %s; this build reads ModelPack and CNAI "
					    "model layers (.raw, .tar, .tar+gzip, .tar+zstd) and KitOps "
					    "ModelKit tar layers", uri, li, mt);
			goto out;
		}
		if (kind == LAYER_TAR) {
			char what[256], *lp = gpai_asprintf("%s/layer-%zu", stage, li);

			snprintf(what, sizeof(what), "tar layer %zu (%s)", li, mt);
			if (!lp) {
				rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
				goto out;
			}
			rc = fetch_blob_file(&c, dg, (uint64_t)size, what, lp, err);
			if (rc == GPAI_OK &&
			    (rc = gpai_registry_archive_unpack(lp, modeldir, &ubytes, err)))
				gpai_error_prefix(err, "tar layer %zu (%s) of '%s' refused", li, dg,
						  uri);
			unpacked += ubytes;
			unlink(lp);
			free(lp);
			if (rc)
				goto out;
			has_tar = 1;
			li++;
			res->n_layers++;
			res->bytes += (uint64_t)size;
			res->bytes_hashed += (uint64_t)size;
			if (o->net.progress)
				o->net.progress(o->net.progress_ctx, res->bytes, 0);
			continue;
		}
		if (!fp || !gpai_oms_name_valid(fp) || strcmp(fp, ".") == 0) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "manifest of '%s': layer %zu (%s) has "
					    "no safe relative path in %s", uri, li, dg,
					    GPAI_MODELPACK_FILEPATH);
			goto out;
		}
		for (size_t i = 0; i < nf; i++)
			if (strcmp(files[i].name, fp) == 0) {
				rc = gpai_error_set(err, GPAI_EFORMAT, "manifest of '%s': two layers "
						    "have the path '%s'", uri, fp);
				goto out;
			}
		if (one && strcmp(one, "true") == 0 && nl == 1 && !kitops)
			single = 1;
		if ((rc = mkparents(modeldir, fp, err)))
			goto out;
		if (!(dst = gpai_path_join(modeldir, fp))) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			goto out;
		}
		files[nf].name = fp;
		files[nf].path = dst;
		files[nf].size = (uint64_t)size;
		staged[nf].relpath = fp;
		staged[nf].path = dst;
		gpai_strlcpy(hexes[nf], dg + 7, sizeof(hexes[nf]));
		staged[nf].sha256 = hexes[nf]; /* checked while streamed */
		staged[nf].size = (uint64_t)size;
		nf++;
		li++;
		if ((rc = fetch_blob_file(&c, dg, (uint64_t)size, fp, dst, err)))
			goto out;
		res->n_layers++;
		res->bytes += (uint64_t)size;
		res->bytes_hashed += (uint64_t)size;
		if (o->net.progress)
			o->net.progress(o->net.progress_ctx, res->bytes, 0);
	}
	/* the referrers: signature and dossier bundle */
	if ((rc = find_referrers(&c, res->manifest_digest, sigdig, res->dossier_digest,
				 &res->referrers, err)))
		goto out;
	if (sigdig[0]) {
		if ((rc = fetch_signature(&c, sigdig, res->manifest_digest, &bundle, method,
					  signer, err)))
			goto out;
		res->signature_found = 1;
	}
	if (res->dossier_digest[0] && o->dossier_hook) {
		cJSON *dm = NULL;

		rc = fetch_referrer(&c, res->dossier_digest, res->manifest_digest,
				    GPAI_OCI_DOSSIER_TYPE, "dossier", &dm, &dossier, &dossier_len,
				    err);
		cJSON_Delete(dm);
		if (rc)
			goto out;
	}
	desc = cJSON_GetObjectItemCaseSensitive(cfg, "descriptor");
	ann = cJSON_GetObjectItemCaseSensitive(man, "annotations");
	if (kitops) {
		/* the Kitfile: package{name, version, authors, license}, model{...} */
		const cJSON *pkg = cJSON_GetObjectItemCaseSensitive(cfg, "package");
		const cJSON *mdl = cJSON_GetObjectItemCaseSensitive(cfg, "model");

		kname = gpai_json_str(pkg, "name") ? gpai_json_str(pkg, "name")
						  : gpai_json_str(mdl, "name");
		kversion = gpai_json_str(pkg, "version") ? gpai_json_str(pkg, "version")
							: gpai_json_str(mdl, "version");
		vendor = cJSON_GetStringValue(cJSON_GetArrayItem(
			cJSON_GetObjectItemCaseSensitive(pkg, "authors"), 0));
		lic0 = gpai_json_str(pkg, "license") ? gpai_json_str(pkg, "license")
						    : gpai_json_str(mdl, "license");
	} else {
		kname = gpai_json_str(desc, "name");
		kversion = gpai_json_str(desc, "version");
		vendor = gpai_json_str(desc, "vendor");
		lic0 = cJSON_GetStringValue(cJSON_GetArrayItem(
			cJSON_GetObjectItemCaseSensitive(desc, "licenses"), 0));
	}
	name = o->name ? o->name : kname;
	if (!name) {
		const char *slash = strrchr(oref.repo, '/');

		name = slash ? slash + 1 : oref.repo;
	}
	version = o->version ? o->version : kversion;
	if (o->verify) {
		int again = 0;

		if (!bundle) {
			rc = gpai_error_set(err, GPAI_ENOTFOUND, "'%s' has no signature referrer "
					    "(artifactType %s): refusing to register it unverified",
					    uri, SIG_ARTIFACT);
			goto out;
		}
		if (single)
			files[0].name = ".";
		if (has_tar) {
			/* tar layers: the unpacked tree is hashed as a model directory */
			rc = gpai_oms_verify_text(modeldir, NULL, 0, name, "signature referrer",
						  bundle, strlen(bundle), o->verify, &rep, err);
			again = 1;
		} else {
			rc = verify_pulled(files, hexes, nf, name, single, bundle, o->verify, &rep,
					   &again, err);
		}
		if (again)
			res->bytes_hashed += has_tar ? unpacked : res->bytes;
		if (single)
			files[0].name = gpai_json_str(cJSON_GetObjectItemCaseSensitive(
				cJSON_GetArrayItem(layers, 0), "annotations"), GPAI_MODELPACK_FILEPATH);
		if (rc) {
			gpai_error_prefix(err, "signature of '%s' does not verify: refused", uri);
			goto out;
		}
		res->verified = 1;
		gpai_strlcpy(res->signer, rep.signer, sizeof(res->signer));
		gpai_strlcpy(method, rep.material == GPAI_MATERIAL_CERT_CHAIN ? "certificate"
			     : "key", sizeof(method));
		gpai_strlcpy(signer, rep.signer, sizeof(signer));
	}
	src = gpai_asprintf("oci://%s/%s@%s", oref.host, oref.repo, res->manifest_digest);
	if (!src) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = write_facts(factsp, ann, cfg, src, err)))
		goto out;
	if (lic0 && gpai_registry_check_license(lic0, NULL) == GPAI_OK)
		license = lic0;
	memset(&ao, 0, sizeof(ao));
	ao.path = single ? files[0].path : modeldir;
	ao.name = name;
	ao.version = version;
	ao.provider = vendor;
	ao.license = license;
	ao.facts_file = factsp;
	ao.access = gpai_json_str(ann, "dev.gpai.access");
	if (ao.access && strcmp(ao.access, "open-weight") != 0)
		ao.access = NULL; /* a pulled model has its weights */
	if (single) {
		/* a single-file model is named by its file name, as gpai add names it */
		const char *slash = strrchr(staged[0].relpath, '/');

		if (slash)
			staged[0].relpath = slash + 1;
	}
	if (has_tar) {
		/* unpacked tar members have no streamed digest: add hashes them */
		ao.path = modeldir;
		rc = gpai_registry_add(reg, &ao, &v, err);
		res->bytes_hashed += unpacked;
	} else {
		/* the layers move into the blob store without a second read */
		rc = gpai_registry_add_staged(reg, &ao, staged, nf, &rehashed, &v, err);
		res->bytes_hashed += rehashed;
	}
	if (rc) {
		gpai_error_prefix(err, "cannot register '%s'", uri);
		goto out;
	}
	added = 1;
	if (bundle && (rc = gpai_registry_signature_add(reg, &v, method, signer, v.root_digest,
						       bundle, err))) {
		char ref[GPAI_REG_NAME_MAX + GPAI_REG_VERSION_MAX + 2];

		snprintf(ref, sizeof(ref), "%s@%s", v.name, v.version);
		gpai_registry_rm(reg, ref, NULL);
		goto out;
	}
	if (dossier && (rc = o->dossier_hook(o->dossier_ctx, reg, &v, dossier, dossier_len,
					     err))) {
		char ref[GPAI_REG_NAME_MAX + GPAI_REG_VERSION_MAX + 2];

		snprintf(ref, sizeof(ref), "%s@%s", v.name, v.version);
		gpai_registry_rm(reg, ref, NULL);
		goto out;
	}
	if (out) {
		*out = v;
		added = 0;
	}
out:
	if (added)
		gpai_version_release(&v);
	if (stage)
		rm_tree(stage);
	for (size_t i = 0; files && i < nf; i++)
		free((char *)files[i].path);
	free(files);
	free(staged);
	free(hexes);
	free(stage);
	free(modeldir);
	free(factsp);
	free(src);
	free(bundle);
	free(dossier);
	cJSON_Delete(man);
	cJSON_Delete(cfg);
	gpai_buf_release(&mdoc);
	gpai_buf_release(&cdoc);
	gpai_verify_report_release(&rep);
	if (have_conn)
		oci_conn_close(&c);
	if (have_ref)
		gpai_oci_ref_release(&oref);
	return rc;
}
