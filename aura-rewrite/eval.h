/* eval.h: evaluating an expression subtree on constants (comprehension bodies, lambdas). */
#ifndef REWRITE_EVAL_H
#define REWRITE_EVAL_H

#include <jansson.h>

#include "astkind.h"
#include "budget.h"
#include "scope.h"
#include "value.h"

/* Deepest expression nesting evaluated: deeper subtrees are "unknown". */
#define EVAL_MAX_DEPTH 200

/* Names bound by the comprehension or lambda being evaluated, innermost first. */
struct env {
	const char *name;
	struct val *v;
	const struct env *next;
};

struct evalctx {
	struct budget *b;
	const struct scope_arena *arena;
};

/*
 * The value of `node` where names are looked up in `env`, then in the scope `sc`.  It
 * reads the `_resolved` the resolver already put on callees, and never changes the tree.
 * A new value, or NULL when not constant.
 */
struct val *eval_expr(struct evalctx *ec, const json_t *node, const struct scope *sc,
		      const struct env *env, int depth);

/* [elt for x in iterable if cond ...] (list, generator, dict comprehensions). */
struct val *eval_comprehension(struct evalctx *ec, const json_t *node, const struct scope *sc,
			       const struct env *env, int depth);

/* map(lambda x: ..., iterable): the list of results. */
struct val *eval_map_lambda(struct evalctx *ec, const json_t *lambda, const struct val *iterable,
			    const struct scope *sc, int depth);

/* Comparison (==, !=, <, in, ...) of constants; NULL when unknown. */
struct val *eval_compare(struct budget *b, enum ast_kind op, const struct val *l, const struct val *r);

#endif
