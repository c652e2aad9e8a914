/*
 * cmd_key.c - `gpai key generate --curve p256|p384|p521 --out KEY.pem`:
 * EC signing keys for `gpai sign`; `gpai key hint FILE`; and the registry's
 * trust store: `gpai key import/list/trust`.
 */
#include "cli.h"
#include "regutil.h"

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

/* Largest PEM file imported. */
#define PEM_IMPORT_MAX (1u << 20)

/* Default key name: the file's basename without ".pub.pem" / ".pem". */
static char *default_name(const char *file)
{
	const char *b = strrchr(file, '/');
	char *s = gpai_strdup(b ? b + 1 : file);
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	if (n > 8 && strcmp(s + n - 8, ".pub.pem") == 0)
		s[n - 8] = '\0';
	else if (n > 4 && strcmp(s + n - 4, ".pem") == 0)
		s[n - 4] = '\0';
	return s;
}

static int import_cmd(struct cli *cli, int argc, char **argv)
{
	const char *file = NULL, *name = NULL;
	struct gpai_registry *reg;
	struct gpai_error err;
	char *text = NULL, *defname = NULL, fp[65], desc[256];
	size_t len;
	int is_cert = 0, trust = 0, rc;

	gpai_error_init(&err);
	for (int i = 2; i < argc;) {
		int r = regutil_opt("key", argc, argv, &i, "--name", &name);

		if (r < 0)
			return CLI_USAGE;
		if (r)
			continue;
		if (strcmp(argv[i], "--trust") == 0) {
			trust = 1;
		} else if (argv[i][0] == '-' || file) {
			return cli_usage("key", "unexpected argument '%s'", argv[i]);
		} else {
			file = argv[i];
		}
		i++;
	}
	if (!file)
		return cli_usage("key", "import needs a PEM file");
	if (gpai_read_file(file, PEM_IMPORT_MAX, &text, &len, &err) ||
	    gpai_pem_describe(file, text, len, &is_cert, fp, desc, sizeof(desc), &err)) {
		free(text);
		return cli_fail(&err, "cannot import '%s'", file);
	}
	if (!name)
		name = defname = default_name(file);
	if (!name) {
		free(text);
		return cli_failf("out of memory");
	}
	rc = regutil_open(cli, &reg);
	if (rc == CLI_OK) {
		if (gpai_registry_key_import(reg, name, is_cert, fp, desc, text, trust, &err))
			rc = cli_fail(&err, "cannot import '%s'", file);
		gpai_registry_close(reg);
	}
	if (rc == CLI_OK) {
		if (cli->json) {
			cJSON *j = cJSON_CreateObject();

			cJSON_AddStringToObject(j, "name", name);
			cJSON_AddStringToObject(j, "kind", is_cert ? "ca" : "key");
			cJSON_AddStringToObject(j, "fingerprint", fp);
			cJSON_AddStringToObject(j, "description", desc);
			cJSON_AddBoolToObject(j, "trusted", trust);
			rc = cli_print_json(j);
		} else if (!cli->quiet) {
			printf("imported %s '%s' (%s, %s)%s\n", is_cert ? "CA certificate" : "key",
			       name, desc, fp, trust ? ", trusted" : "");
		}
	}
	free(text);
	free(defname);
	return rc;
}

static int trust_cmd(struct cli *cli, int argc, char **argv)
{
	struct gpai_registry *reg;
	struct gpai_error err;
	const char *name = NULL;
	int revoke = 0, rc;

	gpai_error_init(&err);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--revoke") == 0)
			revoke = 1;
		else if (argv[i][0] == '-' || name)
			return cli_usage("key", "unexpected argument '%s'", argv[i]);
		else
			name = argv[i];
	}
	if (!name)
		return cli_usage("key", "trust needs a key name");
	if (regutil_open(cli, &reg))
		return CLI_FAIL;
	rc = gpai_registry_key_trust(reg, name, !revoke, &err);
	gpai_registry_close(reg);
	if (rc)
		return cli_fail(&err, "cannot change the trust of '%s'", name);
	if (!cli->quiet && !cli->json)
		printf("%s '%s'\n", revoke ? "no longer trusted:" : "trusted:", name);
	return CLI_OK;
}

