/*
 * http.c - oci:// references, credentials and the HTTP requests of the OCI
 * distribution API through libcurl: one easy handle per connection, auth
 * challenges (Basic, Bearer token) answered once per request and the
 * earned Authorization header reused for the following ones.
 *
 * Invariants: plain http only for loopback hosts; a request body is a
 * memory buffer or a file range and can be sent again after a challenge;
 * a response body goes to memory (capped at the sink's max) or to a file
 * descriptor while hashed, and only for 2xx answers.
 */
#include "oci_private.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cJSON.h>
#include <curl/curl.h>

/* Largest error body or token answer kept. */
#define ERR_BODY_MAX (64u << 10)
/* Largest docker config.json read. */
#define DOCKER_CONFIG_MAX (1u << 20)
/* libcurl's receive and send buffers for blob transfers (defaults 16 KiB
 * and 64 KiB): larger ones mean fewer system calls and callbacks per GB
 * (bench/oci.sh; the send buffer's maximum is 2 MiB). */
#define RECV_BUFFER (512L << 10)
#define SEND_BUFFER (2L << 20)
/* Connect timeout in seconds; transfers have none (multi-GB blobs). */
#define CONNECT_TIMEOUT_S 30L

/* ---- references -------------------------------------------------------- */

void gpai_oci_ref_release(struct gpai_oci_ref *r)
{
	if (!r)
		return;
	free(r->host);
	free(r->repo);
	free(r->tag);
	free(r->digest);
	memset(r, 0, sizeof(*r));
}

int oci_digest_valid(const char *d)
{
	if (strncmp(d, "sha256:", 7) != 0 || strlen(d) != 7 + 64)
		return 0;
	for (const char *p = d + 7; *p; p++)
		if (!isdigit((unsigned char)*p) && !(*p >= 'a' && *p <= 'f'))
			return 0;
	return 1;
}

static int host_is_loopback(const char *host)
{
	char h[256];
	size_t n;

	if (host[0] == '[') { /* [::1]:5000 */
		const char *e = strchr(host, ']');

		return e && (size_t)(e - host - 1) == 3 && strncmp(host + 1, "::1", 3) == 0;
	}
	n = strcspn(host, ":");
	if (n >= sizeof(h))
		return 0;
	memcpy(h, host, n);
	h[n] = '\0';
	if (strcasecmp(h, "localhost") == 0)
		return 1;
	if (strncmp(h, "127.", 4) == 0) {
		unsigned a, b, c;
		char extra;

		return sscanf(h + 4, "%u.%u.%u%c", &a, &b, &c, &extra) == 3 && a < 256 &&
		       b < 256 && c < 256;
	}
	return 0;
}

static int name_alnum(char c)
{
	return islower((unsigned char)c) || isdigit((unsigned char)c);
}

/* Repository names (OCI distribution spec, "name"):
 * [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)* --
 * components of lowercase letters and digits joined by one separator (".",
 * "_", "__" or a run of "-"), the components joined by "/". */
static int repo_valid(const char *r)
{
	const char *p = r;

	for (;;) {
		if (!name_alnum(*p))
			return 0;
		while (name_alnum(*p))
			p++;
		while (*p == '.' || *p == '_' || *p == '-') {
			if (*p == '.')
				p++;
			else if (*p == '_')
				p += p[1] == '_' ? 2 : 1;
			else
				while (*p == '-')
					p++;
			if (!name_alnum(*p))
				return 0;
			while (name_alnum(*p))
				p++;
		}
		if (*p == '\0')
			return 1;
		if (*p != '/')
			return 0;
		p++;
	}
}

