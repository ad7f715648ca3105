/* pyparse.c: the public face of the Python parser: grammar setup, source decoding, parse, convert. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <tree_sitter/api.h>

#include "err.h"
#include "pyparse.h"
#include "pyparse_convert.h"
#include "pyparse_literals.h"
#include "pyparse_source.h"

/* Defined by third_party/tree-sitter-python's archive, which the stage links. */
const TSLanguage *tree_sitter_python(void);

struct pyparse {
	TSParser *parser;
	struct pysource_codecs *codecs;
	struct pysource text;	/* decoded source, reused from file to file */
	size_t stack_budget;	/* C stack the conversion may use, from RLIMIT_STACK */
};

/*
 * Half the stack limit (the caller may already be deep in its own walk), at most 32 MB;
 * read before sealing since getrlimit may be refused afterwards.
 */
static size_t stack_budget(void)
{
	struct rlimit rl;
	size_t lim = 8u << 20;
	if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		lim = (size_t)rl.rlim_cur;
	else if (getrlimit(RLIMIT_STACK, &rl) == 0)
		lim = 64u << 20;
	lim /= 2;
	return lim > (32u << 20) ? 32u << 20 : lim;
}

struct pyparse *pyparse_new(void)
{
	const TSLanguage *lang = tree_sitter_python();
	struct pyparse *pp = xmalloc(sizeof *pp);
	pp->parser = ts_parser_new();
	/* A grammar built for another tree-sitter ABI is refused here, not at the first file. */
	if (!pp->parser || !ts_parser_set_language(pp->parser, lang))
		aura_die("cannot load the Python grammar (tree-sitter ABI %u, library accepts %u..%u)",
			 ts_language_version(lang), TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION,
			 TREE_SITTER_LANGUAGE_VERSION);
	pp->stack_budget = stack_budget();
	pp->codecs = pysource_codecs_open();	/* iconv reads gconv modules from disk */
	pp->text = (struct pysource){ 0 };
	convert_init(lang);
	lit_init();
	return pp;
}

void pyparse_free(struct pyparse *pp)
{
	if (!pp)
		return;
	ts_parser_delete(pp->parser);
	pysource_codecs_close(pp->codecs);
	pysource_free(&pp->text);
	convert_done();
	free(pp);
}

int pyparse_to_json(struct pyparse *pp, const char *src, size_t len,
		    const struct pyparse_limits *lim, struct jsonw *out, struct pyparse_report *rep)
{
	unsigned max_depth = lim && lim->max_depth ? lim->max_depth : PYPARSE_DEFAULT_DEPTH;
	unsigned long timeout_ms = lim ? lim->timeout_ms : 0;

	*rep = (struct pyparse_report){ 0 };
	src = pysource_decode(&pp->text, pp->codecs, src, len, &len, rep);
	if (len > UINT32_MAX)
		len = UINT32_MAX;	/* tree-sitter's offsets are 32-bit; callers bound sizes first */

	ts_parser_set_timeout_micros(pp->parser, (uint64_t)timeout_ms * 1000);
	TSTree *tree = ts_parser_parse_string(pp->parser, NULL, src, (uint32_t)len);
	if (!tree) {
		/* Timed out (or cancelled): the parser keeps its state until reset. */
		ts_parser_reset(pp->parser);
		rep->timed_out = true;
		return -1;
	}
	convert_module(tree, src, len, max_depth, pp->stack_budget, out, rep);
	ts_tree_delete(tree);
	return 0;
}
