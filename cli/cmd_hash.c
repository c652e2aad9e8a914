/*
 * cmd_hash.c - `gpai hash PATH`: the OMS manifest of a model directory or
 * file: one line per resource and the root digest, or (--json) the whole
 * in-toto statement that `gpai sign` would sign.
 */
#include "cli.h"
#include "sigopts.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

static int run(struct cli *cli, int argc, char **argv)
{
	struct sigopts so;
	struct gpai_manifest m;
	struct gpai_error err;
	struct cli_progress prog = { cli, "hashing", 0 };
	const char *path = NULL;
	char hex[2 * GPAI_DIGEST_MAX + 1];
	int rc;

	sigopts_init(&so);
	gpai_manifest_init(&m);
	gpai_error_init(&err);
	for (int i = 1; i < argc;) {
		rc = sigopts_parse(&so, "hash", argc, argv, &i);
		if (rc == 1)
			continue;
		if (rc) {
			sigopts_release(&so);
			return rc;
		}
		if (strcmp(argv[i], "--signature") == 0 && i + 1 < argc) {
			so.h.signature = argv[i + 1];
			i += 2;
			continue;
		}
		if (argv[i][0] == '-' || path) {
			sigopts_release(&so);
			return cli_usage("hash", argv[i][0] == '-' ? "unknown option '%s'"
					 : "unexpected argument '%s'", argv[i]);
		}
		path = argv[i++];
	}
	if (!path) {
		sigopts_release(&so);
		return cli_usage("hash", "missing PATH");
	}
	so.h.progress = cli_progress_cb;
	so.h.progress_ctx = &prog;
	rc = gpai_oms_hash_model(path, &so.h, &m, &err);
	cli_progress_end(&prog);
	sigopts_release(&so);
	if (rc)
		return cli_fail(&err, "cannot hash '%s'", path);

	gpai_hex_encode(m.root, 32, hex);
	if (cli->json) {
		rc = cli_print_json(gpai_oms_statement(&m));
	} else if (cli->quiet) {
		printf("%s\n", hex);
		rc = CLI_OK;
	} else {
		for (size_t i = 0; i < m.n; i++) {
			char d[2 * GPAI_DIGEST_MAX + 1];

			gpai_hex_encode(m.res[i].digest, m.res[i].digest_len, d);
			printf("%s  %s\n", d, m.res[i].name);
		}
		printf("root sha256:%s  (%zu resources, %s, %s)\n", hex, m.n,
		       m.cfg.method == GPAI_OMS_SHARDS ? "shards" : "files",
		       gpai_oms_hash_name(m.cfg.hash));
		rc = CLI_OK;
	}
	gpai_manifest_release(&m);
	return rc;
}

const struct cli_cmd cmd_hash = {
	"hash", "print the OMS manifest (resources and root digest) of a model",
	"gpai hash PATH [--method files|shards] [--shard-size N] [--hash sha256|blake2b]\n"
	"               [--ignore-paths P...] [--allow-symlinks] [--spec-names]\n"
	"               [--no-default-ignores] [--signature FILE] [--threads N]\n"
	"\n"
	"Hashes a model directory (or single file) the way OpenSSF Model Signing\n"
	"v1.0 does and prints one \"DIGEST  NAME\" line per resource and the root\n"
	"digest.  --quiet prints only the root digest; --json prints the in-toto\n"
	"statement (subject and predicate) that `gpai sign` would sign.\n"
	"\n"
	SIGOPTS_USAGE
	"  --signature FILE        the signature file to skip (default model.sig)\n",
	run,
};
