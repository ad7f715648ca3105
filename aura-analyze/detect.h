/* detect.h: walking an `ast` record's tree and emitting a hit for each rule that matches. */
#ifndef ANALYZE_DETECT_H
#define ANALYZE_DETECT_H

#include <jansson.h>

#include "rules.h"
#include "source.h"
#include "xref.h"

/*
 * Deepest JSON nesting the walk follows.  Records are read with lib/jsonr.h, which has no
 * depth limit, so a deeper tree does arrive (aura-parse keeps up to 10000 AST levels with
 * --max-depth, about two JSON levels each): below this depth nothing is analysed, and
 * detect_ast writes an `error` record saying so, which makes the artifact incomplete.
 */
#define DETECT_MAX_DEPTH 2100

/* The name a call rule lists to match eval('exec'), a builtin fetched by evaluating its name
 * (aura-rewrite marks such a call `_evaluates_to`). */
#define BUILTIN_BY_NAME "__aura__.builtin_by_name"

/*
 * Emit (out_record) one hit per matching call and import in the tree of `ast_rec`, in
 * source order.  `src` supplies evidence when it holds the record's file.  With `xref`,
 * the file's calls and its hits inside uncalled defs are noted for cross-file reachability.
 */
void detect_ast(const struct ruleset *rules, const json_t *ast_rec, struct source *src,
		struct xref *xref);

#endif
