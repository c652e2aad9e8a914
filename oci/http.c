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
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>

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
/* Token lifetime assumed when the token service gives no expires_in: 60 s
 * (distribution docs/spec/auth/token.md, "expires_in"). */
#define TOKEN_DEFAULT_LIFETIME_S 60
/* An expires_in beyond a day is not believed (the default applies). */
#define TOKEN_LIFETIME_MAX_S 86400
/* A token with less than this many seconds left is renewed before a request. */
#define TOKEN_RENEW_MARGIN_S 5
/* Challenges answered for one request: the first, and one more when the
 * registry refuses the token (expired, or a scope the request added). */
#define AUTH_ROUNDS_MAX 2

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

/* Splits base64 "user:password" into c->user and c->password.  0, or -1
 * when it does not decode to that form. */
static int set_basic_auth(struct oci_conn *c, const char *b64)
{
	size_t n = 0;
	unsigned char *raw = gpai_base64_decode(b64, strlen(b64), &n);
	char *colon;
	int rc = -1;

	if (!raw)
		return -1;
	colon = memchr(raw, ':', n);
	if (colon && colon > (char *)raw && !memchr(raw, '\0', n)) {
		c->user = strndup((char *)raw, (size_t)(colon - (char *)raw));
		c->password = strndup(colon + 1, n - (size_t)(colon + 1 - (char *)raw));
		rc = c->user && c->password ? 0 : -1;
	}
	OPENSSL_cleanse(raw, n);
	free(raw);
	return rc;
}

/* Reads the credentials of c->host from the docker config: the "auths" entry
 * whose key is "host", "https://host" or "http://host" (with or without a
 * path) and its base64 "auth".  Sets c->user, c->password, c->cred_from;
 * nothing when there is no config or no entry.  The config's own read
 * error when it exists but cannot be read; GPAI_EFORMAT when it is not a
 * JSON object, its "auths" not an object, or the entry's "auth" not
 * base64 "user:password" (as the docker CLI, a damaged config is an error,
 * not silently "no credentials"). */
static int docker_auth(struct oci_conn *c, const char *path, struct gpai_error *err)
{
	char *text = NULL, *def = NULL;
	size_t len;
	cJSON *j = NULL, *auths, *e;
	struct gpai_error e2;
	int rc = GPAI_OK;

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
	if ((rc = gpai_read_file(path, DOCKER_CONFIG_MAX, &text, &len, &e2))) {
		rc = gpai_error_set(err, rc, "docker config '%s': %s", path, e2.msg);
		goto out;
	}
	if (!(j = cJSON_ParseWithLength(text, len)) || !cJSON_IsObject(j)) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "docker config '%s': not a JSON object",
				    path);
		goto out;
	}
	auths = cJSON_GetObjectItemCaseSensitive(j, "auths");
	if (auths && !cJSON_IsObject(auths)) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "docker config '%s': \"auths\" is not "
				    "an object", path);
		goto out;
	}
	cJSON_ArrayForEach(e, auths) {
		const char *k = e->string, *a;
		size_t hl = strlen(c->host);

		if (strncmp(k, "https://", 8) == 0)
			k += 8;
		else if (strncmp(k, "http://", 7) == 0)
			k += 7;
		if (strncmp(k, c->host, hl) != 0 || (k[hl] != '\0' && k[hl] != '/'))
			continue;
		if (!(a = gpai_json_str(e, "auth")) || !*a)
			continue;
		if (set_basic_auth(c, a) != 0) {
			rc = gpai_error_set(err, GPAI_EFORMAT, "docker config '%s': auths entry "
					    "'%s': \"auth\" is not base64 of user:password", path,
					    e->string);
			goto out;
		}
		c->cred_from = gpai_asprintf("the docker config '%s'", path);
		break;
	}
out:
	if (text)
		OPENSSL_cleanse(text, len);
	cJSON_Delete(j);
	free(text);
	free(def);
	return rc;
}

