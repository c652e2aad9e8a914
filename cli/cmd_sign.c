/*
 * cmd_sign.c - `gpai sign PATH|NAME@VER --key KEY.pem`: hash a model with
 * the OMS rules and write its signature (Sigstore bundle v0.3 JSON, key or
 * certificate method) next to it, or - for a registry version - hash its
 * blobs and store the signature in the registry.
 */
#include "cli.h"
#include "regutil.h"
#include "sigopts.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

/* Default signature path: DIR/model.sig for a directory, FILE.sig for a
 * single-file model. */
static char *default_signature(const char *path)
{
	if (gpai_is_dir(path))
		return gpai_path_join(path, GPAI_OMS_SIGNATURE_NAME);
	return gpai_asprintf("%s.sig", path);
}

/* Ignore paths recorded in a registry version's signature (sorted): the
 * default ones, the signature and export's provenance document. */
static const char *const deploy_ignores[] = {
	".git", ".gitattributes", ".github", ".gitignore",
	GPAI_OMS_SIGNATURE_NAME, GPAI_REG_PROVENANCE_NAME,
};

/* Signs registry version ref: re-hashes its blobs (they must still match
 * the catalogue), signs, stores the bundle, and writes it to sigpath too
 * when one was given. */
static int sign_ref(struct cli *cli, const char *ref, struct sigopts *so,
		    const struct gpai_sign_options *sign, const char *sigpath)
{
	struct gpai_registry *reg = NULL;
	struct gpai_version v;
	struct sigopts_files f;
	struct gpai_manifest m;
	struct gpai_error err;
	struct cli_progress prog = { cli, "hashing", 0 };
	char *bundle = NULL, hex[65], signer[256] = "";
	int rc, have_v = 0;

	memset(&f, 0, sizeof(f));
	gpai_manifest_init(&m);
	gpai_error_init(&err);
	if (so->n_ignore || so->h.no_default_ignores || so->h.allow_symlinks)
		return cli_usage("sign", "--ignore-paths, --no-default-ignores and "
				 "--allow-symlinks apply to a PATH, not to registry version '%s'",
				 ref);
	if (sigopts_open_registry(cli, ref, &reg))
		return CLI_FAIL;
	if ((rc = gpai_registry_lookup(reg, ref, &v, &err))) {
		rc = cli_fail(&err, "cannot sign '%s'", ref);
		goto out;
	}
	have_v = 1;
	if ((rc = sigopts_load_files(reg, &v, &f, &err))) {
		rc = cli_fail(&err, "cannot sign '%s'", ref);
		goto out;
	}
	so->h.progress = cli_progress_cb;
	so->h.progress_ctx = &prog;
	rc = gpai_oms_hash_files(v.name, f.list, f.n, &so->h, &m, &err);
	cli_progress_end(&prog);
	if (rc) {
		rc = cli_fail(&err, "cannot hash the blobs of '%s@%s'", v.name, v.version);
		goto out;
	}
	gpai_hex_encode(m.root, 32, hex);
	/* The catalogue's root digest is the files/sha256 one: a different
	 * value there means a blob changed since it was stored. */
	if (so->h.method == GPAI_OMS_FILES && so->h.hash == GPAI_OMS_SHA256 &&
	    strcmp(hex, v.root_digest) != 0) {
		rc = cli_failf("cannot sign '%s@%s': its blobs do not match the catalogue "
			       "(root sha256:%s, recorded %s); run 'gpai fsck'", v.name,
			       v.version, hex, v.root_digest);
		goto out;
	}
	/* Record what a deployed copy (gpai export, plus model.sig) holds
	 * besides the files, so that verifiers skip it there. */
	m.cfg.ignore_paths = calloc(sizeof(deploy_ignores) / sizeof(deploy_ignores[0]),
				    sizeof(char *));
	if (!m.cfg.ignore_paths) {
		rc = cli_failf("out of memory");
		goto out;
	}
	for (size_t i = 0; i < sizeof(deploy_ignores) / sizeof(deploy_ignores[0]); i++) {
		m.cfg.ignore_paths[i] = gpai_strdup(deploy_ignores[i]);
		if (!m.cfg.ignore_paths[i]) {
			rc = cli_failf("out of memory");
			goto out;
		}
		m.cfg.n_ignore++;
	}
	if (gpai_oms_sign_ex(&m, sign, &bundle, signer, sizeof(signer), &err)) {
		rc = cli_fail(&err, "cannot sign '%s@%s'", v.name, v.version);
		goto out;
	}
	if (gpai_registry_signature_add(reg, &v, sign->cert_path ? "certificate" : "key",
					signer, hex, bundle, &err)) {
		rc = cli_fail(&err, "cannot store the signature of '%s@%s'", v.name, v.version);
		goto out;
	}
	if (sigpath && gpai_write_file_atomic(sigpath, bundle, strlen(bundle), 0644, &err)) {
		rc = cli_fail(&err, "cannot write the signature");
		goto out;
	}
	if (cli->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "model", ref);
		cJSON_AddStringToObject(j, "name", v.name);
		cJSON_AddStringToObject(j, "version", v.version);
		if (sigpath)
			cJSON_AddStringToObject(j, "signature", sigpath);
		else
			cJSON_AddNullToObject(j, "signature");
		cJSON_AddStringToObject(j, "method", sign->cert_path ? "certificate" : "key");
		cJSON_AddStringToObject(j, "signer", signer);
		cJSON_AddStringToObject(j, "root_digest", hex);
		cJSON_AddNumberToObject(j, "resources", (double)m.n);
		rc = cli_print_json(j);
	} else {
		if (!cli->quiet)
			printf("signed '%s@%s': %zu resources, root sha256:%s; stored in the "
			       "registry\n", v.name, v.version, m.n, hex);
		if (sigpath)
			printf("%s\n", sigpath);
		rc = CLI_OK;
	}
