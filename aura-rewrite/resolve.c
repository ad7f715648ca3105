/* resolve.c: import-alias resolution: annotating a tree with the canonical names it uses. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "resolve.h"
#include "scope.h"

/* Longest canonical name kept: a getattr chain of long strings must not grow without end. */
#define MAX_NAME 512

/*
 * A function body runs after the code around it, usually once the module has finished
 * executing, so its free names are looked up in the module's final bindings: bodies are
 * queued while the enclosing code is walked in order, and walked afterwards.
 */
struct deferred {
	json_t *node;		/* FunctionDef, AsyncFunctionDef or Lambda */
	struct scope *parent;
	int depth;
};

struct resolver {
	struct scope_arena arena;
	struct deferred *queue;
	size_t nqueue, capqueue;
	struct resolve_stats *stats;
};

static char *visit(struct resolver *rs, json_t *node, struct scope *sc, int depth);
static void bind_target(struct resolver *rs, json_t *t, struct scope *sc, const char *alias,
			int depth);

/* ---- small helpers on nodes ---- */

static const char *node_type(const json_t *n)
{
	return json_string_value(json_object_get(n, "_type"));
}

static bool is_type(const json_t *n, const char *type)
{
	const char *t = node_type(n);
	return t && strcmp(t, type) == 0;
}

static const char *str_field(const json_t *n, const char *key)
{
	return json_string_value(json_object_get(n, key));
}

/* Load context, or no context at all (hand-made trees): the only place a name is read. */
static bool is_load(const json_t *n)
{
	json_t *ctx = json_object_get(n, "ctx");
	return !ctx || is_type(ctx, "Load");
}

/* The string of a str Constant, or NULL. */
static const char *const_str(const json_t *n)
{
	return is_type(n, "Constant") ? str_field(n, "value") : NULL;
}