/* ---- connection -------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

int oci_conn_open(struct oci_conn *c, const struct gpai_oci_ref *ref,
		  const struct gpai_oci_options *o, int push, struct gpai_error *err)
{
	int rc;

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
	if (!c->curl || !c->base || !c->host || !c->repo)
		goto nomem;
	c->push = push;
	if (o->username) {
		c->user = gpai_strdup(o->username);
		c->password = gpai_strdup(o->password ? o->password : "");
		c->cred_from = gpai_strdup("the command line");
		if (!c->user || !c->password || !c->cred_from)
			goto nomem;
		return GPAI_OK;
	}
	if ((rc = docker_auth(c, o->docker_config, err))) {
		oci_conn_close(c);
		return rc;
	}
	if (c->user && !c->cred_from)
		goto nomem;
	return GPAI_OK;
nomem:
	oci_conn_close(c);
	return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
}

static void free_secret(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
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
	free(c->user);
	free_secret(c->password);
	free(c->cred_from);
	free_secret(c->token);
	free(c->realm);
	free(c->service);
	for (size_t i = 0; i < c->n_scopes; i++)
		free(c->scopes[i]);
	free(c->scopes);
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

		char **slot = (char **)((char *)x->r + want[i].off);

		if (n <= l || strncasecmp(data, want[i].name, l) != 0)
			continue;
		/* several challenges: the Bearer one is answered */
		if (slot == &x->r->www_auth && *slot && strncasecmp(*slot, "Bearer", 6) == 0)
			continue;
		set_hdr(slot, data + l, n - l);
	}
	return n;
}

/* ---- auth challenges ------------------------------------------------------ */

/* RFC 7230 tchar: the characters of a token (scheme, parameter name). */
static int is_tchar(int ch)
{
	return isalnum(ch) || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

void oci_challenge_release(struct oci_challenge *ch)
{
	if (!ch)
		return;
	free(ch->realm);
	free(ch->service);
	free(ch->scope);
	free(ch->error);
	memset(ch, 0, sizeof(*ch));
}

int oci_challenge_parse(const char *h, struct oci_challenge *ch)
{
	const char *p = h;
	size_t n;

	memset(ch, 0, sizeof(*ch));
	while (*p == ' ' || *p == '\t')
		p++;
	for (n = 0; is_tchar((unsigned char)p[n]); n++)
		;
	if (n == 0 || n >= sizeof(ch->scheme) || (p[n] && p[n] != ' ' && p[n] != '\t'))
		return -1;
	memcpy(ch->scheme, p, n);
	p += n;
	for (;;) {
		const char *key;
		size_t kl;
		char **slot = NULL, *v;
		size_t vl = 0;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			return 0;
		key = p;
		while (is_tchar((unsigned char)*p))
			p++;
		kl = (size_t)(p - key);
		while (*p == ' ' || *p == '\t')
			p++;
		if (kl == 0 || *p != '=')
			return 0; /* a token68 or the next challenge: this one ends */
		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (!(v = malloc(strlen(p) + 1)))
			goto nomem;
		if (*p == '"') { /* quoted-string with \-escapes */
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && p[1])
					p++;
				v[vl++] = *p;
			}
			if (*p != '"') {
				free(v);
				return -1;
			}
			p++;
		} else {
			while (is_tchar((unsigned char)*p) || *p == '/' || *p == ':' ||
			       *p == '=' || *p == '?' || *p == '@')
				v[vl++] = *p++;
		}
		v[vl] = '\0';
		if (kl == 5 && strncasecmp(key, "realm", 5) == 0)
			slot = &ch->realm;
		else if (kl == 7 && strncasecmp(key, "service", 7) == 0)
			slot = &ch->service;
		else if (kl == 5 && strncasecmp(key, "scope", 5) == 0)
			slot = &ch->scope;
		else if (kl == 5 && strncasecmp(key, "error", 5) == 0)
			slot = &ch->error;
		if (slot && !*slot)
			*slot = v;
		else
			free(v);
	}
nomem:
	oci_challenge_release(ch);
	return -2;
}

/* Length of a scope's resource part "type:name" (up to its last ':'). */
static size_t scope_resource_len(const char *s)
{
	const char *c = strrchr(s, ':');

	return c ? (size_t)(c - s) : strlen(s);
}

/* 1 when the comma-separated list has the action a (length al). */
static int has_action(const char *list, const char *a, size_t al)
{
	while (*list) {
		size_t l = strcspn(list, ",");

		if (l == al && strncmp(list, a, al) == 0)
			return 1;
		list += l + (list[l] == ',');
	}
	return 0;
}

/* Adds the actions of scope s ("type:name:a,b") to *slot, a scope of the
 * same resource.  1 when an action was new, 0 when none was, -1 out of
 * memory. */
