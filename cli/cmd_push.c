/*
 * cmd_push.c - `gpai push NAME@VER oci://HOST[:PORT]/REPO:TAG`: a registry
 * version to an OCI registry as a CNCF ModelPack artifact, with its newest
 * signature as a referrer (docs/push.md, docs/oci.md).
 */
#include "regutil.h"
#include "oci.h"
#include "ocidossier.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

static int report(const struct cli *cli, const char *ref, const char *uri,
		  const struct gpai_oci_push_result *res, const struct ocidossier_bundle *dossier)
{
	char b[32];

	if (cli->json) {
		cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "blobs");

		cJSON_AddStringToObject(o, "ref", ref);
		cJSON_AddStringToObject(o, "to", uri);
		cJSON_AddStringToObject(o, "manifest", res->manifest_digest);
		cJSON_AddNumberToObject(o, "uploaded", (double)res->uploaded);
		cJSON_AddNumberToObject(o, "skipped", (double)res->skipped);
		cJSON_AddNumberToObject(o, "mounted", (double)res->mounted);
		cJSON_AddNumberToObject(o, "bytes_uploaded", (double)res->bytes_uploaded);
		for (size_t i = 0; i < res->n_blobs; i++) {
			const struct gpai_oci_blob_result *r = &res->blobs[i];
			cJSON *e = cJSON_CreateObject();

			cJSON_AddStringToObject(e, "path", r->path);
			cJSON_AddStringToObject(e, "digest", r->digest);
			cJSON_AddNumberToObject(e, "size", (double)r->size);
			cJSON_AddBoolToObject(e, "uploaded", r->uploaded);
			if (r->mounted)
				cJSON_AddStringToObject(e, "mounted_from", r->mounted_from);
			else
				cJSON_AddNullToObject(e, "mounted_from");
			cJSON_AddNumberToObject(e, "chunks", r->chunks);
			cJSON_AddNumberToObject(e, "resumed", r->resumed);
			cJSON_AddNumberToObject(e, "restarted", r->restarted);
			cJSON_AddItemToArray(a, e);
		}
		if (res->signature_digest[0])
			cJSON_AddStringToObject(o, "signature", res->signature_digest);
		else
			cJSON_AddNullToObject(o, "signature");
		if (res->dossier_digest[0]) {
			cJSON_AddStringToObject(o, "dossier", res->dossier_digest);
			cJSON_AddNumberToObject(o, "dossier_number", dossier->number);
		} else {
			cJSON_AddNullToObject(o, "dossier");
			cJSON_AddNullToObject(o, "dossier_number");
		}
		if (res->referrers)
			cJSON_AddStringToObject(o, "referrers", res->referrers);
		else
			cJSON_AddNullToObject(o, "referrers");
		return cli_print_json(o);
	}
	if (!cli->quiet) {
		printf("pushed %s to %s: manifest %s; %llu blobs uploaded (%s), %llu mounted from "
		       "other repositories, %llu already there\n", ref, uri, res->manifest_digest,
		       (unsigned long long)res->uploaded, cli_bytes(res->bytes_uploaded, b),
		       (unsigned long long)res->mounted, (unsigned long long)res->skipped);
		if (res->signature_digest[0])
			printf("signature %s (referrers %s)\n", res->signature_digest,
			       strcmp(res->referrers, "api") == 0 ? "API" : "tag schema");
		if (res->dossier_digest[0])
			printf("dossier %d (%s) %s (referrers %s)\n", dossier->number,
			       dossier->path, res->dossier_digest,
			       strcmp(res->referrers, "api") == 0 ? "API" : "tag schema");
	}
	return CLI_OK;
}

/* 1 when repo is a valid OCI repository name (the rules of
 * gpai_oci_ref_parse). */
static int mount_repo_ok(const char *repo)
{
	struct gpai_oci_ref r;
	struct gpai_error e;
	char *uri = gpai_asprintf("oci://localhost/%s:t", repo);
	int ok;

	gpai_error_init(&e);
	ok = uri && !strpbrk(repo, ":@") && gpai_oci_ref_parse(uri, &r, &e) == GPAI_OK;
	if (ok) {
		ok = strcmp(r.repo, repo) == 0;
		gpai_oci_ref_release(&r);
	}
	free(uri);
	return ok;
}

