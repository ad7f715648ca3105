/* fuzz_pyc.c: libFuzzer harness: raw .pyc bytes through pyc.c's marshal reader and bytecode model. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pyc.h"

/*
 * Built by hand (make fuzz names harnesses by stage):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ilib -Iaura-parse \
 *     aura-parse/fuzz/fuzz_pyc.c aura-parse/pyc.c lib/libaura.a \
 *     $(pkg-config --libs jansson nettle libseccomp)
 * Seeds: the .pyc files of tests/fixtures/recall2/.  The text must be NUL-terminated and no longer than
 * the limit given.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	aura_set_progname("fuzz-pyc");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pyc_report rep;
	size_t max = 1u << 20;
	char *text = pyc_recover(data, size, max, &rep);
	if (text && strlen(text) > max + 4096)
		abort();
	free(text);
	return 0;
}