static int scope_merge(char **slot, const char *s)
{
	size_t rl = scope_resource_len(*slot);
	const char *acts = s + scope_resource_len(s);
	int changed = 0;

	if (*acts == ':')
		acts++;
	while (*acts) {
		size_t al = strcspn(acts, ",");
		const char *have = (*slot)[rl] == ':' ? *slot + rl + 1 : *slot + rl;

		if (al && !has_action(have, acts, al)) {
			char *m = gpai_asprintf("%s%s%.*s", *slot, *have ? "," : "", (int)al, acts);

			if (!m)
				return -1;
			free(*slot);
			*slot = m;
			changed = 1;
		}
		acts += al + (acts[al] == ',');
	}
	return changed;
}

int oci_scopes_add(char ***list, size_t *n, const char *scopes)
{
	const char *p = scopes;
	int changed = 0;

	for (;;) {
		size_t sl, i, rl;
		char **grown, *one;

		while (*p == ' ')
			p++;
		if (!(sl = strcspn(p, " ")))
			return changed;
		if (!(one = strndup(p, sl)))
			return -1;
		p += sl;
		rl = scope_resource_len(one);
		for (i = 0; i < *n; i++)
			if (scope_resource_len((*list)[i]) == rl && strncmp((*list)[i], one, rl) == 0)
				break;
		if (i < *n) {
			int m = scope_merge(&(*list)[i], one);

			free(one);
			if (m < 0)
				return -1;
			changed |= m;
			continue;
		}
		if (!(grown = realloc(*list, (*n + 1) * sizeof(**list)))) {
			free(one);
			return -1;
		}
		*list = grown;
		(*list)[(*n)++] = one;
		changed = 1;
	}
}

/* Plain http is acceptable for a token service only on a loopback host:
 * credentials and tokens must not cross a network in clear. */
static int realm_acceptable(const char *realm)
{
	if (strncasecmp(realm, "https://", 8) == 0)
		return 1;
	if (strncasecmp(realm, "http://", 7) == 0) {
		const char *h = realm + 7;
		char host[256];
		size_t n = strcspn(h, "/?#");

		if (n >= sizeof(host))
			return 0;
		memcpy(host, h, n);
		host[n] = '\0';
		return host_is_loopback(host);
	}
	return 0;
}

/* "requires authentication ... no credentials" for c, naming how the
 * registry asked (what). */
static int no_credentials(struct oci_conn *c, const char *what, struct gpai_error *err)
{
	return gpai_error_set(err, GPAI_EIO, "registry '%s' requires authentication (%s) and no "
			      "credentials for it were found: add them to ~/.docker/config.json "
			      "('docker login %s') or give --username with --password-stdin",
			      c->host, what, c->host);
}

/* Gets a token for c->scopes from c->realm (with c's credentials as Basic
 * when there are any) and makes it the connection's authorization. */
