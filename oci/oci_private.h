/*
 * oci_private.h - what push.c and pull.c share: one connection to an OCI
 * registry (a libcurl easy handle plus the authorization it earned) and
 * the request helper that answers auth challenges.
 */
#ifndef GPAI_OCI_PRIVATE_H
#define GPAI_OCI_PRIVATE_H

#include "oci.h"

#include <time.h>

#include <openssl/evp.h>

#include <cJSON.h>

/* Largest manifest, index or config read into memory. */
#define OCI_DOC_MAX (4u << 20)

/* How the requests of a connection authenticate (libcurl sends it). */
enum oci_auth {
	OCI_AUTH_NONE,     /* anonymous */
	OCI_AUTH_BASIC,    /* user and password on every request */
	OCI_AUTH_BEARER,   /* a token from the registry's token service */
};

struct oci_conn {
	void *curl;        /* CURL * */
	char *base;        /* "https://host:port" */
	char *host;        /* host[:port] */
	char *repo;
	char *user, *password; /* credentials (options or docker config), or NULL */
	char *cred_from;   /* where they came from, for messages */
	enum oci_auth auth;
	char *token;       /* the bearer token (auth == OCI_AUTH_BEARER) */
	char *realm, *service; /* the token service of the last Bearer challenge */
	char **scopes;     /* scopes asked of it ("repository:NAME:pull,push") */
	size_t n_scopes;
	time_t token_expiry; /* when the token is to be renewed by (issued + expires_in) */
	unsigned token_fetches; /* tokens fetched on this connection */
	int push;          /* 1: ask tokens for pull,push */
};

/* A WWW-Authenticate challenge (RFC 7235: scheme, then auth-params whose
 * values are tokens or quoted strings with \-escapes).  Of a header with
 * several challenges, the first.  _release frees the strings. */
struct oci_challenge {
	char scheme[16];   /* "Basic", "Bearer", as sent */
	char *realm, *service, *scope, *error; /* NULL when absent */
};
/* 0; -1 when h has no scheme or an unterminated quoted string; -2 out of
 * memory. */
int oci_challenge_parse(const char *h, struct oci_challenge *ch);
void oci_challenge_release(struct oci_challenge *ch);

/* Adds the space-separated scopes ("repository:NAME:ACTIONS") to the list
 * (*list, *n; the strings are owned by the list): a resource already there
 * gets the new actions added.  1 when something was added, 0 when nothing
 * was new, -1 out of memory. */
int oci_scopes_add(char ***list, size_t *n, const char *scopes);

/* Request body: memory or a byte range of a file descriptor. */
struct oci_body {
	const unsigned char *mem;
	int fd;                /* used when mem is NULL */
	uint64_t off, len;
	uint64_t pos;          /* bytes handed to curl in this attempt */
	int fail;              /* test hook: abort after fail_after bytes */
	uint64_t fail_after;
};

/* Response body destination: memory (capped) or a file while hashing. */
struct oci_sink {
	struct gpai_buf *mem;  /* NULL: to fd */
	size_t max;
	int fd;
	EVP_MD_CTX *md;        /* hashed when set */
	uint64_t n;            /* bytes put */
	int overflow, ioerr;
	struct oci_sink_pipe *pipe; /* file sinks: the hashing writer thread
				     * (blob.c), which owns fd and md while it runs */
};

/* ---- modelpack.c ---- */

/* {"mediaType", "digest", "size"} (a new cJSON object, NULL when out of
 * memory). */
cJSON *oci_descriptor(const char *mtype, const char *digest, uint64_t size);
/* The ModelPack config of v as compact JSON text (malloc'd; NULL when out
 * of memory): descriptor (createdAt, name, version, vendor, licenses),
 * config (architecture, format, paramSize, precision, quantization from
 * the facts and the model metadata), modelfs (type "layers", diffIds =
 * digests[0..n), "sha256:<hex>"). */
char *oci_modelpack_config(const struct gpai_version *v, const struct gpai_fact *facts,
			   size_t nf, char (*digests)[72], size_t n);
