/* pyparse_convert.h: internal to lib/pyparse/ — the CST→AST walk (use pyparse.h instead). */
#ifndef AURA_PYPARSE_CONVERT_H
#define AURA_PYPARSE_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <tree_sitter/api.h>

#include "jsonw.h"
#include "pyparse.h"

/* C stack one byte of text may cost a tree-sitter parse (the measurement is in pyparse.c). */
#define STACK_PER_BYTE 160u

/* Map the grammar's symbols to the converter's node kinds; once, before sealing. */
void convert_init(const TSLanguage *lang);
void convert_done(void);

/* The text a tree was parsed from. */
struct convert_source {
	const char *src;
	size_t len;
	/* NULL when tree-sitter's rows and columns are the source's; else the source's line
	 * starts, from which positions are computed (a copy with joined lines was parsed). */
	const uint32_t *line_starts;
	size_t nlines;
};

struct convert_limits {
	unsigned max_depth;	/* AST levels */
	size_t stack_budget;	/* bytes of C stack the walk may use */
	uint64_t deadline;	/* convert_now_us() after which nothing more is converted (0: none) */
};

/* The clock of deadlines: the process's CPU time in microseconds (the work, not the load). */
uint64_t convert_now_us(void);

/*
 * A Module is written as convert_begin, then convert_stmts for each tree whose top-level
 * statements belong to it (one tree, or one per chunk of a big file, in source order),
 * then convert_end.  Subtrees deeper than `max_depth` AST levels, or reached with more
 * than `stack_budget` bytes of C stack in use, become {"_type":"Truncated"}, and so does
 * every node reached after the deadline.  convert_stmts sets the syntax-error (if not set
 * yet), truncation and time-out fields of `res`.
 */
void convert_begin(struct jsonw *w);
void convert_stmts(const TSTree *tree, const struct convert_source *cs,
		   const struct convert_limits *lim, struct jsonw *w, struct pyparse_report *res);
void convert_end(struct jsonw *w);

#endif
