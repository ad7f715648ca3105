/* resolve.h: import-alias resolution: annotating a tree with the canonical names it uses. */
#ifndef REWRITE_RESOLVE_H
#define REWRITE_RESOLVE_H

#include <jansson.h>
#include <stdbool.h>

/*
 * Deepest JSON nesting the walk follows.  jansson refuses documents nested deeper than
 * 2048, so with this limit no tree we can load is cut short; the limit only keeps the
 * recursion bounded whatever the loader does.
 */
#define RESOLVE_MAX_DEPTH 2100

struct resolve_stats {
	unsigned long annotated;	/* nodes that got a `_resolved` */
	bool too_deep;			/* some subtree was beyond RESOLVE_MAX_DEPTH */
};

/*
 * Annotate `tree` (a Module, as docs/ast.md) in place: every Name and Attribute in load
 * context whose dotted name resolves through an import or to a builtin, and every Call
 * whose callee does, gets "_resolved": "<canonical.dotted.name>".  Existing `_resolved`
 * keys are recomputed, so resolving twice equals resolving once.  The root gets
 * "_rewritten": true so later stages know unresolved names were looked at.
 */
void resolve_tree(json_t *tree, struct resolve_stats *stats);

#endif
