/*
 * strtab.c - small open-addressing hash tables for the tokenizers: byte
 * string -> id (vocabulary lookup) and id pair -> rank (GPT-2 merges).
 *
 * Invariants: capacity is a power of two at least twice the number of
 * entries, so every probe sequence ends at an empty slot.
 */
#include "engine_private.h"

#include <stdlib.h>
#include <string.h>

static uint32_t cap_for(uint32_t n)
{
	uint32_t cap = 16;

	while (cap < 2 * n + 1)
		cap *= 2;
	return cap;
}

/* FNV-1a, 32 bit (offset basis and prime from the FNV specification). */
#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

static uint32_t hash_bytes(const char *s, uint32_t n)
{
	uint32_t h = FNV_OFFSET;

	for (uint32_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= FNV_PRIME;
	}
	return h;
}

int strtab_init(struct strtab *t, uint32_t n_max)
{
	memset(t, 0, sizeof(*t));
	t->cap = cap_for(n_max);
	t->slot = malloc(sizeof(*t->slot) * t->cap);
	t->key = calloc(n_max + 1, sizeof(*t->key));
	t->keylen = calloc(n_max + 1, sizeof(*t->keylen));
	t->val = calloc(n_max + 1, sizeof(*t->val));
	if (!t->slot || !t->key || !t->keylen || !t->val) {
		strtab_release(t);
		return GPAI_ENOMEM;
	}
	memset(t->slot, 0xff, sizeof(*t->slot) * t->cap);
	return GPAI_OK;
}

void strtab_release(struct strtab *t)
{
	free(t->slot);
	free(t->key);
	free(t->keylen);
	free(t->val);
	memset(t, 0, sizeof(*t));
}

static uint32_t find(const struct strtab *t, const char *key, uint32_t len)
{
	uint32_t mask = t->cap - 1, i = hash_bytes(key, len) & mask;

	for (;;) {
		int32_t e = t->slot[i];

		if (e < 0)
			return i;
		if (t->keylen[e] == len && memcmp(t->key[e], key, len) == 0)
			return i;
		i = (i + 1) & mask;
	}
}

void strtab_put(struct strtab *t, const char *key, uint32_t len, int32_t val)
{
	uint32_t i = find(t, key, len);

	if (t->slot[i] >= 0)
		return;
	t->key[t->n] = key;
	t->keylen[t->n] = len;
	t->val[t->n] = val;
	t->slot[i] = (int32_t)t->n++;
}

int32_t strtab_get(const struct strtab *t, const char *key, uint32_t len)
{
	int32_t e;

	if (!t->cap)
		return -1;
	e = t->slot[find(t, key, len)];
	return e < 0 ? -1 : t->val[e];
}

static uint32_t hash_u64(uint64_t k)
{
	/* splitmix64 finaliser constants (Steele, Lea, Flood 2014). */
	k ^= k >> 30;
	k *= 0xbf58476d1ce4e5b9ULL;
	k ^= k >> 27;
	k *= 0x94d049bb133111ebULL;
	k ^= k >> 31;
	return (uint32_t)k;
}

int pairtab_init(struct pairtab *t, uint32_t n_max)
{
	t->cap = cap_for(n_max);
	t->key = malloc(sizeof(*t->key) * t->cap);
	t->val = malloc(sizeof(*t->val) * t->cap);
	if (!t->key || !t->val) {
		pairtab_release(t);
		return GPAI_ENOMEM;
	}
	memset(t->val, 0xff, sizeof(*t->val) * t->cap);
	return GPAI_OK;
}

void pairtab_release(struct pairtab *t)
{
	free(t->key);
	free(t->val);
	memset(t, 0, sizeof(*t));
}

void pairtab_put(struct pairtab *t, uint64_t key, int32_t val)
{
	uint32_t mask = t->cap - 1, i = hash_u64(key) & mask;

	while (t->val[i] >= 0) {
		if (t->key[i] == key)
			return;
		i = (i + 1) & mask;
	}
	t->key[i] = key;
	t->val[i] = val;
}

int32_t pairtab_get(const struct pairtab *t, uint64_t key)
{
	uint32_t mask, i;

	if (!t->cap)
		return -1;
	mask = t->cap - 1;
	i = hash_u64(key) & mask;
	while (t->val[i] >= 0) {
		if (t->key[i] == key)
			return t->val[i];
		i = (i + 1) & mask;
	}
	return -1;
}
