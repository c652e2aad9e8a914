/*
 * push.c - gpai_oci_push: a registry version as a CNCF ModelPack artifact.
 *
 * Order: every file blob (HEAD; when absent, one POST+PUT up to the chunk
 * size, else POST, PATCH chunks, PUT), the config blob, the manifest under
 * the tag; then the newest signature and the dossier bundle given as
 * referrer manifests (empty config, one layer holding the Sigstore bundle
 * or the tar.gz, subject = the model manifest),
 * listed through the referrers API when the registry has one and in the
 * referrers tag schema's index (tag sha256-<hex>) otherwise.
 *
 * Invariants: blob digests come from the catalogue (the store is content
 * addressed and fsck checks it), never from re-hashing; the manifest is
 * PUT only after all its blobs are there, so a failed push leaves no
 * manifest naming a missing blob.
 *
 * Test hook: GPAI_OCI_FAIL_AFTER_BYTES=N makes the first PATCH of the
 * process abort after N bytes (a broken connection), so that the tests can
 * check that the upload resumes from the offset the registry reports.
 */
#include "oci_private.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

/* The signature referrer (the sigstore bundle media type, as cosign's
 * bundle-in-OCI attachments use it). */
#define SIG_ARTIFACT GPAI_BUNDLE_MEDIA_TYPE
/* The OCI 1.1 empty descriptor: "{}" and its digest (image-spec
 * manifest.md, "Guidance for an Empty Descriptor"). */
#define EMPTY_JSON "{}"
#define EMPTY_DIGEST "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
/* Most repositories a blob is tried to be mounted from. */
#define MOUNT_TRY_MAX 3
/* Largest push log read. */
#define PUSH_LOG_MAX ((size_t)64 << 20)
/* Number of attempts to resume one blob upload. */
#define RESUME_MAX 3
/* Upload status polls after a broken PATCH, and the pause before each. */
#define STATUS_POLL_MAX 20
#define STATUS_POLL_US 100000
/* upload_status: the upload session is gone, start a new one. */
#define SESSION_LOST 1

void gpai_oci_push_result_release(struct gpai_oci_push_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n_blobs; i++)
		free(r->blobs[i].path);
	free(r->blobs);
	memset(r, 0, sizeof(*r));
}

static struct gpai_oci_blob_result *add_result(struct gpai_oci_push_result *res,
					       const char *digest, const char *path,
					       uint64_t size)
{
	struct gpai_oci_blob_result *n = realloc(res->blobs, (res->n_blobs + 1) * sizeof(*n));

	if (!n)
		return NULL;
	res->blobs = n;
	n = &res->blobs[res->n_blobs];
	memset(n, 0, sizeof(*n));
	gpai_strlcpy(n->digest, digest, sizeof(n->digest));
	n->size = size;
	if (!(n->path = gpai_strdup(path)))
		return NULL;
	res->n_blobs++;
	return n;
}

/* The test hook: arms b to break at blob offset N (once per process) when
 * N falls in the chunk [off, off + b->len). */
static void fail_hook(struct oci_body *b, uint64_t off)
{
	static int used;
	const char *s = getenv("GPAI_OCI_FAIL_AFTER_BYTES");
	uint64_t n = 0;

	b->fail = 0;
	if (used || !s || gpai_parse_u64(s, &n) || n < off || n >= off + b->len)
		return;
	used = 1;
	b->fail = 1;
	b->fail_after = n - off;
}

/* Range header "0-N" (last byte offset) into the next offset N+1. */
static int parse_range(const char *h, uint64_t *next)
{
	const char *dash;
	uint64_t last;
	char num[32];

	if (!h || !(dash = strchr(h, '-')) || strlen(dash + 1) >= sizeof(num))
		return -1;
	gpai_strlcpy(num, dash + 1, sizeof(num));
	if (gpai_parse_u64(num, &last))
		return -1;
	*next = last + 1;
	return 0;
}

/* Location of an upload answer, absolute or a path; with ?digest=D (or
 * &digest=D) appended when digest is set. */
