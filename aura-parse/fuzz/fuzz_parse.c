/* fuzz_parse.c: libFuzzer harness: raw source bytes through aura-parse's decode, parse and convert, unsealed. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "err.h"
#include "jsonr.h"
#include "jsonw.h"
#include "parse.h"
#include "pyparse/pyparse.h"

/*
 * aura-parse's own settings (main.c), so that what the fuzzer finds is what a scan meets;
 * the tree goes to a memory writer and is read back with lib/jsonr: a tree that is not
 * valid JSON is a finding too (abort).
 */
static struct parse_ctx pc = { .max_depth = 1000, .timeout_ms = 5000, .max_source = 64u << 20 };

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	aura_set_progname("fuzz-parse");
	parse_ctx_init(&pc);	/* the grammar, the codecs, the stack limit: as before sealing */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pyparse_limits lim = { .max_depth = pc.max_depth, .timeout_ms = pc.timeout_ms };
	struct pyparse_report rep;
	jw_reset(&pc.out);
	pyparse_to_json(pc.pp, (const char *)data, size, &lim, &pc.out, &rep);
	struct jsonr_error err;
	json_t *tree = jsonr_parse(pc.out.buf, pc.out.len, &err);
	if (!json_is_object(tree))
		abort();
	json_decref(tree);
	return 0;
}
