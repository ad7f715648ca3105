/* astwalk.c: walking an `ast` tree held as jansson values: node kinds, children, depth guard. */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "astwalk.h"

enum ast_kind ast_kind(const json_t *v)
{
	if (!json_is_object(v))
		return AST_NONE;
	/* The first field in insertion order: `_type` in every node aura-parse writes.  The
	 * name is compared a byte at a time: a call to strcmp here was half of
	 * aura-analyze's strcmp time on the standard library. */
	void *first = json_object_iter((json_t *)v);
	const char *key = first ? json_object_iter_key(first) : NULL;
	bool is_type = key && key[0] == '_' && key[1] == 't' && key[2] == 'y' && key[3] == 'p' &&
		       key[4] == 'e' && key[5] == '\0';
	const json_t *type = is_type ? json_object_iter_value(first) : json_object_get(v, "_type");
	if (!json_is_string(type))
		return AST_NONE;
	return ast_kind_from_name(json_string_value(type), json_string_length(type));
}

/* ---- children ---- */

void ast_children_init(struct ast_children *it, json_t *v)
{
	*it = (struct ast_children){ .parent = v };
	if (json_is_object(v))
		it->field = json_object_iter(v);
}

static bool holds_nodes(const json_t *v)
{
	return json_is_object(v) || json_is_array(v);
}

json_t *ast_children_next(struct ast_children *it)
{
	if (json_is_array(it->parent)) {
		while (it->index < json_array_size(it->parent)) {
			json_t *child = json_array_get(it->parent, it->index++);
			if (holds_nodes(child))
				return child;
		}
		return NULL;
	}
	while (it->field) {
		const char *key = json_object_iter_key(it->field);
		json_t *child = json_object_iter_value(it->field);
		it->field = json_object_iter_next(it->parent, it->field);
		if (key[0] != '_' && holds_nodes(child)) {
			it->key = key;
			return child;
		}
	}
	return NULL;
}

/* ---- the depth guard ---- */

#define WANT_STACK ((rlim_t)64 << 20)	/* address space, not memory: only a deep tree touches it */

size_t ast_stack_budget(void)
{
	struct rlimit rl;
	size_t lim = 8u << 20;
	if (getrlimit(RLIMIT_STACK, &rl) == 0) {
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < WANT_STACK) {
			rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > WANT_STACK ?
				WANT_STACK : rl.rlim_max;
			struct rlimit raised = { want, rl.rlim_max };
			if (want > rl.rlim_cur && setrlimit(RLIMIT_STACK, &raised) == 0)
				rl.rlim_cur = want;
		}
		lim = rl.rlim_cur == RLIM_INFINITY ? WANT_STACK : (size_t)rl.rlim_cur;
	}
	/*
	 * A quarter: the payload parser (lib/pyparse) takes up to half the limit from wherever
	 * it is called, and jansson and libc need some more below the deepest frame.  Measured
	 * in aura-rewrite: a Call costs about 400 bytes of stack per JSON level (the deepest
	 * kind), a List 110, so 2 MB (an 8 MB limit) follows 5,000 levels and 16 MB all 25,000.
	 */
	lim /= 4;
	return lim > (16u << 20) ? 16u << 20 : lim;
}