static char *with_digest(const char *loc, const char *digest)
{
	return gpai_asprintf("%s%cdigest=%s", loc, strchr(loc, '?') ? '&' : '?', digest);
}

/* After a broken PATCH: the offset the registry has for the upload at
 * *loc (GET, 204 with Range), polled until two answers agree, since the
 * registry may still be writing the broken request's bytes when the
 * connection drops.  Updates *loc from the answer's Location.  Returns
 * SESSION_LOST when the registry no longer accepts the upload session (the
 * CNCF distribution registry 2.8 refuses a session whose stored size moved
 * past its signed _state offset during the broken request): the caller
 * starts a new one. */
static int upload_status(struct oci_conn *c, char **loc, const char *digest, uint64_t *off,
			 struct gpai_error *err)
{
	uint64_t prev = UINT64_MAX;
	struct oci_resp r;
	int rc;

	for (unsigned i = 0; i < STATUS_POLL_MAX; i++) {
		uint64_t next = 0;

		usleep(STATUS_POLL_US);
		if ((rc = oci_request(c, "GET", *loc, NULL, NULL, NULL, &r, err)))
			return rc;
		if (r.status >= 400 && r.status < 500 && r.status != 401) {
			oci_resp_release(&r);
			return SESSION_LOST;
		}
		if (r.status != 204) {
			rc = oci_status_error(c, "GET", *loc, &r, err);
			gpai_error_prefix(err, "cannot resume the upload of %s", digest);
			oci_resp_release(&r);
			return rc == GPAI_ENOTFOUND ? GPAI_EIO : rc;
		}
		/* "0-0" is how distribution reports an empty upload */
		if (r.range && strcmp(r.range, "0-0") != 0 && parse_range(r.range, &next)) {
			rc = gpai_error_set(err, GPAI_EIO, "registry '%s' reported upload range "
					    "'%s' for %s", c->host, r.range, digest);
			oci_resp_release(&r);
			return rc;
		}
		if (r.location) {
			free(*loc);
			*loc = r.location;
			r.location = NULL;
		}
		oci_resp_release(&r);
		if (next == prev) {
			*off = next;
			return GPAI_OK;
		}
		prev = next;
	}
	return gpai_error_set(err, GPAI_EIO, "registry '%s': the offset of the upload of %s "
			      "did not settle", c->host, digest);
}

/* Opens an upload session (POST); *loc receives its Location. */
static int start_upload(struct oci_conn *c, char **loc, struct gpai_error *err)
{
	char path[512];
	struct oci_resp r;
	int rc;

	snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/", c->repo);
	if ((rc = oci_request(c, "POST", path, NULL, NULL, NULL, &r, err)))
		return rc;
	if (r.status != 202 || !r.location) {
		rc = oci_status_error(c, "POST", path, &r, err);
		oci_resp_release(&r);
		return rc == GPAI_ENOTFOUND ? GPAI_EIO : rc;
	}
	free(*loc);
	*loc = r.location;
	r.location = NULL;
	oci_resp_release(&r);
	return GPAI_OK;
}

/* The pushes gpai recorded to this registry host (GPAI_OCI_PUSH_LOG),
 * newest first: repository and blob digests, for cross-repository mounts. */
struct push_log {
	char **repo;
	cJSON **blobs;     /* arrays of "sha256:..." */
	size_t n;
	const char *target; /* the repository pushed to (not a mount source) */
	const char *mount_from;
};

static void push_log_release(struct push_log *pl)
{
	for (size_t i = 0; i < pl->n; i++) {
		free(pl->repo[i]);
		cJSON_Delete(pl->blobs[i]);
	}
	free(pl->repo);
	free(pl->blobs);
	memset(pl, 0, sizeof(*pl));
}

/* Reads the records of host from the push log of the registry directory
 * (a missing log is empty; unreadable lines are skipped: the log only
 * saves uploads, it never decides what is pushed). */