out:
	free(bundle);
	gpai_manifest_release(&m);
	sigopts_files_free(&f);
	if (have_v)
		gpai_version_release(&v);
	gpai_registry_close(reg);
	return rc;
}

static int run(struct cli *cli, int argc, char **argv)
{
	struct sigopts so;
	struct gpai_sign_options sign = { 0 };
	struct gpai_manifest m;
	struct gpai_error err;
	struct cli_progress prog = { cli, "hashing", 0 };
	const char *path = NULL, *sigpath = NULL;
	char *defsig = NULL, *bundle = NULL, hex[65];
	int rc;

	sigopts_init(&so);
	gpai_manifest_init(&m);
	gpai_error_init(&err);
	for (int i = 1; i < argc;) {
		const char *a = argv[i];

		rc = sigopts_parse(&so, "sign", argc, argv, &i);
		if (rc == 1)
			continue;
		if (rc)
			goto usage_out;
		if ((strcmp(a, "--key") == 0 || strcmp(a, "--cert") == 0 ||
		     strcmp(a, "--certificate") == 0 || strcmp(a, "--chain") == 0 ||
		     strcmp(a, "--signature") == 0)) {
			if (i + 1 >= argc) {
				rc = cli_usage("sign", "%s needs a file", a);
				goto usage_out;
			}
			if (strcmp(a, "--key") == 0)
				sign.key_path = argv[i + 1];
			else if (strcmp(a, "--chain") == 0)
				sign.chain_path = argv[i + 1];
			else if (strcmp(a, "--signature") == 0)
				sigpath = argv[i + 1];
			else
				sign.cert_path = argv[i + 1];
			i += 2;
			continue;
		}
		if (a[0] == '-' || path) {
			rc = cli_usage("sign", a[0] == '-' ? "unknown option '%s'"
				       : "unexpected argument '%s'", a);
			goto usage_out;
		}
		path = argv[i++];
	}
	if (!path || !sign.key_path) {
		rc = cli_usage("sign", !path ? "missing PATH" : "missing --key KEY.pem");
		goto usage_out;
	}
	if (sign.chain_path && !sign.cert_path) {
		rc = cli_usage("sign", "--chain needs --cert");
		goto usage_out;
	}
	if (sigopts_is_ref(path)) {
		rc = sign_ref(cli, path, &so, &sign, sigpath);
		goto usage_out;
	}
	if (!sigpath) {
		defsig = default_signature(path);
		if (!defsig) {
			rc = cli_failf("out of memory");
			goto usage_out;
		}
		sigpath = defsig;
	}
	so.h.signature = sigpath;
	so.h.progress = cli_progress_cb;
	so.h.progress_ctx = &prog;
	rc = gpai_oms_hash_model(path, &so.h, &m, &err);
	cli_progress_end(&prog);
	if (rc) {
		rc = cli_fail(&err, "cannot hash '%s'", path);
		goto out;
	}
	if (gpai_oms_sign(&m, &sign, &bundle, &err)) {
		rc = cli_fail(&err, "cannot sign '%s'", path);
		goto out;
	}
	if (gpai_write_file_atomic(sigpath, bundle, strlen(bundle), 0644, &err)) {
		rc = cli_fail(&err, "cannot write the signature");
		goto out;
	}
	gpai_hex_encode(m.root, 32, hex);
	if (cli->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "model", path);
		cJSON_AddStringToObject(j, "signature", sigpath);
		cJSON_AddStringToObject(j, "method", sign.cert_path ? "certificate" : "key");
		cJSON_AddStringToObject(j, "root_digest", hex);
		cJSON_AddNumberToObject(j, "resources", (double)m.n);
		rc = cli_print_json(j);
	} else {
		if (!cli->quiet)
			printf("signed '%s': %zu resources, root sha256:%s\n", path, m.n, hex);
		printf("%s\n", sigpath);
		rc = CLI_OK;
	}
out:
	free(bundle);
	gpai_manifest_release(&m);
usage_out:
	free(defsig);
	sigopts_release(&so);
	return rc;
}

const struct cli_cmd cmd_sign = {
	"sign", "write an OMS v1.0 signature (model.sig) for a model",
	"gpai sign PATH|NAME[@VER] --key KEY.pem [--cert LEAF.pem [--chain CHAIN.pem]]\n"
	"               [--signature FILE] [hashing options]\n"
	"\n"
	"Hashes the model directory (or file) at PATH with the OpenSSF Model Signing\n"
	"rules, signs the in-toto statement with the EC private key (ECDSA P-256,\n"
	"P-384 or P-521) and writes a Sigstore bundle v0.3 JSON to FILE (default\n"
	"PATH/model.sig for a directory, PATH.sig for a file).  With --cert (alias\n"
	"--certificate) the bundle carries the X.509 chain (leaf, then --chain)\n"
	"instead of a key hint.  An argument that is not a file or directory is a\n"
	"registry version: its blobs are re-hashed (they must match the catalogue),\n"
	"and the signature is stored in the registry (and written to --signature\n"
	"FILE when given); `gpai show` lists it.\n"
	"\n"
	SIGOPTS_USAGE,
	run,
};