static int tag_valid(const char *t)
{
	size_t n = strlen(t);

	if (n == 0 || n > 128 || !(isalnum((unsigned char)t[0]) || t[0] == '_'))
		return 0;
	for (const char *p = t; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return 0;
	return 1;
}

int gpai_oci_ref_parse(const char *uri, struct gpai_oci_ref *r, struct gpai_error *err)
{
	const char *p, *slash, *at, *colon;
	char *rest = NULL;

	memset(r, 0, sizeof(*r));
	if (strncmp(uri, "oci://", 6) != 0)
		return gpai_error_set(err, GPAI_EFORMAT,
				      "'%s' is not an OCI reference (oci://HOST[:PORT]/REPO:TAG)",
				      uri);
	p = uri + 6;
	slash = strchr(p, '/');
	if (!slash || slash == p)
		return gpai_error_set(err, GPAI_EFORMAT, "'%s' names no host and repository "
				      "(oci://HOST[:PORT]/REPO:TAG)", uri);
	r->host = strndup(p, (size_t)(slash - p));
	rest = gpai_strdup(slash + 1);
	if (!r->host || !rest)
		goto nomem;
	if ((at = strchr(rest, '@'))) {
		r->digest = gpai_strdup(at + 1);
		rest[at - rest] = '\0';
		if (!r->digest)
			goto nomem;
		if (!oci_digest_valid(r->digest)) {
			gpai_error_set(err, GPAI_EFORMAT, "'%s': digest '%s' is not sha256:<64 "
				       "lowercase hex digits>", uri, r->digest);
			goto fail;
		}
	} else if ((colon = strrchr(rest, ':'))) {
		r->tag = gpai_strdup(colon + 1);
		rest[colon - rest] = '\0';
		if (!r->tag)
			goto nomem;
		if (!tag_valid(r->tag)) {
			gpai_error_set(err, GPAI_EFORMAT, "'%s': tag '%s' is not valid "
				       "([A-Za-z0-9_][A-Za-z0-9._-]{0,127})", uri, r->tag);
			goto fail;
		}
	}
	if (!repo_valid(rest)) {
		gpai_error_set(err, GPAI_EFORMAT, "'%s': repository '%s' is not valid (runs of "
			       "lowercase letters and digits joined by one '.', '_', '__', "
			       "'-'... or '/')", uri, rest);
		goto fail;
	}
	r->repo = rest;
	r->loopback = host_is_loopback(r->host);
	return GPAI_OK;
nomem:
	gpai_error_set(err, GPAI_ENOMEM, "out of memory");
fail:
	free(rest);
	gpai_oci_ref_release(r);
	return err ? err->code : GPAI_EFORMAT;
}

/* ---- credentials --------------------------------------------------------- */

/* The base64 "auth" of host in the docker config (keys "host",
 * "https://host", "http://host", with or without a path), or NULL. */
static char *docker_auth(const char *path, const char *host)
{
	char *text = NULL, *def = NULL, *out = NULL;
	size_t len;
	cJSON *j = NULL, *auths, *e;
	struct gpai_error e2;

	gpai_error_init(&e2);
	if (!path) {
		const char *dc = getenv("DOCKER_CONFIG"), *home = getenv("HOME");

		if (dc && *dc)
			def = gpai_path_join(dc, "config.json");
		else if (home && *home)
			def = gpai_asprintf("%s/.docker/config.json", home);
		path = def;
	}
	if (!path || !gpai_path_exists(path))
		goto out;
	if (gpai_read_file(path, DOCKER_CONFIG_MAX, &text, &len, &e2) ||
	    !(j = cJSON_ParseWithLength(text, len)))
		goto out;
	auths = cJSON_GetObjectItemCaseSensitive(j, "auths");
	cJSON_ArrayForEach(e, auths) {
		const char *k = e->string, *a;
		size_t hl = strlen(host);

		if (strncmp(k, "https://", 8) == 0)
			k += 8;
		else if (strncmp(k, "http://", 7) == 0)
			k += 7;
		if (strncmp(k, host, hl) != 0 || (k[hl] != '\0' && k[hl] != '/'))
			continue;
		if ((a = gpai_json_str(e, "auth")) && *a) {
			out = gpai_strdup(a);
			break;
		}
	}
out:
	cJSON_Delete(j);
	free(text);
	free(def);
	return out;
}

/* ---- connection -------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

int oci_conn_open(struct oci_conn *c, const struct gpai_oci_ref *ref,
		  const struct gpai_oci_options *o, int push, struct gpai_error *err)
{
	memset(c, 0, sizeof(*c));
	if (o->insecure_http && !ref->loopback)
		return gpai_error_set(err, GPAI_EMISUSE,
				      "--insecure-http is only allowed for loopback registries "
				      "(127.0.0.0/8, localhost, ::1), not '%s'", ref->host);
	pthread_once(&curl_once, curl_init_once);
	c->curl = curl_easy_init();
	c->base = gpai_asprintf("%s://%s", o->insecure_http ? "http" : "https", ref->host);
	c->host = gpai_strdup(ref->host);
	c->repo = gpai_strdup(ref->repo);
	if (!c->curl || !c->base || !c->host || !c->repo) {
		oci_conn_close(c);
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	}
	c->basic = docker_auth(o->docker_config, ref->host);
	c->push = push;
	return GPAI_OK;
}

void oci_conn_close(struct oci_conn *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	free(c->base);
	free(c->host);
	free(c->repo);
	free(c->basic);
	free(c->authz);
	memset(c, 0, sizeof(*c));
}

void oci_resp_release(struct oci_resp *r)
{
	free(r->location);
	free(r->www_auth);
	free(r->range);
	free(r->digest);
	free(r->ctype);
	free(r->oci_subject);
	gpai_buf_release(&r->err_body);
	memset(r, 0, sizeof(*r));
}

/* ---- callbacks ------------------------------------------------------- */

struct xfer {
	CURL *curl;
	struct oci_body *body;
	struct oci_sink *sink;
	struct oci_resp *r;
};

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ctx)
{
	struct xfer *x = ctx;
	struct oci_body *b = x->body;
	size_t want = size * nitems;
	uint64_t left = b->len - b->pos;

	if (b->fail && b->pos >= b->fail_after)
		return CURL_READFUNC_ABORT;
	if (want > left)
		want = (size_t)left;
	if (b->fail && b->pos + want > b->fail_after)
		want = (size_t)(b->fail_after - b->pos);
	if (want == 0)
		return 0;
	if (b->mem) {
		memcpy(buf, b->mem + b->off + b->pos, want);
	} else {
		ssize_t got = pread(b->fd, buf, want, (off_t)(b->off + b->pos));

		if (got <= 0)
			return CURL_READFUNC_ABORT;
		want = (size_t)got;
	}
	b->pos += want;
	return want;
}

