/* test_signing_hash.c - OMS enumeration and hashing: every serialization
 * golden of model_signing (../shared/reference/signing/model-transparency/
 * goldens/serialization-{file,shard}) reproduced byte for byte from the
 * sample models, plus the enumeration rules (ignores, symlinks, non-regular
 * files, non-UTF-8 names, empty files, spec names). */
#include "signing.h"
#include "harness.h"

#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define GOLDENS "reference/signing/model-transparency/goldens/"
#define SAMPLES "reference/signing/sample-models/"

/* Formats a manifest the way the goldens are written: "name:hex\n". */
static char *golden_text(const struct gpai_manifest *m)
{
	struct gpai_buf b;
	char hex[2 * GPAI_DIGEST_MAX + 1];

	gpai_buf_init(&b);
	gpai_buf_puts(&b, "");
	for (size_t i = 0; i < m->n; i++) {
		gpai_hex_encode(m->res[i].digest, m->res[i].digest_len, hex);
		gpai_buf_printf(&b, "%s:%s\n", m->res[i].name, hex);
	}
	return gpai_buf_detach(&b);
}

/* Builds (in the test's temp dir) or locates the model a golden name
 * describes; returns its path or NULL for an unknown name. */
static const char *model_for(const char *base)
{
	if (strcmp(base, "sample_model_folder") == 0)
		return t_shared(SAMPLES "sample_model");
	if (strcmp(base, "sample_model_file") == 0)
		return t_shared(SAMPLES "file_model");
	if (strcmp(base, "deep_model_folder") == 0)
		return t_shared(SAMPLES "deep_model");
	if (strcmp(base, "empty_model_folder") == 0) {
		mkdir("empty_folder_model", 0755);
		return "empty_folder_model";
	}
	if (strcmp(base, "empty_model_file") == 0) {
		t_write("empty_file_model", "", 0);
		return "empty_file_model";
	}
	if (strcmp(base, "model_folder_with_empty_file") == 0) {
		mkdir("empty_file_inside_model", 0755);
		t_write("empty_file_inside_model/empty_file", "", 0);
		return "empty_file_inside_model";
	}
	if (strcmp(base, "symlink_model_folder") == 0) {
		/* The golden: one entry "symlink_file" with file_model's digest. */
		mkdir("symlink_model", 0755);
		if (symlink(t_shared(SAMPLES "file_model"), "symlink_model/symlink_file") != 0 &&
		    access("symlink_model/symlink_file", F_OK) != 0)
			return NULL;
		return "symlink_model";
	}
	return NULL;
}

/* Checks every golden in one folder; sharded: shard size from the name. */
static int check_golden_dir(const char *sub, int sharded, int *checked)
{
	char dirpath[4096];
	struct dirent *e;
	DIR *d;
	int bad = 0;

	snprintf(dirpath, sizeof(dirpath), "%s", t_shared(sub));
	d = opendir(dirpath);
	if (!d) {
		printf("#   cannot open %s\n", dirpath);
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		struct gpai_hash_options opt;
		struct gpai_manifest m;
		struct gpai_error err;
		char base[256], gpath[4352], *want = NULL, *got;
		const char *model, *suffix = "_small_shards";
		size_t wlen;

		if (e->d_name[0] == '.')
			continue;
		memset(&opt, 0, sizeof(opt));
		opt.allow_symlinks = 1;
		opt.no_default_ignores = 1;
		gpai_strlcpy(base, e->d_name, sizeof(base));
		if (sharded) {
			size_t bl = strlen(base), sl = strlen(suffix);

			opt.method = GPAI_OMS_SHARDS;
			opt.shard_size = GPAI_OMS_DEFAULT_SHARD_SIZE;
			if (bl > sl && strcmp(base + bl - sl, suffix) == 0) {
				base[bl - sl] = '\0';
				opt.shard_size = 8;
			}
		}
		model = model_for(base);
		if (!model) {
			printf("#   no model for golden '%s'\n", e->d_name);
			bad = 1;
			continue;
		}
		snprintf(gpath, sizeof(gpath), "%s/%s", dirpath, e->d_name);
		gpai_error_init(&err);
		gpai_manifest_init(&m);
		if (gpai_read_file(gpath, 1 << 20, &want, &wlen, &err) != 0 ||
		    gpai_oms_hash_model(model, &opt, &m, &err) != 0) {
			printf("#   %s: %s\n", e->d_name, gpai_errmsg(&err));
			bad = 1;
			free(want);
			gpai_manifest_release(&m);
			continue;
		}
		got = golden_text(&m);
		if (!got || strcmp(want, got) != 0) {
			printf("#   %s differs:\n# want:\n%s# got:\n%s", e->d_name, want,
			       got ? got : "(null)");
			bad = 1;
		}
		(*checked)++;
		free(want);
		free(got);
		gpai_manifest_release(&m);
	}
	closedir(d);
	return bad;
}

