/*
 * cmd_pull.c - `gpai pull oci://HOST[:PORT]/REPO:TAG|@sha256:...`: a
 * ModelPack artifact or KitOps ModelKit into the registry, every blob
 * digest checked while streaming; with --verify, only if its OMS signature
 * referrer (and a dossier bundle referrer) verifies
 * (docs/pull.md).
 */
#include "regutil.h"
#include "oci.h"
#include "ocidossier.h"
#include "sigopts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

static int run(struct cli *cli, int argc, char **argv)
{
	struct gpai_oci_pull_options o;
	struct gpai_oci_pull_result res;
	struct gpai_verify_options vo;
	struct sigopts_trusted tr;
	struct gpai_registry *reg = NULL;
	struct gpai_version v;
	struct gpai_error err;
	struct cli_progress prog = { cli, "pulling", 0 };
	struct ocidossier_pull dp;
	const char *uri = NULL, *user = NULL;
	char *password = NULL;
	int rc, verify = 0, trusted = 0, pw_stdin = 0;

	memset(&o, 0, sizeof(o));
	memset(&vo, 0, sizeof(vo));
	memset(&tr, 0, sizeof(tr));
	memset(&res, 0, sizeof(res));
	memset(&dp, 0, sizeof(dp));
	for (int i = 1; i < argc;) {
		const char *a = argv[i];

		if (strcmp(a, "--insecure-http") == 0 || strcmp(a, "--verify") == 0 ||
		    strcmp(a, "--trusted") == 0 || strcmp(a, "--password-stdin") == 0) {
			if (a[2] == 'i')
				o.net.insecure_http = 1;
			else if (a[2] == 'v')
				verify = 1;
			else if (a[2] == 't')
				trusted = 1;
			else
				pw_stdin = 1;
			i++;
			continue;
		}
		if ((rc = regutil_opt("pull", argc, argv, &i, "--name", &o.name)) ||
		    (rc = regutil_opt("pull", argc, argv, &i, "--version", &o.version)) ||
		    (rc = regutil_opt("pull", argc, argv, &i, "--key", &vo.key_path)) ||
		    (rc = regutil_opt("pull", argc, argv, &i, "--ca", &vo.ca_path)) ||
		    (rc = regutil_opt("pull", argc, argv, &i, "--username", &user))) {
			if (rc < 0)
				return CLI_USAGE;
			continue;
		}
		if (a[0] == '-')
			return cli_usage("pull", "unknown option '%s'", a);
		if (uri)
			return cli_usage("pull", "unexpected argument '%s'", a);
		uri = argv[i++];
	}
	if (!uri)
		return cli_usage("pull", "needs oci://HOST[:PORT]/REPO:TAG or REPO@sha256:...");
	if (verify && !!vo.key_path + !!vo.ca_path + trusted != 1)
		return cli_usage("pull", "--verify needs exactly one of --key PUB.pem, --ca CA.pem "
				 "and --trusted");
	if (!verify && (vo.key_path || vo.ca_path || trusted))
		return cli_usage("pull", "--key, --ca and --trusted go with --verify");
	if ((rc = regutil_password_stdin("pull", user, pw_stdin, &password)))
		return rc;
	o.net.username = user;
	o.net.password = password;
	if (regutil_open(cli, &reg)) {
		free(password);
		return CLI_FAIL;
	}
	gpai_error_init(&err);
	if (trusted) {
		if ((rc = sigopts_load_trusted(reg, &tr, &err))) {
			rc = cli_fail(&err, "cannot pull '%s'", uri);
			goto out;
		}
		vo.key_pems = tr.key_pems;
		vo.n_key_pems = tr.n_key;
		vo.ca_pems = tr.ca_pems;
		vo.n_ca_pems = tr.n_ca;
	}
	if (verify)
		o.verify = &vo;
	/* the dossier bundle is checked against keys only (dossier.sig); with
	 * --ca it is kept unverified */
	dp.verify = verify && !vo.ca_path;
	dp.key_path = vo.key_path;
	dp.key_pems = vo.key_pems;
	dp.n_key_pems = vo.n_key_pems;
	dp.uri = uri;
	o.dossier_hook = ocidossier_pull_hook;
	o.dossier_ctx = &dp;
	o.net.progress = cli_progress_cb;
	o.net.progress_ctx = &prog;
	rc = gpai_oci_pull(reg, uri, &o, &v, &res, &err);
	cli_progress_end(&prog);
	if (rc) {
		rc = cli_fail(&err, "cannot pull '%s'", uri);
		goto out;
	}
	if (cli->json) {
		cJSON *j = regutil_version_json(&v);

		cJSON_AddStringToObject(j, "from", uri);
		cJSON_AddStringToObject(j, "manifest", res.manifest_digest);
		cJSON_AddStringToObject(j, "artifact", res.artifact ? res.artifact : "modelpack");
		cJSON_AddNumberToObject(j, "layers", (double)res.n_layers);
		cJSON_AddNumberToObject(j, "bytes", (double)res.bytes);
		cJSON_AddNumberToObject(j, "bytes_hashed", (double)res.bytes_hashed);
		cJSON_AddBoolToObject(j, "signature", res.signature_found);
		cJSON_AddBoolToObject(j, "verified", res.verified);
		if (res.verified)
			cJSON_AddStringToObject(j, "signer", res.signer);
		if (dp.kept) {
			cJSON_AddStringToObject(j, "dossier", res.dossier_digest);
			cJSON_AddStringToObject(j, "dossier_path", dp.path);
			cJSON_AddNumberToObject(j, "dossier_number", dp.number);
		} else {
			cJSON_AddNullToObject(j, "dossier");
			cJSON_AddNullToObject(j, "dossier_path");
			cJSON_AddNullToObject(j, "dossier_number");
		}
		cJSON_AddBoolToObject(j, "dossier_verified", dp.verified);
		if (res.referrers)
			cJSON_AddStringToObject(j, "referrers", res.referrers);
		else
			cJSON_AddNullToObject(j, "referrers");
		rc = cli_print_json(j);
	} else {
		if (!cli->quiet)
			printf("pulled %s as %s@%s: %llu layers, root sha256:%s%s%s\n", uri, v.name,
			       v.version, (unsigned long long)res.n_layers, v.root_digest,
			       res.verified ? "; signature verified, signer " :
			       res.signature_found ? "; signature stored (not verified)" : "",
			       res.verified ? res.signer : "");
		if (!cli->quiet && dp.kept)
			printf("dossier bundle %s kept as dossier %d of %s@%s (%s)%s%s\n",
			       res.dossier_digest, dp.number, v.name, v.version, dp.path,
			       dp.verified ? "; verified, signer " : "; not verified",
			       dp.verified ? dp.signer : "");
		rc = CLI_OK;
	}
	gpai_version_release(&v);
out:
	gpai_oci_pull_result_release(&res);
	sigopts_trusted_free(&tr);
	gpai_registry_close(reg);
	if (password) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	return rc;
}