static int push_log_load(struct gpai_registry *reg, const char *host, struct push_log *pl,
			 struct gpai_error *err)
{
	char *p = gpai_path_join(gpai_registry_dir(reg), GPAI_OCI_PUSH_LOG), *text = NULL;
	char *line, *save = NULL;
	size_t len = 0;
	struct gpai_error e2;
	int rc = GPAI_OK;

	if (!p)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	gpai_error_init(&e2);
	if (!gpai_path_exists(p) || gpai_read_file(p, PUSH_LOG_MAX, &text, &len, &e2)) {
		free(p);
		return GPAI_OK;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *j = cJSON_Parse(line), *b;
		const char *h = gpai_json_str(j, "host"), *r = gpai_json_str(j, "repo");
		char **nr;
		cJSON **nb;

		b = cJSON_GetObjectItemCaseSensitive(j, "blobs");
		if (!h || !r || strcmp(h, host) != 0 || !cJSON_IsArray(b)) {
			cJSON_Delete(j);
			continue;
		}
		nr = realloc(pl->repo, (pl->n + 1) * sizeof(*nr));
		if (nr)
			pl->repo = nr;
		nb = nr ? realloc(pl->blobs, (pl->n + 1) * sizeof(*nb)) : NULL;
		if (nb)
			pl->blobs = nb;
		if (!nr || !nb || !(pl->repo[pl->n] = gpai_strdup(r))) {
			cJSON_Delete(j);
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			break;
		}
		pl->blobs[pl->n++] = cJSON_DetachItemViaPointer(j, b);
		cJSON_Delete(j);
	}
	free(text);
	free(p);
	return rc;
}

/* Repositories to try mounting digest from: --mount-from, then the
 * recorded pushes that held it, newest first, other than the target and
 * without repeats; at most MOUNT_TRY_MAX.  Returns how many. */
static size_t mount_sources(const struct push_log *pl, const char *digest,
			    const char *out[MOUNT_TRY_MAX])
{
	size_t n = 0;

	if (pl->mount_from && strcmp(pl->mount_from, pl->target) != 0)
		out[n++] = pl->mount_from;
	for (size_t i = pl->n; i-- > 0 && n < MOUNT_TRY_MAX;) {
		const cJSON *d;
		int has = 0, seen = strcmp(pl->repo[i], pl->target) == 0;

		for (size_t k = 0; k < n && !seen; k++)
			seen = strcmp(out[k], pl->repo[i]) == 0;
		cJSON_ArrayForEach(d, pl->blobs[i])
			has = has || (cJSON_IsString(d) && strcmp(d->valuestring, digest) == 0);
		if (has && !seen)
			out[n++] = pl->repo[i];
	}
	return n;
}

/* Tries POST /v2/<repo>/blobs/uploads/?mount=<digest>&from=<source> for
 * each source: 201 mounts it (returns 1, br says from where); 202 means
 * the registry opened an ordinary upload session instead (it cannot or may
 * not mount): *loc keeps the last such session for the upload.  Any other
 * answer, or a failed request, leaves the blob to the ordinary upload. */
static int try_mount(struct oci_conn *c, const char *digest, const struct push_log *pl,
		     char **loc, struct gpai_oci_blob_result *br)
{
	const char *src[MOUNT_TRY_MAX];
	size_t n = mount_sources(pl, digest, src);

	for (size_t i = 0; i < n; i++) {
		char path[1024];
		struct oci_resp r;
		struct gpai_error e2;

		gpai_error_init(&e2);
		snprintf(path, sizeof(path), "/v2/%s/blobs/uploads/?mount=%s&from=%s", c->repo,
			 digest, src[i]);
		if (oci_request(c, "POST", path, NULL, NULL, NULL, &r, &e2))
			continue;
		if (r.status == 201) {
			br->mounted = 1;
			gpai_strlcpy(br->mounted_from, src[i], sizeof(br->mounted_from));
			oci_resp_release(&r);
			return 1;
		}
		if (r.status == 202 && r.location) {
			free(*loc);
			*loc = r.location;
			r.location = NULL;
		}
		oci_resp_release(&r);
	}
	return 0;
}

