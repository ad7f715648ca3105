/* pyparse_scan.h: internal to lib/pyparse/ — a token-level pre-scan that finds top-level statements and bracketed newlines. */
#ifndef AURA_PYPARSE_SCAN_H
#define AURA_PYPARSE_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where a top-level statement may start: a line at column 0, outside brackets and strings. */
struct pyscan_cut {
	uint32_t byte, row;
	uint32_t weight;	/* code bytes before this cut (see pyscan.weight_total) */
	uint32_t tokens;	/* tokens, comments and lines from this cut to the next */
	uint32_t load;		/* the most parse-stack entries valid code may pile up there */
};

/*
 * tree-sitter 0.20.7 counts a node's children in 16 bits: a node given 65,536 or more
 * children corrupts the heap (a double free in ts_subtree_release).  A node's children
 * come off tree-sitter's parse stack, so what matters is how deep that stack may grow in
 * one parse: `load` bounds it for valid code (open brackets, prefix operators,
 * right-associative chains, runs of comments, block levels), `tokens` bounds it whatever
 * the code (error recovery may leave a few entries per token).  See pyparse.c.
 */
#define PYSCAN_LOAD_MAX 60000u

struct pyscan {
	struct pyscan_cut *cuts;	/* cuts[0] is always {0, 0} */
	size_t ncuts, cap;
	uint32_t *line_starts;		/* byte of every line's start (line_starts[0] == 0) */
	size_t nlines, lines_cap;
	size_t joined;			/* newlines inside brackets (what pyscan_join would change) */
	/*
	 * Code bytes: the source's bytes minus the bodies of plain string literals and comments.
	 * tree-sitter's stack depth grows with tokens, and a plain string is one token however
	 * long, so a 10 MB base64 literal weighs a few bytes (f-strings hold code: they count).
	 */
	uint32_t weight_total;
	/* the model's state (internal to pyparse_scan.c) */
	struct pyscan_frame *frames;
	size_t nframes, frames_cap;
};

/*
 * Scan `len` bytes of decoded source (as pysource_decode gives it) like CPython's tokenizer,
 * well enough to know strings, comments, brackets and line continuations; never recursive.
 * A cut is not placed before `else`/`elif`/`except`/`finally` or after a decorator line,
 * so a cut never splits a statement of valid code.
 */
void pyscan_run(struct pyscan *s, const char *src, size_t len);

/*
 * Copy `src` into `dst` (same length) with every newline inside brackets made a space and
 * comments inside brackets blanked: byte offsets are kept, and tree-sitter-python, whose
 * scanner mis-reads some indentation inside brackets, sees one logical line as one line.
 */
void pyscan_join(const char *src, size_t len, char *dst);

void pyscan_free(struct pyscan *s);

#endif
