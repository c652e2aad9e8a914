/* fuzz_engine.c - libFuzzer target for the engine's model loader (shapes,
 * tensor types, the KV cache sized from the header): open the input as a
 * model file and, if it opens, run one forward step.  A header asking for
 * absurd shapes must be refused, not allocated.  As in fuzz_model, the
 * first byte picks the ending (.gguf, .safetensors, .bin).
 * fuzz-requires: gpai_engine_open */
#include "inference.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

static const char *const endings[] = { "gguf", "safetensors", "bin" };
#define N_ENDINGS (sizeof(endings) / sizeof(endings[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpai_engine_options opt = { 1, NULL };
	struct gpai_engine *eng = NULL;
	struct gpai_error err;
	char path[4096];
	float *logits = NULL;
	FILE *f;

	if (size < 1)
		return 0;
	snprintf(path, sizeof(path), "%s/gpai-fuzz-engine-%ld.%s", tmpdir(), (long)getpid(),
		 endings[data[0] % N_ENDINGS]);
	f = fopen(path, "wb");
	if (!f)
		return 0;
	if (fwrite(data + 1, 1, size - 1, f) != size - 1) {
		fclose(f);
		unlink(path);
		return 0;
	}
	fclose(f);
	gpai_error_init(&err);
	if (gpai_engine_open(path, &opt, &eng, &err) != GPAI_OK) {
		if (err.msg[0] == '\0')
			abort(); /* every failure carries a message */
		unlink(path);
		return 0;
	}
	(void)gpai_engine_forward(eng, 0, 0, &logits, &err);
	gpai_engine_free(eng);
	unlink(path);
	return 0;
}