static int fetch_token(struct oci_conn *c, struct gpai_error *err)
{
	struct gpai_buf url, body;
	struct oci_resp r;
	struct oci_sink sink;
	struct xfer x;
	cJSON *j = NULL, *exp;
	const char *tok;
	CURL *curl = NULL;
	CURLcode cc;
	int rc = GPAI_OK;
	time_t now = time(NULL);

	gpai_buf_init(&url);
	gpai_buf_init(&body);
	memset(&r, 0, sizeof(r));
	if (!realm_acceptable(c->realm)) {
		rc = gpai_error_set(err, GPAI_EIO, "registry '%s' sends clients to the token service "
				    "'%s', which is neither https nor on a loopback host: refusing "
				    "to use it", c->host, c->realm);
		goto out;
	}
	if (!(curl = curl_easy_init()))
		goto nomem;
	if (gpai_buf_append(&url, c->realm, strlen(c->realm)))
		goto nomem;
	for (size_t i = 0; i <= c->n_scopes; i++) {
		const char *k = i < c->n_scopes ? "scope=" : "service=";
		const char *v = i < c->n_scopes ? c->scopes[i] : c->service;
		char *e;
		int bad;

		if (!v)
			continue;
		if (!(e = curl_easy_escape(curl, v, 0)))
			goto nomem;
		bad = gpai_buf_append(&url, strchr(c->realm, '?') || i ? "&" : "?", 1) ||
		      gpai_buf_append(&url, k, strlen(k)) || gpai_buf_append(&url, e, strlen(e));
		curl_free(e);
		if (bad)
			goto nomem;
	}
	if (gpai_buf_append(&url, "", 1))
		goto nomem;
	memset(&sink, 0, sizeof(sink));
	sink.mem = &body;
	sink.max = ERR_BODY_MAX;
	x.curl = curl;
	x.body = NULL;
	x.sink = &sink;
	x.r = &r;
	curl_easy_setopt(curl, CURLOPT_URL, (char *)url.data);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (c->user) {
		curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(curl, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, c->password);
	}
	cc = curl_easy_perform(curl);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
	c->token_fetches++;
	if (cc != CURLE_OK) {
		rc = gpai_error_set(err, GPAI_EIO, "registry '%s': cannot get a token from '%s': %s",
				    c->host, c->realm, curl_easy_strerror(cc));
		goto out;
	}
	if ((r.status == 401 || r.status == 403) && !c->user) {
		char *what = gpai_asprintf("a Bearer token from '%s'", c->realm);

		rc = no_credentials(c, what ? what : c->realm, err);
		free(what);
		goto out;
	}
	if (r.status == 401 || r.status == 403) {
		rc = gpai_error_set(err, GPAI_EIO, "registry '%s': the token service '%s' refused "
				    "the credentials of user '%s' from %s (status %ld): check the "
				    "user name and password", c->host, c->realm, c->user,
				    c->cred_from, r.status);
		goto out;
	}
	if (r.status != 200) {
		rc = gpai_error_set(err, GPAI_EIO, "registry '%s': the token service '%s' answered "
				    "status %ld", c->host, c->realm, r.status);
		goto out;
	}
	j = cJSON_ParseWithLength(body.data ? (char *)body.data : "", body.len);
	tok = gpai_json_str(j, "token");
	if (!tok || !*tok)
		tok = gpai_json_str(j, "access_token");
	if (!tok || !*tok) {
		rc = gpai_error_set(err, GPAI_EFORMAT, "registry '%s': the token service '%s' "
				    "answered without a \"token\" or \"access_token\"", c->host,
				    c->realm);
		goto out;
	}
	free_secret(c->token);
	if (!(c->token = gpai_strdup(tok)))
		goto nomem;
	c->auth = OCI_AUTH_BEARER;
	exp = cJSON_GetObjectItemCaseSensitive(j, "expires_in");
	c->token_expiry = now + (cJSON_IsNumber(exp) && exp->valuedouble >= 1 &&
				 exp->valuedouble < TOKEN_LIFETIME_MAX_S ?
				 (time_t)exp->valuedouble : TOKEN_DEFAULT_LIFETIME_S);
	goto out;
nomem:
	rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
out:
	cJSON_Delete(j);
	if (curl)
		curl_easy_cleanup(curl);
	gpai_buf_release(&url);
	if (body.data)
		OPENSSL_cleanse(body.data, body.len);
	gpai_buf_release(&body);
	oci_resp_release(&r);
	return rc;
}

/* The message for a request the registry still answers 401 to after the
 * challenge was answered. */
static int auth_refused(struct oci_conn *c, const char *method, const char *what,
			const char *hdr, struct gpai_error *err)
{
	struct oci_challenge ch;
	int rc;

	if (!hdr || oci_challenge_parse(hdr, &ch) != 0)
		memset(&ch, 0, sizeof(ch));
	if (c->auth == OCI_AUTH_BEARER && ch.error && strcmp(ch.error, "insufficient_scope") == 0)
		rc = c->user ? gpai_error_set(err, GPAI_EIO, "registry '%s' refused %s %s: the "
					      "token for user '%s' from '%s' does not grant '%s' "
					      "(insufficient_scope): the account lacks that access",
					      c->host, method, what, c->user, c->realm,
					      ch.scope ? ch.scope : "the scope asked for")
			     : no_credentials(c, "an anonymous token does not grant it", err);
	else if (c->auth == OCI_AUTH_BEARER)
		rc = gpai_error_set(err, GPAI_EIO, "registry '%s' refused the token from '%s' "
				    "(%s %s: 401%s%s)", c->host, c->realm, method, what,
				    ch.error ? ": " : "", ch.error ? ch.error : "");
	else
		rc = gpai_error_set(err, GPAI_EIO, "registry '%s' refused the credentials of user "
				    "'%s' from %s (%s %s: 401)", c->host, c->user ? c->user : "",
				    c->cred_from ? c->cred_from : "", method, what);
	oci_challenge_release(&ch);
	return rc;
}

/* Answers the challenge of a 401 so that the request can be sent again:
 * Basic with the credentials, Bearer with a token for the scopes asked so
 * far, the challenge's and the connection's own (repository:REPO:pull, or
 * pull,push for a push: one token for the whole transfer).  GPAI_EIO with a
 * clear message when sending again cannot help. */