static size_t write_cb(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct xfer *x = ctx;
	size_t n = size * nmemb;
	long status = 0;

	curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status >= 300 || !x->sink) {
		if (x->r->err_body.len + n <= ERR_BODY_MAX)
			gpai_buf_append(&x->r->err_body, data, n);
		return n;
	}
	return oci_sink_put(x->sink, data, n) == 0 ? n : 0;
}

static void set_hdr(char **slot, const char *v, size_t n)
{
	while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
		n--;
	while (n && *v == ' ') {
		v++;
		n--;
	}
	free(*slot);
	*slot = strndup(v, n);
}

static size_t header_cb(char *data, size_t size, size_t nitems, void *ctx)
{
	struct xfer *x = ctx;
	size_t n = size * nitems;
	static const struct { const char *name; size_t off; } want[] = {
		{ "location:", offsetof(struct oci_resp, location) },
		{ "www-authenticate:", offsetof(struct oci_resp, www_auth) },
		{ "range:", offsetof(struct oci_resp, range) },
		{ "docker-content-digest:", offsetof(struct oci_resp, digest) },
		{ "content-type:", offsetof(struct oci_resp, ctype) },
		{ "oci-subject:", offsetof(struct oci_resp, oci_subject) },
	};

	if (n > 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* a new response (redirect, 100-continue): forget the last one's */
		free(x->r->www_auth);
		x->r->www_auth = NULL;
	}
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		size_t l = strlen(want[i].name);

		if (n > l && strncasecmp(data, want[i].name, l) == 0)
			set_hdr((char **)((char *)x->r + want[i].off), data + l, n - l);
	}
	return n;
}

/* ---- auth challenges ------------------------------------------------------ */

/* Value of parameter key in a challenge ("Bearer realm="...",service=..."),
 * malloc'd, or NULL. */
static char *challenge_param(const char *ch, const char *key)
{
	size_t kl = strlen(key);
	const char *p = ch;

	for (; *p; p++) {
		if (strncasecmp(p, key, kl) != 0)
			continue;
		if ((p == ch || p[-1] == ' ' || p[-1] == ',') && p[kl] == '=') {
			const char *v = p + kl + 1, *e;

			if (*v == '"') {
				v++;
				e = strchr(v, '"');
			} else {
				e = v + strcspn(v, ",");
			}
			return e ? strndup(v, (size_t)(e - v)) : NULL;
		}
	}
	return NULL;
}

static char *url_escape(CURL *curl, const char *s)
{
	char *e = curl_easy_escape(curl, s, 0), *out;

	if (!e)
		return NULL;
	out = gpai_strdup(e);
	curl_free(e);
	return out;
}

/* Gets a token from the realm of a Bearer challenge (with the docker
 * config's credentials when there are any) and sets c->authz. */