static int list_cmd(struct cli *cli, int argc, char **argv)
{
	struct gpai_registry *reg;
	struct gpai_trusted_key *k = NULL;
	struct gpai_error err;
	size_t n = 0;
	int rc;

	gpai_error_init(&err);
	if (argc > 2)
		return cli_usage("key", "unexpected argument '%s'", argv[2]);
	if (regutil_open(cli, &reg))
		return CLI_FAIL;
	rc = gpai_registry_keys(reg, &k, &n, &err);
	gpai_registry_close(reg);
	if (rc)
		return cli_fail(&err, "cannot list keys");
	if (cli->json) {
		cJSON *a = cJSON_CreateArray();

		for (size_t i = 0; a && i < n; i++) {
			cJSON *j = cJSON_CreateObject();

			cJSON_AddStringToObject(j, "name", k[i].name);
			cJSON_AddStringToObject(j, "kind", k[i].is_ca ? "ca" : "key");
			cJSON_AddStringToObject(j, "fingerprint", k[i].fingerprint);
			cJSON_AddStringToObject(j, "description", k[i].description);
			cJSON_AddBoolToObject(j, "trusted", k[i].trusted);
			cJSON_AddStringToObject(j, "added_by", k[i].added_by);
			cJSON_AddStringToObject(j, "added_at", k[i].added_at);
			cJSON_AddItemToArray(a, j);
		}
		rc = cli_print_json(a);
	} else {
		for (size_t i = 0; i < n; i++)
			printf("%-20s %-3s %-9s %s  %s\n", k[i].name, k[i].is_ca ? "ca" : "key",
			       k[i].trusted ? "trusted" : "untrusted", k[i].fingerprint,
			       k[i].description);
		rc = CLI_OK;
	}
	gpai_trusted_keys_free(k, n);
	return rc;
}

static int run(struct cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("key", "missing subcommand (generate, hint, import, list "
				 "or trust)");
	if (strcmp(argv[1], "generate") == 0)
		return generate(cli, argc, argv);
	if (strcmp(argv[1], "hint") == 0)
		return hint_cmd(cli, argc, argv);
	if (strcmp(argv[1], "import") == 0)
		return import_cmd(cli, argc, argv);
	if (strcmp(argv[1], "trust") == 0)
		return trust_cmd(cli, argc, argv);
	if (strcmp(argv[1], "list") == 0)
		return list_cmd(cli, argc, argv);
	return cli_usage("key", "unknown subcommand '%s'", argv[1]);
}

const struct cli_cmd cmd_key = {
	"key", "EC signing keys; trusted keys and CA certificates in the registry",
	"gpai key generate [--curve p256|p384|p521] --out KEY.pem\n"
	"       gpai key hint PUBLIC.pem\n"
	"       gpai key import PEM [--name NAME] [--trust]\n"
	"       gpai key trust NAME [--revoke]\n"
	"       gpai key list\n"
	"\n"
	"generate: writes an EC private key (PKCS#8 PEM, mode 0600) to KEY.pem and\n"
	"its public key to KEY.pub.pem (any other name gets \".pub\"); refuses to\n"
	"overwrite.  The curve defaults to p256; signatures use SHA-256, SHA-384\n"
	"or SHA-512 by curve.  hint: the hex SHA-256 of the public key's PEM text,\n"
	"which bundles carry as publicKey.hint.  import: stores an EC public key or\n"
	"a CA certificate in the registry (NAME defaults to the file name without\n"
	".pem); trust marks it as used by `gpai verify --trusted`; list shows them.\n",
	run,
};
