/* fuzz_tokenizer.c - libFuzzer target for the llama2.c tokenizer.bin
 * reader, then an encode/decode round trip through what it loaded.  The
 * first two input bytes (little-endian) give the vocabulary size, 0..4096
 * (it comes from the model's header in real use); the rest is the file.
 * fuzz-requires: gpai_tokenizer_open_llama2c */
#include "inference.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *tmpdir(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t ? t : "/tmp";
}

#define FUZZ_MAX_VOCAB 4096
static const char text[] = "Once upon a time, a caf\xc3\xa9 <0x0A> \xf0\x9f\x98\x80 zz";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gpai_tokenizer *tok = NULL;
	struct gpai_error err;
	static char path[4096];
	int32_t n_vocab, *ids = NULL;
	size_t n_ids = 0, blen = 0;
	char *back = NULL;
	FILE *f;

	if (size < 2)
		return 0;
	n_vocab = (int32_t)((data[0] | (data[1] << 8)) % (FUZZ_MAX_VOCAB + 1));
	if (!path[0])
		snprintf(path, sizeof(path), "%s/gpai-fuzz-tok-%ld.bin", tmpdir(), (long)getpid());
	f = fopen(path, "wb");
	if (!f)
		return 0;
	if (fwrite(data + 2, 1, size - 2, f) != size - 2) {
		fclose(f);
		return 0;
	}
	fclose(f);
	gpai_error_init(&err);
	if (gpai_tokenizer_open_llama2c(path, n_vocab, &tok, &err) != GPAI_OK) {
		if (err.msg[0] == '\0')
			abort(); /* every failure carries a message */
		unlink(path);
		return 0;
	}
	if (gpai_tokenizer_encode(tok, text, sizeof(text) - 1, 1, &ids, &n_ids, &err) == GPAI_OK)
		(void)gpai_tokenizer_decode(tok, ids, n_ids, &back, &blen, &err);
	for (int32_t id = -1; id <= n_vocab; id++) {
		size_t len;

		(void)gpai_tokenizer_piece(tok, 1, id, &len);
	}
	free(ids);
	free(back);
	gpai_tokenizer_free(tok);
	unlink(path);
	return 0;
}
