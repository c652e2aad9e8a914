/*
 * cmd_verify.c - `gpai verify PATH (--key PUB.pem | --ca CA.pem)`: check an
 * OMS signature and every file of the model; names each changed, missing
 * and extra file; exit 1 on any mismatch.
 */
#include "cli.h"
#include "sigopts.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

static const char *material_name(enum gpai_oms_material m)
{
	switch (m) {
	case GPAI_MATERIAL_KEY: return "key";
	case GPAI_MATERIAL_CERT_CHAIN: return "certificate";
	case GPAI_MATERIAL_KEYLESS: return "sigstore";
	}
	return "unknown";
}

static cJSON *names_json(char **v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

static int run(struct cli *cli, int argc, char **argv)
{
	struct sigopts so;
	struct gpai_verify_options vo;
	struct gpai_verify_report rep;
	struct gpai_error err;
	struct cli_progress prog = { cli, "verifying", 0 };
	const char *path = NULL, *sigpath = NULL;
	char *defsig = NULL;
	int rc;

	sigopts_init(&so);
	memset(&vo, 0, sizeof(vo));
	gpai_verify_report_init(&rep);
	gpai_error_init(&err);
	for (int i = 1; i < argc;) {
		const char *a = argv[i];

		rc = sigopts_parse(&so, "verify", argc, argv, &i);
		if (rc == 1)
			continue;
		if (rc)
			goto out;
		if (strcmp(a, "--ignore-unsigned-files") == 0) {
			vo.ignore_unsigned = 1;
			i++;
			continue;
		}
		if (strcmp(a, "--key") == 0 || strcmp(a, "--ca") == 0 ||
		    strcmp(a, "--signature") == 0) {
			if (i + 1 >= argc) {
				rc = cli_usage("verify", "%s needs a file", a);
				goto out;
			}
			if (strcmp(a, "--key") == 0)
				vo.key_path = argv[i + 1];
			else if (strcmp(a, "--ca") == 0)
				vo.ca_path = argv[i + 1];
			else
				sigpath = argv[i + 1];
			i += 2;
			continue;
		}
		if (a[0] == '-' || path) {
			rc = cli_usage("verify", a[0] == '-' ? "unknown option '%s'"
				       : "unexpected argument '%s'", a);
			goto out;
		}
		path = argv[i++];
	}
	if (!path) {
		rc = cli_usage("verify", "missing PATH");
		goto out;
	}
	if (!vo.key_path == !vo.ca_path) {
		rc = cli_usage("verify", "give exactly one of --key PUB.pem and --ca CA.pem");
		goto out;
	}
	if (so.set_method || so.set_hash || so.set_shard || so.set_symlinks) {
		rc = cli_usage("verify", "the serialization comes from the signature; "
			       "only --ignore-paths and --threads apply");
		goto out;
	}
	if (!sigpath) {
		defsig = gpai_is_dir(path) ? gpai_path_join(path, GPAI_OMS_SIGNATURE_NAME)
					   : gpai_asprintf("%s.sig", path);
		if (!defsig) {
			rc = cli_failf("out of memory");
			goto out;
		}
		sigpath = defsig;
	}
	vo.hash = so.h;
	vo.hash.signature = sigpath;
	vo.hash.progress = cli_progress_cb;
	vo.hash.progress_ctx = &prog;
	rc = gpai_oms_verify(path, sigpath, &vo, &rep, &err);
	cli_progress_end(&prog);

	if (cli->json && (rc == GPAI_OK || rc == GPAI_EVERIFY) && rep.material) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddBoolToObject(j, "verified", rc == GPAI_OK);
		cJSON_AddStringToObject(j, "model", path);
		cJSON_AddStringToObject(j, "signature", sigpath);
		cJSON_AddStringToObject(j, "method", material_name(rep.material));
		cJSON_AddStringToObject(j, "signer", rep.signer);
		cJSON_AddBoolToObject(j, "legacy_v0_2", rep.legacy);
		cJSON_AddBoolToObject(j, "ignore_unsigned_files", vo.ignore_unsigned);
		cJSON_AddNumberToObject(j, "checked", (double)rep.n_checked);
		cJSON_AddItemToObject(j, "changed", names_json(rep.changed, rep.n_changed));
		cJSON_AddItemToObject(j, "missing", names_json(rep.missing, rep.n_missing));
		cJSON_AddItemToObject(j, "extra", names_json(rep.extra, rep.n_extra));
		if (rc)
			cJSON_AddStringToObject(j, "error", gpai_errmsg(&err));
		cli_print_json(j);
		rc = rc ? CLI_FAIL : CLI_OK;
		goto out;
	}
	for (size_t i = 0; i < rep.n_changed; i++)
		printf("changed: %s\n", rep.changed[i]);
	for (size_t i = 0; i < rep.n_missing; i++)
		printf("missing: %s\n", rep.missing[i]);
	for (size_t i = 0; i < rep.n_extra; i++)
		printf("extra: %s\n", rep.extra[i]);
	if (rc) {
		rc = cli_fail(&err, "verification of '%s' failed", path);
		goto out;
	}
	if (!cli->quiet)
		printf("verified '%s': %zu resources match the signature (%s %s%s)%s\n", path,
		       rep.n_checked, material_name(rep.material), rep.signer,
		       rep.compat_pae ? ", model_signing 0.2 compat signature" : "",
		       vo.ignore_unsigned ? "; only files named by the signature were checked" : "");
	rc = CLI_OK;
out:
	free(defsig);
	gpai_verify_report_release(&rep);
	sigopts_release(&so);
	return rc;
}

const struct cli_cmd cmd_verify = {
	"verify", "check an OMS signature and every file of a model",
	"gpai verify PATH (--key PUB.pem | --ca CA.pem) [--signature FILE]\n"
	"                 [--ignore-unsigned-files] [--ignore-paths P...] [--threads N]\n"
	"\n"
	"Checks the Sigstore bundle (default PATH/model.sig, or PATH.sig for a file):\n"
	"its signature against the trusted public key or CA certificates, the\n"
	"in-toto statement and its root digest; then re-hashes the model with the\n"
	"recorded serialization and ignore paths and compares the full set.  Prints\n"
	"each changed, missing and extra file (or shard) and exits 1 on any\n"
	"mismatch.  --ignore-unsigned-files hashes only the files the signature\n"
	"names (extra files are not reported).  Keyless Sigstore bundles need a\n"
	"Sigstore trust root and are reported as such (exit 1).\n",
	run,
};
