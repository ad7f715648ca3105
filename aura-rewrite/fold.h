/* fold.h: constant folding: Python's operators, str/bytes methods and pure builtins on values. */
#ifndef REWRITE_FOLD_H
#define REWRITE_FOLD_H

#include "astkind.h"
#include "budget.h"
#include "value.h"

#define FOLD_MAX_ARGS 8

/* A call's arguments as far as they are known (values borrowed; NULL = unknown). */
struct call_args {
	size_t npos, nkw;
	struct val *pos[FOLD_MAX_ARGS];
	const char *posname[FOLD_MAX_ARGS];	/* canonical name of a positional argument */
	const char *kwname[FOLD_MAX_ARGS];
	struct val *kw[FOLD_MAX_ARGS];
	bool complete;	/* no starred or double-starred argument, at most FOLD_MAX_ARGS of each */
};

/* The keyword `name`, else positional `index` (may be NULL: unknown or absent). */
struct val *call_arg_val(const struct call_args *a, size_t index, const char *name);
bool call_has_arg(const struct call_args *a, size_t index, const char *name);

/*
 * Every function returns a new value or NULL ("unknown": not constant, not supported, or
 * a limit crossed, in which case b->why says so).  `op` is the operator node's kind.
 */
struct val *fold_binop(struct budget *b, enum ast_kind op, const struct val *l, const struct val *r);
struct val *fold_unaryop(struct budget *b, enum ast_kind op, const struct val *v);
struct val *fold_subscript(struct budget *b, const struct val *v, const struct val *index);
/* A call of the function with canonical name `callee` (builtins.chr, base64.b64decode, ...). */
struct val *fold_call(struct budget *b, const char *callee, const struct call_args *a);
/* recv.method(...) on a constant str, bytes or dict. */
struct val *fold_method(struct budget *b, const struct val *recv, const char *method,
			const struct call_args *a);
/* str(v), as an f-string's {v} gives it. */
struct val *fold_str(struct budget *b, const struct val *v);
/* Concatenate str parts (an f-string). */
struct val *fold_concat_parts(struct budget *b, struct val *const *parts, size_t n);
/* The items iterating over `v` yields (new references), or false. */
bool fold_iter(struct budget *b, const struct val *v, struct val ***items, size_t *n);
/* Is `callee` something fold_call can evaluate with a single argument (map(chr, ...))? */
bool fold_known_function(const char *callee);

/*
 * The template of an environment variable that names a user or system folder (HOME → "~",
 * APPDATA → "%APPDATA%", ...) as a path value (rule fold:path), or NULL for any other.
 */
struct val *fold_env_folder(const char *name);

#endif
