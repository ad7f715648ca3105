/* pyparse.h: Python source → the `ast`-shaped JSON tree of docs/ast.md (tree-sitter-python inside). */
#ifndef AURA_PYPARSE_H
#define AURA_PYPARSE_H

/*
 * How a stage uses it:
 *   1. Link the grammar: the Makefile adds third_party/tree-sitter-python's archive to
 *      aura-parse and aura-rewrite (add a stage to STAGE_RULE's `_EXTRA` filter for more),
 *      and put `tree-sitter` in the stage's LIBS_ line.
 *   2. Before sandbox_enter(): `struct pyparse *pp = pyparse_new();` (loads the grammar and
 *      opens the source codecs; fatal if the grammar does not load).  Nothing here opens
 *      files or allocates outside malloc afterwards, so it runs under any stage's seal.
 *   3. Per source: write the JSON around the tree yourself (e.g. `jw_key(w, "tree")`), then
 *      `pyparse_to_json(pp, src, len, &lim, w, &rep)`: it writes exactly one JSON value (the
 *      `{"_type":"Module",...}`) into `w`; `rep` says what the caller should report (hits:
 *      SyntaxError, DeepNesting, ParseTimeout, ...).
 *   4. pyparse_free(pp) at exit.
 * One struct pyparse is used by one thread at a time; several may exist.
 *
 * The source is raw file bytes: a UTF-8 BOM is dropped and a PEP 263 coding declaration
 * is honoured (see docs/ast.md, "Source decoding").  Positions in the tree are those of
 * CPython's `ast` (1-based lines, 0-based UTF-8 byte columns of the decoded text).
 * The walk never recurses deeper than `max_depth` AST levels.
 */

#include <stdbool.h>
#include <stddef.h>

#include "jsonw.h"

#define PYPARSE_DEFAULT_DEPTH 400u

struct pyparse;

struct pyparse_limits {
	unsigned max_depth;		/* AST levels kept; deeper subtrees become Truncated (0: default) */
	unsigned long timeout_ms;	/* stop parsing and converting after this long (0: never) */
};

/* What the parse found besides the tree; every line 1-based, every column a 0-based byte. */
struct pyparse_report {
	bool syntax_error;		/* tree-sitter found an ERROR or MISSING node */
	unsigned error_line, error_col;	/* ... the first one */
	bool truncated;			/* a subtree was cut at max_depth */
	unsigned trunc_line, trunc_col;	/* ... the first cut */
	unsigned trunc_depth;		/* AST levels above the first cut (max_depth, or fewer
					 * when the C stack budget ran out first) */
	bool oversize;			/* a top-level statement too big for one parse was
					 * left out (a Truncated statement stands for it) */
	unsigned oversize_line;		/* ... the first one's line */
	size_t oversize_bytes;		/* ... and size */
	bool overload;			/* a top-level statement that would overflow tree-sitter's
					 * 16-bit child counts was left out (a Truncated statement) */
	unsigned overload_line;		/* ... the first one's line */
	unsigned long overload_load;	/* ... and the parse-stack entries it may pile up */
	bool timed_out;			/* timeout_ms ran out: what was not parsed or converted
					 * by then is Truncated */
	unsigned timeout_line;		/* ... the line of the first such Truncated node */
	bool decode_error;		/* bytes invalid in the source's encoding (replaced by U+FFFD) */
	unsigned decode_line;		/* ... the first such line */
	char encoding[64];		/* the encoding used ("utf-8", or the declared name) */
	bool unknown_encoding;		/* a coding declaration named no codec at all: CPython
					 * refuses the file (it is read as UTF-8) */
	bool refused_encoding;		/* a declaration CPython refuses (another codec than
					 * utf-8 after a BOM, UTF-16/32) (read as UTF-8) */
	bool unsupported_encoding;	/* a codec CPython decodes the file with, and we cannot
					 * exactly: what runs is not what we read (as UTF-8) */
	bool nul_bytes;			/* NUL bytes (CPython refuses the file; read as spaces) */
	unsigned nul_line;		/* ... the first one's line */
};

/* Create a parser (grammar, codecs); call before sealing.  Fatal when the grammar fails. */
struct pyparse *pyparse_new(void);
void pyparse_free(struct pyparse *pp);

/*
 * Parse `len` bytes of Python source and write its Module as one JSON value into `out`.
 * Returns 0: the tree is always written, even with syntax errors or after the time-out
 * (parts not done are Truncated; see `rep`).  `lim` may be NULL for the defaults.
 */
int pyparse_to_json(struct pyparse *pp, const char *src, size_t len,
		    const struct pyparse_limits *lim, struct jsonw *out, struct pyparse_report *rep);

#endif
