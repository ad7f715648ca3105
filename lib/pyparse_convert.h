/* pyparse_convert.h: internal to lib/pyparse*.c — the CST→AST walk (use pyparse.h instead). */
#ifndef AURA_PYPARSE_CONVERT_H
#define AURA_PYPARSE_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <tree_sitter/api.h>

#include "jsonw.h"
#include "pyparse.h"

/* Map the grammar's symbols to the converter's node kinds; once, before sealing. */
void convert_init(const TSLanguage *lang);
void convert_done(void);

/*
 * Write the Module for `tree` (parsed from `src`, `len` bytes) as one JSON value into `w`.
 * Subtrees deeper than `max_depth` AST levels, or reached with more than `stack_budget`
 * bytes of C stack in use, become {"_type":"Truncated"}.
 * Sets the syntax-error and truncation fields of `res` (the caller zeroes it).
 */
void convert_module(const TSTree *tree, const char *src, size_t len, unsigned max_depth,
		    size_t stack_budget, struct jsonw *w, struct pyparse_report *res);

#endif
