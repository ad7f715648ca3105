/* astwalk.h: walking an `ast` tree held as jansson values: node kinds, children, depth guard. */
#ifndef AURA_ASTWALK_H
#define AURA_ASTWALK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "astkind.h"

/*
 * The kind of a JSON value: AST_NONE unless it is an object with a string `_type`.
 * aura-parse writes `_type` first, so this reads the object's first field (no hashing)
 * and, for the shared value lib/jsonr reads a known kind's name into (ast_kind_value),
 * takes the kind from the value's address; any other string is looked up in astkind's
 * table, and any other key order falls back to a lookup of `_type`.
 * Cheap enough to call at every use: a table from node address to kind, filled once per
 * record, measured no faster in aura-rewrite (docs/ast.md, "Walking the tree").
 */
enum ast_kind ast_kind(const json_t *v);

/*
 * The one shared `_type` string value of kind k (a known kind; NULL for AST_NONE and
 * AST_UNKNOWN): lib/jsonr puts it in every node of that kind it reads, and ast_kind knows
 * it by its address.  Static (json_incref/json_decref do nothing to it) and never to be
 * changed in place: to give a node another kind, set a new value for its `_type`.
 */
json_t *ast_kind_value(enum ast_kind k);

/* Is `v` a node of kind `k`? */
static inline bool ast_is(const json_t *v, enum ast_kind k)
{
	return ast_kind(v) == k;
}

/*
 * The one child iterator.  The children of an object are the values of its fields that
 * hold source: objects and arrays, except under keys starting with `_` (`_type` and the
 * annotations of later stages, such as a `_payload` tree, which a walker that wants it
 * visits on purpose).  The children of an array are its elements that are objects or
 * arrays.  Scalars have none.  A field added to the parent while iterating may or may
 * not be seen; annotating the children is fine.
 *
 *	struct ast_children it;
 *	json_t *child;
 *	for (ast_children_init(&it, node); (child = ast_children_next(&it));)
 *		walk(child, depth + 1);
 */
struct ast_children {
	json_t *parent;
	void *field;		/* object: the next field (a jansson iterator) */
	size_t index;		/* array: the next element */
	const char *key;	/* the field the last child came from; NULL in an array */
};

void ast_children_init(struct ast_children *it, json_t *v);
/* The next child, or NULL when there is none left. */
json_t *ast_children_next(struct ast_children *it);

/*
 * The one depth guard for recursive walks.  A recursion's frames differ in size from node
 * kind to node kind, so what bounds it is the C stack, measured from the frame that
 * started the walk; `max_depth` (JSON levels) is a backstop and a stage's own policy.
 * lib/jsonr reads trees up to JSONR_MAX_DEPTH (25,000) levels.
 */
struct ast_guard {
	uintptr_t stack_base;	/* an address in the frame that started the walk */
	size_t stack_budget;	/* bytes of stack the walk may use below it */
	int max_depth;
};

/*
 * Raise the soft stack limit (the main thread's stack grows on demand up to it) to 64 MB
 * when the hard limit allows, and return the stack a walk may use: a quarter of the
 * limit, at most 16 MB, leaving room for what the walk calls (the payload parser takes
 * up to half the limit from wherever it is called).  Call before entering the sandbox:
 * getrlimit/setrlimit may be denied after.
 */
size_t ast_stack_budget(void);

/* Start a walk from the calling function's frame. */
#define ast_guard_start(g, budget, depth_cap) \
	(*(g) = (struct ast_guard){ (uintptr_t)__builtin_frame_address(0), (budget), (depth_cap) })

/* May the walk go to `depth`?  False past max_depth or past the stack budget. */
static inline bool ast_guard_ok(const struct ast_guard *g, int depth)
{
	uintptr_t here = (uintptr_t)__builtin_frame_address(0);
	return depth <= g->max_depth && g->stack_base - here < g->stack_budget;
}

#endif
