/* fuzz_model.c - libFuzzer target for the model-file readers (GGUF,
 * safetensors, llama2.c): the header probe, the tensor-access handle (which
 * validates every tensor's data range) and, for GGUF, the tokenizer the
 * file carries.  The first input byte picks the file name's ending (.gguf,
 * .safetensors, .bin), the rest is the file.
 * fuzz-requires: gpai_model_probe_file gpai_model_open gpai_tokenizer_open_gguf */
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
	struct gpai_modelinfo info;
	struct gpai_model *m = NULL;
	struct gpai_tokenizer *tok = NULL;
	struct gpai_error err;
	char path[4096];
	FILE *f;

	if (size < 1)
		return 0;
	snprintf(path, sizeof(path), "%s/gpai-fuzz-model-%ld.%s", tmpdir(), (long)getpid(),
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
	memset(&info, 0, sizeof(info));
	if (gpai_model_probe_file(path, &info, &err) != GPAI_OK && err.msg[0] == '\0')
		abort(); /* every failure carries a message */
	gpai_error_init(&err);
	if (gpai_model_open(path, &m, &err) == GPAI_OK) {
		gpai_model_info(m, &info);
		for (int i = 0; i < gpai_model_file_count(m); i++)
			(void)gpai_model_file_path(m, i);
		gpai_model_close(m);
	} else if (err.msg[0] == '\0') {
		abort();
	}
	if (data[0] % N_ENDINGS == 0) {
		gpai_error_init(&err);
		if (gpai_tokenizer_open_gguf(path, &tok, &err) == GPAI_OK)
			gpai_tokenizer_free(tok);
		else if (err.msg[0] == '\0')
			abort();
	}
	unlink(path);
	return 0;
}