static int bearer_token(struct oci_conn *c, const char *ch, struct gpai_error *err)
{
	char *realm = challenge_param(ch, "realm"), *service = challenge_param(ch, "service");
	char *scope = challenge_param(ch, "scope"), *url = NULL, *es = NULL, *esc = NULL;
	char *authline = NULL, *defscope = NULL;
	struct curl_slist *h = NULL;
	struct gpai_buf body;
	struct oci_resp r;
	struct oci_sink sink;
	struct xfer x;
	cJSON *j = NULL;
	const char *tok;
	CURL *curl = NULL;
	CURLcode cc;
	int rc;

	gpai_buf_init(&body);
	memset(&r, 0, sizeof(r));
	if (!realm) {
		rc = gpai_error_set(err, GPAI_EIO, "registry '%s' sent a Bearer challenge "
				    "without a realm: %s", c->host, ch);
		goto out;
	}
	if (!scope) {
		defscope = gpai_asprintf("repository:%s:%s", c->repo, c->push ? "pull,push" : "pull");
		scope = defscope;
		defscope = NULL;
	}
	curl = curl_easy_init();
	if (!curl || !scope) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	es = service ? url_escape(curl, service) : NULL;
	esc = url_escape(curl, scope);
	url = gpai_asprintf("%s%cscope=%s%s%s", realm, strchr(realm, '?') ? '&' : '?',
			    esc ? esc : "", es ? "&service=" : "", es ? es : "");
	if (!url) {
		rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		goto out;
	}
	if (c->basic) {
		authline = gpai_asprintf("Authorization: Basic %s", c->basic);
		h = curl_slist_append(h, authline);
	}
	memset(&sink, 0, sizeof(sink));
	sink.mem = &body;
	sink.max = ERR_BODY_MAX;
	x.curl = curl;
	x.body = NULL;
	x.sink = &sink;
	x.r = &r;
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
	if (cc != CURLE_OK) {
		rc = gpai_error_set(err, GPAI_EIO, "cannot get a token from '%s': %s", realm,
				    curl_easy_strerror(cc));
		goto out;
	}
	if (r.status != 200) {
		rc = gpai_error_set(err, GPAI_EIO, "token service '%s' answered %ld%s", realm,
				    r.status, c->basic ? " (check the credentials in the docker config)"
				    : " (no credentials: add them to ~/.docker/config.json)");
		goto out;
	}
	j = cJSON_ParseWithLength(body.data ? body.data : "", body.len);
	tok = gpai_json_str(j, "token");
	if (!tok || !*tok)
		tok = gpai_json_str(j, "access_token");
	if (!tok || !*tok) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "token service '%s' answered without a "
				    "token", realm);
		goto out;
	}
	free(c->authz);
	c->authz = gpai_asprintf("Authorization: Bearer %s", tok);
	rc = c->authz ? GPAI_OK : gpai_error_set(err, GPAI_ENOMEM, "out of memory");
out:
	cJSON_Delete(j);
	curl_slist_free_all(h);
	if (curl)
		curl_easy_cleanup(curl);
	free(realm);
	free(service);
	free(scope);
	free(url);
	free(es);
	free(esc);
	free(authline);
	gpai_buf_release(&body);
	oci_resp_release(&r);
	return rc;
}

/* Answers the challenge of a 401: sets c->authz.  GPAI_EIO with a clear
 * message when there is nothing to answer with. */
static int answer_challenge(struct oci_conn *c, const char *ch, struct gpai_error *err)
{
	if (ch && strncasecmp(ch, "Bearer", 6) == 0)
		return bearer_token(c, ch, err);
	if (ch && strncasecmp(ch, "Basic", 5) == 0) {
		if (!c->basic)
			return gpai_error_set(err, GPAI_EIO,
					      "registry '%s' requires authentication (%s) and no "
					      "credentials for it were found: add them to "
					      "~/.docker/config.json ('docker login %s')",
					      c->host, ch, c->host);
		free(c->authz);
		c->authz = gpai_asprintf("Authorization: Basic %s", c->basic);
		return c->authz ? GPAI_OK : gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	}
	return gpai_error_set(err, GPAI_EIO, "registry '%s' requires authentication with an "
			      "unsupported challenge: %s", c->host, ch ? ch : "(none)");
}

/* ---- requests ------------------------------------------------------------- */

