/*
 * cmd_add.c - `gpai add PATH`: import a model directory, file or archive as
 * NAME@VERSION; or `gpai add --no-files` for a closed-weight model.
 */
#include "regutil.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

static int run(struct cli *cli, int argc, char **argv)
{
	struct gpai_add_opts o;
	struct gpai_registry *reg;
	struct gpai_version v;
	struct gpai_error err;
	struct cli_progress prog = { cli, "adding", 0 };
	char b[32];
	int rc;

	memset(&o, 0, sizeof(o));
	for (int i = 1; i < argc;) {
		static const char *const names[] = {
			"--name", "--version", "--provider", "--license", "--base",
			"--relation", "--facts", "--access",
		};
		const char **slots[] = {
			&o.name, &o.version, &o.provider, &o.license, &o.base,
			&o.relation, &o.facts_file, &o.access,
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
	"              [--opaque]\n"
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
	"  --opaque           store malformed model files as opaque files\n",
	run,
};
