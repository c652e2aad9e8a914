/*
 * error.c - status codes and the caller-owned error context.
 *
 * Messages are lowercase, problem first, subject quoted (git style); each
 * layer may prefix what it was doing with gpai_error_prefix().
 */
#include "common.h"

#include <errno.h>
#include <string.h>

#include <openssl/err.h>

void gpai_error_init(struct gpai_error *err)
{
	err->code = GPAI_OK;
	err->msg[0] = '\0';
}

static int vset(struct gpai_error *err, int code, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int gpai_error_set(struct gpai_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int gpai_error_errno(struct gpai_error *err, int code, int errnum,
		     const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (!err)
		return code;
	va_start(ap, fmt);
	vset(err, code, fmt, ap);
	va_end(ap);
	n = strlen(err->msg);
	snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", strerror(errnum));
	return code;
}

int gpai_error_prefix(struct gpai_error *err, const char *fmt, ...)
{
	char head[GPAI_ERRMSG_MAX], old[GPAI_ERRMSG_MAX];
	va_list ap;

	if (!err)
		return GPAI_EMISUSE;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);
	gpai_strlcpy(old, gpai_errmsg(err), sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", head, old);
	return err->code;
}

int gpai_error_openssl(struct gpai_error *err, const char *fmt, ...)
{
	unsigned long e;
	va_list ap;
	size_t n;

	if (!err) {
		ERR_clear_error();
		return GPAI_ECRYPTO;
	}
	va_start(ap, fmt);
	vset(err, GPAI_ECRYPTO, fmt, ap);
	va_end(ap);
	while ((e = ERR_get_error()) != 0) {
		char buf[256];

		ERR_error_string_n(e, buf, sizeof(buf));
		n = strlen(err->msg);
		snprintf(err->msg + n, sizeof(err->msg) - n, ": %s", buf);
	}
	return GPAI_ECRYPTO;
}

const char *gpai_errmsg(const struct gpai_error *err)
{
	if (!err)
		return "no error context";
	if (err->msg[0])
		return err->msg;
	return gpai_strerror(err->code);
}

const char *gpai_strerror(int code)
{
	switch (code) {
	case GPAI_OK: return "success";
	case GPAI_EIO: return "input/output error";
	case GPAI_EFORMAT: return "malformed input";
	case GPAI_ENOMEM: return "out of memory";
	case GPAI_ECRYPTO: return "cryptographic error";
	case GPAI_EDB: return "database error";
	case GPAI_EARCHIVE: return "archive error";
	case GPAI_ENOTFOUND: return "not found";
	case GPAI_EMISUSE: return "invalid argument";
	case GPAI_EVERIFY: return "verification failed";
	case GPAI_EEXIST: return "already exists";
	case GPAI_EUNSUPPORTED: return "not supported";
	}
	return "unknown error";
}