static char *capped_dup(const char *s, size_t n)
{
	if (n > MAX_NAME)
		return NULL;
	char *out = xmalloc(n + 1);
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

/* "base.attr", or NULL when that would be longer than MAX_NAME. */
static char *dotted(const char *base, const char *attr)
{
	size_t b = strlen(base), a = strlen(attr);
	if (b + 1 + a > MAX_NAME)
		return NULL;
	char *out = xmalloc(b + a + 2);
	memcpy(out, base, b);
	out[b] = '.';
	memcpy(out + b + 1, attr, a + 1);
	return out;
}

/* "os" of "os.path": the name `import os.path` binds. */
static char *first_component(const char *dotted_name)
{
	return capped_dup(dotted_name, strcspn(dotted_name, "."));
}

static void annotate(struct resolver *rs, json_t *node, const char *canonical)
{
	json_t *v = canonical ? json_string(canonical) : NULL;
	if (v) {
		json_object_set_new(node, "_resolved", v);
		rs->stats->annotated++;
	} else {
		json_object_del(node, "_resolved");	/* stale, from an earlier run */
	}
}

static bool too_deep(struct resolver *rs, int depth)
{
	if (depth <= RESOLVE_MAX_DEPTH)
		return false;
	rs->stats->too_deep = true;
	return true;
}

/* ---- generic walking ---- */

static void visit_children(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	const char *key;
	json_t *child;
	json_object_foreach(node, key, child) {
		if (key[0] == '_')	/* _type, and annotations: not source */
			continue;
		if (json_is_object(child) || json_is_array(child))
			free(visit(rs, child, sc, depth + 1));
	}
}

static char *visit_field(struct resolver *rs, json_t *node, const char *key, struct scope *sc,
			 int depth)
{
	json_t *child = json_object_get(node, key);
	return child ? visit(rs, child, sc, depth + 1) : NULL;
}

static void walk_field(struct resolver *rs, json_t *node, const char *key, struct scope *sc,
		       int depth)
{
	free(visit_field(rs, node, key, sc, depth));
}

/* ---- expressions ---- */

static char *on_name(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	const char *id = str_field(node, "id");
	char *r = id && is_load(node) ? scope_resolve(sc, id) : NULL;
	annotate(rs, node, r);
	return r;
}

static char *on_attribute(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	char *base = visit_field(rs, node, "value", sc, depth);
	const char *attr = str_field(node, "attr");
	char *r = base && attr && is_load(node) ? dotted(base, attr) : NULL;
	free(base);
	annotate(rs, node, r);
	return r;
}

/* Argument `index` of a call, or its keyword `kw`; NULL when absent or starred. */
static json_t *call_arg(json_t *call, size_t index, const char *kw)
{
	json_t *args = json_object_get(call, "args");
	for (size_t i = 0; i < json_array_size(args) && i <= index; i++)
		if (is_type(json_array_get(args, i), "Starred"))
			return NULL;
	if (index < json_array_size(args))
		return json_array_get(args, index);
	size_t i;
	json_t *k;
	json_array_foreach(json_object_get(call, "keywords"), i, k) {
		const char *name = str_field(k, "arg");
		if (kw && name && strcmp(name, kw) == 0)
			return json_object_get(k, "value");
	}
	return NULL;
}

/* __import__('a.b') returns package a, unless a fromlist asks for a.b itself. */
static bool fromlist_empty(const json_t *from)
{
	if (!from || (is_type(from, "Constant") && json_is_null(json_object_get(from, "value"))))
		return true;
	if (is_type(from, "List") || is_type(from, "Tuple"))
		return json_array_size(json_object_get(from, "elts")) == 0;
	return false;
}

/*
 * What a call evaluates to, when it is one of the dynamic ways to reach a module or one
 * of its attributes: __import__('os'), importlib.import_module('os'), getattr(os, 'system').
 * `argname` holds the canonical names of the first two positional arguments.
 */
static char *call_value(const char *callee, json_t *call, char *const argname[2])
{
	if (!callee)
		return NULL;
	if (strcmp(callee, "builtins.__import__") == 0 || strcmp(callee, "importlib.__import__") == 0) {
		const char *mod = const_str(call_arg(call, 0, "name"));
		if (!mod || !mod[0] || mod[0] == '.')
			return NULL;
		return fromlist_empty(call_arg(call, 3, "fromlist")) ? first_component(mod)
								     : capped_dup(mod, strlen(mod));
	}
	if (strcmp(callee, "importlib.import_module") == 0) {
		const char *mod = const_str(call_arg(call, 0, "name"));
		return mod && mod[0] && mod[0] != '.' ? capped_dup(mod, strlen(mod)) : NULL;
	}
	if (strcmp(callee, "builtins.getattr") == 0) {
		const char *attr = const_str(call_arg(call, 1, NULL));
		return argname[0] && attr && attr[0] ? dotted(argname[0], attr) : NULL;
	}
	return NULL;
}

static char *on_call(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	char *callee = visit_field(rs, node, "func", sc, depth);
	char *argname[2] = { NULL, NULL };
	json_t *args = json_object_get(node, "args");
	if (json_is_array(args) && !too_deep(rs, depth + 1)) {
		size_t i;
		json_t *arg;
		json_array_foreach(args, i, arg) {
			char *v = visit(rs, arg, sc, depth + 2);
			if (i < 2)
				argname[i] = v;
			else
				free(v);
		}
	}
	walk_field(rs, node, "keywords", sc, depth);
	annotate(rs, node, callee);
	char *value = call_value(callee, node, argname);
	free(callee);
	free(argname[0]);
	free(argname[1]);
	return value;
}

/*
 * sys.modules['os'] is the module os; builtins.__dict__['eval'] and, in an imported module,
 * __builtins__['eval'] (there __builtins__ is the dict) are builtins.eval.
 */
static char *on_subscript(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	char *base = visit_field(rs, node, "value", sc, depth);
	walk_field(rs, node, "slice", sc, depth);
	const char *key = const_str(json_object_get(node, "slice"));
	char *r = NULL;
	if (base && key && key[0] && is_load(node)) {
		size_t n = strlen(base), suffix = strlen(".__dict__");
		if (strcmp(base, "sys.modules") == 0)
			r = capped_dup(key, strlen(key));
		else if (strcmp(base, "builtins") == 0)
			r = dotted(base, key);
		else if (n > suffix && strcmp(base + n - suffix, ".__dict__") == 0) {
			base[n - suffix] = '\0';
			r = dotted(base, key);
		}
	}
	free(base);
	return r;
}

/* `(x := os.system)` binds x like an assignment and has the value's name. */
static char *on_named_expr(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	char *v = visit_field(rs, node, "value", sc, depth);
	bind_target(rs, json_object_get(node, "target"), sc, v, depth + 1);
	return v;
}

/* Comprehensions have their own scope: the loop variables do not leak (Python 3). */
static char *on_comprehension(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	struct scope *cs = scope_new(&rs->arena, SCOPE_COMPREHENSION, sc);
	size_t i;
	json_t *gen;
	json_array_foreach(json_object_get(node, "generators"), i, gen) {
		if (too_deep(rs, depth + 2))
			break;
		walk_field(rs, gen, "iter", cs, depth + 2);
		bind_target(rs, json_object_get(gen, "target"), cs, NULL, depth + 3);
		walk_field(rs, gen, "ifs", cs, depth + 2);
	}
	walk_field(rs, node, "elt", cs, depth);
	walk_field(rs, node, "key", cs, depth);
	walk_field(rs, node, "value", cs, depth);
	return NULL;
}

/* ---- binding statements ---- */

/*
 * Bind what an assignment target names: a plain name becomes an alias of `alias` (the
 * value's canonical name: `s = os.system`), or unknown; unpacking targets are unknown.
 * Attribute and subscript targets bind nothing but their parts are still read.
 */
static void bind_target(struct resolver *rs, json_t *t, struct scope *sc, const char *alias,
			int depth)
{
	if (!json_is_object(t) || too_deep(rs, depth))
		return;
	if (is_type(t, "Name")) {
		const char *id = str_field(t, "id");
		if (id)
			scope_bind(sc, id, alias);
		json_object_del(t, "_resolved");
	} else if (is_type(t, "Tuple") || is_type(t, "List")) {
		size_t i;
		json_t *elt;
		json_array_foreach(json_object_get(t, "elts"), i, elt)
			bind_target(rs, elt, sc, NULL, depth + 2);
	} else if (is_type(t, "Starred")) {
		bind_target(rs, json_object_get(t, "value"), sc, NULL, depth + 1);
	} else {
		free(visit(rs, t, sc, depth));
	}
}

static void bind_targets_field(struct resolver *rs, json_t *node, const char *key,
			       struct scope *sc, const char *alias, int depth)
{
	json_t *targets = json_object_get(node, key);
	if (!json_is_array(targets)) {
		bind_target(rs, targets, sc, alias, depth + 1);
		return;
	}
	size_t i;
	json_t *t;
	json_array_foreach(targets, i, t)
		bind_target(rs, t, sc, alias, depth + 2);
}

static char *on_import(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	size_t i;
	json_t *alias;
	json_array_foreach(json_object_get(node, "names"), i, alias) {
		const char *name = str_field(alias, "name"), *as = str_field(alias, "asname");
		if (!name)
			continue;
		if (as) {	/* import os.path as p: p is os.path */
			char *canon = capped_dup(name, strlen(name));
			scope_bind(sc, as, canon);
			free(canon);
		} else {	/* import os.path: binds os, and os.path is reached through it */
			char *first = first_component(name);
			if (first)
				scope_bind(sc, first, first);
			free(first);
		}
	}
	return NULL;
}

static char *on_import_from(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	const char *module = str_field(node, "module");
	json_int_t level = json_integer_value(json_object_get(node, "level"));
	size_t i;
	json_t *alias;
	json_array_foreach(json_object_get(node, "names"), i, alias) {
		const char *name = str_field(alias, "name"), *as = str_field(alias, "asname");
		if (!name || strcmp(name, "*") == 0)	/* star imports bind names we cannot see */
			continue;
		/* Relative imports name a module of the package itself: unknown, not os. */
		char *canon = module && level == 0 ? dotted(module, name) : NULL;
		scope_bind(sc, as ? as : name, canon);
		free(canon);
	}
	return NULL;
}

static void defer(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	if (rs->nqueue == rs->capqueue) {
		rs->capqueue = rs->capqueue ? rs->capqueue * 2 : 16;
		rs->queue = xrealloc(rs->queue, rs->capqueue * sizeof *rs->queue);
	}
	rs->queue[rs->nqueue++] = (struct deferred){ node, sc, depth };
}

/* Decorators, defaults and annotations run at definition time; the body later. */
static char *on_function_def(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	walk_field(rs, node, "decorator_list", sc, depth);
	walk_field(rs, node, "args", sc, depth);
	walk_field(rs, node, "returns", sc, depth);
	const char *name = str_field(node, "name");
	if (name)
		scope_bind(sc, name, NULL);
	defer(rs, node, sc, depth);
	return NULL;
}

static char *on_lambda(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	walk_field(rs, node, "args", sc, depth);
	defer(rs, node, sc, depth);
	return NULL;
}

/* A class body runs at once, in its own scope, which its methods do not see. */
static char *on_class_def(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	walk_field(rs, node, "decorator_list", sc, depth);
	walk_field(rs, node, "bases", sc, depth);
	walk_field(rs, node, "keywords", sc, depth);
	struct scope *cs = scope_new(&rs->arena, SCOPE_CLASS, sc);
	walk_field(rs, node, "body", cs, depth);
	const char *name = str_field(node, "name");
	if (name)
		scope_bind(sc, name, NULL);
	return NULL;
}

static char *on_assign(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	char *v = visit_field(rs, node, "value", sc, depth);
	bind_targets_field(rs, node, "targets", sc, v, depth);
	free(v);
	return NULL;
}

static char *on_ann_assign(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	walk_field(rs, node, "annotation", sc, depth);
	json_t *value = json_object_get(node, "value");
	if (!value || json_is_null(value))	/* `x: int` declares, binds nothing */
		return NULL;
	char *v = visit(rs, value, sc, depth + 1);
	bind_targets_field(rs, node, "target", sc, v, depth);
	free(v);
	return NULL;
}

static char *on_aug_assign(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	walk_field(rs, node, "value", sc, depth);
	bind_targets_field(rs, node, "target", sc, NULL, depth);
	return NULL;
}

static char *on_delete(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	bind_targets_field(rs, node, "targets", sc, NULL, depth);
	return NULL;
}

static char *on_for(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	walk_field(rs, node, "iter", sc, depth);
	bind_targets_field(rs, node, "target", sc, NULL, depth);
	walk_field(rs, node, "body", sc, depth);
	walk_field(rs, node, "orelse", sc, depth);
	return NULL;
}

static char *on_withitem(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	walk_field(rs, node, "context_expr", sc, depth);
	bind_targets_field(rs, node, "optional_vars", sc, NULL, depth);
	return NULL;
}

/* except E as name, case ... as name, *rest, **rest: bind to something unknown. */
static char *on_name_binder(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	visit_children(rs, node, sc, depth);
	const char *key = is_type(node, "MatchMapping") ? "rest" : "name";
	const char *name = str_field(node, key);
	if (name)
		scope_bind(sc, name, NULL);
	return NULL;
}

/* global/nonlocal were handled when the function's locals were collected. */
static char *on_nothing(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	return NULL;
}

typedef char *(*visit_fn)(struct resolver *rs, json_t *node, struct scope *sc, int depth);

/* Node types with their own handling, sorted by name for bsearch; the rest are walked. */
static const struct handler {
	const char *type;
	visit_fn fn;
} handlers[] = {
	{ "AnnAssign", on_ann_assign },
	{ "Assign", on_assign },
	{ "AsyncFor", on_for },
	{ "AsyncFunctionDef", on_function_def },
	{ "Attribute", on_attribute },
	{ "AugAssign", on_aug_assign },
	{ "Call", on_call },
	{ "ClassDef", on_class_def },
	{ "Delete", on_delete },
	{ "DictComp", on_comprehension },
	{ "ExceptHandler", on_name_binder },
	{ "For", on_for },
	{ "FunctionDef", on_function_def },
	{ "GeneratorExp", on_comprehension },
	{ "Global", on_nothing },
	{ "Import", on_import },
	{ "ImportFrom", on_import_from },
	{ "Lambda", on_lambda },
	{ "ListComp", on_comprehension },
	{ "MatchAs", on_name_binder },
	{ "MatchMapping", on_name_binder },
	{ "MatchStar", on_name_binder },
	{ "Name", on_name },
	{ "NamedExpr", on_named_expr },
	{ "Nonlocal", on_nothing },
	{ "SetComp", on_comprehension },
	{ "Subscript", on_subscript },
	{ "withitem", on_withitem },
};

static int compare_handler(const void *key, const void *elem)
{
	return strcmp(key, ((const struct handler *)elem)->type);
}

/* Walk one node (or array of nodes); returns the canonical name of its value, malloc'd, or NULL. */
static char *visit(struct resolver *rs, json_t *node, struct scope *sc, int depth)
{
	if (too_deep(rs, depth))
		return NULL;
	if (json_is_array(node)) {
		size_t i;
		json_t *elt;
		json_array_foreach(node, i, elt)
			free(visit(rs, elt, sc, depth + 1));
		return NULL;
	}
	if (!json_is_object(node))
		return NULL;
	const char *type = node_type(node);
	const struct handler *h = type ? bsearch(type, handlers, sizeof handlers / sizeof handlers[0],
						 sizeof handlers[0], compare_handler)
				       : NULL;
	if (h)
		return h->fn(rs, node, sc, depth);
	visit_children(rs, node, sc, depth);
	return NULL;
}

/* ---- function bodies ---- */

static void declare_arg(struct scope *fs, const json_t *arg)
{
	const char *name = str_field(arg, "arg");
	if (name)
		scope_declare_local(fs, name);
}

static void declare_params(struct scope *fs, const json_t *args)
{
	static const char *const lists[] = { "posonlyargs", "args", "kwonlyargs" };
	for (size_t l = 0; l < sizeof lists / sizeof lists[0]; l++) {
		size_t i;
		json_t *arg;
		json_array_foreach(json_object_get(args, lists[l]), i, arg)
			declare_arg(fs, arg);
	}
	declare_arg(fs, json_object_get(args, "vararg"));
	declare_arg(fs, json_object_get(args, "kwarg"));
}

/*
 * Python decides at compile time that a name assigned anywhere in a function is local to
 * all of it: collect those names (not descending into nested scopes) before the walk.
 */
static void collect_locals(struct resolver *rs, json_t *node, struct scope *fs, int depth)
{
	if (too_deep(rs, depth))
		return;
	if (json_is_array(node)) {
		size_t i;
		json_t *elt;
		json_array_foreach(node, i, elt)
			collect_locals(rs, elt, fs, depth + 1);
		return;
	}
	const char *type = node_type(node);
	if (!type)
		return;
	size_t i;
	json_t *alias;
	if (!strcmp(type, "FunctionDef") || !strcmp(type, "AsyncFunctionDef") ||
	    !strcmp(type, "ClassDef")) {
		if (str_field(node, "name"))
			scope_declare_local(fs, str_field(node, "name"));
		return;
	}
	if (!strcmp(type, "Lambda") || !strcmp(type, "ListComp") || !strcmp(type, "SetComp") ||
	    !strcmp(type, "DictComp") || !strcmp(type, "GeneratorExp"))
		return;
	if (!strcmp(type, "Global") || !strcmp(type, "Nonlocal")) {
		json_array_foreach(json_object_get(node, "names"), i, alias)
			if (json_is_string(alias))
				scope_declare_global(fs, json_string_value(alias));
		return;
	}
	if (!strcmp(type, "Name")) {
		if (!is_load(node) && str_field(node, "id"))
			scope_declare_local(fs, str_field(node, "id"));
		return;
	}
	if (!strcmp(type, "Import") || !strcmp(type, "ImportFrom")) {
		json_array_foreach(json_object_get(node, "names"), i, alias) {
			const char *name = str_field(alias, "name"), *as = str_field(alias, "asname");
			if (as)
				scope_declare_local(fs, as);
			else if (name && strcmp(name, "*") != 0) {
				char *first = strcmp(type, "Import") == 0 ? first_component(name)
									  : capped_dup(name, strlen(name));
				if (first)
					scope_declare_local(fs, first);
				free(first);
			}
		}
		return;
	}
	const char *binder = !strcmp(type, "MatchMapping") ? "rest"
			     : !strcmp(type, "ExceptHandler") || !strcmp(type, "MatchAs") ||
					 !strcmp(type, "MatchStar") ? "name" : NULL;
	if (binder && str_field(node, binder))
		scope_declare_local(fs, str_field(node, binder));
	const char *key;
	json_t *child;
	json_object_foreach(node, key, child)
		if (key[0] != '_' && (json_is_object(child) || json_is_array(child)))
			collect_locals(rs, child, fs, depth + 1);
}

static void run_function(struct resolver *rs, struct deferred d)
{
	struct scope *fs = scope_new(&rs->arena, SCOPE_FUNCTION, d.parent);
	json_t *body = json_object_get(d.node, "body");
	declare_params(fs, json_object_get(d.node, "args"));
	collect_locals(rs, body, fs, d.depth + 1);
	free(visit(rs, body, fs, d.depth + 1));
}

void resolve_tree(json_t *tree, struct resolve_stats *stats)
{
	struct resolver rs = { .stats = stats };
	*stats = (struct resolve_stats){ 0 };
	struct scope *module = scope_new(&rs.arena, SCOPE_MODULE, NULL);
	free(visit(&rs, tree, module, 0));
	/* The queue grows while it is drained: nested functions are queued by their parents. */
	for (size_t i = 0; i < rs.nqueue; i++)
		run_function(&rs, rs.queue[i]);
	if (json_is_object(tree))
		json_object_set_new(tree, "_rewritten", json_true());
	free(rs.queue);
	scope_arena_free(&rs.arena);
}