const struct cli_cmd cmd_pull = {
	"pull", "pull a ModelPack artifact or KitOps ModelKit from an OCI registry (digests "
	"checked, --verify)",
	"gpai pull oci://HOST[:PORT]/REPO:TAG|oci://HOST/REPO@sha256:HEX\n"
	"          [--name NAME] [--version VER] [--insecure-http]\n"
	"          [--verify (--key PUB.pem | --ca CA.pem | --trusted)]\n"
	"          [--username USER --password-stdin]\n"
	"\n"
	"Fetches the manifest, the ModelPack config (or KitOps Kitfile) and every\n"
	"layer, checking each SHA-256 while streaming (a blob whose digest differs\n"
	"is refused and nothing is registered; tar layers are unpacked with the\n"
	"checks of gpai add ARCHIVE), and the signature referrer; then registers the\n"
	"version (name and version from the config unless given; facts with the\n"
	"source oci://...) and stores the signature; a dossier bundle referrer is\n"
	"kept in the registry and its dossier history.  With --verify the OMS\n"
	"signature must verify against the pulled files, and a dossier bundle\n"
	"must pass the check of `gpai verify BUNDLE` (--key or --trusted), or\n"
	"nothing is registered: use it as the gate before a model is served.\n"
	"Credentials come from --username with --password-stdin, else from\n"
	"~/.docker/config.json.\n",
	run,
};
