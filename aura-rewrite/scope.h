/* scope.h: Python name scopes as the resolver sees them: which names an import bound. */
#ifndef REWRITE_SCOPE_H
#define REWRITE_SCOPE_H

#include <jansson.h>
#include <stdbool.h>

enum scope_kind { SCOPE_MODULE, SCOPE_FUNCTION, SCOPE_CLASS, SCOPE_COMPREHENSION };

struct val;

/*
 * A scope maps each name it binds to the canonical dotted name it currently stands for
 * (a JSON string: "os.system"), to a constant value (a JSON integer: a slot of the arena's
 * value table), or to JSON null when it is bound to something the resolver does not know
 * (an assignment of an unknown value, a def, a parameter).  A name absent from every
 * enclosing scope is a builtin or unknown.
 */
struct scope {
	enum scope_kind kind;
	struct scope *parent;
	json_t *names;		/* name -> canonical string | null */
	json_t *declared;	/* names declared `global`/`nonlocal` here: never bound locally */
	struct scope *next;	/* every scope of one tree, for freeing together */
};

struct scope_arena {
	struct scope *all;
	struct val **vals;	/* constant values bound to names, released with the arena */
	size_t nvals, capvals;
};

struct scope *scope_new(struct scope_arena *a, enum scope_kind kind, struct scope *parent);
void scope_arena_free(struct scope_arena *a);

/* Bind `name` in `s` to `canonical`, or to "unknown" when canonical is NULL. */
void scope_bind(struct scope *s, const char *name, const char *canonical);
/* Bind `name` in `s` to the constant `v` (a reference is taken). */
void scope_bind_value(struct scope_arena *a, struct scope *s, const char *name, struct val *v);
/* Forget the constant bound to `name` in `s`, if any (it may have changed). */
void scope_forget_value(struct scope *s, const char *name);
/* The constant `name` stands for, seen from `s` (borrowed), or NULL. */
struct val *scope_value(const struct scope_arena *a, const struct scope *s, const char *name);
/* Mark `name` local to `s` (a function's parameters and assigned names), unknown for now. */
void scope_declare_local(struct scope *s, const char *name);
void scope_declare_global(struct scope *s, const char *name);

/*
 * What `name` stands for, seen from `s`, following Python's rules (class bodies are not
 * visible from the functions inside them).  A malloc'd canonical name, or NULL.
 * A name bound nowhere that is a Python builtin resolves to "builtins.<name>"
 * (`__builtins__` itself to "builtins").
 */
char *scope_resolve(const struct scope *s, const char *name);

#endif