static int perform(struct oci_conn *c, const char *method, const char *url,
		   const char *const *hdrs, struct oci_body *body, struct oci_sink *sink,
		   struct oci_resp *r, struct gpai_error *err)
{
	CURL *curl = c->curl;
	struct curl_slist *h = NULL;
	struct xfer x = { curl, body, sink, r };
	CURLcode cc;
	int rc = GPAI_OK;

	curl_easy_reset(curl);
	for (size_t i = 0; hdrs && hdrs[i]; i++)
		h = curl_slist_append(h, hdrs[i]);
	if (c->authz)
		h = curl_slist_append(h, c->authz);
	if (body)
		h = curl_slist_append(h, "Expect:");
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_BUFFERSIZE, RECV_BUFFER);
	curl_easy_setopt(curl, CURLOPT_UPLOAD_BUFFERSIZE, SEND_BUFFER);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(curl, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &x);
	if (strcmp(method, "GET") == 0) {
		/* blob GETs may redirect to storage; auth is not sent on */
		curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
	} else if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
		if (body) {
			body->pos = 0;
			curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
			curl_easy_setopt(curl, CURLOPT_READDATA, &x);
			curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)body->len);
		} else if (strcmp(method, "POST") == 0) {
			curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, 0L);
			curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
		} else {
			curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)0);
			curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
			curl_easy_setopt(curl, CURLOPT_READDATA, &x);
		}
	}
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
	if (cc != CURLE_OK) {
		if (sink && sink->overflow)
			rc = gpai_error_set(err, GPAI_EFORMAT, "%s %s: answer larger than %zu bytes",
					    method, url, sink->max);
		else if (sink && sink->ioerr)
			rc = gpai_error_errno(err, GPAI_EIO, sink->ioerr, "%s %s: cannot write the "
					      "answer", method, url);
		else
			rc = gpai_error_set(err, GPAI_EIO, "%s %s: %s", method, url,
					    curl_easy_strerror(cc));
	}
	curl_slist_free_all(h);
	return rc;
}

int oci_request(struct oci_conn *c, const char *method, const char *url,
		const char *const *hdrs, struct oci_body *body, struct oci_sink *sink,
		struct oci_resp *r, struct gpai_error *err)
{
	char *full = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	if (url[0] == '/') {
		full = gpai_asprintf("%s%s", c->base, url);
		if (!full)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		url = full;
	}
	rc = perform(c, method, url, hdrs, body, sink, r, err);
	if (rc == GPAI_OK && r->status == 401) {
		char *ch = r->www_auth ? gpai_strdup(r->www_auth) : NULL;
		int had = c->authz != NULL;

		if (had && ch && strncasecmp(ch, "Basic", 5) == 0) {
			rc = gpai_error_set(err, GPAI_EIO, "registry '%s' refused the credentials "
					    "of the docker config (%s %s: 401)", c->host, method, url);
			free(ch);
			goto out;
		}
		rc = answer_challenge(c, ch, err);
		free(ch);
		if (rc)
			goto out;
		if (sink && (rc = oci_sink_reset(sink, err)))
			goto out;
		oci_resp_release(r);
		rc = perform(c, method, url, hdrs, body, sink, r, err);
		if (rc == GPAI_OK && r->status == 401)
			rc = gpai_error_set(err, GPAI_EIO, "registry '%s' refused the credentials "
					    "(%s %s: 401)", c->host, method, url);
	}
out:
	free(full);
	return rc;
}

int oci_status_error(struct oci_conn *c, const char *method, const char *what,
		     const struct oci_resp *r, struct gpai_error *err)
{
	cJSON *j = NULL, *e0;
	const char *code = NULL, *msg = NULL;

	if (r->err_body.len)
		j = cJSON_ParseWithLength(r->err_body.data, r->err_body.len);
	e0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "errors"), 0);
	code = gpai_json_str(e0, "code");
	msg = gpai_json_str(e0, "message");
	gpai_error_set(err, r->status == 404 ? GPAI_ENOTFOUND : GPAI_EIO,
		       "registry '%s': %s %s: status %ld%s%s%s%s", c->host, method, what,
		       r->status, code ? ": " : "", code ? code : "", msg ? ": " : "",
		       msg ? msg : "");
	cJSON_Delete(j);
	return err ? err->code : GPAI_EIO;
}

void oci_sha256_digest(const void *data, size_t n, char out[72])
{
	unsigned char md[32];
	unsigned int len = 0;

	memcpy(out, "sha256:", 7);
	EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
	gpai_hex_encode(md, sizeof(md), out + 7);
}
