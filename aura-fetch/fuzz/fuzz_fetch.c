/* fuzz_fetch.c: libFuzzer harness: arbitrary bytes as an XML-RPC answer (PyPI's changelog) through xmlrpc_parse, unsealed. */
#include <libxml/parser.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "../fetch.h"	/* the stage's own header, beside this folder */

/*
 * Each input is read twice, as aura watch reads its two calls: as changelog_since_serial's
 * answer (an array, handed over element by element) and as changelog_last_serial's (one
 * value).  Every element is walked so that a value built wrongly shows under ASan.
 */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	aura_set_progname("fuzz-fetch");
	xmlInitParser();
	return 0;
}

static int each_change(json_t *item, size_t index, void *ctx, char *why, size_t cap)
{
	size_t *count = ctx;
	char *text = json_dumps(item, JSON_COMPACT | JSON_ENCODE_ANY);
	*count += text ? strlen(text) : 0;
	free(text);
	(void)index;
	(void)why;
	(void)cap;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[1024];
	size_t count = 0;
	json_t *result = NULL;
	xmlrpc_parse(data, size, "fuzz", each_change, &count, &result, why, sizeof why);
	json_decref(result);
	if (xmlrpc_parse(data, size, "fuzz", NULL, NULL, &result, why, sizeof why) == 0)
		each_change(result, 0, &count, why, sizeof why);
	json_decref(result);
	return 0;
}
