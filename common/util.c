/*
 * util.c - strings, numbers, UTF-8, hex and base64.
 */
#include "common.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

void gpai_buf_init(struct gpai_buf *b)
{
	b->data = NULL;
	b->len = b->cap = 0;
}

void gpai_buf_release(struct gpai_buf *b)
{
	free(b->data);
	gpai_buf_init(b);
}

static int buf_grow(struct gpai_buf *b, size_t extra)
{
	size_t need = b->len + extra + 1, cap;
	char *p;

	if (need <= b->cap)
		return GPAI_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return GPAI_ENOMEM;
	b->data = p;
	b->cap = cap;
	return GPAI_OK;
}

int gpai_buf_append(struct gpai_buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n))
		return GPAI_ENOMEM;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return GPAI_OK;
}

int gpai_buf_puts(struct gpai_buf *b, const char *s)
{
	return gpai_buf_append(b, s, strlen(s));
}

int gpai_buf_printf(struct gpai_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || buf_grow(b, (size_t)n))
		return GPAI_ENOMEM;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return GPAI_OK;
}

char *gpai_buf_detach(struct gpai_buf *b)
{
	char *p = b->data;

	if (!p)
		p = gpai_strdup("");
	gpai_buf_init(b);
	return p;
}

size_t gpai_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size) {
		size_t c = n < size - 1 ? n : size - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return n;
}

char *gpai_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = malloc((size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

char *gpai_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p)
		memcpy(p, s, n);
	return p;
}

int gpai_parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return GPAI_EFORMAT;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return GPAI_EFORMAT;
	*out = (uint64_t)v;
	return GPAI_OK;
}

int gpai_parse_i64(const char *s, int64_t *out)
{
	long long v;
	char *end;

	if (!s || !(isdigit((unsigned char)s[0]) ||
		    (s[0] == '-' && isdigit((unsigned char)s[1]))))
		return GPAI_EFORMAT;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return GPAI_EFORMAT;
	*out = (int64_t)v;
	return GPAI_OK;
}

int gpai_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	if (!s || !*s || isspace((unsigned char)s[0]))
		return GPAI_EFORMAT;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return GPAI_EFORMAT;
	*out = v;
	return GPAI_OK;
}

int gpai_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], need, cp, min;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			need = 1, cp = c & 0x1F, min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			need = 2, cp = c & 0x0F, min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			need = 3, cp = c & 0x07, min = 0x10000;
		} else {
			return 0;
		}
		if (n - i <= need)
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += need + 1;
	}
	return 1;
}

void gpai_hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int gpai_hex_decode(const char *hex, unsigned char *out, size_t n)
{
	if (strlen(hex) != 2 * n)
		return GPAI_EFORMAT;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return GPAI_EFORMAT;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return GPAI_OK;
}

char *gpai_base64_encode(const unsigned char *in, size_t n)
{
	char *out;

	if (n > INT_MAX / 2)
		return NULL;
	out = malloc(4 * ((n + 2) / 3) + 1);
	if (!out)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	return out;
}

unsigned char *gpai_base64_decode(const char *in, size_t n, size_t *outlen)
{
	unsigned char *out;
	char *norm;
	size_t m = 0, pad = 0;
	int r;

	/* Normalise: URL-safe alphabet to standard, drop whitespace, re-pad. */
	norm = malloc(n + 4);
	if (!norm)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		char c = in[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (isspace((unsigned char)c))
			continue;
		norm[m++] = c;
	}
	while (m % 4)
		norm[m++] = '=';
	if (m > INT_MAX) {
		free(norm);
		return NULL;
	}
	if (m >= 1 && norm[m - 1] == '=')
		pad++;
	if (m >= 2 && norm[m - 2] == '=')
		pad++;
	out = malloc(m / 4 * 3 + 1);
	if (!out) {
		free(norm);
		return NULL;
	}
	r = EVP_DecodeBlock(out, (unsigned char *)norm, (int)m);
	free(norm);
	if (r < 0 || (size_t)r < pad) {
		free(out);
		return NULL;
	}
	*outlen = (size_t)r - pad;
	return out;
}
