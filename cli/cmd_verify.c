/*
 * cmd_verify.c - `gpai verify PATH|NAME@VER (--key PUB.pem | --ca CA.pem |
 * --trusted)`: check an OMS signature and every file of the model (a
 * directory or file on disk, the blobs of a registry version, or a deployed
 * copy of one with --path); names each changed, missing and extra file;
 * exit 1 on any mismatch.  A signed dossier bundle (a tar.gz holding
 * dossier.sig) is handed to gpai_dossier_bundle_verify, the same check as
 * `gpai dossier verify`.
 */
#include "cli.h"
#include "dossier.h"
#include "regutil.h"
#include "sigopts.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

/* Largest signature file read. */
#define SIG_MAX (64u << 20)

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

/* What is being verified and against which bundle. */
struct target {
	const char *label;      /* PATH or NAME@VER as given */
	const char *sigpath;    /* bundle file, or NULL for a stored one */
	const char *model_path; /* directory or file to hash, or NULL */
	struct sigopts_files files; /* registry blobs when model_path is NULL */
	const char *subject;
	char *bundle;           /* bundle text */
	size_t bundle_len;
	char what[512];         /* how the bundle is named in messages */
};

static int report(struct cli *cli, const struct target *t, const struct gpai_verify_options *vo,
		  const struct gpai_verify_report *rep, int rc, const struct gpai_error *err)
{
	if (cli->json && (rc == GPAI_OK || rc == GPAI_EVERIFY) && rep->material) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddBoolToObject(j, "verified", rc == GPAI_OK);
		cJSON_AddStringToObject(j, "model", t->label);
		cJSON_AddStringToObject(j, "signature", t->what);
		cJSON_AddStringToObject(j, "method", material_name(rep->material));
		cJSON_AddStringToObject(j, "signer", rep->signer);
		cJSON_AddBoolToObject(j, "legacy_v0_2", rep->legacy);
		cJSON_AddBoolToObject(j, "ignore_unsigned_files", vo->ignore_unsigned);
		cJSON_AddNumberToObject(j, "checked", (double)rep->n_checked);
		cJSON_AddItemToObject(j, "changed", names_json(rep->changed, rep->n_changed));
		cJSON_AddItemToObject(j, "missing", names_json(rep->missing, rep->n_missing));
		cJSON_AddItemToObject(j, "extra", names_json(rep->extra, rep->n_extra));
		if (rc)
			cJSON_AddStringToObject(j, "error", gpai_errmsg(err));
		cli_print_json(j);
		return rc ? CLI_FAIL : CLI_OK;
	}
	for (size_t i = 0; i < rep->n_changed; i++)
		printf("changed: %s\n", rep->changed[i]);
	for (size_t i = 0; i < rep->n_missing; i++)
		printf("missing: %s\n", rep->missing[i]);
	for (size_t i = 0; i < rep->n_extra; i++)
		printf("extra: %s\n", rep->extra[i]);
	if (rc)
		return cli_fail(err, "verification of '%s' failed", t->label);
	if (!cli->quiet)
		printf("verified '%s': %zu resources match the signature (%s %s%s)%s\n", t->label,
		       rep->n_checked, material_name(rep->material), rep->signer,
		       rep->compat_pae ? ", model_signing 0.2 compat signature" : "",
		       vo->ignore_unsigned ? "; only files named by the signature were checked" : "");
	return CLI_OK;
}

/* `gpai verify BUNDLE.tar.gz`: the dossier bundle check of dossier.h
 * against --key or the registry's trusted keys. */
static int verify_bundle(struct cli *cli, const char *path, const struct gpai_verify_options *vo)
{
	struct gpai_bundle_trust trust;
	struct gpai_bundle_check chk;
	struct gpai_error err;
	int rc;

	gpai_error_init(&err);
	memset(&trust, 0, sizeof(trust));
	trust.key_path = vo->key_path;
	trust.key_pems = vo->key_pems;
	trust.n_key_pems = vo->n_key_pems;
	rc = gpai_dossier_bundle_verify(path, &trust, NULL, &chk, &err);
	if (cli->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddBoolToObject(j, "verified", rc == GPAI_OK);
		cJSON_AddStringToObject(j, "bundle", path);
		cJSON_AddStringToObject(j, "kind", "dossier");
		cJSON_AddStringToObject(j, "signer", chk.signer);
		cJSON_AddStringToObject(j, "root_digest", chk.root_digest);
		cJSON_AddNumberToObject(j, "checked", (double)chk.n_files);
		if (rc)
			cJSON_AddStringToObject(j, "error", gpai_errmsg(&err));
		cli_print_json(j);
	}
	if (rc)
		return cli_fail(&err, "verification of '%s' failed", path);
	if (!cli->json && !cli->quiet)
		printf("verified dossier bundle '%s': %zu files match the signature (key %s); "
		       "model root digest %s\n", path, chk.n_files, chk.signer, chk.root_digest);
	return CLI_OK;
}