/* Appends this push to the push log (best effort: a push that succeeded
 * is not failed by its record). */
static void push_log_append(struct gpai_registry *reg, const struct gpai_oci_ref *ref,
			    const struct gpai_oci_push_result *res)
{
	cJSON *j = cJSON_CreateObject(), *b;
	char now[21], *text = NULL, *p = NULL, *line = NULL;
	int fd;

	gpai_now_iso8601(now);
	if (!j)
		return;
	cJSON_AddStringToObject(j, "at", now);
	cJSON_AddStringToObject(j, "host", ref->host);
	cJSON_AddStringToObject(j, "repo", ref->repo);
	cJSON_AddStringToObject(j, "tag", ref->tag);
	cJSON_AddStringToObject(j, "manifest", res->manifest_digest);
	b = cJSON_AddArrayToObject(j, "blobs");
	for (size_t i = 0; i < res->n_blobs; i++)
		cJSON_AddItemToArray(b, cJSON_CreateString(res->blobs[i].digest));
	text = cJSON_PrintUnformatted(j);
	p = gpai_path_join(gpai_registry_dir(reg), GPAI_OCI_PUSH_LOG);
	line = text ? gpai_asprintf("%s\n", text) : NULL;
	if (line && p && (fd = open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) >= 0) {
		/* one write of one line: O_APPEND keeps concurrent records whole */
		ssize_t w = write(fd, line, strlen(line));

		(void)w;
		close(fd);
	}
	free(line);
	free(p);
	free(text);
	cJSON_Delete(j);
}

/* Uploads one blob (mem, or fd with size) with the given digest, unless
 * the repository has it (HEAD) or it can be mounted from another one. */
static int upload_blob(struct oci_conn *c, const char *digest, const unsigned char *mem,
		       int fd, uint64_t size, const struct gpai_oci_options *o,
		       const struct push_log *pl, struct gpai_oci_blob_result *br,
		       struct gpai_error *err)
{
	static const char *const octet[] = { "Content-Type: application/octet-stream", NULL };
	uint64_t chunk = o->chunk_size ? o->chunk_size : GPAI_OCI_DEFAULT_CHUNK;
	char path[512], *loc = NULL, *url = NULL;
	struct oci_resp r;
	struct oci_body b;
	uint64_t off = 0;
	int rc;

	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", c->repo, digest);
	if ((rc = oci_request(c, "HEAD", path, NULL, NULL, NULL, &r, err)))
		return rc;
	if (r.status == 200) {
		oci_resp_release(&r);
		return GPAI_OK;
	}
	if (r.status != 404) {
		rc = oci_status_error(c, "HEAD", path, &r, err);
		oci_resp_release(&r);
		return rc == GPAI_ENOTFOUND ? GPAI_EIO : rc;
	}
	oci_resp_release(&r);
	if (!o->no_mount && try_mount(c, digest, pl, &loc, br)) {
		free(loc);
		return GPAI_OK;
	}
	br->uploaded = 1;
	if (!loc && (rc = start_upload(c, &loc, err)))
		return rc;
	memset(&b, 0, sizeof(b));
	b.mem = mem;
	b.fd = fd;
	if (size <= chunk) {
		/* monolithic: PUT the whole blob with its digest */
		b.len = size;
		if (!(url = with_digest(loc, digest)))
			goto nomem;
		if ((rc = oci_request(c, "PUT", url, octet, &b, NULL, &r, err)))
			goto out;
		goto done;
	}
	while (off < size) {
		char range[80], clen[64];
		const char *hdrs[4];
		uint64_t n = size - off < chunk ? size - off : chunk;
		int failed;

		snprintf(range, sizeof(range), "Content-Range: %" PRIu64 "-%" PRIu64, off,
			 off + n - 1);
		snprintf(clen, sizeof(clen), "Content-Length: %" PRIu64, n);
		hdrs[0] = octet[0];
		hdrs[1] = range;
		hdrs[2] = clen;
		hdrs[3] = NULL;
		b.off = off;
		b.len = n;
		fail_hook(&b, off);
		rc = oci_request(c, "PATCH", loc, hdrs, &b, NULL, &r, err);
		failed = rc != GPAI_OK || r.status != 202;
		if (!failed && r.location) {
			free(loc);
			loc = r.location;
			r.location = NULL;
		}
		if (!failed) {
			uint64_t next;

			off = parse_range(r.range, &next) == 0 ? next : off + n;
			br->chunks++;
			oci_resp_release(&r);
			if (o->progress)
				o->progress(o->progress_ctx, off, size);
			continue;
		}
		/* the PATCH broke: ask the registry how much it has, go on from there */
		if (rc == GPAI_OK && r.status >= 400 && r.status < 500 && r.status != 416) {
			rc = oci_status_error(c, "PATCH", loc, &r, err);
			goto out;
		}
		oci_resp_release(&r);
		if (br->resumed + br->restarted >= RESUME_MAX) {
			rc = gpai_error_prefix(err, "upload of %s broke %u times", digest,
					       br->resumed + br->restarted);
			goto out;
		}
		rc = upload_status(c, &loc, digest, &off, err);
		if (rc == SESSION_LOST) {
			br->restarted++;
			off = 0;
			if ((rc = start_upload(c, &loc, err)))
				goto out;
			continue;
		}
		if (rc)
			goto out;
		br->resumed++;
	}
	if (!(url = with_digest(loc, digest)))
		goto nomem;
	if ((rc = oci_request(c, "PUT", url, octet, NULL, NULL, &r, err)))
		goto out;
done:
	if (r.status != 201) {
		rc = oci_status_error(c, "PUT", url, &r, err);
		gpai_error_prefix(err, "upload of %s", digest);
		rc = rc == GPAI_ENOTFOUND ? GPAI_EIO : rc;
	}
out:
	oci_resp_release(&r);
	free(loc);
	free(url);
	return rc;
nomem:
	free(loc);
	return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
}

