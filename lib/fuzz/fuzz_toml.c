/* fuzz_toml.c: libFuzzer harness: lib/toml's reader on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "toml.h"

/*
 * Lock files and pyproject.toml come from the project being audited, so every byte is the
 * attacker's.  Beyond "no crash, no leak, no undefined behaviour": an error names the file
 * and a line inside the input, and what parsed is a JSON object jansson can write.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	aura_set_progname("fuzz-toml");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	json_t *v = toml_parse((const char *)data, size, "in.toml", err, sizeof err);
	if (!v) {
		unsigned long line = 0;
		if (strncmp(err, "in.toml:", 8) != 0 || !memchr(err, '\0', sizeof err))
			abort();	/* the error names the file */
		line = strtoul(err + 8, NULL, 10);
		size_t lines = 1;
		for (size_t i = 0; i < size; i++)
			lines += data[i] == '\n';
		if (line < 1 || line > lines)
			abort();	/* ... and a line that exists */
		return 0;
	}
	if (!json_is_object(v))
		abort();
	char *text = json_dumps(v, JSON_COMPACT);
	if (!text)
		abort();	/* every string is UTF-8, every key writable */
	free(text);
	json_decref(v);
	return 0;
}
