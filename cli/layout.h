/*
 * layout.h - a registry version's files as a model directory of links to
 * the blobs (cli/layout.c).
 */
#ifndef GPAI_CLI_LAYOUT_H
#define GPAI_CLI_LAYOUT_H

#include <stddef.h>

#include "registry.h"

/* Creates $TMPDIR/gpai-eval-XXXXXX holding a link per file (relpath ->
 * the blob's absolute path).  *dir_out (malloc'd) is set as soon as the
 * directory exists, also on a later error, so that layout_remove can clean
 * up.  Returns GPAI_OK or an error code with the message in err. */
int layout_create(const struct gpai_file *f, size_t n, char **dir_out, struct gpai_error *err);
/* Removes the links, the directories made for them and dir. */
void layout_remove(const char *dir, const struct gpai_file *f, size_t n);

#endif