static int push_mem_blob(struct oci_conn *c, const char *what, const char *data, size_t n,
			 char digest[72], const struct gpai_oci_options *o, const struct push_log *pl,
			 struct gpai_oci_push_result *res, struct gpai_error *err)
{
	struct gpai_oci_blob_result *br;
	int rc;

	oci_sha256_digest(data, n, digest);
	if (!(br = add_result(res, digest, what, n)))
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	rc = upload_blob(c, digest, (const unsigned char *)data, -1, n, o, pl, br, err);
	if (rc == GPAI_OK) {
		res->uploaded += br->uploaded;
		res->mounted += br->mounted;
		res->skipped += !br->uploaded && !br->mounted;
		res->bytes_uploaded += br->uploaded ? n : 0;
	}
	return rc;
}

/* PUT a manifest (or index) under ref (tag or digest). */
static int put_manifest(struct oci_conn *c, const char *ref, const char *mtype,
			const char *text, struct oci_resp *r, struct gpai_error *err)
{
	char path[512], ct[128];
	const char *hdrs[2] = { ct, NULL };
	struct oci_body b;
	int rc;

	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", c->repo, ref);
	snprintf(ct, sizeof(ct), "Content-Type: %s", mtype);
	memset(&b, 0, sizeof(b));
	b.mem = (const unsigned char *)text;
	b.len = strlen(text);
	if ((rc = oci_request(c, "PUT", path, hdrs, &b, NULL, r, err)))
		return rc;
	if (r->status != 201) {
		rc = oci_status_error(c, "PUT", path, r, err);
		return rc == GPAI_ENOTFOUND ? GPAI_EIO : rc;
	}
	return GPAI_OK;
}

/* Lists referrer manifest ref_digest (of artifact type atype) in the
 * referrers tag schema's index (tag sha256-<hex> of the subject), keeping
 * what is there. */
