/* resolve.h: the rewrite walk: canonical names, constant values and payloads on a tree. */
#ifndef REWRITE_RESOLVE_H
#define REWRITE_RESOLVE_H

#include <jansson.h>
#include <stdbool.h>

#include "budget.h"

/*
 * Deepest JSON nesting the walk follows.  The real bound is the C stack budget (see
 * resolve_init): measured, it allows far more than the 25,000 levels lib/jsonr reads
 * plus 8 payload layers of aura-parse's default depth; this number is only a backstop.
 */
#define RESOLVE_MAX_DEPTH 100000

/* Most findings (budget, marshal) one tree reports: the first ones say enough. */
#define RESOLVE_MAX_HITS 32

struct resolve_stats {
	unsigned long annotated;	/* nodes that got a `_resolved` */
	unsigned long folded;		/* nodes that got a `_value` */
	unsigned long payloads;		/* exec/eval payloads attached */
	bool too_deep;			/* some subtree was not followed (a DeepNesting hit says where) */
	json_t *hits;			/* [{detection, severity, score, line, col, message}] */
};

/* Read the stack limit, which bounds the walk's depth: before the sandbox is entered. */
void resolve_init(void);

/*
 * Rewrite `tree` (a Module, as docs/ast.md) in place, adding only `_` keys:
 *  - every Name and Attribute in load context whose dotted name resolves through an
 *    import, a builtin or a dynamic lookup, and every Call whose callee does, gets
 *    "_resolved": "<canonical.dotted.name>";
 *  - every expression that folds or decodes to a constant gets "_value" (the Constant
 *    value) and "_origin": {"rules": [...]} (docs/rewrite.md);
 *  - exec/eval/compile of a known string gets "_payload_source" and "_payload".
 * Existing annotations are recomputed, so rewriting twice equals rewriting once.  The
 * root gets "_rewritten": true.  `stats->hits` is a new array the caller releases.
 */
void resolve_tree(json_t *tree, struct resolve_stats *stats);

#endif
