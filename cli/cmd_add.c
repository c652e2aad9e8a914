/*
 * cmd_add.c - `gpai add PATH`: import a model directory, file or archive as
 * NAME@VERSION; or `gpai add --no-files` for a closed-weight model.
 */
#include "regutil.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

/* Binary multiples a size limit may end in (K = 2^10 ... T = 2^40). */
static const struct {
	char suffix;
	unsigned shift;
} size_units[] = { { 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 } };

/* Parses a positive count, or with bytes set a size "N[K|M|G|T]" (binary
 * multiples), into *out; -1 for anything else (0, a sign, overflow). */
static int parse_limit(const char *s, int bytes, uint64_t *out)
{
	char num[32];
	size_t len = strlen(s);
	unsigned shift = 0;

	if (len == 0 || len >= sizeof(num))
		return -1;
	gpai_strlcpy(num, s, sizeof(num));
	if (bytes) {
		for (size_t k = 0; k < sizeof(size_units) / sizeof(size_units[0]); k++) {
			if (num[len - 1] == size_units[k].suffix ||
			    num[len - 1] == size_units[k].suffix + ('a' - 'A')) {
				shift = size_units[k].shift;
				num[--len] = '\0';
				break;
			}
		}
	}
	if (len == 0 || num[0] < '0' || num[0] > '9' || gpai_parse_u64(num, out) ||
	    *out == 0 || *out > (UINT64_MAX >> shift))
		return -1;
	*out <<= shift;
	return 0;
}

static int run(struct cli *cli, int argc, char **argv)
{
	struct gpai_add_opts o;
	struct gpai_registry *reg;
	struct gpai_version v;
	struct gpai_error err;
	struct cli_progress prog = { cli, "adding", 0 };
	const char *lim_s[3] = { NULL, NULL, NULL };
	char b[32];
	int rc;

	memset(&o, 0, sizeof(o));
	for (int i = 1; i < argc;) {
		static const char *const names[] = {
			"--name", "--version", "--provider", "--license", "--base",
			"--relation", "--facts", "--access", "--max-archive-bytes",
			"--max-archive-entries", "--max-archive-entry-bytes",
		};
		const char **slots[] = {
			&o.name, &o.version, &o.provider, &o.license, &o.base,
			&o.relation, &o.facts_file, &o.access, &lim_s[0], &lim_s[1], &lim_s[2],
		};
		int hit = 0;

		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]) && !hit; k++) {
			hit = regutil_opt("add", argc, argv, &i, names[k], slots[k]);
			if (hit < 0)
				return CLI_USAGE;
		}
		if (hit)
			continue;
		if (strcmp(argv[i], "--no-files") == 0) {
			o.no_files = 1;
		} else if (strcmp(argv[i], "--opaque") == 0) {
			o.opaque = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage("add", "unknown option '%s'", argv[i]);
		} else if (o.path) {
			return cli_usage("add", "unexpected argument '%s'", argv[i]);
		} else {
			o.path = argv[i];
		}
		i++;
	}
	if (!o.path && !o.no_files)
		return cli_usage("add", "missing PATH (or --no-files)");
	if (o.path && o.no_files)
		return cli_usage("add", "--no-files takes no PATH");
	{
		static const char *const lim_names[3] = {
			"--max-archive-bytes", "--max-archive-entries", "--max-archive-entry-bytes",
		};
		uint64_t *lim_dst[3] = {
			&o.max_archive_bytes, &o.max_archive_entries, &o.max_archive_entry_bytes,
		};

		for (int k = 0; k < 3; k++) {
			if (lim_s[k] && parse_limit(lim_s[k], k != 1, lim_dst[k]))
				return cli_usage("add", k != 1 ?
						 "%s '%s' is not a size (a positive number of bytes, "
						 "optionally ending in K, M, G or T)" :
						 "%s '%s' is not a positive number of files",
						 lim_names[k], lim_s[k]);
		}
	}
	if (regutil_open(cli, &reg))
		return CLI_FAIL;
	gpai_error_init(&err);
	o.progress = cli_progress_cb;
	o.progress_ctx = &prog;
	rc = gpai_registry_add(reg, &o, &v, &err);
	cli_progress_end(&prog);
	gpai_registry_close(reg);
	if (rc)
		return cli_fail(&err, "cannot add '%s'", o.path ? o.path : o.name ? o.name
				: o.facts_file ? o.facts_file : "--no-files");
	if (cli->json) {
		rc = cli_print_json(regutil_version_json(&v));
	} else if (cli->quiet) {
		printf("%s@%s\n", v.name, v.version);
		rc = CLI_OK;
	} else {
		if (v.has_files)
			printf("added %s@%s: %llu files, %s, root sha256:%s\n", v.name, v.version,
			       (unsigned long long)v.n_files, cli_bytes(v.total_bytes, b),
			       v.root_digest);
		else
			printf("added %s@%s: no files (access %s)\n", v.name, v.version, v.access);
		rc = CLI_OK;
	}
	gpai_version_release(&v);
	return rc;
}

const struct cli_cmd cmd_add = {
	"add", "import a model (directory, file or archive) as NAME@VERSION",
	"gpai add PATH [--name NAME] [--version VER] [--provider TEXT]\n"
	"              [--license SPDX] [--base NAME@VER --relation REL]\n"
	"              [--facts FILE.json] [--access open-weight|api|restricted|none]\n"
	"              [--opaque] [--max-archive-bytes SIZE]\n"
	"              [--max-archive-entries N] [--max-archive-entry-bytes SIZE]\n"
	"       gpai add --no-files --name NAME --access ACCESS [...]\n"
	"\n"
	"Imports a model directory, a single model file or an archive.  Each file\n"
	"is read once: hashed (SHA-256) while it is copied into the blob store;\n"
	"identical files are stored once.  Records each file's path, size and\n"
	"digest and the OMS root digest, then the version appears in one step.\n"
	"\n"
	"  --name NAME        model name (default: the last path component)\n"
	"  --version VER      version (default: the next integer for NAME)\n"
	"  --provider TEXT    who places the model on the market\n"
	"  --license SPDX     SPDX id or expression, or LicenseRef-<name>\n"
	"  --base NAME@VER    the model this one derives from, with --relation\n"
	"  --relation REL     finetune, quantized, merge, adapter or distilled\n"
	"  --facts FILE.json  facts with sources (docs/facts.md), checked first\n"
	"  --access A         open-weight (default), api, restricted or none\n"
	"  --no-files         register a version without its files (facts only)\n"
	"  --opaque           store malformed model files as opaque files\n"
	"  --max-archive-bytes SIZE   archive limit on all files together\n"
	"                             (default 4T; SIZE is bytes or ends in K, M, G, T)\n"
	"  --max-archive-entries N    archive limit on the number of files (1000000)\n"
	"  --max-archive-entry-bytes SIZE  archive limit on one file (default 1T)\n",
	run,
};
