/* fuzz_jsonr.c: libFuzzer harness: lib/jsonr's reader on arbitrary bytes, with a round-trip check. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jsonr.h"
#include "jsonw.h"

/*
 * Every stage reads its input through jsonr_parse, so whatever a hostile upstream stage
 * (or a hostile package, through it) can put on a line lands here.  Beyond "no crash, no
 * leak, no undefined behaviour" the harness checks two properties the stages rely on:
 * an error names an offset inside the input, and a value that parsed is written by
 * lib/jsonw (the stages' writer) as text that parses back to the same text.  A value
 * that changed on the way through would be a record that means something else downstream.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jsonw first, second;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	aura_set_progname("fuzz-jsonr");
	jw_init(&first);
	jw_init(&second);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jsonr_error err;
	json_t *v = jsonr_parse((const char *)data, size, &err);
	if (!v) {
		if (err.offset > size || !memchr(err.text, '\0', sizeof err.text))
			abort();	/* the error must point into the input and be a string */
		return 0;
	}
	jw_reset(&first);
	jw_json(&first, v);
	json_decref(v);

	json_t *again = jsonr_parse(first.buf, first.len, &err);
	if (!again)
		abort();	/* our own output must parse */
	jw_reset(&second);
	jw_json(&second, again);
	json_decref(again);
	if (first.len != second.len || memcmp(first.buf, second.buf, first.len) != 0)
		abort();	/* written, read and written again: the same bytes */
	return 0;
}
