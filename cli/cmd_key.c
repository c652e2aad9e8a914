/*
 * cmd_key.c - `gpai key generate --curve p256|p384|p521 --out KEY.pem`:
 * EC signing keys for `gpai sign`, and `gpai key hint FILE`.
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "signing.h"

/* KEY.pem -> KEY.pub.pem; other names get ".pub". */
static char *pub_name(const char *out)
{
	size_t n = strlen(out);

	if (n > 4 && strcmp(out + n - 4, ".pem") == 0)
		return gpai_asprintf("%.*s.pub.pem", (int)(n - 4), out);
	return gpai_asprintf("%s.pub", out);
}

static int generate(struct cli *cli, int argc, char **argv)
{
	const char *curve = "p256", *out = NULL;
	struct gpai_error err;
	char *pub, hint[65];
	int rc;

	gpai_error_init(&err);
	for (int i = 2; i < argc; i++) {
		if ((strcmp(argv[i], "--curve") == 0 || strcmp(argv[i], "--out") == 0) &&
		    i + 1 < argc) {
			if (argv[i][2] == 'c')
				curve = argv[++i];
			else
				out = argv[++i];
		} else {
			return cli_usage("key", "unexpected argument '%s'", argv[i]);
		}
	}
	if (!out)
		return cli_usage("key", "generate needs --out KEY.pem");
	if (strcmp(curve, "p256") && strcmp(curve, "p384") && strcmp(curve, "p521"))
		return cli_usage("key", "unknown curve '%s' (p256, p384 or p521)", curve);
	pub = pub_name(out);
	if (!pub)
		return cli_failf("out of memory");
	rc = gpai_key_generate(curve, out, pub, &err);
	if (rc == GPAI_OK)
		rc = gpai_key_hint(pub, hint, &err);
	if (rc) {
		rc = cli_fail(&err, "cannot generate a key");
	} else if (cli->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "private_key", out);
		cJSON_AddStringToObject(j, "public_key", pub);
		cJSON_AddStringToObject(j, "curve", curve);
		cJSON_AddStringToObject(j, "hint", hint);
		rc = cli_print_json(j);
	} else {
		if (!cli->quiet)
			printf("private key '%s' (mode 0600), public key '%s', hint %s\n",
			       out, pub, hint);
		rc = CLI_OK;
	}
	free(pub);
	return rc;
}

static int hint_cmd(struct cli *cli, int argc, char **argv)
{
	struct gpai_error err;
	char hint[65];

	gpai_error_init(&err);
	if (argc != 3)
		return cli_usage("key", "hint needs one PEM file");
	if (gpai_key_hint(argv[2], hint, &err))
		return cli_fail(&err, "cannot read '%s'", argv[2]);
	printf("%s\n", hint);
	return CLI_OK;
}

static int run(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("key", "missing subcommand (generate or hint)");
	if (strcmp(argv[1], "generate") == 0)
		return generate(cli, argc, argv);
	if (strcmp(argv[1], "hint") == 0)
		return hint_cmd(cli, argc, argv);
	return cli_usage("key", "unknown subcommand '%s'", argv[1]);
}

const struct cli_cmd cmd_key = {
	"key", "generate EC signing keys; print a key's OMS hint",
	"gpai key generate [--curve p256|p384|p521] --out KEY.pem\n"
	"       gpai key hint PUBLIC.pem\n"
	"\n"
	"generate: writes an EC private key (PKCS#8 PEM, mode 0600) to KEY.pem and\n"
	"its public key to KEY.pub.pem (any other name gets \".pub\"); refuses to\n"
	"overwrite.  The curve defaults to p256; signatures use SHA-256, SHA-384\n"
	"or SHA-512 by curve.  hint: the hex SHA-256 of the public key's PEM text,\n"
	"which bundles carry as publicKey.hint.\n",
	run,
};