/* The OCI image manifest of v as compact JSON text (malloc'd; NULL when
 * out of memory): artifactType GPAI_MODELPACK_ARTIFACT, the config
 * descriptor (config_digest, config_size), one layer per file with its
 * ModelPack media type, digests[i], size and org.cncf.model.filepath, and
 * the annotations of docs/oci.md (facts as dev.gpai.facts). */
char *oci_modelpack_manifest(const struct gpai_version *v, const struct gpai_file *files,
			     size_t n, char (*digests)[72], const char *config_digest,
			     uint64_t config_size, const struct gpai_fact *facts, size_t nf);

/* ---- blob.c ---- */

/* Appends n bytes to the sink (memory up to max, or the file) and hashes
 * them when md is set.  Returns 0, or -1 with overflow or ioerr set. */
int oci_sink_put(struct oci_sink *s, const void *data, size_t n);
/* Empties the sink for a repeated request (memory, or the file truncated)
 * and restarts its hash. */
int oci_sink_reset(struct oci_sink *s, struct gpai_error *err);
/* Makes s a file sink: creates path (must not exist) and starts SHA-256.
 * End it with oci_sink_file_close or oci_sink_file_discard. */
int oci_sink_file_open(struct oci_sink *s, const char *path, struct gpai_error *err);
/* Ends a file sink: keeps the file only when every byte was written and
 * the SHA-256 and byte count of what was written equal digest ("sha256:"
 * + hex) and size; otherwise removes it and returns GPAI_EIO (write) or
 * GPAI_EVERIFY naming the layer (name), the registry (host) and both
 * digests or sizes. */
int oci_sink_file_close(struct oci_sink *s, const char *path, const char *digest,
			uint64_t size, const char *name, const char *host,
			struct gpai_error *err);
/* Closes and removes a file sink's file (after a failed transfer). */
void oci_sink_file_discard(struct oci_sink *s, const char *path);

/* Response headers the clients need (owned; oci_resp_release). */
struct oci_resp {
	long status;
	char *location, *www_auth, *range, *digest, *ctype, *oci_subject;
	struct gpai_buf err_body; /* body of a non-2xx answer (capped) */
};
void oci_resp_release(struct oci_resp *r);

/* Opens a connection for ref (push: ask for push scope).  Credentials
 * come from o->username/password, else the docker config.  GPAI_EMISUSE
 * for plain http to a non-loopback host; GPAI_EFORMAT for a docker config
 * entry whose "auth" is not base64 user:password. */
int oci_conn_open(struct oci_conn *c, const struct gpai_oci_ref *ref,
		  const struct gpai_oci_options *o, int push, struct gpai_error *err);
void oci_conn_close(struct oci_conn *c);

/* One request: url is a path ("/v2/...") or an absolute URL (a Location);
 * hdrs is a NULL-terminated list of extra header lines (may be NULL).  A
 * 401 with a Basic or Bearer challenge is answered and the request
 * repeated (at most twice: a refused token is renewed once); a bearer
 * token is kept for the following requests and renewed before it expires.
 * Returns GPAI_OK when an HTTP answer came (any status, in r->status),
 * GPAI_EIO for a transport failure (message names the URL), GPAI_EIO for
 * a 401 that cannot be answered (the message names the registry and says
 * what is missing: credentials, the right password, a scope). */
int oci_request(struct oci_conn *c, const char *method, const char *url,
		const char *const *hdrs, struct oci_body *body, struct oci_sink *sink,
		struct oci_resp *r, struct gpai_error *err);

/* Sets err to "registry HOST: METHOD WHAT: status N: <registry's error>";
 * returns GPAI_EIO (GPAI_ENOTFOUND for 404). */
int oci_status_error(struct oci_conn *c, const char *method, const char *what,
		     const struct oci_resp *r, struct gpai_error *err);

/* "sha256:" + hex SHA-256 of data into out[72]. */
void oci_sha256_digest(const void *data, size_t n, char out[72]);
/* 1 when d is "sha256:" followed by 64 lowercase hex digits. */
int oci_digest_valid(const char *d);

#endif
