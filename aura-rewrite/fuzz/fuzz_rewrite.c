/* fuzz_rewrite.c: libFuzzer harness: Python source through lib/pyparse and aura-rewrite's walk, unsealed. */
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "jsonr.h"
#include "jsonw.h"
#include "payload.h"
#include "pyparse/pyparse.h"
#include "resolve.h"
#include "rewrite.h"

/*
 * Each input is one Python file: parsed as aura-parse would, wrapped in an `ast` record,
 * rewritten (folding, decoding, payloads parsed and rewritten in turn), serialised as the
 * stage would write it, and thrown away.  jansson's own allocator is used, not the
 * stage's arena, so that AddressSanitizer sees every value freed.
 */

static struct pyparse *parser;
static struct jsonw out;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What main does before sealing. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	aura_set_progname("fuzz-rewrite");
	resolve_init();
	payload_init();
	parser = pyparse_new();
	jw_init(&out);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pyparse_limits lim = { .max_depth = PYPARSE_DEFAULT_DEPTH, .timeout_ms = 2000 };
	struct pyparse_report rep;
	jw_reset(&out);
	if (pyparse_to_json(parser, (const char *)data, size, &lim, &out, &rep) != 0)
		return 0;
	struct jsonr_error err;
	json_t *tree = jsonr_parse(out.buf, out.len, &err);
	if (!tree)	/* the parser wrote JSON lib/jsonr refuses: a bug in one of them */
		aura_die("parser output unreadable at byte %zu: %s", err.offset, err.text);
	json_t *rec = json_pack("{s:s, s:i, s:s, s:s, s:o}", "type", "ast", "v", 1,
				"artifact", "fuzz", "path", "fuzz.py", "tree", tree);
	const char *why;
	json_t *hits = rewrite_ast_record(rec, &why);
	if (!hits)
		aura_die("a parsed tree was not rewritten: %s", why);
	jw_reset(&out);
	jw_json(&out, rec);
	jw_json(&out, hits);
	json_decref(hits);
	json_decref(rec);
	return 0;
}
