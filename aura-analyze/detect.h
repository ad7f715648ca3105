/* detect.h: walking an `ast` record's tree and emitting a hit for each rule that matches. */
#ifndef ANALYZE_DETECT_H
#define ANALYZE_DETECT_H

#include <jansson.h>
#include <stdbool.h>

#include "astwalk.h"

#include "rules.h"
#include "source.h"
#include "xref.h"

/*
 * How deep the walks of a tree go.  Records are read with lib/jsonr.h, which takes trees
 * up to JSONR_MAX_DEPTH (25,000) JSON levels (aura-parse keeps up to 10,000 AST levels
 * with --max-depth, about two JSON levels each).  What bounds a walk is the C stack
 * (lib/astwalk.h's guard, measured from detect_ast); this count is only a backstop.  Below
 * a cut nothing is analysed, and detect_ast writes an `error` record saying so, which
 * makes the artifact incomplete.
 */
#define DETECT_MAX_DEPTH 100000

/*
 * The one depth guard every walk of a tree checks (detect, reach, xref, taint), started in
 * detect_ast; `cut` is the JSON level where a walk was first stopped, 0 when none was.
 */
struct tree_guard {
	struct ast_guard guard;
	int cut;
};

/* May a walk go down to `depth`?  False (and the cut remembered) past the guard. */
bool tree_guard_ok(struct tree_guard *tg, int depth);

/* Measure the stack the walks may use: once, before entering the sandbox. */
void detect_init(void);
/* What it measured: the C stack a walk may use below the frame that starts it. */
size_t detect_stack_budget(void);

/* The name a call rule lists to match eval('exec'), a builtin fetched by evaluating its name
 * (aura-rewrite marks such a call `_evaluates_to`). */
#define BUILTIN_BY_NAME "__aura__.builtin_by_name"

/*
 * Emit (out_record) one hit per matching call, import, string and flow in the tree of `ast_rec`, in
 * source order.  `src` supplies evidence when it holds the record's file.  With `xref`,
 * the file's calls and its hits inside uncalled defs are noted for cross-file reachability.
 */
void detect_ast(const struct ruleset *rules, const json_t *ast_rec, struct source *src,
		struct xref *xref);

#endif