TEST(every_file_serialization_golden)
{
	int n = 0;

	CHECK_INT(0, check_golden_dir(GOLDENS "serialization-file", 0, &n));
	CHECK_INT(7, n);
}

TEST(every_shard_serialization_golden)
{
	int n = 0;

	CHECK_INT(0, check_golden_dir(GOLDENS "serialization-shard", 1, &n));
	CHECK_INT(14, n);
}

TEST(sample_model_root_and_single_file_names)
{
	struct gpai_hash_options opt = { 0 };
	struct gpai_manifest m;
	struct gpai_error err;
	char hex[65];

	gpai_error_init(&err);
	gpai_manifest_init(&m);
	CHECK_OK(gpai_oms_hash_model(t_shared(SAMPLES "sample_model"), &opt, &m, &err), &err);
	gpai_hex_encode(m.root, 32, hex);
	/* EXPECTED.txt */
	CHECK_STR("143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7", hex);
	CHECK_STR("sample_model", m.subject);
	gpai_manifest_release(&m);

	/* Spec form: the single file is named by its basename, shard
	 * algorithm = hash_type; the root is unchanged (names not hashed). */
	opt.spec_names = 1;
	opt.method = GPAI_OMS_SHARDS;
	opt.shard_size = 8;
	CHECK_OK(gpai_oms_hash_model(t_shared(SAMPLES "file_model"), &opt, &m, &err), &err);
	CHECK_INT(3, m.n);
	CHECK_STR("file_model:0:8", m.res[0].name);
	CHECK_STR("file_model:16:22", m.res[2].name);
	CHECK_STR("sha256", m.res[0].algorithm);
	gpai_hex_encode(m.root, 32, hex);
	CHECK_STR("57d54248751a51781ac2bed647670df0c45d3926e337021585c34a82384b6573", hex);
	gpai_manifest_release(&m);
}

TEST(thread_counts_give_the_same_manifest)
{
	struct gpai_hash_options opt = { 0 };
	struct gpai_manifest m;
	struct gpai_error err;
	char *one, *many;

	gpai_error_init(&err);
	gpai_manifest_init(&m);
	opt.method = GPAI_OMS_SHARDS;
	opt.shard_size = 8;
	opt.threads = 1;
	CHECK_OK(gpai_oms_hash_model(t_shared(SAMPLES "sample_model"), &opt, &m, &err), &err);
	one = golden_text(&m);
	opt.threads = 7;
	CHECK_OK(gpai_oms_hash_model(t_shared(SAMPLES "sample_model"), &opt, &m, &err), &err);
	many = golden_text(&m);
	CHECK_STR(one, many);
	CHECK_INT(30, m.n);
	free(one);
	free(many);
	gpai_manifest_release(&m);
}

