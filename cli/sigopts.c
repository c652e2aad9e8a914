/*
 * sigopts.c - parsing of the hashing options shared by hash, sign and
 * verify.
 */
#include "cli.h"
#include "registry.h"
#include "sigopts.h"

#include <sys/stat.h>

#include <stdlib.h>
#include <string.h>

void sigopts_init(struct sigopts *o)
{
	memset(o, 0, sizeof(*o));
	o->h.method = GPAI_OMS_FILES;
	o->h.hash = GPAI_OMS_SHA256;
}

void sigopts_release(struct sigopts *o)
{
	free(o->ignore);
	o->ignore = NULL;
	o->n_ignore = 0;
}

int sigopts_parse(struct sigopts *o, const char *cmd, int argc, char **argv, int *i)
{
	const char *a = argv[*i];
	struct gpai_error err;
	uint64_t v;

	gpai_error_init(&err);
	if (strcmp(a, "--allow-symlinks") == 0) {
		o->h.allow_symlinks = 1;
		o->set_symlinks = 1;
	} else if (strcmp(a, "--spec-names") == 0) {
		o->h.spec_names = 1;
	} else if (strcmp(a, "--no-default-ignores") == 0) {
		o->h.no_default_ignores = 1;
	} else if (strcmp(a, "--ignore-paths") == 0) {
		int n = 0;

		while (*i + 1 + n < argc && strncmp(argv[*i + 1 + n], "--", 2) != 0)
			n++;
		if (n == 0)
			return cli_usage(cmd, "--ignore-paths needs at least one path");
		const char **p = realloc(o->ignore, (o->n_ignore + (size_t)n) * sizeof(*p));
		if (!p)
			return cli_failf("out of memory");
		o->ignore = p;
		for (int k = 0; k < n; k++)
			o->ignore[o->n_ignore++] = argv[*i + 1 + k];
		o->h.ignore = o->ignore;
		o->h.n_ignore = o->n_ignore;
		*i += n;
	} else if (strcmp(a, "--method") == 0 || strcmp(a, "--shard-size") == 0 ||
		   strcmp(a, "--hash") == 0 || strcmp(a, "--threads") == 0) {
		const char *val;

		if (*i + 1 >= argc)
			return cli_usage(cmd, "%s needs a value", a);
		val = argv[++*i];
		if (strcmp(a, "--method") == 0) {
			if (strcmp(val, "files") == 0)
				o->h.method = GPAI_OMS_FILES;
			else if (strcmp(val, "shards") == 0)
				o->h.method = GPAI_OMS_SHARDS;
			else
				return cli_usage(cmd, "unknown method '%s' (files or shards)", val);
			o->set_method = 1;
		} else if (strcmp(a, "--hash") == 0) {
			enum gpai_oms_hash h;

			if (gpai_oms_hash_parse(val, &h, &err))
				return cli_usage(cmd, "%s", gpai_errmsg(&err));
			o->h.hash = h;
			o->set_hash = 1;
		} else if (strcmp(a, "--shard-size") == 0) {
			if (gpai_parse_u64(val, &v) || v == 0)
				return cli_usage(cmd, "--shard-size '%s' is not a positive integer", val);
			o->h.shard_size = v;
			o->set_shard = 1;
		} else {
			if (gpai_parse_u64(val, &v) || v == 0 || v > 1024)
				return cli_usage(cmd, "--threads '%s' is not a number from 1 to 1024", val);
			o->h.threads = (unsigned)v;
		}
	} else {
		return 0;
	}
	++*i;
	return 1;
}

int sigopts_is_ref(const char *arg)
{
	struct stat st;

	/* Registry names are words: anything with a '/' is a path. */
	return strchr(arg, '/') == NULL && lstat(arg, &st) != 0;
}

int sigopts_open_registry(const struct cli *cli, const char *arg,
			  struct gpai_registry **reg)
{
	struct gpai_error err;

	gpai_error_init(&err);
	if (gpai_registry_open(cli->registry, reg, &err)) {
		if (sigopts_is_ref(arg))
			return cli_failf("'%s' is not a file or directory, nor a registry "
					 "version: %s", arg, gpai_errmsg(&err));
		return cli_fail(&err, "cannot open registry");
	}
	return CLI_OK;
}

int sigopts_load_files(struct gpai_registry *reg, const struct gpai_version *v,
		       struct sigopts_files *out, struct gpai_error *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	rc = gpai_registry_files(reg, v, &out->files, &out->n, err);
	if (rc)
		return rc;
	out->list = calloc(out->n ? out->n : 1, sizeof(*out->list));
	if (!out->list) {
		sigopts_files_free(out);
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < out->n; i++) {
		out->list[i].name = out->files[i].relpath;
		out->list[i].path = out->files[i].blob_path;
		out->list[i].size = out->files[i].size;
	}
	return GPAI_OK;
}

void sigopts_files_free(struct sigopts_files *f)
{
	gpai_files_free(f->files, f->n);
	free(f->list);
	memset(f, 0, sizeof(*f));
}

int sigopts_load_trusted(struct gpai_registry *reg, struct sigopts_trusted *t,
			 struct gpai_error *err)
{
	int rc;

	memset(t, 0, sizeof(*t));
	rc = gpai_registry_keys(reg, &t->keys, &t->n, err);
	if (rc)
		return rc;
	t->key_pems = calloc(t->n + 1, sizeof(char *));
	t->ca_pems = calloc(t->n + 1, sizeof(char *));
	if (!t->key_pems || !t->ca_pems) {
		sigopts_trusted_free(t);
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < t->n; i++) {
		if (!t->keys[i].trusted)
			continue;
		if (t->keys[i].is_ca)
			t->ca_pems[t->n_ca++] = t->keys[i].pem;
		else
			t->key_pems[t->n_key++] = t->keys[i].pem;
	}
	if (t->n_key + t->n_ca == 0) {
		sigopts_trusted_free(t);
		return gpai_error_set(err, GPAI_ENOTFOUND,
				      "no trusted key in the registry (see 'gpai key import "
				      "--trust' and 'gpai key trust')");
	}
	return GPAI_OK;
}

void sigopts_trusted_free(struct sigopts_trusted *t)
{
	gpai_trusted_keys_free(t->keys, t->n);
	free(t->key_pems);
	free(t->ca_pems);
	memset(t, 0, sizeof(*t));
}