static int referrers_tag(struct oci_conn *c, const char *subject, const char *ref_digest,
			 uint64_t ref_size, const char *atype, struct gpai_error *err)
{
	static const char *const accept[] = { "Accept: " GPAI_OCI_INDEX_TYPE, NULL };
	char path[512], tag[80];
	struct gpai_buf body;
	struct oci_sink sink;
	struct oci_resp r;
	cJSON *idx = NULL, *ms, *m, *d;
	char *text = NULL;
	int rc;

	snprintf(tag, sizeof(tag), "sha256-%s", subject + 7);
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", c->repo, tag);
	gpai_buf_init(&body);
	memset(&sink, 0, sizeof(sink));
	sink.mem = &body;
	sink.max = OCI_DOC_MAX;
	if ((rc = oci_request(c, "GET", path, accept, NULL, &sink, &r, err)))
		goto out;
	if (r.status == 200)
		idx = cJSON_ParseWithLength(body.data ? body.data : "", body.len);
	else if (r.status != 404) {
		rc = oci_status_error(c, "GET", path, &r, err);
		goto out;
	}
	oci_resp_release(&r);
	if (!idx) {
		idx = cJSON_CreateObject();
		cJSON_AddNumberToObject(idx, "schemaVersion", 2);
		cJSON_AddStringToObject(idx, "mediaType", GPAI_OCI_INDEX_TYPE);
	}
	ms = cJSON_GetObjectItemCaseSensitive(idx, "manifests");
	if (!cJSON_IsArray(ms)) {
		cJSON_DeleteItemFromObjectCaseSensitive(idx, "manifests");
		ms = cJSON_AddArrayToObject(idx, "manifests");
	}
	cJSON_ArrayForEach(m, ms) {
		const char *dg = gpai_json_str(m, "digest");

		if (dg && strcmp(dg, ref_digest) == 0)
			goto out; /* already listed */
	}
	d = oci_descriptor(GPAI_OCI_MANIFEST_TYPE, ref_digest, ref_size);
	cJSON_AddStringToObject(d, "artifactType", atype);
	cJSON_AddItemToArray(ms, d);
	if (!(text = cJSON_PrintUnformatted(idx))) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	rc = put_manifest(c, tag, GPAI_OCI_INDEX_TYPE, text, &r, err);
out:
	oci_resp_release(&r);
	cJSON_Delete(idx);
	free(text);
	gpai_buf_release(&body);
	return rc;
}

/* Pushes data (one layer of media type atype, the artifact type too) as a
 * referrer of the model manifest subject: the layer blob, the empty
 * config, the manifest by digest (into digest[72]) with annotations ann
 * (taken over), then its listing: nothing more when the registry keeps the
 * referrers itself (an OCI-Subject header on the PUT, or a referrers API
 * answering 200), else the referrers tag schema.  res->referrers says
 * which. */
static int push_referrer(struct oci_conn *c, const char *atype, const char *what,
			 const char *data, size_t len, cJSON *ann, const char *subject,
			 uint64_t subject_size, const struct gpai_oci_options *o,
			 const struct push_log *pl, struct gpai_oci_push_result *res, char digest[72],
			 struct gpai_error *err)
{
	char bdig[72], edig[72], path[512];
	cJSON *m = cJSON_CreateObject(), *layers;
	struct oci_resp r;
	char *text = NULL;
	int rc;