/* Fills t for registry version ref: the bundle (--signature FILE or the
 * newest stored one) and the blobs, or deploy_path. */
static int load_ref(struct gpai_registry *reg, const char *ref, const char *deploy_path,
		    struct target *t, struct gpai_version *v, int *have_v,
		    struct gpai_error *err)
{
	struct gpai_signature *sigs = NULL;
	size_t nsigs = 0;
	int rc;

	if ((rc = gpai_registry_lookup(reg, ref, v, err)))
		return rc;
	*have_v = 1;
	t->subject = v->name;
	if (!t->sigpath) {
		if ((rc = gpai_registry_signatures(reg, v, &sigs, &nsigs, err)))
			return rc;
		if (nsigs == 0)
			return gpai_error_set(err, GPAI_ENOTFOUND,
					      "'%s@%s' has no stored signature (see 'gpai sign "
					      "NAME@VER')", v->name, v->version);
		t->bundle = gpai_strdup(sigs[0].bundle);
		snprintf(t->what, sizeof(t->what), "signature of %s@%s (%s)", v->name,
			 v->version, sigs[0].signed_at);
		gpai_signatures_free(sigs, nsigs);
		if (!t->bundle)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		t->bundle_len = strlen(t->bundle);
	}
	if (deploy_path)
		t->model_path = deploy_path;
	else if ((rc = sigopts_load_files(reg, v, &t->files, err)))
		return rc;
	return GPAI_OK;
}

