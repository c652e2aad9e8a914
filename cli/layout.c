/*
 * layout.c - a registry version's files laid out as a model directory:
 * symbolic links named by each file's relative path, pointing at the blobs
 * (absolute paths), under a fresh temporary directory.  The engine then
 * opens them as it opens any model on disk (gpai run NAME@VER, gpai eval
 * verify).
 */
#include "layout.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The version's files as links to their blobs under a fresh directory. */
int layout_create(const struct gpai_file *f, size_t n, char **dir_out, struct gpai_error *err)
{
	const char *tmp = getenv("TMPDIR");
	char *dir = gpai_asprintf("%s/gpai-eval-XXXXXX", tmp && *tmp ? tmp : "/tmp");

	*dir_out = NULL;
	if (!dir)
		return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
	if (!mkdtemp(dir)) {
		int e = errno;

		free(dir);
		return gpai_error_errno(err, GPAI_EIO, e, "cannot create a temporary directory");
	}
	*dir_out = dir;
	for (size_t i = 0; i < n; i++) {
		char *p = gpai_path_join(dir, f[i].relpath), *slash;
		int rc = GPAI_OK;

		if (!p)
			return gpai_error_set(err, GPAI_ENOMEM, "out of memory");
		slash = strrchr(p, '/');
		if (slash && slash > p + strlen(dir)) {
			*slash = 0;
			rc = gpai_mkdir_p(p, 0700, err);
			*slash = '/';
		}
		if (!rc) {
			/* the link must not depend on the current directory */
			char *target = realpath(f[i].blob_path, NULL);

			if (!target)
				rc = gpai_error_errno(err, GPAI_EIO, errno, "blob of '%s' is missing",
						      f[i].relpath);
			else if (symlink(target, p) != 0)
				rc = gpai_error_errno(err, GPAI_EIO, errno, "cannot link '%s'", p);
			free(target);
		}
		free(p);
		if (rc)
			return rc;
	}
	return GPAI_OK;
}

void layout_remove(const char *dir, const struct gpai_file *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *p = gpai_path_join(dir, f[i].relpath), *slash;

		if (!p)
			continue;
		unlink(p);
		/* parent directories, deepest first */
		while ((slash = strrchr(p, '/')) && slash > p + strlen(dir)) {
			*slash = 0;
			if (rmdir(p) != 0)
				break;
		}
		free(p);
	}
	rmdir(dir);
}