	memset(&r, 0, sizeof(r));
	if (!m) {
		cJSON_Delete(ann);
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	}
	if ((rc = push_mem_blob(c, what, data, len, bdig, o, pl, res, err)))
		goto out;
	if ((rc = push_mem_blob(c, "(empty config)", EMPTY_JSON, strlen(EMPTY_JSON), edig, o,
				pl, res, err)))
		goto out;
	cJSON_AddNumberToObject(m, "schemaVersion", 2);
	cJSON_AddStringToObject(m, "mediaType", GPAI_OCI_MANIFEST_TYPE);
	cJSON_AddStringToObject(m, "artifactType", atype);
	cJSON_AddItemToObject(m, "config", oci_descriptor(GPAI_OCI_EMPTY_TYPE, EMPTY_DIGEST,
						      strlen(EMPTY_JSON)));
	layers = cJSON_AddArrayToObject(m, "layers");
	cJSON_AddItemToArray(layers, oci_descriptor(atype, bdig, len));
	cJSON_AddItemToObject(m, "subject", oci_descriptor(GPAI_OCI_MANIFEST_TYPE, subject,
						       subject_size));
	cJSON_AddItemToObject(m, "annotations", ann);
	ann = NULL;
	if (!(text = cJSON_PrintUnformatted(m))) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	oci_sha256_digest(text, strlen(text), digest);
	if ((rc = put_manifest(c, digest, GPAI_OCI_MANIFEST_TYPE, text, &r, err)))
		goto out;
	if (r.oci_subject) {
		res->referrers = "api";
		goto out;
	}
	oci_resp_release(&r);
	if (!res->referrers) {
		snprintf(path, sizeof(path), "/v2/%s/referrers/%s", c->repo, subject);
		if ((rc = oci_request(c, "GET", path, NULL, NULL, NULL, &r, err)))
			goto out;
		res->referrers = r.status == 200 ? "api" : "tag";
	}
	if (strcmp(res->referrers, "tag") == 0)
		rc = referrers_tag(c, subject, digest, strlen(text), atype, err);
out:
	oci_resp_release(&r);
	cJSON_Delete(ann);
	cJSON_Delete(m);
	free(text);
	return rc;
}

/* Pushes the newest signature bundle as a referrer of the model manifest. */
static int push_signature(struct oci_conn *c, const struct gpai_signature *sig,
			  const char *subject, uint64_t subject_size,
			  const struct gpai_oci_options *o, const struct push_log *pl,
			  struct gpai_oci_push_result *res, struct gpai_error *err)
{
	cJSON *ann = cJSON_CreateObject();

	if (!ann)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	cJSON_AddStringToObject(ann, "org.opencontainers.image.created", sig->signed_at);
	cJSON_AddStringToObject(ann, "dev.gpai.signature.method", sig->method);
	cJSON_AddStringToObject(ann, "dev.gpai.signature.signer", sig->signer);
	return push_referrer(c, SIG_ARTIFACT, "(signature)", sig->bundle, strlen(sig->bundle),
			     ann, subject, subject_size, o, pl, res, res->signature_digest, err);
}

/* Pushes o->dossier (a dossier bundle tar.gz) as a referrer. */
static int push_dossier(struct oci_conn *c, const char *subject, uint64_t subject_size,
			const struct gpai_oci_options *o, const struct push_log *pl,
			struct gpai_oci_push_result *res, struct gpai_error *err)
{
	cJSON *ann = cJSON_CreateObject();

	if (!ann)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	if (o->dossier_created)
		cJSON_AddStringToObject(ann, "org.opencontainers.image.created",
					o->dossier_created);
	cJSON_AddStringToObject(ann, "org.opencontainers.image.title", "dossier.tar.gz");
	if (o->dossier_audience && *o->dossier_audience)
		cJSON_AddStringToObject(ann, "dev.gpai.dossier.audience", o->dossier_audience);
	return push_referrer(c, GPAI_OCI_DOSSIER_TYPE, "(dossier)", o->dossier, o->dossier_len,
			     ann, subject, subject_size, o, pl, res, res->dossier_digest, err);
}

int gpai_oci_push(struct gpai_registry *reg, const char *ref, const char *uri,
		  const struct gpai_oci_options *o, struct gpai_oci_push_result *res,
		  struct gpai_error *err)
{
	struct gpai_oci_ref oref;
	struct oci_conn c;
	struct gpai_version v;
	struct gpai_file *files = NULL;
	struct gpai_fact *facts = NULL;
	struct gpai_signature *sigs = NULL;
	size_t nfiles = 0, nfacts = 0, nsigs = 0;
	char (*digests)[72] = NULL, cdig[72];
	char *config = NULL, *mtext = NULL;
	struct oci_resp r;
	struct push_log pl;
	int rc, have_v = 0, have_ref = 0, have_conn = 0;
	uint64_t total = 0, done = 0;

