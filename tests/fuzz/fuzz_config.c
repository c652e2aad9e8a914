/* fuzz_config.c - libFuzzer target for the HF config.json reader.
 * fuzz-requires: gpai_model_probe_config */
#include "inference.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpai_modelinfo info;
	struct gpai_error err;
	static char path[4096];
	FILE *f;

	if (!path[0])
		snprintf(path, sizeof(path), "%s/gpai-fuzz-config-%ld.json", tmpdir(), (long)getpid());
	f = fopen(path, "wb");
	if (!f)
		return 0;
	if (fwrite(data, 1, size, f) != size) {
		fclose(f);
		return 0;
	}
	fclose(f);
	gpai_error_init(&err);
	memset(&info, 0, sizeof(info));
	if (gpai_model_probe_config(path, &info, &err) != GPAI_OK && err.msg[0] == '\0')
		abort(); /* every failure carries a message */
	unlink(path);
	return 0;
}