static int answer_challenge(struct oci_conn *c, const char *method, const char *what,
			    const char *hdr, struct gpai_error *err)
{
	struct oci_challenge ch;
	int rc = GPAI_OK, changed = 0;
	char *own = NULL;

	if (!hdr)
		return gpai_error_set(err, GPAI_EIO, "registry '%s' answered %s %s with 401 and no "
				      "WWW-Authenticate challenge", c->host, method, what);
	if ((rc = oci_challenge_parse(hdr, &ch)) != 0)
		return rc == -1 ? gpai_error_set(err, GPAI_EIO, "registry '%s': cannot read the "
						 "WWW-Authenticate challenge '%s'", c->host, hdr)
				: gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	if (strcasecmp(ch.scheme, "Basic") == 0) {
		if (!c->user)
			rc = no_credentials(c, hdr, err);
		else if (c->auth == OCI_AUTH_BASIC)
			rc = auth_refused(c, method, what, hdr, err);
		else
			c->auth = OCI_AUTH_BASIC;
		goto out;
	}
	if (strcasecmp(ch.scheme, "Bearer") != 0) {
		rc = gpai_error_set(err, GPAI_EIO, "registry '%s' requires authentication with an "
				    "unsupported challenge: %s", c->host, hdr);
		goto out;
	}
	if (!ch.realm) {
		rc = gpai_error_set(err, GPAI_EIO, "registry '%s' sent a Bearer challenge without "
				    "a realm: %s", c->host, hdr);
		goto out;
	}
	if (c->realm && strcmp(c->realm, ch.realm) != 0) {
		/* another token service: what was asked of the last one does not carry */
		for (size_t i = 0; i < c->n_scopes; i++)
			free(c->scopes[i]);
		c->n_scopes = 0;
	}
	free(c->realm);
	free(c->service);
	c->realm = gpai_strdup(ch.realm);
	c->service = ch.service ? gpai_strdup(ch.service) : NULL;
	own = gpai_asprintf("repository:%s:%s", c->repo, c->push ? "pull,push" : "pull");
	if (!c->realm || (ch.service && !c->service) || !own ||
	    (changed = oci_scopes_add(&c->scopes, &c->n_scopes, own)) < 0)
		goto nomem;
	if (ch.scope && (rc = oci_scopes_add(&c->scopes, &c->n_scopes, ch.scope)) < 0)
		goto nomem;
	changed |= rc;
	rc = GPAI_OK;
	if (c->auth == OCI_AUTH_BEARER && !changed && ch.error &&
	    strcmp(ch.error, "insufficient_scope") == 0) {
		/* the token service already left out what this request needs */
		rc = auth_refused(c, method, what, hdr, err);
		goto out;
	}
	rc = fetch_token(c, err);
	goto out;
nomem:
	rc = gpai_error_set(err, GPAI_ENOMEM, "out of memory");
out:
	free(own);
	oci_challenge_release(&ch);
	return rc;
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
	/* libcurl sends the authorization; never to another host a redirect
	 * leads to (CURLOPT_UNRESTRICTED_AUTH stays off) */
	if (c->auth == OCI_AUTH_BEARER) {
		curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		curl_easy_setopt(curl, CURLOPT_XOAUTH2_BEARER, c->token);
	} else if (c->auth == OCI_AUTH_BASIC) {
		curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(curl, CURLOPT_USERNAME, c->user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, c->password);
	}
	if (strcmp(method, "GET") == 0) {
		/* blob GETs may redirect to storage */
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
	const char *what = url;
	int rc;

	memset(r, 0, sizeof(*r));
	if (url[0] == '/') {
		full = gpai_asprintf("%s%s", c->base, url);
		if (!full)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		url = full;
	} else if (strncmp(url, c->base, strlen(c->base)) == 0 && url[strlen(c->base)] == '/') {
		what = url + strlen(c->base);
	}
	for (int round = 0;; round++) {
		/* a token about to expire is renewed before it is refused (not
		 * one the challenge of the last round just brought) */
		if (round == 0 && c->auth == OCI_AUTH_BEARER &&
		    time(NULL) + TOKEN_RENEW_MARGIN_S >= c->token_expiry && (rc = fetch_token(c, err)))
			break;
		if ((rc = perform(c, method, url, hdrs, body, sink, r, err)) || r->status != 401)
			break;
		if (round == AUTH_ROUNDS_MAX) {
			rc = auth_refused(c, method, what, r->www_auth, err);
			break;
		}
		if ((rc = answer_challenge(c, method, what, r->www_auth, err)) ||
		    (sink && (rc = oci_sink_reset(sink, err))))
			break;
		oci_resp_release(r);
	}
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