static int run(struct cli *cli, int argc, char **argv)
{
	struct sigopts so;
	struct gpai_verify_options vo;
	struct gpai_verify_report rep;
	struct sigopts_trusted tr;
	struct gpai_registry *reg = NULL;
	struct gpai_version v;
	struct gpai_error err;
	struct cli_progress prog = { cli, "verifying", 0 };
	struct target t;
	const char *path = NULL, *deploy = NULL;
	char *defsig = NULL;
	int rc, trusted = 0, have_v = 0;

	sigopts_init(&so);
	memset(&vo, 0, sizeof(vo));
	memset(&t, 0, sizeof(t));
	memset(&tr, 0, sizeof(tr));
	gpai_verify_report_init(&rep);
	gpai_error_init(&err);
	for (int i = 1; i < argc;) {
		const char *a = argv[i];

		rc = sigopts_parse(&so, "verify", argc, argv, &i);
		if (rc == 1)
			continue;
		if (rc)
			goto out;
		if (strcmp(a, "--ignore-unsigned-files") == 0 || strcmp(a, "--trusted") == 0) {
			if (a[2] == 'i')
				vo.ignore_unsigned = 1;
			else
				trusted = 1;
			i++;
			continue;
		}
		if (strcmp(a, "--key") == 0 || strcmp(a, "--ca") == 0 ||
		    strcmp(a, "--signature") == 0 || strcmp(a, "--path") == 0) {
			if (i + 1 >= argc) {
				rc = cli_usage("verify", "%s needs a file", a);
				goto out;
			}
			if (strcmp(a, "--key") == 0)
				vo.key_path = argv[i + 1];
			else if (strcmp(a, "--ca") == 0)
				vo.ca_path = argv[i + 1];
			else if (strcmp(a, "--path") == 0)
				deploy = argv[i + 1];
			else
				t.sigpath = argv[i + 1];
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
		rc = cli_usage("verify", "missing PATH or NAME@VER");
		goto out;
	}
	if (!!vo.key_path + !!vo.ca_path + trusted != 1) {
		rc = cli_usage("verify", "give exactly one of --key PUB.pem, --ca CA.pem and "
			       "--trusted");
		goto out;
	}
	if (so.set_method || so.set_hash || so.set_shard || so.set_symlinks) {
		rc = cli_usage("verify", "the serialization comes from the signature; "
			       "only --ignore-paths and --threads apply");
		goto out;
	}
	t.label = path;
	if (trusted || sigopts_is_ref(path)) {
		if (sigopts_open_registry(cli, path, &reg)) {
			rc = CLI_FAIL;
			goto out;
		}
	}
	if (trusted) {
		if ((rc = sigopts_load_trusted(reg, &tr, &err))) {
			rc = cli_fail(&err, "cannot verify '%s'", path);
			goto out;
		}
		vo.key_pems = tr.key_pems;
		vo.n_key_pems = tr.n_key;
		vo.ca_pems = tr.ca_pems;
		vo.n_ca_pems = tr.n_ca;
	}
	if (sigopts_is_ref(path)) {
		if ((rc = load_ref(reg, path, deploy, &t, &v, &have_v, &err))) {
			rc = cli_fail(&err, "cannot verify '%s'", path);
			goto out;
		}
	} else if (gpai_dossier_is_bundle(path)) {
		if (vo.ca_path || deploy || t.sigpath || vo.ignore_unsigned) {
			rc = cli_usage("verify", "a dossier bundle is checked with --key PUB.pem or "
				       "--trusted only (its signature is dossier.sig inside it)");
			goto out;
		}
		rc = verify_bundle(cli, path, &vo);
		goto out;
	} else {
		if (deploy) {
			rc = cli_usage("verify", "--path goes with a registry version NAME@VER");
			goto out;
		}
		t.model_path = path;
		if (!t.sigpath) {
			defsig = gpai_is_dir(path) ? gpai_path_join(path, GPAI_OMS_SIGNATURE_NAME)
						   : gpai_asprintf("%s.sig", path);
			if (!defsig) {
				rc = cli_failf("out of memory");
				goto out;
			}
			t.sigpath = defsig;
		}
	}
	if (t.sigpath) {
		gpai_strlcpy(t.what, t.sigpath, sizeof(t.what));
		if (gpai_read_file(t.sigpath, SIG_MAX, &t.bundle, &t.bundle_len, &err)) {
			rc = cli_fail(&err, "verification of '%s' failed", path);
			goto out;
		}
	}
	vo.hash = so.h;
	vo.hash.signature = t.sigpath;
	vo.hash.progress = cli_progress_cb;
	vo.hash.progress_ctx = &prog;
	rc = gpai_oms_verify_text(t.model_path, t.files.list, t.files.n, t.subject, t.what,
				  t.bundle, t.bundle_len, &vo, &rep, &err);
	cli_progress_end(&prog);
	rc = report(cli, &t, &vo, &rep, rc, &err);
out:
	free(defsig);
	free(t.bundle);
	sigopts_files_free(&t.files);
	sigopts_trusted_free(&tr);
	if (have_v)
		gpai_version_release(&v);
	gpai_registry_close(reg);
	gpai_verify_report_release(&rep);
	sigopts_release(&so);
	return rc;
}

const struct cli_cmd cmd_verify = {
	"verify", "check an OMS signature and every file of a model",
	"gpai verify PATH|NAME[@VER] (--key PUB.pem | --ca CA.pem | --trusted)\n"
	"gpai verify BUNDLE.tar.gz (--key PUB.pem | --trusted)\n"
	"            [--signature FILE] [--path DIR] [--ignore-unsigned-files]\n"
	"            [--ignore-paths P...] [--threads N]\n"
	"\n"
	"Checks the Sigstore bundle (default PATH/model.sig, or PATH.sig for a file):\n"
	"its signature against the trusted public key or CA certificates, the\n"
	"in-toto statement and its root digest; then re-hashes the model with the\n"
	"recorded serialization and ignore paths and compares the full set.  Prints\n"
	"each changed, missing and extra file (or shard) and exits 1 on any\n"
	"mismatch.  --ignore-unsigned-files hashes only the files the signature\n"
	"names (extra files are not reported).  Keyless Sigstore bundles need a\n"
	"Sigstore trust root and are reported as such (exit 1).\n"
	"\n"
	"An argument that is not a file or directory is a registry version: its\n"
	"newest stored signature (or --signature FILE) is checked against its blobs,\n"
	"or with --path DIR against a deployed copy.  --trusted uses the keys and CA\n"
	"certificates marked trusted in the registry (gpai key import/trust).\n"
	"\n"
	"A signed dossier bundle (gpai dossier --out FILE.tar.gz --key K, a tar.gz\n"
	"holding dossier.sig) is checked as `gpai dossier verify` does: dossier.sig\n"
	"against --key or a trusted key, every file of the bundle against it, and\n"
	"the bound model root digest against dossier.json.\n",
	run,
};
