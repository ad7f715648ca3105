/* jsonw_dump.c: writing a jansson value through lib/jsonw without recursion (any depth). */
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jsonw.h"

/*
 * jansson's own dumper recurses once per level (and jansson refuses to read back beyond
 * 2048), so deep syntax trees are written here with an explicit stack of open containers.
 * Each frame remembers where it is: the next array index or the next object iterator.
 */
struct dump_frame {
	const json_t *box;
	size_t index;		/* arrays: next element */
	void *iter;		/* objects: next member */
};

/* Write a scalar; returns false for a container (the caller opens it). */
static bool scalar(struct jsonw *w, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING: jw_string(w, json_string_value(v), json_string_length(v)); return true;
	case JSON_INTEGER: jw_int(w, json_integer_value(v)); return true;
	case JSON_REAL: jw_double(w, json_real_value(v)); return true;
	case JSON_TRUE: jw_bool(w, true); return true;
	case JSON_FALSE: jw_bool(w, false); return true;
	case JSON_NULL: jw_null(w); return true;
	default: return false;
	}
}

void jw_json(struct jsonw *w, const json_t *v)
{
	struct dump_frame local[32], *stack = local;
	size_t depth = 0, cap = sizeof local / sizeof local[0];

	if (!v) {
		jw_null(w);
		return;
	}
	for (;;) {
		/* Open v (a container) or write it (a scalar). */
		if (!scalar(w, v)) {
			if (depth == cap)
				stack = grow_stack(stack, local, &cap, sizeof *stack);
			bool obj = json_is_object(v);
			obj ? jw_object_begin(w) : jw_array_begin(w);
			stack[depth++] = (struct dump_frame){ v, 0, obj ? json_object_iter((json_t *)v) : NULL };
		}
		/* Find the next value to write, closing every container that is done. */
		v = NULL;
		while (depth > 0 && !v) {
			struct dump_frame *f = &stack[depth - 1];
			if (json_is_object(f->box)) {
				if (f->iter) {
					jw_key_n(w, json_object_iter_key(f->iter), json_object_iter_key_len(f->iter));
					v = json_object_iter_value(f->iter);
					f->iter = json_object_iter_next((json_t *)f->box, f->iter);
					continue;
				}
				jw_object_end(w);
			} else {
				if (f->index < json_array_size(f->box)) {
					v = json_array_get(f->box, f->index++);
					continue;
				}
				jw_array_end(w);
			}
			depth--;
		}
		if (!v)
			break;
	}
	if (stack != local)
		free(stack);
}