TEST(default_ignores_are_applied_and_recorded)
{
	struct gpai_hash_options opt = { 0 };
	struct gpai_manifest m;
	struct gpai_error err;
	const char *ign[] = { "m/sub", "./skip.bin" };

	gpai_error_init(&err);
	gpai_manifest_init(&m);
	mkdir("m", 0755);
	mkdir("m/.git", 0755);
	mkdir("m/sub", 0755);
	mkdir("m/keep", 0755);
	t_write("m/.git/HEAD", "ref", 3);
	t_write("m/.gitattributes", "x", 1);
	t_write("m/model.sig", "{}", 2);
	t_write("m/sub/a", "a", 1);
	t_write("m/skip.bin", "s", 1);
	t_write("m/keep/.gitignore", "k", 1); /* not top-level: hashed */
	t_write("m/w", "w", 1);
	opt.ignore = ign;
	opt.n_ignore = 2;
	CHECK_OK(gpai_oms_hash_model("m", &opt, &m, &err), &err);
	CHECK_INT(2, m.n);
	CHECK_STR("keep/.gitignore", m.res[0].name);
	CHECK_STR("w", m.res[1].name);
	CHECK_INT(7, m.cfg.n_ignore);
	CHECK_STR(".git", m.cfg.ignore_paths[0]);
	CHECK_STR("model.sig", m.cfg.ignore_paths[4]);
	CHECK_STR("skip.bin", m.cfg.ignore_paths[5]);
	CHECK_STR("sub", m.cfg.ignore_paths[6]);
	gpai_manifest_release(&m);
}

TEST(bad_entries_are_rejected_by_name)
{
	struct gpai_hash_options opt = { 0 };
	struct gpai_manifest m;
	struct gpai_error err;
	const char *out[] = { "../x" };

	gpai_error_init(&err);
	gpai_manifest_init(&m);
	mkdir("m", 0755);
	t_write("m/a", "a", 1);
	CHECK(symlink("a", "m/link") == 0);
	CHECK_ERR(GPAI_EFORMAT, gpai_oms_hash_model("m", &opt, &m, &err), &err,
		  "'m/link' is a symbolic link");
	unlink("m/link");
	CHECK(mkfifo("m/pipe", 0644) == 0);
	CHECK_ERR(GPAI_EFORMAT, gpai_oms_hash_model("m", &opt, &m, &err), &err,
		  "'m/pipe' is not a regular file");
	unlink("m/pipe");
	CHECK(symlink("/", "m/dirlink") == 0);
	opt.allow_symlinks = 1;
	CHECK_ERR(GPAI_EFORMAT, gpai_oms_hash_model("m", &opt, &m, &err), &err,
		  "symbolic link to a directory");
	unlink("m/dirlink");
	t_write("m/bad\xff", "b", 1);
	CHECK_ERR(GPAI_EFORMAT, gpai_oms_hash_model("m", &opt, &m, &err), &err,
		  "not valid UTF-8");
	unlink("m/bad\xff");
	opt.ignore = out;
	opt.n_ignore = 1;
	CHECK_ERR(GPAI_EFORMAT, gpai_oms_hash_model("m", &opt, &m, &err), &err,
		  "ignore path '../x'");
	CHECK_ERR(GPAI_ENOTFOUND, gpai_oms_hash_model("nosuch", &opt, &m, &err), &err,
		  "cannot open model 'nosuch'");
}

TEST(names_are_validated)
{
	CHECK(gpai_oms_name_valid("."));
	CHECK(gpai_oms_name_valid("a/b.c"));
	CHECK(gpai_oms_name_valid("a:b"));
	CHECK(!gpai_oms_name_valid(""));
	CHECK(!gpai_oms_name_valid("/etc/passwd"));
	CHECK(!gpai_oms_name_valid("a/../b"));
	CHECK(!gpai_oms_name_valid("./a"));
	CHECK(!gpai_oms_name_valid("a//b"));
	CHECK(!gpai_oms_name_valid("a/"));
	CHECK(!gpai_oms_name_valid(".."));
}