	memset(&pl, 0, sizeof(pl));
	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	memset(&c, 0, sizeof(c));
	if ((rc = gpai_oci_ref_parse(uri, &oref, err)))
		return rc;
	have_ref = 1;
	if (!oref.tag) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "'%s' needs a tag to push to "
				    "(oci://HOST/REPO:TAG)", uri);
		goto out;
	}
	if ((rc = gpai_registry_lookup(reg, ref, &v, err)))
		goto out;
	have_v = 1;
	if ((rc = gpai_registry_files(reg, &v, &files, &nfiles, err)) ||
	    (rc = gpai_registry_facts(reg, &v, NULL, 0, &facts, &nfacts, err)) ||
	    (rc = gpai_registry_signatures(reg, &v, &sigs, &nsigs, err)))
		goto out;
	pl.target = oref.repo;
	pl.mount_from = o->mount_from;
	if (!o->no_mount && (rc = push_log_load(reg, oref.host, &pl, err)))
		goto out;
	if ((rc = oci_conn_open(&c, &oref, o, 1, err)))
		goto out;
	have_conn = 1;
	if (!(digests = calloc(nfiles ? nfiles : 1, sizeof(*digests)))) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nfiles; i++)
		total += files[i].size;
	for (size_t i = 0; i < nfiles; i++) {
		struct gpai_oci_blob_result *br;
		int fd;

		snprintf(digests[i], sizeof(digests[i]), "sha256:%s", files[i].sha256);
		if (!(br = add_result(res, digests[i], files[i].relpath, files[i].size))) {
			rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
			goto out;
		}
		if ((fd = open(files[i].blob_path, O_RDONLY | O_CLOEXEC)) < 0) {
			rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot open blob '%s' of '%s'",
					      files[i].blob_path, files[i].relpath);
			goto out;
		}
		rc = upload_blob(&c, digests[i], NULL, fd, files[i].size, o, &pl, br, err);
		close(fd);
		if (rc) {
			gpai_error_prefix(err, "cannot push '%s'", files[i].relpath);
			goto out;
		}
		res->uploaded += br->uploaded;
		res->mounted += br->mounted;
		res->skipped += !br->uploaded && !br->mounted;
		res->bytes_uploaded += br->uploaded ? files[i].size : 0;
		done += files[i].size;
		if (o->progress)
			o->progress(o->progress_ctx, done, total);
	}
	if (!(config = oci_modelpack_config(&v, facts, nfacts, digests, nfiles))) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = push_mem_blob(&c, "(config)", config, strlen(config), cdig, o, &pl, res, err)))
		goto out;
	if (!(mtext = oci_modelpack_manifest(&v, files, nfiles, digests, cdig, strlen(config),
					     facts, nfacts))) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	oci_sha256_digest(mtext, strlen(mtext), res->manifest_digest);
	res->manifest_size = strlen(mtext);
	if ((rc = put_manifest(&c, oref.tag, GPAI_OCI_MANIFEST_TYPE, mtext, &r, err)))
		goto out;
	if (nsigs > 0 && (rc = push_signature(&c, &sigs[0], res->manifest_digest,
					      res->manifest_size, o, &pl, res, err)))
		goto out;
	if (o->dossier && (rc = push_dossier(&c, res->manifest_digest, res->manifest_size, o,
					     &pl, res, err)))
		goto out;
	push_log_append(reg, &oref, res);
out:
	oci_resp_release(&r);
	free(mtext);
	free(config);
	free(digests);
	gpai_files_free(files, nfiles);
	gpai_facts_free(facts, nfacts);
	gpai_signatures_free(sigs, nsigs);
	push_log_release(&pl);
	if (have_v)
		gpai_version_release(&v);
	if (have_conn)
		oci_conn_close(&c);
	if (have_ref)
		gpai_oci_ref_release(&oref);
	return rc;
}
