/*
 * sigopts.h - the hashing options that `gpai hash`, `gpai sign` and
 * `gpai verify` share (cli-private).
 */
#ifndef GPAI_CLI_SIGOPTS_H
#define GPAI_CLI_SIGOPTS_H

#include "signing.h"

/* Parsed hashing options plus what was explicitly given (verify uses the
 * recorded serialization unless the user overrides it). */
struct sigopts {
	struct gpai_hash_options h;
	const char **ignore;   /* owned array of borrowed argv strings */
	size_t n_ignore;
	int set_method, set_hash, set_shard, set_symlinks;
};

void sigopts_init(struct sigopts *o);
void sigopts_release(struct sigopts *o);
/* Tries to parse argv[*i] (and its values) as a hashing option.  Returns 1
 * when consumed (*i advanced past it), 0 when not a hashing option, or
 * CLI_USAGE after printing a usage error for command cmd. */
int sigopts_parse(struct sigopts *o, const char *cmd, int argc, char **argv, int *i);

/* Text lines for sigopts' part of a usage message. */
#define SIGOPTS_USAGE \
	"  --method files|shards   one digest per file (default) or per byte range\n" \
	"  --shard-size N          shard size in bytes (default 1000000000)\n" \
	"  --hash sha256|blake2b   digest algorithm (default sha256)\n" \
	"  --ignore-paths P...     skip these paths (relative to the model; a\n" \
	"                          directory skips its subtree); recorded\n" \
	"  --no-default-ignores    do not skip .git, .gitattributes, .github,\n" \
	"                          .gitignore and the signature file\n" \
	"  --allow-symlinks        hash the targets of symbolic links\n" \
	"  --spec-names            OMS spec forms: a single file is named by its\n" \
	"                          basename (not \".\"), shard algorithm = hash\n" \
	"  --threads N             worker threads (default: online CPUs)\n"

/* ---- registry versions (gpai sign/verify NAME@VER) ---- */

struct gpai_registry;
struct gpai_version;
struct gpai_file;

/* 1 when arg names no file or directory on disk (then it is a registry
 * reference NAME[@VER|@ALIAS]). */
int sigopts_is_ref(const char *arg);
/* Opens cli->registry for arg; on failure prints an error that says, for a
 * reference, that arg is no file either.  CLI_OK or CLI_FAIL. */
int sigopts_open_registry(const struct cli *cli, const char *arg,
			  struct gpai_registry **reg);

/* The blobs of a registry version as a hashing list.  *files and *list
 * are freed with sigopts_files_free. */
struct sigopts_files {
	struct gpai_file *files;
	struct gpai_oms_file *list;
	size_t n;
};
int sigopts_load_files(struct gpai_registry *reg, const struct gpai_version *v,
		       struct sigopts_files *out, struct gpai_error *err);
void sigopts_files_free(struct sigopts_files *f);

/* The trusted keys and CA certificates of the registry as PEM arrays for
 * gpai_verify_options (pointers into *keys; free with
 * sigopts_trusted_free).  GPAI_ENOTFOUND when none is trusted. */
struct sigopts_trusted {
	struct gpai_trusted_key *keys;
	size_t n;
	const char **key_pems, **ca_pems;
	size_t n_key, n_ca;
};
int sigopts_load_trusted(struct gpai_registry *reg, struct sigopts_trusted *t,
			 struct gpai_error *err);
void sigopts_trusted_free(struct sigopts_trusted *t);

#endif
