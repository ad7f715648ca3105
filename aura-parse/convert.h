/* convert.h: tree-sitter's concrete syntax tree to Python's `ast` shape, written as JSON. */
#ifndef AURA_PARSE_CONVERT_H
#define AURA_PARSE_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <tree_sitter/api.h>

#include "jsonw.h"

/* What the conversion found besides the tree: the first syntax error and the first cut. */
struct convert_result {
	bool syntax_error;
	unsigned error_line, error_col;	/* 1-based line, 0-based byte column */
	bool truncated;
	unsigned trunc_line, trunc_col;
};

/* Map the grammar's symbols to the converter's node kinds; once, before sealing. */
void convert_init(const TSLanguage *lang);
void convert_done(void);

/*
 * Write the Module for `tree` (parsed from `src`, `len` bytes) as one JSON value into `w`.
 * Subtrees deeper than `max_depth` AST levels become {"_type":"Truncated"}.
 */
void convert_module(const TSTree *tree, const char *src, size_t len, unsigned max_depth,
		    struct jsonw *w, struct convert_result *res);

#endif