static int run(struct cli *cli, int argc, char **argv)
{
	struct gpai_oci_options o;
	struct gpai_oci_push_result res;
	struct gpai_registry *reg;
	struct gpai_error err;
	struct cli_progress prog = { cli, "pushing", 0 };
	struct ocidossier_bundle dossier;
	const char *ref = NULL, *uri = NULL, *chunk = NULL, *mount = NULL, *user = NULL;
	char *password = NULL;
	int rc, no_dossier = 0, found = 0, pw_stdin = 0;

	memset(&o, 0, sizeof(o));
	memset(&dossier, 0, sizeof(dossier));
	for (int i = 1; i < argc;) {
		if (strcmp(argv[i], "--insecure-http") == 0) {
			o.insecure_http = 1;
			i++;
			continue;
		}
		if (strcmp(argv[i], "--no-dossier") == 0) {
			no_dossier = 1;
			i++;
			continue;
		}
		if (strcmp(argv[i], "--no-mount") == 0) {
			o.no_mount = 1;
			i++;
			continue;
		}
		if (strcmp(argv[i], "--password-stdin") == 0) {
			pw_stdin = 1;
			i++;
			continue;
		}
		if ((rc = regutil_opt("push", argc, argv, &i, "--chunk-size", &chunk)) ||
		    (rc = regutil_opt("push", argc, argv, &i, "--mount-from", &mount)) ||
		    (rc = regutil_opt("push", argc, argv, &i, "--username", &user))) {
			if (rc < 0)
				return CLI_USAGE;
			continue;
		}
		if (argv[i][0] == '-')
			return cli_usage("push", "unknown option '%s'", argv[i]);
		if (!ref)
			ref = argv[i];
		else if (!uri)
			uri = argv[i];
		else
			return cli_usage("push", "unexpected argument '%s'", argv[i]);
		i++;
	}
	if (!uri)
		return cli_usage("push", "needs NAME@VER and oci://HOST[:PORT]/REPO:TAG");
	if (chunk && (gpai_parse_u64(chunk, &o.chunk_size) || o.chunk_size == 0))
		return cli_usage("push", "--chunk-size needs a positive number of bytes, not '%s'",
				 chunk);
	if (mount && o.no_mount)
		return cli_usage("push", "--mount-from and --no-mount exclude each other");
	if (mount && !mount_repo_ok(mount))
		return cli_usage("push", "--mount-from needs a repository name of the same registry "
				 "(e.g. team/models), not '%s'", mount);
	o.mount_from = mount;
	if ((rc = regutil_password_stdin("push", user, pw_stdin, &password)))
		return rc;
	o.username = user;
	o.password = password;
	if (regutil_open(cli, &reg)) {
		free(password);
		return CLI_FAIL;
	}
	gpai_error_init(&err);
	if (!no_dossier && ocidossier_latest(reg, ref, &dossier, &found, &err)) {
		gpai_registry_close(reg);
		free(password);
		return cli_fail(&err, "cannot push '%s' to '%s'", ref, uri);
	}
	if (found) {
		o.dossier = dossier.data;
		o.dossier_len = dossier.len;
		o.dossier_created = dossier.generated_at;
		o.dossier_audience = dossier.audience;
	}
	o.progress = cli_progress_cb;
	o.progress_ctx = &prog;
	rc = gpai_oci_push(reg, ref, uri, &o, &res, &err);
	cli_progress_end(&prog);
	gpai_registry_close(reg);
	if (password) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	if (rc) {
		gpai_oci_push_result_release(&res);
		ocidossier_bundle_release(&dossier);
		return cli_fail(&err, "cannot push '%s' to '%s'", ref, uri);
	}
	rc = report(cli, ref, uri, &res, &dossier);
	gpai_oci_push_result_release(&res);
	ocidossier_bundle_release(&dossier);
	return rc;
}

const struct cli_cmd cmd_push = {
	"push", "push a version to an OCI registry (ModelPack artifact, signature and dossier referrers)",
	"gpai push NAME[@VER] oci://HOST[:PORT]/REPO:TAG [--insecure-http]\n"
	"          [--chunk-size BYTES] [--no-dossier] [--mount-from REPO | --no-mount]\n"
	"          [--username USER --password-stdin]\n"
	"\n"
	"Uploads the version's files as the layers of a CNCF ModelPack artifact\n"
	"(blobs addressed by the SHA-256 the registry holds; blobs the registry\n"
	"already has are skipped), its ModelPack config and the manifest under TAG;\n"
	"then the newest stored signature and the newest dossier bundle (gpai\n"
	"dossier --out FILE.tar.gz, unless --no-dossier) as OCI referrers of the\n"
	"manifest.\n"
	"A blob the repository lacks is first mounted from another repository of\n"
	"the same registry (--mount-from REPO, then where gpai pushed it before;\n"
	"--no-mount uploads it).\n"
	"Blobs larger than the chunk size (default 64 MiB) go up in PATCH chunks\n"
	"and a broken chunk resumes from the offset the registry reports.\n"
	"Credentials come from --username with --password-stdin, else from\n"
	"~/.docker/config.json (Basic, or a Bearer token from the token service).\n"
	"--insecure-http uses plain http, for loopback registries only.\n",
	run,
};
